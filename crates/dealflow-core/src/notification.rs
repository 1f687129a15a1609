//! The texts of the notices the engine sends, in both languages; the recipient's is shown.

use serde::{Deserialize, Serialize};

use crate::stage::Stage;
use crate::text::LocalizedText;
use crate::{Id, Locale, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    ActivityAssigned,
    OpportunityWon,
    OpportunityLost,
    /// Shortly before an activity begins or falls due, as its owner chose.
    ActivityReminder,
    /// An open deal has no next step planned within its stage's period: to its owner when it
    /// becomes stale, to the supervisor when it stays so for twice the period.
    OpportunityStale,
    /// A webhook endpoint gave up on a delivery after a day of failures: to every administrator.
    WebhookFailing,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::ActivityAssigned,
        NotificationKind::ActivityReminder,
        NotificationKind::OpportunityStale,
        NotificationKind::OpportunityWon,
        NotificationKind::OpportunityLost,
        NotificationKind::WebhookFailing,
    ];

    pub fn parse(text: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::ActivityAssigned => "activity_assigned",
            NotificationKind::OpportunityWon => "opportunity_won",
            NotificationKind::OpportunityLost => "opportunity_lost",
            NotificationKind::ActivityReminder => "activity_reminder",
            NotificationKind::OpportunityStale => "opportunity_stale",
            NotificationKind::WebhookFailing => "webhook_failing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Activity,
    Opportunity,
    /// The list of the recipient's (or their team's) deals without a next step.
    StaleOpportunities,
    WebhookEndpoint,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Activity => "activity",
            EntityType::Opportunity => "opportunity",
            EntityType::StaleOpportunities => "stale_opportunities",
            EntityType::WebhookEndpoint => "webhook_endpoint",
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

/// What a reminder says of its activity: when it begins (or is due), in the owner's words.
pub struct Upcoming<'a> {
    pub owner_id: &'a Id,
    pub activity_id: &'a Id,
    pub title: &'a LocalizedText,
    /// A meeting or call begins; a task or e-mail falls due.
    pub begins: bool,
    /// The moment in the owner's zone, as each language writes it.
    pub at: LocalizedText,
    pub opportunity_title: Option<&'a str>,
}

/// The reminder before an activity begins or falls due.
pub fn activity_reminder(upcoming: &Upcoming<'_>) -> Notification {
    let (when_ru, when_en) = if upcoming.begins { ("Начало", "Starts") } else { ("Срок", "Due") };
    let deal_ru = upcoming.opportunity_title.map(|t| format!(" · продажа «{t}»")).unwrap_or_default();
    let deal_en = upcoming.opportunity_title.map(|t| format!(" · opportunity “{t}”")).unwrap_or_default();
    Notification {
        user_id: upcoming.owner_id.clone(),
        kind: NotificationKind::ActivityReminder,
        entity_type: EntityType::Activity,
        entity_id: upcoming.activity_id.clone(),
        title: LocalizedText::new(format!("Напоминание: {}", upcoming.title.ru), format!("Reminder: {}", upcoming.title.en)),
        body: LocalizedText::new(format!("{when_ru}: {}{deal_ru}", upcoming.at.ru), format!("{when_en}: {}{deal_en}", upcoming.at.en)),
    }
}

/// What a supervisor reads of a closed deal besides its name: who owns it, for how much, why.
#[derive(Debug, Clone, Default)]
pub struct ClosedDeal {
    pub manager: String,
    /// The won revenue (the amount until one is entered) or the lost amount, with the currency.
    pub amount: Option<(Money, String)>,
    pub reason: Option<LocalizedText>,
}

/// The won or lost notice (R9) with the manager, the amount and the reason.
pub fn opportunity_closed_for(
    supervisor_id: &Id,
    opportunity_id: &Id,
    opportunity_title: &str,
    stage: &Stage,
    deal: &ClosedDeal,
) -> Notification {
    let mut notice = opportunity_closed(supervisor_id, opportunity_id, opportunity_title, stage);
    let amount = |locale| deal.amount.as_ref().map(|(money, currency)| money.written(currency, locale));
    let line = |locale: Locale, manager: &str, sum: &str, reason: &str, none: &str| {
        let mut parts = vec![format!("{manager}: {}", deal.manager)];
        parts.push(format!("{sum}: {}", amount(locale).unwrap_or_else(|| none.to_owned())));
        parts.push(format!("{reason}: {}", deal.reason.as_ref().map(|r| r.get(locale).to_owned()).unwrap_or_else(|| none.to_owned())));
        parts.join(" · ")
    };
    if let Some(sum) = amount(Locale::Ru) {
        notice.title.ru = format!("{} — {sum}", notice.title.ru);
    }
    if let Some(sum) = amount(Locale::En) {
        notice.title.en = format!("{} — {sum}", notice.title.en);
    }
    notice.body = LocalizedText::new(
        line(Locale::Ru, "Менеджер", "Сумма", "Причина", "не указана"),
        line(Locale::En, "Manager", "Amount", "Reason", "not given"),
    );
    notice
}

/// The notice to a deal's owner that it has gone stale: nothing planned within `days`.
pub fn opportunity_stale(owner_id: &Id, opportunity_id: &Id, opportunity_title: &str, days: u16) -> Notification {
    Notification {
        user_id: owner_id.clone(),
        kind: NotificationKind::OpportunityStale,
        entity_type: EntityType::Opportunity,
        entity_id: opportunity_id.clone(),
        title: LocalizedText::new(format!("Нет следующего шага: «{opportunity_title}»"), format!("No next step: “{opportunity_title}”")),
        body: LocalizedText::new(
            format!("По продаже ничего не запланировано на ближайшие {days} дн. Назначьте звонок, встречу или задачу."),
            format!("Nothing is planned on this opportunity for the next {days} days. Plan a call, a meeting or a task."),
        ),
    }
}

/// One notice for many deals that became stale in one run (`count`, `some` of their titles).
pub fn opportunities_stale(owner_id: &Id, count: u64, some: &[String]) -> Notification {
    let named = |open: &str, close: &str| some.iter().map(|t| format!("{open}{t}{close}")).collect::<Vec<_>>().join(", ");
    Notification {
        user_id: owner_id.clone(),
        kind: NotificationKind::OpportunityStale,
        entity_type: EntityType::StaleOpportunities,
        entity_id: owner_id.clone(),
        title: LocalizedText::new(format!("Продаж без следующего шага: {count}"), format!("Opportunities without a next step: {count}")),
        body: LocalizedText::new(
            format!("Ничего не запланировано, например, по {}. Назначьте по каждой звонок, встречу или задачу.", named("«", "»")),
            format!("Nothing is planned on {} and others. Plan a call, a meeting or a task on each.", named("“", "”")),
        ),
    }
}

/// One notice to a supervisor for many deals of one manager that stayed stale for twice their period.
pub fn opportunities_stalled(supervisor_id: &Id, manager: &str, count: u64, some: &[String]) -> Notification {
    let named = |open: &str, close: &str| some.iter().map(|t| format!("{open}{t}{close}")).collect::<Vec<_>>().join(", ");
    Notification {
        user_id: supervisor_id.clone(),
        kind: NotificationKind::OpportunityStale,
        entity_type: EntityType::StaleOpportunities,
        entity_id: supervisor_id.clone(),
        title: LocalizedText::new(
            format!("Продажи без движения: {count} · {manager}"),
            format!("Stalled opportunities: {count} · {manager}"),
        ),
        body: LocalizedText::new(
            format!("Следующий шаг не запланирован дольше двух сроков, например, по {}.", named("«", "»")),
            format!("No next step has been planned for twice the period on {} and others.", named("“", "”")),
        ),
    }
}

/// The notice to the owner's supervisor that a deal has stayed stale for `days` days.
pub fn opportunity_stalled(supervisor_id: &Id, opportunity_id: &Id, opportunity_title: &str, manager: &str, days: i64) -> Notification {
    Notification {
        user_id: supervisor_id.clone(),
        kind: NotificationKind::OpportunityStale,
        entity_type: EntityType::Opportunity,
        entity_id: opportunity_id.clone(),
        title: LocalizedText::new(
            format!("Продажа стоит на месте: «{opportunity_title}»"),
            format!("Opportunity stalled: “{opportunity_title}”"),
        ),
        body: LocalizedText::new(
            format!("Менеджер: {manager}. Следующий шаг не запланирован уже {days} дн."),
            format!("Manager: {manager}. No next step has been planned for {days} days."),
        ),
    }
}

/// The notice to an administrator that a webhook endpoint stopped taking deliveries.
pub fn webhook_failing(admin_id: &Id, endpoint_id: &Id, url: &str) -> Notification {
    Notification {
        user_id: admin_id.clone(),
        kind: NotificationKind::WebhookFailing,
        entity_type: EntityType::WebhookEndpoint,
        entity_id: endpoint_id.clone(),
        title: LocalizedText::new(format!("Вебхук не отвечает: {url}"), format!("Webhook failing: {url}")),
        body: LocalizedText::new(
            "Событие не удалось доставить за сутки попыток. Проверьте получателя и отправьте событие снова из журнала.".to_owned(),
            "An event could not be delivered in a day of tries. Check the receiver and send the event again from the log.".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StageCatalog;

    #[test]
    fn the_closed_notice_names_the_manager_the_amount_and_the_reason() {
        let stages = StageCatalog::defaults();
        let won = stages.get("closed_won").unwrap();
        let deal = ClosedDeal {
            manager: "Анна Смирнова".into(),
            amount: Some((Money::from_minor_units(150_000_000), "RUB".into())),
            reason: Some(LocalizedText::new("Лучшее предложение", "Best offer")),
        };
        let notice = opportunity_closed_for(&"s".into(), &"o".into(), "Сервера", won, &deal);
        assert_eq!(notice.title.ru, "Продажа выиграна: Сервера — 1\u{a0}500\u{a0}000,00\u{a0}₽");
        assert_eq!(notice.body.ru, "Менеджер: Анна Смирнова · Сумма: 1\u{a0}500\u{a0}000,00\u{a0}₽ · Причина: Лучшее предложение");
        assert_eq!(notice.body.en, "Manager: Анна Смирнова · Amount: 1,500,000.00\u{a0}₽ · Reason: Best offer");
        let bare =
            opportunity_closed_for(&"s".into(), &"o".into(), "Сервера", won, &ClosedDeal { manager: "A".into(), ..ClosedDeal::default() });
        assert_eq!(bare.body.en, "Manager: A · Amount: not given · Reason: not given");
    }
}
