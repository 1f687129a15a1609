//! Model-based property test of the engine: random command sequences run through the engine
//! (with a harness that persists effects the way the store does) and through a plain reference
//! model written straight from SPEC §3; after every step both must agree, and the invariants
//! must hold.

use std::collections::{BTreeMap, BTreeSet};

use dealflow_core::definition::ResultEffect;
use dealflow_core::engine::{
    self, ActivityState, ActivityStatus, By, Command, Context, Effect, InstanceState, InstanceStatus, OpportunityState, ProcessLink,
    StartedVia, State,
};
use dealflow_core::{LocalizedText, ProcessDefinition, Stage, StageCatalog, StageCode};
use jiff::Timestamp;
use proptest::prelude::*;

use crate::ENTERPRISE_SALE;

/// Stage codes the generator picks from: the six defaults, an inactive stage, a missing one.
const TARGETS: [&str; 8] = ["qualification", "presentation", "proposal", "contracting", "closed_won", "closed_lost", "frozen", "nowhere"];
const RESULTS: [Option<&str>; 4] = [None, Some("done"), Some("declined"), Some("bogus")];
const OWNERS: [&str; 3] = ["owner-a", "owner-b", "owner-c"];

#[derive(Debug, Clone)]
enum Op {
    Start,
    ChangeStage(usize),
    Close(usize),
    Complete(usize, usize),
    Cancel(usize),
    AddManual,
    ChangeOwner(usize),
    CancelInstance,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Start),
        3 => (0..TARGETS.len()).prop_map(Op::ChangeStage),
        1 => (0..TARGETS.len()).prop_map(Op::Close),
        8 => (0..64usize, 0..RESULTS.len()).prop_map(|(a, r)| Op::Complete(a, r)),
        2 => (0..64usize).prop_map(Op::Cancel),
        1 => Just(Op::AddManual),
        1 => (0..OWNERS.len()).prop_map(Op::ChangeOwner),
        1 => Just(Op::CancelInstance),
    ]
}

fn catalog() -> StageCatalog {
    let mut stages = StageCatalog::defaults().all().to_vec();
    stages.push(Stage {
        code: StageCode::parse("frozen").unwrap(),
        name: LocalizedText::same("Frozen"),
        position: 7,
        description: LocalizedText::default(),
        max_probability: 0,
        is_final: false,
        is_won: false,
        show_in_funnel: false,
        show_in_progress_bar: false,
        active: false,
        next_step_days: 0,
    });
    StageCatalog::new(stages)
}

/// What the store would hold, built only from the engine's effects.
struct World {
    opportunity: OpportunityState,
    instances: Vec<InstanceState>,
    activities: Vec<(ActivityState, Option<String>)>,
    history: Vec<(Option<String>, String)>,
    next_id: u64,
}

impl World {
    fn new() -> World {
        World {
            opportunity: OpportunityState {
                id: "opportunity".into(),
                title: "Deal".into(),
                stage: StageCode::parse("qualification").unwrap(),
                owner_id: OWNERS[0].into(),
                closed_at: None,
                history_len: 1,
            },
            instances: Vec::new(),
            activities: Vec::new(),
            history: vec![(None, "qualification".into())],
            next_id: 0,
        }
    }

    fn running(&self) -> Option<&InstanceState> {
        self.instances.iter().find(|i| i.status == InstanceStatus::Running)
    }

    /// What the service loads: the running instance and its activities, plus the target.
    fn state(&self, target: Option<&str>) -> State {
        let running = self.running().cloned();
        let activities = self
            .activities
            .iter()
            .map(|(a, _)| a)
            .filter(|a| {
                Some(a.id.as_str()) == target || a.link.as_ref().is_some_and(|l| running.as_ref().is_some_and(|r| r.id == l.instance_id))
            })
            .cloned()
            .collect();
        State {
            opportunity: self.opportunity.clone(),
            supervisor_id: Some("supervisor".into()),
            instance: running,
            activities,
            facts: Default::default(),
        }
    }

    fn apply(&mut self, after: State, effects: Vec<Effect>) {
        self.opportunity = after.opportunity;
        for effect in effects {
            match effect {
                Effect::InstanceStarted { id, process_code, process_version, .. } => self.instances.push(InstanceState {
                    id,
                    process_code,
                    process_version,
                    status: InstanceStatus::Running,
                    outcome: None,
                    visits: BTreeMap::new(),
                }),
                Effect::InstanceVisited { id, visits } => self.instances.iter_mut().find(|i| i.id == id).unwrap().visits = visits,
                Effect::InstanceFinished { id, status, outcome } => {
                    let instance = self.instances.iter_mut().find(|i| i.id == id).unwrap();
                    instance.status = status;
                    instance.outcome = outcome;
                }
                Effect::ActivityCreated(a) => self.activities.push((
                    ActivityState {
                        id: a.id,
                        owner_id: a.owner_id,
                        status: ActivityStatus::NotStarted,
                        result: None,
                        title: a.title,
                        link: Some(ProcessLink { instance_id: a.instance_id, stage: a.stage, step: a.step, visit: a.visit }),
                    },
                    None,
                )),
                Effect::ActivityCompleted { id, result, .. } => {
                    let a = self.activity_mut(&id);
                    a.status = ActivityStatus::Completed;
                    a.result = Some(result);
                }
                Effect::ActivityCancelled { id } => self.activity_mut(&id).status = ActivityStatus::Cancelled,
                Effect::ActivityReassigned { id, owner_id } => self.activity_mut(&id).owner_id = owner_id,
                Effect::StageChanged(change) => {
                    assert_eq!(change.seq as usize, self.history.len() + 1, "history numbers have no gaps");
                    self.history.push((change.from.map(|s| s.to_string()), change.to.to_string()));
                }
                Effect::OpportunityClosed { .. } | Effect::OwnerChanged { .. } | Effect::Notify(_) => {}
            }
        }
    }

    fn activity_mut(&mut self, id: &str) -> &mut ActivityState {
        &mut self.activities.iter_mut().find(|(a, _)| a.id == id).expect("effects name known activities").0
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("manual-{}", self.next_id)
    }
}

/// The reference: SPEC §3 written as plainly as possible, with no engine code shared.
#[derive(Debug, Clone, PartialEq)]
struct ModelActivity {
    instance: Option<usize>,
    stage: String,
    step: String,
    visit: u32,
    status: ActivityStatus,
    result: Option<String>,
    owner: String,
}

struct Model {
    stage: String,
    closed: bool,
    owner: String,
    running: Option<usize>,
    instances: usize,
    visits: BTreeMap<String, u32>,
    activities: Vec<ModelActivity>,
    history_len: usize,
}

type Outcome = Result<(), &'static str>;

impl Model {
    fn new() -> Model {
        Model {
            stage: "qualification".into(),
            closed: false,
            owner: OWNERS[0].into(),
            running: None,
            instances: 0,
            visits: BTreeMap::new(),
            activities: Vec::new(),
            history_len: 1,
        }
    }

    fn is_final(stage: &str) -> bool {
        stage == "closed_won" || stage == "closed_lost"
    }

    fn enter_with_activities(&mut self, d: &ProcessDefinition) {
        let instance = self.running.unwrap();
        let visit = *self.visits.entry(self.stage.clone()).and_modify(|v| *v += 1).or_insert(1);
        if let Some(stage) = d.stage(&self.stage) {
            for step in &stage.steps {
                self.activities.push(ModelActivity {
                    instance: Some(instance),
                    stage: self.stage.clone(),
                    step: step.code.clone(),
                    visit,
                    status: ActivityStatus::NotStarted,
                    result: None,
                    owner: self.owner.clone(),
                });
            }
        }
    }

    fn start(&mut self, d: &ProcessDefinition) -> Outcome {
        if self.closed {
            return Err("OpportunityClosed");
        }
        if self.running.is_some() {
            return Err("ProcessAlreadyRunning");
        }
        self.running = Some(self.instances);
        self.instances += 1;
        self.visits.clear();
        self.enter_with_activities(d);
        Ok(())
    }

    fn cancel_open_of_running(&mut self) {
        let running = self.running;
        for a in &mut self.activities {
            if a.instance.is_some() && a.instance == running && a.status.is_open() {
                a.status = ActivityStatus::Cancelled;
            }
        }
    }

    fn go(&mut self, to: &str, d: &ProcessDefinition) {
        self.cancel_open_of_running();
        self.stage = to.to_owned();
        self.history_len += 1;
        if Model::is_final(to) {
            self.closed = true;
            if self.running.is_some() {
                *self.visits.entry(to.to_owned()).or_insert(0) += 1;
            }
            self.running = None;
        } else if self.running.is_some() {
            self.enter_with_activities(d);
        }
    }

    fn change_stage(&mut self, to: &str, d: &ProcessDefinition) -> Outcome {
        if self.closed {
            return Err("OpportunityClosed");
        }
        match to {
            "nowhere" => Err("UnknownStage"),
            "frozen" => Err("InactiveStage"),
            _ if to == self.stage => Ok(()),
            _ => {
                self.go(to, d);
                Ok(())
            }
        }
    }

    fn close(&mut self, to: &str, d: &ProcessDefinition) -> Outcome {
        if self.closed {
            return Err("OpportunityClosed");
        }
        if to == "nowhere" {
            return Err("UnknownStage");
        }
        if !Model::is_final(to) {
            return Err("NotAFinalStage");
        }
        self.go(to, d);
        Ok(())
    }

    fn complete(&mut self, index: usize, result: Option<&str>, d: &ProcessDefinition) -> Outcome {
        let a = self.activities[index].clone();
        if !a.status.is_open() {
            return Err("ActivityNotOpen");
        }
        let result = result.unwrap_or("done");
        let effect = match a.instance {
            Some(_) => {
                let step = d.stage(&a.stage).unwrap().step(&a.step).unwrap();
                match step.result(result) {
                    Some(r) => Some(r.effect.clone()),
                    None => return Err("UnknownResult"),
                }
            }
            None if result == "done" => None,
            None => return Err("UnknownResult"),
        };
        self.activities[index].status = ActivityStatus::Completed;
        self.activities[index].result = Some(result.to_owned());
        match effect {
            Some(ResultEffect::Close(stage)) => self.go(stage.as_str(), d),
            Some(ResultEffect::Advance) => {
                let current_visit = self.visits.get(&self.stage).copied();
                let this_visit: Vec<_> = self
                    .activities
                    .iter()
                    .filter(|x| x.instance == a.instance && x.stage == a.stage && x.visit == a.visit && x.instance.is_some())
                    .collect();
                let all_done = this_visit.iter().all(|x| x.status == ActivityStatus::Completed && x.result.as_deref() == Some("done"));
                if a.stage == self.stage && Some(a.visit) == current_visit && all_done {
                    let next = d.stage(&self.stage).unwrap().next.to_string();
                    self.go(&next, d);
                }
            }
            None => {}
        }
        Ok(())
    }

    fn cancel(&mut self, index: usize) -> Outcome {
        if !self.activities[index].status.is_open() {
            return Err("ActivityNotOpen");
        }
        self.activities[index].status = ActivityStatus::Cancelled;
        Ok(())
    }

    fn cancel_instance(&mut self) -> Outcome {
        if self.running.is_none() {
            return Err("ProcessNotRunning");
        }
        self.cancel_open_of_running();
        self.running = None;
        Ok(())
    }

    fn change_owner(&mut self, owner: &str) {
        self.owner = owner.to_owned();
        let running = self.running;
        for a in &mut self.activities {
            if a.instance.is_some() && a.instance == running && a.status.is_open() {
                a.owner = owner.to_owned();
            }
        }
    }
}

fn error_name(e: &engine::EngineError) -> &'static str {
    use engine::EngineError::*;
    match e {
        OpportunityClosed => "OpportunityClosed",
        ProcessAlreadyRunning => "ProcessAlreadyRunning",
        ProcessNotRunning => "ProcessNotRunning",
        ProcessInactive => "ProcessInactive",
        ActivityNotOpen => "ActivityNotOpen",
        ActivityNotFound => "ActivityNotFound",
        UnknownResult(_) => "UnknownResult",
        UnknownStage(_) => "UnknownStage",
        InactiveStage(_) => "InactiveStage",
        NotAFinalStage(_) => "NotAFinalStage",
        ExitCriteriaUnmet(_) => "ExitCriteriaUnmet",
    }
}

fn run_sequence(ops: &[Op]) -> Result<(), TestCaseError> {
    let stages = catalog();
    let definition = ProcessDefinition::parse_toml(ENTERPRISE_SALE, &stages).unwrap();
    let mut world = World::new();
    let mut model = Model::new();
    let mut ids = 0u64;
    let now: Timestamp = "2026-11-28T09:00:00Z".parse().unwrap();
    for (step, op) in ops.iter().enumerate() {
        let pick = |n: usize| if world.activities.is_empty() { None } else { Some(n % world.activities.len()) };
        let was_closed = model.closed;
        let was_stage = world.opportunity.stage.to_string();
        let (command, target, expected): (Option<Command>, Option<String>, Outcome) = match op {
            Op::Start => (
                Some(Command::StartProcess { via: StartedVia::Api, by: "u".into(), new_opportunity: false }),
                None,
                model.start(&definition),
            ),
            Op::ChangeStage(t) => (
                Some(Command::ChangeStage { to: TARGETS[*t].into(), by: By::User("u".into()), override_reason: None }),
                None,
                model.change_stage(TARGETS[*t], &definition),
            ),
            Op::Close(t) => (
                Some(Command::Close { to: TARGETS[*t].into(), by: By::User("u".into()), override_reason: None }),
                None,
                model.close(TARGETS[*t], &definition),
            ),
            Op::Complete(a, r) => match pick(*a) {
                None => (None, None, Ok(())),
                Some(i) => {
                    let id = world.activities[i].0.id.clone();
                    let command = Command::CompleteActivity {
                        activity_id: id.clone(),
                        result: RESULTS[*r].map(str::to_owned),
                        note: None,
                        by: By::User("u".into()),
                    };
                    (Some(command), Some(id), model.complete(i, RESULTS[*r], &definition))
                }
            },
            Op::Cancel(a) => match pick(*a) {
                None => (None, None, Ok(())),
                Some(i) => {
                    let id = world.activities[i].0.id.clone();
                    (Some(Command::CancelActivity { activity_id: id.clone(), by: By::User("u".into()) }), Some(id), model.cancel(i))
                }
            },
            Op::AddManual => {
                let id = world.id();
                let manual = ActivityState {
                    id,
                    owner_id: world.opportunity.owner_id.clone(),
                    status: ActivityStatus::NotStarted,
                    result: None,
                    title: LocalizedText::same("manual"),
                    link: None,
                };
                world.activities.push((manual, None));
                model.activities.push(ModelActivity {
                    instance: None,
                    stage: String::new(),
                    step: String::new(),
                    visit: 0,
                    status: ActivityStatus::NotStarted,
                    result: None,
                    owner: model.owner.clone(),
                });
                (None, None, Ok(()))
            }
            Op::ChangeOwner(o) => {
                model.change_owner(OWNERS[*o]);
                (Some(Command::ChangeOwner { owner_id: OWNERS[*o].into(), supervisor_id: None }), None, Ok(()))
            }
            Op::CancelInstance => (Some(Command::CancelInstance { by: By::User("u".into()) }), None, model.cancel_instance()),
        };
        if let Some(command) = command {
            let state = world.state(target.as_deref());
            let running_definition = state.running_instance().map(|_| &definition).or(matches!(op, Op::Start).then_some(&definition));
            let mut new_id = || {
                ids += 1;
                format!("id-{ids}")
            };
            let calendar = dealflow_core::definition::WorkCalendar::every_day();
            let mut context = Context { stages: &stages, definition: running_definition, now, calendar: &calendar, new_id: &mut new_id };
            let got = engine::run(&mut context, &state, command.clone());
            match (&got, &expected) {
                (Ok(_), Ok(())) => {}
                (Err(e), Err(name)) => prop_assert_eq!(error_name(e), *name, "step {}: {:?}", step, op),
                _ => prop_assert!(false, "step {}: {:?}: engine {:?}, model {:?}", step, op, got.as_ref().map(|_| ()), expected),
            }
            if let Ok((after, effects)) = got {
                world.apply(after, effects);
            }
        }
        check(&world, &model, &definition, was_closed, &was_stage).map_err(|m| TestCaseError::fail(format!("step {step}: {op:?}: {m}")))?;
    }
    Ok(())
}

/// The invariants of the issue, on the world as persisted, and agreement with the model.
fn check(world: &World, model: &Model, definition: &ProcessDefinition, was_closed: bool, was_stage: &str) -> Result<(), String> {
    let running: Vec<_> = world.instances.iter().filter(|i| i.status == InstanceStatus::Running).collect();
    if running.len() > 1 {
        return Err("more than one running instance".into());
    }
    let stage = world.opportunity.stage.as_str();
    if was_closed && stage != was_stage {
        return Err("a final stage was left".into());
    }
    let mut keys = BTreeSet::new();
    for (a, _) in &world.activities {
        let Some(link) = &a.link else { continue };
        if !keys.insert((link.instance_id.clone(), link.stage.clone(), link.visit, link.step.clone())) {
            return Err(format!("duplicate activity for a visit and step: {a:?}"));
        }
        if a.status.is_open() {
            let instance = running.first().ok_or("open process activity without a running instance")?;
            if link.instance_id != instance.id || link.stage.as_str() != stage || link.visit != instance.visit(&link.stage) {
                return Err(format!("open activity outside the current stage's latest visit: {a:?}"));
            }
        }
    }
    if let Some(instance) = running.first()
        && let Some(process_stage) = definition.stage(stage)
    {
        let visit = instance.visit(&world.opportunity.stage);
        let current: Vec<_> = world
            .activities
            .iter()
            .filter_map(|(a, _)| a.link.as_ref().map(|l| (a, l)))
            .filter(|(_, l)| l.instance_id == instance.id && l.stage.as_str() == stage && l.visit == visit)
            .collect();
        let all_advanced = current.len() == process_stage.steps.len()
            && current.iter().all(|(a, l)| {
                a.status == ActivityStatus::Completed
                    && process_stage.step(&l.step).and_then(|s| s.result(a.result.as_deref().unwrap_or(""))).map(|r| &r.effect)
                        == Some(&ResultEffect::Advance)
            });
        if all_advanced {
            return Err("a running instance whose current visit is all done has not advanced".into());
        }
    }
    for pair in world.history.windows(2) {
        if pair[1].0.as_deref() != Some(pair[0].1.as_str()) {
            return Err(format!("history is not a chain: {:?}", world.history));
        }
    }
    if world.history.last().map(|h| h.1.as_str()) != Some(stage) {
        return Err("history does not end at the current stage".into());
    }
    // Agreement with the reference model.
    if stage != model.stage || world.history.len() != model.history_len || world.opportunity.owner_id != model.owner {
        return Err(format!(
            "engine at {stage} ({} entries), model at {} ({} entries)",
            world.history.len(),
            model.stage,
            model.history_len
        ));
    }
    if running.is_empty() != model.running.is_none() || world.instances.len() != model.instances {
        return Err("instances disagree with the model".into());
    }
    if world.opportunity.closed_at.is_some() != model.closed {
        return Err("closed_at disagrees with the model".into());
    }
    if world.activities.len() != model.activities.len() {
        return Err(format!("engine has {} activities, model {}", world.activities.len(), model.activities.len()));
    }
    for ((a, _), m) in world.activities.iter().zip(&model.activities) {
        let same = a.status == m.status
            && a.result == m.result
            && a.owner_id == m.owner
            && match &a.link {
                Some(l) => l.stage.as_str() == m.stage && l.step == m.step && l.visit == m.visit && m.instance.is_some(),
                None => m.instance.is_none(),
            };
        if !same {
            return Err(format!("activity differs: engine {a:?}, model {m:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_invariant_and_match_the_reference_model(ops in prop::collection::vec(op(), 1..60)) {
        run_sequence(&ops)?;
    }
}

#[test]
fn the_whole_enterprise_sale_runs_through_the_model_harness() {
    let mut ops = vec![Op::Start];
    ops.extend((0..40).map(|i| Op::Complete(i, 1)));
    run_sequence(&ops).unwrap();
}
