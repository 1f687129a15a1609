//! Webhooks: the endpoints with the form for a new one, and a page per endpoint with its
//! settings and delivery log, where a delivery can be sent again.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::super::connect_texts::ConnectTexts;
use super::super::session::{NoFields, PageForm, Viewer};
use super::super::{Chrome, FormErrors, OrPage, PageResult, admin_only, format};
use super::{checked, form_errors, saved};
use crate::Services;
use crate::paging::PageRequest;
use crate::services::{EVENT_TYPES, EndpointFields, WebhookEndpointRecord};

/// Deliveries a log page shows.
const LOG_PAGE: i64 = 50;

/// An event type with its name and whether the form has it ticked.
pub struct EventChoice {
    pub code: &'static str,
    pub name: &'static str,
    pub ticked: bool,
}

pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub events: String,
    /// Active, off or failing, in words; and whether it is failing.
    pub state: String,
    pub failing: bool,
}

/// What the endpoint form holds.
#[derive(Default)]
pub struct EndpointInput {
    pub url: String,
    pub active: bool,
    pub events: Vec<EventChoice>,
}

pub fn event_name(c: &ConnectTexts, code: &str) -> &'static str {
    match code {
        "opportunity.created" => c.event_opportunity_created,
        "opportunity.stage_changed" => c.event_stage_changed,
        "opportunity.closed" => c.event_opportunity_closed,
        "activity.created" => c.event_activity_created,
        "activity.completed" => c.event_activity_completed,
        "lead.converted" => c.event_lead_converted,
        _ => c.event_process_started,
    }
}

fn event_choices(c: &ConnectTexts, ticked: &[String]) -> Vec<EventChoice> {
    EVENT_TYPES.iter().map(|code| EventChoice { code, name: event_name(c, code), ticked: ticked.iter().any(|t| t == code) }).collect()
}

fn state_of(viewer: &Viewer, e: &WebhookEndpointRecord) -> String {
    let c = viewer.t().connect();
    match (e.active, e.failing_since) {
        (false, _) => c.webhook_off.to_owned(),
        (true, Some(since)) => c.webhook_failing.replace("{since}", &format::instant(since, viewer.actor.zone(), viewer.locale)),
        (true, None) => c.webhook_on.to_owned(),
    }
}

/// The form as sent: `url`, `secret`, `active` and one checkbox per event type, named by it.
fn fields_of(form: &BTreeMap<String, String>) -> EndpointFields {
    EndpointFields {
        url: form.get("url").cloned().unwrap_or_default(),
        secret: form.get("secret").cloned().filter(|s| !s.trim().is_empty()),
        event_types: EVENT_TYPES.iter().filter(|t| checked(&form.get(**t).cloned())).map(|t| (*t).to_owned()).collect(),
        active: Some(checked(&form.get("active").cloned())),
    }
}

fn input_of(c: &ConnectTexts, fields: &EndpointFields) -> EndpointInput {
    EndpointInput { url: fields.url.clone(), active: fields.active.unwrap_or(true), events: event_choices(c, &fields.event_types) }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_webhooks.html")]
pub struct WebhooksPage {
    chrome: Chrome,
    rows: Vec<EndpointRow>,
    input: EndpointInput,
    errors: FormErrors,
    /// The secret of the endpoint just made, shown once.
    new_secret: Option<(String, String)>,
}

async fn webhooks_page(services: &Services, viewer: &Viewer, input: EndpointInput, errors: FormErrors) -> PageResult<WebhooksPage> {
    let c = viewer.t().connect();
    let endpoints = services.webhook_endpoints(&viewer.actor).await.or_page(viewer)?;
    let rows = endpoints
        .iter()
        .map(|e| EndpointRow {
            id: e.id.clone(),
            url: e.url.clone(),
            events: e.event_types.iter().map(|t| event_name(c, t)).collect::<Vec<_>>().join(", "),
            state: state_of(viewer, e),
            failing: e.active && e.failing_since.is_some(),
        })
        .collect();
    Ok(WebhooksPage { chrome: Chrome::load(services, viewer, "admin", "/admin/webhooks").await?, rows, input, errors, new_secret: None })
}

pub async fn webhooks(State(services): State<Services>, viewer: Viewer) -> PageResult {
    admin_only(&viewer)?;
    let c = viewer.t().connect();
    let input = EndpointInput { active: true, events: event_choices(c, &[]), ..EndpointInput::default() };
    Ok(webhooks_page(&services, &viewer, input, FormErrors::default()).await?.into_response())
}

pub async fn create_webhook(State(services): State<Services>, form: PageForm<BTreeMap<String, String>>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let c = viewer.t().connect();
    let fields = fields_of(&form.input);
    match services.create_webhook_endpoint(&viewer.actor, fields.clone()).await {
        Ok(created) => {
            let input = EndpointInput { active: true, events: event_choices(c, &[]), ..EndpointInput::default() };
            let mut page = webhooks_page(&services, viewer, input, FormErrors::default()).await?;
            page.new_secret = Some((created.url, created.secret));
            Ok((StatusCode::CREATED, page).into_response())
        }
        Err(error) => {
            let errors = form_errors(viewer, error, &[])?;
            let page = webhooks_page(&services, viewer, input_of(c, &fields), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub struct DeliveryRow {
    pub id: String,
    pub at: String,
    pub event: &'static str,
    pub opportunity: Option<String>,
    pub status: &'static str,
    pub failed: bool,
    pub answer: String,
    pub duration: String,
    pub attempts: i64,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_webhook.html")]
pub struct WebhookPage {
    chrome: Chrome,
    id: String,
    state: String,
    input: EndpointInput,
    errors: FormErrors,
    deliveries: Vec<DeliveryRow>,
    next: Option<String>,
    saved: bool,
}

async fn webhook_page(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    input: Option<EndpointInput>,
    errors: FormErrors,
    cursor: Option<&str>,
) -> PageResult<WebhookPage> {
    let c = viewer.t().connect();
    let endpoint = services.webhook_endpoint(&viewer.actor, id).await.or_page(viewer)?;
    let log = services.webhook_deliveries(&viewer.actor, id, &PageRequest::lenient(LOG_PAGE, cursor)).await.or_page(viewer)?;
    let zone = viewer.actor.zone();
    let deliveries = log
        .items
        .into_iter()
        .map(|(d, e)| DeliveryRow {
            at: format::instant(d.last_attempt_at.unwrap_or(d.created_at), zone, viewer.locale),
            event: event_name(c, &e.kind),
            opportunity: e.opportunity_id,
            status: match d.status.as_str() {
                "delivered" => c.delivery_delivered,
                "failed" => c.delivery_failed,
                _ => c.delivery_pending,
            },
            failed: d.status == "failed" || d.error.is_some(),
            answer: d.answer_code.map(|code| code.to_string()).unwrap_or_else(|| "—".into()),
            duration: d.duration_ms.map(|ms| c.milliseconds.replace("{ms}", &ms.to_string())).unwrap_or_default(),
            attempts: d.attempts,
            error: d.error.unwrap_or_default(),
            id: d.id,
        })
        .collect();
    let input = input.unwrap_or_else(|| EndpointInput {
        url: endpoint.url.clone(),
        active: endpoint.active,
        events: event_choices(c, &endpoint.event_types),
    });
    Ok(WebhookPage {
        chrome: Chrome::load(services, viewer, "admin", &format!("/admin/webhooks/{id}")).await?,
        state: state_of(viewer, &endpoint),
        id: endpoint.id,
        input,
        errors,
        deliveries,
        next: log.next.map(|cursor| format!("/admin/webhooks/{id}?cursor={cursor}")),
        saved: false,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct LogQuery {
    saved: Option<String>,
    cursor: Option<String>,
}

pub async fn webhook(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(q): Query<LogQuery>) -> PageResult {
    admin_only(&viewer)?;
    let mut page = webhook_page(&services, &viewer, &id, None, FormErrors::default(), q.cursor.as_deref()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

pub async fn update_webhook(
    State(services): State<Services>,
    Path(id): Path<String>,
    form: PageForm<BTreeMap<String, String>>,
) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let fields = fields_of(&form.input);
    match services.update_webhook_endpoint(&viewer.actor, &id, fields.clone()).await {
        Ok(_) => Ok(saved(&format!("/admin/webhooks/{id}"))),
        Err(error) => {
            let errors = form_errors(viewer, error, &[])?;
            let input = input_of(viewer.t().connect(), &fields);
            let page = webhook_page(&services, viewer, &id, Some(input), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn delete_webhook(State(services): State<Services>, Path(id): Path<String>, form: PageForm<NoFields>) -> PageResult {
    admin_only(&form.viewer)?;
    services.delete_webhook_endpoint(&form.viewer.actor, &id).await.or_page(&form.viewer)?;
    Ok(Redirect::to("/admin/webhooks").into_response())
}

pub async fn resend_delivery(
    State(services): State<Services>,
    Path((id, delivery)): Path<(String, String)>,
    form: PageForm<NoFields>,
) -> PageResult {
    admin_only(&form.viewer)?;
    services.resend_webhook_delivery(&form.viewer.actor, &id, &delivery).await.or_page(&form.viewer)?;
    Ok(Redirect::to(&format!("/admin/webhooks/{id}#deliveries")).into_response())
}
