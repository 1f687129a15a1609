//! Users, their roles, supervisors and teams.

use crate::db::Row;
use dealflow_core::Locale;
use dealflow_core::records::{Role, UserRecord};

use crate::sql::{RowExt, flag, millis};
use crate::{Result, StoreError, Write};

crate::handle!(
    /// Users: the directory everyone reads, changed by administrators.
    Users
);

pub(crate) const COLUMNS: &str = "id, email, name, role, supervisor_id, locale, time_zone, active, password_hash, created_at";

pub(crate) fn user(row: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.text("id")?,
        email: row.text("email")?,
        name: row.text("name")?,
        role: Role::parse(&row.text("role")?).ok_or_else(|| StoreError::Corrupt("users.role".into()))?,
        supervisor_id: row.opt_text("supervisor_id")?,
        locale: Locale::parse(&row.text("locale")?).unwrap_or_default(),
        time_zone: row.opt_text("time_zone")?,
        active: row.boolean("active")?,
        password_hash: row.text("password_hash")?,
        created_at: row.at("created_at")?,
    })
}

impl<A> Users<'_, A> {
    /// How many minutes before an activity begins its owner is reminded (0: never).
    pub async fn reminder_minutes(&mut self, id: &str) -> Result<i64> {
        crate::db::query_scalar("SELECT reminder_minutes FROM users WHERE id = $1").bind(id).fetch_one(&mut *self.c).await
    }

    pub async fn get(&mut self, id: &str) -> Result<UserRecord> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let row = crate::db::query(sql).bind(id).fetch_one(&mut *self.c).await?;
        user(&row)
    }

    pub async fn find_by_email(&mut self, email: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email_lower = $1");
        let row = crate::db::query(sql).bind(email.trim().to_lowercase()).fetch_optional(&mut *self.c).await?;
        row.as_ref().map(user).transpose()
    }

    /// Everyone, by name.
    pub async fn list(&mut self) -> Result<Vec<UserRecord>> {
        let rows = crate::db::query(format!("SELECT {COLUMNS} FROM users ORDER BY name, id")).fetch_all(&mut *self.c).await?;
        rows.iter().map(user).collect()
    }

    pub async fn count(&mut self) -> Result<i64> {
        crate::db::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *self.c).await
    }

    pub async fn exists(&mut self, id: &str) -> Result<bool> {
        crate::sql::exists(self.c, "users", id).await
    }

    /// The ids of the users whose supervisor is `supervisor_id`.
    pub async fn team_of(&mut self, supervisor_id: &str) -> Result<Vec<String>> {
        crate::db::query_scalar("SELECT id FROM users WHERE supervisor_id = $1 ORDER BY id")
            .bind(supervisor_id)
            .fetch_all(&mut *self.c)
            .await
    }
}

impl Users<'_, Write> {
    pub async fn set_reminder_minutes(&mut self, id: &str, minutes: i64) -> Result<()> {
        let done =
            crate::db::query("UPDATE users SET reminder_minutes = $2 WHERE id = $1").bind(id).bind(minutes).execute(&mut *self.c).await?;
        crate::sql::one_row(&done)
    }

    pub async fn insert(&mut self, u: &UserRecord) -> Result<()> {
        crate::db::query(
            "INSERT INTO users (id, email, email_lower, name, role, supervisor_id, locale, time_zone, active, password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&u.id)
        .bind(&u.email)
        .bind(u.email.to_lowercase())
        .bind(&u.name)
        .bind(u.role.as_str())
        .bind(&u.supervisor_id)
        .bind(u.locale.as_str())
        .bind(&u.time_zone)
        .bind(flag(u.active))
        .bind(&u.password_hash)
        .bind(millis(u.created_at))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    /// Writes a user's changeable fields (email stays).
    pub async fn update(&mut self, u: &UserRecord, now: jiff::Timestamp) -> Result<()> {
        crate::db::query(
            "UPDATE users SET name = $2, role = $3, supervisor_id = $4, locale = $5, active = $6, password_hash = $7, updated_at = $8,
             time_zone = $9 WHERE id = $1",
        )
        .bind(&u.id)
        .bind(&u.name)
        .bind(u.role.as_str())
        .bind(&u.supervisor_id)
        .bind(u.locale.as_str())
        .bind(flag(u.active))
        .bind(&u.password_hash)
        .bind(millis(now))
        .bind(&u.time_zone)
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    /// Revokes every token of a user (on deactivation or a password change).
    pub async fn revoke_tokens(&mut self, user_id: &str, now: jiff::Timestamp) -> Result<()> {
        crate::db::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }
}
