//! `storage-floor-native`: the rows and statements of the enterprise-sale lifecycle (the same as
//! `storage-floor` writes through the store) written by a minimal rusqlite loop on one
//! connection — WAL, `synchronous=FULL`, statements prepared once and cached, one transaction per
//! command — on a fresh copy of the real schema. What this disk allows any SQLite program; the
//! lifecycle's figures are printed as a ratio to it in the same run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use dealflow_core::ProcessDefinition;
use dealflow_core::definition::ProcessStage;
use rusqlite::{Connection, Transaction, params};

/// The floor's statements, `$n` numbered; the store's floor runs them as they are, rusqlite as `?n`.
pub mod floor_sql {
    pub const NEW_OPPORTUNITY: &str =
        "INSERT INTO opportunities (id, title, owner_id, stage, search_text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";
    pub const NEW_INSTANCE: &str = "INSERT INTO process_instances (id, process_code, process_version, opportunity_id, status, started_via, started_by, started_at, visits) VALUES ($1, $2, $3, $4, 'running', 'api', $5, $6, $7)";
    pub const COMPLETE_ACTIVITY: &str = "UPDATE activities SET status = 'completed', result = 'done', completed_at = $2, updated_at = $2, version = version + 1 WHERE id = $1";
    pub const MOVE_OPPORTUNITY: &str =
        "UPDATE opportunities SET stage = $2, closed_at = $3, updated_at = $4, version = version + 1 WHERE id = $1";
    pub const UPDATE_INSTANCE: &str = "UPDATE process_instances SET status = $2, outcome = $3, finished_at = $4, visits = $5 WHERE id = $1";
    pub const NEW_EVENT: &str = "INSERT INTO webhook_outbox (id, type, opportunity_id, occurred_at, data) VALUES ($1, $2, $3, $4, $5)";
    pub const NEW_HISTORY: &str = "INSERT INTO stage_history (opportunity_id, seq, from_stage, to_stage, at, by_user_id, by_process, visit, instance_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)";
    pub const NEW_ACTIVITY: &str = "INSERT INTO activities (id, type, title_ru, title_en, owner_id, status, due_at, opportunity_id, process_instance_id, stage, step, stage_visit, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'not_started', $6, $7, $8, $9, $10, 1, $11, $11)";
    pub const NEW_NOTIFICATION: &str = "INSERT INTO notifications (id, user_id, kind, title_ru, title_en, body_ru, body_en, entity_type, entity_id, created_at) VALUES ($1, $2, 'activity_assigned', $3, $4, $5, $6, 'activity', $7, $8)";
}

/// A floor statement with SQLite's own numbered parameters (`?n`: `$n` would be named, and
/// numbered in the order they first appear).
fn native(sql: &str) -> String {
    sql.replace('$', "?")
}

fn now_ms() -> i64 {
    dealflow_server::Clock::System.now().as_millisecond()
}

fn event(tx: &Transaction, kind: &str, opportunity: &str) -> rusqlite::Result<()> {
    let data = format!("{{\"opportunity_id\":\"{opportunity}\",\"detail\":\"{}\"}}", "x".repeat(120));
    tx.prepare_cached(&native(floor_sql::NEW_EVENT))?.execute(params![dealflow_server::new_id(), kind, opportunity, now_ms(), data])?;
    Ok(())
}

fn history(
    tx: &Transaction,
    opportunity: &str,
    seq: i64,
    from: Option<&str>,
    to: &str,
    owner: &str,
    instance: &str,
) -> rusqlite::Result<()> {
    let by = from.is_none().then_some(owner);
    tx.prepare_cached(&native(floor_sql::NEW_HISTORY))?.execute(params![
        opportunity,
        seq,
        from,
        to,
        now_ms(),
        by,
        i64::from(from.is_some()),
        instance
    ])?;
    Ok(())
}

/// A visit's activities, each with the notification that assigns it; answers their ids.
fn create_visit(tx: &Transaction, stage: &ProcessStage, opportunity: &str, instance: &str, owner: &str) -> rusqlite::Result<Vec<String>> {
    let mut ids = Vec::new();
    for step in &stage.steps {
        let (id, at) = (dealflow_server::new_id(), now_ms());
        tx.prepare_cached(&native(floor_sql::NEW_ACTIVITY))?.execute(params![
            id,
            step.kind.as_str(),
            step.title.ru,
            step.title.en,
            owner,
            at + step.due.seconds() * 1000,
            opportunity,
            instance,
            stage.stage.as_str(),
            step.code,
            at
        ])?;
        tx.prepare_cached(&native(floor_sql::NEW_NOTIFICATION))?.execute(params![
            dealflow_server::new_id(),
            owner,
            "Новая активность",
            "New activity",
            step.title.ru,
            step.title.en,
            id,
            at
        ])?;
        event(tx, "activity.created", opportunity)?;
        ids.push(id);
    }
    ids.reverse();
    Ok(ids)
}

/// One lifecycle: the start and the nine completions, each committed before the next.
fn lifecycle(c: &mut Connection, owner: &str, definition: &ProcessDefinition) -> rusqlite::Result<usize> {
    let (opportunity, instance) = (dealflow_server::new_id(), dealflow_server::new_id());
    let first = definition.first_stage();
    let tx = c.transaction()?;
    tx.prepare_cached(&native(floor_sql::NEW_OPPORTUNITY))?.execute(params![
        opportunity,
        "Новая продажа",
        owner,
        first.stage.as_str(),
        "новая продажа",
        now_ms()
    ])?;
    history(&tx, &opportunity, 1, None, first.stage.as_str(), owner, &instance)?;
    tx.prepare_cached(&native(floor_sql::NEW_INSTANCE))?.execute(params![
        instance,
        definition.code,
        definition.version,
        opportunity,
        owner,
        now_ms(),
        format!("{{\"{}\":1}}", first.stage)
    ])?;
    event(&tx, "opportunity.created", &opportunity)?;
    event(&tx, "process.started", &opportunity)?;
    let mut open = create_visit(&tx, first, &opportunity, &instance, owner)?;
    tx.commit()?;
    let (mut commands, mut seq, mut stage) = (1, 1, first);
    let mut visits = BTreeMap::from([(first.stage.to_string(), 1)]);
    while let Some(activity) = open.pop() {
        let tx = c.transaction()?;
        tx.prepare_cached(&native(floor_sql::COMPLETE_ACTIVITY))?.execute(params![activity, now_ms()])?;
        event(&tx, "activity.completed", &opportunity)?;
        if open.is_empty() {
            seq += 1;
            let next = stage.next.as_str();
            let won = definition.stage(next).is_none();
            let closed = won.then(now_ms);
            tx.prepare_cached(&native(floor_sql::MOVE_OPPORTUNITY))?.execute(params![opportunity, next, closed, now_ms()])?;
            history(&tx, &opportunity, seq, Some(stage.stage.as_str()), next, owner, &instance)?;
            event(&tx, "opportunity.stage_changed", &opportunity)?;
            if won {
                event(&tx, "opportunity.closed", &opportunity)?;
            }
            *visits.entry(next.to_owned()).or_default() += 1;
            let visits_json = serde_json::to_string(&visits).expect("visits serialize");
            tx.prepare_cached(&native(floor_sql::UPDATE_INSTANCE))?.execute(params![
                instance,
                if won { "completed" } else { "running" },
                won.then_some("won"),
                closed,
                visits_json
            ])?;
            if let Some(following) = definition.stage(next) {
                open = create_visit(&tx, following, &opportunity, &instance, owner)?;
                stage = following;
            }
        }
        tx.commit()?;
        commands += 1;
    }
    Ok(commands)
}

/// `lifecycles` lifecycles on the database file `path` by one client: commands and seconds.
pub fn measure(path: &Path, owner: &str, definition: &ProcessDefinition, lifecycles: usize) -> anyhow::Result<(usize, f64)> {
    let mut c = Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.set_prepared_statement_cache_capacity(64);
    let began = Instant::now();
    let mut commands = 0;
    for _ in 0..lifecycles {
        commands += lifecycle(&mut c, owner, definition)?;
    }
    Ok((commands, began.elapsed().as_secs_f64()))
}
