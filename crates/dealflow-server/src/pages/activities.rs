//! The activity page, completing an activity (a mini-card in place or the page's form), and the
//! schedule: the day and week views of the viewer's activities, overdue ones marked (R11), or of
//! a team member's or the whole team's for a supervisor.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

use super::csv::{EXPORT_PAGE, Export};
use super::opportunity::refusal_words;
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::paging::PageRequest;
use crate::services::{ActivityPage as ActivityData, ClosingFigures, ReasonKind, SCHEDULE_PAGE_ROWS, ScheduleOf};
use dealflow_core::check::{self, Problems};
use dealflow_core::definition::{ResultEffect, StepResult};
use dealflow_core::{Locale, StageCatalog};

/// A result an activity can be completed with; one that closes the deal says how (R8), so that
/// the page asks for confirmation and a reason before it does.
pub struct ResultChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
    pub closes: Option<ClosesTo>,
}

pub struct ClosesTo {
    pub stage: String,
    pub name: String,
    pub won: bool,
}

/// The results a step offers, `done` preselected.
pub(super) fn result_choices(results: &[StepResult], stages: &StageCatalog, locale: Locale) -> Vec<ResultChoice> {
    results
        .iter()
        .map(|r| ResultChoice {
            value: r.code.clone(),
            label: r.name.get(locale).to_owned(),
            selected: r.code == "done",
            closes: match &r.effect {
                ResultEffect::Close(stage) => Some(ClosesTo {
                    stage: stage.to_string(),
                    name: stages.get(stage.as_str()).map(|s| s.name.get(locale).to_owned()).unwrap_or_else(|| stage.to_string()),
                    won: stages.get(stage.as_str()).is_some_and(|s| s.is_won),
                }),
                ResultEffect::Advance => None,
            },
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "activity.html")]
pub struct ActivityPage {
    chrome: Chrome,
    id: String,
    title: String,
    kind: &'static str,
    status: &'static str,
    open: bool,
    due: String,
    overdue: bool,
    start: String,
    completed: String,
    result: String,
    note: String,
    opportunity: Option<(String, String)>,
    account: Option<(String, String)>,
    contact: Option<(String, String)>,
    owner: String,
    duration: String,
    step: Option<String>,
    results: Vec<ResultChoice>,
    error: Option<String>,
}

async fn build(services: &Services, viewer: &Viewer, id: &str) -> PageResult<ActivityPage> {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    let t = viewer.t();
    let now = services.clock().now();
    let ActivityData { activity: a, opportunity, account, contact, owner, results } =
        services.activity_page(&viewer.actor, id).await.or_page(viewer)?;
    // The step's results for a process activity; `done` for one made by hand.
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let results = match results {
        Some(results) => result_choices(&results, &stages, locale),
        None => vec![ResultChoice { value: "done".into(), label: t.status_completed.into(), selected: true, closes: None }],
    };
    let result_name =
        a.result.as_deref().map(|code| results.iter().find(|c| c.value == code).map(|c| c.label.clone()).unwrap_or(code.to_owned()));
    Ok(ActivityPage {
        chrome: Chrome::load(services, viewer, "schedule", &format!("/activities/{}", a.id)).await?,
        title: a.title.get(locale).to_owned(),
        kind: t.activity_type(a.kind),
        status: t.activity_status(a.status),
        open: a.status.is_open(),
        due: format::opt_instant(a.due_at, zone, locale),
        overdue: a.status.is_open() && a.due_at.is_some_and(|d| d < now),
        start: format::opt_instant(a.start_at, zone, locale),
        completed: format::opt_instant(a.completed_at, zone, locale),
        result: result_name.unwrap_or_default(),
        note: a.result_note.clone().unwrap_or_default(),
        opportunity,
        account,
        contact,
        owner,
        duration: a.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
        step: a.step.as_ref().map(|_| t.process_step.to_owned()),
        results,
        error: None,
        id: a.id,
    })
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    Ok(build(&services, &viewer, &id).await?.into_response())
}

#[derive(Deserialize)]
pub struct CompleteInput {
    result: Option<String>,
    note: Option<String>,
    /// `opportunity` when sent from a mini-card, so that the person stays on the opportunity.
    back: Option<String>,
    /// Set once the person confirmed a result that closes the deal, with its figures.
    confirmed: Option<String>,
    close_reason: Option<String>,
    hours_spent: Option<String>,
    actual_revenue: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "close_confirm.html")]
pub struct ConfirmClosePage {
    chrome: Chrome,
    id: String,
    title: String,
    opportunity: Option<(String, String)>,
    result: String,
    result_name: String,
    closes: ClosesTo,
    note: String,
    back: String,
    reasons: Vec<Choice>,
    revenue: String,
    hours: String,
    errors: FormErrors,
}

/// The confirmation a result that closes the deal asks for, or `None` for any other result.
async fn confirmation(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    input: &CompleteInput,
    errors: FormErrors,
) -> PageResult<Option<ConfirmClosePage>> {
    let locale = viewer.locale;
    let data = services.activity_page(&viewer.actor, id).await.or_page(viewer)?;
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let chosen = input.result.as_deref().filter(|r| !r.is_empty()).unwrap_or("done");
    let Some(choice) = result_choices(data.results.as_deref().unwrap_or_default(), &stages, locale).into_iter().find(|r| r.value == chosen)
    else {
        return Ok(None);
    };
    let Some(closes) = choice.closes else { return Ok(None) };
    let amount = match &data.activity.opportunity_id {
        Some(opportunity) => services.opportunity(&viewer.actor, opportunity).await.or_page(viewer)?.worth(),
        None => None,
    };
    let kind = if closes.won { ReasonKind::Won } else { ReasonKind::Lost };
    let reason = input.close_reason.clone().unwrap_or_default();
    let reasons = services.reasons(kind).await.or_page(viewer)?;
    Ok(Some(ConfirmClosePage {
        chrome: Chrome::load(services, viewer, "schedule", &format!("/activities/{id}")).await?,
        id: id.to_owned(),
        title: data.activity.title.get(locale).to_owned(),
        opportunity: data.opportunity,
        result: choice.value,
        result_name: choice.label,
        note: input.note.clone().unwrap_or_default(),
        back: input.back.clone().unwrap_or_default(),
        reasons: reasons.iter().filter(|r| r.active).map(|r| Choice::new(r.code.clone(), r.name.get(locale), Some(&reason))).collect(),
        revenue: input.actual_revenue.clone().unwrap_or_else(|| format::money_input(amount)),
        hours: input.hours_spent.clone().unwrap_or_default(),
        closes,
        errors,
    }))
}

/// The closing figures typed when confirming, each checked beside its field.
fn figures(input: &CompleteInput, locale: Locale) -> Result<ClosingFigures, FormErrors> {
    let mut problems = Problems::new();
    let text = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let actual_revenue = text(&input.actual_revenue).and_then(|v| problems.check("actual_revenue", check::money_text(&v)));
    let hours_spent = text(&input.hours_spent).and_then(|v| problems.check("hours_spent", check::hours_text(&v)));
    match problems.finish() {
        Ok(()) => Ok(ClosingFigures { actual_revenue, hours_spent, close_reason: text(&input.close_reason) }),
        Err(found) => Err(FormErrors::of(&found, locale)),
    }
}

/// Completes an activity with a result (R7, R8). A result that closes the deal is confirmed
/// first, with its reason; nothing closes on one click. From a mini-card the script asks for
/// the opportunity's live part, so the stage can move on without a reload.
pub async fn complete(
    State(services): State<Services>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: PageForm<CompleteInput>,
) -> PageResult {
    let viewer = &form.viewer;
    let input = &form.input;
    if input.confirmed.is_none()
        && let Some(page) = confirmation(&services, viewer, &id, input, FormErrors::default()).await?
    {
        return Ok(page.into_response());
    }
    let figures = match figures(input, viewer.locale) {
        Ok(figures) => figures,
        Err(errors) => {
            let page = confirmation(&services, viewer, &id, input, errors).await?.ok_or(PageError::BadRequest(viewer.locale))?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let result = input.result.as_deref().filter(|r| !r.is_empty());
    let from_card = input.back.as_deref() == Some("opportunity");
    let outcome = services.complete_activity_closing(&viewer.actor, &id, result, note, &figures).await;
    match outcome.map(|(activity, _)| activity.opportunity_id) {
        Ok(Some(opportunity_id)) if from_card => {
            if headers.get("x-fragment").is_some_and(|v| v == "live") {
                return super::opportunity::live(State(services.clone()), form.viewer, Path(opportunity_id)).await;
            }
            Ok(Redirect::to(&format!("/opportunities/{opportunity_id}")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(error) => {
            let message = refusal_words(viewer, error)?;
            refused(&services, viewer, &id, message).await
        }
    }
}

/// The activity page again, with why a command on it was refused.
pub(super) async fn refused(services: &Services, viewer: &Viewer, id: &str, message: String) -> PageResult {
    let mut page = build(services, viewer, id).await?;
    page.error = Some(message);
    Ok((StatusCode::CONFLICT, page).into_response())
}

pub struct ScheduleItem {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub time: String,
    pub status: &'static str,
    pub open: bool,
    pub overdue: bool,
    pub opportunity: Option<(String, String)>,
    /// Whose it is, on a schedule of several people.
    pub owner: Option<String>,
}

pub struct ScheduleDay {
    pub heading: String,
    pub today: bool,
    pub items: Vec<ScheduleItem>,
    /// In the week view, a full day shows its first activities and links to the whole day.
    pub more: Option<(String, String)>,
}

/// Activities a day of the week view shows before it links to its own page: a week of a
/// thousand tasks stays a page one can read (and render quickly).
const WEEK_DAY_ROWS: i64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "schedule.html")]
pub struct SchedulePage {
    chrome: Chrome,
    week: bool,
    /// The day shown (`YYYY-MM-DD`), kept by the person picker.
    date: String,
    heading: String,
    /// The schedules the viewer may open (own, the team's, each person's): empty for a manager.
    whose: Vec<Choice>,
    /// Said when the window held more activities than shown.
    more: Option<String>,
    days: Vec<ScheduleDay>,
    empty: bool,
    overdue: usize,
    previous: String,
    next: String,
    /// A new activity on the day shown.
    new_activity: String,
    /// The window's activities as a CSV file.
    export: String,
    today_link: String,
    day_link: String,
    week_link: String,
}

/// When an activity happens on the reader's clock: `11:00`, or `11:00–12:00` for a meeting or
/// call with a length.
fn schedule_time(at: Option<jiff::Timestamp>, minutes: Option<u32>, zone: &jiff::tz::TimeZone) -> String {
    let Some(at) = at else { return String::new() };
    let clock = |at: jiff::Timestamp| at.to_zoned_datetime(zone.clone()).strftime("%H:%M").to_string();
    match minutes.and_then(|m| at.checked_add(jiff::SignedDuration::from_mins(i64::from(m))).ok()) {
        Some(end) => format!("{}–{}", clock(at), clock(end)),
        None => clock(at),
    }
}

#[derive(Deserialize, Default)]
pub struct ScheduleQuery {
    view: Option<String>,
    date: Option<String>,
    /// `team`, a person's id, or nothing for the viewer's own.
    who: Option<String>,
}

/// When `date` begins on the viewer's clock.
fn day_start(zone: &jiff::tz::TimeZone, date: Date, locale: Locale) -> PageResult<jiff::Timestamp> {
    date.to_zoned_datetime(zone.clone()).map(|z| z.timestamp()).map_err(|e| PageError::internal(locale, e))
}

/// The window a schedule shows: a day, or the week (Monday first) holding it, on the viewer's
/// clock, and whose activities.
struct Window {
    week: bool,
    today: Date,
    day: Date,
    first: Date,
    length: i64,
    span: (jiff::Timestamp, jiff::Timestamp),
    /// The person asked for, or `team`; `None` for the viewer's own.
    who: Option<String>,
    whose: ScheduleOf,
}

impl Window {
    fn of(services: &Services, viewer: &Viewer, query: &ScheduleQuery) -> PageResult<Window> {
        let zone = viewer.actor.zone().clone();
        let today = services.clock().now().to_zoned_datetime(zone.clone()).date();
        let week = query.view.as_deref() == Some("week");
        let day = query.date.as_deref().and_then(|d| dealflow_core::check::day(d).ok()).unwrap_or(today);
        let first = if week { day - (i64::from(day.weekday().to_monday_zero_offset())).days() } else { day };
        let length: i64 = if week { 7 } else { 1 };
        let span = (day_start(&zone, first, viewer.locale)?, day_start(&zone, first + length.days(), viewer.locale)?);
        let who = query.who.clone().filter(|w| !w.is_empty() && w != viewer.actor.id());
        let whose = match who.as_deref() {
            None => ScheduleOf::Own,
            Some("team") => ScheduleOf::Team,
            Some(id) => ScheduleOf::Person(id.to_owned()),
        };
        Ok(Window { week, today, day, first, length, span, who, whose })
    }
}

/// The activities of the schedule's window, soonest first, as a CSV file.
pub async fn export_schedule(State(services): State<Services>, viewer: Viewer, Query(query): Query<ScheduleQuery>) -> PageResult {
    let t = viewer.t();
    let window = Window::of(&services, &viewer, &query)?;
    let zone = viewer.actor.zone().clone();
    let people = services.assignable_people(&viewer.actor).await.or_page(&viewer)?;
    let names: HashMap<&str, &str> = people.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let mut export = Export::new(&[t.activity_time, t.activity_type, t.title, t.status, t.opportunity, t.owner]);
    let mut cursor: Option<Option<String>> = Some(None);
    while let Some(after) = cursor {
        let page = PageRequest::lenient(EXPORT_PAGE, after.as_deref());
        let found = services.schedule_page(&viewer.actor, &window.whose, window.span, &page).await.or_page(&viewer)?;
        let rows = found.items.iter().map(|entry| {
            let a = &entry.activity;
            vec![
                a.start_at.or(a.due_at).map(|at| format::stamp(at, &zone)).unwrap_or_default(),
                t.activity_type(a.kind).to_owned(),
                a.title.get(viewer.locale).to_owned(),
                t.activity_status(a.status).to_owned(),
                entry.opportunity_title.clone().unwrap_or_default(),
                names.get(a.owner_id.as_str()).copied().unwrap_or_default().to_owned(),
            ]
        });
        cursor = export.add(rows, found.next.clone()).map(Some);
    }
    Ok(export.download(&format!("dealflow-schedule-{}.csv", window.first)))
}

pub async fn schedule(State(services): State<Services>, viewer: Viewer, Query(query): Query<ScheduleQuery>) -> PageResult {
    let locale = viewer.locale;
    let t = viewer.t();
    let zone = viewer.actor.zone().clone();
    let now = services.clock().now();
    let Window { week, today, day, first, length, who, whose, .. } = Window::of(&services, &viewer, &query)?;
    let who = who.as_deref();
    let people = services.assignable_people(&viewer.actor).await.or_page(&viewer)?;
    let names: HashMap<&str, &str> = people.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let mut choices = Vec::new();
    if people.len() > 1 {
        choices.push(Choice::new("", t.my_activities, Some(who.unwrap_or(""))));
        choices.push(Choice::new("team", t.whole_team, who));
        choices.extend(people.iter().filter(|u| u.id != viewer.actor.id()).map(|u| Choice::new(u.id.as_str(), u.name.as_str(), who)));
    }
    let view = if week { "week" } else { "day" };
    let step = if week { 7 } else { 1 };
    let person = who.map(|w| format!("&who={}", form_urlencoded::byte_serialize(w.as_bytes()).collect::<String>())).unwrap_or_default();
    let link = |view: &str, date: Date| format!("/schedule?view={view}&date={date}{person}");
    // A day of the week asks for its first few activities on its own (a week of a thousand
    // tasks stays readable, and every day shows); a day asks for up to SCHEDULE_PAGE_ROWS.
    let per_day = if week { WEEK_DAY_ROWS } else { SCHEDULE_PAGE_ROWS };
    let dates: Vec<Date> = (0..length).map(|offset| first + offset.days()).collect();
    let spans = dates.iter().map(|&date| Ok((day_start(&zone, date, locale)?, day_start(&zone, date + 1.days(), locale)?)));
    let spans = spans.collect::<PageResult<Vec<_>>>()?;
    let pages = services.schedule_days(&viewer.actor, &whose, &spans, per_day).await.or_page(&viewer)?;
    let fetched: Vec<_> = dates.into_iter().zip(pages).map(|(date, page)| (date, page.items, page.next.is_some())).collect();
    let over_limit = !week && fetched.iter().any(|(.., more)| *more);
    let mut days = Vec::new();
    let mut overdue = 0;
    for (date, day_rows, more) in fetched {
        let mut items = Vec::new();
        for entry in day_rows {
            let a = &entry.activity;
            let at = a.start_at.or(a.due_at);
            let is_overdue = a.status.is_open() && a.due_at.is_some_and(|d| d < now);
            overdue += usize::from(is_overdue);
            items.push(ScheduleItem {
                id: a.id.clone(),
                title: a.title.get(locale).to_owned(),
                kind: t.activity_type(a.kind),
                time: schedule_time(at, a.duration_minutes, &zone),
                status: t.activity_status(a.status),
                open: a.status.is_open(),
                overdue: is_overdue,
                opportunity: a.opportunity_id.clone().zip(entry.opportunity_title.clone()),
                owner: (whose == ScheduleOf::Team).then(|| names.get(a.owner_id.as_str()).copied().unwrap_or_default().to_owned()),
            });
        }
        items.sort_by(|a, b| a.time.cmp(&b.time));
        let more = (week && more).then(|| (link("day", date), t.schedule_day_more.to_owned()));
        days.push(ScheduleDay { heading: format::weekday(date, locale), today: date == today, items, more });
    }
    let page = SchedulePage {
        chrome: Chrome::load(&services, &viewer, "schedule", &link(view, day)).await?,
        week,
        heading: if week {
            format!("{} — {}", format::date(&first.to_string(), locale), format::date(&(first + 6.days()).to_string(), locale))
        } else {
            format::weekday(day, locale)
        },
        whose: choices,
        date: day.to_string(),
        more: over_limit.then(|| t.schedule_more.replace("{count}", &SCHEDULE_PAGE_ROWS.to_string())),
        empty: days.iter().all(|d| d.items.is_empty()),
        days,
        overdue,
        new_activity: format!(
            "/activities/new?type=call&date={day}&back={}",
            form_urlencoded::byte_serialize(link(view, day).as_bytes()).collect::<String>()
        ),
        previous: link(view, day - step.days()),
        next: link(view, day + step.days()),
        export: link(view, day).replacen("/schedule?", "/schedule.csv?", 1),
        today_link: link(view, today),
        day_link: link("day", day),
        week_link: link("week", day),
    };
    Ok(page.into_response())
}
