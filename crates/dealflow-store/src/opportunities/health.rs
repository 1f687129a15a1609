//! What deal health reads besides the deals themselves — the time the team's deals lately spent
//! on each stage, overdue activities — and the level each open deal was last assessed at, which
//! lists filter by and the analytics add up.

use dealflow_core::records::OpportunityRecord;

use super::{Opportunities, opportunity};
use crate::sql::{OwnerScope, RowExt, Sql, millis};
use crate::{Result, Write};

/// Deals whose level is set in one statement.
const SET_AT_ONCE: usize = 500;

impl<A> Opportunities<'_, A> {
    /// How long (milliseconds) the latest `per_stage` departures from `stage` spent on it, from
    /// the entry that left it and the one before (the departures index, migration 0020).
    pub async fn recent_stage_times(&mut self, stage: &str, per_stage: i64) -> Result<Vec<i64>> {
        let rows = crate::db::query(
            "SELECT h.at - p.at AS spent FROM (
                 SELECT opportunity_id, seq, at FROM stage_history WHERE from_stage = $1 ORDER BY at DESC LIMIT $2) AS h
             JOIN stage_history p ON p.opportunity_id = h.opportunity_id AND p.seq = h.seq - 1",
        )
        .bind(stage)
        .bind(per_stage)
        .fetch_all(&mut *self.c)
        .await?;
        rows.iter().map(|row| row.int("spent")).collect()
    }

    /// For each of `ids` with open activities past their due time at `now`: how many.
    pub async fn overdue_counts(&mut self, ids: &[String], now: jiff::Timestamp) -> Result<Vec<(String, u32)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT opportunity_id AS id, COUNT(*) AS n FROM activities WHERE status IN ('not_started', 'in_progress')");
        sql.push(" AND due_at < ").bind(millis(now)).push(" AND").push_in("opportunity_id", ids).push(" GROUP BY opportunity_id");
        sql.fetch_all(self.c).await?.iter().map(|row| Ok((row.text("id")?, row.number("n")?))).collect()
    }

    /// The deals of `ids` that exist.
    pub async fn of_ids(&mut self, ids: &[String]) -> Result<Vec<OpportunityRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM opportunities WHERE");
        sql.push_in("id", ids);
        sql.fetch_all(self.c).await?.iter().map(opportunity).collect()
    }

    /// Every open deal of `owner_id`, with the health level it was last assessed at.
    pub async fn open_of_owner(&mut self, owner_id: &str) -> Result<Vec<(OpportunityRecord, Option<String>)>> {
        let rows = crate::db::query("SELECT * FROM opportunities WHERE owner_id = $1 AND closed_at IS NULL ORDER BY id")
            .bind(owner_id)
            .fetch_all(&mut *self.c)
            .await?;
        rows.iter().map(|row| Ok((opportunity(row)?, row.opt_text("health")?))).collect()
    }

    /// The open deals of `scope` (everyone's for `None`; one owner's when given) by the level
    /// they were last assessed at (`None`: not yet): how many, and their amount in minor units.
    pub async fn open_by_health(&mut self, scope: OwnerScope<'_>, owner_id: Option<&str>) -> Result<Vec<(Option<String>, i64, i64)>> {
        let mut sql = Sql::new(
            "SELECT health, COUNT(*) AS n, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM opportunities WHERE closed_at IS NULL",
        );
        if let Some(owners) = scope {
            sql.push(" AND").push_in("owner_id", owners);
        }
        if let Some(owner) = owner_id {
            sql.push(" AND owner_id = ").bind(owner.to_owned());
        }
        sql.push(" GROUP BY health");
        sql.fetch_all(self.c).await?.iter().map(|row| Ok((row.opt_text("health")?, row.int("n")?, row.int("total")?))).collect()
    }
}

impl Opportunities<'_, Write> {
    /// Records `level` as the last assessment of the deals `ids`; answers how many changed.
    pub async fn set_health(&mut self, level: &str, ids: &[String]) -> Result<u64> {
        let mut changed = 0;
        for chunk in ids.chunks(SET_AT_ONCE) {
            let mut sql = Sql::new("UPDATE opportunities SET health = ");
            sql.bind(level.to_owned()).push(" WHERE (health IS NULL OR health <> ").bind(level.to_owned()).push(") AND");
            sql.push_in("id", chunk);
            changed += sql.execute(self.c).await?;
        }
        Ok(changed)
    }
}
