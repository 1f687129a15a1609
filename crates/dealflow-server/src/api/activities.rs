//! `/activities`: lists, manual activities, completing with a result (R7, R8) and cancelling.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::check::Invalid;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, MoneyInput, Params, instant, money, nullable, page};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{ActivityView, OpportunityView, Page};
use crate::Services;
use crate::services::{ActivityChanges, ActivityFilter, ClosingFigures, NewActivity};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub opportunity_id: Option<String>,
    pub owner_id: Option<String>,
    /// `not_started`, `in_progress`, `completed` or `cancelled`.
    pub status: Option<String>,
    /// About this account, directly or through its opportunity.
    pub account_id: Option<String>,
    /// About this contact, directly or through its opportunity.
    pub contact_id: Option<String>,
    /// Start or due time from (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Start or due time until (RFC 3339, exclusive).
    pub to: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    /// `task`, `call`, `meeting` or `email`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// The caller when not given.
    pub owner_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub start_at: Option<String>,
    pub due_at: Option<String>,
    /// Meetings and calls: minutes from `start_at` (1–1440).
    pub duration_minutes: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complete {
    /// A result code of the activity's step; `done` when not given.
    pub result: Option<String>,
    pub note: Option<String>,
    /// When the result closes the deal (R8): its closing figures, as `…/close` takes them.
    pub close_reason: Option<String>,
    #[schema(minimum = 0, maximum = 100000)]
    pub hours_spent: Option<f64>,
    pub actual_revenue: Option<MoneyInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Completed {
    pub activity: ActivityView,
    /// The opportunity as the completion left it (null for an activity without one).
    pub opportunity: Option<OpportunityView>,
}

/// An activity status as named in a request.
fn activity_type(text: &str) -> ApiResult<ActivityType> {
    ActivityType::parse(text).ok_or_else(|| {
        ApiError::field("type", Invalid::NotOneOf { allowed: ["task", "call", "meeting", "email"].map(String::from).to_vec() })
    })
}

fn status(text: &str) -> ApiResult<ActivityStatus> {
    ActivityStatus::parse(text).ok_or_else(|| {
        ApiError::field("status", Invalid::NotOneOf { allowed: ActivityStatus::ALL.iter().map(|s| s.as_str().to_owned()).collect() })
    })
}

/// Activities the caller may see, newest first.
#[utoipa::path(get, path = "/activities", operation_id = "list_activities", tag = "activities", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ActivityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Page<ActivityView>>> {
    let page = page(params.limit.as_deref(), params.cursor.as_deref())?;
    if let Some(text) = &params.status {
        status(text)?;
    }
    let filter = ActivityFilter {
        opportunity_id: params.opportunity_id,
        owner_id: params.owner_id,
        status: params.status,
        account_id: params.account_id,
        contact_id: params.contact_id,
        from: instant("from", params.from.as_deref())?,
        to: instant("to", params.to.as_deref())?,
    };
    let found = services.activities(&caller.actor, &filter, &page).await?;
    let locale = caller.locale;
    Ok(Json(Page::of(found, |a| ActivityView::new(a, locale))))
}

/// Create a manual activity (no process fields; never cancelled by a stage change).
#[utoipa::path(post, path = "/activities", operation_id = "create_activity", tag = "activities", request_body = CreateActivity, security(("bearer" = [])),
    responses((status = 201, body = ActivityView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateActivity>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let new = NewActivity {
        kind: activity_type(&input.kind)?,
        title: input.title,
        owner_id: input.owner_id,
        opportunity_id: input.opportunity_id,
        account_id: input.account_id,
        contact_id: input.contact_id,
        start_at: instant("start_at", input.start_at.as_deref())?,
        due_at: instant("due_at", input.due_at.as_deref())?,
        duration_minutes: input.duration_minutes,
    };
    let created = services.create_activity(&caller.actor, new).await?;
    Ok((StatusCode::CREATED, Json(ActivityView::new(created, caller.locale))))
}

/// One activity.
#[utoipa::path(get, path = "/activities/{id}", operation_id = "get_activity", params(("id" = String, Path, description = "the record's id")), tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ActivityView>> {
    Ok(Json(ActivityView::new(services.activity(&caller.actor, &id).await?, caller.locale)))
}

/// Complete with a result: `advance` results may move the process on (R7), `close` results
/// close the opportunity (R8).
#[utoipa::path(post, path = "/activities/{id}/complete", operation_id = "complete_activity", params(("id" = String, Path, description = "the record's id")), tag = "activities", request_body = Complete, security(("bearer" = [])),
    responses((status = 200, body = Completed), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn complete(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<Complete>,
) -> ApiResult<Json<Completed>> {
    let figures = ClosingFigures {
        actual_revenue: money("actual_revenue", &input.actual_revenue)?,
        hours_spent: input.hours_spent,
        close_reason: input.close_reason,
    };
    let (activity, opportunity) =
        services.complete_activity_closing(&caller.actor, &id, input.result.as_deref(), input.note.as_deref(), &figures).await?;
    let opportunity = match opportunity {
        Some(o) => Some(OpportunityView::of(&services, caller.locale, o).await?),
        None => None,
    };
    Ok(Json(Completed { activity: ActivityView::new(activity, caller.locale), opportunity }))
}

/// Cancel an open activity.
#[utoipa::path(post, path = "/activities/{id}/cancel", operation_id = "cancel_activity", params(("id" = String, Path, description = "the record's id")), tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ActivityView>> {
    Ok(Json(ActivityView::new(services.cancel_activity(&caller.actor, &id).await?, caller.locale)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateActivity {
    /// Manual activities only.
    pub title: Option<String>,
    /// Manual activities only: `task`, `call`, `meeting` or `email`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `in_progress` (or back to `not_started`).
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub start_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub duration_minutes: Option<Option<i64>>,
    pub owner_id: Option<String>,
    /// Manual activities only, as the three below.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub opportunity_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_id: Option<Option<String>>,
}

/// Change an open activity: start it, move its times, hand it to someone.
#[utoipa::path(patch, path = "/activities/{id}", operation_id = "update_activity", params(("id" = String, Path, description = "the record's id")), tag = "activities", request_body = UpdateActivity, security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateActivity>,
) -> ApiResult<Json<ActivityView>> {
    let status = input.status.as_deref().map(status).transpose()?;
    let time = |field: &str, value: Option<Option<String>>| -> ApiResult<Option<Option<jiff::Timestamp>>> {
        value.map(|v| instant(field, v.as_deref())).transpose()
    };
    let changes = ActivityChanges {
        title: input.title,
        kind: input.kind.as_deref().map(activity_type).transpose()?,
        status,
        start_at: time("start_at", input.start_at)?,
        due_at: time("due_at", input.due_at)?,
        duration_minutes: input.duration_minutes,
        owner_id: input.owner_id,
        opportunity_id: input.opportunity_id,
        account_id: input.account_id,
        contact_id: input.contact_id,
    };
    Ok(Json(ActivityView::new(services.update_activity(&caller.actor, &id, changes).await?, caller.locale)))
}
