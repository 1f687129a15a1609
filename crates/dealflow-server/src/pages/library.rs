//! The process library (SPEC §6): every process with its stages, guidance, steps and a diagram;
//! its versions, the difference between two of them, and for administrators uploading a new
//! version (every problem shown with its line, nothing published until the document is whole)
//! and switching a process on or off.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::check::Invalid;
use dealflow_core::checkpoints;
use dealflow_core::compare::{Change, compare};
use dealflow_core::definition::{ProcessStage, ResultEffect, Step};
use dealflow_core::{Locale, ProcessDefinition, StageCatalog};
use serde::Deserialize;

use super::diagram::{self, Diagram};
use super::i18n::Texts;
use super::session::{PageForm, Viewer};
use super::{Chrome, OrPage, PageError, PageResult, admin_only, format};
use crate::Services;
use crate::error::ServiceError;

pub struct ProcessRow {
    pub code: String,
    pub name: String,
    pub version: u32,
    pub active: bool,
    pub stages: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "processes.html")]
pub struct LibraryPage {
    chrome: Chrome,
    rows: Vec<ProcessRow>,
}

pub async fn list(State(services): State<Services>, viewer: Viewer) -> PageResult {
    let locale = viewer.locale;
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    let library = services.library().await.or_page(&viewer)?;
    let rows = library
        .iter()
        .map(|d| ProcessRow {
            code: d.code.clone(),
            name: d.name.get(locale).to_owned(),
            version: d.version,
            active: d.active,
            stages: d.stages.iter().map(|s| stages.name_of(s.stage.as_str(), locale)).collect(),
        })
        .collect();
    Ok(LibraryPage { chrome: Chrome::load(&services, &viewer, "processes", "/processes").await?, rows }.into_response())
}

pub struct ResultLine {
    pub name: String,
    pub effect: String,
}

pub struct StepView {
    pub code: String,
    pub title: String,
    pub kind: &'static str,
    pub due: String,
    pub results: Vec<ResultLine>,
}

pub struct StageView {
    pub name: String,
    pub next: String,
    pub tasks: String,
    pub goal: String,
    pub system: String,
    pub next_text: String,
    /// What must hold before a deal leaves the stage forward.
    pub criteria: Vec<String>,
    pub steps: Vec<StepView>,
}

pub struct VersionRow {
    pub version: u32,
    pub by: String,
    pub at: String,
    pub current: bool,
    pub shown: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "process.html")]
pub struct ProcessPage {
    chrome: Chrome,
    code: String,
    name: String,
    version: u32,
    current_version: u32,
    active: bool,
    admin: bool,
    diagram: Diagram,
    stages: Vec<StageView>,
    versions: Vec<VersionRow>,
    published: Option<u32>,
}

/// A due offset in words: `P1D` → «1 дн.» / "1 d", with hours and minutes when there are any.
fn due_words(seconds: i64, t: &Texts) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}\u{a0}{}", t.days_short));
    }
    if hours > 0 {
        parts.push(format!("{hours}\u{a0}{}", t.hours_short));
    }
    if minutes > 0 || parts.is_empty() {
        parts.push(format!("{minutes}\u{a0}{}", t.minutes_short));
    }
    parts.join(" ")
}

fn effect_words(effect: &ResultEffect, stages: &StageCatalog, t: &Texts, locale: Locale) -> String {
    match effect {
        ResultEffect::Advance => t.effect_advance.to_owned(),
        ResultEffect::Close(stage) => {
            format!("{} {}{}{}", t.effect_close, t.quote_open, stages.name_of(stage.as_str(), locale), t.quote_close)
        }
    }
}

fn criteria_words(definition: &ProcessDefinition, stage: &ProcessStage, locale: Locale) -> Vec<String> {
    stage.exit_criteria.iter().map(|c| checkpoints::request(c, definition).get(locale).to_owned()).collect()
}

fn stage_views(definition: &ProcessDefinition, stages: &StageCatalog, t: &Texts, locale: Locale) -> Vec<StageView> {
    definition
        .stages
        .iter()
        .map(|s| StageView {
            name: stages.name_of(s.stage.as_str(), locale),
            next: stages.name_of(s.next.as_str(), locale),
            tasks: s.guidance.tasks.get(locale).to_owned(),
            goal: s.guidance.goal.get(locale).to_owned(),
            system: s.guidance.system.get(locale).to_owned(),
            next_text: s.guidance.next.get(locale).to_owned(),
            criteria: criteria_words(definition, s, locale),
            steps: s
                .steps
                .iter()
                .map(|step| StepView {
                    code: step.code.clone(),
                    title: step.title.get(locale).to_owned(),
                    kind: t.activity_type(step.kind),
                    due: due_words(step.due.seconds(), t),
                    results: step
                        .results
                        .iter()
                        .map(|r| ResultLine { name: r.name.get(locale).to_owned(), effect: effect_words(&r.effect, stages, t, locale) })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn draw(definition: &ProcessDefinition, stages: &StageCatalog, t: &'static Texts, locale: Locale) -> Diagram {
    let detail = |step: &Step| format!("{} · {}", t.activity_type(step.kind), due_words(step.due.seconds(), t));
    let checkpoint = |stage: &ProcessStage| {
        (!stage.exit_criteria.is_empty()).then(|| (t.exit_criteria.to_owned(), criteria_words(definition, stage, locale)))
    };
    diagram::draw(definition, stages, locale, detail, checkpoint, t.effect_close, t.next_stage)
}

#[derive(Deserialize, Default)]
pub struct ProcessQuery {
    version: Option<u32>,
    published: Option<u32>,
}

pub async fn page(
    State(services): State<Services>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(query): Query<ProcessQuery>,
) -> PageResult {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    let t = viewer.t();
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    let crate::services::ProcessPage { shown, current, versions, people } =
        services.process_page(&code, query.version).await.or_page(&viewer)?;
    let page = ProcessPage {
        chrome: Chrome::load(&services, &viewer, "processes", &format!("/processes/{code}")).await?,
        name: shown.name.get(locale).to_owned(),
        version: shown.version,
        current_version: current.version,
        active: current.active,
        admin: viewer.actor.is_admin(),
        diagram: draw(&shown, &stages, t, locale),
        stages: stage_views(&shown, &stages, t, locale),
        versions: versions
            .iter()
            .rev()
            .map(|v| VersionRow {
                version: v.version,
                by: v
                    .published_by
                    .as_ref()
                    .and_then(|id| people.iter().find(|u| &u.id == id))
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| t.installed_with_product.to_owned()),
                at: format::instant(v.published_at, zone, locale),
                current: v.version == current.version,
                shown: v.version == shown.version,
            })
            .collect(),
        published: query.published,
        code,
    };
    Ok(page.into_response())
}

pub struct StepCell {
    pub title: String,
    pub detail: String,
    pub change: &'static str,
}

pub struct DiffRow {
    pub stage: String,
    pub change: &'static str,
    pub old: Vec<StepCell>,
    pub new: Vec<StepCell>,
    pub old_next: String,
    pub new_next: String,
    /// Each side's exit criteria, in words.
    pub old_criteria: Vec<String>,
    pub new_criteria: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "process_diff.html")]
pub struct DiffPage {
    chrome: Chrome,
    code: String,
    name: String,
    from: u32,
    to: u32,
    versions: Vec<u32>,
    rows: Vec<DiffRow>,
    identical: bool,
}

fn change_class(change: Change) -> &'static str {
    match change {
        Change::Same => "Same",
        Change::Added => "Added",
        Change::Removed => "Removed",
        Change::Changed => "Changed",
    }
}

fn diff_rows(old: &ProcessDefinition, new: &ProcessDefinition, stages: &StageCatalog, t: &Texts, locale: Locale) -> Vec<DiffRow> {
    let cell = |step: &Step, change: Change| StepCell {
        title: step.title.get(locale).to_owned(),
        detail: format!(
            "{} · {} · {}",
            t.activity_type(step.kind),
            due_words(step.due.seconds(), t),
            step.results.iter().map(|r| r.name.get(locale)).collect::<Vec<_>>().join(", ")
        ),
        change: change_class(change),
    };
    compare(old, new)
        .iter()
        .map(|row| DiffRow {
            stage: stages.name_of(row.stage, locale),
            change: change_class(row.change),
            old: row
                .steps
                .iter()
                .filter_map(|s| s.old.map(|step| cell(step, if s.change == Change::Removed { Change::Removed } else { s.change })))
                .collect(),
            new: row.steps.iter().filter_map(|s| s.new.map(|step| cell(step, s.change))).collect(),
            old_next: row.old.map(|s| stages.name_of(s.next.as_str(), locale)).unwrap_or_default(),
            new_next: row.new.map(|s| stages.name_of(s.next.as_str(), locale)).unwrap_or_default(),
            old_criteria: row.old.map(|s| criteria_words(old, s, locale)).unwrap_or_default(),
            new_criteria: row.new.map(|s| criteria_words(new, s, locale)).unwrap_or_default(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct DiffQuery {
    from: Option<u32>,
    to: Option<u32>,
}

pub async fn diff(
    State(services): State<Services>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(query): Query<DiffQuery>,
) -> PageResult {
    let locale = viewer.locale;
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    let current = services.process(&code).await.or_page(&viewer)?;
    let to = query.to.unwrap_or(current.version);
    let from = query.from.unwrap_or(to.saturating_sub(1).max(1));
    let old = services.process_version(&code, from).await.or_page(&viewer)?;
    let new = services.process_version(&code, to).await.or_page(&viewer)?;
    let versions = services.process_versions(&code).await.or_page(&viewer)?.iter().map(|v| v.version).collect();
    let rows = diff_rows(&old, &new, &stages, viewer.t(), locale);
    let page = DiffPage {
        chrome: Chrome::load(&services, &viewer, "processes", &format!("/processes/{code}/diff?from={from}&to={to}")).await?,
        name: current.name.get(locale).to_owned(),
        identical: old.stages == new.stages && old.name == new.name,
        code,
        from,
        to,
        versions,
        rows,
    };
    Ok(page.into_response())
}

pub struct ProblemLine {
    pub line: String,
    pub path: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "process_upload.html")]
pub struct UploadPage {
    chrome: Chrome,
    code: String,
    name: String,
    document: String,
    problems: Vec<ProblemLine>,
    /// A whole document, checked and not yet published: what it would change.
    checked: Option<Vec<DiffRow>>,
}

/// The upload page for `current`'s process, with `document` in its text area.
async fn upload_page(services: &Services, viewer: &Viewer, current: &ProcessDefinition, document: String) -> PageResult<UploadPage> {
    let code = &current.code;
    Ok(UploadPage {
        chrome: Chrome::load(services, viewer, "processes", &format!("/processes/{code}/upload")).await?,
        code: code.clone(),
        name: current.name.get(viewer.locale).to_owned(),
        document,
        problems: Vec::new(),
        checked: None,
    })
}

pub async fn upload_form(State(services): State<Services>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    admin_only(&viewer)?;
    let current = services.process(&code).await.or_page(&viewer)?;
    let document = current.to_toml();
    Ok(upload_page(&services, &viewer, &current, document).await?.into_response())
}

#[derive(Deserialize)]
pub struct UploadInput {
    document: String,
    /// `check` shows what the document would change; `publish` publishes it when it is whole.
    action: String,
}

pub async fn upload(State(services): State<Services>, Path(code): Path<String>, form: PageForm<UploadInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let locale = viewer.locale;
    let t = viewer.t();
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let current = services.process(&code).await.or_page(viewer)?;
    let document = form.input.document.replace("\r\n", "\n");
    let checked = match services.check_process(&code, &document, false).await {
        Ok(definition) => Ok(definition),
        Err(ServiceError::Invalid(problems)) => Err(problems
            .iter()
            .map(|p| ProblemLine {
                line: match &p.invalid {
                    Invalid::Definition { line: Some(line), .. } => line.to_string(),
                    _ => String::new(),
                },
                path: p.field.clone(),
                message: p.invalid.message(locale),
            })
            .collect::<Vec<_>>()),
        Err(other) => return Err(PageError::service(locale, other)),
    };
    if checked.is_ok() && form.input.action == "publish" {
        let published = services.publish_process(&viewer.actor, &code, &document, false).await.or_page(viewer)?;
        return Ok(Redirect::to(&format!("/processes/{code}?published={}", published.version)).into_response());
    }
    let mut page = upload_page(&services, viewer, &current, document).await?;
    match checked {
        Err(problems) => {
            page.problems = problems;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Ok(definition) => {
            page.checked = Some(diff_rows(&current, &definition, &stages, t, locale));
            Ok(page.into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ActiveInput {
    active: String,
}

pub async fn set_active(State(services): State<Services>, Path(code): Path<String>, form: PageForm<ActiveInput>) -> PageResult {
    let viewer = &form.viewer;
    services.set_process_active(&viewer.actor, &code, form.input.active == "true").await.or_page(viewer)?;
    Ok(Redirect::to(&format!("/processes/{code}")).into_response())
}
