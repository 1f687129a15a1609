//! The opportunity page's forms: a stage click, the close dialog, details and BANT, participants
//! and competitors, running the process from the Actions menu, and orders. A refused form comes
//! back with what was typed and the reason beside the field.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::Money;
use dealflow_core::check::{self, Invalid, Problems};
use dealflow_core::engine::StartedVia;
use dealflow_core::records::{Competitor, OpportunityRecord, Participant};
use serde::Deserialize;

use super::opportunities::{nonempty, owner_choices};
use super::opportunity::{CloseForm, Details, build_page, refusal_words};
use super::pickers::{Picked, PickerField};
use super::session::PageForm;
use super::session::Viewer;
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult};
use crate::services::{CloseInput, NewOpportunity, OpportunityChanges};
use crate::{ServiceError, Services};

#[derive(Deserialize)]
pub struct CloseFields {
    stage: String,
    actual_revenue: Option<String>,
    hours_spent: Option<String>,
    close_reason: Option<String>,
    /// A supervisor's reason to close won with exit criteria unmet.
    override_reason: Option<String>,
}

/// A value typed into a form: nothing when the field was left empty.
fn typed<T>(problems: &mut Problems, field: &str, value: &Option<String>, parse: impl Fn(&str) -> Result<T, Invalid>) -> Option<T> {
    problems.check(field, parse(&nonempty(value)?))
}

/// Revenue and hours as typed in the close dialog or the closing form.
fn closing_numbers(input: &CloseFields, problems: &mut Problems) -> (Option<Money>, Option<f64>) {
    let revenue = typed(problems, "actual_revenue", &input.actual_revenue, check::money_text);
    let hours = typed(problems, "hours_spent", &input.hours_spent, check::hours_text);
    (revenue, hours)
}

/// The close dialog: a final stage with revenue, hours and reason (R9).
pub async fn close(State(services): State<Services>, Path(id): Path<String>, form: PageForm<CloseFields>) -> PageResult {
    let viewer = &form.viewer;
    let input = &form.input;
    let mut problems = Problems::new();
    let (revenue, hours) = closing_numbers(input, &mut problems);
    let errors = match problems.finish() {
        Err(problems) => FormErrors::of(&problems, viewer.locale),
        Ok(()) => {
            let reason = nonempty(&input.close_reason);
            let close = CloseInput {
                stage: input.stage.clone(),
                actual_revenue: revenue,
                hours_spent: hours,
                close_reason: reason,
                override_reason: nonempty(&input.override_reason),
            };
            match services.close(&viewer.actor, &id, &close).await {
                Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
                // A conflict of the engine is about the stage chosen (closed meanwhile).
                Err(error @ ServiceError::Engine(_)) => {
                    let mut errors = FormErrors::default();
                    errors.add("stage", refusal_words(viewer, error)?);
                    errors
                }
                Err(error @ ServiceError::Invalid(_)) => FormErrors::from_service(viewer.locale, &error).unwrap_or_default(),
                Err(other) => return Err(PageError::service(viewer.locale, other)),
            }
        }
    };
    let page = build_page(&services, viewer, &id).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, refused_closing(page, input, errors)).into_response())
}

/// The page again with the closing fields as typed and what is wrong beside them.
fn refused_closing(
    mut page: super::opportunity::OpportunityPage,
    input: &CloseFields,
    errors: FormErrors,
) -> super::opportunity::OpportunityPage {
    let pick = |choices: Vec<Choice>, value: &str| -> Vec<Choice> {
        choices
            .into_iter()
            .map(|mut c| {
                c.selected = c.value == value;
                c
            })
            .collect()
    };
    let reason = input.close_reason.clone().unwrap_or_default();
    page.close = CloseForm {
        open: true,
        stages: pick(std::mem::take(&mut page.close.stages), &input.stage),
        reasons: pick(std::mem::take(&mut page.close.reasons), &reason),
        won_reasons: pick(std::mem::take(&mut page.close.won_reasons), &reason),
        won_stages: std::mem::take(&mut page.close.won_stages),
        revenue: input.actual_revenue.clone().unwrap_or_default(),
        hours: input.hours_spent.clone().unwrap_or_default(),
        may_override: page.close.may_override,
        override_reason: input.override_reason.clone().unwrap_or_default(),
        errors,
    };
    page
}

/// Revenue, hours and reason of a deal already closed: every way into a final stage (a result
/// that closes, the last step done, the workflow bar) ends here if the dialog was not used.
pub async fn save_closing(State(services): State<Services>, Path(id): Path<String>, form: PageForm<CloseFields>) -> PageResult {
    let viewer = &form.viewer;
    let input = &form.input;
    let mut problems = Problems::new();
    let (revenue, hours) = closing_numbers(input, &mut problems);
    let errors = match problems.finish() {
        Err(problems) => FormErrors::of(&problems, viewer.locale),
        Ok(()) => {
            let changes = OpportunityChanges {
                actual_revenue: Some(revenue),
                hours_spent: Some(hours),
                close_reason: Some(nonempty(&input.close_reason)),
                ..OpportunityChanges::default()
            };
            match services.update_opportunity(&viewer.actor, &id, changes, None).await {
                Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}?saved=closing#closing")).into_response()),
                Err(error @ ServiceError::Invalid(_)) => FormErrors::from_service(viewer.locale, &error).unwrap_or_default(),
                Err(other) => return Err(PageError::service(viewer.locale, other)),
            }
        }
    };
    let page = build_page(&services, viewer, &id).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, refused_closing(page, input, errors)).into_response())
}

#[derive(Deserialize)]
pub struct DetailsInput {
    version: Option<i64>,
    title: String,
    #[serde(flatten)]
    links: Picked,
    owner_id: Option<String>,
    amount: Option<String>,
    probability: Option<String>,
    close_date: Option<String>,
    budget: Option<String>,
    budget_confirmed: Option<String>,
    decision_maker_id: Option<String>,
    need: Option<String>,
    timeframe: Option<String>,
    tactic: Option<String>,
    presentation_id: Option<String>,
}

/// The details and BANT form: every field read into its type here, its problems in the person's
/// language, before the service checks the rest; on a problem the form comes back with what was
/// typed.
pub async fn save_details(State(services): State<Services>, Path(id): Path<String>, form: PageForm<DetailsInput>) -> PageResult {
    let viewer = &form.viewer;
    let t = viewer.t();
    let input = &form.input;
    let mut problems = Problems::new();
    let title = problems.check("title", check::title(&input.title));
    let amount = typed(&mut problems, "amount", &input.amount, check::money_text);
    let budget = typed(&mut problems, "budget", &input.budget, check::money_text);
    let probability = typed(&mut problems, "probability", &input.probability, check::percent_text);
    let close_date = typed(&mut problems, "close_date", &input.close_date, |text| check::day(text).map(|_| text.to_owned()));
    let timeframe = typed(&mut problems, "timeframe", &input.timeframe, |text| check::day(text).map(|_| text.to_owned()));
    let links = input.links.resolve(&services, viewer, &mut problems).await?;
    let errors = match problems.finish() {
        Err(problems) => FormErrors::of(&problems, viewer.locale),
        Ok(()) => {
            let changes = OpportunityChanges {
                title,
                account_id: Some(links.account_id),
                contact_id: Some(links.contact_id),
                owner_id: nonempty(&input.owner_id),
                amount: Some(amount),
                probability: Some(probability),
                close_date: Some(close_date),
                budget: Some(budget),
                budget_confirmed: Some(input.budget_confirmed.is_some()),
                decision_maker_id: Some(nonempty(&input.decision_maker_id)),
                need: Some(nonempty(&input.need)),
                timeframe: Some(timeframe),
                tactic: Some(nonempty(&input.tactic)),
                presentation_id: Some(nonempty(&input.presentation_id)),
                ..Default::default()
            };
            match services.update_opportunity(&viewer.actor, &id, changes, input.version).await {
                Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}?saved=1#details")).into_response()),
                Err(ServiceError::PreconditionFailed { .. }) => {
                    let mut errors = FormErrors::default();
                    errors.add("form", t.conflict_details);
                    errors
                }
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
    };
    // Back with what was typed; a conflict shows the record's new version so that saving again works.
    let mut page = build_page(&services, viewer, &id).await?;
    page.details = Details {
        title: input.title.clone(),
        owner_id: input.owner_id.clone().unwrap_or_default(),
        amount: input.amount.clone().unwrap_or_default(),
        probability: input.probability.clone().unwrap_or_default(),
        close_date: input.close_date.clone().unwrap_or_default(),
        budget: input.budget.clone().unwrap_or_default(),
        budget_confirmed: input.budget_confirmed.is_some(),
        decision_maker_id: input.decision_maker_id.clone().unwrap_or_default(),
        need: input.need.clone().unwrap_or_default(),
        timeframe: input.timeframe.clone().unwrap_or_default(),
        tactic: input.tactic.clone().unwrap_or_default(),
        presentation_id: input.presentation_id.clone().unwrap_or_default(),
    };
    let keep = |choices: &mut Vec<Choice>, value: &str| choices.iter_mut().for_each(|c| c.selected = c.value == value);
    // The pickers as typed, their problems beside them.
    page.pickers = input.links.fields(&services, viewer, &errors, &["account", "contact"]).await?;
    keep(&mut page.decision_makers, &page.details.decision_maker_id);
    keep(&mut page.articles, &page.details.presentation_id);
    keep(&mut page.owners, &page.details.owner_id);
    page.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct ListChange {
    version: Option<i64>,
    /// `add` or `remove`.
    action: String,
    index: Option<usize>,
    contact_id: Option<String>,
    role: Option<String>,
    name: Option<String>,
    note: Option<String>,
}

/// Which list of the opportunity a form changes.
#[derive(Clone, Copy, PartialEq)]
enum ListKind {
    Participants,
    Competitors,
}

/// The list as the form asks it to be, or what is missing from the form.
fn changed_list(kind: ListKind, o: &OpportunityRecord, input: &ListChange) -> Result<OpportunityChanges, ()> {
    let mut participants = o.participants.clone();
    let mut competitors = o.competitors.clone();
    match (kind, input.action.as_str()) {
        (ListKind::Participants, "add") => match (nonempty(&input.contact_id), nonempty(&input.role)) {
            (Some(contact_id), Some(role)) => participants.push(Participant { contact_id, role }),
            _ => return Err(()),
        },
        (ListKind::Competitors, "add") => match nonempty(&input.name) {
            Some(name) => competitors.push(Competitor { name, note: nonempty(&input.note).unwrap_or_default() }),
            None => return Err(()),
        },
        (ListKind::Participants, _) => {
            if let Some(i) = input.index.filter(|i| *i < participants.len()) {
                participants.remove(i);
            }
        }
        (ListKind::Competitors, _) => {
            if let Some(i) = input.index.filter(|i| *i < competitors.len()) {
                competitors.remove(i);
            }
        }
    }
    Ok(match kind {
        ListKind::Participants => OpportunityChanges { participants: Some(participants), ..Default::default() },
        ListKind::Competitors => OpportunityChanges { competitors: Some(competitors), ..Default::default() },
    })
}

/// Adds or removes a participant or a competitor; a refused form comes back with what was typed.
async fn change_list(services: &Services, id: &str, form: PageForm<ListChange>, kind: ListKind) -> PageResult {
    let viewer = &form.viewer;
    let t = viewer.t();
    let input = &form.input;
    if !matches!(input.action.as_str(), "add" | "remove") {
        return Err(PageError::BadRequest(viewer.locale));
    }
    let opportunity = services.opportunity(&viewer.actor, id).await.or_page(viewer)?;
    let outcome = match changed_list(kind, &opportunity, input) {
        Err(()) => Err(Invalid::Required.message(viewer.locale)),
        Ok(changes) => match services.update_opportunity(&viewer.actor, id, changes, input.version).await {
            Ok(_) => Ok(()),
            Err(ServiceError::PreconditionFailed { .. }) => Err(t.conflict_details.to_owned()),
            Err(error) => Err(refusal_words(viewer, error)?),
        },
    };
    let anchor = if kind == ListKind::Participants { "participants" } else { "competitors" };
    let Err(message) = outcome else { return Ok(Redirect::to(&format!("/opportunities/{id}#{anchor}")).into_response()) };
    let mut page = build_page(services, viewer, id).await?;
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    match kind {
        ListKind::Participants => {
            page.participant_error = Some(message);
            page.participant_role = typed(&input.role);
            let contact = typed(&input.contact_id);
            page.participant_contacts.iter_mut().for_each(|c| c.selected = c.value == contact);
        }
        ListKind::Competitors => {
            page.competitor_error = Some(message);
            page.competitor_name = typed(&input.name);
            page.competitor_note = typed(&input.note);
        }
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn change_participants(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ListChange>) -> PageResult {
    change_list(&services, &id, form, ListKind::Participants).await
}

pub async fn change_competitors(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ListChange>) -> PageResult {
    change_list(&services, &id, form, ListKind::Competitors).await
}

#[derive(Deserialize)]
pub struct StartInput {
    code: Option<String>,
}

/// «Действия» → "Run enterprise sales process" (SPEC §4.3, R2).
pub async fn start_process(State(services): State<Services>, Path(id): Path<String>, form: PageForm<StartInput>) -> PageResult {
    let viewer = &form.viewer;
    let code = match nonempty(&form.input.code) {
        Some(code) => code,
        None => services.sales_process().await.or_page(viewer)?,
    };
    match services.start_process(&viewer.actor, &code, Some(&id), StartedVia::OpportunityPage).await {
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        Err(error) => {
            let message = refusal_words(viewer, error)?;
            let mut page = build_page(&services, viewer, &id).await?;
            page.start_error = Some(message);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// "Create order" on a won opportunity.
pub async fn create_order(
    State(services): State<Services>,
    Path(id): Path<String>,
    form: PageForm<super::session::NoFields>,
) -> PageResult {
    let viewer = &form.viewer;
    services.create_order(&viewer.actor, &id).await.or_page(viewer)?;
    Ok(Redirect::to(&format!("/opportunities/{id}?order=1")).into_response())
}

/// The new opportunity form's fields as typed: the whole deal, not a blank record.
#[derive(Deserialize, Default)]
pub struct NewOpportunityInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    close_date: String,
    #[serde(default)]
    owner_id: String,
    #[serde(flatten)]
    links: Picked,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "opportunity_new.html")]
pub struct NewOpportunityPage {
    chrome: Chrome,
    input: NewOpportunityInput,
    owners: Vec<Choice>,
    pickers: Vec<PickerField>,
    errors: FormErrors,
}

async fn new_opportunity_page(
    services: &Services,
    viewer: &Viewer,
    input: NewOpportunityInput,
    errors: FormErrors,
) -> PageResult<NewOpportunityPage> {
    Ok(NewOpportunityPage {
        chrome: Chrome::load(services, viewer, "opportunities", "/opportunities/new").await?,
        owners: owner_choices(services, viewer, Some(&input.owner_id)).await?,
        pickers: input.links.fields(services, viewer, &errors, &["account", "contact"]).await?,
        input,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct NewOpportunityQuery {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    contact_id: String,
}

pub async fn new_opportunity(State(services): State<Services>, viewer: Viewer, Query(query): Query<NewOpportunityQuery>) -> PageResult {
    let input = NewOpportunityInput {
        owner_id: viewer.actor.id().to_owned(),
        links: Picked::of(None, Some(query.account_id), Some(query.contact_id)),
        ..NewOpportunityInput::default()
    };
    Ok(new_opportunity_page(&services, &viewer, input, FormErrors::default()).await?.into_response())
}

pub async fn create_opportunity(State(services): State<Services>, form: PageForm<NewOpportunityInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    let mut problems = Problems::new();
    let amount = typed(&mut problems, "amount", &Some(input.amount.clone()), check::money_text);
    let close_date = typed(&mut problems, "close_date", &Some(input.close_date.clone()), |d| check::day(d).map(|d| d.to_string()));
    let links = input.links.resolve(&services, viewer, &mut problems).await?;
    let errors = match problems.finish() {
        Err(found) => FormErrors::of(&found, viewer.locale),
        Ok(()) => {
            let new = NewOpportunity {
                title: input.title.clone(),
                owner_id: nonempty(&Some(input.owner_id.clone())),
                stage: None,
                account_id: links.account_id,
                contact_id: links.contact_id,
                amount,
                probability: None,
                close_date,
                budget: None,
                need: None,
            };
            match services.create_opportunity(&viewer.actor, new).await {
                Ok(created) => return Ok(Redirect::to(&format!("/opportunities/{}", created.id)).into_response()),
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
    };
    let page = new_opportunity_page(&services, viewer, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct NoteInput {
    #[serde(default)]
    body: String,
}

/// A note on the opportunity; it joins the timeline. A refused one comes back beside its field.
pub async fn add_note(State(services): State<Services>, Path(id): Path<String>, form: PageForm<NoteInput>) -> PageResult {
    let viewer = &form.viewer;
    let target = dealflow_core::records::NoteTarget::Opportunity(id.clone());
    let errors = match services.add_note(&viewer.actor, target, &form.input.body).await {
        Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}#history")).into_response()),
        Err(ServiceError::NotFound) => return Err(PageError::NotFound(viewer.locale)),
        Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
    };
    let mut page = build_page(&services, viewer, &id).await?;
    page.note_errors = errors;
    page.note = form.input.body.clone();
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
