//! Deal health on pages: the marker of list rows and board cards, the panel of the opportunity
//! page with every reason and what it takes off, the list filter's choices.

use dealflow_core::Locale;
use dealflow_core::health::{Health, HealthLevel};

use super::Choice;
use super::i18n::Texts;

/// A deal's level as a small labelled mark; `reason` names the heaviest factor against it.
pub struct HealthMark {
    pub level: &'static str,
    pub label: &'static str,
    pub reason: String,
}

/// One factor as the page lists it.
pub struct FactorLine {
    pub text: String,
    /// What it takes off, in words ("no points off" when nothing).
    pub effect: String,
    pub fine: bool,
}

/// The opportunity page's health panel.
pub struct HealthPanel {
    pub mark: HealthMark,
    pub score: String,
    pub factors: Vec<FactorLine>,
}

pub fn level_name(level: HealthLevel, t: &Texts) -> &'static str {
    let d = t.deal();
    match level {
        HealthLevel::Good => d.health_good,
        HealthLevel::AtRisk => d.health_at_risk,
        HealthLevel::Poor => d.health_poor,
    }
}

pub fn mark(health: &Health, t: &Texts, locale: Locale) -> HealthMark {
    let heaviest = health.factors.first().filter(|f| f.effect < 0);
    HealthMark {
        level: health.level.as_str(),
        label: level_name(health.level, t),
        reason: heaviest.map(|f| f.finding.describe().get(locale).to_owned()).unwrap_or_default(),
    }
}

pub fn panel(health: &Health, t: &Texts, locale: Locale) -> HealthPanel {
    let d = t.deal();
    let factors = health
        .factors
        .iter()
        .map(|f| FactorLine {
            text: f.finding.describe().get(locale).to_owned(),
            // A true minus sign: the figure reads as a loss, not a hyphenated word.
            effect: if f.effect == 0 {
                d.health_fine.to_owned()
            } else {
                d.health_points.replace("{points}", &format!("−{}", -f.effect))
            },
            fine: f.effect == 0,
        })
        .collect();
    HealthPanel { mark: mark(health, t, locale), score: d.health_score.replace("{score}", &health.score.to_string()), factors }
}

/// The list filter's choices of level.
pub fn choices(t: &Texts, current: Option<&str>) -> Vec<Choice> {
    HealthLevel::ALL.into_iter().map(|level| Choice::new(level.as_str(), level_name(level, t), current)).collect()
}
