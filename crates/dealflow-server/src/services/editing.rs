//! Editing opportunities and activities outside the process commands, and orders.

use dealflow_core::Money;
use dealflow_core::engine::ActivityStatus;
use dealflow_store::queries::{Table, activities, customers, lookups, opportunities, users};
use dealflow_store::records::{ActivityRecord, Competitor, OpportunityRecord, OrderRecord, Participant};
use jiff::Timestamp;

use super::Services;
use super::records::{MAX_TEXT, MAX_TITLE, check_reference, check_texts, check_title};
use crate::error::{Result, ServiceError};
use crate::new_id;

/// What a PATCH of an opportunity sets; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct OpportunityChanges {
    pub title: Option<String>,
    pub account_id: Option<Option<String>>,
    pub contact_id: Option<Option<String>>,
    pub owner_id: Option<String>,
    pub amount: Option<Option<Money>>,
    pub probability: Option<Option<u8>>,
    pub close_date: Option<Option<String>>,
    pub budget: Option<Option<Money>>,
    pub budget_confirmed: Option<bool>,
    pub decision_maker_id: Option<Option<String>>,
    pub need: Option<Option<String>>,
    pub timeframe: Option<Option<String>>,
    pub tactic: Option<Option<String>>,
    pub participants: Option<Vec<Participant>>,
    pub competitors: Option<Vec<Competitor>>,
    pub presentation_id: Option<Option<String>>,
    pub actual_revenue: Option<Option<Money>>,
    pub hours_spent: Option<Option<f64>>,
    pub close_reason: Option<Option<String>>,
}

/// What a PATCH of an activity sets.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub title: Option<String>,
    pub status: Option<ActivityStatus>,
    pub start_at: Option<Option<Timestamp>>,
    pub due_at: Option<Option<Timestamp>>,
    pub owner_id: Option<String>,
}

fn set<T>(field: &mut T, change: Option<T>) {
    if let Some(value) = change {
        *field = value;
    }
}

impl Services {
    /// PATCH: every field but the stage and closing time. `if_match` must equal the version
    /// (412 otherwise); a new owner takes over the open process activities (R15).
    pub async fn update_opportunity(&self, id: &str, changes: OpportunityChanges, if_match: Option<i64>) -> Result<OpportunityRecord> {
        let title = changes.title.as_deref().map(|t| check_title("title", t)).transpose()?;
        let text = |v: &Option<Option<String>>| v.as_ref().and_then(|v| v.as_deref()).map(str::to_owned);
        let (need, timeframe, tactic, reason) =
            (text(&changes.need), text(&changes.timeframe), text(&changes.tactic), text(&changes.close_reason));
        check_texts(&[
            ("need", need.as_deref(), MAX_TEXT),
            ("timeframe", timeframe.as_deref(), MAX_TITLE),
            ("tactic", tactic.as_deref(), MAX_TEXT),
            ("close_reason", reason.as_deref(), MAX_TEXT),
            ("close_date", changes.close_date.as_ref().and_then(|d| d.as_deref()), MAX_TITLE),
        ])?;
        for (i, p) in changes.participants.iter().flatten().enumerate() {
            check_texts(&[(&format!("participants[{i}].role"), Some(&p.role), MAX_TITLE)])?;
        }
        for (i, c) in changes.competitors.iter().flatten().enumerate() {
            check_texts(&[
                (&format!("competitors[{i}].name"), Some(&c.name), MAX_TITLE),
                (&format!("competitors[{i}].note"), Some(&c.note), MAX_TEXT),
            ])?;
        }
        if changes.hours_spent.flatten().is_some_and(|h| !h.is_finite() || h < 0.0) {
            return Err(ServiceError::invalid("hours_spent", "must be a number of hours, zero or more"));
        }
        in_write!(self, |tx| {
            let mut current = opportunities::get_for_update(tx, id).await?;
            if let Some(expected) = if_match
                && expected != current.version
            {
                return Err(ServiceError::PreconditionFailed { current: current.version });
            }
            let mut bumped = false;
            if let Some(owner_id) = changes.owner_id.clone().filter(|o| *o != current.owner_id) {
                let command = super::process::owner_change(tx, &owner_id).await?;
                current = self.run_command(tx, current, None, None, command).await?;
                bumped = true;
            }
            let mut next = current.clone();
            set(&mut next.title, title.clone());
            set(&mut next.account_id, changes.account_id.clone());
            set(&mut next.contact_id, changes.contact_id.clone());
            set(&mut next.amount, changes.amount);
            set(&mut next.probability, changes.probability);
            set(&mut next.close_date, changes.close_date.clone());
            set(&mut next.budget, changes.budget);
            set(&mut next.budget_confirmed, changes.budget_confirmed);
            set(&mut next.decision_maker_id, changes.decision_maker_id.clone());
            set(&mut next.need, changes.need.clone());
            set(&mut next.timeframe, changes.timeframe.clone());
            set(&mut next.tactic, changes.tactic.clone());
            set(&mut next.participants, changes.participants.clone());
            set(&mut next.competitors, changes.competitors.clone());
            set(&mut next.presentation_id, changes.presentation_id.clone());
            set(&mut next.actual_revenue, changes.actual_revenue);
            set(&mut next.hours_spent, changes.hours_spent);
            set(&mut next.close_reason, changes.close_reason.clone());
            if next == current {
                return Ok(current);
            }
            check_reference(tx, "account_id", Table::Accounts, &next.account_id).await?;
            check_reference(tx, "contact_id", Table::Contacts, &next.contact_id).await?;
            check_reference(tx, "decision_maker_id", Table::Contacts, &next.decision_maker_id).await?;
            check_reference(tx, "presentation_id", Table::KnowledgeArticles, &next.presentation_id).await?;
            for (i, participant) in next.participants.iter().enumerate() {
                check_reference(tx, &format!("participants[{i}].contact_id"), Table::Contacts, &Some(participant.contact_id.clone()))
                    .await?;
            }
            opportunities::update_fields(tx, &next, self.clock.now(), !bumped).await?;
            Ok(opportunities::get(tx, id).await?)
        })
    }

    /// PATCH of an activity: start in progress, move its times, hand it to someone. A process
    /// activity's title belongs to the process.
    pub async fn update_activity(&self, id: &str, changes: ActivityChanges) -> Result<ActivityRecord> {
        let title = changes.title.as_deref().map(|t| check_title("title", t)).transpose()?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut activity = activities::get(tx, id).await?;
            if !activity.status.is_open() {
                return Err(dealflow_core::EngineError::ActivityNotOpen.into());
            }
            if let Some(title) = &title {
                if activity.process_instance_id.is_some() {
                    return Err(ServiceError::invalid("title", "the process names its activities; the title cannot change"));
                }
                activity.title = dealflow_core::LocalizedText::same(title.clone());
            }
            match changes.status {
                None => {}
                Some(status @ (ActivityStatus::InProgress | ActivityStatus::NotStarted)) => activity.status = status,
                Some(_) => return Err(ServiceError::invalid("status", "use …/complete or …/cancel to finish an activity")),
            }
            set(&mut activity.start_at, changes.start_at);
            set(&mut activity.due_at, changes.due_at);
            if let Some(owner_id) = &changes.owner_id {
                let owner = users::get(tx, owner_id).await.map_err(|_| ServiceError::invalid("owner_id", "no such user"))?;
                if !owner.active {
                    return Err(ServiceError::invalid("owner_id", "this user is deactivated"));
                }
                activity.owner_id = owner.id;
            }
            activities::update_details(tx, &activity, now).await?;
            Ok(activities::get(tx, id).await?)
        })
    }

    /// An order from a won opportunity, for its actual revenue (or its amount).
    pub async fn create_order(&self, by: &str, opportunity_id: &str) -> Result<OrderRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let opportunity = opportunities::get_for_update(tx, opportunity_id).await?;
            let stages = lookups::stage_catalog(tx).await?;
            if !stages.get(opportunity.stage.as_str()).is_some_and(|s| s.is_final && s.is_won) {
                return Err(ServiceError::OpportunityNotWon);
            }
            let order = OrderRecord {
                id: new_id(),
                opportunity_id: opportunity.id.clone(),
                amount: opportunity.actual_revenue.or(opportunity.amount).unwrap_or(Money::ZERO),
                status: "new".into(),
                created_by: Some(by.to_owned()),
                created_at: now,
            };
            customers::insert_order(tx, &order).await?;
            Ok(order)
        })
    }
}
