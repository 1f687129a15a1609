//! What changed between two versions of a process definition, stage by stage and step by step,
//! for the library's side-by-side view.

use serde::Serialize;

use crate::definition::{ProcessDefinition, ProcessStage, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Change {
    Same,
    Added,
    Removed,
    Changed,
}

/// One step on either side; `None` on the side where it does not exist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow<'a> {
    pub code: &'a str,
    pub old: Option<&'a Step>,
    pub new: Option<&'a Step>,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRow<'a> {
    pub stage: &'a str,
    pub old: Option<&'a ProcessStage>,
    pub new: Option<&'a ProcessStage>,
    /// The stage itself: added, removed, or changed in `next`, its guidance or its exit criteria.
    pub change: Change,
    pub steps: Vec<StepRow<'a>>,
}

impl StageRow<'_> {
    /// Whether anything in this stage, its steps included, differs.
    pub fn differs(&self) -> bool {
        self.change != Change::Same || self.steps.iter().any(|s| s.change != Change::Same)
    }
}

fn change<T: PartialEq>(old: Option<&T>, new: Option<&T>) -> Change {
    match (old, new) {
        (Some(a), Some(b)) if a == b => Change::Same,
        (Some(_), Some(_)) => Change::Changed,
        (None, Some(_)) => Change::Added,
        (Some(_), None) => Change::Removed,
        (None, None) => Change::Same,
    }
}

/// Rows in the new version's order; what only the old version had follows where it was.
fn union<'a, T>(old: &'a [T], new: &'a [T], key: impl Fn(&T) -> &str) -> Vec<(&'a str, Option<&'a T>, Option<&'a T>)> {
    let mut rows: Vec<(&str, Option<&T>, Option<&T>)> =
        new.iter().map(|n| (key(n), old.iter().find(|o| key(o) == key(n)), Some(n))).collect();
    for (i, o) in old.iter().enumerate() {
        if !new.iter().any(|n| key(n) == key(o)) {
            // After the row of the old item's predecessor, or first.
            let at = old[..i].iter().rev().find_map(|p| rows.iter().position(|r| r.0 == key(p))).map_or(0, |p| p + 1);
            rows.insert(at, (key(o), Some(o), None));
        }
    }
    rows
}

pub fn compare<'a>(old: &'a ProcessDefinition, new: &'a ProcessDefinition) -> Vec<StageRow<'a>> {
    union(&old.stages, &new.stages, |s| s.stage.as_str())
        .into_iter()
        .map(|(stage, o, n)| {
            let no_steps: &[Step] = &[];
            let steps = union(o.map_or(no_steps, |s| &s.steps), n.map_or(no_steps, |s| &s.steps), |s| s.code.as_str())
                .into_iter()
                .map(|(code, a, b)| StepRow { code, old: a, new: b, change: change(a, b) })
                .collect();
            let own_part = |s: &'a ProcessStage| (&s.next, &s.guidance, &s.exit_criteria);
            let own = change(o.map(own_part).as_ref(), n.map(own_part).as_ref());
            StageRow { stage, old: o, new: n, change: own, steps }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StageCatalog;

    fn shipped() -> ProcessDefinition {
        let text = include_str!("../../../processes/enterprise-sale.toml");
        ProcessDefinition::parse_toml(text, &StageCatalog::defaults()).unwrap()
    }

    #[test]
    fn an_added_step_a_removed_step_and_a_changed_title_are_told_apart() {
        let old = shipped();
        let mut new = old.clone();
        let mut extra = new.stages[1].steps[0].clone();
        extra.code = "send_materials".into();
        new.stages[1].steps.push(extra);
        new.stages[2].steps.remove(1);
        new.stages[3].steps[0].title.en = "Send the contract by courier".into();
        let rows = compare(&old, &new);
        let changes: Vec<(&str, Vec<(&str, Change)>)> = rows
            .iter()
            .map(|r| (r.stage, r.steps.iter().filter(|s| s.change != Change::Same).map(|s| (s.code, s.change)).collect()))
            .collect();
        assert_eq!(
            changes,
            [
                ("qualification", vec![]),
                ("presentation", vec![("send_materials", Change::Added)]),
                ("proposal", vec![("proposal_feedback", Change::Removed)]),
                ("contracting", vec![("send_contract", Change::Changed)]),
            ]
        );
        // The removed step stays where it was, between its neighbours.
        let proposal: Vec<&str> = rows[2].steps.iter().map(|s| s.code).collect();
        assert_eq!(proposal, ["present_proposal", "proposal_feedback", "prepare_contract"]);
        assert!(!rows[0].differs());
        assert!(compare(&old, &old).iter().all(|r| !r.differs()));
    }
}
