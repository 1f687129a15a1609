//! `/schedule`: a person's activities in a time window (their day, week or more), not
//! cancelled, soonest first, paged like every list.

use axum::Json;
use axum::extract::State;
use dealflow_core::check::Invalid;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, Params, day_start, page};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{ActivityView, Page};
use crate::Services;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScheduleParams {
    /// Start of the window: a date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
    pub from: String,
    /// End of the window (exclusive), in the same forms; at most 366 days after `from`.
    pub to: String,
    /// Whose schedule: the caller's when not given.
    pub user_id: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn bound(field: &str, text: &str) -> ApiResult<jiff::Timestamp> {
    if let Ok(at) = dealflow_core::check::instant(text) {
        return Ok(at);
    }
    day_start(field, text).map_err(|_| ApiError::field(field, Invalid::NotADateOrTime))
}

/// Activities with a start or due time in `[from, to)`, not cancelled, soonest first.
#[utoipa::path(get, path = "/schedule", operation_id = "schedule", tag = "activities", params(ScheduleParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ActivityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ScheduleParams>,
) -> ApiResult<Json<Page<ActivityView>>> {
    let (from, to) = (bound("from", &params.from)?, bound("to", &params.to)?);
    let page = page(params.limit.as_deref(), params.cursor.as_deref())?;
    let user_id = params.user_id.unwrap_or_else(|| caller.actor.id().to_owned());
    let found = services.schedule(&caller.actor, &user_id, from, to, &page).await?;
    Ok(Json(Page::of(found, |a| ActivityView::new(a, caller.locale))))
}
