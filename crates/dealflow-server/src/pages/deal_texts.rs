//! The texts of the next-step watchdog and of deal health, in both languages: a catalogue of
//! its own beside the main one (which is full), reached from it as `t.deal()`.

use super::i18n::{RU, Texts, catalogue};

catalogue! {
    DealTexts, DEAL_RU, DEAL_EN;
    next_step_days: "Следующий шаг в течение, дн.", "Next step within, days";
    next_step_column: "Шаг, дн.", "Step, days";
    next_step_days_help: "Продажа на этой стадии без открытого дела на этот срок вперёд считается заброшенной; 0 — не следить.", "An opportunity on this stage with no open activity due within this many days is stale; 0 turns the check off.";
    kind_stale: "Продажи без следующего шага", "Opportunities without a next step";
    stale: "Нет следующего шага", "No next step";
    stale_hint: "Ничего не запланировано на ближайшие {days} дн. Запланируйте звонок, встречу или задачу.", "Nothing is planned for the next {days} days. Plan a call, a meeting or a task.";
    plan_next_step: "Запланировать шаг", "Plan the next step";
    stale_only: "Только без следующего шага", "Without a next step only";
    health: "Здоровье сделки", "Deal health";
    health_filter: "Здоровье", "Health";
    health_good: "В порядке", "Good";
    health_at_risk: "Под угрозой", "At risk";
    health_poor: "Плохо", "Poor";
    health_score: "{score} из 100", "{score} of 100";
    health_intro: "Оценка начинается со 100 баллов; каждая причина ниже отнимает свою часть.", "The score starts at 100; each reason below takes its share off.";
    health_fine: "без потерь", "no points off";
    health_points: "{points} б.", "{points} pts";
    health_by_level: "Здоровье открытых продаж", "Open pipeline by health";
    health_by_level_hint: "По последней оценке: она обновляется в течение нескольких секунд после изменений сделки и раз в день для всех.", "As last assessed: within seconds of a change to the deal, and daily for all of them.";
    health_unassessed: "Ещё не оценены", "Not assessed yet";
}

impl Texts {
    /// The watchdog's and health's texts in this catalogue's language.
    pub fn deal(&self) -> &'static DealTexts {
        if std::ptr::eq(self, &RU) { &DEAL_RU } else { &DEAL_EN }
    }
}
