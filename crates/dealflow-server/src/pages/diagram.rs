//! The process diagram of the library page, drawn on the server as SVG: one column per stage of
//! the process with its steps inside, solid arrows for `next`, and a dashed line from every stage
//! whose steps can close the deal to the final stage they close on.

use dealflow_core::definition::{ProcessStage, ResultEffect, Step};
use dealflow_core::{Locale, ProcessDefinition, StageCatalog};

use super::format::shorten;

const COLUMN: i32 = 210;
const GAP: i32 = 46;
const MARGIN: i32 = 12;
/// Room above the columns for arrows that jump over stages.
const TOP_LANE: i32 = 34;
const HEADER: i32 = 48;
const STEP: i32 = 52;

pub struct DiagramBox {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    pub text_x: i32,
    pub line1_y: i32,
    pub line2_y: i32,
    pub title: String,
    pub line1: String,
    pub line2: String,
    pub class: &'static str,
}

pub struct Arrow {
    pub path: String,
    pub class: &'static str,
    pub title: String,
}

pub struct Diagram {
    pub width: i32,
    pub height: i32,
    pub boxes: Vec<DiagramBox>,
    pub arrows: Vec<Arrow>,
    pub title: String,
}

fn text_box(x: i32, y: i32, height: i32, title: String, line1: String, line2: String, class: &'static str) -> DiagramBox {
    DiagramBox { x, y, width: COLUMN, height, text_x: x + 10, line1_y: y + 20, line2_y: y + 38, title, line1, line2, class }
}

/// `step_detail` says a step's type and due time in the reader's words; `checkpoint` names a
/// stage's exit criteria (a heading and each criterion), drawn as a box under its steps.
pub fn draw(
    definition: &ProcessDefinition,
    stages: &StageCatalog,
    locale: Locale,
    step_detail: impl Fn(&Step) -> String,
    checkpoint: impl Fn(&ProcessStage) -> Option<(String, Vec<String>)>,
    closes_label: &str,
    next_label: &str,
) -> Diagram {
    let name = |code: &str| stages.name_of(code, locale);
    let column_x = |i: usize| MARGIN + i as i32 * (COLUMN + GAP);
    let top = MARGIN + TOP_LANE;
    let mut boxes = Vec::new();
    let mut arrows = Vec::new();
    let mut bottoms = Vec::new();
    // Where each column's steps end: a closing line leaves from there, behind its checkpoint.
    let mut step_bottoms = Vec::new();
    // The final stages the process can end on, in the lookup's order, in a column of their own.
    let mut finals: Vec<&str> = Vec::new();
    for stage in &definition.stages {
        let mut ends = vec![stage.next.as_str()];
        ends.extend(stage.steps.iter().flat_map(|s| &s.results).filter_map(|r| match &r.effect {
            ResultEffect::Close(code) => Some(code.as_str()),
            ResultEffect::Advance => None,
        }));
        for end in ends {
            if stages.is_final(end) && !finals.contains(&end) {
                finals.push(end);
            }
        }
    }
    finals.sort_by_key(|code| stages.get(code).map(|s| s.position).unwrap_or_default());
    let final_x = column_x(definition.stages.len());
    let final_y = |k: usize| top + k as i32 * (HEADER + 22);

    for (i, stage) in definition.stages.iter().enumerate() {
        let x = column_x(i);
        let next = shorten(&format!("{next_label}: {}", name(stage.next.as_str())), 30);
        let title = name(stage.stage.as_str());
        boxes.push(text_box(x, top, HEADER, title.clone(), shorten(&title, 24), next, "stage"));
        for (j, step) in stage.steps.iter().enumerate() {
            let y = top + HEADER + 8 + j as i32 * (STEP + 6);
            let closes = step.results.iter().any(|r| matches!(r.effect, ResultEffect::Close(_)));
            boxes.push(text_box(
                x,
                y,
                STEP,
                step.title.get(locale).to_owned(),
                shorten(step.title.get(locale), 28),
                step_detail(step),
                if closes { "step closes" } else { "step" },
            ));
        }
        let mut bottom = top + HEADER + 8 + stage.steps.len() as i32 * (STEP + 6);
        step_bottoms.push(bottom);
        if let Some((heading, criteria)) = checkpoint(stage) {
            let title = format!("{heading}: {}", criteria.join("; "));
            let first = criteria.first().map(|c| shorten(c, 30)).unwrap_or_default();
            let line2 = if criteria.len() > 1 { format!("{first} (+{})", criteria.len() - 1) } else { first };
            boxes.push(text_box(x, bottom, STEP, title, shorten(&heading, 28), line2, "checkpoint"));
            bottom += STEP + 6;
        }
        bottoms.push(bottom);
    }
    for (k, code) in finals.iter().enumerate() {
        let won = stages.get(code).is_some_and(|s| s.is_won);
        let class = if won { "final won" } else { "final lost" };
        boxes.push(text_box(final_x, final_y(k), HEADER, name(code), shorten(&name(code), 26), String::new(), class));
    }

    let lane_bottom = bottoms.iter().copied().max().unwrap_or(top + HEADER) + 26;
    for (i, stage) in definition.stages.iter().enumerate() {
        let from_right = column_x(i) + COLUMN;
        let middle = top + HEADER / 2;
        let target =
            definition.stages.iter().position(|s| s.stage == stage.next).map(|j| (column_x(j), middle, j == i + 1)).or_else(|| {
                finals
                    .iter()
                    .position(|f| *f == stage.next.as_str())
                    .map(|k| (final_x, final_y(k) + HEADER / 2, i + 1 == definition.stages.len()))
            });
        if let Some((to_x, to_y, adjacent)) = target {
            let path = if adjacent && to_y == middle {
                format!("M{from_right},{middle} H{}", to_x - 2)
            } else {
                // Over the columns in between, along the top lane.
                let from_mid = column_x(i) + COLUMN / 2;
                let to_mid = to_x + COLUMN / 2;
                let lane = MARGIN + TOP_LANE / 2;
                let to_top = to_y - HEADER / 2 - 2;
                format!("M{from_mid},{top} V{lane} H{to_mid} V{to_top}")
            };
            arrows.push(Arrow { path, class: "next", title: format!("{} → {}", name(stage.stage.as_str()), name(stage.next.as_str())) });
        }
        // A stage whose steps can close the deal: along the bottom lane to that final stage.
        let mut closes_on: Vec<&str> = stage
            .steps
            .iter()
            .flat_map(|s| &s.results)
            .filter_map(|r| match &r.effect {
                ResultEffect::Close(code) => Some(code.as_str()),
                ResultEffect::Advance => None,
            })
            .collect();
        closes_on.dedup();
        for code in closes_on {
            let Some(k) = finals.iter().position(|f| *f == code) else { continue };
            let from_mid = column_x(i) + COLUMN / 2 + 20;
            let to_mid = final_x + COLUMN / 2 + 20;
            let to_bottom = final_y(k) + HEADER + 2;
            arrows.push(Arrow {
                path: format!("M{from_mid},{} V{lane_bottom} H{to_mid} V{to_bottom}", step_bottoms[i] - 6),
                class: "close",
                title: format!("{} → {} ({closes_label})", name(stage.stage.as_str()), name(code)),
            });
        }
    }
    Diagram { width: final_x + COLUMN + MARGIN, height: lane_bottom + MARGIN, boxes, arrows, title: definition.name.get(locale).to_owned() }
}
