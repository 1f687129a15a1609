//! Moving a deal between stages: what a move will do before it is made, a click on the workflow
//! bar, refused with what the deal still needs when its exit criteria are unmet, and a
//! supervisor's move past them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use dealflow_core::EngineError;
use serde::Deserialize;

use super::opportunities::People;
use super::opportunity::{LiveRefusal, live_partial, refusal, refuse_on_live, unmet_words, wants_fragment};
use super::session::{PageForm, Viewer};
use super::{Chrome, OrPage, PageError, PageResult, format};
use crate::{ServiceError, Services};

#[derive(Deserialize)]
pub struct StageInput {
    stage: String,
    version: Option<i64>,
    /// A supervisor's reason to move on with exit criteria unmet.
    override_reason: Option<String>,
}

/// A click on the workflow bar (R6); the version the person saw must still hold.
pub async fn change_stage(
    State(services): State<Services>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: PageForm<StageInput>,
) -> PageResult {
    let viewer = &form.viewer;
    let input = &form.input;
    let reason = input.override_reason.as_deref();
    match services.change_stage_overriding(&viewer.actor, &id, &input.stage, input.version, reason).await {
        Ok(_) if wants_fragment(&headers) => Ok(live_partial(&services, viewer, &id, None).await?.into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        Err(ServiceError::Engine(EngineError::ExitCriteriaUnmet(unmet))) => {
            let t = viewer.t();
            let stages = services.stage_catalog().await.or_page(viewer)?;
            let name = stages.name_of(&input.stage, viewer.locale);
            let refusal = LiveRefusal {
                message: t.exit_criteria_unmet(&name),
                unmet: unmet_words(&unmet, viewer.locale),
                override_to: viewer.actor.require_overrider().is_ok().then(|| (input.stage.clone(), name)),
            };
            refuse_on_live(&services, viewer, &id, &headers, refusal).await
        }
        Err(error) => {
            let message = refusal(&services, viewer, &id, error).await?;
            refuse_on_live(&services, viewer, &id, &headers, LiveRefusal::said(message)).await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveQuery {
    stage: String,
    version: Option<i64>,
    /// `board` when the move comes from a board card: its form then goes back to the board.
    back: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "stage_move.html")]
pub struct MovePage {
    chrome: Chrome,
    id: String,
    title: String,
    stage: String,
    stage_name: String,
    version: Option<i64>,
    from_board: bool,
    cancelled: Vec<String>,
    created: Vec<String>,
    unmet: Vec<String>,
    notices: Vec<String>,
    /// Whether the viewer may make the move: nothing unmet, or they may override it.
    allowed: bool,
}

/// What a stage change will do, before it is made (SPEC §9 preview): a page of its own without the
/// script, a confirmation dialog with it (the workflow bar's click, a board card's drag). A final
/// stage goes to the deal's close dialog instead, which asks for the closing figures.
pub async fn move_page(
    State(services): State<Services>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<MoveQuery>,
) -> PageResult {
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    if stages.is_final(&query.stage) {
        let stage = form_urlencoded::byte_serialize(query.stage.as_bytes()).collect::<String>();
        return Ok(Redirect::to(&format!("/opportunities/{id}?close={stage}#close-dialog")).into_response());
    }
    let opportunity = services.opportunity(&viewer.actor, &id).await.or_page(&viewer)?;
    let preview = match services.preview_stage_change(&viewer.actor, &id, &query.stage, query.version, None).await {
        Ok(preview) => preview,
        // A stale version or a stage that cannot be entered: the move itself says why.
        Err(error @ (ServiceError::VersionConflict { .. } | ServiceError::Engine(_) | ServiceError::Invalid(_))) => {
            let message = refusal(&services, &viewer, &id, error).await?;
            return Ok((StatusCode::CONFLICT, message).into_response());
        }
        Err(error) => return Err(PageError::service(viewer.locale, error)),
    };
    let (locale, zone, t) = (viewer.locale, viewer.actor.zone().clone(), viewer.t());
    let people = People::load(&services, &viewer).await?;
    let here = format!("/opportunities/{id}");
    let page = MovePage {
        chrome: Chrome::load(&services, &viewer, "opportunities", &here).await?,
        title: opportunity.title,
        stage_name: stages.name_of(&query.stage, locale),
        stage: query.stage,
        version: query.version,
        from_board: query.back.as_deref() == Some("board"),
        cancelled: preview.cancelled.iter().map(|a| a.title.get(locale).to_owned()).collect(),
        created: preview
            .created
            .iter()
            .map(|a| {
                let due = format::instant(a.due_at, &zone, locale);
                format!("{} · {} {} · {} {due}", a.title.get(locale), t.visit, a.visit, t.due)
            })
            .collect(),
        notices: preview.notifications.iter().map(|n| format!("{}: {}", people.name(&n.user_id), n.title.get(locale))).collect(),
        allowed: preview.unmet.is_empty() || viewer.actor.require_overrider().is_ok(),
        unmet: unmet_words(&preview.unmet, locale),
        id,
    };
    Ok(page.into_response())
}
