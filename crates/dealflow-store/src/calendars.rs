//! Calendar feeds: each user's one secret iCalendar address, stored as the secret's hash.

use dealflow_core::records::UserRecord;
use jiff::Timestamp;

use crate::sql::{RowExt, millis};
use crate::{Result, Write};

crate::handle!(
    /// Calendar feeds.
    Calendars
);

/// A user's feed as stored: whose activities it carries and since when it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeedRecord {
    pub user_id: String,
    /// `own` or `team`.
    pub scope: String,
    pub created_at: Timestamp,
}

impl<A> Calendars<'_, A> {
    pub async fn of_user(&mut self, user_id: &str) -> Result<Option<CalendarFeedRecord>> {
        let row = crate::db::query("SELECT user_id, scope, created_at FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.c)
            .await?;
        row.map(|row| {
            Ok(CalendarFeedRecord { user_id: row.text("user_id")?, scope: row.text("scope")?, created_at: row.at("created_at")? })
        })
        .transpose()
    }

    /// The feed a secret's hash opens, with its user, if the user is active.
    pub async fn by_secret(&mut self, secret_hash: &str) -> Result<Option<(CalendarFeedRecord, UserRecord)>> {
        let sql = format!(
            "SELECT f.scope AS feed_scope, f.created_at AS feed_created_at, {} FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
             WHERE f.secret_hash = $1 AND u.active = 1",
            crate::users::COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row = crate::db::query(sql).bind(secret_hash).fetch_optional(&mut *self.c).await?;
        let Some(row) = row else { return Ok(None) };
        let user = crate::users::user(&row)?;
        let feed = CalendarFeedRecord { user_id: user.id.clone(), scope: row.text("feed_scope")?, created_at: row.at("feed_created_at")? };
        Ok(Some((feed, user)))
    }
}

impl Calendars<'_, Write> {
    /// Gives the user a feed with this secret, in place of any they had (whose address stops
    /// working).
    pub async fn replace(&mut self, user_id: &str, secret_hash: &str, scope: &str, now: Timestamp) -> Result<()> {
        self.revoke(user_id).await?;
        crate::db::query("INSERT INTO calendar_feeds (user_id, secret_hash, scope, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(secret_hash)
            .bind(scope)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    /// Ends the user's feed; whether they had one.
    pub async fn revoke(&mut self, user_id: &str) -> Result<bool> {
        let done = crate::db::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user_id).execute(&mut *self.c).await?;
        Ok(done.rows_affected() > 0)
    }
}
