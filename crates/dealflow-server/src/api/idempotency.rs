//! `Idempotency-Key` on POSTs: the first request with a key runs and its answer is kept; the
//! same key with the same request replays that answer; with another request it is a 422. Keys
//! belong to the user, so another user's key never reveals an answer.

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dealflow_store::queries::auth;
use sha2::{Digest, Sha256};

use super::BODY_LIMIT;
use super::extract::hash_token;
use super::problem::ApiError;
use crate::{ServiceError, Services};

const HEADER: &str = "idempotency-key";
/// How long a repeat waits for the first request with its key to finish.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_client_error() { "application/problem+json" } else { "application/json" };
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    response.headers_mut().insert("idempotent-replay", header::HeaderValue::from_static("true"));
    response
}

pub async fn middleware(State(services): State<Services>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(request).await;
    };
    if key.is_empty() || key.len() > 255 {
        return ApiError::field("Idempotency-Key", "must be 1 to 255 characters").into_response();
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = token else { return next.run(request).await };
    match keyed(&services, &key, &token, request, next).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn keyed(services: &Services, key: &str, token: &str, request: Request, next: Next) -> Result<Response, ApiError> {
    let store_error = |e: dealflow_store::StoreError| ApiError::from(ServiceError::from(e));
    let user = {
        let mut conn = services.store().read().await.map_err(store_error)?;
        auth::user_of_token(&mut conn, &hash_token(token.trim())).await.map_err(store_error)?
    };
    // Without a valid token the handler answers 401 itself; nothing to remember.
    let Some(user) = user else { return Ok(next.run(request).await) };
    let (parts, body) = request.into_parts();
    let bytes: Bytes = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is larger than 1 MiB."))?;
    let mut hasher = Sha256::new();
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let now = services.clock().now();
    let claimed = {
        let mut conn = services.store().read().await.map_err(store_error)?;
        auth::claim_idempotency_key(&mut conn, &user.id, key, &request_hash, now).await.map_err(store_error)?
    };
    if !claimed {
        let waited = tokio::time::Instant::now();
        loop {
            let stored = {
                let mut conn = services.store().read().await.map_err(store_error)?;
                auth::stored_answer(&mut conn, &user.id, key).await.map_err(store_error)?
            };
            match stored {
                Some(stored) if stored.request_hash != request_hash => {
                    return Err(ApiError::field("Idempotency-Key", "was already used for a different request"));
                }
                Some(stored) if stored.status != 0 => return Ok(replay(stored.status, stored.body)),
                // Released after a failure: run this one as the first.
                None => return Box::pin(keyed(services, key, token, Request::from_parts(parts, Body::from(bytes)), next)).await,
                Some(_) if waited.elapsed() > WAIT_FOR_FIRST => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "request_in_progress",
                        "A request with this Idempotency-Key is still running.",
                    ));
                }
                Some(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = response.status();
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut conn = services.store().read().await.map_err(store_error)?;
    if status.is_server_error() {
        auth::release_idempotency_key(&mut conn, &user.id, key).await.map_err(store_error)?;
    } else {
        auth::store_answer(&mut conn, &user.id, key, status.as_u16(), &String::from_utf8_lossy(&body)).await.map_err(store_error)?;
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}
