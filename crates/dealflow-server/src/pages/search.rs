//! The header field as search and command line at once (SPEC §9): as a person types, the script
//! asks `/palette` for the commands and the records that match, in one list; Enter without a
//! choice (or without the script) posts the text to `/command`, which runs a command or, for any
//! other text, shows `/search`, the records found, grouped by kind.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::command;
use serde::{Deserialize, Serialize};

use super::i18n::Texts;
use super::session::Viewer;
use super::{Chrome, OrPage, PageResult};
use crate::Services;
use crate::services::{MAX_SEARCH_TEXT, SHORTEST_SEARCH_WORD, SearchItem, SearchKind};

/// Lines of each kind in the palette as one types.
const PALETTE_LINES: i64 = 4;
/// Lines of each kind on the results page.
const PAGE_LINES: i64 = 20;
/// Commands in the palette.
const PALETTE_COMMANDS: usize = 5;

fn kind_label(t: &Texts, kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Opportunity => t.opportunities,
        SearchKind::Account => t.accounts,
        SearchKind::Contact => t.contacts,
        SearchKind::Lead => t.leads,
        SearchKind::Activity => t.activities_found,
    }
}

/// One kind's lines.
pub struct FoundGroup {
    pub kind: &'static str,
    pub label: &'static str,
    pub items: Vec<SearchItem>,
}

impl FoundGroup {
    pub fn href(&self, item: &SearchItem) -> String {
        item.kind.path(&item.id)
    }
}

fn grouped(t: &Texts, items: Vec<SearchItem>) -> Vec<FoundGroup> {
    let mut groups: Vec<FoundGroup> = Vec::new();
    for item in items {
        match groups.last_mut() {
            Some(group) if group.kind == item.kind.as_str() => group.items.push(item),
            _ => groups.push(FoundGroup { kind: item.kind.as_str(), label: kind_label(t, item.kind), items: vec![item] }),
        }
    }
    groups
}

fn clipped(text: &str) -> String {
    text.trim().chars().take(MAX_SEARCH_TEXT).collect()
}

/// The results page of `q`.
pub fn search_path(q: &str) -> String {
    format!("/search?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish())
}

/// What the header's text finds, within the reader's sight.
pub async fn found(services: &Services, viewer: &Viewer, text: &str, lines: i64) -> PageResult<Vec<SearchItem>> {
    let text = clipped(text);
    if text.is_empty() {
        return Ok(Vec::new());
    }
    services.search(&viewer.actor, &text, &[], lines).await.or_page(viewer)
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct PaletteLine {
    title: String,
    subtitle: String,
    href: String,
}

#[derive(Serialize)]
struct PaletteGroup {
    kind: &'static str,
    label: &'static str,
    lines: Vec<PaletteLine>,
}

#[derive(Serialize)]
pub struct Palette {
    commands_label: &'static str,
    /// Commands that what was typed begins: listed first, the first of them chosen for Enter.
    commands: Vec<String>,
    resembling_label: &'static str,
    /// Commands that only resemble the text: listed last, never chosen for Enter.
    resembling: Vec<String>,
    groups: Vec<PaletteGroup>,
    /// Beneath the lines: that short words find names by their start only, or nothing found.
    note: Option<&'static str>,
}

/// The palette's lines for what has been typed: commands first, then records by kind.
pub async fn palette(State(services): State<Services>, viewer: Viewer, Query(query): Query<SearchQuery>) -> PageResult<Json<Palette>> {
    let t = viewer.t();
    let library = services.active_processes().await.or_page(&viewer)?;
    let mut commands = command::suggest(&clipped(&query.q), &library);
    if query.q.trim().is_empty() {
        commands.retain(|c| command::in_language(c, viewer.locale));
    }
    commands.truncate(PALETTE_COMMANDS);
    let typed_command = command::normalize(&query.q);
    let (commands, resembling): (Vec<String>, Vec<String>) =
        commands.into_iter().partition(|c| command::normalize(c).starts_with(&typed_command));
    let items = found(&services, &viewer, &query.q, PALETTE_LINES).await?;
    let typed = query.q.trim().chars().count();
    let note = if typed > 0 && typed < SHORTEST_SEARCH_WORD {
        Some(t.search_short_hint)
    } else if typed > 0 && items.is_empty() && commands.is_empty() && resembling.is_empty() {
        Some(t.nothing_found)
    } else {
        None
    };
    let groups = grouped(t, items)
        .into_iter()
        .map(|g| PaletteGroup {
            kind: g.kind,
            label: g.label,
            lines: g.items.into_iter().map(|i| PaletteLine { href: i.kind.path(&i.id), title: i.title, subtitle: i.subtitle }).collect(),
        })
        .collect();
    Ok(Json(Palette { commands_label: t.commands, commands, resembling_label: t.did_you_mean, resembling, groups, note }))
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    chrome: Chrome,
    q: String,
    groups: Vec<FoundGroup>,
    suggestions: Vec<String>,
    short: bool,
    full: bool,
}

/// The records the header's text finds, grouped by kind, with the commands it resembles.
pub async fn results(State(services): State<Services>, viewer: Viewer, Query(query): Query<SearchQuery>) -> PageResult {
    let t = viewer.t();
    let q = clipped(&query.q);
    let items = found(&services, &viewer, &q, PAGE_LINES).await?;
    let library = services.active_processes().await.or_page(&viewer)?;
    let suggestions = if q.is_empty() { Vec::new() } else { command::suggest(&q, &library) };
    let groups = grouped(t, items);
    let full = groups.iter().any(|g| g.items.len() as i64 >= PAGE_LINES);
    let mut chrome = Chrome::load(&services, &viewer, "search", &search_path(&q)).await?;
    chrome.command_text = q.clone();
    let short = !q.is_empty() && q.chars().count() < SHORTEST_SEARCH_WORD;
    Ok(SearchPage { chrome, q, groups, suggestions, short, full }.into_response())
}
