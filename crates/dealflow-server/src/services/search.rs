//! The header's search: opportunities, leads and activities the reader may see and the team's
//! accounts and contacts, found by any part of a name, title, e-mail or phone, each as a line with
//! what tells it apart (SPEC §9).

use std::collections::HashMap;

use dealflow_core::Locale;
use dealflow_core::definition::ActivityType;
use dealflow_core::records::OpportunityRecord;
use dealflow_store::{Backend, OwnerScope, Reader, SearchWords};

use super::Services;
use crate::access::Actor;
use crate::error::Result;

/// The kinds of record the search finds, in the order the results list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchKind {
    Opportunity,
    Account,
    Contact,
    Lead,
    Activity,
}

impl SearchKind {
    pub const ALL: [SearchKind; 5] =
        [SearchKind::Opportunity, SearchKind::Account, SearchKind::Contact, SearchKind::Lead, SearchKind::Activity];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Opportunity => "opportunity",
            SearchKind::Account => "account",
            SearchKind::Contact => "contact",
            SearchKind::Lead => "lead",
            SearchKind::Activity => "activity",
        }
    }

    pub fn parse(text: &str) -> Option<SearchKind> {
        SearchKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Where the record's page is.
    pub fn path(self, id: &str) -> String {
        let section = match self {
            SearchKind::Opportunity => "opportunities",
            SearchKind::Account => "accounts",
            SearchKind::Contact => "contacts",
            SearchKind::Lead => "leads",
            SearchKind::Activity => "activities",
        };
        format!("/{section}/{id}")
    }
}

/// One record found: its name and a line that tells it apart from others of that name.
#[derive(Debug, Clone)]
pub struct SearchItem {
    pub kind: SearchKind,
    pub id: String,
    pub title: String,
    /// In the reader's language: the account and stage of a deal, the account and e-mail of a
    /// contact, the date and deal of an activity.
    pub subtitle: String,
}

/// The most lines of one kind a search answers.
pub const MAX_SEARCH_LIMIT: i64 = 50;

/// The longest text searched for.
pub const MAX_SEARCH_TEXT: usize = 200;

fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts.into_iter().flatten().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(" · ")
}

fn activity_word(kind: ActivityType, locale: Locale) -> &'static str {
    match (kind, locale) {
        (ActivityType::Task, Locale::Ru) => "Задача",
        (ActivityType::Call, Locale::Ru) => "Звонок",
        (ActivityType::Meeting, Locale::Ru) => "Встреча",
        (ActivityType::Email, Locale::Ru) => "Письмо",
        (ActivityType::Task, Locale::En) => "Task",
        (ActivityType::Call, Locale::En) => "Call",
        (ActivityType::Meeting, Locale::En) => "Meeting",
        (ActivityType::Email, Locale::En) => "E-mail",
    }
}

async fn account_names(conn: &mut Reader, ids: impl Iterator<Item = Option<String>>) -> Result<HashMap<String, String>> {
    Ok(conn.accounts().names(&ids.flatten().collect::<Vec<_>>()).await?)
}

/// A team at least this large has its deals searched (and added up) in two halves at once.
pub(super) const HALVED_TEAM: usize = 4;

impl Services {
    /// The opportunities of `scope` that the words find, newest change first. On PostgreSQL each
    /// owner's part reads the words' trigram lists again, so a team's halves are searched at once
    /// on two connections when a second one is idle (two cores read them in half the time);
    /// SQLite finds a team's in one query of its search table.
    async fn team_opportunities(
        &self,
        conn: &mut Reader,
        words: &SearchWords,
        scope: OwnerScope<'_>,
        limit: i64,
    ) -> Result<Vec<OpportunityRecord>> {
        let second = match scope {
            Some(team) if team.len() >= HALVED_TEAM && self.store.backend() == Backend::Postgres => {
                self.store.try_read().map(|c| (team.split_at(team.len() / 2), c))
            }
            _ => None,
        };
        let Some(((first_half, second_half), mut other)) = second else {
            return Ok(conn.search().opportunities(words, scope, limit).await?);
        };
        let (mut one, mut two) = (conn.search(), other.search());
        let (mut found, more) =
            tokio::try_join!(one.opportunities(words, Some(first_half), limit), two.opportunities(words, Some(second_half), limit))?;
        found.extend(more);
        found.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    /// Up to `limit` records of each of `kinds` (all when empty) that `text` finds, kinds in the
    /// order of [`SearchKind::ALL`], each kind's most recently changed first; accounts and
    /// contacts whose name starts with the text come before the rest. Words shorter than three
    /// letters find only names that start with them.
    pub async fn search(&self, actor: &Actor, text: &str, kinds: &[SearchKind], limit: i64) -> Result<Vec<SearchItem>> {
        let words = SearchWords::new(text);
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT);
        let wanted = |kind| kinds.is_empty() || kinds.contains(&kind);
        let locale = actor.locale();
        let mut conn = self.store.read().await?;
        let mut items = Vec::new();
        if wanted(SearchKind::Opportunity) {
            let found = self.team_opportunities(&mut conn, &words, actor.owners(), limit).await?;
            let stages = self.stage_catalog().await?;
            let accounts = account_names(&mut conn, found.iter().map(|o| o.account_id.clone())).await?;
            items.extend(found.into_iter().map(|o| {
                let account = o.account_id.as_ref().and_then(|id| accounts.get(id)).map(String::as_str);
                let subtitle = joined([account, Some(&stages.name_of(o.stage.as_str(), locale))]);
                SearchItem { kind: SearchKind::Opportunity, id: o.id, title: o.title, subtitle }
            }));
        }
        if wanted(SearchKind::Account) {
            let found = conn.search().accounts(&words, limit).await?;
            items.extend(found.into_iter().map(|a| {
                let subtitle = joined([a.industry.as_deref(), a.phone.as_deref(), a.website.as_deref()]);
                SearchItem { kind: SearchKind::Account, id: a.id, title: a.name, subtitle }
            }));
        }
        if wanted(SearchKind::Contact) {
            let found = conn.search().contacts(&words, limit).await?;
            let accounts = account_names(&mut conn, found.iter().map(|c| c.account_id.clone())).await?;
            items.extend(found.into_iter().map(|c| {
                let account = c.account_id.as_ref().and_then(|id| accounts.get(id)).map(String::as_str);
                let subtitle = joined([account, c.job_title.as_deref(), c.email.as_deref(), c.phone.as_deref()]);
                SearchItem { kind: SearchKind::Contact, id: c.id, title: c.name, subtitle }
            }));
        }
        if wanted(SearchKind::Lead) {
            let found = conn.search().leads(&words, actor.owners(), limit).await?;
            let stages = if found.is_empty() { Vec::new() } else { conn.lead_stages().list().await? };
            let accounts = account_names(&mut conn, found.iter().map(|l| l.account_id.clone())).await?;
            items.extend(found.into_iter().map(|l| {
                let stage = stages.iter().find(|s| s.code == l.stage).map(|s| s.name.get(locale));
                let account = l.account_id.as_ref().and_then(|id| accounts.get(id)).map(String::as_str);
                SearchItem { kind: SearchKind::Lead, id: l.id, title: l.title, subtitle: joined([account, stage]) }
            }));
        }
        if wanted(SearchKind::Activity) {
            // As the pages write a moment in each language.
            let moment = if locale == Locale::Ru { "%d.%m.%Y %H:%M" } else { "%Y-%m-%d %H:%M" };
            let found = conn.search().activities(&words, actor.owners(), limit).await?;
            let mut deal_ids: Vec<String> = found.iter().filter_map(|a| a.opportunity_id.clone()).collect();
            deal_ids.sort();
            deal_ids.dedup();
            let deals: HashMap<String, String> = conn.opportunities().titles(&deal_ids).await?.into_iter().collect();
            items.extend(found.into_iter().map(|a| {
                let when = a.start_at.or(a.due_at).map(|at| at.to_zoned_datetime(actor.zone().clone()).strftime(moment).to_string());
                let deal = a.opportunity_id.as_ref().and_then(|id| deals.get(id)).map(String::as_str);
                let subtitle = joined([Some(activity_word(a.kind, locale)), when.as_deref(), deal]);
                SearchItem { kind: SearchKind::Activity, id: a.id, title: a.title.get(locale).to_owned(), subtitle }
            }));
        }
        Ok(items)
    }
}
