//! `/search`: records of every kind the caller may see, found by any part of a name, title,
//! e-mail or phone (SPEC §9), as the web app's header field finds them.

use axum::Json;
use axum::extract::State;
use dealflow_core::check::Invalid;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Caller, Params};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::Page;
use crate::Services;
use crate::services::{MAX_SEARCH_LIMIT, MAX_SEARCH_TEXT, SearchItem, SearchKind};

/// What kind of record a line is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKindView {
    Opportunity,
    Account,
    Contact,
    Lead,
    Activity,
}

/// One record found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItemView {
    pub kind: SearchKindView,
    pub id: String,
    /// The record's name or title.
    pub title: String,
    /// What tells it apart, in the caller's language: a deal's account and stage, a contact's
    /// account and e-mail, an activity's kind, time and deal.
    pub subtitle: String,
}

impl From<SearchItem> for SearchItemView {
    fn from(item: SearchItem) -> SearchItemView {
        let kind = match item.kind {
            SearchKind::Opportunity => SearchKindView::Opportunity,
            SearchKind::Account => SearchKindView::Account,
            SearchKind::Contact => SearchKindView::Contact,
            SearchKind::Lead => SearchKindView::Lead,
            SearchKind::Activity => SearchKindView::Activity,
        };
        SearchItemView { kind, id: item.id, title: item.title, subtitle: item.subtitle }
    }
}

/// Lines of each kind when the caller names no limit.
const DEFAULT_LIMIT: i64 = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to find (any letter case, any script; a phone number with or without its
    /// punctuation). Words shorter than three letters find only names that start with them.
    pub q: Option<String>,
    /// Comma-separated kinds to search: `opportunity`, `account`, `contact`, `lead`, `activity`
    /// (all when absent).
    pub kinds: Option<String>,
    /// Lines of each kind (1–50, default 5).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

fn kinds(text: Option<&str>) -> ApiResult<Vec<SearchKind>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            SearchKind::parse(k).ok_or_else(|| {
                ApiError::field("kinds", Invalid::NotOneOf { allowed: SearchKind::ALL.iter().map(|k| k.as_str().to_owned()).collect() })
            })
        })
        .collect()
}

fn limit(text: Option<&str>) -> ApiResult<i64> {
    let range = Invalid::OutOfRange { min: 1, max: MAX_SEARCH_LIMIT };
    match text {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_SEARCH_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::field("limit", range)),
        },
    }
}

/// Find records: opportunities, leads and activities the caller may see and the team's accounts
/// and contacts, by kind in that order, up to `limit` of each, the most recently changed first
/// (accounts and contacts whose name starts with the text before the rest). The answer is one
/// page: narrow it with more text or `kinds`.
#[utoipa::path(get, path = "/search", operation_id = "search", tag = "search", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<SearchItemView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<SearchItemView>>> {
    let text = params.q.as_deref().map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::field("q", Invalid::Required));
    }
    if text.chars().count() > MAX_SEARCH_TEXT {
        return Err(ApiError::field("q", Invalid::TooLong { max: MAX_SEARCH_TEXT }));
    }
    let kinds = kinds(params.kinds.as_deref())?;
    let limit = limit(params.limit.as_deref())?;
    let found = services.search(&caller.actor, text, &kinds, limit).await?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}
