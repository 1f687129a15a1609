//! The opportunity stages lookup («Стадии продаж»): codes, order, and which stages are final.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::text::LocalizedText;

/// A stable stage code, `[a-z][a-z0-9_]*`; the only constructor checks it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StageCode(String);

impl StageCode {
    pub fn parse(code: &str) -> Result<StageCode, String> {
        if is_code(code) && code.len() <= 64 {
            Ok(StageCode(code.to_owned()))
        } else {
            Err(format!("\"{code}\" is not a valid code (a lower-case letter, then lower-case letters, digits or _)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `[a-z][a-z0-9_]*`: the shape of stage, step and result codes.
pub fn is_code(code: &str) -> bool {
    let mut bytes = code.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z')) && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

impl TryFrom<String> for StageCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        StageCode::parse(&value)
    }
}

impl From<StageCode> for String {
    fn from(code: StageCode) -> String {
        code.0
    }
}

impl fmt::Display for StageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for StageCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub code: StageCode,
    pub name: LocalizedText,
    pub position: i32,
    pub description: LocalizedText,
    pub max_probability: u8,
    pub is_final: bool,
    pub is_won: bool,
    pub show_in_funnel: bool,
    pub show_in_progress_bar: bool,
    pub active: bool,
    /// The period for planning the next step (days): an open deal on this stage without an
    /// open activity due within it is stale. 0 (and every final stage): never stale.
    #[serde(default)]
    pub next_step_days: u16,
}

impl Stage {
    /// The next-step period that applies on this stage, if any.
    pub fn next_step_period(&self) -> Option<u16> {
        (!self.is_final && self.next_step_days > 0).then_some(self.next_step_days)
    }
}

/// How long a deal may go without a planned next step on each default stage: a first answer
/// comes quickly, a proposal takes the customer longer to read. Stages added later get a week.
pub fn default_next_step_days(code: &str) -> u16 {
    match code {
        "qualification" => 5,
        "proposal" => 10,
        "closed_won" | "closed_lost" => 0,
        _ => 7,
    }
}

/// All stages, ordered by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageCatalog {
    stages: Vec<Stage>,
}

impl StageCatalog {
    pub fn new(mut stages: Vec<Stage>) -> StageCatalog {
        stages.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| a.code.cmp(&b.code)));
        StageCatalog { stages }
    }

    /// The six rows every installation starts with (SPEC 2.1).
    pub fn defaults() -> StageCatalog {
        let row = |code: &str, ru: &str, en: &str, position, max_probability, is_final, is_won, about: (&str, &str)| Stage {
            code: StageCode::parse(code).expect("default stage codes are valid"),
            name: LocalizedText::new(ru, en),
            position,
            description: LocalizedText::new(about.0, about.1),
            max_probability,
            is_final,
            is_won,
            show_in_funnel: !is_final,
            show_in_progress_bar: true,
            active: true,
            next_step_days: default_next_step_days(code),
        };
        StageCatalog::new(vec![
            row(
                "qualification",
                "Квалификация",
                "Qualification",
                1,
                10,
                false,
                false,
                ("Уточняем потребность, бюджет и сроки клиента.", "Clarifying the customer's need, budget and timing."),
            ),
            row(
                "presentation",
                "Презентация",
                "Presentation",
                2,
                30,
                false,
                false,
                ("Показываем клиенту компанию и продукты.", "Showing the customer our company and products."),
            ),
            row(
                "proposal",
                "Коммерческое предложение",
                "Proposal",
                3,
                50,
                false,
                false,
                ("Готовим и согласуем коммерческое предложение.", "Preparing and agreeing on the proposal."),
            ),
            row(
                "contracting",
                "Контрактация",
                "Contracting",
                4,
                80,
                false,
                false,
                ("Согласуем и подписываем договор.", "Agreeing on and signing the contract."),
            ),
            row("closed_won", "Завершена с победой", "Closed won", 5, 100, true, true, ("Сделка заключена.", "The deal is signed.")),
            row(
                "closed_lost",
                "Завершена с проигрышем",
                "Closed lost",
                6,
                0,
                true,
                false,
                ("Клиент отказался или сделка сорвалась.", "The customer declined or the deal fell through."),
            ),
        ])
    }

    pub fn get(&self, code: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.code.as_str() == code)
    }

    /// The stage's name in `locale`, or its code when the lookup no longer has it.
    pub fn name_of(&self, code: &str, locale: crate::Locale) -> String {
        self.get(code).map(|s| s.name.get(locale).to_owned()).unwrap_or_else(|| code.to_owned())
    }

    pub fn is_final(&self, code: &str) -> bool {
        self.get(code).is_some_and(|s| s.is_final)
    }

    pub fn all(&self) -> &[Stage] {
        &self.stages
    }

    /// The first active non-final stage by position: where a new opportunity starts.
    pub fn first_open(&self) -> Option<&Stage> {
        self.stages.iter().find(|s| s.active && !s.is_final)
    }
}
