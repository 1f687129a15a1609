//! Won/lost analytics from opportunities and their stage history: pure arithmetic, exact money.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::money::Money;
use crate::stage::StageCatalog;

/// What the summary needs of one opportunity.
#[derive(Debug, Clone)]
pub struct OpportunityFacts {
    pub id: String,
    pub stage: String,
    pub amount: Option<Money>,
    pub probability: Option<u8>,
    pub actual_revenue: Option<Money>,
    pub hours_spent: Option<f64>,
    pub closed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub close_reason: Option<String>,
}

/// One stage-history entry: the opportunity entered `stage` at `at`.
#[derive(Debug, Clone)]
pub struct StageEntry {
    pub opportunity_id: String,
    pub seq: u32,
    pub stage: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Won {
    pub count: u64,
    pub actual_revenue: Money,
    pub hours_spent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lost {
    pub count: u64,
    pub hours_spent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Open {
    pub count: u64,
    pub amount: Money,
    pub weighted_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelRow {
    pub stage: String,
    pub count: u64,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageDays {
    pub stage: String,
    pub days: f64,
}

/// How many of the opportunities that reached `from` went on to reach `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversion {
    pub from: String,
    pub to: String,
    pub reached: u64,
    pub advanced: u64,
    /// `advanced ÷ reached`; `None` when none reached `from`.
    pub rate: Option<f64>,
}

/// Lost opportunities by the reason given when closing (empty: none given).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub won: Won,
    pub lost: Lost,
    /// Won ÷ (won + lost); `None` when nothing closed.
    pub win_rate: Option<f64>,
    pub open: Open,
    pub funnel: Vec<FunnelRow>,
    pub avg_days_in_stage: Vec<StageDays>,
    pub conversion: Vec<Conversion>,
    pub lost_reasons: Vec<ReasonCount>,
}

fn in_window(at: Timestamp, from: Option<Timestamp>, to: Option<Timestamp>) -> bool {
    from.is_none_or(|f| at >= f) && to.is_none_or(|t| at < t)
}

/// Won and lost count on `closed_at` in `[from, to)`; the funnel counts opportunities created in
/// the window by the stage they are on; the open pipeline is what is open now; days in stage
/// come from the history (a stage left counts until it was left, the current one until `now`).
pub fn summarize(
    stages: &StageCatalog,
    opportunities: &[OpportunityFacts],
    history: &[StageEntry],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Summary {
    let mut won = Won { count: 0, actual_revenue: Money::ZERO, hours_spent: 0.0 };
    let mut lost = Lost { count: 0, hours_spent: 0.0 };
    let mut open = Open { count: 0, amount: Money::ZERO, weighted_amount: Money::ZERO };
    let mut funnel: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    for o in opportunities {
        let Some(stage) = stages.get(&o.stage) else { continue };
        if stage.is_final {
            if o.closed_at.is_some_and(|at| in_window(at, from, to)) {
                if stage.is_won {
                    won.count += 1;
                    won.actual_revenue =
                        Money::from_minor_units(won.actual_revenue.minor_units() + o.actual_revenue.unwrap_or_default().minor_units());
                    won.hours_spent += o.hours_spent.unwrap_or(0.0);
                } else {
                    lost.count += 1;
                    lost.hours_spent += o.hours_spent.unwrap_or(0.0);
                    *reasons.entry(o.close_reason.as_deref().map(str::trim).unwrap_or("")).or_default() += 1;
                }
            }
        } else {
            let amount = o.amount.unwrap_or_default().minor_units();
            let probability = i64::from(o.probability.unwrap_or(stage.max_probability));
            open.count += 1;
            open.amount = Money::from_minor_units(open.amount.minor_units() + amount);
            // Rounded to the nearest minor unit.
            open.weighted_amount = Money::from_minor_units(open.weighted_amount.minor_units() + (amount * probability + 50) / 100);
        }
        if stage.show_in_funnel && in_window(o.created_at, from, to) {
            let row = funnel.entry(stages.get(&o.stage).map(|s| s.code.as_str()).unwrap_or("")).or_default();
            row.0 += 1;
            row.1 += o.amount.unwrap_or_default().minor_units();
        }
    }
    let closed = won.count + lost.count;
    let win_rate = (closed > 0).then(|| won.count as f64 / closed as f64);
    let funnel = stages
        .all()
        .iter()
        .filter(|s| s.show_in_funnel)
        .map(|s| {
            let (count, amount) = funnel.get(s.code.as_str()).copied().unwrap_or_default();
            FunnelRow { stage: s.code.to_string(), count, amount: Money::from_minor_units(amount) }
        })
        .collect();
    let mut lost_reasons: Vec<ReasonCount> =
        reasons.into_iter().map(|(reason, count)| ReasonCount { reason: reason.to_owned(), count }).collect();
    lost_reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    Summary {
        won,
        lost,
        win_rate,
        open,
        funnel,
        avg_days_in_stage: days_in_stage(stages, opportunities, history, now),
        conversion: conversion(stages, opportunities, history, from, to),
        lost_reasons,
    }
}

/// The funnel's chain is its open stages by position, then the won stage. An opportunity created
/// in the window has reached every stage of the chain up to the furthest one in its history (a
/// stage skipped on the way counts as passed); a lost one has reached what it reached before.
fn conversion(
    stages: &StageCatalog,
    opportunities: &[OpportunityFacts],
    history: &[StageEntry],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Vec<Conversion> {
    let mut chain: Vec<&str> = stages.all().iter().filter(|s| s.show_in_funnel && !s.is_final).map(|s| s.code.as_str()).collect();
    if let Some(won) = stages.all().iter().find(|s| s.is_final && s.is_won) {
        chain.push(won.code.as_str());
    }
    let index_of = |code: &str| chain.iter().position(|c| *c == code);
    let mut furthest: BTreeMap<&str, usize> = BTreeMap::new();
    for o in opportunities.iter().filter(|o| in_window(o.created_at, from, to)) {
        // Every opportunity entered the chain; one closed lost went as far as its history shows.
        furthest.insert(&o.id, index_of(&o.stage).unwrap_or(0));
    }
    for entry in history {
        if let (Some(current), Some(i)) = (furthest.get_mut(entry.opportunity_id.as_str()), index_of(&entry.stage)) {
            *current = (*current).max(i);
        }
    }
    let mut reached = vec![0u64; chain.len()];
    for &i in furthest.values() {
        for count in &mut reached[..=i] {
            *count += 1;
        }
    }
    chain
        .windows(2)
        .enumerate()
        .map(|(i, pair)| Conversion {
            from: pair[0].to_owned(),
            to: pair[1].to_owned(),
            reached: reached[i],
            advanced: reached[i + 1],
            rate: (reached[i] > 0).then(|| reached[i + 1] as f64 / reached[i] as f64),
        })
        .collect()
}

fn days_in_stage(stages: &StageCatalog, opportunities: &[OpportunityFacts], history: &[StageEntry], now: Timestamp) -> Vec<StageDays> {
    let wanted: std::collections::HashSet<&str> = opportunities.iter().map(|o| o.id.as_str()).collect();
    let mut by_opportunity: BTreeMap<&str, Vec<&StageEntry>> = BTreeMap::new();
    for entry in history.iter().filter(|e| wanted.contains(e.opportunity_id.as_str())) {
        by_opportunity.entry(&entry.opportunity_id).or_default().push(entry);
    }
    let mut totals: BTreeMap<&str, (f64, u64)> = BTreeMap::new();
    for entries in by_opportunity.values_mut() {
        entries.sort_by_key(|e| e.seq);
        for (i, entry) in entries.iter().enumerate() {
            if stages.is_final(&entry.stage) {
                continue;
            }
            let left = entries.get(i + 1).map(|next| next.at).unwrap_or(now);
            let days = left.duration_since(entry.at).as_secs_f64() / 86_400.0;
            let total = totals.entry(&entry.stage).or_default();
            total.0 += days.max(0.0);
            total.1 += 1;
        }
    }
    stages
        .all()
        .iter()
        .filter(|s| !s.is_final)
        .filter_map(|s| {
            totals
                .get(s.code.as_str())
                .map(|(sum, n)| StageDays { stage: s.code.to_string(), days: (sum / *n as f64 * 100.0).round() / 100.0 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn deal(id: &str, stage: &str, amount: i64, probability: Option<u8>, closed: Option<&str>) -> OpportunityFacts {
        OpportunityFacts {
            id: id.into(),
            stage: stage.into(),
            amount: Some(Money::from_minor_units(amount)),
            probability,
            actual_revenue: closed.map(|_| Money::from_minor_units(amount)),
            hours_spent: closed.map(|_| 10.0),
            closed_at: closed.map(at),
            created_at: at("2026-11-01T00:00:00Z"),
            close_reason: None,
        }
    }

    #[test]
    fn the_summary_adds_up_won_lost_open_funnel_and_time_in_stage() {
        let stages = StageCatalog::defaults();
        let deals = vec![
            deal("a", "closed_won", 100_000, None, Some("2026-11-10T00:00:00Z")),
            deal("b", "closed_won", 50_000, None, Some("2026-12-10T00:00:00Z")),
            deal("c", "closed_lost", 70_000, None, Some("2026-11-11T00:00:00Z")),
            deal("d", "proposal", 100_000, Some(25), None),
            deal("e", "qualification", 333, None, None),
        ];
        let history = vec![
            StageEntry { opportunity_id: "a".into(), seq: 1, stage: "qualification".into(), at: at("2026-11-01T00:00:00Z") },
            StageEntry { opportunity_id: "a".into(), seq: 2, stage: "closed_won".into(), at: at("2026-11-04T00:00:00Z") },
            StageEntry { opportunity_id: "e".into(), seq: 1, stage: "qualification".into(), at: at("2026-11-20T00:00:00Z") },
        ];
        let summary = summarize(
            &stages,
            &deals,
            &history,
            Some(at("2026-11-01T00:00:00Z")),
            Some(at("2026-12-01T00:00:00Z")),
            at("2026-11-21T00:00:00Z"),
        );
        assert_eq!(summary.won, Won { count: 1, actual_revenue: Money::from_minor_units(100_000), hours_spent: 10.0 });
        assert_eq!(summary.lost, Lost { count: 1, hours_spent: 10.0 });
        assert_eq!(summary.win_rate, Some(0.5));
        // 25 % of 1000.00 plus qualification's 10 % of 3.33 (0.333 → 0.33).
        assert_eq!(
            summary.open,
            Open { count: 2, amount: Money::from_minor_units(100_333), weighted_amount: Money::from_minor_units(25_033) }
        );
        let funnel: Vec<_> = summary.funnel.iter().map(|r| (r.stage.as_str(), r.count)).collect();
        assert_eq!(funnel, [("qualification", 1), ("presentation", 0), ("proposal", 1), ("contracting", 0)]);
        assert_eq!(summary.avg_days_in_stage, vec![StageDays { stage: "qualification".into(), days: 2.0 }]);
    }

    #[test]
    fn conversion_follows_the_furthest_stage_reached_and_lost_reasons_are_counted() {
        let stages = StageCatalog::defaults();
        let mut lost = deal("c", "closed_lost", 1, None, Some("2026-11-11T00:00:00Z"));
        lost.close_reason = Some(" price ".into());
        let mut lost_again = deal("f", "closed_lost", 1, None, Some("2026-11-12T00:00:00Z"));
        lost_again.close_reason = Some("price".into());
        let deals = vec![
            deal("a", "closed_won", 1, None, Some("2026-11-10T00:00:00Z")),
            lost,
            lost_again,
            deal("d", "proposal", 1, None, None),
            deal("e", "qualification", 1, None, None),
        ];
        let entry =
            |id: &str, seq, stage: &str| StageEntry { opportunity_id: id.into(), seq, stage: stage.into(), at: at("2026-11-02T00:00:00Z") };
        let history = vec![
            entry("a", 1, "qualification"),
            entry("a", 2, "closed_won"),
            entry("c", 1, "qualification"),
            entry("c", 2, "presentation"),
            entry("c", 3, "closed_lost"),
            entry("f", 1, "qualification"),
            entry("f", 2, "closed_lost"),
            entry("d", 1, "proposal"),
        ];
        let summary = summarize(&stages, &deals, &history, None, None, at("2026-11-21T00:00:00Z"));
        let conversion: Vec<_> = summary.conversion.iter().map(|c| (c.from.as_str(), c.to.as_str(), c.reached, c.advanced)).collect();
        // a skipped to won (passing everything), c reached presentation, d proposal, e and f qualification.
        assert_eq!(
            conversion,
            [
                ("qualification", "presentation", 5, 3),
                ("presentation", "proposal", 3, 2),
                ("proposal", "contracting", 2, 1),
                ("contracting", "closed_won", 1, 1)
            ]
        );
        assert_eq!(summary.conversion[0].rate, Some(0.6));
        assert_eq!(summary.lost_reasons, vec![ReasonCount { reason: "price".into(), count: 2 }]);
    }

    #[test]
    fn nothing_closed_means_no_win_rate() {
        let summary = summarize(&StageCatalog::defaults(), &[], &[], None, None, at("2026-11-21T00:00:00Z"));
        assert_eq!(summary.win_rate, None);
        assert_eq!(summary.open.count, 0);
    }
}
