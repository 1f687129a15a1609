//! `/activities`: lists, manual activities, completing with a result (R7, R8) and cancelling.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_store::queries::{activities, opportunities};
use dealflow_store::records::ActivityRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::Scope;
use super::extract::{Body, Caller, Params};
use super::pagination::{Page, PageParams, cursor_for};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{ActivityView, OpportunityView, nullable};
use crate::services::{ActivityChanges, NewActivity};
use crate::{ServiceError, Services};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub opportunity_id: Option<String>,
    pub owner_id: Option<String>,
    /// `not_started`, `in_progress`, `completed` or `cancelled`.
    pub status: Option<String>,
    /// Start or due time from (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Start or due time until (RFC 3339, exclusive).
    pub to: Option<String>,
    pub limit: Option<i64>,
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
    pub start_at: Option<String>,
    pub due_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complete {
    /// A result code of the activity's step; `done` when not given.
    pub result: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Completed {
    pub activity: ActivityView,
    /// The opportunity as the completion left it (null for an activity without one).
    pub opportunity: Option<OpportunityView>,
}

pub(crate) fn instant(field: &str, value: Option<&str>) -> ApiResult<Option<jiff::Timestamp>> {
    value
        .map(|v| {
            v.parse::<jiff::Timestamp>().map_err(|_| ApiError::field(field, "must be a time in RFC 3339, such as 2026-11-28T09:00:00Z"))
        })
        .transpose()
}

/// The activity, if the caller owns it or may see its opportunity.
async fn visible(services: &Services, scope: &Scope, id: &str) -> ApiResult<ActivityRecord> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let activity = activities::get(&mut conn, id).await.map_err(ServiceError::from)?;
    if scope.allows(&activity.owner_id) {
        return Ok(activity);
    }
    if let Some(opportunity_id) = &activity.opportunity_id {
        let opportunity = opportunities::get(&mut conn, opportunity_id).await.map_err(ServiceError::from)?;
        if scope.allows(&opportunity.owner_id) {
            return Ok(activity);
        }
    }
    Err(ApiError::not_found())
}

/// Activities the caller may see, newest first.
#[utoipa::path(get, path = "/activities", tag = "activities", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ActivityView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Page<ActivityView>>> {
    let page = PageParams { limit: params.limit, cursor: params.cursor.clone() };
    let limit = page.limit()?;
    if let Some(status) = &params.status
        && ActivityStatus::parse(status).is_none()
    {
        return Err(ApiError::field("status", "must be not_started, in_progress, completed or cancelled"));
    }
    let filter = activities::ActivityFilter {
        opportunity_id: params.opportunity_id,
        owner_id: params.owner_id,
        status: params.status,
        from: instant("from", params.from.as_deref())?,
        to: instant("to", params.to.as_deref())?,
    };
    let scope = Scope::of(&services, &caller.user).await?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let rows = activities::search(&mut conn, &filter, scope.owners(), page.after()?, limit + 1).await.map_err(ServiceError::from)?;
    let locale = caller.locale;
    Ok(Json(Page::of(rows, limit, |a| cursor_for(a.created_at, &a.id), |a| ActivityView::new(a, locale))))
}

/// Create a manual activity (no process fields; never cancelled by a stage change).
#[utoipa::path(post, path = "/activities", tag = "activities", request_body = CreateActivity, security(("bearer" = [])),
    responses((status = 201, body = ActivityView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateActivity>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let scope = Scope::of(&services, &caller.user).await?;
    let kind = ActivityType::parse(&input.kind).ok_or_else(|| ApiError::field("type", "must be task, call, meeting or email"))?;
    let owner_id = input.owner_id.unwrap_or_else(|| caller.user.id.clone());
    if !scope.allows(&owner_id) {
        return Err(ApiError::field("owner_id", "you may give activities only to yourself or your team"));
    }
    if let Some(opportunity_id) = &input.opportunity_id {
        super::opportunities::visible(&services, &scope, opportunity_id)
            .await
            .map_err(|_| ApiError::field("opportunity_id", "no such opportunity"))?;
    }
    let new = NewActivity {
        kind,
        title: input.title,
        owner_id,
        opportunity_id: input.opportunity_id,
        start_at: instant("start_at", input.start_at.as_deref())?,
        due_at: instant("due_at", input.due_at.as_deref())?,
    };
    let created = services.create_activity(&caller.user.id, new).await?;
    Ok((StatusCode::CREATED, Json(ActivityView::new(created, caller.locale))))
}

/// One activity.
#[utoipa::path(get, path = "/activities/{id}", params(("id" = String, Path, description = "the record's id")), tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ActivityView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    Ok(Json(ActivityView::new(visible(&services, &scope, &id).await?, caller.locale)))
}

/// Complete with a result: `advance` results may move the process on (R7), `close` results
/// close the opportunity (R8).
#[utoipa::path(post, path = "/activities/{id}/complete", params(("id" = String, Path, description = "the record's id")), tag = "activities", request_body = Complete, security(("bearer" = [])),
    responses((status = 200, body = Completed), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn complete(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<Complete>,
) -> ApiResult<Json<Completed>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    let (activity, opportunity) = services.complete_activity(&caller.user.id, &id, input.result.as_deref(), input.note.as_deref()).await?;
    Ok(Json(Completed { activity: ActivityView::new(activity, caller.locale), opportunity: opportunity.map(Into::into) }))
}

/// Cancel an open activity.
#[utoipa::path(post, path = "/activities/{id}/cancel", params(("id" = String, Path, description = "the record's id")), tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ActivityView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    Ok(Json(ActivityView::new(services.cancel_activity(&caller.user.id, &id).await?, caller.locale)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateActivity {
    /// Manual activities only.
    pub title: Option<String>,
    /// `in_progress` (or back to `not_started`).
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub start_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Option<String>>,
    pub owner_id: Option<String>,
}

/// Change an open activity: start it, move its times, hand it to someone.
#[utoipa::path(patch, path = "/activities/{id}", params(("id" = String, Path, description = "the record's id")), tag = "activities", request_body = UpdateActivity, security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateActivity>,
) -> ApiResult<Json<ActivityView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    visible(&services, &scope, &id).await?;
    if let Some(owner) = &input.owner_id
        && !scope.allows(owner)
    {
        return Err(ApiError::field("owner_id", "you may give activities only to yourself or your team"));
    }
    let status = match input.status.as_deref() {
        None => None,
        Some(text) => Some(ActivityStatus::parse(text).ok_or_else(|| ApiError::field("status", "must be in_progress or not_started"))?),
    };
    let time = |field: &str, value: Option<Option<String>>| -> ApiResult<Option<Option<jiff::Timestamp>>> {
        value.map(|v| instant(field, v.as_deref())).transpose()
    };
    let changes = ActivityChanges {
        title: input.title,
        status,
        start_at: time("start_at", input.start_at)?,
        due_at: time("due_at", input.due_at)?,
        owner_id: input.owner_id,
    };
    Ok(Json(ActivityView::new(services.update_activity(&id, changes).await?, caller.locale)))
}
