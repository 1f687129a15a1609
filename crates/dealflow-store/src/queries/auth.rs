//! API tokens (stored hashed) and failed sign-ins.

use sqlx::AnyConnection;

use super::millis;
use crate::Result;
use crate::records::UserRecord;

pub async fn insert_token(c: &mut AnyConnection, token_hash: &str, user_id: &str, now: jiff::Timestamp) -> Result<()> {
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(millis(now))
        .execute(c)
        .await?;
    Ok(())
}

/// The active user a live token belongs to.
pub async fn user_of_token(c: &mut AnyConnection, token_hash: &str) -> Result<Option<UserRecord>> {
    // One query: every API request starts here.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM users WHERE active = 1 AND id = (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)",
        super::users::COLUMNS
    )))
    .bind(token_hash)
    .fetch_optional(c)
    .await?;
    row.as_ref().map(super::users::user).transpose()
}

pub async fn revoke_token(c: &mut AnyConnection, token_hash: &str, now: jiff::Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash)
        .bind(millis(now))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn record_failure(c: &mut AnyConnection, email: &str, now: jiff::Timestamp) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (email_lower, at) VALUES ($1, $2)")
        .bind(email.trim().to_lowercase())
        .bind(millis(now))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn failures_since(c: &mut AnyConnection, email: &str, since: jiff::Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email_lower = $1 AND at >= $2")
        .bind(email.trim().to_lowercase())
        .bind(millis(since))
        .fetch_one(c)
        .await?)
}

pub async fn clear_failures(c: &mut AnyConnection, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email_lower = $1").bind(email.trim().to_lowercase()).execute(c).await?;
    Ok(())
}

/// A stored answer to a keyed request; `status` 0 means the first request is still running.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// Remembers the answer to a keyed request; `false` when the key already has one (another send
/// of the same request got there first).
pub async fn save_answer(c: &mut AnyConnection, user_id: &str, key: &str, answer: &StoredAnswer, now: jiff::Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(&answer.request_hash)
    .bind(i64::from(answer.status))
    .bind(&answer.body)
    .bind(millis(now))
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn stored_answer(c: &mut AnyConnection, user_id: &str, key: &str) -> Result<Option<StoredAnswer>> {
    let row: Option<(String, i64, String)> =
        sqlx::query_as("SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_optional(c)
            .await?;
    Ok(row.map(|(request_hash, status, body)| StoredAnswer { request_hash, status: status as u16, body }))
}
