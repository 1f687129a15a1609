//! Error policy: services answer `ServiceError`, an enum with meaning (the engine's refusals,
//! validation with the fields at fault, version conflicts, missing records). Storage failures
//! that are not about the request stay `Store` and become a 500 whose body says nothing
//! internal; the HTTP layer maps each variant to problem+json in one place.

use dealflow_core::EngineError;
use dealflow_store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("the record changed: its version is now {current}")]
    VersionConflict { current: i64 },
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed sign-ins")]
    RateLimited,
    /// An `If-Match` precondition did not hold.
    #[error("the record changed: its version is now {current}")]
    PreconditionFailed { current: i64 },
    #[error("the opportunity is not won")]
    OpportunityNotWon,
    #[error("already exists: {0}")]
    AlreadyExists(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Store(other),
        }
    }
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
