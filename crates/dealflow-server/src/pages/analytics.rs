//! Won/lost analytics for a period and an owner (SPEC §6): the figures of
//! `GET /api/v1/analytics/summary` as bar charts, a table, and the table as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::analytics::Summary;
use dealflow_core::check::{self, Problems};
use dealflow_core::health::HealthLevel;
use dealflow_core::records::LostReason;
use dealflow_core::{Locale, StageCatalog};
use serde::Deserialize;

use super::charts::{BarChart, BarData, CHART_WIDTH};
use super::session::Viewer;
use super::team_analytics::{self, ComparisonRow, Preset, TrendChart};
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::error::ServiceError;
use crate::services::AnalyticsQuery as Asked;
use crate::services::HealthShare;

#[derive(Deserialize, Default)]
pub struct AnalyticsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    owner_id: String,
    /// A supervisor's id: their team (administrators choose; a supervisor always sees their own).
    #[serde(default)]
    team: String,
}

/// One line of the table and of the CSV: the number as shown and as a spreadsheet reads it.
pub struct Figure {
    pub section: String,
    /// The person a figure is of, written as they wrote their name.
    pub subject: Option<String>,
    pub label: String,
    pub shown: String,
    pub raw: String,
}

pub struct Headline {
    pub label: &'static str,
    pub value: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics.html")]
pub struct AnalyticsPage {
    chrome: Chrome,
    from: String,
    to: String,
    owners: Vec<Choice>,
    teams: Vec<Choice>,
    presets: Vec<Preset>,
    errors: FormErrors,
    headlines: Vec<Headline>,
    comparison: Vec<ComparisonRow>,
    trend: Option<TrendChart>,
    charts: Vec<BarChart>,
    chart_width: u32,
    figures: Vec<Figure>,
    health: Option<BarChart>,
    health_links: Vec<Choice>,
    csv_link: String,
}

/// The period's bounds as instants (`to` exclusive), days on the reader's calendar; a field that
/// is not a date is a problem beside it.
fn period(
    query: &AnalyticsQuery,
    zone: &jiff::tz::TimeZone,
    problems: &mut Problems,
) -> (Option<jiff::Timestamp>, Option<jiff::Timestamp>) {
    let mut day = |field: &str, text: &str| -> Option<jiff::Timestamp> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let day = problems.check(field, check::day(text))?;
        day.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
    };
    (day("from", &query.from), day("to", &query.to))
}

pub(super) fn decimal(value: f64, digits: usize, locale: Locale) -> String {
    let text = format!("{value:.digits$}");
    if locale == Locale::Ru { text.replace('.', ",") } else { text }
}

pub(super) fn percent(rate: Option<f64>, locale: Locale) -> String {
    rate.map(|r| format!("{}\u{a0}%", decimal(r * 100.0, 1, locale))).unwrap_or_else(|| "—".to_owned())
}

struct Names<'a> {
    stages: &'a StageCatalog,
    reasons: &'a [LostReason],
    locale: Locale,
}

impl Names<'_> {
    fn stage(&self, code: &str) -> String {
        self.stages.name_of(code, self.locale)
    }

    fn reason(&self, reason: &str, none: &str) -> String {
        if reason.is_empty() {
            return none.to_owned();
        }
        self.reasons.iter().find(|r| r.code == reason).map(|r| r.name.get(self.locale).to_owned()).unwrap_or_else(|| reason.to_owned())
    }
}

/// Everything the page and the CSV show, from one summary.
fn present(summary: &Summary, names: &Names, currency: &str, t: &super::i18n::Texts) -> (Vec<Headline>, Vec<BarChart>, Vec<Figure>) {
    let locale = names.locale;
    let money = |m: dealflow_core::Money| format::money(m, currency, locale);
    let days = |d: f64| format!("{}\u{a0}{}", decimal(d, 1, locale), t.days_short);
    let headlines = vec![
        Headline { label: t.won_deals, value: summary.won.count.to_string(), detail: money(summary.won.actual_revenue) },
        Headline { label: t.lost_deals, value: summary.lost.count.to_string(), detail: String::new() },
        Headline { label: t.win_rate, value: percent(summary.win_rate, locale), detail: String::new() },
        Headline {
            label: t.hours_spent,
            value: format::hours(summary.won.hours_spent + summary.lost.hours_spent, locale),
            detail: String::new(),
        },
        Headline {
            label: t.open_pipeline,
            value: summary.open.count.to_string(),
            detail: format!("{} · {} {}", money(summary.open.amount), t.weighted, money(summary.open.weighted_amount)),
        },
    ];

    let mut figures = Vec::new();
    let mut figure = |section: &str, label: String, shown: String, raw: String| {
        figures.push(Figure { section: section.to_owned(), subject: None, label, shown, raw });
    };
    let totals = t.totals;
    figure(totals, t.won_deals.into(), summary.won.count.to_string(), summary.won.count.to_string());
    figure(totals, t.actual_revenue.into(), money(summary.won.actual_revenue), summary.won.actual_revenue.to_string());
    figure(totals, t.hours_won.into(), format::hours(summary.won.hours_spent, locale), summary.won.hours_spent.to_string());
    figure(totals, t.lost_deals.into(), summary.lost.count.to_string(), summary.lost.count.to_string());
    figure(totals, t.hours_lost.into(), format::hours(summary.lost.hours_spent, locale), summary.lost.hours_spent.to_string());
    figure(totals, t.win_rate.into(), percent(summary.win_rate, locale), summary.win_rate.map(|r| format!("{r:.4}")).unwrap_or_default());
    figure(totals, t.open_count.into(), summary.open.count.to_string(), summary.open.count.to_string());
    figure(totals, t.open_amount.into(), money(summary.open.amount), summary.open.amount.to_string());
    figure(totals, t.weighted_amount.into(), money(summary.open.weighted_amount), summary.open.weighted_amount.to_string());
    for row in &summary.funnel {
        let stage = names.stage(&row.stage);
        figure(t.funnel_chart, format!("{stage}: {}", t.count), row.count.to_string(), row.count.to_string());
        figure(t.funnel_chart, format!("{stage}: {}", t.amount), money(row.amount), row.amount.to_string());
    }
    for c in &summary.conversion {
        let label = format!("{} → {}", names.stage(&c.from), names.stage(&c.to));
        let shown = format!("{} ({} {} {})", percent(c.rate, locale), c.advanced, t.of, c.reached);
        figure(t.conversion_chart, label, shown, c.rate.map(|r| format!("{r:.4}")).unwrap_or_default());
    }
    for d in &summary.avg_days_in_stage {
        figure(t.days_chart, names.stage(&d.stage), days(d.days), d.days.to_string());
    }
    for r in &summary.lost_reasons {
        figure(t.reasons_chart, names.reason(&r.reason, t.no_reason), r.count.to_string(), r.count.to_string());
    }

    let charts = vec![
        BarChart::new(
            "won-lost",
            t.won_lost_chart,
            t.won_lost_desc,
            vec![
                BarData::new(
                    t.won_deals,
                    summary.won.count as f64,
                    format!("{} · {}", summary.won.count, money(summary.won.actual_revenue)),
                    "won",
                ),
                BarData::new(t.lost_deals, summary.lost.count as f64, summary.lost.count.to_string(), "lost"),
            ],
            None,
        ),
        BarChart::new(
            "funnel",
            t.funnel_chart,
            t.funnel_desc,
            summary
                .funnel
                .iter()
                .map(|r| BarData::new(names.stage(&r.stage), r.count as f64, format!("{} · {}", r.count, money(r.amount)), "stage"))
                .collect(),
            None,
        ),
        BarChart::new(
            "conversion",
            t.conversion_chart,
            t.conversion_desc,
            summary
                .conversion
                .iter()
                .map(|c| {
                    BarData::new(
                        format!("{} → {}", names.stage(&c.from), names.stage(&c.to)),
                        c.rate.unwrap_or(0.0),
                        format!("{} ({} {} {})", percent(c.rate, locale), c.advanced, t.of, c.reached),
                        "share",
                    )
                })
                .collect(),
            Some(1.0),
        ),
        BarChart::new(
            "days-in-stage",
            t.days_chart,
            t.days_desc,
            summary.avg_days_in_stage.iter().map(|d| BarData::new(names.stage(&d.stage), d.days, days(d.days), "time")).collect(),
            None,
        ),
        BarChart::new(
            "lost-reasons",
            t.reasons_chart,
            t.reasons_desc,
            summary
                .lost_reasons
                .iter()
                .map(|r| BarData::new(names.reason(&r.reason, t.no_reason), r.count as f64, r.count.to_string(), "lost"))
                .collect(),
            None,
        ),
    ];
    (headlines, charts, figures)
}

/// What the analytics show and whom they cover.
#[derive(Default)]
struct Analysis {
    errors: FormErrors,
    owners: Vec<Choice>,
    teams: Vec<Choice>,
    headlines: Vec<Headline>,
    /// Each person's figures: for a supervisor or an administrator, not for one person alone.
    comparison: Vec<ComparisonRow>,
    trend: Option<TrendChart>,
    charts: Vec<BarChart>,
    figures: Vec<Figure>,
    /// The open pipeline by health, and the list of each level's deals.
    health: Option<BarChart>,
    health_links: Vec<Choice>,
}

/// The summary for the query, with what is wrong in it; the owner must be one the viewer may pick.
async fn analyse(services: &Services, viewer: &Viewer, query: &AnalyticsQuery) -> PageResult<Analysis> {
    let locale = viewer.locale;
    let t = viewer.t();
    let mut problems = Problems::new();
    let (from, to) = period(query, viewer.actor.zone(), &mut problems);
    let team = Some(query.team.trim()).filter(|t| !t.is_empty());
    let supervisors = services.analytics_teams(&viewer.actor).await.or_page(viewer)?;
    let teams: Vec<Choice> = supervisors.iter().map(|u| Choice::new(u.id.clone(), u.name.clone(), team)).collect();
    let people = match services.analytics_owners(&viewer.actor, team).await {
        Ok(people) => people,
        Err(ServiceError::Invalid(found)) => {
            found.into_iter().for_each(|p| problems.add(&p.field, p.invalid));
            Vec::new()
        }
        Err(other) => return Err(PageError::service(locale, other)),
    };
    let owner = Some(query.owner_id.trim()).filter(|o| !o.is_empty());
    let owners: Vec<Choice> = people.iter().map(|u| Choice::new(u.id.clone(), u.name.clone(), owner)).collect();
    if owner.is_some_and(|o| !owners.iter().any(|c| c.value == o)) {
        problems.add("owner_id", dealflow_core::check::Invalid::UnknownReference);
    }
    if !problems.is_empty() {
        return Ok(Analysis { owners, teams, errors: FormErrors::of(&problems.into_vec(), locale), ..Analysis::default() });
    }
    let asked = Asked { from, to, owner_id: owner.map(str::to_owned), team: team.map(str::to_owned) };
    // The trend ends with the period's last month, or this one when the period has no end.
    let zone = viewer.actor.zone();
    let last_day = to.map(|end| end - jiff::SignedDuration::from_secs(1)).unwrap_or_else(|| services.clock().now());
    let last_month = last_day.to_zoned_datetime(zone.clone()).date();
    let (analysis, team) = match services.analysis_with_team(&viewer.actor, &asked, &people, last_month).await {
        Ok(both) => both,
        Err(error @ ServiceError::Invalid(_)) => {
            let errors = FormErrors::from_service(locale, &error).unwrap_or_default();
            return Ok(Analysis { owners, teams, errors, ..Analysis::default() });
        }
        Err(other) => return Err(PageError::service(locale, other)),
    };
    let names = Names { stages: &analysis.stages, reasons: &analysis.lost_reasons, locale };
    let (headlines, charts, mut figures) = present(&analysis.summary, &names, &analysis.currency, t);
    let (mut comparison, trend, team_figures) = team_analytics::present(&team, &analysis.currency, t, locale);
    figures.extend(team_figures);
    if people.len() < 2 {
        comparison.clear();
    }
    let shares = services.pipeline_by_health(&viewer.actor, &asked).await.or_page(viewer)?;
    let (health_chart, health_figures, health_links) = by_health(&shares, &analysis.currency, t, locale, asked.owner_id.as_deref());
    figures.extend(health_figures);
    let health = Some(health_chart);
    Ok(Analysis {
        errors: FormErrors::default(),
        owners,
        teams,
        headlines,
        comparison,
        trend: Some(trend),
        charts,
        figures,
        health,
        health_links,
    })
}

/// The open pipeline by health: a chart, its figures, and a link to each level's deals.
fn by_health(
    shares: &[HealthShare],
    currency: &str,
    t: &super::i18n::Texts,
    locale: Locale,
    owner: Option<&str>,
) -> (BarChart, Vec<Figure>, Vec<Choice>) {
    let d = t.deal();
    let name = |level: Option<HealthLevel>| level.map_or(d.health_unassessed, |l| super::health::level_name(l, t));
    let shown = |s: &HealthShare| format!("{} · {}", s.count, format::money(s.amount, currency, locale));
    let tone = |level: Option<HealthLevel>| match level {
        Some(HealthLevel::Good) => "won",
        Some(HealthLevel::AtRisk) => "time",
        Some(HealthLevel::Poor) => "lost",
        None => "stage",
    };
    let bars = shares.iter().map(|s| BarData::new(name(s.level), s.count as f64, shown(s), tone(s.level))).collect();
    let chart = BarChart::new("open-by-health", d.health_by_level, d.health_by_level_hint, bars, None);
    let figures = shares
        .iter()
        .map(|s| Figure {
            section: d.health_by_level.to_owned(),
            subject: None,
            label: name(s.level).to_owned(),
            shown: shown(s),
            raw: s.count.to_string(),
        })
        .collect();
    let owner = owner.map(|o| format!("&owner={o}")).unwrap_or_default();
    let links = shares
        .iter()
        .filter_map(|s| {
            s.level
                .filter(|_| s.count > 0)
                .map(|l| Choice::new(format!("/opportunities?health={}{owner}", l.as_str()), name(s.level), None))
        })
        .collect();
    (chart, figures, links)
}

fn query_string(query: &AnalyticsQuery) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("from", query.from.trim())
        .append_pair("to", query.to.trim())
        .append_pair("owner_id", query.owner_id.trim())
        .append_pair("team", query.team.trim())
        .finish()
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Query(query): Query<AnalyticsQuery>) -> PageResult {
    let Analysis { errors, owners, teams, headlines, comparison, trend, charts, figures, health, health_links } =
        analyse(&services, &viewer, &query).await?;
    let today = services.clock().now().to_zoned_datetime(viewer.actor.zone().clone()).date();
    let keep = [("owner_id", query.owner_id.trim()), ("team", query.team.trim())];
    let presets = team_analytics::presets(today, viewer.t(), (&query.from, &query.to), &keep);
    let here = format!("/analytics?{}", query_string(&query));
    let status = if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = AnalyticsPage {
        chrome: Chrome::load(&services, &viewer, "analytics", &here).await?,
        from: query.from.clone(),
        to: query.to.clone(),
        owners,
        teams,
        presets,
        errors,
        headlines,
        comparison,
        trend,
        charts,
        chart_width: CHART_WIDTH,
        figures,
        health,
        health_links,
        csv_link: format!("/analytics.csv?{}", query_string(&query)),
    };
    Ok((status, page).into_response())
}

pub async fn csv(State(services): State<Services>, viewer: Viewer, Query(query): Query<AnalyticsQuery>) -> PageResult {
    let Analysis { errors, figures, .. } = analyse(&services, &viewer, &query).await?;
    if !errors.is_empty() {
        return Err(super::PageError::BadRequest(viewer.locale));
    }
    let t = viewer.t();
    let header = [t.section, t.figure, t.value].map(str::to_owned);
    let rows = figures.into_iter().map(|f| {
        let label = match f.subject {
            Some(subject) => format!("{subject}: {}", f.label),
            None => f.label,
        };
        [f.section, label, f.raw]
    });
    let name = format!("dealflow-analytics-{}-{}.csv", query.from.trim(), query.to.trim()).replace("--", "-");
    Ok(super::csv::download(&name, super::csv::document(std::iter::once(header).chain(rows))))
}
