//! `/schedule`: a person's activities in a time window (their day or week), not cancelled.

use axum::Json;
use axum::extract::State;
use dealflow_store::queries::activities;
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::Scope;
use super::extract::{Caller, Params, day_start};
use super::pagination::Page;
use super::problem::{ApiError, ApiResult, Problem};
use super::views::ActivityView;
use crate::{ServiceError, Services};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScheduleParams {
    /// Start of the window: a date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
    pub from: String,
    /// End of the window (exclusive), in the same forms.
    pub to: String,
    /// Whose schedule: the caller's when not given.
    pub user_id: Option<String>,
}

fn bound(field: &str, text: &str) -> ApiResult<jiff::Timestamp> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    day_start(field, text).map_err(|_| ApiError::field(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// Activities with a start or due time in `[from, to)`, not cancelled, soonest first.
#[utoipa::path(get, path = "/schedule", tag = "activities", params(ScheduleParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ActivityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ScheduleParams>,
) -> ApiResult<Json<Page<ActivityView>>> {
    let (from, to) = (bound("from", &params.from)?, bound("to", &params.to)?);
    if to <= from {
        return Err(ApiError::field("to", "must be after from"));
    }
    if to.duration_since(from) > jiff::SignedDuration::from_hours(24 * 93) {
        return Err(ApiError::field("to", "the window may be at most 93 days"));
    }
    let user_id = params.user_id.unwrap_or_else(|| caller.user.id.clone());
    let scope = Scope::of(&services, &caller.user).await?;
    if !scope.allows(&user_id) {
        return Ok(Json(Page::all(Vec::new())));
    }
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = activities::schedule(&mut conn, &user_id, from, to).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(found.into_iter().map(|a| ActivityView::new(a, caller.locale)).collect())))
}
