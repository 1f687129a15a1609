//! The generator's load on SQLite with the loaded tables' secondary indexes and triggers set
//! aside. Row by row, every inserted activity updates seven indexes and a trigram index and every
//! history entry rewrites its deal; a million deals took half an hour that way. Set aside, the
//! rows go in at the end of each table, and what the triggers keep (the search indexes, the
//! board's and the analytics' sums, each deal's reached stages and next activity) is made once,
//! set-wise, by the same statements the migrations use to fill it for existing data; then the
//! indexes are built by sorting and the triggers put back. The generator's test checks that the
//! result is what the triggers would have kept.

use anyhow::Context as _;
use dealflow_store::Store;

/// The tables the generator fills.
const LOADED: &[&str] = &["accounts", "contacts", "opportunities", "stage_history", "process_instances", "activities", "notifications"];

/// What the triggers keep, made for every row at once (SQLite). Each statement is the one its
/// migration fills existing data with, except that search keys are handed out in the order the
/// rows went in, as the triggers would have: the key index then grows at its end, and each
/// trigram index takes its rows in rowid order by reading the table in its own order.
const DERIVED: &[(&str, &str)] = &[
    ("account names", "INSERT INTO account_names (id, name_lower) SELECT id, name_lower FROM accounts"),
    ("contact names", "INSERT INTO contact_names (id, name_lower) SELECT id, name_lower FROM contacts"),
    ("account search keys", "INSERT INTO search_keys (id) SELECT id FROM accounts ORDER BY rowid"),
    (
        "account search",
        "INSERT INTO account_search (rowid, body) SELECT k.key, b.body FROM account_search_bodies b JOIN search_keys k ON k.id = b.id ORDER BY k.key",
    ),
    ("contact search keys", "INSERT INTO search_keys (id) SELECT id FROM contacts ORDER BY rowid"),
    (
        "contact search",
        "INSERT INTO contact_search (rowid, body) SELECT k.key, b.body FROM contact_search_bodies b JOIN search_keys k ON k.id = b.id ORDER BY k.key",
    ),
    ("opportunity search keys", "INSERT INTO search_keys (id) SELECT id FROM opportunities ORDER BY rowid"),
    (
        "opportunity search",
        "INSERT INTO opportunity_search (rowid, scope, body) SELECT k.key, u.search_scope, o.search_text
         FROM opportunities o JOIN search_keys k ON k.id = o.id JOIN users u ON u.id = o.owner_id ORDER BY o.rowid",
    ),
    ("activity search keys", "INSERT INTO search_keys (id) SELECT id FROM activities ORDER BY rowid"),
    (
        "activity search",
        "INSERT INTO activity_search (rowid, scope, body)
         SELECT k.key, u.search_scope, CASE WHEN a.title_ru = a.title_en THEN a.title_ru ELSE a.title_ru || ' ' || a.title_en END
         FROM activities a JOIN search_keys k ON k.id = a.id JOIN users u ON u.id = a.owner_id ORDER BY a.rowid",
    ),
    (
        "the board's totals",
        "INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
         SELECT owner_id, stage, COUNT(*), COALESCE(SUM(COALESCE(actual_revenue, amount)), 0) FROM opportunities GROUP BY owner_id, stage",
    ),
    (
        "time on stages",
        "INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
         SELECT o.owner_id, h.to_stage, COUNT(*), SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
         FROM stage_history h
         JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
         JOIN opportunities o ON o.id = h.opportunity_id
         GROUP BY o.owner_id, h.to_stage",
    ),
    (
        "reached stages",
        "UPDATE opportunities SET
             stage_entered_at = (SELECT h.at FROM stage_history h WHERE h.opportunity_id = opportunities.id ORDER BY h.seq DESC LIMIT 1),
             reached_stages = COALESCE(
                 (SELECT ',' || group_concat(DISTINCT h.to_stage) || ',' FROM stage_history h WHERE h.opportunity_id = opportunities.id), '')",
    ),
    (
        "next activities",
        "UPDATE opportunities SET next_activity_at = soonest.at
         FROM (SELECT opportunity_id, MIN(COALESCE(start_at, due_at)) AS at FROM activities
               WHERE status IN ('not_started', 'in_progress') AND opportunity_id IS NOT NULL GROUP BY opportunity_id) AS soonest
         WHERE soonest.opportunity_id = opportunities.id",
    ),
];

/// The trigram indexes made here. FTS5 writes what it has gathered as a new segment whenever it
/// holds more than its hash size (1 MiB unless set), and merges segments as they pile up. For
/// the load it gathers up to 1 GiB and merges nothing: the 5.3 million tasks of a million deals
/// become a few large segments in 54 s, where FTS5's defaults took 80 s. The rows also go in by
/// rowid: a smaller rowid than the last makes FTS5 write out what it holds at once.
const SEARCH_INDEXES: &[&str] =
    &["account_names", "contact_names", "account_search", "contact_search", "opportunity_search", "activity_search"];
/// FTS5's settings for the load, and its own defaults, put back for the server's small writes.
const LOAD_SETTINGS: &[(&str, i64)] = &[("hashsize", 1 << 30), ("automerge", 0)];
const DEFAULT_SETTINGS: &[(&str, i64)] = &[("hashsize", 1 << 20), ("automerge", 4)];

async fn configure_search_indexes(store: &Store, settings: &[(&str, i64)]) -> anyhow::Result<()> {
    let mut tx = store.begin_write().await?;
    for table in SEARCH_INDEXES {
        for (name, value) in settings {
            tx.raw().execute(&format!("INSERT INTO {table} ({table}, rank) VALUES ($1, $2)"), [(*name).into(), (*value).into()]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The indexes and triggers set aside, as the statements that make them again.
pub struct SetAside {
    indexes: Vec<String>,
    triggers: Vec<String>,
}

/// The statement that lists a `column` of the loaded tables' indexes or triggers (`kind`) in the
/// order they were made, which is the order they are made again in: where two indexes serve a
/// query equally, SQLite's planner takes the one made last (the unread notifications' count took
/// 48 ms instead of 1 with the indexes made in another order). The indexes SQLite makes for keys
/// and unique columns have no SQL and stay.
fn of_loaded_tables(kind: &str, column: &str) -> String {
    let tables = LOADED.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    format!("SELECT {column} FROM sqlite_master WHERE type = '{kind}' AND sql IS NOT NULL AND tbl_name IN ({tables}) ORDER BY rowid")
}

/// Drops the secondary indexes and the triggers of the loaded tables.
pub async fn set_aside(store: &Store) -> anyhow::Result<SetAside> {
    let mut tx = store.begin_write().await?;
    let indexes = tx.raw().texts(&of_loaded_tables("index", "sql"), &[]).await?;
    let triggers = tx.raw().texts(&of_loaded_tables("trigger", "sql"), &[]).await?;
    let mut drops = String::new();
    for name in tx.raw().texts(&of_loaded_tables("index", "name"), &[]).await? {
        drops.push_str(&format!("DROP INDEX \"{name}\";"));
    }
    for name in tx.raw().texts(&of_loaded_tables("trigger", "name"), &[]).await? {
        drops.push_str(&format!("DROP TRIGGER \"{name}\";"));
    }
    tx.raw().script(&drops).await?;
    tx.commit().await?;
    Ok(SetAside { indexes, triggers })
}

impl SetAside {
    /// Makes what the triggers keep, then the indexes, then puts the triggers back; `step` hears
    /// each part's name as it begins.
    pub async fn restore(self, store: &Store, mut step: impl FnMut(&str)) -> anyhow::Result<()> {
        configure_search_indexes(store, LOAD_SETTINGS).await?;
        // A transaction a part keeps the write-ahead log to one part's pages.
        for (what, sql) in DERIVED {
            step(what);
            let mut tx = store.begin_write().await?;
            tx.raw().script(sql).await.with_context(|| format!("cannot make {what}"))?;
            tx.commit().await?;
        }
        configure_search_indexes(store, DEFAULT_SETTINGS).await?;
        step("indexes");
        let mut tx = store.begin_write().await?;
        for sql in &self.indexes {
            tx.raw().script(sql).await.with_context(|| format!("cannot build {sql}"))?;
        }
        step("triggers");
        for sql in &self.triggers {
            tx.raw().script(sql).await.with_context(|| format!("cannot put back {sql}"))?;
        }
        tx.commit().await?;
        Ok(())
    }
}
