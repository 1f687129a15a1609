//! `/command`: the command line (SPEC §4.2) and its suggestions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dealflow_core::command::{self, Parsed};
use dealflow_core::engine::StartedVia;
use dealflow_store::queries::processes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{InstanceView, OpportunityView};
use crate::{ServiceError, Services};

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
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// What has been typed so far.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub suggestions: Vec<String>,
}

async fn active_processes(services: &Services) -> ApiResult<Vec<(String, dealflow_core::LocalizedText)>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let library = processes::library(&mut conn).await.map_err(ServiceError::from)?;
    Ok(library.into_iter().filter(|d| d.active).map(|d| (d.code, d.name)).collect())
}

/// Run a command typed in the command line.
#[utoipa::path(post, path = "/command", tag = "command", request_body = CommandInput, security(("bearer" = [])),
    responses((status = 200, body = CommandAnswer), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn run(State(services): State<Services>, caller: Caller, Body(input): Body<CommandInput>) -> ApiResult<Json<CommandAnswer>> {
    let library = active_processes(&services).await?;
    match command::parse(&input.text, &library) {
        Some(Parsed::RunProcess { code }) => {
            let started = services.start_process(&caller.user.id, &code, None, StartedVia::CommandLine).await?;
            Ok(Json(CommandAnswer {
                action: "process_started".into(),
                instance: started.instance.into(),
                opportunity: started.opportunity.into(),
                hint: started.hint.get(caller.locale).to_owned(),
            }))
        }
        None => {
            let detail = match caller.locale {
                dealflow_core::Locale::Ru => format!("Команда «{}» не распознана.", input.text.trim()),
                dealflow_core::Locale::En => format!("The command “{}” is not known.", input.text.trim()),
            };
            let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_command", detail);
            error.0.suggestions = Some(command::suggest(&input.text, &library));
            Err(error)
        }
    }
}

/// Completions for what has been typed, best first.
#[utoipa::path(get, path = "/command/suggest", tag = "command", params(SuggestParams), security(("bearer" = [])),
    responses((status = 200, body = Suggestions), (status = 401, body = Problem)))]
pub async fn suggest(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SuggestParams>,
) -> ApiResult<Json<Suggestions>> {
    let library = active_processes(&services).await?;
    Ok(Json(Suggestions { suggestions: command::suggest(params.text.as_deref().unwrap_or(""), &library) }))
}
