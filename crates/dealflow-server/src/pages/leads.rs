//! Leads: the list and the lead page with its stage bar. Moving a lead to «Ожидание продажи» /
//! "Awaiting sale" hands it off (R3) and takes the person to the new opportunity.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::lead::LeadStage;
use dealflow_store::queries::{customers, leads, lookups, opportunities, users};
use dealflow_store::records::LeadRecord;
use serde::Deserialize;

use super::opportunities::currency;
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, PageError, PageResult, failed, format, read, scope};
use crate::Services;
use crate::api::{PageParams, cursor_for};

const LIST_PAGE: i64 = 50;

pub struct LeadRow {
    pub id: String,
    pub title: String,
    pub stage: String,
    pub owner: String,
    pub budget: String,
    pub opportunity: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    chrome: Chrome,
    stages: Vec<Choice>,
    rows: Vec<LeadRow>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LeadsQuery {
    stage: Option<String>,
    cursor: Option<String>,
}

async fn lead_stages(services: &Services, viewer: &Viewer) -> PageResult<Vec<LeadStage>> {
    let mut conn = read(services, viewer.locale).await?;
    lookups::lead_stages(&mut conn).await.map_err(failed(viewer.locale))
}

fn stage_name(stages: &[LeadStage], code: &str, locale: dealflow_core::Locale) -> String {
    stages.iter().find(|s| s.code.as_str() == code).map(|s| s.name.get(locale).to_owned()).unwrap_or_default()
}

pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<LeadsQuery>) -> PageResult {
    let locale = viewer.locale;
    let scope = scope(&services, &viewer).await?;
    let stages = lead_stages(&services, &viewer).await?;
    let stage = query.stage.as_deref().filter(|s| !s.is_empty());
    let after = PageParams { limit: None, cursor: query.cursor.clone() }.after().unwrap_or(None);
    let mut conn = read(&services, locale).await?;
    let mut rows = leads::search(&mut conn, stage, scope.owners(), after, LIST_PAGE + 1).await.map_err(failed(locale))?;
    let people = users::list(&mut conn).await.map_err(failed(locale))?;
    let currency = currency(&mut conn, locale).await?;
    drop(conn);
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let next = if more {
        rows.last().map(|l| format!("/leads?stage={}&cursor={}", stage.unwrap_or(""), cursor_for(l.created_at, &l.id)))
    } else {
        None
    };
    let page = LeadsPage {
        chrome: Chrome::load(&services, &viewer, "leads", "/leads").await?,
        stages: stages.iter().filter(|s| s.active).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), stage)).collect(),
        rows: rows
            .iter()
            .map(|l| LeadRow {
                id: l.id.clone(),
                title: l.title.clone(),
                stage: stage_name(&stages, l.stage.as_str(), locale),
                owner: people.iter().find(|u| u.id == l.owner_id).map(|u| u.name.clone()).unwrap_or_default(),
                budget: format::opt_money(l.budget, &currency, locale),
                opportunity: l.opportunity_id.clone(),
            })
            .collect(),
        next,
    };
    Ok(page.into_response())
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

async fn visible(services: &Services, viewer: &Viewer, id: &str) -> PageResult<LeadRecord> {
    let scope = scope(services, viewer).await?;
    let mut conn = read(services, viewer.locale).await?;
    let lead = leads::get(&mut conn, id).await.map_err(failed(viewer.locale))?;
    if scope.allows(&lead.owner_id) { Ok(lead) } else { Err(PageError::NotFound(viewer.locale)) }
}

async fn build(services: &Services, viewer: &Viewer, lead: LeadRecord) -> PageResult<LeadPage> {
    let locale = viewer.locale;
    let stages = lead_stages(services, viewer).await?;
    let mut conn = read(services, locale).await?;
    let fail = failed(locale);
    let account = match &lead.account_id {
        Some(id) => customers::get_account(&mut conn, id).await.map_err(&fail)?.name,
        None => String::new(),
    };
    let contact = match &lead.contact_id {
        Some(id) => customers::get_contact(&mut conn, id).await.map_err(&fail)?.name,
        None => String::new(),
    };
    let owner = users::get(&mut conn, &lead.owner_id).await.map_err(&fail)?.name;
    let opportunity = match &lead.opportunity_id {
        Some(id) => Some((id.clone(), opportunities::get(&mut conn, id).await.map_err(&fail)?.title)),
        None => None,
    };
    let currency = currency(&mut conn, locale).await?;
    drop(conn);
    let locked = stages.iter().any(|s| s.code == lead.stage && s.is_final);
    Ok(LeadPage {
        chrome: Chrome::load(services, viewer, "leads", &format!("/leads/{}", lead.id)).await?,
        title: lead.title.clone(),
        need: lead.need.clone().unwrap_or_default(),
        account,
        contact,
        owner,
        budget: format::opt_money(lead.budget, &currency, locale),
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
        opportunity,
        error: None,
        id: lead.id,
    })
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let lead = visible(&services, &viewer, &id).await?;
    Ok(build(&services, &viewer, lead).await?.into_response())
}

#[derive(Deserialize)]
pub struct StageInput {
    stage: String,
}

pub async fn change_stage(State(services): State<Services>, Path(id): Path<String>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    visible(&services, viewer, &id).await?;
    match services.change_lead_stage(&viewer.user.id, &id, &form.input.stage).await {
        Ok(lead) => {
            let handed_off =
                lead.opportunity_id.is_some() && lead_stages(&services, viewer).await?.iter().any(|s| s.code == lead.stage && s.hands_off);
            match lead.opportunity_id {
                Some(opportunity_id) if handed_off => Ok(Redirect::to(&format!("/opportunities/{opportunity_id}")).into_response()),
                _ => Ok(Redirect::to(&format!("/leads/{id}")).into_response()),
            }
        }
        Err(error) => {
            let message = viewer.t().service_error(&error).ok_or_else(|| PageError::service(viewer.locale, error))?;
            let lead = visible(&services, viewer, &id).await?;
            let mut page = build(&services, viewer, lead).await?;
            page.error = Some(message);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
