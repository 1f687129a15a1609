//! Deal health (SPEC §9): how an open deal is doing, from named factors, each with what it takes
//! off a score of 100 — so that a person sees *why* a deal is at risk, not only that it is.

use serde::{Deserialize, Serialize};

use crate::criteria::{DealFacts, DealField};
use crate::text::LocalizedText;

/// A score at or above this is good…
const GOOD_FROM: i32 = 75;
/// …at or above this at risk, and below it poor.
const AT_RISK_FROM: i32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthLevel {
    Good,
    AtRisk,
    Poor,
}

impl HealthLevel {
    pub const ALL: [HealthLevel; 3] = [HealthLevel::Good, HealthLevel::AtRisk, HealthLevel::Poor];

    pub fn as_str(self) -> &'static str {
        match self {
            HealthLevel::Good => "good",
            HealthLevel::AtRisk => "at_risk",
            HealthLevel::Poor => "poor",
        }
    }

    pub fn parse(s: &str) -> Option<HealthLevel> {
        HealthLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    fn of_score(score: i32) -> HealthLevel {
        match score {
            s if s >= GOOD_FROM => HealthLevel::Good,
            s if s >= AT_RISK_FROM => HealthLevel::AtRisk,
            _ => HealthLevel::Poor,
        }
    }
}

/// What is known of one open deal that its health weighs.
#[derive(Debug, Clone, Default)]
pub struct HealthInputs {
    /// Whole days since it entered its current stage.
    pub days_on_stage: Option<i64>,
    /// The team's median of whole days spent on that stage by the deals that left it lately;
    /// `None` while too few have.
    pub stage_median_days: Option<i64>,
    /// The stage's period for planning the next step, when the stage is watched…
    pub next_step_days: Option<u16>,
    /// …and whether an open activity is due within it.
    pub next_step_planned: bool,
    /// Open activities past their due time.
    pub overdue: u32,
    pub close_date_past: bool,
    /// How often the expected close date was moved later.
    pub close_date_pushes: u32,
    /// The exit criteria of its current stage in its running process (`None`: the stage has
    /// none), and how many of them do not hold.
    pub exit_criteria: Option<(usize, usize)>,
    pub facts: DealFacts,
}

/// One named factor and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Finding {
    /// Days on the current stage against the team's median for it.
    StageTime { days: i64, median_days: i64 },
    /// Whether an open activity is due within the stage's period.
    NextStep { planned: bool, period_days: u16 },
    /// Open activities past their due time.
    Overdue { count: u32 },
    /// The expected close date: in the past, and how often it was moved later.
    CloseDate { past: bool, pushes: u32 },
    /// The current stage's exit criteria that do not hold.
    ExitCriteria { unmet: usize, of: usize },
    /// Budget, authority (the decision maker), need and timeframe: how many are known.
    Bant { filled: usize },
}

/// A factor with what it takes off the score (0 or less).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Factor {
    #[serde(flatten)]
    pub finding: Finding,
    pub effect: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub level: HealthLevel,
    /// 100 less every factor's effect, at least 0.
    pub score: i32,
    /// The factors that apply to the deal, the heaviest first.
    pub factors: Vec<Factor>,
}

impl Health {
    /// The stage's period for planning the next step, when nothing is planned within it: the
    /// deal is stale (the next-step watchdog's rule).
    pub fn stale_for(&self) -> Option<u16> {
        self.factors.iter().find_map(|f| match f.finding {
            Finding::NextStep { planned: false, period_days } => Some(period_days),
            _ => None,
        })
    }
}

/// A median from fewer departures than this says little about the team: no median then.
pub const FEWEST_FOR_MEDIAN: usize = 5;

const DAY_MILLIS: i64 = 86_400_000;

/// The median of the times (milliseconds) deals spent on a stage, in whole days.
pub fn median_days(mut spent: Vec<i64>) -> Option<i64> {
    if spent.len() < FEWEST_FOR_MEDIAN {
        return None;
    }
    spent.sort_unstable();
    let middle = spent.len() / 2;
    let median = if spent.len() % 2 == 1 { spent[middle] } else { (spent[middle - 1] + spent[middle]) / 2 };
    Some(median.max(0) / DAY_MILLIS)
}

/// The BANT items known of a deal: a budget (named or confirmed), the decision maker, the need,
/// the timeframe.
pub fn bant_filled(facts: &DealFacts) -> usize {
    let has = |f: DealField| facts.filled.contains(&f);
    [
        has(DealField::Budget) || has(DealField::BudgetConfirmed),
        has(DealField::DecisionMaker),
        has(DealField::Need),
        has(DealField::Timeframe),
    ]
    .into_iter()
    .filter(|known| *known)
    .count()
}

/// What a factor takes off the score.
fn effect(finding: &Finding) -> i32 {
    match *finding {
        Finding::StageTime { days, median_days } if days > 2 * median_days => -25,
        Finding::StageTime { days, median_days } if days > median_days => -10,
        Finding::StageTime { .. } => 0,
        Finding::NextStep { planned, .. } => {
            if planned {
                0
            } else {
                -30
            }
        }
        Finding::Overdue { count } => -10 * i32::try_from(count.min(3)).expect("at most 3"),
        Finding::CloseDate { past, pushes } => (if past { -20 } else { 0 }) + (if pushes >= 2 { -15 } else { 0 }),
        Finding::ExitCriteria { unmet, .. } => -10 * i32::try_from(unmet.min(2)).expect("at most 2"),
        Finding::Bant { filled } => -5 * i32::try_from(4 - filled.min(4)).expect("at most 4"),
    }
}

/// The health of an open deal.
pub fn assess(inputs: &HealthInputs) -> Health {
    let mut findings = Vec::new();
    if let (Some(days), Some(median)) = (inputs.days_on_stage, inputs.stage_median_days) {
        // A stage the team passes within a day is not held against anyone for its first day.
        findings.push(Finding::StageTime { days, median_days: median.max(1) });
    }
    if let Some(period_days) = inputs.next_step_days {
        findings.push(Finding::NextStep { planned: inputs.next_step_planned, period_days });
    }
    findings.push(Finding::Overdue { count: inputs.overdue });
    findings.push(Finding::CloseDate { past: inputs.close_date_past, pushes: inputs.close_date_pushes });
    if let Some((of, unmet)) = inputs.exit_criteria {
        findings.push(Finding::ExitCriteria { unmet, of });
    }
    findings.push(Finding::Bant { filled: bant_filled(&inputs.facts) });
    let mut factors: Vec<Factor> = findings.into_iter().map(|finding| Factor { effect: effect(&finding), finding }).collect();
    factors.sort_by_key(|f| f.effect);
    let score = (100 + factors.iter().map(|f| f.effect).sum::<i32>()).max(0);
    Health { level: HealthLevel::of_score(score), score, factors }
}

impl Finding {
    /// What the factor found, in words, in both languages.
    pub fn describe(&self) -> LocalizedText {
        match *self {
            Finding::StageTime { days, median_days } => LocalizedText::new(
                format!("Дней на стадии: {days}; обычно в команде — {median_days}"),
                format!("Days on this stage: {days}; the team's median: {median_days}"),
            ),
            Finding::NextStep { planned: true, period_days } => LocalizedText::new(
                format!("Следующий шаг запланирован в пределах дней: {period_days}"),
                format!("A next step is planned within {period_days} days"),
            ),
            Finding::NextStep { planned: false, period_days } => LocalizedText::new(
                format!("Нет дела на ближайшие дни: {period_days}"),
                format!("Nothing is planned within {period_days} days"),
            ),
            Finding::Overdue { count: 0 } => LocalizedText::new("Просроченных дел нет", "No overdue activities"),
            Finding::Overdue { count } => LocalizedText::new(format!("Просрочено дел: {count}"), format!("Overdue activities: {count}")),
            Finding::CloseDate { past, pushes } => {
                let (mut ru, mut en) = match past {
                    true => ("Ожидаемая дата закрытия прошла".to_owned(), "The expected close date has passed".to_owned()),
                    false => ("Дата закрытия впереди".to_owned(), "The close date lies ahead".to_owned()),
                };
                if pushes > 0 {
                    ru.push_str(&format!("; переносилась позже: {pushes}"));
                    en.push_str(&if pushes == 1 { "; moved later once".to_owned() } else { format!("; moved later {pushes} times") });
                }
                LocalizedText::new(ru, en)
            }
            Finding::ExitCriteria { unmet: 0, .. } => LocalizedText::new("Условия стадии выполнены", "The stage's exit criteria are met"),
            Finding::ExitCriteria { unmet, of } => LocalizedText::new(
                format!("Не выполнено условий стадии: {unmet} из {of}"),
                format!("{unmet} of {of} exit criteria of the stage are not met"),
            ),
            Finding::Bant { filled } => LocalizedText::new(
                format!("Известно о бюджете, полномочиях, потребности и сроках: {filled} из 4"),
                format!("{filled} of 4 BANT items known (budget, authority, need, timeframe)"),
            ),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Finding::StageTime { .. } => "stage_time",
            Finding::NextStep { .. } => "next_step",
            Finding::Overdue { .. } => "overdue",
            Finding::CloseDate { .. } => "close_date",
            Finding::ExitCriteria { .. } => "exit_criteria",
            Finding::Bant { .. } => "bant",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(fields: &[DealField]) -> DealFacts {
        DealFacts { filled: fields.iter().copied().collect(), ..DealFacts::default() }
    }

    fn all_bant() -> DealFacts {
        facts(&[DealField::Budget, DealField::DecisionMaker, DealField::Need, DealField::Timeframe])
    }

    #[test]
    fn a_deal_with_its_work_in_order_is_good() {
        let health = assess(&HealthInputs {
            days_on_stage: Some(3),
            stage_median_days: Some(5),
            next_step_days: Some(7),
            next_step_planned: true,
            exit_criteria: Some((2, 0)),
            facts: all_bant(),
            ..HealthInputs::default()
        });
        assert_eq!((health.level, health.score), (HealthLevel::Good, 100));
        assert_eq!(health.factors.len(), 6);
        assert!(health.factors.iter().all(|f| f.effect == 0));
    }

    #[test]
    fn each_reason_counts_and_the_heaviest_comes_first() {
        let health = assess(&HealthInputs {
            days_on_stage: Some(11),
            stage_median_days: Some(5),
            next_step_days: Some(7),
            next_step_planned: false,
            overdue: 5,
            close_date_past: true,
            close_date_pushes: 2,
            exit_criteria: Some((3, 3)),
            facts: facts(&[DealField::BudgetConfirmed]),
        });
        let effects: Vec<(&str, i32)> = health.factors.iter().map(|f| (f.finding.code(), f.effect)).collect();
        assert_eq!(
            effects,
            [("close_date", -35), ("next_step", -30), ("overdue", -30), ("stage_time", -25), ("exit_criteria", -20), ("bant", -15)]
        );
        assert_eq!((health.level, health.score), (HealthLevel::Poor, 0));
    }

    #[test]
    fn levels_follow_the_score() {
        // Half the BANT unknown is a note; no next step puts the deal at risk; with an overdue
        // task and nothing known as well it is poor.
        let noted = assess(&HealthInputs { facts: facts(&[DealField::Need, DealField::Timeframe]), ..HealthInputs::default() });
        assert_eq!((noted.level, noted.score), (HealthLevel::Good, 90));
        let risky = assess(&HealthInputs { next_step_days: Some(5), facts: all_bant(), ..HealthInputs::default() });
        assert_eq!((risky.level, risky.score), (HealthLevel::AtRisk, 70));
        let poor = assess(&HealthInputs { next_step_days: Some(5), overdue: 1, ..HealthInputs::default() });
        assert_eq!((poor.level, poor.score), (HealthLevel::Poor, 40));
    }

    #[test]
    fn factors_that_do_not_apply_are_left_out() {
        // A final or unwatched stage, no median yet, a process without criteria.
        let health = assess(&HealthInputs { days_on_stage: Some(40), facts: all_bant(), ..HealthInputs::default() });
        let codes: Vec<&str> = health.factors.iter().map(|f| f.finding.code()).collect();
        assert_eq!(codes, ["overdue", "close_date", "bant"]);
        // A median of 0 days (a stage passed the same day) still lets a deal spend a day there.
        let quick = assess(&HealthInputs { days_on_stage: Some(1), stage_median_days: Some(0), ..HealthInputs::default() });
        assert_eq!(quick.factors.iter().find(|f| f.finding.code() == "stage_time").map(|f| f.effect), Some(0));
    }

    #[test]
    fn the_median_needs_a_few_departures_and_counts_whole_days() {
        let day = DAY_MILLIS;
        assert_eq!(median_days(vec![day; 4]), None);
        assert_eq!(median_days(vec![9 * day, day, 3 * day, 2 * day, 50 * day]), Some(3));
        assert_eq!(median_days(vec![day, 2 * day, 4 * day, 5 * day, 6 * day, 30 * day]), Some(4));
        assert_eq!(median_days(vec![day / 2; 5]), Some(0));
    }

    #[test]
    fn a_deal_without_a_next_step_is_stale_for_its_period() {
        let stale = assess(&HealthInputs { next_step_days: Some(5), ..HealthInputs::default() });
        assert_eq!(stale.stale_for(), Some(5));
        let planned = assess(&HealthInputs { next_step_days: Some(5), next_step_planned: true, ..HealthInputs::default() });
        assert_eq!(planned.stale_for(), None);
    }

    #[test]
    fn every_finding_reads_in_both_languages() {
        let findings = [
            Finding::StageTime { days: 9, median_days: 4 },
            Finding::NextStep { planned: false, period_days: 7 },
            Finding::NextStep { planned: true, period_days: 7 },
            Finding::Overdue { count: 0 },
            Finding::Overdue { count: 2 },
            Finding::CloseDate { past: true, pushes: 3 },
            Finding::CloseDate { past: false, pushes: 0 },
            Finding::ExitCriteria { unmet: 1, of: 2 },
            Finding::ExitCriteria { unmet: 0, of: 2 },
            Finding::Bant { filled: 2 },
        ];
        for finding in findings {
            let text = finding.describe();
            assert!(!text.ru.is_empty() && !text.en.is_empty() && text.ru != text.en, "{finding:?}");
        }
    }
}
