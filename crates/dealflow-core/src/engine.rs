//! The process engine: `(stages, definition, state, command, now, ids) → (new state, effects)`.
//! It knows no stage or step by name; everything comes from the definition and the lookup.
//! The caller loads the state, persists the effects in one transaction, and owns the clock.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::Id;
use crate::checkpoints;
use crate::criteria::{DealFacts, Unmet};
use crate::definition::{ActivityType, ProcessDefinition, ResultEffect};
use crate::notification::{self, Notification};
use crate::stage::{StageCatalog, StageCode};
use crate::text::LocalizedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    NotStarted,
    InProgress,
    Completed,
    Cancelled,
}

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 4] =
        [ActivityStatus::NotStarted, ActivityStatus::InProgress, ActivityStatus::Completed, ActivityStatus::Cancelled];

    pub fn is_open(self) -> bool {
        matches!(self, ActivityStatus::NotStarted | ActivityStatus::InProgress)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::NotStarted => "not_started",
            ActivityStatus::InProgress => "in_progress",
            ActivityStatus::Completed => "completed",
            ActivityStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityStatus> {
        ActivityStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    Running,
    Completed,
    Cancelled,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Running => "running",
            InstanceStatus::Completed => "completed",
            InstanceStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<InstanceStatus> {
        [InstanceStatus::Running, InstanceStatus::Completed, InstanceStatus::Cancelled].into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    Lost,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
        }
    }
}

/// How a process was started (SPEC 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartedVia {
    SidePanel,
    CommandLine,
    OpportunityPage,
    LeadAuto,
    Api,
    /// Asked for by an import, for the open deals it made.
    Import,
}

impl StartedVia {
    pub const ALL: [StartedVia; 6] = [
        StartedVia::SidePanel,
        StartedVia::CommandLine,
        StartedVia::OpportunityPage,
        StartedVia::LeadAuto,
        StartedVia::Api,
        StartedVia::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StartedVia::SidePanel => "side_panel",
            StartedVia::CommandLine => "command_line",
            StartedVia::OpportunityPage => "opportunity_page",
            StartedVia::LeadAuto => "lead_auto",
            StartedVia::Api => "api",
            StartedVia::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<StartedVia> {
        StartedVia::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Who caused a change: a person, or the process itself (auto-advance, result-driven close).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum By {
    User(Id),
    Process,
}

impl By {
    pub fn user_id(&self) -> Option<&Id> {
        match self {
            By::User(id) => Some(id),
            By::Process => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityState {
    pub id: Id,
    pub title: String,
    pub stage: StageCode,
    pub owner_id: Id,
    pub closed_at: Option<Timestamp>,
    /// How many stage-history entries exist; the next one gets this number plus one.
    pub history_len: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceState {
    pub id: Id,
    pub process_code: String,
    pub process_version: u32,
    pub status: InstanceStatus,
    pub outcome: Option<Outcome>,
    /// How many times this instance has entered each stage (`stage_visit`).
    pub visits: BTreeMap<StageCode, u32>,
}

impl InstanceState {
    pub fn visit(&self, stage: &StageCode) -> u32 {
        self.visits.get(stage).copied().unwrap_or(0)
    }
}

/// Where a process activity comes from. Manual activities have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLink {
    pub instance_id: Id,
    pub stage: StageCode,
    pub step: String,
    pub visit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityState {
    pub id: Id,
    pub owner_id: Id,
    pub status: ActivityStatus,
    pub result: Option<String>,
    pub title: LocalizedText,
    pub link: Option<ProcessLink>,
}

/// What the engine needs to decide a command on one opportunity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub opportunity: OpportunityState,
    /// The owner's supervisor, told when the opportunity closes (R9).
    pub supervisor_id: Option<Id>,
    /// The running instance, if any.
    pub instance: Option<InstanceState>,
    /// The running instance's process activities, and the activity a command names.
    pub activities: Vec<ActivityState>,
    /// What exit criteria read of the opportunity.
    pub facts: DealFacts,
}

impl State {
    pub fn running_instance(&self) -> Option<&InstanceState> {
        self.instance.as_ref().filter(|i| i.status == InstanceStatus::Running)
    }

    fn is_of_running_instance(&self, activity: &ActivityState) -> bool {
        match (&activity.link, self.running_instance()) {
            (Some(link), Some(instance)) => link.instance_id == instance.id,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// R1 (with `new_opportunity`), R2, R3: start the definition on the opportunity's current stage.
    StartProcess {
        via: StartedVia,
        by: Id,
        new_opportunity: bool,
    },
    /// R6: move to any active stage. A forward move needs the exit criteria met, or a reason
    /// to override them (the caller checks that the person may).
    ChangeStage {
        to: String,
        by: By,
        override_reason: Option<String>,
    },
    /// Move to a final stage (the close dialog); closing won is a forward move.
    Close {
        to: String,
        by: By,
        override_reason: Option<String>,
    },
    /// The opportunity's data changed: an auto-advance that waited on exit criteria happens now
    /// if they are met (R7). `by` made the change.
    Reconsider {
        by: By,
    },
    CompleteActivity {
        activity_id: Id,
        result: Option<String>,
        note: Option<String>,
        by: By,
    },
    CancelActivity {
        activity_id: Id,
        by: By,
    },
    /// R14.
    CancelInstance {
        by: By,
    },
    /// R15.
    ChangeOwner {
        owner_id: Id,
        supervisor_id: Option<Id>,
    },
}

impl Command {
    /// A short name for metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::StartProcess { .. } => "start_process",
            Command::ChangeStage { .. } => "change_stage",
            Command::Close { .. } => "close",
            Command::CompleteActivity { .. } => "complete_activity",
            Command::CancelActivity { .. } => "cancel_activity",
            Command::CancelInstance { .. } => "cancel_instance",
            Command::ChangeOwner { .. } => "change_owner",
            Command::Reconsider { .. } => "reconsider",
        }
    }

    /// The person whose action this is; nobody is told of what they did themselves.
    pub fn acting_user(&self) -> Option<&Id> {
        match self {
            Command::StartProcess { by, .. } => Some(by),
            Command::ChangeStage { by, .. }
            | Command::Close { by, .. }
            | Command::CompleteActivity { by, .. }
            | Command::CancelActivity { by, .. }
            | Command::CancelInstance { by }
            | Command::Reconsider { by } => by.user_id(),
            Command::ChangeOwner { .. } => None,
        }
    }
}

/// A process activity to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub id: Id,
    pub kind: ActivityType,
    pub title: LocalizedText,
    pub owner_id: Id,
    pub due_at: Timestamp,
    pub instance_id: Id,
    pub stage: StageCode,
    pub step: String,
    pub visit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    /// 1 for the first entry of the opportunity's history.
    pub seq: u32,
    pub from: Option<StageCode>,
    pub to: StageCode,
    pub by_user_id: Option<Id>,
    pub by_process: bool,
    pub visit: Option<u32>,
    pub instance_id: Option<Id>,
    /// Why a supervisor or administrator moved the deal on with its exit criteria unmet.
    pub override_reason: Option<String>,
}

/// What a command changes, in the order it happened. The caller persists all or none (R13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    InstanceStarted { id: Id, process_code: String, process_version: u32, via: StartedVia, started_by: Id },
    InstanceVisited { id: Id, visits: BTreeMap<StageCode, u32> },
    InstanceFinished { id: Id, status: InstanceStatus, outcome: Option<Outcome> },
    ActivityCreated(NewActivity),
    ActivityCompleted { id: Id, result: String, note: Option<String> },
    ActivityCancelled { id: Id },
    ActivityReassigned { id: Id, owner_id: Id },
    StageChanged(StageChange),
    OpportunityClosed { won: bool },
    OwnerChanged { owner_id: Id },
    Notify(Notification),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the opportunity is on a final stage")]
    OpportunityClosed,
    #[error("a process is already running on this opportunity")]
    ProcessAlreadyRunning,
    #[error("no process is running on this opportunity")]
    ProcessNotRunning,
    #[error("the process is not active")]
    ProcessInactive,
    #[error("the activity is already completed or cancelled")]
    ActivityNotOpen,
    #[error("the activity is not part of this opportunity")]
    ActivityNotFound,
    #[error("\"{0}\" is not a result of this activity")]
    UnknownResult(String),
    #[error("\"{0}\" is not a stage")]
    UnknownStage(String),
    #[error("stage \"{0}\" is not active")]
    InactiveStage(String),
    #[error("\"{0}\" is not a final stage")]
    NotAFinalStage(String),
    #[error("the stage's exit criteria are not met")]
    ExitCriteriaUnmet(Vec<Unmet>),
}

/// Everything a command runs against besides the state.
pub struct Context<'a> {
    pub stages: &'a StageCatalog,
    /// The running instance's definition (its own version), or the definition to start.
    pub definition: Option<&'a ProcessDefinition>,
    pub now: Timestamp,
    /// The days the due offsets of steps count on.
    pub calendar: &'a crate::definition::WorkCalendar,
    pub new_id: &'a mut (dyn FnMut() -> Id + Send),
}

/// Runs one command. On error nothing has changed.
pub fn run(ctx: &mut Context<'_>, state: &State, command: Command) -> Result<(State, Vec<Effect>), EngineError> {
    run_owned(ctx, state.clone(), command)
}

/// [`run`] on a state the caller gives up: nothing is copied, and a refused command drops it.
pub fn run_owned(ctx: &mut Context<'_>, state: State, command: Command) -> Result<(State, Vec<Effect>), EngineError> {
    let mut run = Run { ctx, state, effects: Vec::new() };
    run.execute(command)?;
    Ok((run.state, run.effects))
}

struct Run<'c, 'a> {
    ctx: &'c mut Context<'a>,
    state: State,
    effects: Vec<Effect>,
}

impl Run<'_, '_> {
    fn execute(&mut self, command: Command) -> Result<(), EngineError> {
        match command {
            Command::StartProcess { via, by, new_opportunity } => self.start(via, by, new_opportunity),
            Command::ChangeStage { to, by, override_reason } => {
                let to = self.target_stage(&to)?;
                if to != self.state.opportunity.stage {
                    let overridden = self.guard_exit(&to, override_reason)?;
                    self.move_to(&to, &by, overridden);
                }
                Ok(())
            }
            Command::Close { to, by, override_reason } => {
                self.ensure_open()?;
                if !self.ctx.stages.is_final(&to) {
                    return Err(match self.ctx.stages.get(&to) {
                        Some(_) => EngineError::NotAFinalStage(to),
                        None => EngineError::UnknownStage(to),
                    });
                }
                let to = self.target_stage(&to)?;
                let overridden = self.guard_exit(&to, override_reason)?;
                self.move_to(&to, &by, overridden);
                Ok(())
            }
            Command::Reconsider { by: _ } => {
                if let Some(instance) = self.state.running_instance() {
                    let stage = self.state.opportunity.stage.clone();
                    let link = ProcessLink { instance_id: instance.id.clone(), visit: instance.visit(&stage), stage, step: String::new() };
                    self.advance_if_visit_done(&link);
                }
                Ok(())
            }
            Command::CompleteActivity { activity_id, result, note, by: _ } => self.complete(&activity_id, result, note),
            Command::CancelActivity { activity_id, by: _ } => {
                let index = self.open_activity(&activity_id)?;
                self.cancel_activity(index);
                Ok(())
            }
            Command::CancelInstance { by: _ } => {
                let instance_id = self.state.running_instance().ok_or(EngineError::ProcessNotRunning)?.id.clone();
                self.cancel_open_process_activities();
                self.finish_instance(&instance_id, InstanceStatus::Cancelled, None);
                Ok(())
            }
            Command::ChangeOwner { owner_id, supervisor_id } => {
                self.change_owner(owner_id, supervisor_id);
                Ok(())
            }
        }
    }

    /// What leaving for `to` leaves unmet of the running process's exit criteria.
    fn unmet_leaving(&self, to: &StageCode) -> Vec<Unmet> {
        let (Some(definition), Some(instance)) = (self.ctx.definition, self.state.running_instance()) else { return Vec::new() };
        let ended = ended_steps(&self.state, &instance.id);
        checkpoints::unmet_leaving(definition, self.ctx.stages, &self.state.opportunity.stage, to, &self.state.facts, &ended)
    }

    /// A person's move to `to`: refused while exit criteria are unmet, unless overridden with a
    /// reason. Answers the reason to record when an override was needed.
    fn guard_exit(&self, to: &StageCode, override_reason: Option<String>) -> Result<Option<String>, EngineError> {
        let unmet = self.unmet_leaving(to);
        match override_reason {
            _ if unmet.is_empty() => Ok(None),
            Some(reason) => Ok(Some(reason)),
            None => Err(EngineError::ExitCriteriaUnmet(unmet)),
        }
    }

    fn ensure_open(&self) -> Result<(), EngineError> {
        if self.ctx.stages.is_final(self.state.opportunity.stage.as_str()) { Err(EngineError::OpportunityClosed) } else { Ok(()) }
    }

    /// R6 and R10: a stage change is allowed from a non-final stage to an active stage.
    fn target_stage(&self, to: &str) -> Result<StageCode, EngineError> {
        self.ensure_open()?;
        let stage = self.ctx.stages.get(to).ok_or_else(|| EngineError::UnknownStage(to.to_owned()))?;
        if !stage.active && stage.code != self.state.opportunity.stage {
            return Err(EngineError::InactiveStage(to.to_owned()));
        }
        Ok(stage.code.clone())
    }

    fn start(&mut self, via: StartedVia, by: Id, new_opportunity: bool) -> Result<(), EngineError> {
        let definition = self.ctx.definition.ok_or(EngineError::ProcessInactive)?;
        self.ensure_open()?;
        if self.state.running_instance().is_some() {
            return Err(EngineError::ProcessAlreadyRunning);
        }
        let id = (self.ctx.new_id)();
        self.effects.push(Effect::InstanceStarted {
            id: id.clone(),
            process_code: definition.code.clone(),
            process_version: definition.version,
            via,
            started_by: by.clone(),
        });
        self.state.instance = Some(InstanceState {
            id,
            process_code: definition.code.clone(),
            process_version: definition.version,
            status: InstanceStatus::Running,
            outcome: None,
            visits: BTreeMap::new(),
        });
        // Only activities of the new instance are the engine's concern from now on.
        self.state.activities.retain(|a| a.link.is_none());
        let stage = self.state.opportunity.stage.clone();
        let visit = self.count_visit(&stage);
        if new_opportunity {
            self.record_stage_change(None, &stage, &By::User(by), Some(visit), None);
        }
        self.create_stage_activities(&stage, visit);
        Ok(())
    }

    /// R4, R5, R9, R12: leave the current stage and enter `to`.
    fn move_to(&mut self, to: &StageCode, by: &By, override_reason: Option<String>) {
        let from = self.state.opportunity.stage.clone();
        self.cancel_open_process_activities();
        let visit = self.state.running_instance().is_some().then(|| self.count_visit(to));
        self.state.opportunity.stage = to.clone();
        self.record_stage_change(Some(from), to, by, visit, override_reason);
        match self.ctx.stages.get(to.as_str()).filter(|s| s.is_final).map(|s| s.is_won) {
            Some(won) => self.close(won),
            None => {
                if let Some(visit) = visit {
                    self.create_stage_activities(to, visit);
                }
            }
        }
    }

    fn count_visit(&mut self, stage: &StageCode) -> u32 {
        let instance = self.state.instance.as_mut().expect("a visit is counted only with a running instance");
        let visit = instance.visits.entry(stage.clone()).or_insert(0);
        *visit += 1;
        let visit = *visit;
        self.effects.push(Effect::InstanceVisited { id: instance.id.clone(), visits: instance.visits.clone() });
        visit
    }

    fn record_stage_change(
        &mut self,
        from: Option<StageCode>,
        to: &StageCode,
        by: &By,
        visit: Option<u32>,
        override_reason: Option<String>,
    ) {
        self.state.opportunity.history_len += 1;
        self.effects.push(Effect::StageChanged(StageChange {
            seq: self.state.opportunity.history_len,
            from,
            to: to.clone(),
            by_user_id: by.user_id().cloned(),
            by_process: *by == By::Process,
            visit,
            instance_id: self.state.running_instance().map(|i| i.id.clone()),
            override_reason,
        }));
    }

    fn create_stage_activities(&mut self, stage: &StageCode, visit: u32) {
        let Some(definition) = self.ctx.definition else { return };
        let Some(process_stage) = definition.stage(stage.as_str()) else { return };
        let instance_id = self.state.running_instance().expect("activities are created for a running instance").id.clone();
        for step in &process_stage.steps {
            let activity = NewActivity {
                id: (self.ctx.new_id)(),
                kind: step.kind,
                title: step.title.clone(),
                owner_id: self.state.opportunity.owner_id.clone(),
                due_at: self.ctx.calendar.due(self.ctx.now, step.due),
                instance_id: instance_id.clone(),
                stage: stage.clone(),
                step: step.code.clone(),
                visit,
            };
            self.state.activities.push(ActivityState {
                id: activity.id.clone(),
                owner_id: activity.owner_id.clone(),
                status: ActivityStatus::NotStarted,
                result: None,
                title: activity.title.clone(),
                link: Some(ProcessLink { instance_id: instance_id.clone(), stage: stage.clone(), step: step.code.clone(), visit }),
            });
            self.effects.push(Effect::Notify(notification::activity_assigned(
                &activity.owner_id,
                &activity.id,
                &activity.title,
                &self.state.opportunity.title,
            )));
            self.effects.push(Effect::ActivityCreated(activity));
        }
    }

    /// R9: a final stage was entered.
    fn close(&mut self, won: bool) {
        self.state.opportunity.closed_at = Some(self.ctx.now);
        self.effects.push(Effect::OpportunityClosed { won });
        if let Some(instance_id) = self.state.running_instance().map(|i| i.id.clone()) {
            let outcome = if won { Outcome::Won } else { Outcome::Lost };
            self.finish_instance(&instance_id, InstanceStatus::Completed, Some(outcome));
        }
        if let Some(supervisor_id) = self.state.supervisor_id.clone() {
            let stage = self.ctx.stages.get(self.state.opportunity.stage.as_str()).expect("a final stage is in the lookup");
            self.effects.push(Effect::Notify(notification::opportunity_closed(
                &supervisor_id,
                &self.state.opportunity.id,
                &self.state.opportunity.title,
                stage,
            )));
        }
    }

    fn finish_instance(&mut self, id: &Id, status: InstanceStatus, outcome: Option<Outcome>) {
        if let Some(instance) = self.state.instance.as_mut() {
            instance.status = status;
            instance.outcome = outcome;
        }
        self.effects.push(Effect::InstanceFinished { id: id.clone(), status, outcome });
    }

    /// R5: every open process activity of the running instance is cancelled.
    fn cancel_open_process_activities(&mut self) {
        let open: Vec<usize> = (0..self.state.activities.len())
            .filter(|&i| {
                let a = &self.state.activities[i];
                a.status.is_open() && self.state.is_of_running_instance(a)
            })
            .collect();
        for index in open {
            self.cancel_activity(index);
        }
    }

    fn cancel_activity(&mut self, index: usize) {
        let activity = &mut self.state.activities[index];
        activity.status = ActivityStatus::Cancelled;
        self.effects.push(Effect::ActivityCancelled { id: activity.id.clone() });
    }

    fn open_activity(&self, id: &str) -> Result<usize, EngineError> {
        let index = self.state.activities.iter().position(|a| a.id == id).ok_or(EngineError::ActivityNotFound)?;
        if !self.state.activities[index].status.is_open() {
            return Err(EngineError::ActivityNotOpen);
        }
        Ok(index)
    }

    /// R7 and R8.
    fn complete(&mut self, id: &str, result: Option<String>, note: Option<String>) -> Result<(), EngineError> {
        let index = self.open_activity(id)?;
        let result = result.unwrap_or_else(|| DEFAULT_RESULT.to_owned());
        let activity = &self.state.activities[index];
        let effect = if self.state.is_of_running_instance(activity) {
            let link = activity.link.as_ref().expect("a process activity has a link");
            let step = self.ctx.definition.and_then(|d| d.stage(link.stage.as_str())).and_then(|s| s.step(&link.step));
            match step {
                Some(step) => Some(step.result(&result).ok_or_else(|| EngineError::UnknownResult(result.clone()))?.effect.clone()),
                None if result == DEFAULT_RESULT => None,
                None => return Err(EngineError::UnknownResult(result)),
            }
        } else if result == DEFAULT_RESULT {
            None
        } else {
            return Err(EngineError::UnknownResult(result));
        };
        let activity = &mut self.state.activities[index];
        activity.status = ActivityStatus::Completed;
        activity.result = Some(result.clone());
        let link = activity.link.clone();
        self.effects.push(Effect::ActivityCompleted { id: activity.id.clone(), result, note });
        match (effect, link) {
            // A result that closes won is the process moving forward: it waits on the criteria too.
            (Some(ResultEffect::Close(stage)), _)
                if self.ctx.stages.get(stage.as_str()).is_some() && self.ensure_open().is_ok() && self.unmet_leaving(&stage).is_empty() =>
            {
                self.move_to(&stage, &By::Process, None);
            }
            (Some(ResultEffect::Advance), Some(link)) => self.advance_if_visit_done(&link),
            _ => {}
        }
        Ok(())
    }

    fn advance_if_visit_done(&mut self, link: &ProcessLink) {
        let (Some(definition), Some(instance)) = (self.ctx.definition, self.state.running_instance()) else { return };
        let current = &self.state.opportunity.stage;
        if link.stage != *current || link.visit != instance.visit(current) {
            return;
        }
        let Some(process_stage) = definition.stage(current.as_str()) else { return };
        let next = process_stage.next.clone();
        if visit_done(process_stage, &self.state.activities, link)
            && self.ctx.stages.get(next.as_str()).is_some()
            && self.unmet_leaving(&next).is_empty()
        {
            self.move_to(&next, &By::Process, None);
        }
    }

    fn change_owner(&mut self, owner_id: Id, supervisor_id: Option<Id>) {
        if owner_id == self.state.opportunity.owner_id {
            return;
        }
        self.state.opportunity.owner_id = owner_id.clone();
        self.state.supervisor_id = supervisor_id;
        self.effects.push(Effect::OwnerChanged { owner_id: owner_id.clone() });
        let moving: Vec<usize> = (0..self.state.activities.len())
            .filter(|&i| {
                let a = &self.state.activities[i];
                a.status.is_open() && self.state.is_of_running_instance(a) && a.owner_id != owner_id
            })
            .collect();
        for index in moving {
            let activity = &mut self.state.activities[index];
            activity.owner_id = owner_id.clone();
            self.effects.push(Effect::ActivityReassigned { id: activity.id.clone(), owner_id: owner_id.clone() });
            let notice = notification::activity_reassigned(&owner_id, &activity.id, &activity.title, &self.state.opportunity.title);
            self.effects.push(Effect::Notify(notice));
        }
    }
}

/// Whether every activity of the visit `link` names was completed with an `advance` result (R7);
/// a visit with no activities is not done.
fn visit_done(process_stage: &crate::definition::ProcessStage, activities: &[ActivityState], link: &ProcessLink) -> bool {
    let mut visit = activities
        .iter()
        .filter(|a| a.link.as_ref().is_some_and(|l| l.stage == link.stage && l.visit == link.visit && l.instance_id == link.instance_id))
        .peekable();
    visit.peek().is_some()
        && visit.all(|a| {
            let step = a.link.as_ref().and_then(|l| process_stage.step(&l.step));
            a.status == ActivityStatus::Completed
                && step.zip(a.result.as_deref()).and_then(|(s, r)| s.result(r)).is_some_and(|r| r.effect == ResultEffect::Advance)
        })
}

/// What keeps a finished stage visit from moving on by itself: the exit criteria its auto-advance
/// waits on (R7), for the action panel. Empty when the visit is not done or nothing is missing.
pub fn advance_waits_on(definition: &ProcessDefinition, stages: &StageCatalog, state: &State) -> Vec<Unmet> {
    let Some(instance) = state.running_instance() else { return Vec::new() };
    let stage = &state.opportunity.stage;
    let Some(process_stage) = definition.stage(stage.as_str()) else { return Vec::new() };
    let link = ProcessLink { instance_id: instance.id.clone(), stage: stage.clone(), step: String::new(), visit: instance.visit(stage) };
    if !visit_done(process_stage, &state.activities, &link) {
        return Vec::new();
    }
    checkpoints::unmet_leaving(definition, stages, stage, &process_stage.next, &state.facts, &ended_steps(state, &instance.id))
}

/// Whether the instance `instance_id` completed a step with a result, at any visit.
fn ended_steps<'s>(state: &'s State, instance_id: &'s str) -> impl Fn(&str, &str) -> bool + 's {
    move |step, result| {
        state.activities.iter().any(|a| {
            a.status == ActivityStatus::Completed
                && a.result.as_deref() == Some(result)
                && a.link.as_ref().is_some_and(|l| l.step == step && l.instance_id == instance_id)
        })
    }
}

/// The result an activity is completed with when none is named.
pub const DEFAULT_RESULT: &str = "done";
