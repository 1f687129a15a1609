//! Users, their roles and supervisors, and API tokens.

use dealflow_core::Locale;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{RowExt, flag, millis};
use crate::records::{Role, UserRecord};
use crate::{Result, StoreError};

pub(crate) const COLUMNS: &str = "id, email, name, role, supervisor_id, locale, active, password_hash, created_at";

pub(crate) fn user(row: &AnyRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.text("id")?,
        email: row.text("email")?,
        name: row.text("name")?,
        role: Role::parse(&row.text("role")?).ok_or_else(|| StoreError::Corrupt("users.role".into()))?,
        supervisor_id: row.opt_text("supervisor_id")?,
        locale: Locale::parse(&row.text("locale")?).unwrap_or_default(),
        active: row.boolean("active")?,
        password_hash: row.text("password_hash")?,
        created_at: row.at("created_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, u: &UserRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, email_lower, name, role, supervisor_id, locale, active, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&u.id)
    .bind(&u.email)
    .bind(u.email.to_lowercase())
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(&u.supervisor_id)
    .bind(u.locale.as_str())
    .bind(flag(u.active))
    .bind(&u.password_hash)
    .bind(millis(u.created_at))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id: &str) -> Result<UserRecord> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"))).bind(id).fetch_one(c).await?;
    user(&row)
}

pub async fn find_by_email(c: &mut AnyConnection, email: &str) -> Result<Option<UserRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE email_lower = $1")))
        .bind(email.trim().to_lowercase())
        .fetch_optional(c)
        .await?;
    row.as_ref().map(user).transpose()
}

pub async fn list(c: &mut AnyConnection) -> Result<Vec<UserRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users ORDER BY name, id"))).fetch_all(c).await?;
    rows.iter().map(user).collect()
}

pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await?)
}

/// The ids of the users whose supervisor is `supervisor_id`.
pub async fn team_of(c: &mut AnyConnection, supervisor_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE supervisor_id = $1 ORDER BY id").bind(supervisor_id).fetch_all(c).await?)
}

/// Writes a user's changeable fields (email stays).
pub async fn update(c: &mut AnyConnection, u: &UserRecord, now: jiff::Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE users SET name = $2, role = $3, supervisor_id = $4, locale = $5, active = $6, password_hash = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(&u.id)
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(&u.supervisor_id)
    .bind(u.locale.as_str())
    .bind(flag(u.active))
    .bind(&u.password_hash)
    .bind(millis(now))
    .execute(c)
    .await?;
    Ok(())
}

/// Revokes every token of a user (on deactivation or a password change).
pub async fn revoke_tokens(c: &mut AnyConnection, user_id: &str, now: jiff::Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(millis(now))
        .execute(c)
        .await?;
    Ok(())
}
