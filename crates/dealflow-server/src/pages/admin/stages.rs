//! The opportunity stages lookup: the list in workflow order, a form per stage, moving and
//! deleting.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::{Locale, LocalizedText, Stage};
use serde::Deserialize;

use super::super::session::{NoFields, PageForm, Viewer};
use super::super::{Chrome, FormErrors, OrPage, PageError, PageResult, SavedQuery, admin_only};
use super::{checked, form_errors, saved};
use crate::Services;
use crate::services::{NewStage, StageChanges};

/// The form's fields as the services name them.
const FIELDS: &[(&str, &str)] = &[("name.ru", "name_ru"), ("name.en", "name_en")];

pub struct StageRow {
    pub stage: Stage,
    pub name: String,
    /// The name in the other language, for the administrator who keeps both.
    pub other_name: String,
    pub other_lang: &'static str,
    pub first: bool,
    pub last: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stages.html")]
pub struct StagesPage {
    chrome: Chrome,
    rows: Vec<StageRow>,
    saved: bool,
}

pub async fn stages(State(services): State<Services>, viewer: Viewer, Query(q): Query<SavedQuery>) -> PageResult {
    admin_only(&viewer)?;
    let locale = viewer.locale;
    let catalog = services.stage_catalog().await.or_page(&viewer)?;
    let all = catalog.all();
    let other = if locale == Locale::Ru { Locale::En } else { Locale::Ru };
    let rows = all
        .iter()
        .enumerate()
        .map(|(i, s)| StageRow {
            stage: s.clone(),
            name: s.name.get(locale).to_owned(),
            other_name: s.name.get(other).to_owned(),
            other_lang: other.as_str(),
            first: i == 0,
            last: i + 1 == all.len(),
        })
        .collect();
    Ok(StagesPage { chrome: Chrome::load(&services, &viewer, "admin", "/admin/stages").await?, rows, saved: q.saved.is_some() }
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct StageInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_ru: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    max_probability: String,
    is_final: Option<String>,
    is_won: Option<String>,
    show_in_funnel: Option<String>,
    show_in_progress_bar: Option<String>,
    active: Option<String>,
    #[serde(default)]
    next_step_days: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stage.html")]
pub struct StageFormPage {
    chrome: Chrome,
    /// `None` for a new stage.
    existing: Option<String>,
    input: StageInput,
    in_use: bool,
    errors: FormErrors,
}

impl StageInput {
    fn of(stage: &Stage) -> StageInput {
        let on = |b: bool| b.then(|| "on".to_owned());
        StageInput {
            code: stage.code.to_string(),
            name_ru: stage.name.ru.clone(),
            name_en: stage.name.en.clone(),
            description_ru: stage.description.ru.clone(),
            description_en: stage.description.en.clone(),
            max_probability: stage.max_probability.to_string(),
            is_final: on(stage.is_final),
            is_won: on(stage.is_won),
            show_in_funnel: on(stage.show_in_funnel),
            show_in_progress_bar: on(stage.show_in_progress_bar),
            active: on(stage.active),
            next_step_days: stage.next_step_days.to_string(),
        }
    }

    fn is(&self, field: &str) -> bool {
        checked(match field {
            "is_final" => &self.is_final,
            "is_won" => &self.is_won,
            "show_in_funnel" => &self.show_in_funnel,
            "show_in_progress_bar" => &self.show_in_progress_bar,
            _ => &self.active,
        })
    }

    fn name(&self) -> LocalizedText {
        LocalizedText::new(&self.name_ru, &self.name_en)
    }

    fn description(&self) -> LocalizedText {
        LocalizedText::new(&self.description_ru, &self.description_en)
    }

    /// The days as typed; blank is the default, anything else unreadable -1, which is refused.
    fn next_step_days(&self) -> Option<i64> {
        let typed = self.next_step_days.trim();
        (!typed.is_empty()).then(|| typed.parse().unwrap_or(-1))
    }

    /// The percentage as typed: a whole number, or -1, which the services refuse as out of range.
    fn max_probability(&self) -> i64 {
        self.max_probability.trim().parse().unwrap_or(-1)
    }
}

async fn stage_form(
    services: &Services,
    viewer: &Viewer,
    existing: Option<String>,
    input: StageInput,
    errors: FormErrors,
) -> PageResult<StageFormPage> {
    let in_use = match &existing {
        Some(code) => services.stage_in_use(&viewer.actor, code).await.or_page(viewer)?,
        None => false,
    };
    let here = existing.as_ref().map_or("/admin/stages/new".to_owned(), |c| format!("/admin/stages/{c}"));
    Ok(StageFormPage { chrome: Chrome::load(services, viewer, "admin", &here).await?, existing, input, in_use, errors })
}

pub async fn new_stage(State(services): State<Services>, viewer: Viewer) -> PageResult {
    admin_only(&viewer)?;
    let input = StageInput {
        max_probability: "50".into(),
        show_in_funnel: Some("on".into()),
        show_in_progress_bar: Some("on".into()),
        active: Some("on".into()),
        next_step_days: "7".into(),
        ..StageInput::default()
    };
    Ok(stage_form(&services, &viewer, None, input, FormErrors::default()).await?.into_response())
}

pub async fn edit_stage(State(services): State<Services>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    admin_only(&viewer)?;
    let catalog = services.stage_catalog().await.or_page(&viewer)?;
    let stage = catalog.get(&code).ok_or(PageError::NotFound(viewer.locale))?;
    Ok(stage_form(&services, &viewer, Some(code.clone()), StageInput::of(stage), FormErrors::default()).await?.into_response())
}

/// A new stage goes last.
pub async fn create_stage(State(services): State<Services>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = &form.input;
    let new = NewStage {
        code: input.code.clone(),
        name: input.name(),
        position: None,
        description: input.description(),
        max_probability: input.max_probability(),
        is_final: input.is("is_final"),
        is_won: input.is("is_won"),
        show_in_funnel: Some(input.is("show_in_funnel")),
        show_in_progress_bar: Some(input.is("show_in_progress_bar")),
        active: Some(input.is("active")),
        next_step_days: input.next_step_days(),
    };
    let errors = match services.create_stage(&viewer.actor, new).await {
        Ok(_) => return Ok(saved("/admin/stages")),
        Err(error) => form_errors(viewer, error, FIELDS)?,
    };
    let page = stage_form(&services, viewer, None, form.input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn update_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let mut input = form.input;
    input.code = code.clone();
    let changes = StageChanges {
        name: Some(input.name()),
        position: None,
        description: Some(input.description()),
        max_probability: Some(input.max_probability()),
        is_final: Some(input.is("is_final")),
        is_won: Some(input.is("is_won")),
        show_in_funnel: Some(input.is("show_in_funnel")),
        show_in_progress_bar: Some(input.is("show_in_progress_bar")),
        active: Some(input.is("active")),
        next_step_days: input.next_step_days(),
    };
    let errors = match services.update_stage(&viewer.actor, &code, changes).await {
        Ok(_) => return Ok(saved("/admin/stages")),
        Err(error) => form_errors(viewer, error, FIELDS)?,
    };
    let page = stage_form(&services, viewer, Some(code), input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct MoveInput {
    direction: String,
}

pub async fn move_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<MoveInput>) -> PageResult {
    let viewer = &form.viewer;
    services.move_stage(&viewer.actor, &code, form.input.direction == "up").await.or_page(viewer)?;
    Ok(Redirect::to("/admin/stages").into_response())
}

pub async fn delete_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<NoFields>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    match services.delete_stage(&viewer.actor, &code).await {
        Ok(()) => Ok(saved("/admin/stages")),
        Err(error) => {
            // Why the stage stays is about the whole stage, not its code: the page's notice.
            let errors = form_errors(viewer, error, &[("code", "form")])?;
            let catalog = services.stage_catalog().await.or_page(viewer)?;
            let stage = catalog.get(&code).ok_or(PageError::NotFound(viewer.locale))?;
            let page = stage_form(&services, viewer, Some(code.clone()), StageInput::of(stage), errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
