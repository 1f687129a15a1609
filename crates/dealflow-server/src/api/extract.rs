//! Request extractors: who is calling (a bearer token), an administrator for the routes only
//! they may use (decided before the body is read), a strict JSON body, query parameters, and the
//! typed values that arrive as text. The wrong media type, a body that is not JSON and each
//! problem with a field get their own clear answer.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use dealflow_core::check::{self, Invalid};
use dealflow_core::{Locale, Money};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::json;
use super::problem::{ApiError, ApiResult, caller_speaks};
use crate::Services;
use crate::access::Actor;
use crate::paging::PageRequest;

/// The signed-in caller, and the language answers are written in: the caller's, unless the
/// request's `Accept-Language` names Russian or English.
#[derive(Clone)]
pub struct Caller {
    pub actor: Actor,
    pub locale: Locale,
    /// The token the request carries, to revoke on sign-out.
    pub token: String,
}

impl FromRequestParts<Services> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Caller, ApiError> {
        // A keyed request was authenticated already, by the idempotency layer.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        Caller::authenticate(&parts.headers, services).await?.ok_or_else(ApiError::unauthorized)
    }
}

impl Caller {
    /// The caller the request's bearer token names; `None` without a valid token.
    pub(super) async fn authenticate(headers: &HeaderMap, services: &Services) -> Result<Option<Caller>, ApiError> {
        let Some(token) = crate::http::bearer_token(headers).filter(|t| !crate::secrets::is_session(t)) else { return Ok(None) };
        let Some(actor) = services.authenticate(token).await? else { return Ok(None) };
        caller_speaks(actor.locale());
        let locale = crate::http::asked_locale(headers).unwrap_or(actor.locale());
        Ok(Some(Caller { actor, locale, token: token.to_owned() }))
    }
}

/// A caller who must be an administrator: anyone else gets 403 before their body is looked at.
pub struct Admin(pub Caller);

impl FromRequestParts<Services> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Admin, ApiError> {
        let caller = Caller::from_request_parts(parts, services).await?;
        caller.actor.require_admin()?;
        Ok(Admin(caller))
    }
}

/// A JSON request body, checked strictly. An empty body reads as `{}`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Body<T>, ApiError> {
        let media_type = media_type(request.headers());
        let bytes = read_body(request, state).await?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
        if bytes != b"{}" {
            let is_json = media_type == "application/json" || media_type.ends_with("+json");
            if !is_json {
                return Err(ApiError::unsupported_media_type("Отправьте тело как application/json.", "Send the body as application/json."));
            }
        }
        // PostgreSQL cannot store NUL characters in text; refuse them up front for both backends.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(ApiError::field("body", Invalid::NulCharacter));
        }
        // Syntax first: a body that is not JSON is malformed, whatever it would have held.
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            let position = format!("{}:{}", e.line(), e.column());
            ApiError::malformed(
                format!("Тело запроса — не JSON (строка:столбец {position})."),
                format!("The body is not valid JSON (line:column {position})."),
            )
        })?;
        Ok(Body(json::typed(value, "body")?))
    }
}

/// The request's media type without its parameters, lower-cased (empty when there is none).
fn media_type(headers: &HeaderMap) -> String {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The raw body, within the size limit.
async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::malformed("Тело запроса не прочитать.", "The body could not be read.")
        }
    })
}

/// Query-string parameters; an unknown one is a 422 naming it, like a field of a body.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Params<T>, ApiError> {
        let query = json::query_object(parts.uri.query().unwrap_or(""));
        Ok(Params(json::typed(query, "query")?))
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
        let is_json = match media_type(request.headers()).as_str() {
            "application/json" => true,
            "application/toml" => false,
            _ => {
                return Err(ApiError::unsupported_media_type(
                    "Отправьте описание процесса как application/toml или application/json.",
                    "Send the definition as application/toml or application/json.",
                ));
            }
        };
        let bytes = read_body(request, state).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::malformed("Тело запроса — не текст UTF-8.", "The body is not UTF-8 text."))?;
        if text.contains('\0') || text.contains("\\u0000") {
            return Err(ApiError::field("body", Invalid::NulCharacter));
        }
        Ok(DefinitionDocument { text, is_json })
    }
}

/// Money in a request: a decimal string or a JSON number with at most two fractional digits,
/// never negative. Read as it came; [`MoneyInput::money`] checks it.
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, example = "150000.00")]
pub struct MoneyInput(serde_json::Value);

impl<'de> Deserialize<'de> for MoneyInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(MoneyInput)
    }
}

impl MoneyInput {
    pub fn money(&self, field: &str) -> ApiResult<Money> {
        let text = match &self.0 {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(ApiError::field(field, Invalid::WrongType)),
        };
        check::money(&text).map_err(|invalid| ApiError::field(field, invalid))
    }
}

/// An optional amount of money.
pub fn money(field: &str, value: &Option<MoneyInput>) -> ApiResult<Option<Money>> {
    value.as_ref().map(|m| m.money(field)).transpose()
}

/// For PATCH bodies: an absent field is `None`, an explicit `null` is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A calendar date written `YYYY-MM-DD`, as the instant its day starts in UTC.
pub fn day_start(field: &str, text: &str) -> ApiResult<jiff::Timestamp> {
    check::day(text)
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| ApiError::field(field, Invalid::NotADate))
}

/// A time in RFC 3339.
pub fn instant(field: &str, value: Option<&str>) -> ApiResult<Option<jiff::Timestamp>> {
    value.map(|v| check::instant(v).map_err(|invalid| ApiError::field(field, invalid))).transpose()
}

/// `true` or `false` in a query string.
pub fn flag(field: &str, value: Option<&str>) -> ApiResult<Option<bool>> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::field(field, Invalid::NotOneOf { allowed: vec!["true".into(), "false".into()] })),
    }
}

/// `limit` and `cursor` of a list.
pub fn page(limit: Option<&str>, cursor: Option<&str>) -> ApiResult<PageRequest> {
    let limit = match limit {
        None => None,
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| ApiError::field("limit", Invalid::AtLeast { min: 1 }))?),
    };
    Ok(PageRequest::parse(limit, cursor)?)
}
