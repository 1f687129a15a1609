//! Every API error is an RFC 9457 problem document with one of the codes of SPEC §5, written in
//! the caller's language: `Accept-Language` when it names Russian or English, else the signed-in
//! user's, else Russian. Errors are built as values and rendered last, when the language is
//! known; service errors are mapped here, once. A 500 says nothing internal; its cause is logged.

use std::cell::Cell;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_core::criteria::Unmet;
use dealflow_core::{EngineError, Locale, LocalizedText};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ServiceError;

/// One problem with one field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblemView {
    /// The field's path, such as `title` or `participants[1].role`.
    pub field: String,
    /// What is wrong, as a stable machine code (`required`, `too_long`, `not_money`, …).
    pub code: String,
    /// What is wrong, in the caller's language.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// For a process document: the line the problem is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
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
    pub errors: Vec<FieldProblemView>,
    /// For `version_conflict`: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// For `unknown_command`: commands that resemble what was typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<String>>,
    /// For `exit_criteria_unmet`: every criterion of the stage that does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmet: Option<Vec<UnmetView>>,
}

/// An exit criterion that does not hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmetView {
    /// `filled.<field>`, `present.participants`, `present.competitors` or `step.<step>.<result>`.
    pub code: String,
    /// What to do about it, in the caller's language.
    pub message: String,
}

impl UnmetView {
    pub fn new(unmet: &Unmet, locale: Locale) -> UnmetView {
        UnmetView { code: unmet.code.clone(), message: unmet.message.get(locale).to_owned() }
    }
}

/// An API error, not yet in words.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Unrendered>);

#[derive(Debug, Clone)]
struct Unrendered {
    status: StatusCode,
    code: &'static str,
    detail: LocalizedText,
    errors: Vec<FieldProblem>,
    version: Option<i64>,
    suggestions: Option<Vec<String>>,
    unmet: Vec<Unmet>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, ru: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError(Box::new(Unrendered {
            status,
            code,
            detail: LocalizedText::new(ru, en),
            errors: Vec::new(),
            version: None,
            suggestions: None,
            unmet: Vec::new(),
        }))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Сначала войдите: передайте Authorization: Bearer <token>.",
            "Sign in first: send Authorization: Bearer <token>.",
        )
    }

    pub fn not_found() -> ApiError {
        ServiceError::NotFound.into()
    }

    pub fn malformed(ru: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", ru, en)
    }

    pub fn too_large() -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "Тело запроса больше 1 МиБ.", "The body is larger than 1 MiB.")
    }

    pub fn unsupported_media_type(ru: &str, en: &str) -> ApiError {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", ru, en)
    }

    /// 422 with every problem of the input.
    pub fn invalid(problems: Vec<FieldProblem>) -> ApiError {
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "", "");
        error.0.errors = problems;
        error
    }

    pub fn field(field: &str, invalid: Invalid) -> ApiError {
        ApiError::invalid(vec![FieldProblem::new(field, invalid)])
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Что-то пошло не так на нашей стороне; ошибка записана в журнал.",
            "Something went wrong on our side; it has been logged.",
        )
    }

    /// `unknown_command` with the commands that resemble what was typed.
    pub fn unknown_command(typed: &str, suggestions: Vec<String>) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_command",
            format!("Команда «{typed}» не распознана."),
            format!("The command “{typed}” is not known."),
        );
        error.0.suggestions = Some(suggestions);
        error
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The problem document in `locale`.
    pub fn render(&self, locale: Locale) -> Problem {
        let e = &self.0;
        let errors: Vec<FieldProblemView> = e
            .errors
            .iter()
            .map(|p| {
                let (min, max) = p.invalid.bounds();
                let line = match &p.invalid {
                    Invalid::Definition { line, .. } => line.and_then(|l| u64::try_from(l).ok()),
                    _ => None,
                };
                FieldProblemView {
                    field: p.field.clone(),
                    code: p.invalid.code().to_owned(),
                    message: p.invalid.message(locale),
                    min,
                    max,
                    line,
                }
            })
            .collect();
        let detail = if errors.is_empty() {
            e.detail.get(locale).to_owned()
        } else {
            errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join(" ")
        };
        Problem {
            kind: format!("https://dealflow.dev/problems/{}", e.code),
            title: e.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: e.status.as_u16(),
            detail,
            code: e.code.to_owned(),
            errors,
            version: e.version,
            suggestions: e.suggestions.clone(),
            unmet: (!e.unmet.is_empty()).then(|| e.unmet.iter().map(|u| UnmetView::new(u, locale)).collect()),
        }
    }
}

impl From<FieldProblem> for ApiError {
    fn from(problem: FieldProblem) -> ApiError {
        ApiError::invalid(vec![problem])
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        let words = |locale| error.message(locale).unwrap_or_default();
        let (status, code) = match &error {
            ServiceError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::Engine(refusal) => match refusal {
                EngineError::OpportunityClosed => (StatusCode::CONFLICT, "opportunity_closed"),
                EngineError::ProcessAlreadyRunning => (StatusCode::CONFLICT, "process_already_running"),
                EngineError::ActivityNotOpen => (StatusCode::CONFLICT, "activity_not_open"),
                EngineError::ProcessNotRunning => (StatusCode::CONFLICT, "process_not_running"),
                EngineError::ExitCriteriaUnmet(_) => (StatusCode::UNPROCESSABLE_ENTITY, "exit_criteria_unmet"),
                // Refusals about a field or a missing record, should one arrive unconverted
                // (`ServiceError::from` turns them into those, never back into `Engine`).
                EngineError::ActivityNotFound
                | EngineError::UnknownResult(_)
                | EngineError::UnknownStage(_)
                | EngineError::InactiveStage(_)
                | EngineError::NotAFinalStage(_)
                | EngineError::ProcessInactive => return ServiceError::from(refusal.clone()).into(),
            },
            ServiceError::Invalid(problems) => return ApiError::invalid(problems.clone()),
            ServiceError::VersionConflict { .. } => (StatusCode::CONFLICT, "version_conflict"),
            ServiceError::PreconditionFailed { .. } => (StatusCode::PRECONDITION_FAILED, "version_conflict"),
            ServiceError::BadCredentials => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServiceError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ServiceError::OpportunityNotWon => (StatusCode::CONFLICT, "opportunity_not_won"),
            ServiceError::AlreadyExists(_) => (StatusCode::CONFLICT, "already_exists"),
            ServiceError::ImportBusy => (StatusCode::CONFLICT, "import_busy"),
            ServiceError::Store(cause) => {
                tracing::error!(error = %cause, "storage failure");
                return ApiError::internal();
            }
        };
        let mut api = ApiError::new(status, code, words(Locale::Ru), words(Locale::En));
        match error {
            ServiceError::VersionConflict { current } | ServiceError::PreconditionFailed { current } => api.0.version = Some(current),
            ServiceError::Engine(EngineError::ExitCriteriaUnmet(unmet)) => api.0.unmet = unmet,
            _ => {}
        }
        api
    }
}

tokio::task_local! {
    /// The language of this request's answers, and whether `Accept-Language` chose it.
    static LANGUAGE: Cell<(Locale, bool)>;
}

/// Middleware: the request's language is `Accept-Language`'s until the caller is known.
pub async fn in_callers_language(request: Request, next: Next) -> Response {
    let asked = crate::http::asked_locale(request.headers());
    LANGUAGE.scope(Cell::new((asked.unwrap_or(Locale::Ru), asked.is_some())), next.run(request)).await
}

/// The signed-in caller's language, unless `Accept-Language` chose one.
pub(super) fn caller_speaks(locale: Locale) {
    LANGUAGE
        .try_with(|language| {
            if !language.get().1 {
                language.set((locale, false));
            }
        })
        .ok();
}

fn language() -> Locale {
    LANGUAGE.try_with(|language| language.get().0).unwrap_or(Locale::Ru)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.render(language())).expect("problems serialize");
        (self.0.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
