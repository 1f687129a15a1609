//! The next-step watchdog. An open deal is stale when no open activity of it is due within its
//! stage's period for planning the next step (SPEC §9). Once a day a job walks the open deals
//! owner by owner: it tells each owner about their deals that became stale, and the owner's
//! supervisor about those that stayed stale for twice the period (one notice per deal, or one
//! for many). Every node looks every minute; one takes the day's run, and an owner's marks,
//! notices and the run's progress commit together, so a run cut short goes on with the next
//! owner on whichever node looks next, and each deal is weighed once a day.

use std::time::Duration;

use dealflow_core::notification::{self, Notification};
use dealflow_core::records::NotificationRecord;
use dealflow_store::StaleDeal;
use jiff::{SignedDuration, Timestamp};

use super::Services;
use crate::error::Result;
use crate::new_id;

/// The job's name among the daily runs.
const JOB: &str = "next_step_watchdog";
/// How long a node holds the day's run without reporting progress before another may take it.
pub(super) const HOLD: SignedDuration = SignedDuration::from_secs(120);
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

/// Up to this many deals of one run, a person gets a notice for each; beyond, one for all of
/// them that names this many.
const NAMED_IN_SUMMARY: usize = 3;

/// What an owner is told about `count` deals of theirs that went stale; `named` describes the
/// first of them.
fn owner_notices(owner_id: &String, count: u64, named: &[StaleDeal]) -> Vec<Notification> {
    if count > NAMED_IN_SUMMARY as u64 {
        let titles: Vec<String> = named.iter().take(NAMED_IN_SUMMARY).map(|d| d.title.clone()).collect();
        return vec![notification::opportunities_stale(owner_id, count, &titles)];
    }
    named.iter().map(|d| notification::opportunity_stale(owner_id, &d.id, &d.title, d.next_step_days)).collect()
}

/// What a supervisor is told about `count` deals of the manager `manager` that stayed stale for
/// twice their period.
fn supervisor_notices(supervisor_id: &String, manager: &str, count: u64, named: &[StaleDeal], now: Timestamp) -> Vec<Notification> {
    if count > NAMED_IN_SUMMARY as u64 {
        let titles: Vec<String> = named.iter().take(NAMED_IN_SUMMARY).map(|d| d.title.clone()).collect();
        return vec![notification::opportunities_stalled(supervisor_id, manager, count, &titles)];
    }
    named
        .iter()
        .map(|d| notification::opportunity_stalled(supervisor_id, &d.id, &d.title, manager, now.duration_since(d.since).as_hours() / 24))
        .collect()
}

impl Services {
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
        let began = std::time::Instant::now();
        // Owner by owner: an owner's marks, the notices about them and how far the run got are
        // one transaction, so a run cut short goes on with the next owner and tells nobody twice.
        while let Some(owner_id) = self.store.read().await?.watchdog().owner_after(&after).await? {
            let watched = in_write!(self, |tx| {
                let watched = tx.watchdog().watch_owner(&owner_id, now).await?;
                let mut notices = Vec::new();
                let named = NAMED_IN_SUMMARY as i64 + 1;
                if watched.marked > 0 {
                    let deals = tx.watchdog().marked_at(&owner_id, now, false, named).await?;
                    notices.extend(owner_notices(&owner_id, watched.marked, &deals));
                }
                if watched.escalated > 0 {
                    let deals = tx.watchdog().marked_at(&owner_id, now, true, named).await?;
                    let owner = tx.users().get(&owner_id).await?;
                    if let Some(supervisor) = &owner.supervisor_id {
                        notices.extend(supervisor_notices(supervisor, &owner.name, watched.escalated, &deals, now));
                    }
                }
                let records: Vec<NotificationRecord> = notices.iter().map(|n| NotificationRecord::unread(new_id(), n, now)).collect();
                tx.notifications().insert_many(&records).await?;
                tx.watchdog().advance_run(JOB, &day, &owner_id, held(self.clock.now())).await?;
                Ok(watched)
            })?;
            report.weighed += usize::try_from(watched.open).unwrap_or_default();
            report.marked += usize::try_from(watched.marked).unwrap_or_default();
            report.escalated += usize::try_from(watched.escalated).unwrap_or_default();
            report.cleared += usize::try_from(watched.cleared).unwrap_or_default();
            after = owner_id;
        }
        in_write!(self, |tx| { Ok(tx.watchdog().finish_run(JOB, &day, self.clock.now()).await?) })?;
        tracing::info!(?report, seconds = began.elapsed().as_secs_f64(), "next-step watchdog done for {day}");
        Ok(report)
    }

    /// Looks every minute whether today's watchdog, and after it today's assessment of deal
    /// health, are still to run, until the server shuts down.
    pub async fn watch_until_shutdown(&self) {
        let daily = || async {
            self.watch_next_steps().await?;
            self.assess_health().await
        };
        self.every_until_shutdown(LOOK_EVERY, "the daily jobs", daily).await;
    }
}
