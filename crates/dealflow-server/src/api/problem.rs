//! Every API error is an RFC 9457 problem document with one of the codes of SPEC §5. Service
//! errors are mapped here, once; a 500 says nothing internal and is logged with its cause.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dealflow_core::EngineError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{FieldError, ServiceError};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For `version_conflict`: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// For `unknown_command`: commands that resemble what was typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(Problem {
            kind: format!("https://dealflow.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            version: None,
            suggestions: None,
        }))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Sign in first: send Authorization: Bearer <token>.")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such record.")
    }

    pub fn forbidden(detail: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn invalid(fields: Vec<FieldError>) -> ApiError {
        let detail = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail);
        error.0.errors = fields.into_iter().map(|f| FieldProblem { field: f.field, message: f.message }).collect();
        error
    }

    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side; it has been logged.")
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        let conflict = |code: &str, detail: String| ApiError::new(StatusCode::CONFLICT, code, detail);
        match error {
            ServiceError::NotFound | ServiceError::Engine(EngineError::ActivityNotFound) => ApiError::not_found(),
            ServiceError::Engine(e @ EngineError::OpportunityClosed) => conflict("opportunity_closed", e.to_string()),
            ServiceError::Engine(e @ EngineError::ProcessAlreadyRunning) => conflict("process_already_running", e.to_string()),
            ServiceError::Engine(e @ EngineError::ActivityNotOpen) => conflict("activity_not_open", e.to_string()),
            ServiceError::Engine(e @ EngineError::ProcessNotRunning) => conflict("process_not_running", e.to_string()),
            ServiceError::Engine(e @ EngineError::ProcessInactive) => ApiError::field("code", e.to_string()),
            ServiceError::Engine(e @ EngineError::UnknownResult(_)) => ApiError::field("result", e.to_string()),
            ServiceError::Engine(e @ (EngineError::UnknownStage(_) | EngineError::InactiveStage(_) | EngineError::NotAFinalStage(_))) => {
                ApiError::field("stage", e.to_string())
            }
            ServiceError::Validation(fields) => ApiError::invalid(fields),
            ServiceError::VersionConflict { current } => {
                let mut error = conflict("version_conflict", format!("The record has changed; its version is now {current}."));
                error.0.version = Some(current);
                error
            }
            ServiceError::BadCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Wrong email or password."),
            ServiceError::RateLimited => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many failed sign-ins for this account; try again in 15 minutes.",
            ),
            ServiceError::PreconditionFailed { current } => {
                let detail = format!("If-Match does not hold: the version is now {current}.");
                let mut error = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_conflict", detail);
                error.0.version = Some(current);
                error
            }
            ServiceError::OpportunityNotWon => conflict("opportunity_not_won", "Orders are made from won opportunities only.".into()),
            ServiceError::AlreadyExists(what) => conflict("already_exists", format!("A record with this {what} already exists.")),
            ServiceError::Store(cause) => {
                tracing::error!(error = %cause, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&*self.0).expect("problems serialize");
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
