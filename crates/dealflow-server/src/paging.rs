//! Lists come in pages (SPEC §5): at most `limit` items (default 50, at most 500) and an opaque
//! cursor naming the last item of the page, from which the next page starts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_store::After;
use jiff::Timestamp;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: After,
    pub limit: i64,
}

impl PageRequest {
    /// The first `limit` items.
    pub fn first(limit: i64) -> PageRequest {
        PageRequest { after: None, limit }
    }

    /// From a client's `limit` (more than 500 is clamped) and `cursor`.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<PageRequest, FieldProblem> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if n < 1 => return Err(FieldProblem::new("limit", Invalid::AtLeast { min: 1 })),
            Some(n) => n.min(MAX_LIMIT),
        };
        let after = cursor.map(position).transpose().map_err(|invalid| FieldProblem::new("cursor", invalid))?;
        Ok(PageRequest { after, limit })
    }

    /// As [`PageRequest::parse`], but a cursor that is not ours starts from the first page: a
    /// person following an old link gets a list rather than an error.
    pub fn lenient(limit: i64, cursor: Option<&str>) -> PageRequest {
        PageRequest { after: cursor.and_then(|c| position(c).ok()), limit }
    }
}

/// The keyset position a cursor names: (time in ms, id).
fn position(cursor: &str) -> Result<(i64, String), Invalid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| Invalid::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| Invalid::BadCursor)?;
    let (at, id) = text.split_once('|').ok_or(Invalid::BadCursor)?;
    Ok((at.parse().map_err(|_| Invalid::BadCursor)?, id.to_owned()))
}

pub fn cursor_for(at: Timestamp, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.as_millisecond()))
}

/// One page of a list and the cursor of the next, if there is more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A whole small list.
    pub fn all(items: Vec<T>) -> Page<T> {
        Page { items, next: None }
    }

    /// `rows` was read with `limit + 1`: the extra row only says there is more. `key` is the
    /// position a row has in the list's order.
    pub fn of(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> (Timestamp, &str)) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(key).map(|(at, id)| cursor_for(at, id)) } else { None };
        Page { items: rows, next }
    }

    /// `rows` of a sorted list from `offset` on, read with `limit + 1`; the next page is named by
    /// its offset.
    pub fn at_offset(mut rows: Vec<T>, offset: i64, limit: i64) -> Page<T> {
        let more = rows.len() > usize::try_from(limit).unwrap_or(0);
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        Page { items: rows, next: more.then(|| (offset.max(0) + limit).to_string()) }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}
