//! What the next-step watchdog reads and marks: open deals with the soonest open activity still
//! ahead of them, the marks of staleness, and the daily runs that any node may take over.

use dealflow_core::StageCode;
use sqlx::any::AnyRow;

use crate::sql::{RowExt, Sql, millis};
use crate::{Read, Result, Write};

crate::handle!(
    /// The watchdog's reads and marks, and the bookkeeping of daily runs.
    Watchdog
);

/// An open deal as the watchdog weighs it.
#[derive(Debug, Clone)]
pub struct WatchedDeal {
    pub id: String,
    pub title: String,
    pub owner_id: String,
    pub owner_name: String,
    pub supervisor_id: Option<String>,
    pub stage: StageCode,
    /// Its stage's period for planning the next step (0: not watched there).
    pub next_step_days: u16,
    /// The soonest open activity that has not yet begun or fallen due.
    pub planned_at: Option<jiff::Timestamp>,
    pub stale_since: Option<jiff::Timestamp>,
    pub stale_escalated_at: Option<jiff::Timestamp>,
}

fn watched(row: &AnyRow) -> Result<WatchedDeal> {
    Ok(WatchedDeal {
        id: row.text("id")?,
        title: row.text("title")?,
        owner_id: row.text("owner_id")?,
        owner_name: row.text("owner_name")?,
        supervisor_id: row.opt_text("supervisor_id")?,
        stage: row.stage("stage")?,
        next_step_days: row.number("next_step_days")?,
        planned_at: row.opt_at("planned_at")?,
        stale_since: row.opt_at("stale_since")?,
        stale_escalated_at: row.opt_at("stale_escalated_at")?,
    })
}

/// Open deals with the soonest open activity of each that has not yet begun or fallen due;
/// `$1` is now.
const OPEN_DEALS: &str = "SELECT o.id, o.title, o.owner_id, u.name AS owner_name, u.supervisor_id, o.stage, s.next_step_days,
        o.stale_since, o.stale_escalated_at,
        (SELECT MIN(COALESCE(a.start_at, a.due_at)) FROM activities a WHERE a.opportunity_id = o.id
            AND a.status IN ('not_started', 'in_progress') AND COALESCE(a.start_at, a.due_at) >= $1) AS planned_at
    FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage JOIN users u ON u.id = o.owner_id
    WHERE o.closed_at IS NULL AND s.is_final = 0";

impl<A> Watchdog<'_, A> {
    /// Up to `limit` open deals with ids after `after_id`, in id order.
    pub async fn open_deals_after(&mut self, after_id: &str, now: jiff::Timestamp, limit: i64) -> Result<Vec<WatchedDeal>> {
        let sql = format!("{OPEN_DEALS} AND o.id > $2 ORDER BY o.id LIMIT $3");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(millis(now)).bind(after_id).bind(limit).fetch_all(&mut *self.c).await?;
        rows.iter().map(watched).collect()
    }
}

impl Watchdog<'_, Write> {
    /// Marks these deals stale since `now`; answers the ones that were not already marked.
    pub async fn mark_stale(&mut self, ids: &[String], now: jiff::Timestamp) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("UPDATE opportunities SET stale_since = ");
        sql.bind(millis(now)).push(" WHERE stale_since IS NULL AND").push_in("id", ids).push(" RETURNING id");
        sql.fetch_all(self.c).await?.iter().map(|row| row.text("id")).collect()
    }

    /// Records that the supervisor was told about these deals; answers the ones not yet told.
    pub async fn mark_escalated(&mut self, ids: &[String], now: jiff::Timestamp) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("UPDATE opportunities SET stale_escalated_at = ");
        sql.bind(millis(now)).push(" WHERE stale_since IS NOT NULL AND stale_escalated_at IS NULL AND").push_in("id", ids);
        sql.push(" RETURNING id");
        sql.fetch_all(self.c).await?.iter().map(|row| row.text("id")).collect()
    }

    /// Forgets the staleness of these deals: they have a next step again.
    pub async fn clear_stale(&mut self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("UPDATE opportunities SET stale_since = NULL, stale_escalated_at = NULL WHERE");
        sql.push_in("id", ids);
        sql.execute(self.c).await?;
        Ok(())
    }

    /// Forgets the staleness of deals that closed since it was marked.
    pub async fn clear_closed(&mut self) -> Result<u64> {
        let done = sqlx::query("UPDATE opportunities SET stale_since = NULL, stale_escalated_at = NULL WHERE stale_since IS NOT NULL AND closed_at IS NOT NULL")
            .execute(&mut *self.c)
            .await?;
        Ok(done.rows_affected())
    }

    /// Takes `day`'s run of `job` until `hold_until`, unless it is finished or another node
    /// holds it: answers the id after which to go on.
    pub async fn take_run(&mut self, job: &str, day: &str, now: jiff::Timestamp, hold_until: jiff::Timestamp) -> Result<Option<String>> {
        sqlx::query("INSERT INTO daily_runs (job, day, after_id, held_until) VALUES ($1, $2, '', 0) ON CONFLICT (job, day) DO NOTHING")
            .bind(job)
            .bind(day)
            .execute(&mut *self.c)
            .await?;
        let row = sqlx::query(
            "UPDATE daily_runs SET held_until = $4 WHERE job = $1 AND day = $2 AND finished_at IS NULL AND held_until <= $3 RETURNING after_id",
        )
        .bind(job)
        .bind(day)
        .bind(millis(now))
        .bind(millis(hold_until))
        .fetch_optional(&mut *self.c)
        .await?;
        row.map(|row| row.text("after_id")).transpose()
    }

    /// Records how far the run got and holds it longer.
    pub async fn advance_run(&mut self, job: &str, day: &str, after_id: &str, hold_until: jiff::Timestamp) -> Result<()> {
        sqlx::query("UPDATE daily_runs SET after_id = $3, held_until = $4 WHERE job = $1 AND day = $2")
            .bind(job)
            .bind(day)
            .bind(after_id)
            .bind(millis(hold_until))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    pub async fn finish_run(&mut self, job: &str, day: &str, now: jiff::Timestamp) -> Result<()> {
        sqlx::query("UPDATE daily_runs SET finished_at = $3 WHERE job = $1 AND day = $2")
            .bind(job)
            .bind(day)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }
}

impl Watchdog<'_, Read> {
    /// Whether `day`'s run of `job` is finished.
    pub async fn run_finished(&mut self, job: &str, day: &str) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT COUNT(*) FROM daily_runs WHERE job = $1 AND day = $2 AND finished_at IS NOT NULL")
                .bind(job)
                .bind(day)
                .fetch_optional(&mut *self.c)
                .await?;
        Ok(found.unwrap_or(0) > 0)
    }
}
