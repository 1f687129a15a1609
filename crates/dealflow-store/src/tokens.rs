//! API tokens and web sessions (stored hashed), failed sign-ins, and the remembered answers to
//! keyed requests.

use dealflow_core::records::UserRecord;

use crate::sql::{RowExt, millis};
use crate::{Result, Write};

crate::handle!(
    /// Tokens, sign-in failures and idempotency keys.
    Tokens
);

/// A stored answer to a keyed request.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

impl<A> Tokens<'_, A> {
    /// The active user a live token belongs to.
    pub async fn user_of(&mut self, token_hash: &str) -> Result<Option<UserRecord>> {
        // One query: every request starts here.
        let sql = format!(
            "SELECT {} FROM users WHERE active = 1 AND id = (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)",
            crate::users::COLUMNS
        );
        let row = crate::db::query(sql).bind(token_hash).fetch_optional(&mut *self.c).await?;
        row.as_ref().map(crate::users::user).transpose()
    }

    pub async fn stored_answer(&mut self, user_id: &str, key: &str) -> Result<Option<StoredAnswer>> {
        let row = crate::db::query("SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_optional(&mut *self.c)
            .await?;
        row.map(|row| Ok(StoredAnswer { request_hash: row.text("request_hash")?, status: row.number("status")?, body: row.text("body")? }))
            .transpose()
    }
}

impl Tokens<'_, Write> {
    pub async fn insert(&mut self, token_hash: &str, user_id: &str, now: jiff::Timestamp) -> Result<()> {
        crate::db::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    pub async fn revoke(&mut self, token_hash: &str, now: jiff::Timestamp) -> Result<()> {
        crate::db::query("UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    /// Counts a sign-in attempt for `email` before its password is checked: `false`, and nothing
    /// written, when `limit` attempts have failed (or are being checked) since `since`. The count
    /// and the insert are one step for every caller at once — on SQLite the one writer runs them,
    /// on PostgreSQL a lock on the e-mail holds parallel attempts until this transaction ends —
    /// so parallel wrong passwords cannot all pass one read of the count. A success clears the
    /// address's attempts (`clear_failures`); a failure leaves its attempt counted.
    pub async fn claim_attempt(&mut self, email: &str, now: jiff::Timestamp, since: jiff::Timestamp, limit: i64) -> Result<bool> {
        let email = email.trim().to_lowercase();
        if !self.c.is_sqlite() {
            crate::db::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(&email).execute(&mut *self.c).await?;
        }
        let claimed = crate::db::query(
            "INSERT INTO login_failures (email_lower, at) SELECT $1, $2
             WHERE (SELECT COUNT(*) FROM login_failures WHERE email_lower = $1 AND at >= $3) < $4",
        )
        .bind(&email)
        .bind(millis(now))
        .bind(millis(since))
        .bind(limit)
        .execute(&mut *self.c)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    pub async fn clear_failures(&mut self, email: &str) -> Result<()> {
        crate::db::query("DELETE FROM login_failures WHERE email_lower = $1")
            .bind(email.trim().to_lowercase())
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    /// Forgets the answers to keyed requests given before `before`; answers how many.
    pub async fn sweep_answers(&mut self, before: jiff::Timestamp) -> Result<u64> {
        let done =
            crate::db::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(millis(before)).execute(&mut *self.c).await?;
        Ok(done.rows_affected())
    }

    /// Remembers the answer to a keyed request; `false` when the key already has one (another
    /// send of the same request got there first).
    pub async fn save_answer(&mut self, user_id: &str, key: &str, answer: &StoredAnswer, now: jiff::Timestamp) -> Result<bool> {
        let done = crate::db::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(&answer.request_hash)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
