//! `Idempotency-Key` on POSTs (see `services::keyed`): the first request with a key runs and
//! its answer is kept; the same key with the same request replays that answer; with another
//! request it is a 422. A stored answer never holds a credential: sign-in, whose answer is a new
//! token, is not keyed at all (signing in again is harmless), and an answer that shows a secret
//! once (a webhook's signing secret) is kept as `ReplayedAs` says, without it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dealflow_core::check::Invalid;
use sha2::{Digest, Sha256};

use super::extract::Caller;
use super::problem::ApiError;
use crate::Services;
use crate::services::{KeyedAnswer, Remembered};

const HEADER: &str = "idempotency-key";

/// The route whose answer is a credential, never stored (as the API's router sees it, and
/// whole).
const NOT_KEYED: [&str; 2] = ["/auth/token", "/api/v1/auth/token"];

/// What a keyed request's answer is replayed as when the answer itself shows a secret once.
#[derive(Clone)]
pub struct ReplayedAs(pub String);

fn replay(answer: KeyedAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_client_error() { "application/problem+json" } else { "application/json" };
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], answer.body).into_response();
    response.headers_mut().insert("idempotent-replay", header::HeaderValue::from_static("true"));
    response
}

fn remembered(first: Remembered) -> Response {
    match first {
        Remembered::Replay(answer) => replay(answer),
        Remembered::Reused => ApiError::field("Idempotency-Key", Invalid::KeyReused).into_response(),
    }
}

pub async fn middleware(State(services): State<Services>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || NOT_KEYED.contains(&request.uri().path().trim_end_matches('/')) {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(request).await;
    };
    if key.is_empty() {
        return ApiError::field("Idempotency-Key", Invalid::Required).into_response();
    }
    if key.len() > 255 {
        return ApiError::field("Idempotency-Key", Invalid::TooLong { max: 255 }).into_response();
    }
    match keyed(&services, &key, request, next).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn keyed(services: &Services, key: &str, request: Request, next: Next) -> Result<Response, ApiError> {
    // Without a valid token the handler answers 401 itself; nothing to remember.
    let Some(caller) = Caller::authenticate(request.headers(), services).await? else { return Ok(next.run(request).await) };
    let actor = caller.actor.clone();
    let (mut parts, body) = request.into_parts();
    // The handler's `Caller` is this one: the token is looked up once.
    parts.extensions.insert(caller);
    let bytes: Bytes = to_bytes(body, super::body_limit(parts.uri.path())).await.map_err(|_| ApiError::too_large())?;
    let mut hasher = Sha256::new();
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if let Some(first) = services.recall(&actor, key, &request_hash).await? {
        return Ok(remembered(first));
    }
    let work = async {
        let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let kept = match parts.extensions.get::<ReplayedAs>() {
            Some(ReplayedAs(without_secret)) => without_secret.clone(),
            None => String::from_utf8_lossy(&body).into_owned(),
        };
        // Nothing is remembered for a failure of ours: a retry runs afresh.
        let answer = (!parts.status.is_server_error()).then(|| KeyedAnswer { status: parts.status.as_u16(), body: kept });
        ((parts, body), answer)
    };
    match services.once(&actor, key, &request_hash, work).await? {
        Ok((parts, body)) => Ok(Response::from_parts(parts, Body::from(body))),
        Err(first) => Ok(remembered(first)),
    }
}
