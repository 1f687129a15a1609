//! The process commands: start (R1–R3), stage changes and closing (R4–R12), completing and
//! cancelling activities (R7, R8), stopping an instance (R14), changing the owner (R15). Each
//! locks the opportunity, checks that the actor may see it, and runs the engine — in one
//! transaction.

use dealflow_core::StageCode;
use dealflow_core::check::{self, Invalid, MAX_TEXT, Problems};
use dealflow_core::criteria::Unmet;
use dealflow_core::engine::{self, Command, Effect, NewActivity, StartedVia};
use dealflow_core::notification::Notification;
use dealflow_core::records::{ActivityRecord, InstanceRecord, OpportunityRecord};
use dealflow_core::{LocalizedText, Money};
use dealflow_store::WriteTx;

use super::activities::visible_locked;
use super::webhooks;
use super::{Services, check_version};
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;

/// The answer to a process start: the instance, its opportunity, and what to do next.
#[derive(Debug, Clone)]
pub struct Started {
    pub instance: InstanceRecord,
    pub opportunity: OpportunityRecord,
    pub hint: LocalizedText,
}

#[derive(Debug, Clone, Default)]
pub struct CloseInput {
    pub stage: String,
    pub actual_revenue: Option<Money>,
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
    /// Closing won with exit criteria unmet: why (supervisors and administrators only).
    pub override_reason: Option<String>,
}

/// What a stage change would do (SPEC §9): the process activities it would cancel and create, the
/// exit criteria it leaves unmet, the notices it would send and the stages the deal would enter —
/// decided by the same engine call as the change itself, with nothing written. With criteria
/// unmet the effects are those of the move made anyway (by a supervisor's override).
#[derive(Debug, Clone, Default)]
pub struct StagePreview {
    pub cancelled: Vec<ActivityRecord>,
    pub created: Vec<NewActivity>,
    pub unmet: Vec<Unmet>,
    pub notifications: Vec<Notification>,
    /// The stages entered, in order: the one asked for, then any the process moves on to by itself.
    pub stages: Vec<StageCode>,
}

/// What a person says about a deal as it closes by a result (R8): the same figures as the
/// close dialog's, written in the same transaction as the completion.
#[derive(Debug, Clone, Default)]
pub struct ClosingFigures {
    pub actual_revenue: Option<Money>,
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
}

/// A closing's reason within its limit and its hours a number of hours.
fn check_figures(problems: &mut Problems, close_reason: Option<&str>, hours_spent: Option<f64>) {
    problems.within("close_reason", close_reason, MAX_TEXT);
    if let Some(hours) = hours_spent {
        problems.check("hours_spent", check::hours(hours));
    }
}

/// R1's hint, shown on a new opportunity once its process has started.
pub fn fill_in_hint() -> LocalizedText {
    LocalizedText::new(
        "Процесс запущен. Заполните данные продажи: клиента, контакт, сумму, бюджет, лицо, принимающее решение, и сроки.",
        "The process has started. Fill in the opportunity's details: account, contact, amount, budget, decision maker and timeframe.",
    )
}

fn new_opportunity_title() -> LocalizedText {
    LocalizedText::new("Новая продажа", "New opportunity")
}

/// A reason to override exit criteria, trimmed: only from a supervisor or an administrator, and
/// not blank. Blank or absent is no override.
fn checked_override(actor: &Actor, reason: Option<&str>) -> Result<Option<String>> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    actor.require_overrider()?;
    let mut problems = Problems::new();
    problems.within("override_reason", Some(reason), MAX_TEXT);
    problems.finish().map_err(ServiceError::Invalid)?;
    Ok(Some(reason.to_owned()))
}

/// The opportunity `id`, locked until the transaction ends, if the actor may see it.
pub(super) async fn locked(tx: &mut WriteTx, actor: &Actor, id: &str) -> Result<OpportunityRecord> {
    let opportunity = tx.opportunities().get_for_update(id).await?;
    actor.check_sees(&opportunity.owner_id)?;
    Ok(opportunity)
}

impl Services {
    /// R1 without an opportunity (a new one is created for the starter), R2 with one.
    pub async fn start_process(&self, actor: &Actor, code: &str, opportunity_id: Option<&str>, via: StartedVia) -> Result<Started> {
        in_write!(self, |tx| {
            {
                let definition = tx.processes().current(code).await?;
                if !definition.active {
                    return Err(engine::EngineError::ProcessInactive.into());
                }
                let definition = self.definition_in(tx, code, definition.version).await?;
                let (opportunity, new_opportunity) = match opportunity_id {
                    Some(id) => (locked(tx, actor, id).await?, false),
                    None => {
                        let title = new_opportunity_title().get(actor.locale()).to_owned();
                        let stage = definition.first_stage().stage.clone();
                        let record = OpportunityRecord::new(new_id(), title, actor.id().to_owned(), stage, self.clock.now());
                        tx.opportunities().insert(&record).await?;
                        webhooks::opportunity_created(tx, &record, record.created_at).await?;
                        (record, true)
                    }
                };
                let command = Command::StartProcess { via, by: actor.id().to_owned(), new_opportunity };
                let opportunity = self.run_command(tx, opportunity, None, Some(definition), command, &ClosingFigures::default()).await?;
                let instance = tx.processes().running_instance(&opportunity.id).await?.ok_or(ServiceError::NotFound)?;
                Ok(Started { instance, opportunity, hint: fill_in_hint() })
            }
        })
    }

    /// R6: move to any active stage; `version`, when given, must match (409 otherwise).
    pub async fn change_stage(&self, actor: &Actor, opportunity_id: &str, to: &str, version: Option<i64>) -> Result<OpportunityRecord> {
        self.change_stage_overriding(actor, opportunity_id, to, version, None).await
    }

    /// What [`Services::change_stage_overriding`] with the same arguments would do, writing nothing.
    pub async fn preview_stage_change(
        &self,
        actor: &Actor,
        opportunity_id: &str,
        to: &str,
        version: Option<i64>,
        override_reason: Option<&str>,
    ) -> Result<StagePreview> {
        let override_reason = checked_override(actor, override_reason)?;
        in_write!(self, |tx| {
            {
                let opportunity = locked(tx, actor, opportunity_id).await?;
                check_version(version, opportunity.version)?;
                let command = |override_reason| Command::ChangeStage {
                    to: to.to_owned(),
                    by: engine::By::User(actor.id().to_owned()),
                    override_reason,
                };
                let closing = ClosingFigures::default();
                let (unmet, (_, effects)) = match self.decide(tx, &opportunity, None, None, command(None), &closing).await {
                    Err(ServiceError::Engine(engine::EngineError::ExitCriteriaUnmet(unmet))) => {
                        let anyway = command(Some(override_reason.clone().unwrap_or_default()));
                        (unmet, self.decide(tx, &opportunity, None, None, anyway, &closing).await?)
                    }
                    decided => (Vec::new(), decided?),
                };
                let mut preview = StagePreview { unmet, ..StagePreview::default() };
                for effect in effects {
                    match effect {
                        Effect::ActivityCancelled { id } => preview.cancelled.push(tx.activities().get(&id).await?),
                        Effect::ActivityCreated(activity) => preview.created.push(activity),
                        Effect::Notify(notice) => preview.notifications.push(notice),
                        Effect::StageChanged(change) => preview.stages.push(change.to),
                        _ => {}
                    }
                }
                Ok(preview)
            }
        })
    }

    /// As [`Services::change_stage`]; a supervisor or administrator may give a reason to move on
    /// past unmet exit criteria, and the history keeps it.
    pub async fn change_stage_overriding(
        &self,
        actor: &Actor,
        opportunity_id: &str,
        to: &str,
        version: Option<i64>,
        override_reason: Option<&str>,
    ) -> Result<OpportunityRecord> {
        let override_reason = checked_override(actor, override_reason)?;
        in_write!(self, |tx| {
            {
                let opportunity = locked(tx, actor, opportunity_id).await?;
                check_version(version, opportunity.version)?;
                let by = engine::By::User(actor.id().to_owned());
                let command = Command::ChangeStage { to: to.to_owned(), by, override_reason: override_reason.clone() };
                self.run_command(tx, opportunity, None, None, command, &ClosingFigures::default()).await
            }
        })
    }

    /// The close dialog: a final stage with the closing figures, in one transaction.
    pub async fn close(&self, actor: &Actor, opportunity_id: &str, input: &CloseInput) -> Result<OpportunityRecord> {
        let mut problems = Problems::new();
        check_figures(&mut problems, input.close_reason.as_deref(), input.hours_spent);
        problems.finish().map_err(ServiceError::Invalid)?;
        let override_reason = checked_override(actor, input.override_reason.as_deref())?;
        in_write!(self, |tx| {
            {
                let opportunity = locked(tx, actor, opportunity_id).await?;
                let by = engine::By::User(actor.id().to_owned());
                let command = Command::Close { to: input.stage.clone(), by, override_reason: override_reason.clone() };
                let figures = ClosingFigures {
                    actual_revenue: input.actual_revenue,
                    hours_spent: input.hours_spent,
                    close_reason: input.close_reason.clone(),
                };
                self.run_command(tx, opportunity, None, None, command, &figures).await?;
                let (revenue, hours, reason) = (input.actual_revenue, input.hours_spent, input.close_reason.as_deref());
                tx.opportunities().set_closing_figures(opportunity_id, revenue, hours, reason).await?;
                Ok(tx.opportunities().get(opportunity_id).await?)
            }
        })
    }

    /// R7, R8: complete with a result (default `done`); answers the activity and, when it
    /// belongs to one, the opportunity as it is afterwards.
    pub async fn complete_activity(
        &self,
        actor: &Actor,
        activity_id: &str,
        result: Option<&str>,
        note: Option<&str>,
    ) -> Result<(ActivityRecord, Option<OpportunityRecord>)> {
        self.complete_activity_closing(actor, activity_id, result, note, &ClosingFigures::default()).await
    }

    /// As [`Services::complete_activity`]; when the result closes the deal, `figures` are its
    /// closing figures (ignored otherwise).
    pub async fn complete_activity_closing(
        &self,
        actor: &Actor,
        activity_id: &str,
        result: Option<&str>,
        note: Option<&str>,
        figures: &ClosingFigures,
    ) -> Result<(ActivityRecord, Option<OpportunityRecord>)> {
        let mut problems = Problems::new();
        problems.within("note", note, MAX_TEXT);
        problems.within("result", result, 64);
        check_figures(&mut problems, figures.close_reason.as_deref(), figures.hours_spent);
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            {
                let (activity, opportunity) = visible_locked(tx, actor, activity_id).await?;
                let Some(opportunity) = opportunity else {
                    return self.finish_standalone(tx, activity, result, note).await.map(|a| (a, None));
                };
                let was_open = opportunity.closed_at.is_none();
                let command = Command::CompleteActivity {
                    activity_id: activity_id.to_owned(),
                    result: result.map(str::to_owned),
                    note: note.map(str::to_owned),
                    by: engine::By::User(actor.id().to_owned()),
                };
                let mut opportunity = self.run_command(tx, opportunity, Some(activity_id), None, command, figures).await?;
                if was_open && opportunity.closed_at.is_some() {
                    let (revenue, hours, reason) = (figures.actual_revenue, figures.hours_spent, figures.close_reason.as_deref());
                    tx.opportunities().set_closing_figures(&opportunity.id, revenue, hours, reason).await?;
                    opportunity = tx.opportunities().get(&opportunity.id).await?;
                }
                Ok((tx.activities().get(activity_id).await?, Some(opportunity)))
            }
        })
    }

    pub async fn cancel_activity(&self, actor: &Actor, activity_id: &str) -> Result<ActivityRecord> {
        in_write!(self, |tx| {
            {
                let (activity, opportunity) = visible_locked(tx, actor, activity_id).await?;
                let Some(opportunity) = opportunity else {
                    if !activity.status.is_open() {
                        return Err(engine::EngineError::ActivityNotOpen.into());
                    }
                    tx.activities().set_cancelled(activity_id, self.clock.now()).await?;
                    return Ok(tx.activities().get(activity_id).await?);
                };
                let command = Command::CancelActivity { activity_id: activity_id.to_owned(), by: engine::By::User(actor.id().to_owned()) };
                self.run_command(tx, opportunity, Some(activity_id), None, command, &ClosingFigures::default()).await?;
                Ok(tx.activities().get(activity_id).await?)
            }
        })
    }

    /// R14: stop the instance; its open activities are cancelled, the stage stays.
    pub async fn cancel_instance(&self, actor: &Actor, instance_id: &str) -> Result<InstanceRecord> {
        in_write!(self, |tx| {
            {
                let instance = tx.processes().instance(instance_id).await?;
                let opportunity = locked(tx, actor, &instance.opportunity_id).await?;
                let running = tx.processes().running_instance(&opportunity.id).await?;
                if running.is_none_or(|r| r.id != instance.id) {
                    return Err(engine::EngineError::ProcessNotRunning.into());
                }
                let command = Command::CancelInstance { by: engine::By::User(actor.id().to_owned()) };
                self.run_command(tx, opportunity, None, None, command, &ClosingFigures::default()).await?;
                Ok(tx.processes().instance(instance_id).await?)
            }
        })
    }

    /// After an edit of the opportunity's data: when its process waits on exit criteria to move
    /// on by itself (R7), it moves on now if the edit met them. Processes without criteria are
    /// not asked.
    pub(super) async fn reconsider(&self, tx: &mut WriteTx, actor: &Actor, opportunity: OpportunityRecord) -> Result<OpportunityRecord> {
        let Some(instance) = tx.processes().running_instance(&opportunity.id).await? else { return Ok(opportunity) };
        let definition = self.definition_in(tx, &instance.process_code, instance.process_version).await?;
        if definition.stages.iter().all(|s| s.exit_criteria.is_empty()) {
            return Ok(opportunity);
        }
        let command = Command::Reconsider { by: engine::By::User(actor.id().to_owned()) };
        self.run_command(tx, opportunity, None, None, command, &ClosingFigures::default()).await
    }

    /// A manual activity with no opportunity: no process is involved.
    async fn finish_standalone(
        &self,
        tx: &mut WriteTx,
        activity: ActivityRecord,
        result: Option<&str>,
        note: Option<&str>,
    ) -> Result<ActivityRecord> {
        if !activity.status.is_open() {
            return Err(engine::EngineError::ActivityNotOpen.into());
        }
        let result = result.unwrap_or(engine::DEFAULT_RESULT);
        if result != engine::DEFAULT_RESULT {
            return Err(ServiceError::invalid("result", Invalid::UnknownResult));
        }
        let now = self.clock.now();
        tx.activities().set_completed(&activity.id, result, note, now).await?;
        let data = serde_json::json!({"activity_id": activity.id, "opportunity_id": null, "result": result, "note": note});
        webhooks::record(tx, "activity.completed", None, now, data).await?;
        Ok(tx.activities().get(&activity.id).await?)
    }
}
