//! `/webhooks`: the endpoints administrators register for the events of SPEC §9, each with its
//! delivery log and a way to send a delivery again.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Admin, Body, Params, page};
use super::problem::{ApiResult, Problem};
use super::views::Page;
use crate::Services;
use crate::services::{DeliveryRecord, EndpointFields, OutboxEvent, WebhookEndpointRecord};

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// The events it takes: `opportunity.created`, `opportunity.stage_changed`,
    /// `opportunity.closed`, `activity.created`, `activity.completed`, `lead.converted`,
    /// `process.started`.
    pub event_types: Vec<String>,
    pub active: bool,
    /// Since when deliveries to it give up after a day of retries; null while it answers.
    pub failing_since: Option<String>,
    pub created_at: String,
    /// The signing secret: in the answer that creates the endpoint or sets a new one, else null
    /// (also in the replay of a creation sent again with its `Idempotency-Key`).
    pub secret: Option<String>,
}

impl WebhookView {
    fn of(e: WebhookEndpointRecord, with_secret: bool) -> WebhookView {
        WebhookView {
            secret: with_secret.then_some(e.secret),
            id: e.id,
            url: e.url,
            event_types: e.event_types,
            active: e.active,
            failing_since: e.failing_since.map(|t| t.to_string()),
            created_at: e.created_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub opportunity_id: Option<String>,
    /// `pending`, `delivered` or `failed` (gave up after a day of retries).
    pub status: String,
    pub attempts: i64,
    /// The receiver's HTTP status at the latest attempt; null when it did not answer.
    pub answer_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<String>,
}

impl DeliveryView {
    fn of((d, e): (DeliveryRecord, OutboxEvent)) -> DeliveryView {
        DeliveryView {
            next_attempt_at: (d.status == "pending").then(|| d.next_attempt_at.to_string()),
            id: d.id,
            event_id: e.id,
            kind: e.kind,
            opportunity_id: e.opportunity_id,
            status: d.status,
            attempts: d.attempts,
            answer_code: d.answer_code,
            error: d.error,
            duration_ms: d.duration_ms,
            created_at: d.created_at.to_string(),
            last_attempt_at: d.last_attempt_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An absolute `https://` (or `http://`) address.
    pub url: String,
    /// At least 16 characters; made up (and answered once) when not given.
    pub secret: Option<String>,
    pub event_types: Vec<String>,
    /// True when not given.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub secret: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The registered endpoints (administrators only).
#[utoipa::path(get, path = "/webhooks", operation_id = "list_webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = Page<WebhookView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(services): State<Services>, Admin(caller): Admin) -> ApiResult<Json<Page<WebhookView>>> {
    let found = services.webhook_endpoints(&caller.actor).await?;
    Ok(Json(Page::all(found.into_iter().map(|e| WebhookView::of(e, false)).collect())))
}

/// Register an endpoint: it gets the events of its types that happen from now on, signed with
/// its secret (`Dealflow-Signature`: HMAC-SHA256 of `Dealflow-Timestamp`, a dot and the body, hex).
#[utoipa::path(post, path = "/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = WebhookInput, security(("bearer" = [])),
    responses((status = 201, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(State(services): State<Services>, Admin(caller): Admin, Body(input): Body<WebhookInput>) -> ApiResult<Response> {
    let fields = EndpointFields { url: input.url, secret: input.secret, event_types: input.event_types, active: input.active };
    let created = services.create_webhook_endpoint(&caller.actor, fields).await?;
    // A keyed retry gets the endpoint without its secret: the secret is shown once.
    let replayed = serde_json::to_string(&WebhookView::of(created.clone(), false)).unwrap_or_default();
    let mut answer = (StatusCode::CREATED, Json(WebhookView::of(created, true))).into_response();
    answer.extensions_mut().insert(super::idempotency::ReplayedAs(replayed));
    Ok(answer)
}

/// One endpoint.
#[utoipa::path(get, path = "/webhooks/{id}", operation_id = "get_webhook", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, Admin(caller): Admin, Path(id): Path<String>) -> ApiResult<Json<WebhookView>> {
    Ok(Json(WebhookView::of(services.webhook_endpoint(&caller.actor, &id).await?, false)))
}

/// Change an endpoint's address, secret, event types or whether it is active.
#[utoipa::path(patch, path = "/webhooks/{id}", operation_id = "update_webhook", tag = "webhooks", params(("id" = String, Path)), request_body = WebhookChanges, security(("bearer" = [])),
    responses((status = 200, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    Body(input): Body<WebhookChanges>,
) -> ApiResult<Json<WebhookView>> {
    let current = services.webhook_endpoint(&caller.actor, &id).await?;
    let new_secret = input.secret.is_some();
    let fields = EndpointFields {
        url: input.url.unwrap_or(current.url),
        secret: input.secret,
        event_types: input.event_types.unwrap_or(current.event_types),
        active: input.active,
    };
    let changed = services.update_webhook_endpoint(&caller.actor, &id, fields).await?;
    Ok(Json(WebhookView::of(changed, new_secret)))
}

/// Remove an endpoint with its delivery log.
#[utoipa::path(delete, path = "/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(State(services): State<Services>, Admin(caller): Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    services.delete_webhook_endpoint(&caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's delivery log, newest first: each event's status, the receiver's answer code
/// and how long it took.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks", params(("id" = String, Path), DeliveryParams), security(("bearer" = [])),
    responses((status = 200, body = Page<DeliveryView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn deliveries(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    Params(params): Params<DeliveryParams>,
) -> ApiResult<Json<Page<DeliveryView>>> {
    let request = page(params.limit.as_deref(), params.cursor.as_deref())?;
    let found = services.webhook_deliveries(&caller.actor, &id, &request).await?;
    Ok(Json(Page::of(found, DeliveryView::of)))
}

/// Send a delivery's event again: a new delivery, due now, joins the log.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/resend", operation_id = "resend_webhook_delivery", tag = "webhooks",
    params(("id" = String, Path), ("delivery_id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = DeliveryView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn resend(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let resent = services.resend_webhook_delivery(&caller.actor, &id, &delivery_id).await?;
    Ok((StatusCode::CREATED, Json(DeliveryView::of(resent))))
}
