//! The opportunity stages lookup: every signed-in user reads it; administrators change it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::LocalizedText;
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::{Admin, Body, Caller};
use super::problem::{ApiResult, Problem};
use super::views::{Page, StageView};
use crate::Services;
use crate::services::{NewStage, StageChanges};

/// The opportunity stages lookup, by position.
#[utoipa::path(get, path = "/opportunity-stages", operation_id = "list_opportunity_stages", tag = "lookups", security(("bearer" = [])),
    responses((status = 200, body = Page<StageView>), (status = 401, body = Problem)))]
pub async fn stages(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<StageView>>> {
    let catalog = services.stage_catalog().await?;
    Ok(Json(Page::all(catalog.all().iter().map(Into::into).collect())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    pub ru: String,
    pub en: String,
}

impl From<TextInput> for LocalizedText {
    fn from(input: TextInput) -> LocalizedText {
        LocalizedText::new(input.ru, input.en)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStage {
    /// `[a-z][a-z0-9_]*`, never changes.
    pub code: String,
    pub name: TextInput,
    /// After the last stage when not given.
    pub position: Option<i32>,
    pub description: Option<TextInput>,
    /// 0–100.
    pub max_probability: i64,
    #[serde(default)]
    pub is_final: bool,
    #[serde(default)]
    pub is_won: bool,
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
    /// The period for planning the next step, 0–365 days (0: never stale); 7 on an open stage
    /// unless given, 0 on a final one.
    pub next_step_days: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStage {
    pub name: Option<TextInput>,
    pub position: Option<i32>,
    pub description: Option<TextInput>,
    /// 0–100.
    pub max_probability: Option<i64>,
    pub is_final: Option<bool>,
    pub is_won: Option<bool>,
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
    /// The period for planning the next step, 0–365 days (0: never stale); 7 on an open stage
    /// unless given, 0 on a final one.
    pub next_step_days: Option<i64>,
}

/// Add a stage (administrators only).
#[utoipa::path(post, path = "/opportunity-stages", operation_id = "create_opportunity_stage", tag = "lookups", request_body = CreateStage, security(("bearer" = [])),
    responses((status = 201, body = StageView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_stage(
    State(services): State<Services>,
    Admin(caller): Admin,
    Body(input): Body<CreateStage>,
) -> ApiResult<(StatusCode, Json<StageView>)> {
    let new = NewStage {
        code: input.code,
        name: input.name.into(),
        position: input.position,
        description: input.description.map(Into::into).unwrap_or_default(),
        max_probability: input.max_probability,
        is_final: input.is_final,
        is_won: input.is_won,
        show_in_funnel: input.show_in_funnel,
        show_in_progress_bar: input.show_in_progress_bar,
        active: input.active,
        next_step_days: input.next_step_days,
    };
    let created = services.create_stage(&caller.actor, new).await?;
    Ok((StatusCode::CREATED, Json((&created).into())))
}

/// Change a stage (administrators only): rename, reorder, deactivate…
#[utoipa::path(patch, path = "/opportunity-stages/{code}", operation_id = "update_opportunity_stage", params(("code" = String, Path, description = "the stage's code")), tag = "lookups", request_body = UpdateStage, security(("bearer" = [])),
    responses((status = 200, body = StageView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_stage(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path(code): Path<String>,
    Body(input): Body<UpdateStage>,
) -> ApiResult<Json<StageView>> {
    let changes = StageChanges {
        name: input.name.map(Into::into),
        position: input.position,
        description: input.description.map(Into::into),
        max_probability: input.max_probability,
        is_final: input.is_final,
        is_won: input.is_won,
        show_in_funnel: input.show_in_funnel,
        show_in_progress_bar: input.show_in_progress_bar,
        active: input.active,
        next_step_days: input.next_step_days,
    };
    Ok(Json((&services.update_stage(&caller.actor, &code, changes).await?).into()))
}
