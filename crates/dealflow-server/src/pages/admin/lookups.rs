//! Lead stages and lost reasons: short lookups edited in place, one form per row.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::LocalizedText;
use dealflow_core::lead::LeadStage;
use serde::Deserialize;

use super::super::session::{NoFields, PageForm, Viewer};
use super::super::{Chrome, FormErrors, OrPage, PageError, PageResult, SavedQuery, admin_only};
use super::{checked, form_errors, saved};
use crate::Services;
use crate::services::{NewLookupRow, ReasonKind};

pub struct LeadStageRow {
    pub code: String,
    /// In the reader's language, for the labels of the row's buttons.
    pub name: String,
    pub name_ru: String,
    pub name_en: String,
    pub is_final: bool,
    pub hands_off: bool,
    pub is_converted: bool,
    pub active: bool,
    pub first: bool,
    pub last: bool,
}

pub struct ReasonRow {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_lookups.html")]
pub struct LookupsPage {
    chrome: Chrome,
    lead_stages: Vec<LeadStageRow>,
    lost_reasons: Vec<ReasonRow>,
    won_reasons: Vec<ReasonRow>,
    /// The row a refused form belongs to (`lost-reasons/other`, a lead stage's code), with its message.
    refused: Option<(String, String)>,
    new_reason: RowInput,
    new_reason_errors: FormErrors,
    new_won_reason: RowInput,
    new_won_reason_errors: FormErrors,
    new_lead_stage: RowInput,
    new_lead_stage_errors: FormErrors,
    saved: bool,
}

async fn lookups_page(services: &Services, viewer: &Viewer) -> PageResult<LookupsPage> {
    let locale = viewer.locale;
    let lead_stages = services.lead_stages().await.or_page(viewer)?;
    let rows = |reasons: Vec<dealflow_core::records::LostReason>| -> Vec<ReasonRow> {
        reasons.into_iter().map(|r| ReasonRow { code: r.code, name_ru: r.name.ru, name_en: r.name.en, active: r.active }).collect()
    };
    let lost_reasons = rows(services.reasons(ReasonKind::Lost).await.or_page(viewer)?);
    let won_reasons = rows(services.reasons(ReasonKind::Won).await.or_page(viewer)?);
    let count = lead_stages.len();
    Ok(LookupsPage {
        chrome: Chrome::load(services, viewer, "admin", "/admin/lookups").await?,
        lead_stages: lead_stages
            .into_iter()
            .enumerate()
            .map(|(i, s)| LeadStageRow {
                code: s.code.to_string(),
                name: s.name.get(locale).to_owned(),
                name_ru: s.name.ru,
                name_en: s.name.en,
                is_final: s.is_final,
                hands_off: s.hands_off,
                is_converted: s.is_converted,
                active: s.active,
                first: i == 0,
                last: i + 1 == count,
            })
            .collect(),
        lost_reasons,
        won_reasons,
        refused: None,
        new_reason: RowInput::default(),
        new_reason_errors: FormErrors::default(),
        new_won_reason: RowInput::default(),
        new_won_reason_errors: FormErrors::default(),
        new_lead_stage: RowInput::default(),
        new_lead_stage_errors: FormErrors::default(),
        saved: false,
    })
}

pub async fn lookups(State(services): State<Services>, viewer: Viewer, Query(q): Query<SavedQuery>) -> PageResult {
    admin_only(&viewer)?;
    let mut page = lookups_page(&services, &viewer).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

#[derive(Deserialize, Default)]
pub struct LeadStageInput {
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    is_final: Option<String>,
    hands_off: Option<String>,
    is_converted: Option<String>,
    active: Option<String>,
    /// `up` or `down` moves the stage instead of saving it.
    direction: Option<String>,
}

async fn refused_row(services: &Services, viewer: &Viewer, row: &str, errors: FormErrors) -> PageResult {
    let mut page = lookups_page(services, viewer).await?;
    let message = errors.first().unwrap_or(viewer.t().something_wrong).to_owned();
    page.refused = Some((row.to_owned(), message));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn save_lead_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<LeadStageInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = &form.input;
    if let Some(direction) = input.direction.as_deref().filter(|d| matches!(*d, "up" | "down")) {
        services.move_lead_stage(&viewer.actor, &code, direction == "up").await.or_page(viewer)?;
        return Ok(Redirect::to("/admin/lookups").into_response());
    }
    let stages = services.lead_stages().await.or_page(viewer)?;
    let current = stages.into_iter().find(|s| s.code.as_str() == code).ok_or(PageError::NotFound(viewer.locale))?;
    let stage = LeadStage {
        name: LocalizedText::new(&input.name_ru, &input.name_en),
        is_final: checked(&input.is_final),
        hands_off: checked(&input.hands_off),
        is_converted: checked(&input.is_final) && checked(&input.is_converted),
        active: checked(&input.active),
        ..current
    };
    match services.update_lead_stage(&viewer.actor, stage).await {
        Ok(_) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &code, form_errors(viewer, error, &[])?).await,
    }
}

/// A new lead stage or lost reason: its code and both names.
#[derive(Deserialize, Default)]
pub struct RowInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    active: Option<String>,
}

impl RowInput {
    fn new_row(&self) -> NewLookupRow {
        NewLookupRow { code: self.code.clone(), name: LocalizedText::new(&self.name_ru, &self.name_en) }
    }
}

/// A new lead stage goes last; it starts as an ordinary, active one.
pub async fn create_lead_stage(State(services): State<Services>, form: PageForm<RowInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let errors = match services.create_lead_stage(&viewer.actor, form.input.new_row()).await {
        Ok(_) => return Ok(saved("/admin/lookups")),
        Err(error) => form_errors(viewer, error, &[])?,
    };
    let mut page = lookups_page(&services, viewer).await?;
    page.new_lead_stage_errors = errors;
    page.new_lead_stage = form.input;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn delete_lead_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<NoFields>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    match services.delete_lead_stage(&viewer.actor, &code).await {
        Ok(()) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &code, form_errors(viewer, error, &[])?).await,
    }
}

/// Which reasons lookup an address names: `lost-reasons` or `won-reasons`.
fn reason_kind(viewer: &Viewer, path: &str) -> PageResult<ReasonKind> {
    match path {
        "lost-reasons" => Ok(ReasonKind::Lost),
        "won-reasons" => Ok(ReasonKind::Won),
        _ => Err(PageError::NotFound(viewer.locale)),
    }
}

/// A new reason goes last.
pub async fn create_reason(State(services): State<Services>, Path(lookup): Path<String>, form: PageForm<RowInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let kind = reason_kind(viewer, &lookup)?;
    let errors = match services.create_reason(&viewer.actor, kind, form.input.new_row()).await {
        Ok(_) => return Ok(saved("/admin/lookups")),
        Err(error) => form_errors(viewer, error, &[])?,
    };
    let mut page = lookups_page(&services, viewer).await?;
    if kind == ReasonKind::Lost {
        (page.new_reason_errors, page.new_reason) = (errors, form.input);
    } else {
        (page.new_won_reason_errors, page.new_won_reason) = (errors, form.input);
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn save_reason(
    State(services): State<Services>,
    Path((lookup, code)): Path<(String, String)>,
    form: PageForm<RowInput>,
) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let kind = reason_kind(viewer, &lookup)?;
    let input = &form.input;
    let name = LocalizedText::new(&input.name_ru, &input.name_en);
    match services.update_reason(&viewer.actor, kind, &code, name, checked(&input.active)).await {
        Ok(_) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &format!("{lookup}/{code}"), form_errors(viewer, error, &[])?).await,
    }
}
