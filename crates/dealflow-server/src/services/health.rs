//! Deal health (SPEC §9): every open deal assessed from named factors, each with its effect —
//! days on the stage against the team's median for it, the next step, overdue activities, the
//! expected close date, the current stage's exit criteria, BANT. Pages and the API show the live
//! assessment; the level is also stored, for the lists' filter and the analytics: for the deals a
//! command touched within seconds (in batches, off the command's path), for all once a day.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dealflow_core::Money;
use dealflow_core::engine::ActivityStatus;
use dealflow_core::health::{self, Health, HealthInputs, HealthLevel};
use dealflow_core::records::OpportunityRecord;

use super::watchdog::is_stale;
use super::{AnalyticsQuery, Services};
use crate::access::Actor;
use crate::error::Result;

/// The daily job's name among the daily runs.
const JOB: &str = "deal_health";
/// How many of a stage's latest departures its median is taken from…
const DEPARTURES_PER_STAGE: i64 = 200;
/// …and for how long the medians are used before they are read again.
const MEDIANS_FRESH: Duration = Duration::from_secs(600);
/// How often the deals touched since are reassessed.
const REASSESS_EVERY: Duration = Duration::from_secs(2);
/// Deals assessed in one go (their ids are bound in a few statements' lists).
const ASSESSED_AT_ONCE: usize = 1000;
const DAY_HOURS: i64 = 24;

/// The team's median whole days on each stage, by stage code.
type StageMedians = Arc<HashMap<String, i64>>;

/// The medians as last read and when, and the deals waiting to be reassessed.
#[derive(Default)]
pub(super) struct HealthState {
    medians: Mutex<Option<(Instant, StageMedians)>>,
    pending: Mutex<HashSet<String>>,
}

/// Open deals of one health level, as last assessed (`None`: not assessed yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthShare {
    pub level: Option<HealthLevel>,
    pub count: i64,
    pub amount: Money,
}

/// What the daily assessment did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// Whether this node ran the day's job (false: done already, or another node is on it).
    pub ran: bool,
    pub assessed: usize,
    /// Deals whose stored level changed.
    pub changed: usize,
}

impl Services {
    /// Per open stage, the median whole days the team's deals spent on it lately (stages left
    /// too seldom have none).
    async fn stage_medians(&self) -> Result<StageMedians> {
        if let Some((read_at, medians)) = &*self.health.medians.lock().expect("medians lock")
            && read_at.elapsed() < MEDIANS_FRESH
        {
            return Ok(medians.clone());
        }
        let catalog = self.stage_catalog().await?;
        let mut conn = self.store.read().await?;
        let mut medians = HashMap::new();
        for stage in catalog.all().iter().filter(|s| !s.is_final) {
            let spent = conn.opportunities().recent_stage_times(stage.code.as_str(), DEPARTURES_PER_STAGE).await?;
            if let Some(days) = health::median_days(spent) {
                medians.insert(stage.code.as_str().to_owned(), days);
            }
        }
        let medians = Arc::new(medians);
        *self.health.medians.lock().expect("medians lock") = Some((Instant::now(), medians.clone()));
        Ok(medians)
    }

    /// The health of each open deal among `deals`, in a few queries for all of them.
    pub async fn health_among<'d>(&self, deals: impl IntoIterator<Item = &'d OpportunityRecord>) -> Result<HashMap<String, Health>> {
        let open: Vec<&OpportunityRecord> = deals.into_iter().filter(|o| o.closed_at.is_none()).collect();
        if open.is_empty() {
            return Ok(HashMap::new());
        }
        let catalog = self.stage_catalog().await?;
        let medians = self.stage_medians().await?;
        let now = self.clock.now();
        let today = now.to_zoned_datetime(self.default_time_zone().await?.1).date().to_string();
        let ids: Vec<String> = open.iter().map(|o| o.id.clone()).collect();
        let mut conn = self.store.read().await?;
        let entered: HashMap<String, jiff::Timestamp> = conn.opportunities().stage_entered(&ids).await?.into_iter().collect();
        let planned: HashMap<String, jiff::Timestamp> = conn.opportunities().next_activity(&ids, Some(now)).await?.into_iter().collect();
        let overdue: HashMap<String, u32> = conn.opportunities().overdue_counts(&ids, now).await?.into_iter().collect();
        let instances = conn.processes().running_instances(&ids).await?;
        drop(conn);
        let by_id: HashMap<&str, &OpportunityRecord> = open.iter().map(|o| (o.id.as_str(), *o)).collect();
        // The current stage's exit criteria, where a running process gives it any: (all, unmet).
        let mut criteria: HashMap<String, (usize, usize)> = HashMap::new();
        for instance in instances {
            let Some(deal) = by_id.get(instance.opportunity_id.as_str()) else { continue };
            let definition = self.definition(&instance.process_code, instance.process_version).await?;
            let Some(stage) = definition.stage(deal.stage.as_str()).filter(|s| !s.exit_criteria.is_empty()) else { continue };
            let activities = self.store.read().await?.activities().of_instance(&instance.id).await?;
            let ended = |step: &str, result: &str| {
                activities.iter().any(|a| {
                    a.status == ActivityStatus::Completed && a.step.as_deref() == Some(step) && a.result.as_deref() == Some(result)
                })
            };
            let facts = deal.facts();
            let unmet = stage.exit_criteria.iter().filter(|c| !facts.meet(c, &ended)).count();
            criteria.insert(deal.id.clone(), (stage.exit_criteria.len(), unmet));
        }
        Ok(open
            .into_iter()
            .map(|o| {
                let period = catalog.get(o.stage.as_str()).and_then(|s| s.next_step_period());
                let inputs = HealthInputs {
                    days_on_stage: entered.get(&o.id).map(|at| now.duration_since(*at).as_hours() / DAY_HOURS),
                    stage_median_days: medians.get(o.stage.as_str()).copied(),
                    next_step_days: period,
                    next_step_planned: !is_stale(period, planned.get(&o.id).copied(), now),
                    overdue: overdue.get(&o.id).copied().unwrap_or(0),
                    close_date_past: o.close_date.as_deref().is_some_and(|day| day < today.as_str()),
                    close_date_pushes: o.close_date_pushes,
                    exit_criteria: criteria.get(&o.id).copied(),
                    facts: o.facts(),
                };
                (o.id.clone(), health::assess(&inputs))
            })
            .collect())
    }

    /// Stores the level of each of `deals` that is open, unless `stored` (the levels last
    /// stored, by deal, where known) says it is that already; answers how many levels changed.
    async fn store_levels(&self, deals: &[OpportunityRecord], stored: &HashMap<&str, &str>) -> Result<u64> {
        let assessed = self.health_among(deals).await?;
        let mut by_level: HashMap<HealthLevel, Vec<String>> = HashMap::new();
        for (id, health) in assessed {
            if stored.get(id.as_str()) != Some(&health.level.as_str()) {
                by_level.entry(health.level).or_default().push(id);
            }
        }
        if by_level.is_empty() {
            return Ok(0);
        }
        in_write!(self, |tx| {
            let mut changed = 0;
            for (level, ids) in &by_level {
                changed += tx.opportunities().set_health(level.as_str(), ids).await?;
            }
            Ok(changed)
        })
    }

    /// Marks a deal a command changed, to have its stored level reassessed shortly.
    pub(super) fn reassess_later(&self, opportunity_id: &str) {
        self.health.pending.lock().expect("pending lock").insert(opportunity_id.to_owned());
    }

    /// Reassesses the deals commands touched since the last time; answers how many.
    pub async fn reassess_touched(&self) -> Result<usize> {
        let ids: Vec<String> = std::mem::take(&mut *self.health.pending.lock().expect("pending lock")).into_iter().collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let stored = async {
            for batch in ids.chunks(ASSESSED_AT_ONCE) {
                let deals = self.store.read().await?.opportunities().of_ids(batch).await?;
                self.store_levels(&deals, &HashMap::new()).await?;
            }
            Ok::<_, crate::ServiceError>(())
        };
        if let Err(error) = stored.await {
            // Tried again at the next look.
            self.health.pending.lock().expect("pending lock").extend(ids);
            return Err(error);
        }
        Ok(ids.len())
    }

    /// Reassesses the deals commands touched every two seconds, until the server shuts down.
    pub async fn reassess_until_shutdown(&self) {
        self.every_until_shutdown(REASSESS_EVERY, "reassessing deal health", || self.reassess_touched()).await;
    }

    /// Today's assessment of every open deal, owner by owner, unless it is done or another
    /// node is on it (the daily runs the watchdog takes too).
    pub async fn assess_health(&self) -> Result<HealthReport> {
        let now = self.clock.now();
        let day = now.to_zoned_datetime(self.default_time_zone().await?.1).date().to_string();
        let held = |now: jiff::Timestamp| now.saturating_add(super::watchdog::HOLD).expect("a short hold");
        let mut report = HealthReport::default();
        let Some(mut after) = in_write!(self, |tx| { Ok(tx.watchdog().take_run(JOB, &day, now, held(now)).await?) })? else {
            return Ok(report);
        };
        report.ran = true;
        let began = Instant::now();
        // The day's assessment weighs against the medians of today.
        *self.health.medians.lock().expect("medians lock") = None;
        while let Some(owner_id) = self.store.read().await?.watchdog().owner_after(&after).await? {
            let (deals, stored): (Vec<OpportunityRecord>, Vec<Option<String>>) =
                self.store.read().await?.opportunities().open_of_owner(&owner_id).await?.into_iter().unzip();
            for (batch, levels) in deals.chunks(ASSESSED_AT_ONCE).zip(stored.chunks(ASSESSED_AT_ONCE)) {
                // Only the levels that change are written: most days, few.
                let known = batch.iter().zip(levels).filter_map(|(o, level)| Some((o.id.as_str(), level.as_deref()?))).collect();
                report.changed += usize::try_from(self.store_levels(batch, &known).await?).unwrap_or_default();
            }
            report.assessed += deals.len();
            in_write!(self, |tx| { Ok(tx.watchdog().advance_run(JOB, &day, &owner_id, held(self.clock.now())).await?) })?;
            after = owner_id;
        }
        in_write!(self, |tx| { Ok(tx.watchdog().finish_run(JOB, &day, self.clock.now()).await?) })?;
        tracing::info!(?report, seconds = began.elapsed().as_secs_f64(), "deal health assessed for {day}");
        Ok(report)
    }

    /// The open pipeline of the query's scope (its period aside) by the level its deals were
    /// last assessed at: per level (`None`: not assessed yet, only when there are such) how many
    /// deals and their amount.
    pub async fn pipeline_by_health(&self, actor: &Actor, query: &AnalyticsQuery) -> Result<Vec<HealthShare>> {
        let scope = self.analytics_scope(actor, query.team.as_deref()).await?;
        let rows = self.store.read().await?.opportunities().open_by_health(scope.owners(), query.owner_id.as_deref()).await?;
        let share = |level: Option<HealthLevel>| {
            let found = rows.iter().find(|(stored, ..)| stored.as_deref().and_then(HealthLevel::parse) == level);
            HealthShare { level, count: found.map_or(0, |r| r.1), amount: Money::from_minor_units(found.map_or(0, |r| r.2)) }
        };
        let mut shares: Vec<HealthShare> = HealthLevel::ALL.into_iter().map(|level| share(Some(level))).collect();
        let unassessed = share(None);
        if unassessed.count > 0 {
            shares.push(unassessed);
        }
        Ok(shares)
    }
}
