//! Cursor pagination: `limit` (default 50, at most 500) and an opaque `cursor` naming the last
//! item of the previous page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct PageParams {
    /// How many items (1–500, default 50; more is clamped to 500).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> ApiResult<i64> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if n < 1 => Err(ApiError::field("limit", "must be at least 1")),
            Some(n) => Ok(n.min(MAX_LIMIT)),
        }
    }

    /// The keyset position `(created_at ms, id)` the cursor names.
    pub fn after(&self) -> ApiResult<Option<(i64, String)>> {
        let Some(cursor) = &self.cursor else { return Ok(None) };
        let bad = || ApiError::field("cursor", "is not a cursor this API gave out");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (at, id) = text.split_once('|').ok_or_else(bad)?;
        Ok(Some((at.parse().map_err(|_| bad())?, id.to_owned())))
    }
}

pub fn cursor_for(created_at: jiff::Timestamp, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", created_at.as_millisecond()))
}

/// A list answer: `{items, next_cursor}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A whole small list in one page.
    pub fn all(items: Vec<T>) -> Page<T> {
        Page { items, next_cursor: None }
    }

    /// `rows` was fetched with `limit + 1`; the extra row only says there is more.
    pub fn of<R>(mut rows: Vec<R>, limit: i64, key: impl Fn(&R) -> String, view: impl Fn(R) -> T) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(&key) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}
