//! The HTTP server: the web app, the REST API under `/api/v1`, health probes and metrics, with
//! the security headers on every answer.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dealflow_core::Locale;
use tokio::net::TcpListener;

use crate::services::Services;

pub fn router(services: Services) -> Router {
    Router::new()
        .merge(crate::pages::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .nest("/api/v1", crate::api::router(services.clone()))
        .layer(axum::middleware::from_fn_with_state(services.clone(), crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::pages::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(services)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn launch(listener: TcpListener, services: Services, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let app = router(services.clone());
    let shutdown = async move {
        shutdown.await;
        // Open event streams end now, or they would hold the graceful shutdown forever.
        services.begin_shutdown();
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

async fn ready(State(services): State<Services>) -> Response {
    match services.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable").into_response()
        }
    }
}

/// The first of Russian and English that `Accept-Language` names, if it names one.
pub fn asked_locale(headers: &HeaderMap) -> Option<Locale> {
    headers
        .get(header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?
        .split(',')
        .filter_map(|part| Locale::parse(part.split(';').next()?.trim().get(..2)?))
        .next()
}

/// The reader's language from `Accept-Language`, Russian when it names neither.
pub fn locale_from(headers: &HeaderMap) -> Locale {
    asked_locale(headers).unwrap_or(Locale::Ru)
}

/// Prometheus text, for administrators (401 without a token, 403 for anyone else).
async fn metrics(State(services): State<Services>, caller: crate::api::Caller) -> Result<Response, crate::api::ApiError> {
    crate::api::require_admin(&caller.user)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], services.metrics().render()).into_response())
}
