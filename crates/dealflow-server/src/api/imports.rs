//! `/imports` (SPEC §9): CSV files of accounts, contacts, opportunities and activities brought
//! in by supervisors and administrators — a dry run that lists each row's problems, the import
//! itself in the background, and the rejected rows with their reasons.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dealflow_core::Locale;
use dealflow_core::check::{FieldProblem, Invalid};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::Page;
use crate::Services;
use crate::services::{ImportChanges, ImportCounts, ImportProblem, ImportRecord, NewImport, PROBLEMS_PAGE, Pass, Tally};

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyView {
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
}

impl From<Tally> for TallyView {
    fn from(t: Tally) -> TallyView {
        TallyView { created: t.created, updated: t.updated, skipped: t.skipped }
    }
}

/// What a pass did, or in a dry run would do, per kind of record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCountsView {
    pub accounts: TallyView,
    pub contacts: TallyView,
    pub opportunities: TallyView,
    pub activities: TallyView,
    /// Rows whose mapped columns were all empty.
    pub empty_rows: i64,
    /// Processes started on the open opportunities the import made.
    pub processes_started: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub id: String,
    pub file_name: String,
    /// `draft` (uploaded, nothing run), `checking` (dry run under way), `checked`, `importing`,
    /// `done` or `failed`.
    pub status: String,
    /// The file's header, one name per column.
    pub headers: Vec<String>,
    /// The field each column fills (`account.name`, `opportunity.amount`, …) or null.
    pub mapping: Vec<Option<String>>,
    /// What a match does: `update`, `skip` or `create`.
    pub dedupe: String,
    /// The process started on each open opportunity the import makes (a process code), or null.
    pub start_process: Option<String>,
    pub total_rows: i64,
    /// Rows the current or last pass has been through.
    pub done_rows: i64,
    pub rejected_rows: i64,
    pub counts: ImportCountsView,
    /// Why a failed import stopped.
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<ImportRecord> for ImportView {
    fn from(r: ImportRecord) -> ImportView {
        let c = ImportCounts::of(&r);
        ImportView {
            counts: ImportCountsView {
                accounts: c.accounts.into(),
                contacts: c.contacts.into(),
                opportunities: c.opportunities.into(),
                activities: c.activities.into(),
                empty_rows: c.empty_rows,
                processes_started: c.processes_started,
            },
            id: r.id,
            file_name: r.file_name,
            status: r.status,
            headers: r.headers,
            mapping: r.mapping,
            dedupe: r.dedupe,
            start_process: r.start_process,
            total_rows: r.total_rows,
            done_rows: r.done_rows,
            rejected_rows: r.rejected_rows,
            error: r.error,
            created_by: r.created_by,
            created_at: r.created_at.to_string(),
            finished_at: r.finished_at.map(|t| t.to_string()),
        }
    }
}

/// One problem of one rejected row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblemView {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: i64,
    /// The header of the column the value is in; null when the field has no column.
    pub column: Option<String>,
    pub field: String,
    /// The problem's code, as in a 422's `errors`.
    pub code: String,
    /// The problem in the caller's language.
    pub message: String,
    pub value: String,
}

impl ImportProblemView {
    fn of(p: ImportProblem, locale: Locale) -> ImportProblemView {
        ImportProblemView {
            row: p.row,
            column: p.column,
            field: p.field,
            code: p.invalid.code().to_owned(),
            message: crate::upload::problem_message(&p.invalid, locale),
            value: p.value,
        }
    }
}

/// The upload form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The CSV file: UTF-8 or Windows-1251, comma, semicolon or tab separated, a header first.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// A JSON array with a field code or null per column; proposed from the headers when not given.
    mapping: Option<String>,
    /// `update` (the default), `skip` or `create`.
    dedupe: Option<String>,
    /// `true`: a dry run; `false` (the default): the import.
    dry_run: Option<bool>,
    /// A process code (`enterprise-sale`): started on each open opportunity the import makes.
    /// Without it they enter their stage with no process.
    start_process: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRun {
    /// A field code or null per column; kept as it is when not given.
    pub mapping: Option<Vec<Option<String>>>,
    pub dedupe: Option<String>,
    /// A process code to start on each open opportunity the import makes; empty for none.
    pub start_process: Option<String>,
    /// `true`: a dry run; `false` (the default): the import.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProblemParams {
    /// How many items (1–500, default 100).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn pass(dry_run: bool) -> Pass {
    if dry_run { Pass::Check } else { Pass::Import }
}

fn accepted(record: ImportRecord) -> Response {
    let location = HeaderValue::from_str(&format!("/api/v1/imports/{}", record.id)).ok();
    let mut response = (StatusCode::ACCEPTED, Json(ImportView::from(record))).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Upload a CSV file and start its dry run or its import, which runs in the background: poll
/// the answer's `Location` for progress.
#[utoipa::path(post, path = "/imports", operation_id = "create_import", tag = "imports",
    request_body(content = ImportUpload, content_type = "multipart/form-data"), security(("bearer" = [])),
    responses((status = 202, body = ImportView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    services.may_import(&caller.actor)?;
    let multipart = multipart.map_err(|_| {
        ApiError::unsupported_media_type("Отправьте файл как multipart/form-data.", "Send the file as multipart/form-data.")
    })?;
    let upload = crate::upload::read(multipart).await.map_err(|e| ApiError::field("file", e.invalid()))?;
    let bytes = upload.bytes.ok_or_else(|| ApiError::field("file", Invalid::Required))?;
    let mut problems = Vec::new();
    let mapping = match upload.fields.get("mapping").filter(|m| !m.trim().is_empty()) {
        Some(text) => match serde_json::from_str::<Vec<Option<String>>>(text) {
            Ok(mapping) => Some(mapping),
            Err(_) => {
                problems.push(FieldProblem::new("mapping", Invalid::WrongType));
                None
            }
        },
        None => None,
    };
    let dry_run = match upload.fields.get("dry_run").map(|v| v.trim()) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => {
            problems.push(FieldProblem::new("dry_run", Invalid::WrongType));
            false
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let new = NewImport {
        file_name: upload.file_name,
        bytes,
        mapping,
        dedupe: upload.fields.get("dedupe").cloned(),
        start_process: upload.fields.get("start_process").cloned(),
        pass: Some(pass(dry_run)),
    };
    Ok(accepted(services.create_import(&caller.actor, new).await?))
}

/// The newest imports: the caller's own, or everyone's for an administrator.
#[utoipa::path(get, path = "/imports", operation_id = "list_imports", tag = "imports", security(("bearer" = [])),
    responses((status = 200, body = Page<ImportView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(services): State<Services>, caller: Caller) -> ApiResult<Json<Page<ImportView>>> {
    let found = services.imports(&caller.actor, 100).await?;
    Ok(Json(Page::all(found.into_iter().map(ImportView::from).collect())))
}

/// One import with its progress and counts.
#[utoipa::path(get, path = "/imports/{id}", operation_id = "get_import", tag = "imports", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ImportView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ImportView>> {
    Ok(Json(services.import_record(&caller.actor, &id).await?.into()))
}

/// Run a dry run or the import of an uploaded file, with a new mapping or dedupe policy if
/// given. A running or imported file answers 409 `import_busy`.
#[utoipa::path(post, path = "/imports/{id}/run", operation_id = "run_import", tag = "imports", params(("id" = String, Path)),
    request_body = ImportRun, security(("bearer" = [])),
    responses((status = 202, body = ImportView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn run(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ImportRun>,
) -> ApiResult<Response> {
    let pass = pass(input.dry_run.unwrap_or(false));
    let changes = ImportChanges { mapping: input.mapping, dedupe: input.dedupe, start_process: input.start_process };
    Ok(accepted(services.start_import(&caller.actor, &id, changes, Some(pass)).await?))
}

/// The last pass's problems, by row: each row's column, typed problem and value.
#[utoipa::path(get, path = "/imports/{id}/problems", operation_id = "list_import_problems", tag = "imports",
    params(("id" = String, Path), ProblemParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ImportProblemView>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn problems(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Params(params): Params<ProblemParams>,
) -> ApiResult<Json<Page<ImportProblemView>>> {
    let limit = match params.limit.as_deref() {
        None => 100,
        Some(text) => text.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| ApiError::field("limit", Invalid::AtLeast { min: 1 }))?,
    }
    .min(PROBLEMS_PAGE);
    let after = match params.cursor.as_deref() {
        None => None,
        Some(cursor) => {
            let parsed = cursor.split_once('.').and_then(|(row, seq)| Some((row.parse().ok()?, seq.parse().ok()?)));
            Some(parsed.ok_or_else(|| ApiError::field("cursor", Invalid::BadCursor))?)
        }
    };
    let found = services.import_problems(&caller.actor, &id, after, limit).await?;
    let next_cursor = (found.len() as i64 == limit).then(|| found.last().map(|p| format!("{}.{}", p.row, p.seq))).flatten();
    let locale = caller.actor.locale();
    Ok(Json(Page { items: found.into_iter().map(|p| ImportProblemView::of(p, locale)).collect(), next_cursor }))
}

/// The rejected rows as CSV: the file's own columns, then the row's number and its problems.
#[utoipa::path(get, path = "/imports/{id}/rejected.csv", operation_id = "get_rejected_rows", tag = "imports", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn rejected(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let rows = services.rejected_rows(&caller.actor, &id).await?;
    Ok(crate::upload::rejected_rows_csv(&id, rows, caller.actor.locale()))
}
