//! Creating and changing leads in the browser: title, need, budget, owner, and the account and
//! contact the lead is about. Handing a lead off stays on its stage bar (R3).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::check::{self, Problems};
use dealflow_core::records::LeadRecord;
use serde::Deserialize;

use super::customers::optional;
use super::opportunities::owner_choices;
use super::pickers::{Picked, PickerField};
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::services::{LeadChanges, NewLead};

#[derive(Deserialize, Default)]
pub struct LeadInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    budget: String,
    #[serde(default)]
    owner_id: String,
    #[serde(flatten)]
    links: Picked,
}

impl LeadInput {
    fn of(lead: &LeadRecord) -> LeadInput {
        LeadInput {
            title: lead.title.clone(),
            need: lead.need.clone().unwrap_or_default(),
            budget: format::money_input(lead.budget),
            owner_id: lead.owner_id.clone(),
            links: Picked::of(None, lead.account_id.clone(), lead.contact_id.clone()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "lead_form.html")]
pub struct LeadFormPage {
    chrome: Chrome,
    /// `None` for a new lead.
    id: Option<String>,
    input: LeadInput,
    owners: Vec<Choice>,
    pickers: Vec<PickerField>,
    errors: FormErrors,
}

async fn form_page(
    services: &Services,
    viewer: &Viewer,
    id: Option<String>,
    input: LeadInput,
    errors: FormErrors,
) -> PageResult<LeadFormPage> {
    let here = id.as_ref().map(|id| format!("/leads/{id}/edit")).unwrap_or_else(|| "/leads/new".to_owned());
    Ok(LeadFormPage {
        chrome: Chrome::load(services, viewer, "leads", &here).await?,
        owners: owner_choices(services, viewer, Some(&input.owner_id)).await?,
        pickers: input.links.fields(services, viewer, &errors, &["account", "contact"]).await?,
        id,
        input,
        errors,
    })
}

pub async fn new_form(State(services): State<Services>, viewer: Viewer) -> PageResult {
    let input = LeadInput { owner_id: viewer.actor.id().to_owned(), ..LeadInput::default() };
    Ok(form_page(&services, &viewer, None, input, FormErrors::default()).await?.into_response())
}

pub async fn edit_form(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let lead = services.lead(&viewer.actor, &id).await.or_page(&viewer)?;
    Ok(form_page(&services, &viewer, Some(id), LeadInput::of(&lead), FormErrors::default()).await?.into_response())
}

/// The fields read from the form: `None` with the problems beside their fields.
struct Read {
    budget: Option<dealflow_core::Money>,
    links: super::pickers::Links,
}

async fn read(services: &Services, viewer: &Viewer, input: &LeadInput) -> PageResult<Result<Read, FormErrors>> {
    let mut problems = Problems::new();
    let budget = Some(input.budget.trim()).filter(|b| !b.is_empty()).and_then(|b| problems.check("budget", check::money_text(b)));
    let links = input.links.resolve(services, viewer, &mut problems).await?;
    Ok(match problems.finish() {
        Ok(()) => Ok(Read { budget, links }),
        Err(found) => Err(FormErrors::of(&found, viewer.locale)),
    })
}

pub async fn create(State(services): State<Services>, form: PageForm<LeadInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    let errors = match read(&services, viewer, &input).await? {
        Ok(read) => {
            let new = NewLead {
                title: input.title.clone(),
                need: optional(&input.need),
                contact_id: read.links.contact_id,
                account_id: read.links.account_id,
                owner_id: optional(&input.owner_id),
                budget: read.budget,
            };
            match services.create_lead(&viewer.actor, new).await {
                Ok(lead) => return Ok(Redirect::to(&format!("/leads/{}", lead.id)).into_response()),
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
        Err(errors) => errors,
    };
    let page = form_page(&services, viewer, None, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn update(State(services): State<Services>, Path(id): Path<String>, form: PageForm<LeadInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    // Out of sight or missing: the page's own answer, before anything typed is read.
    services.lead(&viewer.actor, &id).await.or_page(viewer)?;
    let errors = match read(&services, viewer, &input).await? {
        Ok(read) => {
            let changes = LeadChanges {
                title: Some(input.title.clone()),
                need: Some(optional(&input.need)),
                contact_id: Some(read.links.contact_id),
                account_id: Some(read.links.account_id),
                owner_id: optional(&input.owner_id),
                budget: Some(read.budget),
            };
            match services.update_lead(&viewer.actor, &id, changes).await {
                Ok(_) => return Ok(Redirect::to(&format!("/leads/{id}")).into_response()),
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
        Err(errors) => errors,
    };
    let page = form_page(&services, viewer, Some(id), input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
