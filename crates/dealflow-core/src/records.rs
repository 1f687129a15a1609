//! The records dealflow keeps, as the services, the store and the front ends all see them.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::criteria::{DealFacts, DealField};
use crate::definition::ActivityType;
use crate::engine::{ActivityStatus, InstanceStatus, Outcome, StartedVia};
use crate::{Locale, LocalizedText, Money, StageCode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "manager" => Some(Role::Manager),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub supervisor_id: Option<String>,
    pub locale: Locale,
    /// An IANA zone name; `None` until the person's browser or an administrator names one, and
    /// meanwhile the setting `default_time_zone` applies.
    pub time_zone: Option<String>,
    pub active: bool,
    pub password_hash: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password_hash", &"***")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    /// The company's tax number (INN in Russia, a VAT number elsewhere), which imports match by.
    pub tax_number: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub account_id: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: Timestamp,
}

/// A contact taking part in the sale, with their role in it ("attends the presentation").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub contact_id: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Competitor {
    pub name: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityRecord {
    pub id: String,
    pub title: String,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub owner_id: String,
    pub stage: StageCode,
    pub amount: Option<Money>,
    pub probability: Option<u8>,
    pub close_date: Option<String>,
    pub budget: Option<Money>,
    pub budget_confirmed: bool,
    pub decision_maker_id: Option<String>,
    pub need: Option<String>,
    pub timeframe: Option<String>,
    pub tactic: Option<String>,
    pub participants: Vec<Participant>,
    pub competitors: Vec<Competitor>,
    pub presentation_id: Option<String>,
    pub actual_revenue: Option<Money>,
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub lead_id: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Kept by the store, never written through the record: how often its expected close date
    /// was moved later.
    pub close_date_pushes: u32,
}

impl OpportunityRecord {
    /// What the deal is worth: its actual revenue once someone entered it, else its amount. The
    /// board, the lists and the analytics all count this one figure.
    pub fn worth(&self) -> Option<Money> {
        self.actual_revenue.or(self.amount)
    }

    /// What exit criteria read of the deal.
    pub fn facts(&self) -> DealFacts {
        let o = self;
        let text = |t: &Option<String>| t.as_deref().is_some_and(|t| !t.trim().is_empty());
        let filled = DealField::ALL.into_iter().filter(|field| match field {
            DealField::Account => o.account_id.is_some(),
            DealField::Contact => o.contact_id.is_some(),
            DealField::Amount => o.amount.is_some(),
            DealField::Probability => o.probability.is_some(),
            DealField::CloseDate => o.close_date.is_some(),
            DealField::Budget => o.budget.is_some(),
            DealField::BudgetConfirmed => o.budget_confirmed,
            DealField::DecisionMaker => o.decision_maker_id.is_some(),
            DealField::Need => text(&o.need),
            DealField::Timeframe => text(&o.timeframe),
            DealField::Tactic => text(&o.tactic),
            DealField::Presentation => o.presentation_id.is_some(),
        });
        DealFacts { filled: filled.collect(), participants: o.participants.len(), competitors: o.competitors.len() }
    }

    /// A new open opportunity with only the required fields set.
    pub fn new(id: String, title: String, owner_id: String, stage: StageCode, now: Timestamp) -> Self {
        OpportunityRecord {
            id,
            title,
            account_id: None,
            contact_id: None,
            owner_id,
            stage,
            amount: None,
            probability: None,
            close_date: None,
            budget: None,
            budget_confirmed: false,
            decision_maker_id: None,
            need: None,
            timeframe: None,
            tactic: None,
            participants: Vec::new(),
            competitors: Vec::new(),
            presentation_id: None,
            actual_revenue: None,
            hours_spent: None,
            close_reason: None,
            closed_at: None,
            lead_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
            close_date_pushes: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: String,
    pub kind: ActivityType,
    pub title: LocalizedText,
    pub owner_id: String,
    pub status: ActivityStatus,
    pub result: Option<String>,
    pub result_note: Option<String>,
    pub start_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub opportunity_id: Option<String>,
    /// The customer it is about, besides or instead of an opportunity.
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    /// How long a meeting or call lasts from its start.
    pub duration_minutes: Option<u32>,
    pub process_instance_id: Option<String>,
    pub stage: Option<StageCode>,
    pub step: Option<String>,
    pub stage_visit: Option<u32>,
    pub created_by: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRecord {
    pub id: String,
    pub process_code: String,
    pub process_version: u32,
    pub opportunity_id: String,
    pub status: InstanceStatus,
    pub outcome: Option<Outcome>,
    pub started_via: StartedVia,
    pub started_by: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub visits: BTreeMap<StageCode, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    pub opportunity_id: String,
    pub seq: u32,
    pub from_stage: Option<StageCode>,
    pub to_stage: StageCode,
    pub at: Timestamp,
    pub by_user_id: Option<String>,
    pub by_process: bool,
    pub visit: Option<u32>,
    pub instance_id: Option<String>,
    /// Why the exit criteria were overridden, when they were.
    pub override_reason: Option<String>,
    /// The name of the file an import made the opportunity from (on its first entry).
    pub imported_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub title: LocalizedText,
    pub body: LocalizedText,
    pub entity_type: String,
    pub entity_id: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

impl NotificationRecord {
    /// A notice as it is stored: unread, made at `at`.
    pub fn unread(id: String, notice: &crate::notification::Notification, at: Timestamp) -> NotificationRecord {
        NotificationRecord {
            id,
            user_id: notice.user_id.clone(),
            kind: notice.kind.as_str().to_owned(),
            title: notice.title.clone(),
            body: notice.body.clone(),
            entity_type: notice.entity_type.as_str().to_owned(),
            entity_id: notice.entity_id.clone(),
            created_at: at,
            read_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: String,
    pub title: String,
    pub need: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub owner_id: String,
    pub budget: Option<Money>,
    pub stage: StageCode,
    pub opportunity_id: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingRecord {
    pub key: String,
    /// JSON text.
    pub value: String,
    pub description: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeRecord {
    pub id: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub author_id: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: String,
    pub opportunity_id: String,
    pub amount: Money,
    pub status: String,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
}

/// One published version of a process definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessVersionRecord {
    pub code: String,
    pub version: u32,
    pub document: String,
    pub published_by: Option<String>,
    pub published_at: Timestamp,
}

/// One reason a deal was lost, offered by the close dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostReason {
    pub code: String,
    pub name: LocalizedText,
    pub position: i32,
    pub active: bool,
}

/// What a note is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteTarget {
    Opportunity(String),
    Account(String),
    Contact(String),
}

/// A note on an opportunity, an account or a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: String,
    pub body: String,
    pub author_id: String,
    pub target: NoteTarget,
    pub created_at: Timestamp,
}
