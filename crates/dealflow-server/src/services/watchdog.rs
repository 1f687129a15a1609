//! The next-step watchdog. An open deal is stale when no open activity of it is due within its
//! stage's period for planning the next step (SPEC §9). Once a day a job walks the open deals:
//! it tells the owner of each deal that became stale, and the owner's supervisor about each
//! one that stayed stale for twice the period. Every node looks every minute; one takes the
//! day's run and records how far it got in the same transaction as the marks it made, so a run
//! cut short goes on where it stopped on whichever node looks next, and each deal is weighed
//! once a day.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use dealflow_core::notification::{self, Notification};
use dealflow_core::records::{NotificationRecord, OpportunityRecord};
use dealflow_store::WatchedDeal;
use jiff::{SignedDuration, Timestamp};

use super::Services;
use crate::error::Result;
use crate::new_id;

/// The job's name among the daily runs.
const JOB: &str = "next_step_watchdog";
/// Deals weighed and marked in one transaction.
const BATCH: i64 = 2_000;
/// How long a node holds the day's run without reporting progress before another may take it.
const HOLD: SignedDuration = SignedDuration::from_secs(120);
/// How often a node looks whether today's run is still to do.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Whether a deal on a stage watched for `period` days, with its next step planned at
/// `planned_at` (if any), is stale at `now`.
pub fn is_stale(period: Option<u16>, planned_at: Option<Timestamp>, now: Timestamp) -> bool {
    let Some(days) = period else { return false };
    let horizon = now.saturating_add(SignedDuration::from_hours(24 * i64::from(days))).expect("days within a year");
    planned_at.is_none_or(|at| at > horizon)
}

/// What one look of the watchdog did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchReport {
    /// Whether this node ran the day's job (false: done already, or another node is on it).
    pub ran: bool,
    pub weighed: usize,
    /// Deals that became stale: their owners were told.
    pub marked: usize,
    /// Deals stale for twice their period: their owners' supervisors were told.
    pub escalated: usize,
    /// Deals that have a next step again.
    pub cleared: usize,
}

fn record(notice: Notification, now: Timestamp) -> NotificationRecord {
    NotificationRecord {
        id: new_id(),
        user_id: notice.user_id,
        kind: notice.kind.as_str().to_owned(),
        title: notice.title,
        body: notice.body,
        entity_type: notice.entity_type.as_str().to_owned(),
        entity_id: notice.entity_id,
        created_at: now,
        read_at: None,
    }
}

impl Services {
    /// Which of `deals` are stale now: open, on a watched stage, with nothing planned within
    /// its period. One query for all of them.
    pub async fn stale_among<'d>(&self, deals: impl IntoIterator<Item = &'d OpportunityRecord>) -> Result<HashSet<String>> {
        let catalog = self.stage_catalog().await?;
        let watched: Vec<(&OpportunityRecord, u16)> = deals
            .into_iter()
            .filter(|o| o.closed_at.is_none())
            .filter_map(|o| catalog.get(o.stage.as_str()).and_then(|s| s.next_step_period()).map(|days| (o, days)))
            .collect();
        if watched.is_empty() {
            return Ok(HashSet::new());
        }
        let now = self.clock.now();
        let ids: Vec<String> = watched.iter().map(|(o, _)| o.id.clone()).collect();
        let planned: HashMap<String, Timestamp> =
            self.store.read().await?.opportunities().planned_next(&ids, now).await?.into_iter().collect();
        Ok(watched
            .into_iter()
            .filter(|(o, days)| is_stale(Some(*days), planned.get(&o.id).copied(), now))
            .map(|(o, _)| o.id.clone())
            .collect())
    }

    /// Today's run of the watchdog, unless it is done or another node is on it.
    pub async fn watch_next_steps(&self) -> Result<WatchReport> {
        let now = self.clock.now();
        let zone = self.default_time_zone().await?.1;
        let day = now.to_zoned_datetime(zone).date().to_string();
        let mut report = WatchReport::default();
        let held = |now: Timestamp| now.saturating_add(HOLD).expect("a short hold");
        let Some(mut after) = in_write!(self, |tx| { Ok(tx.watchdog().take_run(JOB, &day, now, held(now)).await?) })? else {
            return Ok(report);
        };
        report.ran = true;
        let catalog = self.stage_catalog().await?;
        loop {
            let batch = self.store.read().await?.watchdog().open_deals_after(&after, now, BATCH).await?;
            let Some(last) = batch.last().map(|d| d.id.clone()) else { break };
            let (stale, fresh): (Vec<&WatchedDeal>, Vec<&WatchedDeal>) =
                batch.iter().partition(|d| is_stale(catalog.get(d.stage.as_str()).and_then(|s| s.next_step_period()), d.planned_at, now));
            let to_mark: Vec<String> = stale.iter().filter(|d| d.stale_since.is_none()).map(|d| d.id.clone()).collect();
            let overdue_for_supervisor = |d: &&&WatchedDeal| {
                let twice = SignedDuration::from_hours(48 * i64::from(d.next_step_days));
                d.stale_escalated_at.is_none()
                    && d.supervisor_id.is_some()
                    && d.stale_since.is_some_and(|since| now.duration_since(since) >= twice)
            };
            let to_escalate: Vec<String> = stale.iter().filter(overdue_for_supervisor).map(|d| d.id.clone()).collect();
            let to_clear: Vec<String> = fresh.iter().filter(|d| d.stale_since.is_some()).map(|d| d.id.clone()).collect();
            let (marked, escalated) = in_write!(self, |tx| {
                let marked = tx.watchdog().mark_stale(&to_mark, now).await?;
                let escalated = tx.watchdog().mark_escalated(&to_escalate, now).await?;
                tx.watchdog().clear_stale(&to_clear).await?;
                let mut notices = Vec::with_capacity(marked.len() + escalated.len());
                for deal in batch.iter().filter(|d| marked.contains(&d.id)) {
                    notices.push(record(notification::opportunity_stale(&deal.owner_id, &deal.id, &deal.title, deal.next_step_days), now));
                }
                for deal in batch.iter().filter(|d| escalated.contains(&d.id)) {
                    let (Some(supervisor), Some(since)) = (&deal.supervisor_id, deal.stale_since) else { continue };
                    let days = now.duration_since(since).as_hours() / 24;
                    notices.push(record(notification::opportunity_stalled(supervisor, &deal.id, &deal.title, &deal.owner_name, days), now));
                }
                tx.notifications().insert_many(&notices).await?;
                tx.watchdog().advance_run(JOB, &day, &last, held(self.clock.now())).await?;
                Ok((marked.len(), escalated.len()))
            })?;
            report.weighed += batch.len();
            report.marked += marked;
            report.escalated += escalated;
            report.cleared += to_clear.len();
            after = last;
        }
        in_write!(self, |tx| {
            tx.watchdog().clear_closed().await?;
            Ok(tx.watchdog().finish_run(JOB, &day, self.clock.now()).await?)
        })?;
        tracing::info!(?report, "next-step watchdog done for {day}");
        Ok(report)
    }

    /// Looks every minute whether today's watchdog is still to run, until the server shuts down.
    pub async fn watch_until_shutdown(&self) {
        let mut shutdown = self.shutting_down();
        loop {
            if let Err(error) = self.watch_next_steps().await {
                tracing::warn!(%error, "the next-step watchdog stopped; it goes on at the next look");
            }
            tokio::select! {
                () = tokio::time::sleep(LOOK_EVERY) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}
