//! Exit criteria: what must hold before a deal leaves a stage forward (SPEC §9). A process
//! definition lists them per stage; the engine checks them on every forward move and before an
//! auto-advance. Moving backward and closing lost are never checked.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::text::LocalizedText;

/// An opportunity field a criterion may require to be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealField {
    Account,
    Contact,
    Amount,
    Probability,
    CloseDate,
    Budget,
    BudgetConfirmed,
    DecisionMaker,
    Need,
    Timeframe,
    Tactic,
    Presentation,
}

impl DealField {
    pub const ALL: [DealField; 12] = [
        DealField::Account,
        DealField::Contact,
        DealField::Amount,
        DealField::Probability,
        DealField::CloseDate,
        DealField::Budget,
        DealField::BudgetConfirmed,
        DealField::DecisionMaker,
        DealField::Need,
        DealField::Timeframe,
        DealField::Tactic,
        DealField::Presentation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DealField::Account => "account",
            DealField::Contact => "contact",
            DealField::Amount => "amount",
            DealField::Probability => "probability",
            DealField::CloseDate => "close_date",
            DealField::Budget => "budget",
            DealField::BudgetConfirmed => "budget_confirmed",
            DealField::DecisionMaker => "decision_maker",
            DealField::Need => "need",
            DealField::Timeframe => "timeframe",
            DealField::Tactic => "tactic",
            DealField::Presentation => "presentation",
        }
    }

    pub fn parse(text: &str) -> Option<DealField> {
        DealField::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// What a person is asked to do for it.
    pub fn request(self) -> LocalizedText {
        let (ru, en) = match self {
            DealField::Account => ("Укажите клиента", "Choose the account"),
            DealField::Contact => ("Укажите контактное лицо", "Choose the contact"),
            DealField::Amount => ("Укажите сумму", "Enter the amount"),
            DealField::Probability => ("Укажите вероятность", "Enter the probability"),
            DealField::CloseDate => ("Укажите ожидаемую дату закрытия", "Enter the expected close date"),
            DealField::Budget => ("Укажите бюджет клиента", "Enter the customer's budget"),
            DealField::BudgetConfirmed => ("Отметьте, что бюджет подтверждён", "Mark the budget as confirmed"),
            DealField::DecisionMaker => ("Укажите лицо, принимающее решение", "Name the decision maker"),
            DealField::Need => ("Опишите потребность клиента", "Describe the customer's need"),
            DealField::Timeframe => ("Укажите срок принятия решения", "Enter when the customer will decide"),
            DealField::Tactic => ("Опишите тактику продажи", "Describe the tactic"),
            DealField::Presentation => ("Выберите презентацию из базы знаний", "Pick a presentation from the knowledge base"),
        };
        LocalizedText::new(ru, en)
    }
}

/// Records of a deal a criterion may require at least one of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealRecords {
    Participants,
    Competitors,
}

impl DealRecords {
    pub fn as_str(self) -> &'static str {
        match self {
            DealRecords::Participants => "participants",
            DealRecords::Competitors => "competitors",
        }
    }

    pub fn parse(text: &str) -> Option<DealRecords> {
        [DealRecords::Participants, DealRecords::Competitors].into_iter().find(|r| r.as_str() == text)
    }

    pub fn request(self) -> LocalizedText {
        match self {
            DealRecords::Participants => LocalizedText::new("Добавьте хотя бы одного участника", "Add at least one participant"),
            DealRecords::Competitors => LocalizedText::new("Добавьте хотя бы одного конкурента", "Add at least one competitor"),
        }
    }
}

/// One thing that must hold before a deal leaves its stage forward. Written in a definition as
/// `{ filled = "amount" }`, `{ present = "participants" }` or `{ step = "presentation", result = "done" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExitCriterion {
    Filled {
        filled: DealField,
    },
    Present {
        present: DealRecords,
    },
    /// A step of the process (any of its stages) completed with this result in the running
    /// instance, at any visit.
    StepEnded {
        step: String,
        result: String,
    },
}

impl ExitCriterion {
    /// The machine code of the criterion, as the API names what is unmet.
    pub fn code(&self) -> String {
        match self {
            ExitCriterion::Filled { filled } => format!("filled.{}", filled.as_str()),
            ExitCriterion::Present { present } => format!("present.{}", present.as_str()),
            ExitCriterion::StepEnded { step, result } => format!("step.{step}.{result}"),
        }
    }
}

/// A criterion that does not hold: its code and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    pub code: String,
    pub message: LocalizedText,
}

/// What the criteria read of a deal besides its process activities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealFacts {
    pub filled: BTreeSet<DealField>,
    pub participants: usize,
    pub competitors: usize,
}

impl DealFacts {
    /// Whether `criterion` holds; `step_ended(step, result)` says whether the running instance
    /// completed that step with that result.
    pub fn meet(&self, criterion: &ExitCriterion, step_ended: &dyn Fn(&str, &str) -> bool) -> bool {
        match criterion {
            ExitCriterion::Filled { filled } => self.filled.contains(filled),
            ExitCriterion::Present { present: DealRecords::Participants } => self.participants > 0,
            ExitCriterion::Present { present: DealRecords::Competitors } => self.competitors > 0,
            ExitCriterion::StepEnded { step, result } => step_ended(step, result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_are_written_as_small_tables_and_read_back() {
        let criteria = vec![
            ExitCriterion::Filled { filled: DealField::DecisionMaker },
            ExitCriterion::Present { present: DealRecords::Participants },
            ExitCriterion::StepEnded { step: "presentation".into(), result: "done".into() },
        ];
        let json = serde_json::to_string(&criteria).unwrap();
        assert_eq!(json, r#"[{"filled":"decision_maker"},{"present":"participants"},{"step":"presentation","result":"done"}]"#);
        assert_eq!(serde_json::from_str::<Vec<ExitCriterion>>(&json).unwrap(), criteria);
        assert_eq!(
            criteria.iter().map(ExitCriterion::code).collect::<Vec<_>>(),
            ["filled.decision_maker", "present.participants", "step.presentation.done"]
        );
    }

    #[test]
    fn facts_count_blank_text_as_empty() {
        let mut o = crate::records::OpportunityRecord::new(
            "o".into(),
            "Deal".into(),
            "u".into(),
            crate::StageCode::parse("qualification").unwrap(),
            jiff::Timestamp::UNIX_EPOCH,
        );
        o.need = Some("  ".into());
        o.tactic = Some("Start with IT".into());
        o.budget_confirmed = true;
        let facts = o.facts();
        assert_eq!(facts.filled, BTreeSet::from([DealField::BudgetConfirmed, DealField::Tactic]));
        let none = |_: &str, _: &str| false;
        assert!(!facts.meet(&ExitCriterion::Filled { filled: DealField::Need }, &none));
        assert!(!facts.meet(&ExitCriterion::Present { present: DealRecords::Competitors }, &none));
        assert!(facts.meet(&ExitCriterion::StepEnded { step: "s".into(), result: "r".into() }, &|s, r| s == "s" && r == "r"));
    }
}
