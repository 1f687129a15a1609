//! Opportunities and their stage history.

mod health;
mod team;

use crate::db::Conn;
use crate::db::Row;
use dealflow_core::analytics;
use dealflow_core::records::{HistoryRecord, OpportunityRecord};

use crate::order::{OpportunitySort, Sorted};
use crate::sql::{After, OwnerScope, RowExt, Sql, flag, for_update, millis, to_json};
use crate::{Result, StoreError, Write, customers};

crate::handle!(
    /// Opportunities, their stage history, the board's totals and the analytics' sums.
    Opportunities
);

pub(crate) fn opportunity(row: &Row) -> Result<OpportunityRecord> {
    Ok(OpportunityRecord {
        id: row.text("id")?,
        title: row.text("title")?,
        account_id: row.opt_text("account_id")?,
        contact_id: row.opt_text("contact_id")?,
        owner_id: row.text("owner_id")?,
        stage: row.stage("stage")?,
        amount: row.money("amount")?,
        probability: row.opt_int("probability")?.map(|p| p.clamp(0, 100) as u8),
        close_date: row.opt_text("close_date")?,
        budget: row.money("budget")?,
        budget_confirmed: row.boolean("budget_confirmed")?,
        decision_maker_id: row.opt_text("decision_maker_id")?,
        need: row.opt_text("need")?,
        timeframe: row.opt_text("timeframe")?,
        tactic: row.opt_text("tactic")?,
        participants: row.json("participants")?,
        competitors: row.json("competitors")?,
        presentation_id: row.opt_text("presentation_id")?,
        actual_revenue: row.money("actual_revenue")?,
        hours_spent: row.opt_float("hours_spent")?,
        close_reason: row.opt_text("close_reason")?,
        closed_at: row.opt_at("closed_at")?,
        lead_id: row.opt_text("lead_id")?,
        version: row.int("version")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
        close_date_pushes: row.number("close_date_pushes")?,
    })
}

async fn search_text(c: &mut Conn, o: &OpportunityRecord) -> Result<String> {
    let names = customers::names_for_search(c, o.account_id.as_deref(), o.contact_id.as_deref()).await?;
    Ok(format!("{}{names}", o.title).to_lowercase())
}

#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub stage: Option<String>,
    pub owner_id: Option<String>,
    /// Lower-cased text to find in the title, account or contact name.
    pub q: Option<String>,
    /// `Some(true)`: only non-final stages; `Some(false)`: only final ones.
    pub open: Option<bool>,
    /// Of this customer company, or of this person at a customer.
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    /// Expected to close on or after, on or before these days (`YYYY-MM-DD`).
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    /// Only the open deals the watchdog last found without a next step.
    pub stale: bool,
    /// Only the open deals last assessed at this health level (`good`, `at_risk`, `poor`).
    pub health: Option<String>,
}

/// What a process command reads besides the opportunity and its process.
pub struct CommandContext {
    /// The owner's supervisor, whom some notifications go to.
    pub supervisor_id: Option<String>,
    /// Entries in the opportunity's stage history.
    pub history_len: u32,
    /// The stage lookup's stamp, to know whether the one in memory is current.
    pub catalog_stamp: i64,
    /// The owner's own time zone, and the settings `default_time_zone` and `working_days` as
    /// stored (JSON): the calendar that the due offsets of steps count on.
    pub owner_zone: Option<String>,
    pub default_zone: Option<String>,
    pub working_days: Option<String>,
}

impl<A> Opportunities<'_, A> {
    pub async fn get(&mut self, id: &str) -> Result<OpportunityRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM opportunities WHERE id = $1").bind(id).fetch_one(c).await?;
        opportunity(&row)
    }

    /// A page of opportunities, newest first, that `scope` lets the reader see.
    ///
    /// For a team (several owners) the page is the newest of each owner's own newest rows, one
    /// ordered index range per owner (`owner_id, created_at, id`), merged by key; only the rows of
    /// the page are read. Asking for `owner_id IN (…) ORDER BY created_at` instead reads and sorts
    /// every row of the team.
    pub async fn search(
        &mut self,
        filter: &OpportunityFilter,
        scope: OwnerScope<'_>,
        after: After,
        limit: i64,
    ) -> Result<Vec<OpportunityRecord>> {
        let c = &mut *self.c;
        let conditions = |sql: &mut Sql, owner: Option<&str>| {
            push_conditions(sql, filter, owner);
            sql.push_before("o.created_at", "o.id", &after);
            sql.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ").bind(limit);
        };
        const SELECT: &str = "SELECT o.* FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE 1 = 1";
        const KEYS: &str = "SELECT o.id, o.created_at FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE 1 = 1";
        let sql = match scope {
            None => {
                let mut sql = Sql::new(SELECT);
                conditions(&mut sql, None);
                sql
            }
            Some([]) => return Ok(Vec::new()),
            // A customer's deals are few: their own index finds them, whoever of the team owns them.
            Some(owners) if filter.account_id.is_some() || filter.contact_id.is_some() => {
                let mut sql = Sql::new(SELECT);
                sql.push(" AND").push_in("o.owner_id", owners);
                conditions(&mut sql, None);
                sql
            }
            Some([owner]) => {
                let mut sql = Sql::new(SELECT);
                conditions(&mut sql, Some(owner));
                sql
            }
            Some(owners) => {
                // Keys first (from the index alone when the filters allow), then only the rows shown.
                let mut sql = Sql::new("SELECT o.* FROM opportunities o JOIN (SELECT id, created_at FROM (");
                for (i, owner) in owners.iter().enumerate() {
                    if i > 0 {
                        sql.push(" UNION ALL ");
                    }
                    sql.push(&format!("SELECT * FROM ({KEYS}"));
                    conditions(&mut sql, Some(owner));
                    sql.push(&format!(") AS owner{i}"));
                }
                sql.push(") AS keys ORDER BY created_at DESC, id DESC LIMIT ").bind(limit);
                sql.push(") AS team ON team.id = o.id ORDER BY o.created_at DESC, o.id DESC");
                sql
            }
        };
        sql.fetch_all(c).await?.iter().map(opportunity).collect()
    }

    /// A page of the opportunities `scope` lets the reader see, sorted by a column. The page's
    /// ids are sorted first, from the narrow columns the order needs; only its rows are read whole.
    pub async fn sorted(
        &mut self,
        filter: &OpportunityFilter,
        scope: OwnerScope<'_>,
        sorted: &Sorted<OpportunitySort>,
        limit: i64,
    ) -> Result<Vec<OpportunityRecord>> {
        let c = &mut *self.c;
        // Only what the order and the filters read: a sort by next activity is then one index's.
        let needs_stage = sorted.by == OpportunitySort::Stage || filter.open.is_some();
        let stage = if needs_stage { " JOIN opportunity_stages s ON s.code = o.stage" } else { "" };
        let joins = match sorted.by {
            OpportunitySort::Account => " LEFT JOIN accounts acc ON acc.id = o.account_id",
            OpportunitySort::Owner => " JOIN users u ON u.id = o.owner_id",
            _ => "",
        };
        let mut sql = Sql::new(&format!("SELECT o.id FROM opportunities o{stage}{joins} WHERE 1 = 1"));
        match scope {
            None => {}
            Some(owners) => {
                sql.push(" AND").push_in("o.owner_id", owners);
            }
        }
        push_conditions(&mut sql, filter, None);
        sql.push_sorted(sorted, "o.id", limit);
        let ids = sql.fetch_all(&mut *c).await?.iter().map(|row| row.text("id")).collect::<Result<Vec<_>>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM opportunities WHERE");
        sql.push_in("id", &ids);
        let mut rows = sql.fetch_all(c).await?.iter().map(opportunity).collect::<Result<Vec<_>>>()?;
        rows.sort_by_key(|o| ids.iter().position(|id| *id == o.id));
        Ok(rows)
    }

    /// The titles of the opportunities of `ids` (those that exist), for lines that name them.
    pub async fn titles(&mut self, ids: &[String]) -> Result<Vec<(String, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT id, title FROM opportunities WHERE");
        sql.push_in("id", ids);
        sql.fetch_all(self.c).await?.iter().map(|row| Ok((row.text("id")?, row.text("title")?))).collect()
    }

    /// Per stage code: how many opportunities `scope` lets the reader see, and their total amount
    /// (minor units), from the per-owner totals the triggers of migration 0008 keep.
    pub async fn totals_by_stage(&mut self, scope: OwnerScope<'_>) -> Result<Vec<(String, i64, i64)>> {
        let c = &mut *self.c;
        let mut sql = Sql::new(
            "SELECT stage, CAST(SUM(opportunities) AS BIGINT) AS n, CAST(SUM(amount) AS BIGINT) AS total FROM pipeline_totals WHERE 1 = 1",
        );
        if let Some(owners) = scope {
            sql.push(" AND").push_in("owner_id", owners);
        }
        sql.push(" GROUP BY stage HAVING SUM(opportunities) > 0");
        sql.fetch_all(c).await?.iter().map(|row| Ok((row.text("stage")?, row.int("n")?, row.int("total")?))).collect()
    }

    /// As [`Self::totals_by_stage`] for the deals expected to close between two days (inclusive),
    /// counted from the deals themselves: the kept totals know no dates.
    pub async fn totals_by_stage_closing(&mut self, scope: OwnerScope<'_>, from: &str, to: &str) -> Result<Vec<(String, i64, i64)>> {
        let c = &mut *self.c;
        let mut sql = Sql::new(
            "SELECT stage, COUNT(*) AS n, CAST(COALESCE(SUM(COALESCE(actual_revenue, amount)), 0) AS BIGINT) AS total FROM opportunities WHERE close_date >= ",
        );
        sql.bind(from.to_owned()).push(" AND close_date <= ").bind(to.to_owned());
        if let Some(owners) = scope {
            sql.push(" AND").push_in("owner_id", owners);
        }
        sql.push(" GROUP BY stage");
        sql.fetch_all(c).await?.iter().map(|row| Ok((row.text("stage")?, row.int("n")?, row.int("total")?))).collect()
    }

    /// For each of `ids` that has a history: when it entered its current stage (its last entry).
    pub async fn stage_entered(&mut self, ids: &[String]) -> Result<Vec<(String, jiff::Timestamp)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT opportunity_id AS id, MAX(at) AS at FROM stage_history WHERE");
        sql.push_in("opportunity_id", ids).push(" GROUP BY opportunity_id");
        sql.fetch_all(self.c).await?.iter().map(|row| Ok((row.text("id")?, row.at("at")?))).collect()
    }

    /// For each of `ids` with open activities (at or after `not_before`, when given): the
    /// soonest start or due time among them.
    pub async fn next_activity(&mut self, ids: &[String], not_before: Option<jiff::Timestamp>) -> Result<Vec<(String, jiff::Timestamp)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT opportunity_id AS id, MIN(COALESCE(start_at, due_at)) AS at FROM activities WHERE status IN ('not_started', 'in_progress') AND",
        );
        if let Some(from) = not_before {
            sql.push(" COALESCE(start_at, due_at) >= ").bind(millis(from)).push(" AND");
        }
        sql.push_in("opportunity_id", ids).push(" GROUP BY opportunity_id");
        let rows = sql.fetch_all(self.c).await?;
        // An open activity has a start or a due time; one without either has nothing to show.
        rows.iter().filter_map(|row| row.opt_at("at").transpose().map(|at| Ok((row.text("id")?, at?)))).collect()
    }

    pub async fn count(&mut self) -> Result<i64> {
        let c = &mut *self.c;
        crate::db::query_scalar("SELECT COUNT(*) FROM opportunities").fetch_one(c).await
    }

    pub async fn history(&mut self, opportunity_id: &str) -> Result<Vec<HistoryRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query(
            "SELECT h.*, i.file_name AS imported_from FROM stage_history h LEFT JOIN imports i ON i.id = h.import_id \
             WHERE h.opportunity_id = $1 ORDER BY h.seq",
        )
        .bind(opportunity_id)
        .fetch_all(c)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryRecord {
                    opportunity_id: row.text("opportunity_id")?,
                    seq: row.number("seq")?,
                    from_stage: row.opt_stage("from_stage")?,
                    to_stage: row.stage("to_stage")?,
                    at: row.at("at")?,
                    by_user_id: row.opt_text("by_user_id")?,
                    by_process: row.boolean("by_process")?,
                    visit: row.opt_int("visit")?.map(|v| v as u32),
                    instance_id: row.opt_text("instance_id")?,
                    override_reason: row.opt_text("override_reason")?,
                    imported_from: row.opt_text("imported_from")?,
                })
            })
            .collect()
    }

    /// A command's context in one query (each query costs a trip to the database's thread).
    pub async fn command_context(&mut self, owner_id: &str, opportunity_id: &str) -> Result<CommandContext> {
        let c = &mut *self.c;
        let row = crate::db::query(
            "SELECT (SELECT supervisor_id FROM users WHERE id = $1) AS supervisor_id,
                    (SELECT COUNT(*) FROM stage_history WHERE opportunity_id = $2) AS history_len,
                    (SELECT stamp FROM stage_catalog_stamp) AS catalog_stamp,
                    (SELECT time_zone FROM users WHERE id = $1) AS owner_zone,
                    (SELECT value FROM settings WHERE key = 'default_time_zone') AS default_zone,
                    (SELECT value FROM settings WHERE key = 'working_days') AS working_days",
        )
        .bind(owner_id)
        .bind(opportunity_id)
        .fetch_one(c)
        .await?;
        Ok(CommandContext {
            supervisor_id: row.opt_text("supervisor_id")?,
            history_len: row.number("history_len")?,
            catalog_stamp: row.int("catalog_stamp")?,
            owner_zone: row.opt_text("owner_zone")?,
            default_zone: row.opt_text("default_zone")?,
            working_days: row.opt_text("working_days")?,
        })
    }

    /// The analytics' sums over what the reader may see, added up by the database without reading
    /// the history (migration 0006 keeps what it needs of it): a team's opportunities by stage,
    /// close reason and stages reached, and the time spent on stages already left. Times are unix
    /// milliseconds.
    pub async fn analytics_totals(
        &mut self,
        scope: OwnerScope<'_>,
        owner_id: Option<&str>,
        (from, to): (Option<i64>, Option<i64>),
        now: i64,
    ) -> Result<analytics::Totals> {
        let c = &mut *self.c;
        let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
        let filter = |sql: &mut Sql, column: &str| {
            if let Some(owners) = scope {
                sql.push(" AND").push_in(column, owners);
            }
            if let Some(owner) = owner_id {
                sql.push(&format!(" AND {column} = ")).bind(owner.to_owned());
            }
        };
        let within = |sql: &mut Sql, column: &str| {
            sql.push(&format!("{column} >= ")).bind(from).push(&format!(" AND {column} < ")).bind(to);
        };

        let mut sql = Sql::new(
            "SELECT o.stage, o.close_reason, o.reached_stages, COUNT(*) AS n, CAST(SUM(COALESCE(o.amount, 0)) AS BIGINT) AS amount,
                 CAST(SUM((COALESCE(o.amount, 0) * CASE WHEN o.probability IS NULL THEN s.max_probability WHEN o.probability > 100 THEN 100
                     WHEN o.probability < 0 THEN 0 ELSE o.probability END + 50) / 100) AS BIGINT) AS weighted,
                 CAST(SUM(CASE WHEN o.stage_entered_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS current_entries,",
        );
        sql.push(" CAST(SUM(CASE WHEN o.stage_entered_at < ").bind(now).push(" THEN ").bind(now);
        sql.push(" - o.stage_entered_at ELSE 0 END) AS BIGINT) AS current_millis,");
        // Sums over the window: closed deals by their close time, new ones by their creation.
        for (name, when, value) in [
            ("closed", "o.closed_at", "1"),
            // What a deal is worth: its actual revenue once entered, else its amount.
            ("closed_revenue", "o.closed_at", "COALESCE(o.actual_revenue, o.amount, 0)"),
            ("created", "o.created_at", "1"),
            ("created_amount", "o.created_at", "COALESCE(o.amount, 0)"),
        ] {
            sql.push(" CAST(SUM(CASE WHEN ");
            within(&mut sql, when);
            sql.push(&format!(" THEN {value} ELSE 0 END) AS BIGINT) AS {name},"));
        }
        sql.push(" SUM(CASE WHEN ");
        within(&mut sql, "o.closed_at");
        sql.push(" THEN COALESCE(o.hours_spent, 0.0) ELSE 0.0 END) AS closed_hours");
        sql.push(" FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE 1 = 1");
        filter(&mut sql, "o.owner_id");
        sql.push(" GROUP BY o.stage, o.close_reason, o.reached_stages");
        let groups = sql
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|row| {
                Ok(analytics::GroupTotals {
                    stage: row.text("stage")?,
                    close_reason: row.opt_text("close_reason")?,
                    reached_stages: row.text("reached_stages")?,
                    count: row.number("n")?,
                    amount: row.int("amount")?,
                    weighted_amount: row.int("weighted")?,
                    closed: row.number("closed")?,
                    closed_revenue: row.int("closed_revenue")?,
                    closed_hours: row.opt_float("closed_hours")?.unwrap_or(0.0),
                    created: row.number("created")?,
                    created_amount: row.int("created_amount")?,
                    current_entries: row.number("current_entries")?,
                    current_millis: row.int("current_millis")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let mut sql = Sql::new(
            "SELECT stage, CAST(SUM(entries) AS BIGINT) AS entries, CAST(SUM(millis) AS BIGINT) AS millis FROM stage_time_totals WHERE 1 = 1",
        );
        filter(&mut sql, "owner_id");
        sql.push(" GROUP BY stage");
        let left = sql
            .fetch_all(c)
            .await?
            .iter()
            .map(|row| Ok(analytics::StageTime { stage: row.text("stage")?, entries: row.number("entries")?, millis: row.int("millis")? }))
            .collect::<Result<Vec<_>>>()?;
        Ok(analytics::Totals { groups, left })
    }

    /// The rows the analytics are made of, for the opportunities of `owners` (everyone's when
    /// `None`), to add up in memory: what `analytics_totals` is checked against.
    pub async fn analytics_facts(
        &mut self,
        scope: OwnerScope<'_>,
        owner_id: Option<&str>,
    ) -> Result<(Vec<dealflow_core::analytics::OpportunityFacts>, Vec<dealflow_core::analytics::StageEntry>)> {
        let c = &mut *self.c;
        let filter = |sql: &mut Sql, alias: &str| {
            if let Some(owners) = scope {
                sql.push(" AND").push_in(&format!("{alias}owner_id"), owners);
            }
            if let Some(owner) = owner_id {
                sql.push(&format!(" AND {alias}owner_id = ")).bind(owner.to_owned());
            }
        };
        let mut sql = Sql::new(
            "SELECT id, stage, amount, probability, actual_revenue, hours_spent, closed_at, created_at, close_reason FROM opportunities WHERE 1 = 1",
        );
        filter(&mut sql, "");
        let facts = sql
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|row| {
                Ok(dealflow_core::analytics::OpportunityFacts {
                    id: row.text("id")?,
                    stage: row.text("stage")?,
                    amount: row.money("amount")?,
                    probability: row.opt_int("probability")?.map(|p| p.clamp(0, 100) as u8),
                    actual_revenue: row.money("actual_revenue")?,
                    hours_spent: row.opt_float("hours_spent")?,
                    closed_at: row.opt_at("closed_at")?,
                    created_at: row.at("created_at")?,
                    close_reason: row.opt_text("close_reason")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut sql = Sql::new(
            "SELECT h.opportunity_id, h.seq, h.to_stage, h.at FROM stage_history h JOIN opportunities o ON o.id = h.opportunity_id WHERE 1 = 1",
        );
        filter(&mut sql, "o.");
        let history = sql
            .fetch_all(c)
            .await?
            .iter()
            .map(|row| {
                Ok(dealflow_core::analytics::StageEntry {
                    opportunity_id: row.text("opportunity_id")?,
                    seq: row.int("seq")? as u32,
                    stage: row.text("to_stage")?,
                    at: row.at("at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((facts, history))
    }
}

impl Opportunities<'_, Write> {
    /// Inserts the opportunity. The creation entry of its history is written by the caller (it
    /// depends on whether a process starts with it).
    pub async fn insert(&mut self, o: &OpportunityRecord) -> Result<()> {
        let c = &mut *self.c;
        let search = search_text(c, o).await?;
        crate::db::query(
            "INSERT INTO opportunities (id, title, account_id, contact_id, owner_id, stage, amount, probability, close_date, budget,
                 budget_confirmed, decision_maker_id, need, timeframe, tactic, participants, competitors, presentation_id,
                 actual_revenue, hours_spent, close_reason, closed_at, lead_id, search_text, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
        )
        .bind(&o.id)
        .bind(&o.title)
        .bind(&o.account_id)
        .bind(&o.contact_id)
        .bind(&o.owner_id)
        .bind(o.stage.as_str())
        .bind(o.amount.map(|m| m.minor_units()))
        .bind(o.probability.map(i64::from))
        .bind(&o.close_date)
        .bind(o.budget.map(|m| m.minor_units()))
        .bind(flag(o.budget_confirmed))
        .bind(&o.decision_maker_id)
        .bind(&o.need)
        .bind(&o.timeframe)
        .bind(&o.tactic)
        .bind(to_json(&o.participants))
        .bind(to_json(&o.competitors))
        .bind(&o.presentation_id)
        .bind(o.actual_revenue.map(|m| m.minor_units()))
        .bind(o.hours_spent)
        .bind(&o.close_reason)
        .bind(o.closed_at.map(millis))
        .bind(&o.lead_id)
        .bind(search)
        .bind(o.version)
        .bind(millis(o.created_at))
        .bind(millis(o.updated_at))
        .execute(c)
        .await?;
        Ok(())
    }

    /// Writes every editable field (`stage` and `closed_at` change only through the engine's
    /// effects) and bumps the version, unless `bump` is false because the same command has
    /// already counted as the change.
    pub async fn update_fields(&mut self, o: &OpportunityRecord, now: jiff::Timestamp, bump: bool) -> Result<i64> {
        let c = &mut *self.c;
        let search = search_text(c, o).await?;
        let sql = format!(
            "UPDATE opportunities SET title = $2, account_id = $3, contact_id = $4, amount = $5, probability = $6, close_date = $7,
                 budget = $8, budget_confirmed = $9, decision_maker_id = $10, need = $11, timeframe = $12, tactic = $13,
                 participants = $14, competitors = $15, presentation_id = $16, actual_revenue = $17, hours_spent = $18,
                 close_reason = $19, lead_id = $20, search_text = $21, version = version + {}, updated_at = $22,
                 close_date_pushes = close_date_pushes + (CASE WHEN close_date IS NOT NULL AND $7 > close_date THEN 1 ELSE 0 END)
             WHERE id = $1 RETURNING version",
            i64::from(bump)
        );
        let version: Option<i64> = crate::db::query_scalar(sql)
            .bind(&o.id)
            .bind(&o.title)
            .bind(&o.account_id)
            .bind(&o.contact_id)
            .bind(o.amount.map(|m| m.minor_units()))
            .bind(o.probability.map(i64::from))
            .bind(&o.close_date)
            .bind(o.budget.map(|m| m.minor_units()))
            .bind(flag(o.budget_confirmed))
            .bind(&o.decision_maker_id)
            .bind(&o.need)
            .bind(&o.timeframe)
            .bind(&o.tactic)
            .bind(to_json(&o.participants))
            .bind(to_json(&o.competitors))
            .bind(&o.presentation_id)
            .bind(o.actual_revenue.map(|m| m.minor_units()))
            .bind(o.hours_spent)
            .bind(&o.close_reason)
            .bind(&o.lead_id)
            .bind(search)
            .bind(millis(now))
            .fetch_optional(c)
            .await?;
        version.ok_or(StoreError::NotFound)
    }

    /// The figures of the close dialog, written in the same command as the stage change (which
    /// already counts as the change, so the version is not bumped again).
    pub async fn set_closing_figures(
        &mut self,
        id: &str,
        actual_revenue: Option<dealflow_core::Money>,
        hours_spent: Option<f64>,
        close_reason: Option<&str>,
    ) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "UPDATE opportunities SET actual_revenue = COALESCE($2, actual_revenue), hours_spent = COALESCE($3, hours_spent),
                 close_reason = COALESCE($4, close_reason) WHERE id = $1",
        )
        .bind(id)
        .bind(actual_revenue.map(|m| m.minor_units()))
        .bind(hours_spent)
        .bind(close_reason)
        .execute(c)
        .await?;
        Ok(())
    }

    /// Reads the opportunity and, on PostgreSQL, locks its row until the transaction ends, so that
    /// commands on one opportunity run one after another (R13).
    pub async fn get_for_update(&mut self, id: &str) -> Result<OpportunityRecord> {
        let c = &mut *self.c;
        let sql = format!("SELECT * FROM opportunities WHERE id = $1{}", for_update(c));
        let row = crate::db::query(sql).bind(id).fetch_one(c).await?;
        opportunity(&row)
    }

    pub async fn insert_history(&mut self, h: &HistoryRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO stage_history (opportunity_id, seq, from_stage, to_stage, at, by_user_id, by_process, visit, instance_id, override_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&h.opportunity_id)
        .bind(i64::from(h.seq))
        .bind(h.from_stage.as_ref().map(|s| s.as_str().to_owned()))
        .bind(h.to_stage.as_str())
        .bind(millis(h.at))
        .bind(&h.by_user_id)
        .bind(flag(h.by_process))
        .bind(h.visit.map(i64::from))
        .bind(&h.instance_id)
        .bind(&h.override_reason)
        .execute(c)
        .await?;
        Ok(())
    }
}

/// The filter's conditions (and one owner's, when given) over `o`, the opportunity, and `s`, its stage.
fn push_conditions(sql: &mut Sql, filter: &OpportunityFilter, owner: Option<&str>) {
    if let Some(owner) = owner {
        sql.push(" AND o.owner_id = ").bind(owner.to_owned());
    }
    if let Some(stage) = &filter.stage {
        sql.push(" AND o.stage = ").bind(stage.clone());
    }
    if let Some(owner) = &filter.owner_id {
        sql.push(" AND o.owner_id = ").bind(owner.clone());
    }
    if let Some(q) = &filter.q {
        sql.push(" AND").push_contains("o.search_text", q);
    }
    if let Some(account) = &filter.account_id {
        sql.push(" AND o.account_id = ").bind(account.clone());
    }
    if let Some(contact) = &filter.contact_id {
        sql.push(" AND o.contact_id = ").bind(contact.clone());
    }
    if let Some(from) = &filter.close_from {
        sql.push(" AND o.close_date >= ").bind(from.clone());
    }
    if let Some(to) = &filter.close_to {
        sql.push(" AND o.close_date <= ").bind(to.clone());
    }
    if filter.stale {
        sql.push(
            " AND o.closed_at IS NULL AND EXISTS (SELECT 1 FROM stale_deals d WHERE d.owner_id = o.owner_id AND d.opportunity_id = o.id)",
        );
    }
    if let Some(level) = &filter.health {
        sql.push(" AND o.closed_at IS NULL AND o.health = ").bind(level.clone());
    }
    match filter.open {
        Some(true) => {
            sql.push(" AND s.is_final = 0");
        }
        Some(false) => {
            sql.push(" AND s.is_final = 1");
        }
        None => {}
    }
}
