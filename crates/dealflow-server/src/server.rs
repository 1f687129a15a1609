//! The HTTP server: the web app, the REST API under `/api/v1`, health probes and metrics, with
//! the security headers on every answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

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

/// How long a connection may take to send a request's headers, and how long one may sit idle
/// between requests: slow and silent clients are cut off after this.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest pause between two pieces of a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; further ones wait in the listen queue until one closes.
pub const MAX_CONNECTIONS: usize = 4_096;

/// Serves HTTP/1.1 until `shutdown` resolves, then finishes the requests in flight. Each
/// connection shares the one router (a clone per connection is a reference count; axum's own
/// `serve` rebuilt every route for each connection, about 2 MB each), answers within the header
/// and body timeouts, and holds a place among [`MAX_CONNECTIONS`].
pub async fn launch(listener: TcpListener, services: Services, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let app = router(services.clone()).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_TIMEOUT));
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let place = tokio::select! {
            place = places.clone().acquire_owned() => place.expect("the connection places are never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        stream.set_nodelay(true).ok();
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), hyper_util::service::TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
            drop(place);
        });
    }
    drop(listener);
    // Open event streams end now, or they would hold the graceful shutdown forever.
    services.begin_shutdown();
    graceful.shutdown().await;
    Ok(())
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
