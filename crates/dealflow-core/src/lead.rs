//! Lead stages lookup and the handoff rule (R3): entering the handoff stage creates an opportunity.

use serde::{Deserialize, Serialize};

use crate::stage::StageCode;
use crate::text::LocalizedText;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadStage {
    pub code: StageCode,
    pub name: LocalizedText,
    pub position: i32,
    pub is_final: bool,
    /// Entering this stage hands the lead off to sales (R3).
    pub hands_off: bool,
    /// Entering this stage marks the lead as turned into a won sale.
    pub is_converted: bool,
    pub active: bool,
}

pub fn default_lead_stages() -> Vec<LeadStage> {
    let row = |code: &str, ru: &str, en: &str, position, is_final, hands_off, is_converted| LeadStage {
        code: StageCode::parse(code).expect("default lead stage codes are valid"),
        name: LocalizedText::new(ru, en),
        position,
        is_final,
        hands_off,
        is_converted,
        active: true,
    };
    vec![
        row("qualification", "Квалификация", "Qualification", 1, false, false, false),
        row("distribution", "Распределение", "Distribution", 2, false, false, false),
        row("handoff_to_sales", "Передача в продажу", "Handoff to sales", 3, false, false, false),
        row("awaiting_sale", "Ожидание продажи", "Awaiting sale", 4, false, true, false),
        row("converted", "Сконвертирован", "Converted", 5, true, false, true),
        row("disqualified", "Дисквалифицирован", "Disqualified", 6, true, false, false),
    ]
}
