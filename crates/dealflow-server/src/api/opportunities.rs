//! `/opportunities`: the list, one opportunity with its process, creating, stage changes (R4–R10),
//! closing, history, orders.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_core::health::HealthLevel;
use dealflow_core::records::{Competitor, Participant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, MoneyInput, Params, day_start, flag, money, nullable, page};
use super::problem::{ApiError, ApiResult, Problem, UnmetView};
use super::views::{ActivityView, HistoryView, OpportunityDetail, OpportunityView, Page, at};
use crate::Services;
use crate::services::{CloseInput, NewOpportunity, OpportunityChanges, OpportunityFilter};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this stage.
    pub stage: Option<String>,
    /// Only this owner.
    pub owner_id: Option<String>,
    /// Text in the title, account or contact name (any letter case).
    pub q: Option<String>,
    /// `true`: only open opportunities (non-final stage); `false`: only closed ones.
    #[param(value_type = Option<bool>)]
    pub open: Option<String>,
    /// Only of this account.
    pub account_id: Option<String>,
    /// Only of this contact.
    pub contact_id: Option<String>,
    /// `true`: only the open opportunities the daily watchdog last found without a next step.
    #[param(value_type = Option<bool>)]
    pub stale: Option<String>,
    /// Only the open opportunities whose health was last assessed at this level: `good`,
    /// `at_risk` or `poor` (assessed daily and within seconds of every change to the deal).
    pub health: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOpportunity {
    pub title: String,
    /// The caller when not given.
    pub owner_id: Option<String>,
    /// The first stage by position when not given.
    pub stage: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub amount: Option<MoneyInput>,
    /// 0–100.
    pub probability: Option<i64>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
    pub budget: Option<MoneyInput>,
    pub need: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStage {
    pub stage: String,
    /// When given, must equal the opportunity's version (409 `version_conflict` otherwise).
    pub version: Option<i64>,
    /// A supervisor's or administrator's reason to move forward with exit criteria unmet
    /// (otherwise 422 `exit_criteria_unmet`); written to the history.
    pub override_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A final stage.
    pub stage: String,
    pub actual_revenue: Option<MoneyInput>,
    #[schema(minimum = 0, maximum = 100000)]
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
    /// Closing won with exit criteria unmet: a supervisor's or administrator's reason.
    pub override_reason: Option<String>,
}

/// A probability in whole percent.
fn percent(value: Option<i64>) -> ApiResult<Option<u8>> {
    value.map(|p| dealflow_core::check::percent(p).map_err(|invalid| ApiError::field("probability", invalid))).transpose()
}

/// A calendar date `YYYY-MM-DD`, kept as written.
fn date(field: &str, value: Option<String>) -> ApiResult<Option<String>> {
    if let Some(text) = &value {
        day_start(field, text)?;
    }
    Ok(value)
}

/// A health level a list asks for.
fn health_level(level: &str) -> ApiResult<String> {
    match HealthLevel::parse(level) {
        Some(level) => Ok(level.as_str().to_owned()),
        None => Err(ApiError::field("health", Invalid::NotOneOf { allowed: HealthLevel::ALL.map(|l| l.as_str().to_owned()).to_vec() })),
    }
}

/// Opportunities the caller may see, newest first.
#[utoipa::path(get, path = "/opportunities", operation_id = "list_opportunities", tag = "opportunities", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<OpportunityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Page<OpportunityView>>> {
    let page = page(params.limit.as_deref(), params.cursor.as_deref())?;
    let filter = OpportunityFilter {
        stage: params.stage,
        owner_id: params.owner_id,
        q: params.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()),
        open: flag("open", params.open.as_deref())?,
        account_id: params.account_id,
        contact_id: params.contact_id,
        stale: flag("stale", params.stale.as_deref())? == Some(true),
        health: params.health.as_deref().map(health_level).transpose()?,
        ..OpportunityFilter::default()
    };
    let found = services.opportunities(&caller.actor, &filter, &page).await?;
    let next_cursor = found.next;
    let items = OpportunityView::all_of(&services, caller.locale, found.items).await?;
    Ok(Json(Page { items, next_cursor }))
}

/// Create an opportunity without a process.
#[utoipa::path(post, path = "/opportunities", operation_id = "create_opportunity", tag = "opportunities", request_body = CreateOpportunity, security(("bearer" = [])),
    responses((status = 201, body = OpportunityView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateOpportunity>,
) -> ApiResult<(StatusCode, Json<OpportunityView>)> {
    let new = NewOpportunity {
        title: input.title,
        owner_id: input.owner_id,
        stage: input.stage,
        account_id: input.account_id,
        contact_id: input.contact_id,
        amount: money("amount", &input.amount)?,
        probability: percent(input.probability)?,
        close_date: date("close_date", input.close_date)?,
        budget: money("budget", &input.budget)?,
        need: input.need,
    };
    let created = services.create_opportunity(&caller.actor, new).await?;
    Ok((StatusCode::CREATED, Json(OpportunityView::of(&services, caller.locale, created).await?)))
}

/// One opportunity, with its running or last process instance.
#[utoipa::path(get, path = "/opportunities/{id}", operation_id = "get_opportunity", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", security(("bearer" = [])),
    responses((status = 200, body = OpportunityDetail, headers(("ETag" = String, description = "the opportunity's version"))), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let (opportunity, process) = services.opportunity_with_process(&caller.actor, &id).await?;
    let tag = etag(opportunity.version);
    let opportunity = OpportunityView::of(&services, caller.locale, opportunity).await?;
    Ok((tag, Json(OpportunityDetail { opportunity, process: process.map(Into::into) })))
}

/// Move to any active stage (R6); entering and leaving stages creates and cancels activities.
#[utoipa::path(post, path = "/opportunities/{id}/stage", operation_id = "change_opportunity_stage", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", request_body = ChangeStage, security(("bearer" = [])),
    responses((status = 200, body = OpportunityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ChangeStage>,
) -> ApiResult<Json<OpportunityView>> {
    let reason = input.override_reason.as_deref();
    Ok(Json(services.change_stage_overriding(&caller.actor, &id, &input.stage, input.version, reason).await?.into()))
}

/// A process activity a stage change would create.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedActivity {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub owner_id: String,
    pub due_at: String,
    pub stage: String,
    pub step: String,
    pub stage_visit: u32,
}

/// A notification a stage change would send.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedNotification {
    pub user_id: String,
    pub kind: String,
    pub title: String,
}

/// What a stage change would do; nothing of it is written.
#[derive(Debug, Serialize, ToSchema)]
pub struct StagePreviewView {
    /// Open process activities the change would cancel (R5).
    pub cancelled: Vec<ActivityView>,
    /// Process activities it would create on the stages entered (R4), with their visit number.
    pub created: Vec<PlannedActivity>,
    /// Exit criteria the move leaves unmet: without an `override_reason` from a supervisor or
    /// administrator, `POST …/stage` answers 422 `exit_criteria_unmet`. The other fields say what
    /// the move would do once made.
    pub unmet: Vec<UnmetView>,
    pub notifications: Vec<PlannedNotification>,
    /// The stages the deal would enter, in order: the one asked for, then any the process moves on to.
    pub stages: Vec<String>,
}

/// What `POST /opportunities/{id}/stage` with the same body would do — the same engine decision,
/// with nothing written.
#[utoipa::path(post, path = "/opportunities/{id}/stage/preview", operation_id = "preview_opportunity_stage", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", request_body = ChangeStage, security(("bearer" = [])),
    responses((status = 200, body = StagePreviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn preview_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ChangeStage>,
) -> ApiResult<Json<StagePreviewView>> {
    let reason = input.override_reason.as_deref();
    let preview = services.preview_stage_change(&caller.actor, &id, &input.stage, input.version, reason).await?;
    let locale = caller.locale;
    Ok(Json(StagePreviewView {
        cancelled: preview.cancelled.into_iter().map(|a| ActivityView::new(a, locale)).collect(),
        created: preview
            .created
            .into_iter()
            .map(|a| PlannedActivity {
                kind: a.kind.as_str().to_owned(),
                title: a.title.get(locale).to_owned(),
                owner_id: a.owner_id,
                due_at: at(a.due_at),
                stage: a.stage.to_string(),
                step: a.step,
                stage_visit: a.visit,
            })
            .collect(),
        unmet: preview.unmet.iter().map(|u| UnmetView::new(u, locale)).collect(),
        notifications: preview
            .notifications
            .into_iter()
            .map(|n| PlannedNotification { user_id: n.user_id, kind: n.kind.as_str().to_owned(), title: n.title.get(locale).to_owned() })
            .collect(),
        stages: preview.stages.into_iter().map(|s| s.to_string()).collect(),
    }))
}

/// Close on a final stage with the closing figures.
#[utoipa::path(post, path = "/opportunities/{id}/close", operation_id = "close_opportunity", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", request_body = Close, security(("bearer" = [])),
    responses((status = 200, body = OpportunityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<Close>,
) -> ApiResult<Json<OpportunityView>> {
    let close = CloseInput {
        stage: input.stage,
        actual_revenue: money("actual_revenue", &input.actual_revenue)?,
        hours_spent: input.hours_spent,
        close_reason: input.close_reason,
        override_reason: input.override_reason,
    };
    Ok(Json(services.close(&caller.actor, &id, &close).await?.into()))
}

/// The stage history, oldest first (R12).
#[utoipa::path(get, path = "/opportunities/{id}/history", operation_id = "opportunity_history", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", security(("bearer" = [])),
    responses((status = 200, body = Page<HistoryView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn history(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Page<HistoryView>>> {
    let entries = services.history(&caller.actor, &id).await?;
    Ok(Json(Page::all(entries.into_iter().map(Into::into).collect())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    pub contact_id: String,
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorInput {
    pub name: String,
    #[serde(default)]
    pub note: String,
}

/// A PATCH of an opportunity: absent fields stay, `null` clears. The stage, closing time and
/// bookkeeping fields are read-only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOpportunity {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_id: Option<Option<String>>,
    pub owner_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub amount: Option<Option<MoneyInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub probability: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub close_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub budget: Option<Option<MoneyInput>>,
    pub budget_confirmed: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub decision_maker_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub need: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timeframe: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub tactic: Option<Option<String>>,
    pub participants: Option<Vec<ParticipantInput>>,
    pub competitors: Option<Vec<CompetitorInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub presentation_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub actual_revenue: Option<Option<MoneyInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100000)]
    pub hours_spent: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub close_reason: Option<Option<String>>,
    // Read-only: named so that the answer can say so.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub stage: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub id: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub lead_id: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub created_at: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub updated_at: Option<Option<serde_json::Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub opportunity_id: String,
    pub amount: String,
    pub status: String,
    pub created_at: String,
}

fn etag(version: i64) -> [(header::HeaderName, String); 1] {
    [(header::ETAG, format!("\"{version}\""))]
}

/// `If-Match: "<version>"` (or `*`); anything else that is not this version fails.
fn if_match(headers: &HeaderMap) -> Option<i64> {
    let value = headers.get(header::IF_MATCH)?.to_str().unwrap_or("").trim();
    if value == "*" {
        return None;
    }
    Some(value.trim_start_matches("W/").trim_matches('"').parse().unwrap_or(-1))
}

/// Change an opportunity's fields (not its stage). Honours `If-Match`; answers with an `ETag`.
#[utoipa::path(patch, path = "/opportunities/{id}", operation_id = "update_opportunity", tag = "opportunities", request_body = UpdateOpportunity, security(("bearer" = [])),
    params(("id" = String, Path, description = "the record's id"), ("If-Match" = Option<String>, Header, description = "\"<version>\": change only if the opportunity is still at this version")),
    responses((status = 200, body = OpportunityView, headers(("ETag" = String, description = "the opportunity's new version"))), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(input): Body<UpdateOpportunity>,
) -> ApiResult<impl IntoResponse> {
    let read_only = [
        ("stage", input.stage.is_some()),
        ("closed_at", input.closed_at.is_some()),
        ("id", input.id.is_some()),
        ("version", input.version.is_some()),
        ("lead_id", input.lead_id.is_some()),
        ("created_at", input.created_at.is_some()),
        ("updated_at", input.updated_at.is_some()),
    ];
    let fields: Vec<_> =
        read_only.iter().filter(|(_, present)| *present).map(|(field, _)| FieldProblem::new(*field, Invalid::ReadOnly)).collect();
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let money_change = |field: &str, m: &Option<Option<MoneyInput>>| -> ApiResult<Option<Option<dealflow_core::Money>>> {
        m.as_ref().map(|m| money(field, m)).transpose()
    };
    let changes = OpportunityChanges {
        title: input.title,
        account_id: input.account_id,
        contact_id: input.contact_id,
        owner_id: input.owner_id,
        amount: money_change("amount", &input.amount)?,
        probability: input.probability.map(percent).transpose()?,
        close_date: input.close_date.map(|d| date("close_date", d)).transpose()?,
        budget: money_change("budget", &input.budget)?,
        budget_confirmed: input.budget_confirmed,
        decision_maker_id: input.decision_maker_id,
        need: input.need,
        timeframe: input.timeframe,
        tactic: input.tactic,
        participants: input.participants.map(|ps| ps.into_iter().map(|p| Participant { contact_id: p.contact_id, role: p.role }).collect()),
        competitors: input.competitors.map(|cs| cs.into_iter().map(|c| Competitor { name: c.name, note: c.note }).collect()),
        presentation_id: input.presentation_id,
        actual_revenue: money_change("actual_revenue", &input.actual_revenue)?,
        hours_spent: input.hours_spent,
        close_reason: input.close_reason,
    };
    let changed = services.update_opportunity(&caller.actor, &id, changes, if_match(&headers)).await?;
    let tag = etag(changed.version);
    Ok((tag, Json(OpportunityView::of(&services, caller.locale, changed).await?)))
}

/// Create an order from a won opportunity.
#[utoipa::path(post, path = "/opportunities/{id}/order", operation_id = "create_order", params(("id" = String, Path, description = "the record's id")), tag = "opportunities", security(("bearer" = [])),
    responses((status = 201, body = OrderView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn order(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<OrderView>)> {
    let order = services.create_order(&caller.actor, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrderView {
            id: order.id,
            opportunity_id: order.opportunity_id,
            amount: order.amount.to_string(),
            status: order.status,
            created_at: order.created_at.to_string(),
        }),
    ))
}
