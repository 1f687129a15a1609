//! Services: each public method is one command. It opens a write transaction, loads what the
//! engine needs, runs the engine, persists its effects, and commits — all or nothing (R13).

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
                None => ($services.store().begin_write().await?, false),
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

mod bootstrap;
pub mod demo;
mod directory;
mod editing;
pub mod held;
mod leads;
mod library;
mod live;
mod process;
mod records;
mod sessions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dealflow_core::engine::{self, ActivityState, Command, Context, InstanceState, OpportunityState, ProcessLink, State};
use dealflow_core::{ProcessDefinition, StageCatalog};
use dealflow_store::queries::{activities, effects, lookups, opportunities, processes};
use dealflow_store::records::{ActivityRecord, OpportunityRecord};
use dealflow_store::{Store, WriteTx};

pub use bootstrap::{Bootstrap, FirstAdmin, shipped_definition};
pub use directory::{AccountFields, ContactFields, UserChanges};
pub use editing::{ActivityChanges, OpportunityChanges};
pub use leads::{HANDOFF_PROCESS, LeadChanges, NewLead};
pub use process::{CloseInput, Started, fill_in_hint};
pub use records::{NewActivity, NewOpportunity, NewUser};

use crate::clock::Clock;
use crate::error::{Result, ServiceError};
use crate::new_id;

/// Published definition versions never change, so they are cached by (code, version).
type DefinitionCache = Mutex<HashMap<(String, u32), Arc<ProcessDefinition>>>;

/// The stage lookup as last read, with the stamp it was read at.
type CatalogCache = Mutex<Option<(i64, Arc<StageCatalog>)>>;

#[derive(Clone)]
pub struct Services {
    store: Store,
    clock: Clock,
    definitions: Arc<DefinitionCache>,
    catalog: Arc<CatalogCache>,
    live: live::Live,
    metrics: crate::metrics::Metrics,
}

/// How often a command is tried again when the database reports a passing conflict.
const ATTEMPTS: usize = 5;

impl Services {
    pub fn new(store: Store, clock: Clock) -> Services {
        Services {
            store,
            clock,
            definitions: Arc::default(),
            catalog: Arc::default(),
            live: live::Live::default(),
            metrics: Default::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
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
    pub(crate) async fn definition_version(&self, tx: &mut WriteTx, code: &str, version: u32) -> Result<Arc<ProcessDefinition>> {
        match self.cached_definition(code, version) {
            Some(found) => Ok(found),
            None => Ok(self.remember_definition(processes::version(tx, code, version).await?)),
        }
    }

    /// A definition at an exact version, for reading (the action panel, the activity page).
    pub async fn definition(&self, code: &str, version: u32) -> Result<Arc<ProcessDefinition>> {
        match self.cached_definition(code, version) {
            Some(found) => Ok(found),
            None => Ok(self.remember_definition(processes::version(&mut *self.store.read().await?, code, version).await?)),
        }
    }

    /// The heart of every process command, inside a write transaction: lock the opportunity,
    /// load the engine's state, run the command, persist the effects. Answers the opportunity
    /// as the command left it.
    pub(crate) async fn run_command(
        &self,
        tx: &mut WriteTx,
        opportunity: OpportunityRecord,
        target_activity: Option<&str>,
        start_with: Option<Arc<ProcessDefinition>>,
        command: Command,
    ) -> Result<OpportunityRecord> {
        let now = self.clock.now();
        self.metrics.record_command(command.name());
        let context = opportunities::command_context(tx, &opportunity.owner_id, &opportunity.id).await?;
        let stages = self.catalog_at(tx, context.catalog_stamp).await?;
        let state = self.load_state(tx, &opportunity, context, target_activity).await?;
        let definition = match (&start_with, state.running_instance()) {
            (Some(definition), _) => Some(definition.clone()),
            (None, Some(instance)) => Some(self.definition_version(tx, &instance.process_code, instance.process_version).await?),
            (None, None) => None,
        };
        let (state, effects) = {
            let mut make_id = new_id;
            let mut context = Context { stages: &stages, definition: definition.as_deref(), now, new_id: &mut make_id };
            engine::run_owned(&mut context, state, command)?
        };
        let mut notification_id = new_id;
        let changed = effects::apply(tx, &state.opportunity, &effects, now, &mut notification_id).await?;
        // Most commands (a completion that does not end the stage) leave the row as it was.
        let opportunity = if changed { opportunities::get(tx, &opportunity.id).await? } else { opportunity };
        self.after_close(tx, &opportunity, &effects).await?;
        Ok(opportunity)
    }

    async fn load_state(
        &self,
        tx: &mut WriteTx,
        opportunity: &OpportunityRecord,
        context: opportunities::CommandContext,
        target_activity: Option<&str>,
    ) -> Result<State> {
        let instance = processes::running_instance(tx, &opportunity.id).await?;
        let mut records = match &instance {
            Some(instance) => activities::of_instance(tx, &instance.id).await?,
            None => Vec::new(),
        };
        if let Some(id) = target_activity
            && !records.iter().any(|a| a.id == id)
        {
            records.push(activities::get(tx, id).await?);
        }
        Ok(State {
            opportunity: OpportunityState {
                id: opportunity.id.clone(),
                title: opportunity.title.clone(),
                stage: opportunity.stage.clone(),
                owner_id: opportunity.owner_id.clone(),
                closed_at: opportunity.closed_at,
                history_len: context.history_len,
            },
            supervisor_id: context.supervisor_id,
            instance: instance.map(|i| InstanceState {
                id: i.id,
                process_code: i.process_code,
                process_version: i.process_version,
                status: i.status,
                outcome: i.outcome,
                visits: i.visits,
            }),
            activities: records.into_iter().map(activity_state).collect(),
        })
    }

    /// The stage lookup, current as of now.
    pub async fn stage_catalog(&self) -> Result<Arc<StageCatalog>> {
        let mut conn = self.store.read().await?;
        let stamp = lookups::stage_catalog_stamp(&mut conn).await?;
        self.catalog_at(&mut conn, stamp).await
    }

    /// The stage lookup at `stamp`: the one in memory when it was read at that stamp, else read
    /// again (it changes seldom, and every command needs it).
    async fn catalog_at(&self, c: &mut dealflow_store::Connection, stamp: i64) -> Result<Arc<StageCatalog>> {
        if let Some((cached, catalog)) = &*self.catalog.lock().expect("stage catalog lock")
            && *cached == stamp
        {
            return Ok(catalog.clone());
        }
        let catalog = Arc::new(lookups::stage_catalog(c).await?);
        *self.catalog.lock().expect("stage catalog lock") = Some((stamp, catalog.clone()));
        Ok(catalog)
    }
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

fn activity_state(a: ActivityRecord) -> ActivityState {
    let link = match (a.process_instance_id, a.stage, a.step, a.stage_visit) {
        (Some(instance_id), Some(stage), Some(step), Some(visit)) => Some(ProcessLink { instance_id, stage, step, visit }),
        _ => None,
    };
    ActivityState { id: a.id, owner_id: a.owner_id, status: a.status, result: a.result, title: a.title, link }
}

/// Checks a body `version` against the record's (409 on mismatch).
pub(crate) fn check_version(expected: Option<i64>, current: i64) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(ServiceError::VersionConflict { current }),
        _ => Ok(()),
    }
}
