//! Creating the records that processes work on: users, opportunities, manual activities.

use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_core::{Locale, LocalizedText, Money, StageCode};
use dealflow_store::StoreError;
use dealflow_store::queries::{self, Table, activities, lookups, opportunities, users};
use dealflow_store::records::{ActivityRecord, HistoryRecord, OpportunityRecord, Role, UserRecord};
use jiff::Timestamp;

use super::Services;
use crate::error::{Result, ServiceError};
use crate::{new_id, password};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub supervisor_id: Option<String>,
    pub locale: Locale,
    pub password: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewOpportunity {
    pub title: String,
    pub owner_id: String,
    /// The first stage by position when not given.
    pub stage: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub amount: Option<Money>,
    pub probability: Option<u8>,
    pub close_date: Option<String>,
    pub budget: Option<Money>,
    pub need: Option<String>,
    pub lead_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityType,
    pub title: String,
    pub owner_id: String,
    pub opportunity_id: Option<String>,
    pub start_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
}

pub(crate) const MAX_TITLE: usize = 500;
/// Longer free text (need, tactic, notes, article bodies).
pub(crate) const MAX_TEXT: usize = 20_000;

/// Checks free-text fields against their limit and reports every one that is too long.
pub(crate) fn check_texts(fields: &[(&str, Option<&str>, usize)]) -> Result<()> {
    let problems: Vec<_> = fields
        .iter()
        .filter(|(_, value, max)| value.is_some_and(|v| v.chars().count() > *max))
        .map(|(field, _, max)| crate::error::FieldError::new(*field, format!("must be at most {max} characters")))
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(ServiceError::Validation(problems)) }
}

pub(crate) fn check_title(field: &str, title: &str) -> Result<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ServiceError::invalid(field, "must not be empty"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(ServiceError::invalid(field, format!("must be at most {MAX_TITLE} characters")));
    }
    Ok(title.to_owned())
}

impl Services {
    pub async fn create_user(&self, input: NewUser) -> Result<UserRecord> {
        let name = check_title("name", &input.name)?;
        let email = input.email.trim().to_owned();
        if !email.contains('@') || email.len() > 254 {
            return Err(ServiceError::invalid("email", "must be an email address"));
        }
        if input.password.chars().count() < 8 {
            return Err(ServiceError::invalid("password", "must be at least 8 characters"));
        }
        let password_hash = password::hash_off_runtime(input.password).await;
        let record = UserRecord {
            id: new_id(),
            email,
            name,
            role: input.role,
            supervisor_id: input.supervisor_id,
            locale: input.locale,
            active: true,
            password_hash,
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| {
            {
                if let Some(supervisor) = &record.supervisor_id {
                    users::get(tx, supervisor).await.map_err(|_| ServiceError::invalid("supervisor_id", "no such user"))?;
                }
                match users::insert(tx, &record).await {
                    Err(StoreError::Conflict { .. }) => Err(ServiceError::AlreadyExists("email".into())),
                    other => Ok(other?),
                }
            }
        })?;
        Ok(record)
    }

    /// An opportunity without a process; its history starts with a creation entry.
    pub async fn create_opportunity(&self, by: &str, input: NewOpportunity) -> Result<OpportunityRecord> {
        let title = check_title("title", &input.title)?;
        check_texts(&[("need", input.need.as_deref(), MAX_TEXT)])?;
        in_write!(self, |tx| {
            {
                let stages = lookups::stage_catalog(tx).await?;
                let stage = match &input.stage {
                    Some(code) => match stages.get(code) {
                        Some(s) if s.active => s.code.clone(),
                        Some(_) => return Err(ServiceError::invalid("stage", format!("stage \"{code}\" is not active"))),
                        None => return Err(ServiceError::invalid("stage", format!("\"{code}\" is not a stage"))),
                    },
                    None => stages.first_open().map(|s| s.code.clone()).ok_or_else(|| ServiceError::invalid("stage", "no active stage"))?,
                };
                let now = self.clock.now();
                let mut record = OpportunityRecord::new(new_id(), title.clone(), input.owner_id.clone(), stage.clone(), now);
                record.account_id = input.account_id.clone();
                record.contact_id = input.contact_id.clone();
                record.amount = input.amount;
                record.probability = input.probability;
                record.close_date = input.close_date.clone();
                record.budget = input.budget;
                record.need = input.need.clone();
                record.lead_id = input.lead_id.clone();
                if stages.is_final(stage.as_str()) {
                    record.closed_at = Some(now);
                }
                check_reference(tx, "owner_id", Table::Users, &Some(record.owner_id.clone())).await?;
                check_reference(tx, "account_id", Table::Accounts, &record.account_id).await?;
                check_reference(tx, "contact_id", Table::Contacts, &record.contact_id).await?;
                opportunities::insert(tx, &record).await?;
                opportunities::insert_history(tx, &creation_entry(&record.id, &stage, by, now)).await?;
                Ok(record)
            }
        })
    }

    /// A manual activity: no process fields, never cancelled by a stage change (R5).
    pub async fn create_activity(&self, by: &str, input: NewActivity) -> Result<ActivityRecord> {
        let title = check_title("title", &input.title)?;
        let now = self.clock.now();
        let record = ActivityRecord {
            id: new_id(),
            kind: input.kind,
            title: LocalizedText::same(title),
            owner_id: input.owner_id,
            status: ActivityStatus::NotStarted,
            result: None,
            result_note: None,
            start_at: input.start_at,
            due_at: input.due_at,
            completed_at: None,
            opportunity_id: input.opportunity_id,
            process_instance_id: None,
            stage: None,
            step: None,
            stage_visit: None,
            created_by: Some(by.to_owned()),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        in_write!(self, |tx| {
            check_reference(tx, "owner_id", Table::Users, &Some(record.owner_id.clone())).await?;
            check_reference(tx, "opportunity_id", Table::Opportunities, &record.opportunity_id).await?;
            Ok(activities::insert(tx, &record).await?)
        })?;
        Ok(record)
    }
}

/// A reference that must name an existing record, checked before writing so that the error
/// names the field rather than a foreign key.
pub(crate) async fn check_reference(tx: &mut dealflow_store::WriteTx, field: &str, table: Table, id: &Option<String>) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    if queries::exists(tx, table, id).await? { Ok(()) } else { Err(ServiceError::invalid(field, "refers to a record that does not exist")) }
}

/// The first entry of every opportunity's history.
pub(crate) fn creation_entry(opportunity_id: &str, stage: &StageCode, by: &str, at: Timestamp) -> HistoryRecord {
    HistoryRecord {
        opportunity_id: opportunity_id.to_owned(),
        seq: 1,
        from_stage: None,
        to_stage: stage.clone(),
        at,
        by_user_id: Some(by.to_owned()),
        by_process: false,
        visit: None,
        instance_id: None,
    }
}

impl Services {
    /// Changes a system setting's value, which must have the setting's own shape.
    pub async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<dealflow_store::records::SettingRecord> {
        let refusal = match key {
            "start_sales_process" if !value.is_boolean() => Some("must be true or false"),
            "currency" if !value.as_str().is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())) => {
                Some("must be a three-letter ISO 4217 code such as RUB")
            }
            "default_locale" if !matches!(value.as_str(), Some("ru" | "en")) => Some("must be \"ru\" or \"en\""),
            _ => None,
        };
        if let Some(message) = refusal {
            return Err(ServiceError::invalid("value", message));
        }
        let now = self.clock.now();
        in_write!(self, |tx| {
            lookups::put_setting(tx, key, value, now).await?;
            let all = lookups::settings(tx).await?;
            all.into_iter().find(|s| s.key == key).ok_or(ServiceError::NotFound)
        })
    }
}

impl Services {
    /// Marks the user's own notification read (404 for anyone else's).
    pub async fn mark_notification_read(&self, user_id: &str, id: &str) -> Result<dealflow_store::records::NotificationRecord> {
        use dealflow_store::queries::notifications;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let notification = notifications::get(tx, id).await?;
            if notification.user_id != user_id {
                return Err(ServiceError::NotFound);
            }
            notifications::mark_read(tx, id, now).await?;
            Ok(notifications::get(tx, id).await?)
        })
    }

    pub async fn mark_all_notifications_read(&self, user_id: &str) -> Result<()> {
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(dealflow_store::queries::notifications::mark_all_read(tx, user_id, now).await?) })
    }
}
