//! The HTTP server: health probes and the pipeline overview. The REST API and the web app
//! mount here as they arrive.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use dealflow_core::Locale;
use dealflow_store::queries::opportunities;
use tokio::net::TcpListener;

use crate::services::Services;

pub fn router(services: Services) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .nest("/api/v1", crate::api::router(services.clone()))
        .layer(axum::middleware::from_fn_with_state(services.clone(), crate::metrics::track))
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

/// The reader's language from `Accept-Language`: the first of ru/en named, Russian otherwise.
pub fn locale_from(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').filter_map(|part| Locale::parse(part.split(';').next()?.trim().get(..2)?)).next())
        .unwrap_or(Locale::Ru)
}

async fn overview(State(services): State<Services>, headers: HeaderMap) -> Response {
    let locale = locale_from(&headers);
    let result = async {
        let stages = services.stage_catalog().await?;
        let totals = opportunities::totals_by_stage(&mut *services.store().read().await?).await?;
        Ok::<_, crate::ServiceError>((stages, totals))
    }
    .await;
    let (stages, totals) = match result {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "overview failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let (title, stage_word, count_word, amount_word) = match locale {
        Locale::Ru => ("dealflow — воронка продаж", "Стадия", "Продаж", "Сумма"),
        Locale::En => ("dealflow — sales pipeline", "Stage", "Opportunities", "Amount"),
    };
    let mut rows = String::new();
    for stage in stages.all().iter().filter(|s| s.active) {
        let (count, amount) = totals.iter().find(|(code, ..)| stage.code == **code).map(|(_, n, total)| (*n, *total)).unwrap_or((0, 0));
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{count}</td><td>{}</td></tr>",
            escape(stage.name.get(locale)),
            dealflow_core::Money::from_minor_units(amount)
        ));
    }
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><table><thead><tr><th>{stage_word}</th><th>{count_word}</th><th>{amount_word}</th></tr></thead>\
         <tbody>{rows}</tbody></table></body></html>",
        lang = locale.as_str()
    );
    Html(page).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Prometheus text, for administrators (401 without a token, 403 for anyone else).
async fn metrics(State(services): State<Services>, caller: crate::api::Caller) -> Result<Response, crate::api::ApiError> {
    crate::api::require_admin(&caller.user)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], services.metrics().render()).into_response())
}
