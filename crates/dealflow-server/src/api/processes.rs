//! `/processes` (the library and starting a process, R1/R2) and `/process-instances` (R14).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::check::Invalid;
use dealflow_core::engine::StartedVia;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Admin, Body, Caller, DefinitionDocument, Params};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{InstanceView, OpportunityView, Page, ProcessView};
use crate::Services;
use crate::paging::MAX_LIMIT;

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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InstanceParams {
    pub opportunity_id: Option<String>,
}

/// The process library: the current version of every process.
#[utoipa::path(get, path = "/processes", operation_id = "list_processes", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Page<ProcessView>), (status = 401, body = Problem)))]
pub async fn list(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<ProcessView>>> {
    let library = services.library().await?;
    Ok(Json(Page::all(library.iter().map(Into::into).collect())))
}

/// One process: its current version with stages, guidance, steps and results.
#[utoipa::path(get, path = "/processes/{code}", operation_id = "get_process", params(("code" = String, Path, description = "the process's code")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = ProcessView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, _caller: Caller, Path(code): Path<String>) -> ApiResult<Json<ProcessView>> {
    Ok(Json((&services.process(&code).await?).into()))
}

/// Start a process: on a new opportunity (R1) or on an existing one at its current stage (R2).
#[utoipa::path(post, path = "/processes/{code}/start", operation_id = "start_process", params(("code" = String, Path, description = "the process's code")), tag = "processes", request_body = StartProcess, security(("bearer" = [])),
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
            _ => {
                let allowed = ["api", "side_panel", "opportunity_page"].map(String::from).to_vec();
                return Err(ApiError::field("via", Invalid::NotOneOf { allowed }));
            }
        },
    };
    let started = services.start_process(&caller.actor, &code, input.opportunity_id.as_deref(), via).await?;
    let view = StartedView {
        instance: started.instance.into(),
        opportunity: OpportunityView::of(&services, caller.locale, started.opportunity).await?,
        hint: started.hint.get(caller.locale).to_owned(),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Process instances of the opportunities the caller may see.
#[utoipa::path(get, path = "/process-instances", operation_id = "list_process_instances", tag = "processes", params(InstanceParams), security(("bearer" = [])),
    responses((status = 200, body = Page<InstanceView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn instances(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<InstanceParams>,
) -> ApiResult<Json<Page<InstanceView>>> {
    let found = services.instances(&caller.actor, params.opportunity_id.as_deref(), MAX_LIMIT).await?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Stop a running instance (R14): its open activities are cancelled, the stage stays.
#[utoipa::path(post, path = "/process-instances/{id}/cancel", operation_id = "cancel_process_instance", params(("id" = String, Path, description = "the record's id")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = InstanceView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<InstanceView>> {
    Ok(Json(services.cancel_instance(&caller.actor, &id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub code: String,
    pub version: u32,
    pub published_by: Option<String>,
    pub published_at: String,
}

/// Every published version of a process, oldest first.
#[utoipa::path(get, path = "/processes/{code}/versions", operation_id = "list_process_versions", params(("code" = String, Path, description = "the process's code")), tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Page<VersionView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(State(services): State<Services>, _caller: Caller, Path(code): Path<String>) -> ApiResult<Json<Page<VersionView>>> {
    let items = services
        .process_versions(&code)
        .await?
        .into_iter()
        .map(|v| VersionView { code: v.code, version: v.version, published_by: v.published_by, published_at: v.published_at.to_string() })
        .collect();
    Ok(Json(Page::all(items)))
}

/// Publish a new version (administrators only). The body is the definition document, TOML or
/// JSON; a 422 lists every problem with its path and line. Running instances keep their version.
#[utoipa::path(put, path = "/processes/{code}", operation_id = "publish_process", params(("code" = String, Path, description = "the process's code")), tag = "processes", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json",
        description = "the definition document as JSON; the same document as TOML is accepted with Content-Type: application/toml"),
    responses((status = 201, body = ProcessView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path(code): Path<String>,
    document: DefinitionDocument,
) -> ApiResult<(StatusCode, Json<ProcessView>)> {
    let published = services.publish_process(&caller.actor, &code, &document.text, document.is_json).await?;
    Ok((StatusCode::CREATED, Json((&published).into())))
}
