//! `/leads` and `/lead-stages`: leads move in any order until a final stage; entering
//! «Ожидание продажи» hands the lead off to sales (R3).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::records::LeadRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, MoneyInput, Params, money, nullable, page};
use super::problem::{ApiResult, Problem};
use super::views::{LocalizedView, Page};
use crate::Services;
use crate::services::{LeadChanges, NewLead};

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadView {
    pub id: String,
    pub title: String,
    pub need: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub owner_id: String,
    pub budget: Option<String>,
    pub stage: String,
    pub opportunity_id: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<LeadRecord> for LeadView {
    fn from(l: LeadRecord) -> LeadView {
        LeadView {
            id: l.id,
            title: l.title,
            need: l.need,
            contact_id: l.contact_id,
            account_id: l.account_id,
            owner_id: l.owner_id,
            budget: l.budget.map(|m| m.to_string()),
            stage: l.stage.to_string(),
            opportunity_id: l.opportunity_id,
            version: l.version,
            created_at: l.created_at.to_string(),
            updated_at: l.updated_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadStageView {
    pub code: String,
    pub name: LocalizedView,
    pub position: i32,
    pub is_final: bool,
    pub active: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this lead stage.
    pub stage: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    pub title: String,
    pub need: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    /// The caller when not given.
    pub owner_id: Option<String>,
    pub budget: Option<MoneyInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeLeadStage {
    pub stage: String,
}

/// The lead stages lookup, by position.
#[utoipa::path(get, path = "/lead-stages", operation_id = "list_lead_stages", tag = "lookups", security(("bearer" = [])),
    responses((status = 200, body = Page<LeadStageView>), (status = 401, body = Problem)))]
pub async fn stages(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<LeadStageView>>> {
    let stages = services.lead_stages().await?;
    let items = stages
        .iter()
        .map(|s| LeadStageView {
            code: s.code.to_string(),
            name: (&s.name).into(),
            position: s.position,
            is_final: s.is_final,
            active: s.active,
        })
        .collect();
    Ok(Json(Page::all(items)))
}

/// Leads the caller may see, newest first.
#[utoipa::path(get, path = "/leads", operation_id = "list_leads", tag = "leads", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<LeadView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(State(services): State<Services>, caller: Caller, Params(params): Params<ListParams>) -> ApiResult<Json<Page<LeadView>>> {
    let page = page(params.limit.as_deref(), params.cursor.as_deref())?;
    let found = services.leads(&caller.actor, params.stage.as_deref(), &page).await?;
    Ok(Json(Page::of(found, LeadView::from)))
}

/// Create a lead at the first lead stage.
#[utoipa::path(post, path = "/leads", operation_id = "create_lead", tag = "leads", request_body = CreateLead, security(("bearer" = [])),
    responses((status = 201, body = LeadView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateLead>,
) -> ApiResult<(StatusCode, Json<LeadView>)> {
    let new = NewLead {
        title: input.title,
        need: input.need,
        contact_id: input.contact_id,
        account_id: input.account_id,
        owner_id: input.owner_id,
        budget: money("budget", &input.budget)?,
    };
    let created = services.create_lead(&caller.actor, new).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One lead.
#[utoipa::path(get, path = "/leads/{id}", operation_id = "get_lead", params(("id" = String, Path, description = "the record's id")), tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<LeadView>> {
    Ok(Json(services.lead(&caller.actor, &id).await?.into()))
}

/// Move the lead to another stage; the handoff stage creates its opportunity (R3).
#[utoipa::path(post, path = "/leads/{id}/stage", operation_id = "change_lead_stage", params(("id" = String, Path, description = "the record's id")), tag = "leads", request_body = ChangeLeadStage, security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ChangeLeadStage>,
) -> ApiResult<Json<LeadView>> {
    Ok(Json(services.change_lead_stage(&caller.actor, &id, &input.stage).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLead {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub need: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<Option<String>>,
    pub owner_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub budget: Option<Option<MoneyInput>>,
}

/// Change a lead's fields; its stage moves through `POST /leads/{id}/stage`.
#[utoipa::path(patch, path = "/leads/{id}", operation_id = "update_lead", params(("id" = String, Path, description = "the record's id")), tag = "leads", request_body = UpdateLead, security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateLead>,
) -> ApiResult<Json<LeadView>> {
    let changes = LeadChanges {
        title: input.title,
        need: input.need,
        contact_id: input.contact_id,
        account_id: input.account_id,
        owner_id: input.owner_id,
        budget: input.budget.map(|b| money("budget", &b)).transpose()?,
    };
    Ok(Json(services.update_lead(&caller.actor, &id, changes).await?.into()))
}
