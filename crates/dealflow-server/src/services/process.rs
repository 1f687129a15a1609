//! The process commands: start (R1–R3), stage changes and closing (R4–R12), completing and
//! cancelling activities (R7, R8), stopping an instance (R14), changing the owner (R15).

use dealflow_core::engine::{Actor, Command, StartedVia};
use dealflow_core::{LocalizedText, Money};
use dealflow_store::queries::{activities, opportunities, processes, users};
use dealflow_store::records::{ActivityRecord, InstanceRecord, OpportunityRecord};

use super::{Services, check_version};
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

impl Services {
    /// R1 without an opportunity (a new one is created for the starter), R2 with one.
    pub async fn start_process(&self, by: &str, code: &str, opportunity_id: Option<&str>, via: StartedVia) -> Result<Started> {
        in_write!(self, |tx| {
            {
                let definition = processes::current(tx, code).await?;
                if !definition.active {
                    return Err(dealflow_core::EngineError::ProcessInactive.into());
                }
                let definition = self.definition_version(tx, code, definition.version).await?;
                let (opportunity, new_opportunity) = match opportunity_id {
                    Some(id) => (opportunities::get_for_update(tx, id).await?, false),
                    None => {
                        let starter = users::get(tx, by).await?;
                        let title = new_opportunity_title().get(starter.locale).to_owned();
                        let stage = definition.first_stage().stage.clone();
                        let record = OpportunityRecord::new(new_id(), title, starter.id, stage, self.clock.now());
                        opportunities::insert(tx, &record).await?;
                        (record, true)
                    }
                };
                let command = Command::StartProcess { via, by: by.to_owned(), new_opportunity };
                let opportunity = self.run_command(tx, opportunity, None, Some(definition), command).await?;
                let instance = processes::running_instance(tx, &opportunity.id).await?.ok_or(ServiceError::NotFound)?;
                Ok(Started { instance, opportunity, hint: fill_in_hint() })
            }
        })
    }

    /// R6: move to any active stage; `version`, when given, must match (409 otherwise).
    pub async fn change_stage(&self, by: &str, opportunity_id: &str, to: &str, version: Option<i64>) -> Result<OpportunityRecord> {
        in_write!(self, |tx| {
            {
                let opportunity = opportunities::get_for_update(tx, opportunity_id).await?;
                check_version(version, opportunity.version)?;
                let command = Command::ChangeStage { to: to.to_owned(), by: Actor::User(by.to_owned()) };
                self.run_command(tx, opportunity, None, None, command).await
            }
        })
    }

    /// The close dialog: a final stage with the closing figures, in one transaction.
    pub async fn close(&self, by: &str, opportunity_id: &str, input: &CloseInput) -> Result<OpportunityRecord> {
        super::records::check_texts(&[("close_reason", input.close_reason.as_deref(), super::records::MAX_TEXT)])?;
        if input.hours_spent.is_some_and(|h| !h.is_finite() || h < 0.0) {
            return Err(ServiceError::invalid("hours_spent", "must be a number of hours, zero or more"));
        }
        in_write!(self, |tx| {
            {
                let opportunity = opportunities::get_for_update(tx, opportunity_id).await?;
                let command = Command::Close { to: input.stage.clone(), by: Actor::User(by.to_owned()) };
                self.run_command(tx, opportunity, None, None, command).await?;
                let (revenue, hours, reason) = (input.actual_revenue, input.hours_spent, input.close_reason.as_deref());
                opportunities::set_closing_figures(tx, opportunity_id, revenue, hours, reason).await?;
                Ok(opportunities::get(tx, opportunity_id).await?)
            }
        })
    }

    /// R7, R8: complete with a result (default `done`); answers the activity and, when it
    /// belongs to one, the opportunity as it is afterwards.
    pub async fn complete_activity(
        &self,
        by: &str,
        activity_id: &str,
        result: Option<&str>,
        note: Option<&str>,
    ) -> Result<(ActivityRecord, Option<OpportunityRecord>)> {
        super::records::check_texts(&[("note", note, super::records::MAX_TEXT), ("result", result, 64)])?;
        in_write!(self, |tx| {
            {
                let activity = activities::get(tx, activity_id).await?;
                let Some(opportunity_id) = activity.opportunity_id.clone() else {
                    return self.finish_standalone(tx, activity, result, note).await.map(|a| (a, None));
                };
                let opportunity = opportunities::get_for_update(tx, &opportunity_id).await?;
                let command = Command::CompleteActivity {
                    activity_id: activity_id.to_owned(),
                    result: result.map(str::to_owned),
                    note: note.map(str::to_owned),
                    by: Actor::User(by.to_owned()),
                };
                let opportunity = self.run_command(tx, opportunity, Some(activity_id), None, command).await?;
                Ok((activities::get(tx, activity_id).await?, Some(opportunity)))
            }
        })
    }

    pub async fn cancel_activity(&self, by: &str, activity_id: &str) -> Result<ActivityRecord> {
        in_write!(self, |tx| {
            {
                let activity = activities::get(tx, activity_id).await?;
                let Some(opportunity_id) = activity.opportunity_id.clone() else {
                    if !activity.status.is_open() {
                        return Err(dealflow_core::EngineError::ActivityNotOpen.into());
                    }
                    activities::set_cancelled(tx, activity_id, self.clock.now()).await?;
                    return Ok(activities::get(tx, activity_id).await?);
                };
                let opportunity = opportunities::get_for_update(tx, &opportunity_id).await?;
                let command = Command::CancelActivity { activity_id: activity_id.to_owned(), by: Actor::User(by.to_owned()) };
                self.run_command(tx, opportunity, Some(activity_id), None, command).await?;
                Ok(activities::get(tx, activity_id).await?)
            }
        })
    }

    /// R14: stop the instance; its open activities are cancelled, the stage stays.
    pub async fn cancel_instance(&self, by: &str, instance_id: &str) -> Result<InstanceRecord> {
        in_write!(self, |tx| {
            {
                let instance = processes::instance_by_id(tx, instance_id).await?;
                let opportunity = opportunities::get_for_update(tx, &instance.opportunity_id).await?;
                let running = processes::running_instance(tx, &opportunity.id).await?;
                if running.is_none_or(|r| r.id != instance.id) {
                    return Err(dealflow_core::EngineError::ProcessNotRunning.into());
                }
                self.run_command(tx, opportunity, None, None, Command::CancelInstance { by: Actor::User(by.to_owned()) }).await?;
                Ok(processes::instance_by_id(tx, instance_id).await?)
            }
        })
    }

    /// R15: a new owner takes over the open process activities.
    pub async fn change_owner(&self, opportunity_id: &str, owner_id: &str, version: Option<i64>) -> Result<OpportunityRecord> {
        in_write!(self, |tx| {
            {
                let opportunity = opportunities::get_for_update(tx, opportunity_id).await?;
                check_version(version, opportunity.version)?;
                let command = owner_change(tx, owner_id).await?;
                self.run_command(tx, opportunity, None, None, command).await
            }
        })
    }

    /// A manual activity with no opportunity: no process is involved.
    async fn finish_standalone(
        &self,
        tx: &mut dealflow_store::WriteTx,
        activity: ActivityRecord,
        result: Option<&str>,
        note: Option<&str>,
    ) -> Result<ActivityRecord> {
        if !activity.status.is_open() {
            return Err(dealflow_core::EngineError::ActivityNotOpen.into());
        }
        let result = result.unwrap_or(dealflow_core::engine::DEFAULT_RESULT);
        if result != dealflow_core::engine::DEFAULT_RESULT {
            return Err(dealflow_core::EngineError::UnknownResult(result.to_owned()).into());
        }
        activities::set_completed(tx, &activity.id, result, note, self.clock.now()).await?;
        Ok(activities::get(tx, &activity.id).await?)
    }
}

/// R15's command for a new owner, who must be an active user.
pub(crate) async fn owner_change(tx: &mut dealflow_store::WriteTx, owner_id: &str) -> Result<Command> {
    let owner = users::get(tx, owner_id).await.map_err(|_| ServiceError::invalid("owner_id", "no such user"))?;
    if !owner.active {
        return Err(ServiceError::invalid("owner_id", "this user is deactivated"));
    }
    Ok(Command::ChangeOwner { owner_id: owner.id, supervisor_id: owner.supervisor_id })
}
