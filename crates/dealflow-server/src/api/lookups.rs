//! Lookups every signed-in user may read.

use axum::Json;
use axum::extract::State;

use super::extract::Caller;
use super::pagination::Page;
use super::problem::{ApiResult, Problem};
use super::views::StageView;
use crate::Services;

/// The opportunity stages lookup, by position.
#[utoipa::path(get, path = "/opportunity-stages", tag = "lookups", security(("bearer" = [])),
    responses((status = 200, body = Page<StageView>), (status = 401, body = Problem)))]
pub async fn stages(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<StageView>>> {
    let catalog = services.stage_catalog().await?;
    Ok(Json(Page::all(catalog.all().iter().map(Into::into).collect())))
}
