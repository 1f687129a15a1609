//! Lookups every signed-in user may read.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::{LocalizedText, Stage, StageCode};
use serde::Deserialize;
use utoipa::ToSchema;

use super::access::require_admin;
use super::extract::{Body, Caller};
use super::pagination::Page;
use super::problem::{ApiError, ApiResult, Problem};
use super::views::StageView;
use crate::Services;

/// The opportunity stages lookup, by position.
#[utoipa::path(get, path = "/opportunity-stages", tag = "lookups", security(("bearer" = [])),
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStage {
    /// `[a-z][a-z0-9_]*`, never changes.
    pub code: String,
    pub name: TextInput,
    /// After the last stage when not given.
    pub position: Option<i32>,
    pub description: Option<TextInput>,
    pub max_probability: u8,
    #[serde(default)]
    pub is_final: bool,
    #[serde(default)]
    pub is_won: bool,
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStage {
    pub name: Option<TextInput>,
    pub position: Option<i32>,
    pub description: Option<TextInput>,
    pub max_probability: Option<u8>,
    pub is_final: Option<bool>,
    pub is_won: Option<bool>,
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
}

fn text(input: TextInput) -> LocalizedText {
    LocalizedText::new(input.ru.trim(), input.en.trim())
}

fn check_probability(p: u8) -> ApiResult<()> {
    if p > 100 { Err(ApiError::field("max_probability", "must be between 0 and 100")) } else { Ok(()) }
}

/// Add a stage (administrators only).
#[utoipa::path(post, path = "/opportunity-stages", tag = "lookups", request_body = CreateStage, security(("bearer" = [])),
    responses((status = 201, body = StageView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_stage(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateStage>,
) -> ApiResult<(StatusCode, Json<StageView>)> {
    require_admin(&caller.user)?;
    let code = StageCode::parse(&input.code).map_err(|message| ApiError::field("code", message))?;
    check_probability(input.max_probability)?;
    let position = match input.position {
        Some(p) => p,
        None => services.stage_catalog().await?.all().iter().map(|s| s.position).max().unwrap_or(0) + 1,
    };
    let stage = Stage {
        code,
        name: text(input.name),
        position,
        description: input.description.map(text).unwrap_or_default(),
        max_probability: input.max_probability,
        is_final: input.is_final,
        is_won: input.is_final && input.is_won,
        show_in_funnel: input.show_in_funnel.unwrap_or(!input.is_final),
        show_in_progress_bar: input.show_in_progress_bar.unwrap_or(true),
        active: input.active.unwrap_or(true),
    };
    let created = services.create_stage(stage).await?;
    Ok((StatusCode::CREATED, Json((&created).into())))
}

/// Change a stage (administrators only): rename, reorder, deactivate…
#[utoipa::path(patch, path = "/opportunity-stages/{code}", params(("code" = String, Path, description = "the process or stage code")), tag = "lookups", request_body = UpdateStage, security(("bearer" = [])),
    responses((status = 200, body = StageView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_stage(
    State(services): State<Services>,
    caller: Caller,
    Path(code): Path<String>,
    Body(input): Body<UpdateStage>,
) -> ApiResult<Json<StageView>> {
    require_admin(&caller.user)?;
    let mut stage = services.stage_catalog().await?.get(&code).cloned().ok_or_else(ApiError::not_found)?;
    if let Some(p) = input.max_probability {
        check_probability(p)?;
        stage.max_probability = p;
    }
    if let Some(name) = input.name {
        stage.name = text(name);
    }
    if let Some(description) = input.description {
        stage.description = text(description);
    }
    stage.position = input.position.unwrap_or(stage.position);
    stage.is_final = input.is_final.unwrap_or(stage.is_final);
    stage.is_won = stage.is_final && input.is_won.unwrap_or(stage.is_won);
    stage.show_in_funnel = input.show_in_funnel.unwrap_or(stage.show_in_funnel);
    stage.show_in_progress_bar = input.show_in_progress_bar.unwrap_or(stage.show_in_progress_bar);
    stage.active = input.active.unwrap_or(stage.active);
    Ok(Json((&services.update_stage(stage).await?).into()))
}
