//! What the API and the web app share about imports: a CSV upload sent as
//! `multipart/form-data` (the file's bytes and name, and the form's other fields as text), and
//! the file of an import's rejected rows.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::response::Response;
use dealflow_core::Locale;
use dealflow_core::check::Invalid;

use crate::http::csv;
use crate::services::{MAX_FILE_BYTES, RejectedRows};

/// What an upload form sent.
#[derive(Debug, Default)]
pub struct Upload {
    pub file_name: String,
    /// `None` when the form carried no file part.
    pub bytes: Option<Vec<u8>>,
    pub fields: HashMap<String, String>,
}

/// Why an upload could not be read: the body is too large, or not a readable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    TooLarge,
    Unreadable,
}

impl UploadError {
    /// The problem to report against the form's `file` field.
    pub fn invalid(&self) -> Invalid {
        match self {
            UploadError::TooLarge => Invalid::TooLong { max: MAX_FILE_BYTES },
            UploadError::Unreadable => Invalid::WrongType,
        }
    }
}

/// The text fields a form may carry besides the file, each at most this long.
const FIELD_LIMIT: usize = 64 * 1024;

pub async fn read(mut multipart: Multipart) -> Result<Upload, UploadError> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE { UploadError::TooLarge } else { UploadError::Unreadable }
    };
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(failed)?;
            if bytes.len() > MAX_FILE_BYTES {
                return Err(UploadError::TooLarge);
            }
            upload.bytes = Some(bytes.to_vec());
        } else {
            let text = field.text().await.map_err(failed)?;
            if text.len() > FIELD_LIMIT || text.contains('\0') {
                return Err(UploadError::Unreadable);
            }
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}

/// A rejected row's problem in words. Dates and times are read in more ways from a file than
/// from a form, and the words say so.
pub fn problem_message(invalid: &Invalid, locale: Locale) -> String {
    let ru = locale == Locale::Ru;
    match invalid {
        Invalid::NotADate if ru => "Введите дату: 2026-12-31, 31.12.2026 или 12/31/2026.".to_owned(),
        Invalid::NotADate => "Enter a date: 2026-12-31, 31.12.2026 or 12/31/2026.".to_owned(),
        Invalid::NotADateOrTime if ru => "Введите дату, можно со временем: 2026-12-31 10:30 или 31.12.2026.".to_owned(),
        Invalid::NotADateOrTime => "Enter a date, with a time if you like: 2026-12-31 10:30 or 31.12.2026.".to_owned(),
        other => other.message(locale),
    }
}

/// The rejected rows as a spreadsheet opens them: the file's columns, then the row's number in
/// the file and its problems in words.
pub fn rejected_rows_csv(id: &str, rejected: RejectedRows, locale: Locale) -> Response {
    let (row_word, problems_word) = if locale == Locale::Ru { ("Строка", "Ошибки") } else { ("Row", "Problems") };
    let mut header = rejected.headers.clone();
    header.extend([row_word.to_owned(), problems_word.to_owned()]);
    let width = rejected.headers.len();
    let rows = rejected.rows.into_iter().map(|(row, mut cells, problems)| {
        cells.resize(width.max(cells.len()), String::new());
        let reasons: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.column.clone().unwrap_or_else(|| p.field.clone()), problem_message(&p.invalid, locale)))
            .collect();
        cells.extend([row.to_string(), reasons.join("; ")]);
        cells
    });
    csv::download(&format!("rejected-{id}.csv"), csv::document(std::iter::once(header).chain(rows)))
}
