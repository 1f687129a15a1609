//! `Idempotency-Key` on POSTs: the first request with a key runs and its answer is kept; the
//! same key with the same request replays that answer; with another request it is a 422. Keys
//! belong to the user, so another user's key never reveals an answer. The answer is stored in
//! the request's own write transaction (`services::held`), so a crash can never keep an effect
//! without its answer or an answer without its effect; sends that race each other run, and all
//! but the first to commit are rolled back and replay the first one's answer.

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
use crate::services::held;
use crate::{ServiceError, Services};

const HEADER: &str = "idempotency-key";

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

/// A stored answer for this request, or the refusal of a key reused for another request.
fn replay_stored(stored: auth::StoredAnswer, request_hash: &str) -> Result<Response, ApiError> {
    if stored.request_hash != request_hash {
        return Err(ApiError::field("Idempotency-Key", "was already used for a different request"));
    }
    Ok(replay(stored.status, stored.body))
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
    let stored =
        auth::stored_answer(&mut *services.store().read().await.map_err(store_error)?, &user.id, key).await.map_err(store_error)?;
    if let Some(stored) = stored {
        return replay_stored(stored, &request_hash);
    }
    let (response, held) = held::holding(next.run(Request::from_parts(parts, Body::from(bytes)))).await;
    let status = response.status();
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    if status.is_server_error() {
        // Nothing is remembered for a failure of ours: a retry runs afresh.
        if let Some(tx) = held {
            tx.rollback().await.ok();
        }
        return Ok(Response::from_parts(parts, Body::from(body)));
    }
    let answer = auth::StoredAnswer {
        request_hash: request_hash.clone(),
        status: status.as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let now = services.clock().now();
    let saved = match held {
        Some(mut tx) => {
            let saved = auth::save_answer(&mut tx, &user.id, key, &answer, now).await;
            match saved {
                Ok(true) => {
                    tx.commit().await.map_err(store_error)?;
                    true
                }
                Ok(false) => {
                    tx.rollback().await.ok();
                    false
                }
                Err(error) => {
                    tx.rollback().await.ok();
                    // A racing send committed the same key first: the unique index refused ours.
                    if !matches!(error, dealflow_store::StoreError::Conflict { .. }) {
                        return Err(store_error(error));
                    }
                    false
                }
            }
        }
        None => {
            let mut conn = services.store().read().await.map_err(store_error)?;
            auth::save_answer(&mut conn, &user.id, key, &answer, now).await.map_err(store_error)?
        }
    };
    if saved {
        return Ok(Response::from_parts(parts, Body::from(body)));
    }
    // Another send of this key committed first; this one's effect was rolled back.
    match auth::stored_answer(&mut *services.store().read().await.map_err(store_error)?, &user.id, key).await.map_err(store_error)? {
        Some(stored) => replay_stored(stored, &request_hash),
        None => Err(ApiError::internal()),
    }
}
