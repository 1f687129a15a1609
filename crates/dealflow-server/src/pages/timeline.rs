//! An opportunity's timeline: its stage changes, what happened to its activities (made,
//! completed with their result and comment, cancelled) and the notes on it, newest first.

use dealflow_core::StageCatalog;
use dealflow_core::engine::ActivityStatus;
use jiff::Timestamp;

use super::format;
use super::opportunities::People;
use super::session::Viewer;
use crate::services::OpportunityView;

pub struct TimelineLine {
    /// `stage`, `created`, `completed`, `cancelled` or `note`: how the line is marked.
    pub kind: &'static str,
    pub when: String,
    pub text: String,
    /// An activity's title: written by a process or by a person, so not checked for language.
    pub subject: String,
    /// A completed activity's result and comment, or a note's text, as written.
    pub detail: String,
    pub who: String,
}

/// Every line of the opportunity's timeline, newest first.
pub fn timeline(viewer: &Viewer, view: &OpportunityView, stages: &StageCatalog, people: &People) -> Vec<TimelineLine> {
    let (locale, zone, t) = (viewer.locale, viewer.actor.zone(), viewer.t());
    let mut events: Vec<(Timestamp, TimelineLine)> = Vec::new();
    let line = |kind, at: Timestamp, text: String, subject: &str, detail: String, who: String| {
        (at, TimelineLine { kind, when: format::instant(at, zone, locale), text, subject: subject.to_owned(), detail, who })
    };
    let stage_name = |code: &str| stages.name_of(code, locale);
    for h in &view.history {
        let text = match &h.from_stage {
            Some(from) => format!("{} → {}", stage_name(from.as_str()), stage_name(h.to_stage.as_str())),
            None => format!("{} {}{}{}", t.created_stage, t.quote_open, stage_name(h.to_stage.as_str()), t.quote_close),
        };
        let text = match h.visit {
            Some(visit) => format!("{text} ({} {visit})", t.visit),
            None => text,
        };
        let who = match &h.by_user_id {
            Some(id) if !h.by_process => people.name(id),
            _ => t.by_process.to_owned(),
        };
        // An override says so, and its reason is the line's detail.
        let (text, detail) = match (&h.override_reason, &h.imported_from) {
            (Some(reason), _) => (format!("{text} · {}", t.criteria_overridden), reason.clone()),
            (None, Some(file)) => (format!("{text} · {}", t.import().imported_from.replace("{file}", file)), String::new()),
            (None, None) => (text, String::new()),
        };
        events.push(line("stage", h.at, text, "", detail, who));
    }
    // A result's name comes from the running process's step, else its code as stored.
    let result_name = |step: Option<&str>, stage: Option<&str>, code: &str| -> String {
        view.definition
            .as_ref()
            .and_then(|d| d.stage(stage?))
            .and_then(|s| s.step(step?))
            .and_then(|s| s.results.iter().find(|r| r.code == code))
            .map(|r| r.name.get(locale).to_owned())
            .unwrap_or_else(|| if code == "done" { t.status_completed.to_owned() } else { code.to_owned() })
    };
    for a in &view.activities {
        let title = a.title.get(locale);
        events.push(line("created", a.created_at, t.activity_created.to_owned(), title, String::new(), people.name(&a.owner_id)));
        let at = a.completed_at.unwrap_or(a.updated_at);
        match a.status {
            ActivityStatus::Completed => {
                let result = a.result.as_deref().map(|r| result_name(a.step.as_deref(), a.stage.as_ref().map(|s| s.as_str()), r));
                let detail = match (result, a.result_note.as_deref()) {
                    (Some(result), Some(note)) => format!("{}: {result}. {note}", t.result),
                    (Some(result), None) => format!("{}: {result}", t.result),
                    (None, Some(note)) => note.to_owned(),
                    (None, None) => String::new(),
                };
                events.push(line("completed", at, t.activity_completed.to_owned(), title, detail, people.name(&a.owner_id)));
            }
            ActivityStatus::Cancelled => {
                events.push(line("cancelled", at, t.activity_cancelled.to_owned(), title, String::new(), people.name(&a.owner_id)))
            }
            _ => {}
        }
    }
    for n in &view.notes {
        events.push(line("note", n.created_at, t.note_added.to_owned(), "", n.body.clone(), people.name(&n.author_id)));
    }
    // Newest first; what happened in the same instant keeps its order of cause, reversed.
    events.reverse();
    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    events.into_iter().map(|(_, line)| line).collect()
}
