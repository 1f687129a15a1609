//! `/command`: the command line (SPEC §4.2) and its suggestions.

use axum::Json;
use axum::extract::State;
use dealflow_core::command::{self, Parsed};
use dealflow_core::engine::StartedVia;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{InstanceView, OpportunityView};
use crate::Services;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommandAnswer {
    /// What the command did: `process_started`.
    pub action: String,
    pub instance: InstanceView,
    pub opportunity: OpportunityView,
    pub hint: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// What has been typed so far.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub suggestions: Vec<String>,
}

/// Run a command typed in the command line.
#[utoipa::path(post, path = "/command", operation_id = "run_command", tag = "command", request_body = CommandInput, security(("bearer" = [])),
    responses((status = 200, body = CommandAnswer), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn run(State(services): State<Services>, caller: Caller, Body(input): Body<CommandInput>) -> ApiResult<Json<CommandAnswer>> {
    let library = services.active_processes().await?;
    match command::parse(&input.text, &library) {
        Some(Parsed::RunProcess { code }) => {
            let started = services.start_process(&caller.actor, &code, None, StartedVia::CommandLine).await?;
            Ok(Json(CommandAnswer {
                action: "process_started".into(),
                instance: started.instance.into(),
                opportunity: OpportunityView::of(&services, caller.locale, started.opportunity).await?,
                hint: started.hint.get(caller.locale).to_owned(),
            }))
        }
        None => Err(ApiError::unknown_command(input.text.trim(), command::suggest(&input.text, &library))),
    }
}

/// Completions for what has been typed, best first.
#[utoipa::path(get, path = "/command/suggest", operation_id = "suggest_commands", tag = "command", params(SuggestParams), security(("bearer" = [])),
    responses((status = 200, body = Suggestions), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn suggest(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SuggestParams>,
) -> ApiResult<Json<Suggestions>> {
    let library = services.active_processes().await?;
    Ok(Json(Suggestions { suggestions: command::suggest(params.text.as_deref().unwrap_or(""), &library) }))
}
