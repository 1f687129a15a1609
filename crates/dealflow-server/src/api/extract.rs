//! Request extractors: who is calling (a bearer token), in which language, and a strict JSON
//! body — the wrong media type, a body that is not JSON, unknown fields and wrong types each
//! get their own clear problem.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use dealflow_core::Locale;
use dealflow_store::queries::auth;
use dealflow_store::records::UserRecord;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::problem::ApiError;
use crate::Services;

/// The signed-in user, and the language answers are written in: the user's, unless the
/// request's `Accept-Language` names Russian or English.
pub struct Caller {
    pub user: UserRecord,
    pub locale: Locale,
    pub token_hash: String,
}

pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl FromRequestParts<Services> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Caller, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(ApiError::unauthorized)?;
        let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).ok_or_else(ApiError::unauthorized)?;
        let token_hash = hash_token(token.trim());
        let mut conn = services.store().read().await.map_err(|e| ApiError::from(crate::ServiceError::from(e)))?;
        let user = auth::user_of_token(&mut conn, &token_hash)
            .await
            .map_err(|e| ApiError::from(crate::ServiceError::from(e)))?
            .ok_or_else(ApiError::unauthorized)?;
        let locale = crate::http::asked_locale(&parts.headers).unwrap_or(user.locale);
        Ok(Caller { user, locale, token_hash })
    }
}

/// A JSON request body, checked strictly. An empty body reads as `{}`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Body<T>, ApiError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = read_body(request, state).await?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
        if bytes != b"{}" {
            let is_json = content_type.as_deref().is_some_and(|ct| {
                let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            });
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as application/json.",
                ));
            }
        }
        // PostgreSQL cannot store NUL characters in text; refuse them up front for both backends.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(ApiError::field("body", "text may not contain NUL characters"));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => match deserializer.end() {
                Ok(()) => Ok(Body(value)),
                Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", format!("The body is not valid JSON: {e}"))),
            },
            Err(error) => {
                let path = error.path().to_string();
                let inner = error.into_inner();
                match inner.classify() {
                    serde_json::error::Category::Data => {
                        let field = if path == "." { "body".to_owned() } else { path };
                        Err(ApiError::field(&field, strip_position(&inner.to_string())))
                    }
                    _ => Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", format!("The body is not valid JSON: {inner}"))),
                }
            }
        }
    }
}

/// The raw body, within the size limit.
async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is larger than 1 MiB.")
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", rejection.body_text())
        }
    })
}

/// serde's messages end in "at line 1 column 17"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Query-string parameters; a bad value is a 422 naming the parameter, like a bad body field.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Params<T>, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(Params).map_err(|error| {
            let field = error.path().to_string();
            let field = if field == "." { "query".to_owned() } else { field };
            ApiError::field(&field, strip_position(&error.into_inner().to_string()))
        })
    }
}

/// A process definition document: TOML (`application/toml`) or JSON (`application/json`).
pub struct DefinitionDocument {
    pub text: String,
    pub is_json: bool,
}

impl<S: Send + Sync> FromRequest<S> for DefinitionDocument {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<DefinitionDocument, ApiError> {
        let essence = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .unwrap_or_default();
        let is_json = match essence.as_str() {
            "application/json" => true,
            "application/toml" => false,
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the definition as application/toml or application/json.",
                ));
            }
        };
        let bytes = read_body(request, state).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", "The body is not UTF-8 text."))?;
        if text.contains('\0') || text.contains("\\u0000") {
            return Err(ApiError::field("body", "text may not contain NUL characters"));
        }
        Ok(DefinitionDocument { text, is_json })
    }
}

/// A calendar date written `YYYY-MM-DD`, as the instant its day starts in UTC.
pub fn day_start(field: &str, text: &str) -> Result<jiff::Timestamp, ApiError> {
    text.parse::<jiff::civil::Date>()
        .ok()
        .filter(|_| text.len() == 10)
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| ApiError::field(field, "must be a date written YYYY-MM-DD"))
}
