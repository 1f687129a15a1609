//! Starting a process the ways of SPEC §4: the side panel's «Запустить процесс» dialog (and its
//! page, for browsers without JavaScript), and the command line with its suggestions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::LocalizedText;
use dealflow_core::command::{self, Parsed};
use dealflow_core::engine::StartedVia;
use serde::{Deserialize, Serialize};

use super::opportunity::refusal_words;
use super::session::{PageForm, Viewer};
use super::{Chrome, OrPage, PageResult};
use crate::Services;

#[derive(Template, WebTemplate)]
#[template(path = "run.html")]
pub struct RunPage {
    chrome: Chrome,
    error: Option<String>,
    suggestions: Vec<String>,
}

/// The side panel's dialog as a page of its own.
pub async fn choose(State(services): State<Services>, viewer: Viewer) -> PageResult {
    let chrome = Chrome::load(&services, &viewer, "run", "/run").await?;
    Ok(RunPage { chrome, error: None, suggestions: Vec::new() }.into_response())
}

#[derive(Deserialize)]
pub struct RunInput {
    code: String,
}

async fn started(services: &Services, viewer: &Viewer, code: &str, via: StartedVia) -> PageResult {
    match services.start_process(&viewer.actor, code, None, via).await {
        Ok(started) => Ok(Redirect::to(&format!("/opportunities/{}?started=1", started.opportunity.id)).into_response()),
        Err(error) => {
            let message = refusal_words(viewer, error)?;
            let chrome = Chrome::load(services, viewer, "run", "/run").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, RunPage { chrome, error: Some(message), suggestions: Vec::new() }).into_response())
        }
    }
}

/// «Запустить» in the dialog: R1, then the new opportunity's page with the hint.
pub async fn run(State(services): State<Services>, form: PageForm<RunInput>) -> PageResult {
    started(&services, &form.viewer, &form.input.code, StartedVia::SidePanel).await
}

async fn active_processes(services: &Services, viewer: &Viewer) -> PageResult<Vec<(String, LocalizedText)>> {
    services.active_processes().await.or_page(viewer)
}

#[derive(Deserialize)]
pub struct CommandInput {
    text: String,
}

/// The header field: a known command runs; other text that finds records shows them (the
/// results page); text that does neither comes back beside the field with the closest commands.
pub async fn command(State(services): State<Services>, form: PageForm<CommandInput>) -> PageResult {
    let viewer = &form.viewer;
    let library = active_processes(&services, viewer).await?;
    match command::parse(&form.input.text, &library) {
        Some(Parsed::RunProcess { code }) => started(&services, viewer, &code, StartedVia::CommandLine).await,
        None if !super::search::found(&services, viewer, &form.input.text, 1).await?.is_empty() => {
            Ok(Redirect::to(&super::search::search_path(form.input.text.trim())).into_response())
        }
        None => {
            let mut chrome = Chrome::load(&services, viewer, "run", "/run").await?;
            chrome.command_text = form.input.text.clone();
            let page = RunPage {
                chrome,
                error: Some(viewer.t().nothing_found_command.to_owned()),
                suggestions: command::suggest(&form.input.text, &library),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SuggestQuery {
    text: Option<String>,
}

#[derive(Serialize)]
pub struct Suggestions {
    suggestions: Vec<String>,
}

/// Completions while typing, best first, for the command line's list.
pub async fn suggest(State(services): State<Services>, viewer: Viewer, Query(query): Query<SuggestQuery>) -> PageResult<Json<Suggestions>> {
    let library = active_processes(&services, &viewer).await?;
    Ok(Json(Suggestions { suggestions: command::suggest(query.text.as_deref().unwrap_or(""), &library) }))
}
