//! The supervisor's part of the analytics page: quick periods, the team side by side, and a
//! monthly trend of won revenue and win rate drawn on the server as SVG.

use dealflow_core::Locale;
use dealflow_core::comparison::MonthFigures;
use jiff::ToSpan;
use jiff::civil::Date;

use super::analytics::{Figure, decimal, percent};
use super::format;
use super::i18n::Texts;
use crate::services::TeamFigures;

/// A link that sets the period to a common one.
pub struct Preset {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// This month, this quarter, this year and the last twelve months on the reader's calendar
/// (`to` is the day after), keeping the owner and team asked for.
pub(super) fn presets(today: Date, t: &Texts, (from, to): (&str, &str), keep: &[(&str, &str)]) -> Vec<Preset> {
    let month = today.first_of_month();
    let quarter = month - i64::from((month.month() - 1) % 3).months();
    let year = today.first_of_year();
    let next_month = month + 1.month();
    [
        (t.this_month, month, next_month),
        (t.this_quarter, quarter, quarter + 3.months()),
        (t.this_year, year, year + 1.year()),
        (t.last_12_months, next_month - 12.months(), next_month),
    ]
    .into_iter()
    .map(|(label, start, end)| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("from", &start.to_string()).append_pair("to", &end.to_string());
        for (key, value) in keep.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(key, value);
        }
        let current = from.trim() == start.to_string() && to.trim() == end.to_string();
        Preset { label, href: format!("/analytics?{}", query.finish()), current }
    })
    .collect()
}

/// One person's line of the comparison.
pub struct ComparisonRow {
    pub name: String,
    pub won: u64,
    pub won_revenue: String,
    pub win_rate: String,
    pub open: u64,
    pub open_amount: String,
    pub cycle: String,
}

/// The trend's drawing: a column per month for won revenue, a line for the win rate.
pub struct TrendChart {
    pub width: u32,
    pub height: u32,
    pub columns: Vec<TrendColumn>,
    pub column_width: u32,
    /// The win-rate line's points (`x,y …`), through the months with a deal closed.
    pub line: String,
    /// The revenue the columns' full height stands for.
    pub top_revenue: String,
    pub base_y: u32,
}

pub struct TrendColumn {
    pub label: String,
    /// What the pointer shows: the month, its revenue and its win rate.
    pub title: String,
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label_x: u32,
    /// The win rate's point, when a deal closed that month.
    pub point: Option<(u32, u32)>,
}

const TREND_WIDTH: u32 = 720;
const TREND_PLOT: u32 = 200;
const TREND_TOP: u32 = 22;
const COLUMN_GAP: u32 = 14;

/// The month's short name and year: `дек 2026`, `Dec 2026`.
pub(super) fn month_label(month: Date, t: &Texts) -> String {
    format!("{} {}", t.month_names()[usize::from(month.month().unsigned_abs()) - 1], month.year())
}

pub(super) fn trend_chart(months: &[MonthFigures], currency: &str, t: &Texts, locale: Locale) -> TrendChart {
    let top = months.iter().map(|m| m.won_revenue.minor_units()).max().unwrap_or(0);
    let slot = TREND_WIDTH / u32::try_from(months.len().max(1)).unwrap_or(1);
    let base_y = TREND_TOP + TREND_PLOT;
    let columns: Vec<TrendColumn> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = u32::try_from(i).unwrap_or(0) * slot;
            let revenue = m.won_revenue.minor_units();
            let height = if top > 0 { ((revenue as f64 / top as f64) * f64::from(TREND_PLOT)).round() as u32 } else { 0 };
            let height = if revenue > 0 { height.max(2) } else { 0 };
            let point = m.win_rate().map(|rate| (x + slot / 2, base_y - (rate.clamp(0.0, 1.0) * f64::from(TREND_PLOT)).round() as u32));
            TrendColumn {
                label: month_label(m.month, t).split(' ').next().unwrap_or_default().to_owned(),
                title: format!(
                    "{}: {} {} · {} {}",
                    month_label(m.month, t),
                    t.won_revenue,
                    format::money(m.won_revenue, currency, locale),
                    t.win_rate,
                    percent(m.win_rate(), locale)
                ),
                x: x + COLUMN_GAP / 2,
                y: base_y - height,
                height,
                label_x: x + slot / 2,
                point,
            }
        })
        .collect();
    let line = columns.iter().filter_map(|c| c.point).map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ");
    TrendChart {
        width: TREND_WIDTH,
        height: base_y + 24,
        columns,
        column_width: slot.saturating_sub(COLUMN_GAP),
        line,
        top_revenue: format::money(dealflow_core::Money::from_minor_units(top), currency, locale),
        base_y,
    }
}

/// The comparison's lines, the trend, and the same figures for the figures table and the CSV.
pub(super) fn present(team: &TeamFigures, currency: &str, t: &Texts, locale: Locale) -> (Vec<ComparisonRow>, TrendChart, Vec<Figure>) {
    let money = |m| format::money(m, currency, locale);
    let days = |d: Option<f64>| d.map(|d| format!("{}\u{a0}{}", decimal(d, 1, locale), t.days_short));
    let mut figures = Vec::new();
    let mut figure = |section: &str, subject: Option<&str>, label: &str, shown: String, raw: String| {
        figures.push(Figure { section: section.to_owned(), subject: subject.map(str::to_owned), label: label.to_owned(), shown, raw });
    };
    let rows = team
        .people
        .iter()
        .map(|(user, f)| {
            let name = user.name.clone();
            figure(t.comparison, Some(&name), t.won_deals, f.won.to_string(), f.won.to_string());
            figure(t.comparison, Some(&name), t.won_revenue, money(f.won_revenue), f.won_revenue.to_string());
            let rate = f.win_rate();
            figure(t.comparison, Some(&name), t.win_rate, percent(rate, locale), rate.map(|r| format!("{r:.4}")).unwrap_or_default());
            figure(t.comparison, Some(&name), t.open_count, f.open.to_string(), f.open.to_string());
            figure(t.comparison, Some(&name), t.open_amount, money(f.open_amount), f.open_amount.to_string());
            let cycle = f.average_cycle_days();
            figure(
                t.comparison,
                Some(&name),
                t.average_cycle,
                days(cycle).unwrap_or_else(|| "—".into()),
                cycle.map(|d| format!("{d:.2}")).unwrap_or_default(),
            );
            ComparisonRow {
                name,
                won: f.won,
                won_revenue: money(f.won_revenue),
                win_rate: percent(rate, locale),
                open: f.open,
                open_amount: money(f.open_amount),
                cycle: days(cycle).unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    for m in &team.months {
        let month = month_label(m.month, t);
        figure(t.trend_chart, None, &format!("{month}: {}", t.won_revenue), money(m.won_revenue), m.won_revenue.to_string());
        let rate = m.win_rate();
        figure(
            t.trend_chart,
            None,
            &format!("{month}: {}", t.win_rate),
            percent(rate, locale),
            rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
        );
    }
    (rows, trend_chart(&team.months, currency, t, locale), figures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::i18n::EN;

    #[test]
    fn presets_cover_the_month_quarter_year_and_a_rolling_year() {
        let today = jiff::civil::date(2026, 12, 4);
        let shown = presets(today, &EN, ("2026-10-01", "2027-01-01"), &[("owner_id", "u1"), ("team", "")]);
        let hrefs: Vec<&str> = shown.iter().map(|p| p.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "/analytics?from=2026-12-01&to=2027-01-01&owner_id=u1",
                "/analytics?from=2026-10-01&to=2027-01-01&owner_id=u1",
                "/analytics?from=2026-01-01&to=2027-01-01&owner_id=u1",
                "/analytics?from=2026-01-01&to=2027-01-01&owner_id=u1",
            ]
        );
        assert_eq!(shown.iter().map(|p| p.current).collect::<Vec<_>>(), [false, true, false, false]);
    }

    #[test]
    fn the_trend_scales_columns_to_the_best_month_and_draws_the_rate_where_deals_closed() {
        let month = |m: i8, won: u64, lost: u64, revenue: i64| MonthFigures {
            month: jiff::civil::date(2026, m, 1),
            won,
            lost,
            won_revenue: dealflow_core::Money::from_minor_units(revenue),
        };
        let chart = trend_chart(&[month(10, 1, 1, 50_000), month(11, 0, 0, 0), month(12, 2, 0, 100_000)], "RUB", &EN, Locale::En);
        let heights: Vec<u32> = chart.columns.iter().map(|c| c.height).collect();
        assert_eq!(heights, [TREND_PLOT / 2, 0, TREND_PLOT]);
        assert_eq!(chart.columns[1].point, None, "no deal closed, no rate");
        assert_eq!(chart.columns[2].point.map(|(_, y)| y), Some(TREND_TOP), "all won is the top");
        assert_eq!(chart.line.split(' ').count(), 2);
        assert!(chart.columns[0].title.starts_with("Oct 2026: Won revenue"));
    }
}
