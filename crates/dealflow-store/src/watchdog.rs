//! What the next-step watchdog reads and writes: an owner's open deals weighed against their
//! next step in a few set-wise statements, the marks of staleness, and the daily runs that any
//! node may take over.

use crate::sql::{RowExt, millis};
use crate::{Result, Write};

crate::handle!(
    /// The watchdog's reads and marks, and the bookkeeping of daily runs.
    Watchdog
);

/// A stale deal as a notice names it.
#[derive(Debug, Clone)]
pub struct StaleDeal {
    pub id: String,
    pub title: String,
    pub next_step_days: u16,
    pub since: jiff::Timestamp,
}

/// What the watchdog did to one owner's deals.
#[derive(Debug, Clone, Default)]
pub struct OwnerWatch {
    /// Open deals weighed.
    pub open: i64,
    /// Deals that became stale...
    pub marked: u64,
    /// ...that stayed stale for twice their period...
    pub escalated: u64,
    /// ...and that have a next step again (or no longer need one).
    pub cleared: u64,
}

/// Whether open deal `o` on stage `s` has an open activity due within the stage's period for
/// planning the next step, at `$1` (SPEC §9, the rule `is_stale` in the services also follows).
const PLANNED: &str = "EXISTS (SELECT 1 FROM activities a WHERE a.opportunity_id = o.id AND a.status IN ('not_started', 'in_progress')
    AND COALESCE(a.start_at, a.due_at) >= $1 AND COALESCE(a.start_at, a.due_at) <= $1 + s.next_step_days * 86400000)";

/// A watched stage: open, with a period.
const WATCHED: &str = "s.is_final = 0 AND s.next_step_days > 0";

impl<A> Watchdog<'_, A> {
    /// The first person after `after_id` (by id) who may own deals.
    pub async fn owner_after(&mut self, after_id: &str) -> Result<Option<String>> {
        crate::db::query_scalar("SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT 1").bind(after_id).fetch_optional(&mut *self.c).await
    }

    /// Up to `limit` deals of `owner_id` that the watchdog marked stale at `at` (`escalated`:
    /// found stale for twice their period at `at`), as notices name them.
    pub async fn marked_at(&mut self, owner_id: &str, at: jiff::Timestamp, escalated: bool, limit: i64) -> Result<Vec<StaleDeal>> {
        let column = if escalated { "escalated_at" } else { "since" };
        let sql = format!(
            // The first few found from the marks; only theirs of the deals' wide rows are read.
            "SELECT o.id, o.title, s.next_step_days, first.since FROM (
                 SELECT opportunity_id, since FROM stale_deals WHERE owner_id = $1 AND {column} = $2 ORDER BY opportunity_id LIMIT $3) AS first
             JOIN opportunities o ON o.id = first.opportunity_id JOIN opportunity_stages s ON s.code = o.stage ORDER BY o.id"
        );
        let rows = crate::db::query(sql).bind(owner_id).bind(millis(at)).bind(limit).fetch_all(&mut *self.c).await?;
        rows.iter()
            .map(|row| {
                Ok(StaleDeal {
                    id: row.text("id")?,
                    title: row.text("title")?,
                    next_step_days: row.number("next_step_days")?,
                    since: row.at("since")?,
                })
            })
            .collect()
    }
}

impl Watchdog<'_, Write> {
    /// Weighs every open deal of `owner_id` at `now`: forgets the marks of those with a next
    /// step again, records those stale for twice their period, and marks those newly stale.
    pub async fn watch_owner(&mut self, owner_id: &str, now: jiff::Timestamp) -> Result<OwnerWatch> {
        let now = millis(now);
        let c = &mut *self.c;
        let open: i64 = crate::db::query_scalar("SELECT COUNT(*) FROM opportunities WHERE owner_id = $1 AND closed_at IS NULL")
            .bind(owner_id)
            .fetch_one(&mut *c)
            .await?;
        // The owner's marks are one range of their table and their open deals one of an index;
        // each deal's activities are looked at once: here those of the deals with a next step...
        let cleared = crate::db::query(format!(
            "DELETE FROM stale_deals WHERE owner_id = $2 AND (
                 opportunity_id NOT IN (SELECT o.id FROM opportunities o WHERE o.owner_id = $2 AND o.closed_at IS NULL)
                 OR opportunity_id IN (SELECT o.id FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage
                     WHERE o.owner_id = $2 AND o.closed_at IS NULL AND (NOT ({WATCHED}) OR {PLANNED})))"
        ))
        .bind(now)
        .bind(owner_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
        // No period is shorter than a day: a mark younger than two days is not looked into.
        let escalated = crate::db::query(
            "UPDATE stale_deals SET escalated_at = $1 WHERE owner_id = $2 AND escalated_at IS NULL AND since <= $1 - 2 * 86400000
                 AND since <= $1 - 2 * 86400000 * (
                     SELECT s.next_step_days FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE o.id = stale_deals.opportunity_id)",
        )
        .bind(now)
        .bind(owner_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
        // ...and here those of the unmarked ones. `WHERE` tells SQLite that `ON CONFLICT` is not a join's `ON`.
        let marked = crate::db::query(format!(
            "INSERT INTO stale_deals (owner_id, opportunity_id, since)
             SELECT o.owner_id, o.id, $1 FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage
                 LEFT JOIN stale_deals d ON d.owner_id = o.owner_id AND d.opportunity_id = o.id
             WHERE o.owner_id = $2 AND o.closed_at IS NULL AND d.opportunity_id IS NULL AND {WATCHED} AND NOT {PLANNED}
             ON CONFLICT (owner_id, opportunity_id) DO NOTHING"
        ))
        .bind(now)
        .bind(owner_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
        Ok(OwnerWatch { open, marked, escalated, cleared })
    }

    /// Takes `day`'s run of `job` until `hold_until`, unless it is finished or another node
    /// holds it: answers the id after which to go on.
    pub async fn take_run(&mut self, job: &str, day: &str, now: jiff::Timestamp, hold_until: jiff::Timestamp) -> Result<Option<String>> {
        crate::db::query(
            "INSERT INTO daily_runs (job, day, after_id, held_until) VALUES ($1, $2, '', 0) ON CONFLICT (job, day) DO NOTHING",
        )
        .bind(job)
        .bind(day)
        .execute(&mut *self.c)
        .await?;
        let row = crate::db::query(
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
        crate::db::query("UPDATE daily_runs SET after_id = $3, held_until = $4 WHERE job = $1 AND day = $2")
            .bind(job)
            .bind(day)
            .bind(after_id)
            .bind(millis(hold_until))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    pub async fn finish_run(&mut self, job: &str, day: &str, now: jiff::Timestamp) -> Result<()> {
        crate::db::query("UPDATE daily_runs SET finished_at = $3 WHERE job = $1 AND day = $2")
            .bind(job)
            .bind(day)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }
}
