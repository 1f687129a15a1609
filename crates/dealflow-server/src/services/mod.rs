//! Services: everything the web app and the API do goes through here. Every method takes the
//! [`Actor`] it acts for and answers only what that actor may see: reads apply the access policy
//! in their queries; commands check it inside their write transaction, where they also load what
//! the engine needs, run it, persist its effects and commit — all or nothing (R13). The store is
//! private to this module: the front ends never reach it.

/// Runs the block in a write transaction (`tx` names it), commits, and tries the whole block
/// again on passing conflicts (busy SQLite, PostgreSQL deadlock or serialization failure).
/// Inside a keyed API request the transaction is held for the API to commit with its answer
/// (`held`). A macro rather than a closure-taking function so that the futures stay `Send`.
macro_rules! in_write {
    ($services:expr, |$tx:ident| $body:block) => {{
        let mut tries = 0usize;
        loop {
            tries += 1;
            let (mut transaction, continued) = match $crate::services::held::take() {
                Some(open) => (open, true),
                None => ($services.store.begin_write().await?, false),
            };
            let result: $crate::error::Result<_> = {
                let $tx = &mut transaction;
                async { $body }.await
            };
            match $crate::services::settle(transaction, result, tries, continued).await {
                $crate::services::Settled::Done(result) => break result,
                $crate::services::Settled::Retry => continue,
            }
        }
    }};
}

mod activities;
mod analytics;
mod auth;
mod bootstrap;
mod calendar;
mod customers;
pub mod demo;
mod header;
mod health;
pub mod held;
mod import_batch;
mod imports;
mod keyed;
mod knowledge;
mod leads;
mod library;
mod live;
mod lookups;
mod notes;
mod notifications;
mod opportunities;
mod process;
mod references;
mod reminders;
mod search;
pub mod users;
mod watchdog;
mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dealflow_core::definition::WorkCalendar;
use dealflow_core::engine::{self, ActivityState, Command, Context, Effect, InstanceState, OpportunityState, ProcessLink, State};
use dealflow_core::notification::{self, ClosedDeal, NotificationKind};
use dealflow_core::records::{ActivityRecord, InstanceRecord, OpportunityRecord, UserRecord};
use dealflow_core::stage::Stage;
use dealflow_core::{LocalizedText, ProcessDefinition, StageCatalog};
use dealflow_store::{CommandContext, Stages, Store, WriteTx};

pub use activities::{ActivityChanges, ActivityPage, MAX_DURATION_MINUTES, NewActivity, SCHEDULE_PAGE_ROWS, ScheduleEntry, ScheduleOf};
pub use analytics::{Analysis, AnalyticsQuery, TREND_MONTHS, TeamFigures};
pub use bootstrap::{Bootstrap, FirstAdmin, shipped_definition};
pub use calendar::{CalendarEntry, CalendarEvents, CalendarFeed, CalendarOf, FEED_MOST_EVENTS};
pub use customers::{AccountFields, ContactFields, CustomerPage};
pub use dealflow_store::ImportRecord;
/// Words shorter than this find only names that start with them.
pub use dealflow_store::SHORTEST_WORD as SHORTEST_SEARCH_WORD;
/// The filters of the lists, as the store takes them.
pub use dealflow_store::{AccountSort, ActivityFilter, ContactSort, LeadSort, OpportunityFilter, OpportunitySort, SortColumn, Sorted};
pub use dealflow_store::{DeliveryRecord, OutboxEvent, WebhookEndpointRecord};
pub use header::Header;
pub use health::{HealthReport, HealthShare};
pub use imports::{
    ImportChanges, ImportCounts, ImportPreview, ImportProblem, MAX_FILE_BYTES, NewImport, PROBLEMS_PAGE, Pass, RejectedRows, Tally,
};
pub use keyed::{KeyedAnswer, Remembered};
pub use knowledge::ArticleFields;
pub use leads::{HANDOFF_PROCESS, LeadChanges, LeadPage, NewLead};
pub use library::ProcessPage;
pub use lookups::{NewLookupRow, NewStage, ReasonKind, StageChanges};
pub use opportunities::{
    Board, BoardColumn, BoardFilter, NewOpportunity, OpportunityChanges, OpportunityList, OpportunityPage, OpportunityView,
};
pub use process::{CloseInput, ClosingFigures, StagePreview, Started, fill_in_hint};
pub use reminders::REMINDER_CHOICES;
pub use search::{MAX_SEARCH_LIMIT, MAX_SEARCH_TEXT, SearchItem, SearchKind};
pub use users::{NewUser, UserChanges};
pub use watchdog::{WatchReport, is_stale};
pub use webhooks::{EVENT_TYPES, EndpointFields, payload, signature};

use crate::access::Actor;
use crate::clock::Clock;
use crate::error::{Result, ServiceError};
use crate::metrics::Metrics;
use crate::new_id;

/// Published definition versions never change, so they are cached by (code, version).
type DefinitionCache = Mutex<HashMap<(String, u32), Arc<ProcessDefinition>>>;

/// The stage lookup as last read, with the stamp it was read at.
type CatalogCache = Mutex<Option<(i64, Arc<StageCatalog>)>>;

/// The setting `default_time_zone` as last read and when: every request of someone without a
/// zone of their own needs it. Changed here, it is read again at once; changed on another node,
/// within [`ZONE_FRESHNESS`].
type ZoneCache = Mutex<Option<(std::time::Instant, String, jiff::tz::TimeZone)>>;

const ZONE_FRESHNESS: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `here` on the caller's task and `there` on a thread beside it, for a page whose reads
/// split in two, and answers both (an error of either is the answer). A SQLite read runs on the
/// thread of the task that asks for it, and a task spawned the usual way waits in the caller's
/// own queue (tokio's next-task slot, which other threads do not take from) until the caller
/// yields: traced, a team's week read its seven days one after another. A blocking-pool thread
/// driving `there` runs it at once.
async fn alongside<T, U, E>(
    here: impl Future<Output = std::result::Result<T, E>>,
    there: impl Future<Output = std::result::Result<U, E>> + Send + 'static,
) -> std::result::Result<(T, U), E>
where
    U: Send + 'static,
    E: From<dealflow_store::StoreError> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let there = tokio::task::spawn_blocking(move || runtime.block_on(there));
    let here = here.await;
    let there = there.await.map_err(|e| dealflow_store::StoreError::Other(e.to_string()))?;
    Ok((here?, there?))
}

#[derive(Clone)]
pub struct Services {
    store: Store,
    clock: Clock,
    definitions: Arc<DefinitionCache>,
    catalog: Arc<CatalogCache>,
    default_zone: Arc<ZoneCache>,
    live: live::Live,
    metrics: Metrics,
    health: Arc<health::HealthState>,
    /// The HTTP client webhook deliveries go out through, made on first use.
    webhook_client: Arc<std::sync::OnceLock<reqwest::Client>>,
    /// Woken when an import is started, so the worker need not wait for its next look.
    imports_waiting: Arc<tokio::sync::Notify>,
}

/// How often a command is tried again when the database reports a passing conflict.
const ATTEMPTS: usize = 5;

impl Services {
    pub fn new(store: Store, clock: Clock) -> Services {
        crate::install_tls();
        Services {
            store,
            clock,
            definitions: Arc::default(),
            catalog: Arc::default(),
            default_zone: Arc::default(),
            live: live::Live::default(),
            metrics: Metrics::default(),
            health: Arc::default(),
            webhook_client: Arc::default(),
            imports_waiting: Arc::default(),
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The counters the HTTP layer adds its requests to and the services their commands.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// For `/readyz`: the database answers.
    pub async fn ready(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// The actor for a signed-in user: a supervisor's team is read once, here.
    pub async fn actor(&self, user: UserRecord) -> Result<Actor> {
        let team = match user.role {
            dealflow_core::records::Role::Supervisor => self.store.read().await?.users().team_of(&user.id).await?,
            _ => Vec::new(),
        };
        let zone = match user.time_zone.as_deref().and_then(|name| jiff::tz::TimeZone::get(name).ok()) {
            Some(zone) => zone,
            None => self.default_time_zone().await?.1,
        };
        Ok(Actor::new(user, team, zone))
    }

    fn cached_definition(&self, code: &str, version: u32) -> Option<Arc<ProcessDefinition>> {
        self.definitions.lock().expect("definition cache lock").get(&(code.to_owned(), version)).cloned()
    }

    fn remember_definition(&self, definition: ProcessDefinition) -> Arc<ProcessDefinition> {
        let definition = Arc::new(definition);
        let key = (definition.code.clone(), definition.version);
        self.definitions.lock().expect("definition cache lock").insert(key, definition.clone());
        definition
    }

    /// A definition at an exact version, from the cache or the library, inside a command.
    async fn definition_in(&self, tx: &mut WriteTx, code: &str, version: u32) -> Result<Arc<ProcessDefinition>> {
        match self.cached_definition(code, version) {
            Some(found) => Ok(found),
            None => Ok(self.remember_definition(tx.processes().version(code, version).await?)),
        }
    }

    /// A definition at an exact version, for reading (the action panel, the activity page).
    async fn definition(&self, code: &str, version: u32) -> Result<Arc<ProcessDefinition>> {
        match self.cached_definition(code, version) {
            Some(found) => Ok(found),
            None => Ok(self.remember_definition(self.store.read().await?.processes().version(code, version).await?)),
        }
    }

    /// The heart of every process command, inside a write transaction: load the engine's state,
    /// run the command, persist the effects. `opportunity` is locked and checked by the caller;
    /// `closing` holds the figures a command that closes the deal is given. Answers the
    /// opportunity as the command left it.
    async fn run_command(
        &self,
        tx: &mut WriteTx,
        opportunity: OpportunityRecord,
        target_activity: Option<&str>,
        start_with: Option<Arc<ProcessDefinition>>,
        command: Command,
        closing: &ClosingFigures,
    ) -> Result<OpportunityRecord> {
        let now = self.clock.now();
        self.metrics.record_command(command.name());
        // Reassessing a deal whose command rolls back after all does no harm.
        self.reassess_later(&opportunity.id);
        let (state, effects) = self.decide(tx, &opportunity, target_activity, start_with, command, closing).await?;
        let mut notification_id = new_id;
        let changed = tx.apply_effects(&state.opportunity, &effects, now, &mut notification_id).await?;
        // Most commands (a completion that does not end the stage) leave the row as it was.
        let opportunity = if changed { tx.opportunities().get(&opportunity.id).await? } else { opportunity };
        self.after_close(tx, &opportunity, &effects).await?;
        webhooks::record_effects(tx, &opportunity, &effects, closing, now).await?;
        Ok(opportunity)
    }

    /// What a command would do, decided by the engine and addressed to the people it tells, with
    /// nothing written: [`Services::run_command`] persists exactly this, and a preview shows it.
    async fn decide(
        &self,
        tx: &mut WriteTx,
        opportunity: &OpportunityRecord,
        target_activity: Option<&str>,
        start_with: Option<Arc<ProcessDefinition>>,
        command: Command,
        closing: &ClosingFigures,
    ) -> Result<(State, Vec<Effect>)> {
        let now = self.clock.now();
        let acting = command.acting_user().cloned();
        let context = tx.opportunities().command_context(&opportunity.owner_id, &opportunity.id).await?;
        let calendar = work_calendar(&context);
        let stages = self.catalog_at(tx.stages(), context.catalog_stamp).await?;
        let state = self.load_state(tx, opportunity, context, target_activity).await?;
        let definition = match (&start_with, state.running_instance()) {
            (Some(definition), _) => Some(definition.clone()),
            (None, Some(instance)) => Some(self.definition_in(tx, &instance.process_code, instance.process_version).await?),
            (None, None) => None,
        };
        let (state, effects) = {
            let mut make_id = new_id;
            let mut context =
                Context { stages: &stages, definition: definition.as_deref(), now, calendar: &calendar, new_id: &mut make_id };
            engine::run_owned(&mut context, state, command)?
        };
        let closed_at = stages.get(state.opportunity.stage.as_str());
        let effects = self.addressed(tx, acting.as_deref(), opportunity, closed_at, effects, closing).await?;
        Ok((state, effects))
    }

    /// The engine's notices as people get them: none to the person who acted, and the won or
    /// lost notice with the manager, the amount and the reason.
    async fn addressed(
        &self,
        tx: &mut WriteTx,
        acting: Option<&str>,
        opportunity: &OpportunityRecord,
        closed_at: Option<&Stage>,
        effects: Vec<Effect>,
        closing: &ClosingFigures,
    ) -> Result<Vec<Effect>> {
        let mut addressed = Vec::with_capacity(effects.len());
        for effect in effects {
            match effect {
                Effect::Notify(notice) if acting == Some(notice.user_id.as_str()) => {}
                Effect::Notify(notice) if matches!(notice.kind, NotificationKind::OpportunityWon | NotificationKind::OpportunityLost) => {
                    let won = notice.kind == NotificationKind::OpportunityWon;
                    let Some(stage) = closed_at else {
                        addressed.push(Effect::Notify(notice));
                        continue;
                    };
                    let manager = tx.users().get(&opportunity.owner_id).await?.name;
                    let amount = if won { closing.actual_revenue.or(opportunity.amount) } else { opportunity.amount };
                    let currency = tx.settings().get("currency").await?.and_then(|v| v.as_str().map(str::to_owned));
                    let reason = match &closing.close_reason {
                        None => None,
                        Some(code) => {
                            let reasons = if won { tx.won_reasons().list().await? } else { tx.lost_reasons().list().await? };
                            Some(
                                reasons
                                    .into_iter()
                                    .find(|r| &r.code == code)
                                    .map(|r| r.name)
                                    .unwrap_or_else(|| LocalizedText::same(code.clone())),
                            )
                        }
                    };
                    let deal = ClosedDeal { manager, amount: amount.map(|a| (a, currency.unwrap_or_else(|| "RUB".into()))), reason };
                    let detailed =
                        notification::opportunity_closed_for(&notice.user_id, &notice.entity_id, &opportunity.title, stage, &deal);
                    addressed.push(Effect::Notify(detailed));
                }
                other => addressed.push(other),
            }
        }
        Ok(addressed)
    }

    async fn load_state(
        &self,
        tx: &mut WriteTx,
        opportunity: &OpportunityRecord,
        context: CommandContext,
        target_activity: Option<&str>,
    ) -> Result<State> {
        let instance = tx.processes().running_instance(&opportunity.id).await?;
        let mut records = match &instance {
            Some(instance) => tx.activities().of_instance(&instance.id).await?,
            None => Vec::new(),
        };
        if let Some(id) = target_activity
            && !records.iter().any(|a| a.id == id)
        {
            records.push(tx.activities().get(id).await?);
        }
        Ok(engine_state(opportunity, context.history_len, context.supervisor_id, instance, records))
    }

    /// The stage lookup, current as of now. Everyone signed in may read it.
    pub async fn stage_catalog(&self) -> Result<Arc<StageCatalog>> {
        let mut conn = self.store.read().await?;
        let stamp = conn.stages().stamp().await?;
        self.catalog_at(conn.stages(), stamp).await
    }

    /// The stage lookup at `stamp`: the one in memory when it was read at that stamp, else read
    /// again (it changes seldom, and every command needs it).
    async fn catalog_at<A>(&self, mut stages: Stages<'_, A>, stamp: i64) -> Result<Arc<StageCatalog>> {
        if let Some((cached, catalog)) = &*self.catalog.lock().expect("stage catalog lock")
            && *cached == stamp
        {
            return Ok(catalog.clone());
        }
        let catalog = Arc::new(stages.catalog().await?);
        *self.catalog.lock().expect("stage catalog lock") = Some((stamp, catalog.clone()));
        Ok(catalog)
    }
}

/// The working days in the owner's zone (else the installation's): what due offsets count on.
fn work_calendar(context: &dealflow_store::CommandContext) -> WorkCalendar {
    let setting = |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    let default_zone = setting(&context.default_zone).and_then(|v| v.as_str().map(str::to_owned));
    let zone = [context.owner_zone.clone(), default_zone, Some(users::DEFAULT_TIME_ZONE.to_owned())]
        .into_iter()
        .flatten()
        .find_map(|name| jiff::tz::TimeZone::get(&name).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let days = setting(&context.working_days).and_then(|v| dealflow_core::check::weekdays(&v).ok()).unwrap_or_else(|| vec![1, 2, 3, 4, 5]);
    WorkCalendar::new(&days, zone)
}

pub(crate) enum Settled<T> {
    Done(Result<T>),
    Retry,
}

/// Ends one attempt of `in_write!`: commit on success (or hold the transaction for a keyed
/// request), roll back on failure, and say whether the failure is worth another try. A
/// transaction `continued` from an earlier write of the request is never tried again alone.
pub(crate) async fn settle<T>(tx: WriteTx, result: Result<T>, tries: usize, continued: bool) -> Settled<T> {
    let failure = match result {
        Ok(value) => match held::keep(tx) {
            Ok(()) => return Settled::Done(Ok(value)),
            Err(tx) => match tx.commit().await {
                Ok(()) => return Settled::Done(Ok(value)),
                Err(e) => e,
            },
        },
        Err(ServiceError::Store(e)) => {
            tx.rollback().await.ok();
            e
        }
        Err(other) => {
            tx.rollback().await.ok();
            return Settled::Done(Err(other));
        }
    };
    if continued || tries >= ATTEMPTS || !failure.is_retryable() {
        return Settled::Done(Err(failure.into()));
    }
    tokio::time::sleep(std::time::Duration::from_millis(5 * tries as u64)).await;
    Settled::Retry
}

/// What the engine decides a command on: the opportunity, its running instance and that
/// instance's activities.
fn engine_state(
    opportunity: &OpportunityRecord,
    history_len: u32,
    supervisor_id: Option<String>,
    instance: Option<InstanceRecord>,
    activities: Vec<ActivityRecord>,
) -> State {
    State {
        opportunity: OpportunityState {
            id: opportunity.id.clone(),
            title: opportunity.title.clone(),
            stage: opportunity.stage.clone(),
            owner_id: opportunity.owner_id.clone(),
            closed_at: opportunity.closed_at,
            history_len,
        },
        supervisor_id,
        instance: instance.map(|i| InstanceState {
            id: i.id,
            process_code: i.process_code,
            process_version: i.process_version,
            status: i.status,
            outcome: i.outcome,
            visits: i.visits,
        }),
        activities: activities.into_iter().map(activity_state).collect(),
        facts: opportunity.facts(),
    }
}

fn activity_state(a: ActivityRecord) -> ActivityState {
    let link = match (a.process_instance_id, a.stage, a.step, a.stage_visit) {
        (Some(instance_id), Some(stage), Some(step), Some(visit)) => Some(ProcessLink { instance_id, stage, step, visit }),
        _ => None,
    };
    ActivityState { id: a.id, owner_id: a.owner_id, status: a.status, result: a.result, title: a.title, link }
}

/// Checks a body `version` against the record's (409 on mismatch).
fn check_version(expected: Option<i64>, current: i64) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(ServiceError::VersionConflict { current }),
        _ => Ok(()),
    }
}
