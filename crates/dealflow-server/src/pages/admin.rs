//! Administration (SPEC §6): the opportunity stages lookup, the lead stages, the lost reasons,
//! system settings and users. Every page here is for administrators only; a form refused by a
//! check comes back with what was typed and the message beside the field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dealflow_core::lead::LeadStage;
use dealflow_core::{Locale, LocalizedText, Stage, StageCode};
use dealflow_store::queries::lookups::{self, LostReason};
use dealflow_store::queries::users;
use dealflow_store::records::{Role, UserRecord};
use serde::Deserialize;

use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, FormErrors, PageError, PageResult, SavedQuery, admin_only, failed, read};
use crate::services::{NewUser, UserChanges};
use crate::{ServiceError, Services};

fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v == "on" || v == "true")
}

/// A service refusal beside the fields, or the error page when it is not about the form.
fn form_errors(viewer: &Viewer, error: ServiceError) -> PageResult<FormErrors> {
    match &error {
        ServiceError::AlreadyExists(_) | ServiceError::Validation(_) => {
            Ok(FormErrors::from_service(viewer.t(), &error).unwrap_or_default())
        }
        _ => Err(PageError::service(viewer.locale, error)),
    }
}

fn saved(to: &str) -> Response {
    Redirect::to(&format!("{to}?saved=1")).into_response()
}

// ---------------------------------------------------------------------------------------------
// Opportunity stages

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

pub async fn stages(
    State(services): State<Services>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    admin_only(&viewer)?;
    let locale = viewer.locale;
    let catalog = services.stage_catalog().await.map_err(|e| PageError::service(locale, e))?;
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

    /// The stage the form describes, at `position`, or what is wrong with it.
    fn stage(&self, position: i32, t: &super::i18n::Texts) -> Result<Stage, FormErrors> {
        let mut errors = FormErrors::default();
        let code = StageCode::parse(self.code.trim()).map_err(|_| errors.add("code", t.must_be_code)).ok();
        let max_probability = match self.max_probability.trim().parse::<u8>() {
            Ok(p) if p <= 100 => p,
            _ => {
                errors.add("max_probability", t.must_be_percent);
                0
            }
        };
        for (field, value) in [("name_ru", &self.name_ru), ("name_en", &self.name_en)] {
            if value.trim().is_empty() {
                errors.add(field, t.required);
            }
        }
        match code {
            Some(code) if errors.is_empty() => Ok(Stage {
                code,
                name: LocalizedText::new(self.name_ru.trim(), self.name_en.trim()),
                position,
                description: LocalizedText::new(self.description_ru.trim(), self.description_en.trim()),
                max_probability,
                is_final: checked(&self.is_final),
                is_won: checked(&self.is_final) && checked(&self.is_won),
                show_in_funnel: checked(&self.show_in_funnel),
                show_in_progress_bar: checked(&self.show_in_progress_bar),
                active: checked(&self.active),
            }),
            _ => Err(errors),
        }
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
        Some(code) => {
            let mut conn = read(services, viewer.locale).await?;
            lookups::stage_in_use(&mut conn, code).await.map_err(failed(viewer.locale))?
        }
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
        ..StageInput::default()
    };
    Ok(stage_form(&services, &viewer, None, input, FormErrors::default()).await?.into_response())
}

pub async fn edit_stage(State(services): State<Services>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    admin_only(&viewer)?;
    let catalog = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
    let stage = catalog.get(&code).ok_or(PageError::NotFound(viewer.locale))?;
    Ok(stage_form(&services, &viewer, Some(code.clone()), StageInput::of(stage), FormErrors::default()).await?.into_response())
}

pub async fn create_stage(State(services): State<Services>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let catalog = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
    let position = catalog.all().iter().map(|s| s.position).max().unwrap_or(0) + 1;
    let errors = match form.input.stage(position, viewer.t()) {
        Ok(stage) => match services.create_stage(stage).await {
            Ok(_) => return Ok(saved("/admin/stages")),
            Err(error) => form_errors(viewer, error)?,
        },
        Err(errors) => errors,
    };
    let page = stage_form(&services, viewer, None, form.input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn update_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<StageInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let catalog = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
    let current = catalog.get(&code).ok_or(PageError::NotFound(viewer.locale))?;
    let mut input = form.input;
    input.code = code.clone();
    let errors = match input.stage(current.position, viewer.t()) {
        Ok(stage) => match services.update_stage(stage).await {
            Ok(_) => return Ok(saved("/admin/stages")),
            Err(error) => form_errors(viewer, error)?,
        },
        Err(errors) => errors,
    };
    let page = stage_form(&services, viewer, Some(code), input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct MoveInput {
    direction: String,
}

pub async fn move_stage(State(services): State<Services>, Path(code): Path<String>, form: PageForm<MoveInput>) -> PageResult {
    admin_only(&form.viewer)?;
    services.move_stage(&code, form.input.direction == "up").await.map_err(|e| PageError::service(form.viewer.locale, e))?;
    Ok(Redirect::to("/admin/stages").into_response())
}

pub async fn delete_stage(
    State(services): State<Services>,
    Path(code): Path<String>,
    form: PageForm<super::session::NoFields>,
) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    match services.delete_stage(&code).await {
        Ok(()) => Ok(saved("/admin/stages")),
        Err(error) => {
            let errors = form_errors(viewer, error)?;
            let catalog = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
            let stage = catalog.get(&code).ok_or(PageError::NotFound(viewer.locale))?;
            let page = stage_form(&services, viewer, Some(code.clone()), StageInput::of(stage), errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lead stages and lost reasons: short lookups edited in place, one form per row.

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
    reasons: Vec<ReasonRow>,
    /// The row a refused form belongs to, with its message.
    refused: Option<(String, String)>,
    new_reason: ReasonInput,
    new_reason_errors: FormErrors,
    new_lead_stage: ReasonInput,
    new_lead_stage_errors: FormErrors,
    saved: bool,
}

async fn lookups_page(services: &Services, viewer: &Viewer) -> PageResult<LookupsPage> {
    let locale = viewer.locale;
    let mut conn = read(services, locale).await?;
    let lead_stages = lookups::lead_stages(&mut conn).await.map_err(failed(locale))?;
    let reasons = lookups::lost_reasons(&mut conn).await.map_err(failed(locale))?;
    drop(conn);
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
        reasons: reasons
            .into_iter()
            .map(|r| ReasonRow { code: r.code, name_ru: r.name.ru, name_en: r.name.en, active: r.active })
            .collect(),
        refused: None,
        new_reason: ReasonInput::default(),
        new_reason_errors: FormErrors::default(),
        new_lead_stage: ReasonInput::default(),
        new_lead_stage_errors: FormErrors::default(),
        saved: false,
    })
}

pub async fn lookups(
    State(services): State<Services>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
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
    let locale = viewer.locale;
    let input = &form.input;
    if let Some(direction) = input.direction.as_deref().filter(|d| matches!(*d, "up" | "down")) {
        services.move_lead_stage(&code, direction == "up").await.map_err(|e| PageError::service(locale, e))?;
        return Ok(Redirect::to("/admin/lookups").into_response());
    }
    let all = lookups::lead_stages(&mut *read(&services, locale).await?).await.map_err(failed(locale))?;
    let current = all.into_iter().find(|s| s.code.as_str() == code).ok_or(PageError::NotFound(locale))?;
    let stage = LeadStage {
        name: LocalizedText::new(input.name_ru.trim(), input.name_en.trim()),
        is_final: checked(&input.is_final),
        hands_off: checked(&input.hands_off),
        is_converted: checked(&input.is_final) && checked(&input.is_converted),
        active: checked(&input.active),
        ..current
    };
    match services.update_lead_stage(stage).await {
        Ok(_) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &code, form_errors(viewer, error)?).await,
    }
}

/// A new lead stage goes last; it starts as an ordinary, active one.
pub async fn create_lead_stage(State(services): State<Services>, form: PageForm<ReasonInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let locale = viewer.locale;
    let all = lookups::lead_stages(&mut *read(&services, locale).await?).await.map_err(failed(locale))?;
    let input = form.input;
    let errors = match StageCode::parse(input.code.trim()) {
        Ok(code) => {
            let stage = LeadStage {
                code,
                name: LocalizedText::new(input.name_ru.trim(), input.name_en.trim()),
                position: all.iter().map(|s| s.position).max().unwrap_or(0) + 1,
                is_final: false,
                hands_off: false,
                is_converted: false,
                active: true,
            };
            match services.create_lead_stage(stage).await {
                Ok(_) => return Ok(saved("/admin/lookups")),
                Err(error) => form_errors(viewer, error)?,
            }
        }
        Err(_) => {
            let mut errors = FormErrors::default();
            errors.add("code", viewer.t().must_be_code);
            errors
        }
    };
    let mut page = lookups_page(&services, viewer).await?;
    page.new_lead_stage_errors = errors;
    page.new_lead_stage = input;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn delete_lead_stage(
    State(services): State<Services>,
    Path(code): Path<String>,
    form: PageForm<super::session::NoFields>,
) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    match services.delete_lead_stage(&code).await {
        Ok(()) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &code, form_errors(viewer, error)?).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ReasonInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    active: Option<String>,
}

pub async fn create_reason(State(services): State<Services>, form: PageForm<ReasonInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let locale = viewer.locale;
    let all = lookups::lost_reasons(&mut *read(&services, locale).await?).await.map_err(failed(locale))?;
    let input = form.input;
    let reason = LostReason {
        code: input.code.trim().to_owned(),
        name: LocalizedText::new(input.name_ru.trim(), input.name_en.trim()),
        position: all.iter().map(|r| r.position).max().unwrap_or(0) + 1,
        active: true,
    };
    match services.create_lost_reason(reason).await {
        Ok(_) => Ok(saved("/admin/lookups")),
        Err(error) => {
            let mut page = lookups_page(&services, viewer).await?;
            page.new_reason_errors = form_errors(viewer, error)?;
            page.new_reason = input;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn save_reason(State(services): State<Services>, Path(code): Path<String>, form: PageForm<ReasonInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let locale = viewer.locale;
    let all = lookups::lost_reasons(&mut *read(&services, locale).await?).await.map_err(failed(locale))?;
    let current = all.into_iter().find(|r| r.code == code).ok_or(PageError::NotFound(locale))?;
    let input = &form.input;
    let reason =
        LostReason { name: LocalizedText::new(input.name_ru.trim(), input.name_en.trim()), active: checked(&input.active), ..current };
    match services.update_lost_reason(reason).await {
        Ok(_) => Ok(saved("/admin/lookups")),
        Err(error) => refused_row(&services, viewer, &code, form_errors(viewer, error)?).await,
    }
}

// ---------------------------------------------------------------------------------------------
// System settings

pub struct SettingRow {
    pub key: String,
    pub description: String,
    pub value: String,
    pub kind: &'static str,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_settings.html")]
pub struct SettingsPage {
    chrome: Chrome,
    rows: Vec<SettingRow>,
    saved: bool,
}

async fn settings_page(services: &Services, viewer: &Viewer) -> PageResult<SettingsPage> {
    let locale = viewer.locale;
    let settings = lookups::settings(&mut *read(services, locale).await?).await.map_err(failed(locale))?;
    let rows = settings
        .into_iter()
        .map(|s| {
            let value: serde_json::Value = serde_json::from_str(&s.value).unwrap_or(serde_json::Value::Null);
            let kind = match (&*s.key, &value) {
                (_, serde_json::Value::Bool(_)) => "bool",
                ("default_locale", _) => "locale",
                _ => "text",
            };
            SettingRow {
                description: s.description.get(locale).to_owned(),
                value: match value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                },
                kind,
                key: s.key,
                error: None,
            }
        })
        .collect();
    Ok(SettingsPage { chrome: Chrome::load(services, viewer, "admin", "/admin/settings").await?, rows, saved: false })
}

pub async fn settings(
    State(services): State<Services>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    admin_only(&viewer)?;
    let mut page = settings_page(&services, &viewer).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct SettingInput {
    /// Text settings; a checkbox sends `on` when ticked and nothing otherwise.
    value: Option<String>,
    kind: String,
}

pub async fn save_setting(State(services): State<Services>, Path(key): Path<String>, form: PageForm<SettingInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = &form.input;
    let value = match input.kind.as_str() {
        "bool" => serde_json::Value::Bool(checked(&input.value)),
        _ => serde_json::Value::String(input.value.clone().unwrap_or_default().trim().to_owned()),
    };
    match services.put_setting(&key, &value).await {
        Ok(_) => Ok(saved("/admin/settings")),
        Err(error) => {
            let errors = form_errors(viewer, error)?;
            let mut page = settings_page(&services, viewer).await?;
            for row in page.rows.iter_mut().filter(|r| r.key == key) {
                row.error = errors.first().map(str::to_owned);
                row.value = input.value.clone().unwrap_or_default();
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub supervisor: String,
    pub active: bool,
}

#[derive(Deserialize, Default)]
pub struct UserInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supervisor_id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    password: String,
    active: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    input: UserInput,
    roles: Vec<Choice>,
    supervisors: Vec<Choice>,
    errors: FormErrors,
    saved: bool,
}

fn role_choices(viewer: &Viewer, current: &str) -> Vec<Choice> {
    let t = viewer.t();
    [Role::Manager, Role::Supervisor, Role::Admin].iter().map(|r| Choice::new(r.as_str(), t.role(r), Some(current))).collect()
}

fn supervisor_choices(all: &[UserRecord], except: Option<&str>, current: &str) -> Vec<Choice> {
    all.iter()
        .filter(|u| u.active && u.role != Role::Manager && Some(u.id.as_str()) != except)
        .map(|u| Choice::new(u.id.clone(), u.name.clone(), Some(current)))
        .collect()
}

async fn users_page(services: &Services, viewer: &Viewer, mut input: UserInput, errors: FormErrors) -> PageResult<UsersPage> {
    let locale = viewer.locale;
    let mut conn = read(services, locale).await?;
    let all = users::list(&mut conn).await.map_err(failed(locale))?;
    if input.locale.is_empty() {
        // A new user speaks the installation's default language unless chosen otherwise.
        let default = lookups::setting(&mut conn, "default_locale").await.map_err(failed(locale))?;
        input.locale = default.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "ru".to_owned());
    }
    drop(conn);
    let t = viewer.t();
    Ok(UsersPage {
        chrome: Chrome::load(services, viewer, "admin", "/admin/users").await?,
        rows: all
            .iter()
            .map(|u| UserRow {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                role: t.role(&u.role),
                supervisor: u
                    .supervisor_id
                    .as_ref()
                    .and_then(|s| all.iter().find(|x| &x.id == s))
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                active: u.active,
            })
            .collect(),
        roles: role_choices(viewer, if input.role.is_empty() { "manager" } else { &input.role }),
        supervisors: supervisor_choices(&all, None, &input.supervisor_id),
        input,
        errors,
        saved: false,
    })
}

pub async fn users(
    State(services): State<Services>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    admin_only(&viewer)?;
    let mut page = users_page(&services, &viewer, UserInput::default(), FormErrors::default()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

fn parse_role(text: &str, errors: &mut FormErrors, t: &super::i18n::Texts) -> Role {
    Role::parse(text).unwrap_or_else(|| {
        errors.add("role", t.no_such_record);
        Role::Manager
    })
}

fn parse_locale(text: &str) -> Locale {
    if text == "en" { Locale::En } else { Locale::Ru }
}

pub async fn create_user(State(services): State<Services>, form: PageForm<UserInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let t = viewer.t();
    let input = form.input;
    let mut errors = FormErrors::default();
    let role = parse_role(&input.role, &mut errors, t);
    if errors.is_empty() {
        let new = NewUser {
            email: input.email.clone(),
            name: input.name.clone(),
            role,
            supervisor_id: Some(input.supervisor_id.trim().to_owned()).filter(|s| !s.is_empty()),
            locale: parse_locale(&input.locale),
            password: input.password.clone(),
        };
        match services.create_user(new).await {
            Ok(_) => return Ok(saved("/admin/users")),
            Err(error) => errors = form_errors(viewer, error)?,
        }
    }
    let mut input = input;
    input.password.clear();
    let page = users_page(&services, viewer, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    chrome: Chrome,
    id: String,
    email: String,
    input: UserInput,
    roles: Vec<Choice>,
    supervisors: Vec<Choice>,
    errors: FormErrors,
    saved: bool,
}

async fn user_page(services: &Services, viewer: &Viewer, user: &UserRecord, input: UserInput, errors: FormErrors) -> PageResult<UserPage> {
    let locale = viewer.locale;
    let all = users::list(&mut *read(services, locale).await?).await.map_err(failed(locale))?;
    Ok(UserPage {
        chrome: Chrome::load(services, viewer, "admin", &format!("/admin/users/{}", user.id)).await?,
        id: user.id.clone(),
        email: user.email.clone(),
        roles: role_choices(viewer, &input.role),
        supervisors: supervisor_choices(&all, Some(&user.id), &input.supervisor_id),
        input,
        errors,
        saved: false,
    })
}

fn user_input(user: &UserRecord) -> UserInput {
    UserInput {
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role.as_str().to_owned(),
        supervisor_id: user.supervisor_id.clone().unwrap_or_default(),
        locale: user.locale.as_str().to_owned(),
        password: String::new(),
        active: user.active.then(|| "on".to_owned()),
    }
}

pub async fn user(
    State(services): State<Services>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    admin_only(&viewer)?;
    let user = users::get(&mut *read(&services, viewer.locale).await?, &id).await.map_err(failed(viewer.locale))?;
    let mut page = user_page(&services, &viewer, &user, user_input(&user), FormErrors::default()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

pub async fn update_user(State(services): State<Services>, Path(id): Path<String>, form: PageForm<UserInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let t = viewer.t();
    let user = users::get(&mut *read(&services, viewer.locale).await?, &id).await.map_err(failed(viewer.locale))?;
    let mut input = form.input;
    let mut errors = FormErrors::default();
    let role = parse_role(&input.role, &mut errors, t);
    let active = checked(&input.active);
    if id == viewer.user.id && (!active || role != Role::Admin) {
        // An administrator cannot lock themselves out of this page.
        errors.add("role", t.cannot_demote_self);
    }
    if errors.is_empty() {
        let changes = UserChanges {
            name: Some(input.name.clone()),
            role: Some(role),
            supervisor_id: Some(Some(input.supervisor_id.trim().to_owned()).filter(|s| !s.is_empty())),
            locale: Some(parse_locale(&input.locale)),
            active: Some(active),
            password: Some(input.password.clone()).filter(|p| !p.is_empty()),
        };
        match services.update_user(&id, changes).await {
            Ok(_) => return Ok(saved(&format!("/admin/users/{id}"))),
            Err(error) => errors = form_errors(viewer, error)?,
        }
    }
    input.password.clear();
    input.email = user.email.clone();
    let page = user_page(&services, viewer, &user, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
