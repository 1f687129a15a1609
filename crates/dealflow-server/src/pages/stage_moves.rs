//! Moving a deal between stages from its page: a click on the workflow bar, refused with what the
//! deal still needs when its exit criteria are unmet, and a supervisor's move past them.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::EngineError;
use serde::Deserialize;

use super::opportunity::{LiveRefusal, live_partial, refusal, refuse_on_live, wants_fragment};
use super::session::PageForm;
use super::{OrPage, PageResult};
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
                unmet: unmet.iter().map(|u| u.message.get(viewer.locale).to_owned()).collect(),
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
