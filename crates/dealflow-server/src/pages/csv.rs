//! List exports: a list's rows gathered a page at a time into one CSV download, written by
//! the shared writer (`http::csv`), which neutralises formulas.

use axum::response::Response;

pub use crate::http::csv::{document, download};

/// The most rows one export holds.
pub const EXPORT_LIMIT: usize = 100_000;
/// Rows read at a time for an export.
pub const EXPORT_PAGE: i64 = 500;

/// An export's rows, gathered a page at a time, up to [`EXPORT_LIMIT`].
pub struct Export {
    rows: Vec<Vec<String>>,
}

impl Export {
    pub fn new(header: &[&str]) -> Export {
        Export { rows: vec![header.iter().map(|h| (*h).to_owned()).collect()] }
    }

    /// Adds a page's rows; gives back the cursor to read the next page from, or `None` once the
    /// pages or the limit have run out.
    pub fn add<C>(&mut self, rows: impl IntoIterator<Item = Vec<String>>, next: Option<C>) -> Option<C> {
        self.rows.extend(rows);
        if self.rows.len() > EXPORT_LIMIT {
            self.rows.truncate(EXPORT_LIMIT + 1);
            return None;
        }
        next
    }

    /// The file, as a download named `name`.
    pub fn download(self, name: &str) -> Response {
        download(name, document(self.rows))
    }
}
