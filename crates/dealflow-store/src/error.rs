//! Storage errors are small: callers care whether a row was missing, whether a constraint
//! refused the write (a race or a duplicate), whether a retry may succeed, or whether something
//! else broke.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write.
    #[error("constraint {constraint} refused the write")]
    Conflict { constraint: String },
    #[error("configuration: {0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The shared commit of a batch of commands failed (the batch's commands are all undone).
    #[error("commit failed: {0}")]
    Commit(String),
    /// A lock, a serialization failure or a deadlock, or no connection free in time: a retry may
    /// succeed.
    #[error("busy: {0}")]
    Busy(String),
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_foreign_key_violation() => {
                let constraint = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
                StoreError::Conflict { constraint }
            }
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")) => StoreError::Busy(error.to_string()),
            sqlx::Error::PoolTimedOut => StoreError::Busy(error.to_string()),
            _ => StoreError::Other(error.to_string()),
        }
    }
}

impl StoreError {
    /// PostgreSQL serialization failures and deadlocks, SQLite's busy database: worth a retry.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy(_))
    }
}
