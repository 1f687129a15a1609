//! The HTTP server: the web app, the REST API under `/api/v1`, health probes and metrics, with
//! the security headers on every answer.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use crate::services::Services;

pub fn router(services: Services) -> Router {
    let mut router = Router::new();
    if services.clock().is_manual() {
        // Only a server started with a test clock (DEALFLOW_TEST_CLOCK=1) lets a test move it.
        router = router.route("/_test/clock", axum::routing::post(move_test_clock));
    }
    router
        .merge(crate::pages::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .nest("/api/v1", crate::api::router(services.clone()))
        .layer(axum::middleware::from_fn_with_state(services.metrics().clone(), crate::http::track))
        .layer(axum::middleware::from_fn(crate::http::security_headers))
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

#[derive(serde::Deserialize)]
struct ClockMove {
    hours: i64,
}

/// Moves the test clock on by `hours` and runs the daily jobs as a node would at that moment.
async fn move_test_clock(State(services): State<Services>, axum::extract::Query(by): axum::extract::Query<ClockMove>) -> Response {
    services.clock().advance(jiff::SignedDuration::from_hours(by.hours.clamp(0, 24 * 366)));
    let daily = async { Ok::<_, crate::ServiceError>((services.watch_next_steps().await?, services.assess_health().await?)) };
    match daily.await {
        Ok((report, health)) => axum::Json(serde_json::json!({
            "now": services.clock().now().to_string(),
            "ran": report.ran,
            "marked": report.marked,
            "escalated": report.escalated,
            "cleared": report.cleared,
            "assessed": health.assessed,
        }))
        .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn ready(State(services): State<Services>) -> Response {
    match services.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable").into_response()
        }
    }
}

/// Prometheus text, for administrators (401 without a token, 403 for anyone else).
async fn metrics(State(services): State<Services>, caller: crate::api::Caller) -> Result<Response, crate::api::ApiError> {
    caller.actor.require_admin()?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], services.metrics().render()).into_response())
}
