//! The import wizard: upload a CSV file, map its columns (proposed from the headers), run a dry
//! run that lists each row's problems and what would be created or updated, import it in the
//! background with a progress bar, and download the rejected rows with their reasons.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::Locale;
use dealflow_core::import::{Encoding, Field};
use serde::Serialize;

use super::import_texts::ImportTexts;
use super::opportunities::People;
use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::services::{ImportChanges, ImportCounts, ImportProblem, ImportRecord, NewImport, Pass, Tally};

/// Rows of the file the mapping shows as examples.
const SAMPLE_ROWS: usize = 3;
/// Problems the page lists (the CSV of rejected rows has them all).
const PROBLEMS_SHOWN: i64 = 200;

pub struct ImportRow {
    pub id: String,
    pub file_name: String,
    pub uploaded: String,
    pub by: String,
    pub status: &'static str,
    pub rows: i64,
    pub rejected: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports.html")]
pub struct ImportsPage {
    chrome: Chrome,
    rows: Vec<ImportRow>,
    errors: FormErrors,
}

async fn imports_page(services: &Services, viewer: &Viewer, errors: FormErrors) -> PageResult<ImportsPage> {
    let found = services.imports(&viewer.actor, 50).await.or_page(viewer)?;
    let it = viewer.t().import();
    let people = People::load(services, viewer).await?;
    let rows = found
        .into_iter()
        .map(|r| ImportRow {
            uploaded: format::instant(r.created_at, viewer.actor.zone(), viewer.locale),
            by: people.name(&r.created_by),
            status: it.status(&r.status),
            rows: r.total_rows,
            rejected: r.rejected_rows,
            id: r.id,
            file_name: r.file_name,
        })
        .collect();
    Ok(ImportsPage { chrome: Chrome::load(services, viewer, "imports", "/imports").await?, rows, errors })
}

pub async fn imports(State(services): State<Services>, viewer: Viewer) -> PageResult {
    Ok(imports_page(&services, &viewer, FormErrors::default()).await?.into_response())
}

/// The upload: a new import waiting for its mapping, or the list again with what was wrong.
pub async fn upload(State(services): State<Services>, viewer: Viewer, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    let it = viewer.t().import();
    // Our form sends multipart with this session's token; anything else is not our form.
    let multipart = multipart.map_err(|_| PageError::Csrf(viewer.locale))?;
    let upload = match crate::upload::read(multipart).await {
        Ok(upload) => upload,
        Err(error) => return refused(&services, &viewer, "file", error.invalid().message(viewer.locale)).await,
    };
    if upload.fields.get("csrf").map(String::as_str) != Some(viewer.csrf.as_str()) {
        return Err(PageError::Csrf(viewer.locale));
    }
    let Some(bytes) = upload.bytes.filter(|b| !b.is_empty() || !upload.file_name.is_empty()) else {
        return refused(&services, &viewer, "file", it.no_file.to_owned()).await;
    };
    let new = NewImport { file_name: upload.file_name, bytes, ..NewImport::default() };
    match services.create_import(&viewer.actor, new).await {
        Ok(created) => Ok(Redirect::to(&format!("/imports/{}", created.id)).into_response()),
        Err(crate::error::ServiceError::Invalid(problems)) => {
            let message = problems.first().map(|p| p.invalid.message(viewer.locale)).unwrap_or_default();
            refused(&services, &viewer, "file", message).await
        }
        Err(other) => Err(PageError::service(viewer.locale, other)),
    }
}

async fn refused(services: &Services, viewer: &Viewer, field: &str, message: String) -> PageResult {
    let mut errors = FormErrors::default();
    errors.add(field, message);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, imports_page(services, viewer, errors).await?).into_response())
}

/// One column of the mapping: its header, examples from the file and the field chosen.
pub struct MappingRow {
    pub index: usize,
    pub header: String,
    pub examples: Vec<String>,
    pub chosen: Option<&'static str>,
}

/// A group of fields in a mapping choice.
pub struct FieldGroup {
    pub name: &'static str,
    pub fields: Vec<(&'static str, &'static str)>,
}

pub struct TallyRow {
    pub kind: &'static str,
    pub tally: Tally,
}

pub struct ProblemRow {
    pub row: i64,
    pub column: String,
    pub message: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    chrome: Chrome,
    id: String,
    file_name: String,
    status: String,
    status_name: &'static str,
    file_read: String,
    mapping: Vec<MappingRow>,
    groups: Vec<FieldGroup>,
    dedupe: String,
    start_process: String,
    processes_started: i64,
    done_rows: i64,
    total_rows: i64,
    progress: String,
    tallies: Vec<TallyRow>,
    rejected: i64,
    empty_rows: i64,
    problems: Vec<ProblemRow>,
    problems_more: bool,
    /// When a row names a stage there is no such stage: the names there are.
    stages_hint: Option<String>,
    error: Option<String>,
    errors: FormErrors,
}

fn field_groups(it: &ImportTexts) -> Vec<FieldGroup> {
    let group = |name, prefix: &str| FieldGroup {
        name,
        fields: Field::ALL.iter().filter(|f| f.code().starts_with(prefix)).map(|f| (f.code(), it.field_name(*f))).collect(),
    };
    vec![
        group(it.group_account, "account."),
        group(it.group_contact, "contact."),
        group(it.group_opportunity, "opportunity."),
        group(it.group_activity, "activity."),
    ]
}

fn problem_row(p: ImportProblem, it: &ImportTexts, locale: Locale) -> ProblemRow {
    let field = Field::parse(&p.field).map(|f| it.field_name(f)).unwrap_or_default();
    ProblemRow {
        row: p.row,
        column: p.column.map_or_else(|| field.to_owned(), |c| format!("{c} ({field})")),
        message: crate::upload::problem_message(&p.invalid, locale),
        value: p.value,
    }
}

async fn import_page(services: &Services, viewer: &Viewer, id: &str, errors: FormErrors) -> PageResult<ImportPage> {
    let (t, it) = (viewer.t(), viewer.t().import());
    let preview = services.import_preview(&viewer.actor, id, SAMPLE_ROWS).await.or_page(viewer)?;
    let record = &preview.record;
    let separator = match preview.separator {
        b';' => it.separator_semicolon,
        b'\t' => it.separator_tab,
        _ => it.separator_comma,
    };
    let encoding = if preview.encoding == Encoding::Utf8 { "UTF-8" } else { "Windows-1251" };
    let file_read =
        it.file_read.replace("{rows}", &record.total_rows.to_string()).replace("{encoding}", encoding).replace("{separator}", separator);
    let mapping = record
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| MappingRow {
            index,
            header: header.clone(),
            examples: preview.sample.iter().filter_map(|row| row.get(index)).filter(|v| !v.is_empty()).cloned().collect(),
            chosen: record.mapping.get(index).cloned().flatten().and_then(|code| Field::parse(&code)).map(Field::code),
        })
        .collect();
    let counts = ImportCounts::of(record);
    let tallies = vec![
        TallyRow { kind: t.accounts, tally: counts.accounts },
        TallyRow { kind: t.contacts, tally: counts.contacts },
        TallyRow { kind: t.opportunities, tally: counts.opportunities },
        TallyRow { kind: t.activities, tally: counts.activities },
    ];
    let finished = matches!(record.status.as_str(), "checked" | "done");
    let problems = if finished && record.rejected_rows > 0 {
        services.import_problems(&viewer.actor, id, None, PROBLEMS_SHOWN).await.or_page(viewer)?
    } else {
        Vec::new()
    };
    let stages_hint = if problems.iter().any(|p| p.invalid == dealflow_core::check::Invalid::UnknownStage) {
        let catalog = services.stage_catalog().await.or_page(viewer)?;
        let names: Vec<&str> = catalog.all().iter().filter(|s| s.active).map(|s| s.name.get(viewer.locale)).collect();
        Some(it.stages_known.replace("{stages}", &names.join(", ")))
    } else {
        None
    };
    let progress_text = if record.status == "importing" { it.importing_progress } else { it.checking_progress };
    Ok(ImportPage {
        chrome: Chrome::load(services, viewer, "imports", &format!("/imports/{id}")).await?,
        id: record.id.clone(),
        file_name: record.file_name.clone(),
        status: record.status.clone(),
        status_name: it.status(&record.status),
        file_read,
        mapping,
        groups: field_groups(it),
        dedupe: record.dedupe.clone(),
        start_process: record.start_process.clone().unwrap_or_default(),
        processes_started: counts.processes_started,
        done_rows: record.done_rows,
        total_rows: record.total_rows,
        progress: progress_text.replace("{done}", &record.done_rows.to_string()).replace("{total}", &record.total_rows.to_string()),
        tallies,
        rejected: record.rejected_rows,
        empty_rows: counts.empty_rows,
        problems_more: problems.len() as i64 == PROBLEMS_SHOWN,
        problems: problems.into_iter().map(|p| problem_row(p, it, viewer.locale)).collect(),
        stages_hint,
        error: record.error.as_ref().map(|e| it.failed.replace("{error}", e)),
        errors,
    })
}

pub async fn import(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    Ok(import_page(&services, &viewer, &id, FormErrors::default()).await?.into_response())
}

/// The mapping form: `m{column}` per column, `dedupe`, and `action` (`check`, `import` or `save`).
pub async fn run(State(services): State<Services>, Path(id): Path<String>, form: PageForm<HashMap<String, String>>) -> PageResult {
    let viewer = &form.viewer;
    let record = services.import_record(&viewer.actor, &id).await.or_page(viewer)?;
    let mapping = (0..record.headers.len()).map(|i| form.input.get(&format!("m{i}")).cloned().filter(|c| !c.is_empty())).collect();
    let pass = match form.input.get("action").map(String::as_str) {
        Some("import") => Some(Pass::Import),
        Some("check") => Some(Pass::Check),
        _ => None,
    };
    let changes = ImportChanges {
        mapping: Some(mapping),
        dedupe: form.input.get("dedupe").cloned(),
        start_process: Some(form.input.get("start_process").cloned().unwrap_or_default()),
    };
    match services.start_import(&viewer.actor, &id, changes, pass).await {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(crate::error::ServiceError::Invalid(problems)) => {
            let errors = super::FormErrors::of(&problems, viewer.locale);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, import_page(&services, viewer, &id, errors).await?).into_response())
        }
        Err(crate::error::ServiceError::ImportBusy) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(other) => Err(PageError::service(viewer.locale, other)),
    }
}

/// What the progress bar polls.
#[derive(Serialize)]
struct Progress {
    status: String,
    done_rows: i64,
    total_rows: i64,
}

pub async fn progress(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let record: ImportRecord = services.import_record(&viewer.actor, &id).await.or_page(&viewer)?;
    let progress = Progress { status: record.status, done_rows: record.done_rows, total_rows: record.total_rows };
    Ok(axum::Json(progress).into_response())
}

pub async fn rejected(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let rows = services.rejected_rows(&viewer.actor, &id).await.or_page(&viewer)?;
    Ok(crate::upload::rejected_rows_csv(&id, rows, viewer.locale))
}
