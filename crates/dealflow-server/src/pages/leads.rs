//! Leads: the list and the lead page with its stage bar. Moving a lead to «Ожидание продажи» /
//! "Awaiting sale" hands it off (R3) and takes the person to the new opportunity.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::lead::LeadStage;
use serde::Deserialize;

use super::csv::{EXPORT_PAGE, Export};
use super::opportunities::People;
use super::opportunity::refusal_words;
use super::session::{PageForm, Viewer};
use super::sorting::{self, SortHeader, SortRequest};
use super::{Choice, Chrome, OrPage, PageResult, format};
use crate::Services;
use crate::paging::PageRequest;
use crate::services::LeadSort;

const LIST_PAGE: i64 = 50;

pub struct LeadRow {
    pub id: String,
    pub title: String,
    pub stage: String,
    pub owner: String,
    pub budget: String,
    pub created: String,
    pub opportunity: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    chrome: Chrome,
    sort: Option<(&'static str, &'static str)>,
    headers: Vec<SortHeader>,
    stages: Vec<Choice>,
    rows: Vec<LeadRow>,
    next: Option<String>,
    /// The CSV of what the filter shows.
    export: String,
}

#[derive(Deserialize, Default)]
pub struct LeadsQuery {
    stage: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
}

fn stage_name(stages: &[LeadStage], code: &str, locale: dealflow_core::Locale) -> String {
    stages.iter().find(|s| s.code.as_str() == code).map(|s| s.name.get(locale).to_owned()).unwrap_or_default()
}

pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<LeadsQuery>) -> PageResult {
    let locale = viewer.locale;
    let stages = services.lead_stages().await.or_page(&viewer)?;
    let stage = query.stage.as_deref().filter(|s| !s.is_empty());
    let t = viewer.t();
    let sorted =
        SortRequest { sort: query.sort.as_deref(), dir: query.dir.as_deref(), cursor: query.cursor.as_deref() }.order::<LeadSort>(None);
    let found = match &sorted {
        None => services.leads(&viewer.actor, stage, &PageRequest::lenient(LIST_PAGE, query.cursor.as_deref())).await,
        Some(sorted) => services.sorted_leads(&viewer.actor, stage, sorted, LIST_PAGE).await,
    }
    .or_page(&viewer)?;
    let people = People::load(&services, &viewer).await?;
    let currency = services.currency().await.or_page(&viewer)?;
    let params = [("stage", stage.unwrap_or(""))];
    let next = found.next.as_ref().map(|cursor| sorting::next_page("/leads", &params, sorted.as_ref(), cursor));
    let columns = [
        (LeadSort::Title, t.title, false),
        (LeadSort::Stage, t.stage, false),
        (LeadSort::Owner, t.owner, false),
        (LeadSort::Budget, t.budget, true),
        (LeadSort::Created, t.created, false),
    ];
    let zone = viewer.actor.zone().clone();
    let page = LeadsPage {
        chrome: Chrome::load(&services, &viewer, "leads", "/leads").await?,
        sort: sorting::kept(sorted.as_ref()),
        headers: sorting::headers("/leads", &params, &columns, sorted.as_ref(), None),
        stages: stages.iter().filter(|s| s.active).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), stage)).collect(),
        rows: found
            .items
            .iter()
            .map(|l| LeadRow {
                id: l.id.clone(),
                title: l.title.clone(),
                stage: stage_name(&stages, l.stage.as_str(), locale),
                owner: people.name(&l.owner_id),
                budget: format::opt_money(l.budget, &currency, locale),
                created: format::instant(l.created_at, &zone, locale),
                opportunity: l.opportunity_id.clone(),
            })
            .collect(),
        next,
        export: format!("/leads.csv?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish()),
    };
    Ok(page.into_response())
}

/// The leads the filter shows, newest first, as a CSV file.
pub async fn export(State(services): State<Services>, viewer: Viewer, Query(query): Query<LeadsQuery>) -> PageResult {
    let t = viewer.t();
    let stages = services.lead_stages().await.or_page(&viewer)?;
    let stage = query.stage.as_deref().filter(|s| !s.is_empty());
    let people = People::load(&services, &viewer).await?;
    let zone = viewer.actor.zone().clone();
    let mut export = Export::new(&[t.title, t.stage, t.owner, t.budget, t.need, t.created]);
    let mut cursor: Option<Option<String>> = Some(None);
    while let Some(after) = cursor {
        let found = services.leads(&viewer.actor, stage, &PageRequest::lenient(EXPORT_PAGE, after.as_deref())).await.or_page(&viewer)?;
        let rows = found.items.iter().map(|l| {
            vec![
                l.title.clone(),
                stage_name(&stages, l.stage.as_str(), viewer.locale),
                people.name(&l.owner_id),
                l.budget.map(|b| b.to_string()).unwrap_or_default(),
                l.need.clone().unwrap_or_default(),
                format::stamp(l.created_at, &zone),
            ]
        });
        cursor = export.add(rows, found.next.clone()).map(Some);
    }
    Ok(export.download("dealflow-leads.csv"))
}

pub struct LeadBarStage {
    pub code: String,
    pub name: String,
    pub current: bool,
    pub hands_off: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "lead.html")]
pub struct LeadPage {
    chrome: Chrome,
    id: String,
    title: String,
    need: String,
    account: String,
    contact: String,
    owner: String,
    budget: String,
    stage: String,
    locked: bool,
    bar: Vec<LeadBarStage>,
    opportunity: Option<(String, String)>,
    error: Option<String>,
}

async fn build(services: &Services, viewer: &Viewer, id: &str) -> PageResult<LeadPage> {
    let locale = viewer.locale;
    let data = services.lead_page(&viewer.actor, id).await.or_page(viewer)?;
    let lead = data.lead;
    let stages = data.stages;
    let locked = stages.iter().any(|s| s.code == lead.stage && s.is_final);
    Ok(LeadPage {
        chrome: Chrome::load(services, viewer, "leads", &format!("/leads/{}", lead.id)).await?,
        title: lead.title.clone(),
        need: lead.need.clone().unwrap_or_default(),
        account: data.account.unwrap_or_default(),
        contact: data.contact.unwrap_or_default(),
        owner: data.owner,
        budget: format::opt_money(lead.budget, &data.currency, locale),
        stage: stage_name(&stages, lead.stage.as_str(), locale),
        locked,
        bar: stages
            .iter()
            .filter(|s| s.active)
            .map(|s| LeadBarStage {
                code: s.code.as_str().to_owned(),
                name: s.name.get(locale).to_owned(),
                current: s.code == lead.stage,
                hands_off: s.hands_off,
            })
            .collect(),
        opportunity: data.opportunity,
        error: None,
        id: lead.id,
    })
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    Ok(build(&services, &viewer, &id).await?.into_response())
}
#[derive(Deserialize)]
pub struct StageInput {
    stage: String,
}

pub async fn change_stage(State(services): State<Services>, Path(id): Path<String>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    match services.change_lead_stage(&viewer.actor, &id, &form.input.stage).await {
        Ok(lead) => {
            let stages = services.lead_stages().await.or_page(viewer)?;
            let handed_off = lead.opportunity_id.is_some() && stages.iter().any(|s| s.code == lead.stage && s.hands_off);
            match lead.opportunity_id {
                Some(opportunity_id) if handed_off => Ok(Redirect::to(&format!("/opportunities/{opportunity_id}")).into_response()),
                _ => Ok(Redirect::to(&format!("/leads/{id}")).into_response()),
            }
        }
        Err(error) => {
            let message = refusal_words(viewer, error)?;
            let mut page = build(&services, viewer, &id).await?;
            page.error = Some(message);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
