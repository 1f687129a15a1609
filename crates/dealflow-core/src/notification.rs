//! The texts of the notices the engine sends, in both languages; the recipient's is shown.

use serde::{Deserialize, Serialize};

use crate::Id;
use crate::stage::Stage;
use crate::text::LocalizedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    ActivityAssigned,
    OpportunityWon,
    OpportunityLost,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::ActivityAssigned => "activity_assigned",
            NotificationKind::OpportunityWon => "opportunity_won",
            NotificationKind::OpportunityLost => "opportunity_lost",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Activity,
    Opportunity,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Activity => "activity",
            EntityType::Opportunity => "opportunity",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub user_id: Id,
    pub kind: NotificationKind,
    pub entity_type: EntityType,
    pub entity_id: Id,
    pub title: LocalizedText,
    pub body: LocalizedText,
}

/// The notice to the owner of a new process activity (R11).
pub fn activity_assigned(owner_id: &Id, activity_id: &Id, title: &LocalizedText, opportunity_title: &str) -> Notification {
    Notification {
        user_id: owner_id.clone(),
        kind: NotificationKind::ActivityAssigned,
        entity_type: EntityType::Activity,
        entity_id: activity_id.clone(),
        title: LocalizedText::new(format!("Новая задача: {}", title.ru), format!("New task: {}", title.en)),
        body: LocalizedText::new(
            format!("Процесс назначил вам задачу по продаже «{opportunity_title}»."),
            format!("The process assigned you a task on the opportunity “{opportunity_title}”."),
        ),
    }
}

pub fn activity_reassigned(owner_id: &Id, activity_id: &Id, title: &LocalizedText, opportunity_title: &str) -> Notification {
    Notification {
        user_id: owner_id.clone(),
        kind: NotificationKind::ActivityAssigned,
        entity_type: EntityType::Activity,
        entity_id: activity_id.clone(),
        title: LocalizedText::new(format!("Новая задача: {}", title.ru), format!("New task: {}", title.en)),
        body: LocalizedText::new(
            format!("Вы стали ответственным за продажу «{opportunity_title}», и её задача перешла к вам."),
            format!("You now own the opportunity “{opportunity_title}”, so its task moved to you."),
        ),
    }
}

pub fn opportunity_closed(supervisor_id: &Id, opportunity_id: &Id, opportunity_title: &str, stage: &Stage) -> Notification {
    let (kind, title) = if stage.is_won {
        (
            NotificationKind::OpportunityWon,
            LocalizedText::new(format!("Продажа выиграна: {opportunity_title}"), format!("Opportunity won: {opportunity_title}")),
        )
    } else {
        (
            NotificationKind::OpportunityLost,
            LocalizedText::new(format!("Продажа проиграна: {opportunity_title}"), format!("Opportunity lost: {opportunity_title}")),
        )
    };
    Notification {
        user_id: supervisor_id.clone(),
        kind,
        entity_type: EntityType::Opportunity,
        entity_id: opportunity_id.clone(),
        title,
        body: LocalizedText::new(
            format!("Продажа «{opportunity_title}» перешла на конечную стадию «{}».", stage.name.ru),
            format!("The opportunity “{opportunity_title}” reached the final stage “{}”.", stage.name.en),
        ),
    }
}
