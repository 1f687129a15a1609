//! CSV imports (SPEC §9): a supervisor or an administrator uploads a file; its columns are
//! mapped to fields (proposed from the headers); a dry run lists every row's problems and what
//! would be created or updated; the import itself runs in the background in batches, each batch
//! one transaction that also records how far it got, so an import carries on after a restart
//! and writes no row twice. Rows with problems are rejected whole and can be downloaded with
//! their reasons.

use std::time::Duration;

use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_core::import::{self, Dedupe, Field, RowProblem, Table};
use dealflow_store::{ImportProblemRecord, ImportRecord};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::Services;
use crate::access::Actor;
use crate::error::{Forbidden, Result, ServiceError};
use crate::new_id;

/// The largest file taken (the 100,000-row file of `dealflow bench` is 7.8 MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The most rows a file may hold.
pub const MAX_ROWS: usize = 250_000;
/// How long a node holds an import it works on before another may take it over.
pub(super) const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// What a pass over the rows does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// A dry run: every row checked and matched, nothing written but the problems.
    Check,
    Import,
}

impl Pass {
    pub fn status(self) -> &'static str {
        match self {
            Pass::Check => "checking",
            Pass::Import => "importing",
        }
    }
}

/// An upload: the file, and optionally its mapping (a field code or `None` per column), the
/// dedupe policy and a pass to start at once.
#[derive(Debug, Clone, Default)]
pub struct NewImport {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub mapping: Option<Vec<Option<String>>>,
    pub dedupe: Option<String>,
    /// The process to start on the open opportunities the import makes (none when empty).
    pub start_process: Option<String>,
    pub pass: Option<Pass>,
}

/// What a new pass may change before it starts; `None` keeps what the import has.
#[derive(Debug, Clone, Default)]
pub struct ImportChanges {
    pub mapping: Option<Vec<Option<String>>>,
    pub dedupe: Option<String>,
    /// A process code, or empty for none.
    pub start_process: Option<String>,
}

/// How many records of one kind a pass created, updated and left as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
}

/// What a pass did (or, in a dry run, would do), per kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub accounts: Tally,
    pub contacts: Tally,
    pub opportunities: Tally,
    pub activities: Tally,
    /// Rows whose mapped columns were all empty.
    pub empty_rows: i64,
    /// Processes started on the open opportunities the import made, when it was asked to.
    #[serde(default)]
    pub processes_started: i64,
}

impl ImportCounts {
    pub fn of(record: &ImportRecord) -> ImportCounts {
        serde_json::from_str(&record.counts).unwrap_or_default()
    }
}

/// A rejected row's problem as stored, typed again.
#[derive(Debug, Clone)]
pub struct ImportProblem {
    pub row: i64,
    /// The column's header, when the field has a column.
    pub column: Option<String>,
    pub field: String,
    pub invalid: Invalid,
    pub value: String,
    /// The position in the list, for paging.
    pub seq: i64,
}

/// The file as the mapping step shows it: its headers, the first rows, and how it was read.
pub struct ImportPreview {
    pub record: ImportRecord,
    pub sample: Vec<Vec<String>>,
    pub encoding: import::Encoding,
    pub separator: u8,
}

/// The rejected rows of the last pass: the file's header and each rejected row's number, cells
/// and problems.
pub struct RejectedRows {
    pub headers: Vec<String>,
    pub rows: Vec<(i64, Vec<String>, Vec<ImportProblem>)>,
}

fn may_import(actor: &Actor) -> Result<()> {
    actor.require_overrider().map_err(|_| ServiceError::Forbidden(Forbidden::ImportersOnly))
}

/// Reads an uploaded file, or says what is wrong with it against `file`.
pub(super) fn read_file(bytes: &[u8]) -> Result<Table> {
    let table = import::read(bytes).map_err(|e| {
        let invalid = match e {
            import::ReadError::Empty => Invalid::Required,
            import::ReadError::Malformed { .. } => Invalid::WrongType,
        };
        ServiceError::invalid("file", invalid)
    })?;
    if table.rows.len() > MAX_ROWS {
        return Err(ServiceError::invalid("file", Invalid::TooMany { max: MAX_ROWS }));
    }
    Ok(table)
}

/// The mapping as fields: one per column, each field at most once.
pub(super) fn parse_mapping(mapping: &[Option<String>], columns: usize) -> Result<Vec<Option<Field>>> {
    if mapping.len() != columns {
        return Err(ServiceError::invalid("mapping", Invalid::OutOfRange { min: columns as i64, max: columns as i64 }));
    }
    let mut problems = Vec::new();
    let mut fields: Vec<Option<Field>> = Vec::new();
    for (at, code) in mapping.iter().enumerate() {
        let field = match code.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(code) => match Field::parse(code) {
                Some(field) if fields.contains(&Some(field)) => {
                    problems.push(FieldProblem::new(format!("mapping[{at}]"), Invalid::TooMany { max: 1 }));
                    None
                }
                Some(field) => Some(field),
                None => {
                    let allowed = Field::ALL.iter().map(|f| f.code().to_owned()).collect();
                    problems.push(FieldProblem::new(format!("mapping[{at}]"), Invalid::NotOneOf { allowed }));
                    None
                }
            },
        };
        fields.push(field);
    }
    if problems.is_empty() { Ok(fields) } else { Err(ServiceError::Invalid(problems)) }
}

/// The process to start on imported deals: one that exists and is active, or none.
async fn checked_process(services: &Services, code: Option<&str>) -> Result<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let found = match services.store.read().await?.processes().current(code).await {
        Ok(definition) => definition,
        Err(dealflow_store::StoreError::NotFound) => return Err(ServiceError::invalid("start_process", Invalid::UnknownReference)),
        Err(other) => return Err(other.into()),
    };
    if found.active { Ok(Some(code.to_owned())) } else { Err(ServiceError::invalid("start_process", Invalid::ProcessInactive)) }
}

fn parse_dedupe(dedupe: Option<&str>) -> Result<Dedupe> {
    match dedupe {
        None | Some("") => Ok(Dedupe::Update),
        Some(code) => Dedupe::parse(code).ok_or_else(|| {
            ServiceError::invalid("dedupe", Invalid::NotOneOf { allowed: Dedupe::ALL.iter().map(|d| d.as_str().to_owned()).collect() })
        }),
    }
}

pub(super) fn stored_problem(p: &RowProblem, seq: i64) -> ImportProblemRecord {
    let (min, max) = p.invalid.bounds();
    ImportProblemRecord {
        row: p.row as i64,
        seq,
        column: p.column.map(|c| c as i64),
        field: p.field.code().to_owned(),
        code: p.invalid.code().to_owned(),
        min,
        max,
        value: p.value.clone(),
    }
}

fn typed_problem(p: ImportProblemRecord, headers: &[String]) -> ImportProblem {
    ImportProblem {
        row: p.row,
        column: p.column.and_then(|c| headers.get(usize::try_from(c).ok()?).cloned()),
        invalid: Field::parse(&p.field).and_then(|f| import::problem_from_code(f, &p.code, p.min, p.max)).unwrap_or(Invalid::WrongType),
        field: p.field,
        value: p.value,
        seq: p.seq,
    }
}

/// How many problems a list page or an API page holds at most.
pub const PROBLEMS_PAGE: i64 = 500;

impl Services {
    /// Stores an uploaded file as a new import, with its mapping as given or as proposed from its
    /// headers, and starts a pass if one is asked for.
    pub async fn create_import(&self, actor: &Actor, upload: NewImport) -> Result<ImportRecord> {
        may_import(actor)?;
        let table = read_file(&upload.bytes)?;
        let mapping: Vec<Option<String>> = match &upload.mapping {
            Some(given) => parse_mapping(given, table.headers.len())?.iter().map(|f| f.map(|f| f.code().to_owned())).collect(),
            None => import::propose(&table.headers).iter().map(|f| f.map(|f| f.code().to_owned())).collect(),
        };
        let dedupe = parse_dedupe(upload.dedupe.as_deref())?;
        let start_process = checked_process(self, upload.start_process.as_deref()).await?;
        let file_name = upload.file_name.trim().chars().take(200).collect::<String>();
        let now = self.clock.now();
        let record = ImportRecord {
            id: new_id(),
            created_by: actor.id().to_owned(),
            file_name: if file_name.is_empty() { "import.csv".to_owned() } else { file_name },
            headers: table.headers.clone(),
            mapping,
            dedupe: dedupe.as_str().to_owned(),
            start_process,
            status: upload.pass.map_or("draft", Pass::status).to_owned(),
            total_rows: table.rows.len() as i64,
            done_rows: 0,
            counts: "{}".to_owned(),
            rejected_rows: 0,
            error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        in_write!(self, |tx| { Ok(tx.imports().insert(&record, &upload.bytes).await?) })?;
        self.imports_waiting.notify_one();
        Ok(record)
    }

    /// Refused unless the actor may import files.
    pub fn may_import(&self, actor: &Actor) -> Result<()> {
        may_import(actor)
    }

    /// One import, if the actor made it (any, for an administrator); to anyone else it does
    /// not exist.
    pub async fn import_record(&self, actor: &Actor, id: &str) -> Result<ImportRecord> {
        let record = self.store.read().await?.imports().get(id).await?;
        if actor.is_admin() || record.created_by == actor.id() { Ok(record) } else { Err(ServiceError::NotFound) }
    }

    /// The newest imports the actor may see.
    pub async fn imports(&self, actor: &Actor, limit: i64) -> Result<Vec<ImportRecord>> {
        may_import(actor)?;
        let mine = (!actor.is_admin()).then(|| actor.id());
        Ok(self.store.read().await?.imports().list(mine, limit).await?)
    }

    /// The import with its first rows, for choosing the mapping (the rest of the file unread).
    pub async fn import_preview(&self, actor: &Actor, id: &str, rows: usize) -> Result<ImportPreview> {
        let record = self.import_record(actor, id).await?;
        let bytes = self.store.read().await?.imports().file(id).await?;
        let table = import::read_head(&bytes, rows).map_err(|_| ServiceError::invalid("file", Invalid::WrongType))?;
        Ok(ImportPreview {
            sample: table.rows.into_iter().take(rows).collect(),
            encoding: table.encoding,
            separator: table.separator,
            record,
        })
    }

    /// Sets the mapping, the dedupe policy and the process to start (each kept as it was when
    /// not given) and starts a dry run or the import, or only keeps them (`pass` none). A running
    /// or finished import takes no new pass.
    pub async fn start_import(&self, actor: &Actor, id: &str, changes: ImportChanges, pass: Option<Pass>) -> Result<ImportRecord> {
        let mut record = self.import_record(actor, id).await?;
        may_import(actor)?;
        if let Some(given) = changes.mapping {
            record.mapping = parse_mapping(&given, record.headers.len())?.iter().map(|f| f.map(|f| f.code().to_owned())).collect();
        }
        if let Some(given) = changes.dedupe {
            record.dedupe = parse_dedupe(Some(&given))?.as_str().to_owned();
        }
        if let Some(given) = changes.start_process {
            record.start_process = checked_process(self, Some(&given)).await?;
        }
        let now = self.clock.now();
        in_write!(self, |tx| {
            let current = tx.imports().get(id).await?;
            if matches!(current.status.as_str(), "checking" | "importing" | "done") {
                return Err(ServiceError::ImportBusy);
            }
            tx.imports().start(&record, pass.map_or("draft", Pass::status), now).await?;
            Ok(())
        })?;
        self.imports_waiting.notify_one();
        self.import_record(actor, id).await
    }

    /// A page of the last pass's problems, by row, after a (row, seq) position.
    pub async fn import_problems(&self, actor: &Actor, id: &str, after: Option<(i64, i64)>, limit: i64) -> Result<Vec<ImportProblem>> {
        let record = self.import_record(actor, id).await?;
        let found = self.store.read().await?.imports().problems(id, after, limit.clamp(1, PROBLEMS_PAGE)).await?;
        Ok(found.into_iter().map(|p| typed_problem(p, &record.headers)).collect())
    }

    /// Every rejected row of the last pass with its cells and problems.
    pub async fn rejected_rows(&self, actor: &Actor, id: &str) -> Result<RejectedRows> {
        let record = self.import_record(actor, id).await?;
        let mut conn = self.store.read().await?;
        let table = read_file(&conn.imports().file(id).await?)?;
        let mut problems: Vec<ImportProblem> = Vec::new();
        let mut after = None;
        loop {
            let page = conn.imports().problems(id, after, PROBLEMS_PAGE).await?;
            after = page.last().map(|p| (p.row, p.seq));
            let full = page.len() as i64 == PROBLEMS_PAGE;
            problems.extend(page.into_iter().map(|p| typed_problem(p, &record.headers)));
            if !full {
                break;
            }
        }
        let at: std::collections::HashMap<u64, usize> = table.numbers.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut rows: Vec<(i64, Vec<String>, Vec<ImportProblem>)> = Vec::new();
        for problem in problems {
            match rows.last_mut() {
                Some((row, _, list)) if *row == problem.row => list.push(problem),
                _ => {
                    let cells = at.get(&(problem.row as u64)).map(|i| table.rows[*i].clone()).unwrap_or_default();
                    rows.push((problem.row, cells, vec![problem]));
                }
            }
        }
        Ok(RejectedRows { headers: table.headers, rows })
    }

    /// Works through waiting imports until the server stops.
    pub async fn import_until_shutdown(&self) {
        let node = new_id();
        let mut shutdown = self.shutting_down();
        loop {
            if let Err(error) = self.run_waiting_imports(&node).await {
                tracing::warn!(%error, "importing stopped; trying again shortly");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = self.imports_waiting.notified() => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}
