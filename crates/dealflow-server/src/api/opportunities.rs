//! `/opportunities`: the list, one opportunity with its process, creating, stage changes (R4–R10),
//! closing, history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_store::queries::{opportunities, processes};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::access::Scope;
use super::extract::{Body, Caller, Params};
use super::pagination::{Page, PageParams, cursor_for};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{HistoryView, MoneyInput, OpportunityDetail, OpportunityView};
use crate::services::{CloseInput, NewOpportunity};
use crate::{ServiceError, Services};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this stage.
    pub stage: Option<String>,
    /// Only this owner.
    pub owner_id: Option<String>,
    /// Text in the title, account or contact name (any letter case).
    pub q: Option<String>,
    /// `true`: only open opportunities (non-final stage); `false`: only closed ones.
    pub open: Option<bool>,
    pub limit: Option<i64>,
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
    pub probability: Option<u8>,
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
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A final stage.
    pub stage: String,
    pub actual_revenue: Option<MoneyInput>,
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
}

pub(crate) async fn visible(services: &Services, scope: &Scope, id: &str) -> ApiResult<dealflow_store::records::OpportunityRecord> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let opportunity = opportunities::get(&mut conn, id).await.map_err(ServiceError::from)?;
    scope.check(&opportunity.owner_id)?;
    Ok(opportunity)
}

fn check_date(field: &str, value: &Option<String>) -> ApiResult<()> {
    match value {
        Some(text) if text.parse::<jiff::civil::Date>().is_err() || text.len() != 10 => {
            Err(ApiError::field(field, "must be a date written YYYY-MM-DD"))
        }
        _ => Ok(()),
    }
}

/// Opportunities the caller may see, newest first.
#[utoipa::path(get, path = "/opportunities", tag = "opportunities", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<OpportunityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Page<OpportunityView>>> {
    let page = PageParams { limit: params.limit, cursor: params.cursor.clone() };
    let limit = page.limit()?;
    let scope = Scope::of(&services, &caller.user).await?;
    let filter = opportunities::OpportunityFilter {
        stage: params.stage,
        owner_id: params.owner_id,
        q: params.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()),
        open: params.open,
    };
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let rows = opportunities::search(&mut conn, &filter, scope.owners(), page.after()?, limit + 1).await.map_err(ServiceError::from)?;
    Ok(Json(Page::of(rows, limit, |o| cursor_for(o.created_at, &o.id), OpportunityView::from)))
}

/// Create an opportunity without a process.
#[utoipa::path(post, path = "/opportunities", tag = "opportunities", request_body = CreateOpportunity, security(("bearer" = [])),
    responses((status = 201, body = OpportunityView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateOpportunity>,
) -> ApiResult<(StatusCode, Json<OpportunityView>)> {
    let scope = Scope::of(&services, &caller.user).await?;
    let owner_id = input.owner_id.unwrap_or_else(|| caller.user.id.clone());
    if !scope.allows(&owner_id) {
        return Err(ApiError::field("owner_id", "you may give opportunities only to yourself or your team"));
    }
    if input.probability.is_some_and(|p| p > 100) {
        return Err(ApiError::field("probability", "must be between 0 and 100"));
    }
    check_date("close_date", &input.close_date)?;
    let new = NewOpportunity {
        title: input.title,
        owner_id,
        stage: input.stage,
        account_id: input.account_id,
        contact_id: input.contact_id,
        amount: input.amount.map(|m| m.0),
        probability: input.probability,
        close_date: input.close_date,
        budget: input.budget.map(|m| m.0),
        need: input.need,
        lead_id: None,
    };
    let created = services.create_opportunity(&caller.user.id, new).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One opportunity, with its running or last process instance.
#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities", security(("bearer" = [])),
    responses((status = 200, body = OpportunityDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<OpportunityDetail>> {
    let scope = Scope::of(&services, &caller.user).await?;
    let opportunity = visible(&services, &scope, &id).await?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let process = processes::latest_instance(&mut conn, &id).await.map_err(ServiceError::from)?;
    Ok(Json(OpportunityDetail { opportunity: opportunity.into(), process: process.map(Into::into) }))
}

/// Move to any active stage (R6); entering and leaving stages creates and cancels activities.
#[utoipa::path(post, path = "/opportunities/{id}/stage", tag = "opportunities", request_body = ChangeStage, security(("bearer" = [])),
    responses((status = 200, body = OpportunityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ChangeStage>,
) -> ApiResult<Json<OpportunityView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    let changed = services.change_stage(&caller.user.id, &id, &input.stage, input.version).await?;
    Ok(Json(changed.into()))
}

/// Close on a final stage with the closing figures.
#[utoipa::path(post, path = "/opportunities/{id}/close", tag = "opportunities", request_body = Close, security(("bearer" = [])),
    responses((status = 200, body = OpportunityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<Close>,
) -> ApiResult<Json<OpportunityView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    let close = CloseInput {
        stage: input.stage,
        actual_revenue: input.actual_revenue.map(|m| m.0),
        hours_spent: input.hours_spent,
        close_reason: input.close_reason,
    };
    Ok(Json(services.close(&caller.user.id, &id, &close).await?.into()))
}

/// The stage history, oldest first (R12).
#[utoipa::path(get, path = "/opportunities/{id}/history", tag = "opportunities", security(("bearer" = [])),
    responses((status = 200, body = Page<HistoryView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn history(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Page<HistoryView>>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let entries = opportunities::history(&mut conn, &id).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(entries.into_iter().map(Into::into).collect())))
}
