//! Checkpoints: a process definition's exit criteria applied to a stage change — which stages a
//! move leaves behind and what of their criteria does not hold.

use crate::criteria::{DealFacts, ExitCriterion, Unmet};
use crate::definition::ProcessDefinition;
use crate::stage::{StageCatalog, StageCode};
use crate::text::LocalizedText;

/// What a person is asked to do for `criterion`, in both languages; steps and results by their
/// names in `definition`.
pub fn request(criterion: &ExitCriterion, definition: &ProcessDefinition) -> LocalizedText {
    match criterion {
        ExitCriterion::Filled { filled } => filled.request(),
        ExitCriterion::Present { present } => present.request(),
        ExitCriterion::StepEnded { step, result } => {
            let found = definition.stages.iter().find_map(|s| s.step(step));
            let title = found.map_or_else(|| LocalizedText::same(step.clone()), |s| s.title.clone());
            let outcome = found.and_then(|s| s.result(result)).map_or_else(|| LocalizedText::same(result.clone()), |r| r.name.clone());
            LocalizedText::new(
                format!("Завершите «{}» с результатом «{}»", title.ru, outcome.ru),
                format!("Complete \"{}\" with the result \"{}\"", title.en, outcome.en),
            )
        }
    }
}

/// Whether moving from `from` to `to` is forward: to a later stage of the lookup, or closing won.
pub fn is_forward(stages: &StageCatalog, from: &StageCode, to: &StageCode) -> bool {
    match (stages.get(from.as_str()), stages.get(to.as_str())) {
        (_, Some(to)) if to.is_final => to.is_won,
        (Some(from), Some(to)) => to.position > from.position,
        _ => false,
    }
}

/// What a move from `from` to `to` leaves unmet, each criterion once: those of the process's
/// stages it leaves behind — `from` and every stage of the process before `to` in the lookup's
/// order (all of them on closing won), so that skipping a stage does not skip its checkpoint.
/// Nothing for a move that is not forward.
pub fn unmet_leaving(
    definition: &ProcessDefinition,
    stages: &StageCatalog,
    from: &StageCode,
    to: &StageCode,
    facts: &DealFacts,
    step_ended: &dyn Fn(&str, &str) -> bool,
) -> Vec<Unmet> {
    if !is_forward(stages, from, to) {
        return Vec::new();
    }
    let position = |code: &StageCode| stages.get(code.as_str()).map(|s| s.position);
    let (start, end) = (position(from), if stages.is_final(to.as_str()) { None } else { position(to) });
    let left_behind =
        |code: &StageCode| code == from || (position(code) >= start && end.is_none_or(|end| position(code).is_some_and(|p| p < end)));
    let mut unmet: Vec<Unmet> = Vec::new();
    for stage in definition.stages.iter().filter(|s| left_behind(&s.stage)) {
        for criterion in &stage.exit_criteria {
            let code = criterion.code();
            if !facts.meet(criterion, step_ended) && !unmet.iter().any(|u| u.code == code) {
                unmet.push(Unmet { code, message: request(criterion, definition) });
            }
        }
    }
    unmet
}
