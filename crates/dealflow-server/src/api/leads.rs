//! `/leads` and `/lead-stages`: leads move in any order until a final stage; entering
//! «Ожидание продажи» hands the lead off to sales (R3).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_store::queries::{leads, lookups};
use dealflow_store::records::LeadRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::Scope;
use super::extract::{Body, Caller, Params};
use super::pagination::{Page, PageParams, cursor_for};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{LocalizedView, MoneyInput, nullable};
use crate::services::{LeadChanges, NewLead};
use crate::{ServiceError, Services};

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
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub stage: Option<String>,
    pub limit: Option<i64>,
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

async fn visible(services: &Services, scope: &Scope, id: &str) -> ApiResult<LeadRecord> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let lead = leads::get(&mut conn, id).await.map_err(ServiceError::from)?;
    scope.check(&lead.owner_id)?;
    Ok(lead)
}

/// The lead stages lookup, by position.
#[utoipa::path(get, path = "/lead-stages", tag = "lookups", security(("bearer" = [])),
    responses((status = 200, body = Page<LeadStageView>), (status = 401, body = Problem)))]
pub async fn stages(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<LeadStageView>>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let stages = lookups::lead_stages(&mut conn).await.map_err(ServiceError::from)?;
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
#[utoipa::path(get, path = "/leads", tag = "leads", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<LeadView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(State(services): State<Services>, caller: Caller, Params(params): Params<ListParams>) -> ApiResult<Json<Page<LeadView>>> {
    let page = PageParams { limit: params.limit, cursor: params.cursor.clone() };
    let limit = page.limit()?;
    let scope = Scope::of(&services, &caller.user).await?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let rows =
        leads::search(&mut conn, params.stage.as_deref(), scope.owners(), page.after()?, limit + 1).await.map_err(ServiceError::from)?;
    Ok(Json(Page::of(rows, limit, |l| cursor_for(l.created_at, &l.id), LeadView::from)))
}

/// Create a lead at the first lead stage.
#[utoipa::path(post, path = "/leads", tag = "leads", request_body = CreateLead, security(("bearer" = [])),
    responses((status = 201, body = LeadView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateLead>,
) -> ApiResult<(StatusCode, Json<LeadView>)> {
    let scope = Scope::of(&services, &caller.user).await?;
    let owner_id = input.owner_id.unwrap_or_else(|| caller.user.id.clone());
    if !scope.allows(&owner_id) {
        return Err(ApiError::field("owner_id", "you may give leads only to yourself or your team"));
    }
    let new = NewLead {
        title: input.title,
        need: input.need,
        contact_id: input.contact_id,
        account_id: input.account_id,
        owner_id,
        budget: input.budget.map(|m| m.0),
    };
    let created = services.create_lead(new).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One lead.
#[utoipa::path(get, path = "/leads/{id}", params(("id" = String, Path, description = "the record's id")), tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<LeadView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    Ok(Json(visible(&services, &scope, &id).await?.into()))
}

/// Move the lead to another stage; the handoff stage creates its opportunity (R3).
#[utoipa::path(post, path = "/leads/{id}/stage", params(("id" = String, Path, description = "the record's id")), tag = "leads", request_body = ChangeLeadStage, security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ChangeLeadStage>,
) -> ApiResult<Json<LeadView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    Ok(Json(services.change_lead_stage(&caller.user.id, &id, &input.stage).await?.into()))
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
#[utoipa::path(patch, path = "/leads/{id}", params(("id" = String, Path, description = "the record's id")), tag = "leads", request_body = UpdateLead, security(("bearer" = [])),
    responses((status = 200, body = LeadView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateLead>,
) -> ApiResult<Json<LeadView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    if let Some(owner) = &input.owner_id
        && !scope.allows(owner)
    {
        return Err(ApiError::field("owner_id", "you may give leads only to yourself or your team"));
    }
    let changes = LeadChanges {
        title: input.title,
        need: input.need,
        contact_id: input.contact_id,
        account_id: input.account_id,
        owner_id: input.owner_id,
        budget: input.budget.map(|b| b.map(|m| m.0)),
    };
    Ok(Json(services.update_lead(&id, changes).await?.into()))
}
