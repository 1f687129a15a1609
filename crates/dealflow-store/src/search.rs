//! The header's search: records of every kind found by any part of a name, title, e-mail or phone
//! (migration 0013). SQLite asks its FTS5 trigram tables, whose scope column carries each owner's
//! mark; PostgreSQL its trigram GIN indexes, whose first column is the owner.

use crate::db::Conn;
use crate::db::Row;
use dealflow_core::records::{AccountRecord, ActivityRecord, ContactRecord, LeadRecord, OpportunityRecord};

use crate::sql::{OwnerScope, RowExt, Sql};
use crate::{Result, activities, customers, leads, opportunities};

crate::handle!(
    /// Finds records of every kind by the words people type.
    Search
);

/// Words shorter than this make no trigram, so no index can look them up.
pub const SHORTEST_WORD: usize = 3;

/// What was typed, as the indexes hold text: lower-cased words of three characters or more, a
/// phone number's digits without its punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWords {
    words: Vec<String>,
    /// The whole text lower-cased, for names that start with it.
    start: String,
}

impl SearchWords {
    pub fn new(text: &str) -> SearchWords {
        let start = text.trim().to_lowercase();
        let words = start
            .split_whitespace()
            .map(|word| {
                let digits: String = word.chars().filter(char::is_ascii_digit).collect();
                let phone_like = !digits.is_empty() && word.chars().all(|c| c.is_ascii_digit() || "+()-.".contains(c));
                if phone_like { digits } else { word.to_owned() }
            })
            .filter(|word| word.chars().count() >= SHORTEST_WORD)
            .collect();
        SearchWords { words, start }
    }

    /// Whether any word is long enough for the indexes; otherwise only names that start with the
    /// text are found.
    pub fn indexed(&self) -> bool {
        !self.words.is_empty()
    }

    /// An FTS5 query: every word in the body, each a quoted string (its quotes doubled).
    fn fts_body(&self) -> String {
        let words: Vec<String> = self.words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect();
        format!("body : ({})", words.join(" "))
    }
}

/// The record kinds searched within an owner scope, with their FTS5 table and the text PostgreSQL's
/// trigram index holds (the same expression as in its migration, so that the index serves it).
struct Scoped {
    table: &'static str,
    fts: &'static str,
    text: &'static str,
}

const OPPORTUNITIES: Scoped = Scoped { table: "opportunities", fts: "opportunity_search", text: "search_text" };
const LEADS: Scoped = Scoped { table: "leads", fts: "lead_search", text: "(lower(title))" };
const ACTIVITIES: Scoped = Scoped { table: "activities", fts: "activity_search", text: "(lower(title_ru || ' ' || title_en))" };

/// How many matches of each owner PostgreSQL sorts for the lines, at least: a few times the lines
/// asked for, so that a common word reads a few dozen rows a person, not thousands.
const CANDIDATES: i64 = 25;

/// How many more index hits than lines are read, for the rare record whose owner's mark is
/// another owner's too (the owner is checked on the record itself).
const SPARE: i64 = 16;

async fn scoped(c: &mut Conn, kind: &Scoped, words: &SearchWords, scope: OwnerScope<'_>, limit: i64) -> Result<Vec<Row>> {
    if !words.indexed() || scope.is_some_and(<[String]>::is_empty) {
        return Ok(Vec::new());
    }
    let table = kind.table;
    if c.is_sqlite() {
        // The owners' marks and the words make one FTS5 query, built in SQL from the users table.
        let mut sql = Sql::new(&format!("SELECT t.* FROM (SELECT rowid AS key FROM {fts} WHERE {fts} MATCH ", fts = kind.fts));
        if let Some(owners) = scope {
            sql.push("((SELECT 'scope : (' || group_concat('\"' || search_scope || '\"', ' OR ') || ') AND ' FROM users WHERE");
            sql.push_in("id", owners).push(") || ").bind(words.fts_body()).push(")");
        } else {
            sql.bind(words.fts_body());
        }
        sql.push(" ORDER BY rowid DESC LIMIT ").bind(limit + SPARE);
        sql.push(&format!(") f JOIN search_keys k ON k.key = f.key JOIN {table} t ON t.id = k.id WHERE 1 = 1"));
        if let Some(owners) = scope {
            sql.push(" AND").push_in("t.owner_id", owners);
        }
        sql.push(" ORDER BY f.key DESC LIMIT ").bind(limit);
        return sql.fetch_all(c).await;
    }
    // PostgreSQL: one query per owner, so that each uses the owner's own entries — the trigram
    // index with the owner for a rare word, the owner's rows for a common one — and stops after a
    // few dozen; those are sorted newest first, and typing more narrows them.
    let found = |sql: &mut Sql, owner: Option<&str>| {
        sql.push(&format!("SELECT * FROM {table} WHERE 1 = 1"));
        if let Some(owner) = owner {
            sql.push(" AND owner_id = ").bind(owner.to_owned());
        }
        for word in &words.words {
            sql.push(" AND").push_contains(kind.text, word);
        }
        sql.push(&format!(" LIMIT {}", CANDIDATES.max(limit * 5)));
    };
    let mut sql = Sql::new("SELECT * FROM (");
    match scope {
        None => {
            sql.push("SELECT * FROM (");
            found(&mut sql, None);
            sql.push(") AS everyone");
        }
        Some(owners) => {
            for (i, owner) in owners.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT * FROM (");
                found(&mut sql, Some(owner));
                sql.push(&format!(") AS owner{i}"));
            }
        }
    }
    sql.push(") AS found ORDER BY updated_at DESC, id DESC LIMIT ").bind(limit);
    sql.fetch_all(c).await
}

/// The whole team's directory: names that start with the text first (from the names' own index),
/// then, newest first, records with every word in their name, web site, e-mail or phone.
async fn directory(c: &mut Conn, table: &str, words: &SearchWords, limit: i64) -> Result<Vec<Row>> {
    let (fts, text) = if table == "accounts" { ("account_search", "website") } else { ("contact_search", "email") };
    let starting = customers::starting_with(c, table, &words.start, None, limit).await?;
    let wanted = limit - i64::try_from(starting.len()).unwrap_or(limit);
    if wanted <= 0 || !words.indexed() {
        return Ok(starting);
    }
    let mut sql = if c.is_sqlite() {
        let mut sql = Sql::new(&format!("SELECT t.* FROM (SELECT rowid AS key FROM {fts} WHERE {fts} MATCH "));
        sql.bind(words.fts_body()).push(" ORDER BY rowid DESC LIMIT ").bind(limit + SPARE);
        sql.push(&format!(") f JOIN search_keys k ON k.key = f.key JOIN {table} t ON t.id = k.id WHERE 1 = 1"));
        sql
    } else {
        let body = format!(
            "(lower(name || ' ' || coalesce({text}, '') || ' ' || coalesce(phone, '') || ' ' \
             || regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')))"
        );
        // A common word inside ten thousand names: the first few hundred found are sorted.
        let mut sql = Sql::new(&format!("SELECT t.* FROM {table} t WHERE t.id IN (SELECT id FROM {table} WHERE 1 = 1"));
        for word in &words.words {
            sql.push(" AND").push_contains(&body, word);
        }
        sql.push(&format!(" LIMIT {})", CANDIDATES.max(limit * 5)));
        sql
    };
    sql.push(" AND NOT").push_in("t.id", &starting.iter().map(|r| r.text("id")).collect::<Result<Vec<_>>>()?);
    sql.push(if c.is_sqlite() { " ORDER BY f.key DESC" } else { " ORDER BY t.updated_at DESC, t.id DESC" });
    sql.push(" LIMIT ").bind(wanted);
    let mut rows = starting;
    rows.extend(sql.fetch_all(c).await?);
    Ok(rows)
}

impl<A> Search<'_, A> {
    pub async fn opportunities(&mut self, words: &SearchWords, scope: OwnerScope<'_>, limit: i64) -> Result<Vec<OpportunityRecord>> {
        scoped(self.c, &OPPORTUNITIES, words, scope, limit).await?.iter().map(opportunities::opportunity).collect()
    }

    pub async fn leads(&mut self, words: &SearchWords, scope: OwnerScope<'_>, limit: i64) -> Result<Vec<LeadRecord>> {
        scoped(self.c, &LEADS, words, scope, limit).await?.iter().map(leads::lead).collect()
    }

    pub async fn activities(&mut self, words: &SearchWords, scope: OwnerScope<'_>, limit: i64) -> Result<Vec<ActivityRecord>> {
        scoped(self.c, &ACTIVITIES, words, scope, limit).await?.iter().map(activities::activity).collect()
    }

    pub async fn accounts(&mut self, words: &SearchWords, limit: i64) -> Result<Vec<AccountRecord>> {
        directory(self.c, "accounts", words, limit).await?.iter().map(customers::account).collect()
    }

    pub async fn contacts(&mut self, words: &SearchWords, limit: i64) -> Result<Vec<ContactRecord>> {
        directory(self.c, "contacts", words, limit).await?.iter().map(customers::contact).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_phones_are_digits_short_words_are_left_to_name_starts() {
        let words = SearchWords::new("  Волга +7(495)123-45 ab ");
        assert_eq!(words.words, vec!["волга".to_owned(), "749512345".to_owned()]);
        assert_eq!(words.start, "волга +7(495)123-45 ab");
        assert!(!SearchWords::new("ab").indexed());
        assert_eq!(SearchWords::new("say \"hi\"").fts_body(), "body : (\"say\" \"\"\"hi\"\"\")");
    }
}
