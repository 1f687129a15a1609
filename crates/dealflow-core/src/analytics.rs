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

/// The sums a summary is made of. The database adds them up where the rows are (a team's
/// analytics on a million opportunities would otherwise carry every row to the server);
/// `totals` adds up the same from loaded facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub groups: Vec<GroupTotals>,
    /// Stage-history entries already left (a later entry followed), per stage.
    pub left: Vec<StageTime>,
}

impl Totals {
    /// The totals of two sets of opportunities with no opportunity in both (a team counted in
    /// halves).
    pub fn merged(mut self, other: Totals) -> Totals {
        for group in other.groups {
            let key = |g: &GroupTotals| (g.stage.clone(), g.close_reason.clone(), g.reached_stages.clone());
            match self.groups.iter_mut().find(|g| key(g) == key(&group)) {
                Some(same) => same.add(&group),
                None => self.groups.push(group),
            }
        }
        for time in other.left {
            match self.left.iter_mut().find(|t| t.stage == time.stage) {
                Some(same) => (same.entries, same.millis) = (same.entries + time.entries, same.millis + time.millis),
                None => self.left.push(time),
            }
        }
        self
    }
}

impl GroupTotals {
    fn add(&mut self, other: &GroupTotals) {
        self.count += other.count;
        self.amount += other.amount;
        self.weighted_amount += other.weighted_amount;
        self.closed += other.closed;
        self.closed_revenue += other.closed_revenue;
        self.closed_hours += other.closed_hours;
        self.created += other.created;
        self.created_amount += other.created_amount;
        self.current_entries += other.current_entries;
        self.current_millis += other.current_millis;
    }
}

/// The opportunities on one stage with one close reason and one set of stages reached.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTotals {
    pub stage: String,
    pub close_reason: Option<String>,
    /// Every stage their history shows, as `,code,code,`.
    pub reached_stages: String,
    pub count: u64,
    /// Amounts, in minor units.
    pub amount: i64,
    /// Each amount times its probability (the stage's highest when none is set), rounded to
    /// the nearest minor unit, added up.
    pub weighted_amount: i64,
    /// Closed in the window, with their actual revenue and hours.
    pub closed: u64,
    pub closed_revenue: i64,
    pub closed_hours: f64,
    /// Created in the window, with their amounts.
    pub created: u64,
    pub created_amount: i64,
    /// Time on the current stage so far (in milliseconds), of those whose history says when
    /// they entered it.
    pub current_entries: u64,
    pub current_millis: i64,
}

/// Stage-history entries of one stage, and the time spent there, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageTime {
    pub stage: String,
    pub entries: u64,
    pub millis: i64,
}

/// The conversion chain: the funnel's open stages by position, then the won stage.
fn chain(stages: &StageCatalog) -> Vec<&str> {
    let mut chain: Vec<&str> = stages.all().iter().filter(|s| s.show_in_funnel && !s.is_final).map(|s| s.code.as_str()).collect();
    if let Some(won) = stages.all().iter().find(|s| s.is_final && s.is_won) {
        chain.push(won.code.as_str());
    }
    chain
}

/// A probability as the summary weighs it: the one set, kept within 0–100, or the stage's highest.
fn weight(probability: Option<u8>, stage_max: u8) -> i64 {
    i64::from(probability.map(|p| p.min(100)).unwrap_or(stage_max))
}

/// `totals` from loaded facts, as the database computes them.
pub fn totals(
    stages: &StageCatalog,
    opportunities: &[OpportunityFacts],
    history: &[StageEntry],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Totals {
    let mut by_opportunity: BTreeMap<&str, Vec<&StageEntry>> = BTreeMap::new();
    for entry in history {
        by_opportunity.entry(&entry.opportunity_id).or_default().push(entry);
    }
    let mut left: BTreeMap<&str, StageTime> = BTreeMap::new();
    for entries in by_opportunity.values_mut() {
        entries.sort_by_key(|e| e.seq);
        for pair in entries.windows(2) {
            let time = left.entry(&pair[0].stage).or_insert_with(|| StageTime { stage: pair[0].stage.clone(), ..StageTime::default() });
            time.entries += 1;
            time.millis += (pair[1].at.as_millisecond() - pair[0].at.as_millisecond()).max(0);
        }
    }
    let mut groups: BTreeMap<(&str, Option<&str>, String), GroupTotals> = BTreeMap::new();
    for o in opportunities {
        let Some(stage) = stages.get(&o.stage) else { continue };
        let entries = by_opportunity.get(o.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let mut reached: Vec<&str> = Vec::new();
        for entry in entries {
            if !reached.contains(&entry.stage.as_str()) {
                reached.push(&entry.stage);
            }
        }
        let reached_stages = if reached.is_empty() { String::new() } else { format!(",{},", reached.join(",")) };
        let group = groups.entry((&o.stage, o.close_reason.as_deref(), reached_stages.clone())).or_insert_with(|| GroupTotals {
            stage: o.stage.clone(),
            close_reason: o.close_reason.clone(),
            reached_stages,
            ..GroupTotals::default()
        });
        let amount = o.amount.unwrap_or_default().minor_units();
        group.count += 1;
        group.amount += amount;
        group.weighted_amount += (amount * weight(o.probability, stage.max_probability) + 50) / 100;
        if o.closed_at.is_some_and(|at| in_window(at, from, to)) {
            group.closed += 1;
            group.closed_revenue += o.actual_revenue.or(o.amount).unwrap_or_default().minor_units();
            group.closed_hours += o.hours_spent.unwrap_or(0.0);
        }
        if in_window(o.created_at, from, to) {
            group.created += 1;
            group.created_amount += amount;
        }
        if let Some(current) = entries.last() {
            group.current_entries += 1;
            group.current_millis += (now.as_millisecond() - current.at.as_millisecond()).max(0);
        }
    }
    Totals { groups: groups.into_values().collect(), left: left.into_values().collect() }
}

/// The summary from loaded facts (`summary` of their `totals`).
pub fn summarize(
    stages: &StageCatalog,
    opportunities: &[OpportunityFacts],
    history: &[StageEntry],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Summary {
    summary(stages, &totals(stages, opportunities, history, from, to, now))
}

/// Won and lost count on `closed_at` in the window; the funnel counts opportunities created in
/// the window by the stage they are on; the open pipeline is what is open now; days in stage
/// come from the history (a stage left counts until it was left, the current one until now).
pub fn summary(stages: &StageCatalog, totals: &Totals) -> Summary {
    let mut won = Won { count: 0, actual_revenue: Money::ZERO, hours_spent: 0.0 };
    let mut lost = Lost { count: 0, hours_spent: 0.0 };
    let mut open = Open { count: 0, amount: Money::ZERO, weighted_amount: Money::ZERO };
    let mut funnel: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    let add = |money: Money, minor: i64| Money::from_minor_units(money.minor_units() + minor);
    for group in &totals.groups {
        let Some(stage) = stages.get(&group.stage) else { continue };
        if stage.is_final {
            if stage.is_won {
                won.count += group.closed;
                won.actual_revenue = add(won.actual_revenue, group.closed_revenue);
                won.hours_spent += group.closed_hours;
            } else if group.closed > 0 {
                lost.count += group.closed;
                lost.hours_spent += group.closed_hours;
                *reasons.entry(group.close_reason.as_deref().map(str::trim).unwrap_or("")).or_default() += group.closed;
            }
        } else {
            open.count += group.count;
            open.amount = add(open.amount, group.amount);
            open.weighted_amount = add(open.weighted_amount, group.weighted_amount);
        }
        if stage.show_in_funnel {
            let row = funnel.entry(stage.code.as_str()).or_default();
            row.0 += group.created;
            row.1 += group.created_amount;
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
        avg_days_in_stage: days_in_stage(stages, totals),
        conversion: conversion(stages, &totals.groups),
        lost_reasons,
    }
}

/// An opportunity created in the window has reached every stage of the chain up to the
/// furthest one in its history or the one it is on (a stage skipped on the way counts as
/// passed); a lost one has reached what it reached before.
fn conversion(stages: &StageCatalog, groups: &[GroupTotals]) -> Vec<Conversion> {
    let chain = chain(stages);
    let index_of = |code: &str| chain.iter().position(|c| *c == code);
    let mut reached = vec![0u64; chain.len()];
    for group in groups.iter().filter(|g| g.created > 0) {
        let current = index_of(&group.stage).unwrap_or(0);
        let furthest = group.reached_stages.split(',').filter_map(index_of).fold(current, usize::max);
        for count in reached.iter_mut().take(furthest + 1) {
            *count += group.created;
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

/// Entries left count until they were left; the current ones until now.
fn days_in_stage(stages: &StageCatalog, totals: &Totals) -> Vec<StageDays> {
    let mut time: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
    for left in &totals.left {
        let t = time.entry(&left.stage).or_default();
        t.0 += left.entries;
        t.1 += left.millis;
    }
    for group in &totals.groups {
        let t = time.entry(&group.stage).or_default();
        t.0 += group.current_entries;
        t.1 += group.current_millis;
    }
    stages
        .all()
        .iter()
        .filter(|s| !s.is_final)
        .filter_map(|s| {
            let (entries, millis) = time.get(s.code.as_str()).copied().filter(|(n, _)| *n > 0)?;
            let days = millis as f64 / 86_400_000.0 / entries as f64;
            Some(StageDays { stage: s.code.to_string(), days: (days * 100.0).round() / 100.0 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_merged_are_the_whole() {
        let group = |stage: &str, reason: Option<&str>, count: u64| GroupTotals {
            stage: stage.into(),
            close_reason: reason.map(str::to_owned),
            reached_stages: format!(",{stage},"),
            count,
            amount: 100 * count as i64,
            weighted_amount: 10 * count as i64,
            closed: count,
            closed_revenue: 90 * count as i64,
            closed_hours: 1.5 * count as f64,
            created: count,
            created_amount: 100 * count as i64,
            current_entries: count,
            current_millis: 1000 * count as i64,
        };
        let time = |stage: &str, entries: u64| StageTime { stage: stage.into(), entries, millis: 60 * entries as i64 };
        let first = Totals { groups: vec![group("a", None, 1), group("b", Some("price"), 2)], left: vec![time("a", 3)] };
        let second = Totals { groups: vec![group("b", Some("price"), 5), group("b", None, 7)], left: vec![time("a", 1), time("b", 2)] };
        let whole = first.merged(second);
        assert_eq!(whole.groups, vec![group("a", None, 1), group("b", Some("price"), 7), group("b", None, 7)]);
        assert_eq!(whole.left, vec![time("a", 4), time("b", 2)]);
    }

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
