//! `/processes` (the library and starting a process, R1/R2) and `/process-instances` (R14).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::engine::StartedVia;
use dealflow_store::queries::processes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{Scope, require_admin};
use super::extract::{Body, Caller, DefinitionDocument, Params};
use super::pagination::Page;
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{InstanceView, OpportunityView, ProcessView};
use crate::{ServiceError, Services};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartProcess {
    /// Start on this opportunity at its current stage (R2); without it a new one is created (R1).
    pub opportunity_id: Option<String>,
    /// `api` (default), `side_panel` or `opportunity_page`.
    pub via: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StartedView {
    pub instance: InstanceView,
    pub opportunity: OpportunityView,
    /// What to do next, in the caller's language.
    pub hint: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InstanceParams {
    pub opportunity_id: Option<String>,
}

/// The process library: the current version of every process.
#[utoipa::path(get, path = "/processes", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Page<ProcessView>), (status = 401, body = Problem)))]
pub async fn list(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<ProcessView>>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let library = processes::library(&mut conn).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(library.iter().map(Into::into).collect())))
}

/// One process: its current version with stages, guidance, steps and results.
#[utoipa::path(get, path = "/processes/{code}", params(("code" = String, Path, description = "the process or stage code")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = ProcessView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, _caller: Caller, Path(code): Path<String>) -> ApiResult<Json<ProcessView>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let definition = processes::current(&mut conn, &code).await.map_err(ServiceError::from)?;
    Ok(Json((&definition).into()))
}

/// Start a process: on a new opportunity (R1) or on an existing one at its current stage (R2).
#[utoipa::path(post, path = "/processes/{code}/start", params(("code" = String, Path, description = "the process or stage code")), tag = "processes", request_body = StartProcess, security(("bearer" = [])),
    responses((status = 201, body = StartedView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn start(
    State(services): State<Services>,
    caller: Caller,
    Path(code): Path<String>,
    Body(input): Body<StartProcess>,
) -> ApiResult<(StatusCode, Json<StartedView>)> {
    let via = match input.via.as_deref() {
        None => StartedVia::Api,
        Some(text) => match StartedVia::parse(text) {
            Some(via @ (StartedVia::Api | StartedVia::SidePanel | StartedVia::OpportunityPage)) => via,
            _ => return Err(ApiError::field("via", "must be api, side_panel or opportunity_page")),
        },
    };
    if let Some(id) = &input.opportunity_id {
        let scope = Scope::of(&services, &caller.user).await?;
        super::opportunities::visible(&services, &scope, id).await?;
    }
    let started = services.start_process(&caller.user.id, &code, input.opportunity_id.as_deref(), via).await?;
    let view = StartedView {
        instance: started.instance.into(),
        opportunity: started.opportunity.into(),
        hint: started.hint.get(caller.locale).to_owned(),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Process instances of the opportunities the caller may see.
#[utoipa::path(get, path = "/process-instances", tag = "processes", params(InstanceParams), security(("bearer" = [])),
    responses((status = 200, body = Page<InstanceView>), (status = 401, body = Problem)))]
pub async fn instances(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<InstanceParams>,
) -> ApiResult<Json<Page<InstanceView>>> {
    let scope = Scope::of(&services, &caller.user).await?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = match params.opportunity_id {
        Some(opportunity_id) => {
            drop(conn);
            if super::opportunities::visible(&services, &scope, &opportunity_id).await.is_err() {
                return Ok(Json(Page::all(Vec::new())));
            }
            conn = services.store().read().await.map_err(ServiceError::from)?;
            processes::instances_of(&mut conn, &opportunity_id).await
        }
        None => processes::instances_in_scope(&mut conn, scope.owners(), super::pagination::MAX_LIMIT).await,
    }
    .map_err(ServiceError::from)?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Stop a running instance (R14): its open activities are cancelled, the stage stays.
#[utoipa::path(post, path = "/process-instances/{id}/cancel", params(("id" = String, Path, description = "the record's id")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = InstanceView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<InstanceView>> {
    let scope = Scope::of(&services, &caller.user).await?;
    let instance = {
        let mut conn = services.store().read().await.map_err(ServiceError::from)?;
        processes::instance_by_id(&mut conn, &id).await.map_err(ServiceError::from)?
    };
    super::opportunities::visible(&services, &scope, &instance.opportunity_id).await?;
    Ok(Json(services.cancel_instance(&caller.user.id, &id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub code: String,
    pub version: u32,
    pub published_by: Option<String>,
    pub published_at: String,
}

/// Every published version of a process, oldest first.
#[utoipa::path(get, path = "/processes/{code}/versions", params(("code" = String, Path, description = "the process or stage code")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Page<VersionView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(State(services): State<Services>, _caller: Caller, Path(code): Path<String>) -> ApiResult<Json<Page<VersionView>>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = processes::versions(&mut conn, &code).await.map_err(ServiceError::from)?;
    if found.is_empty() {
        return Err(ApiError::not_found());
    }
    let items = found
        .into_iter()
        .map(|v| VersionView { code: v.code, version: v.version, published_by: v.published_by, published_at: v.published_at.to_string() })
        .collect();
    Ok(Json(Page::all(items)))
}

/// Publish a new version (administrators only). The body is the definition document, TOML or
/// JSON; a 422 lists every problem with its path. Running instances keep their version.
#[utoipa::path(put, path = "/processes/{code}", params(("code" = String, Path, description = "the process or stage code")), tag = "processes", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json",
        description = "the definition document as JSON; the same document as TOML is accepted with Content-Type: application/toml"),
    responses((status = 201, body = ProcessView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(services): State<Services>,
    caller: Caller,
    Path(code): Path<String>,
    document: DefinitionDocument,
) -> ApiResult<(StatusCode, Json<ProcessView>)> {
    require_admin(&caller.user)?;
    let published = services.publish_process(&caller.user.id, &code, &document.text, document.is_json).await?;
    Ok((StatusCode::CREATED, Json((&published).into())))
}
