//! The activity page, completing an activity (a mini-card in place or the page's form), and the
//! schedule: the day and week views of the viewer's activities, overdue ones marked (R11).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

use super::opportunity::refusal_words;
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::services::ActivityPage as ActivityData;

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
    results: Vec<Choice>,
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
    let results = match results {
        Some(results) => results.iter().map(|r| Choice::new(r.code.clone(), r.name.get(locale), Some("done"))).collect(),
        None => vec![Choice::new("done", t.status_completed, Some("done"))],
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
}

/// Completes an activity with a result (R7, R8). From a mini-card the script asks for the
/// opportunity's live part, so the stage can move on without a reload.
pub async fn complete(
    State(services): State<Services>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: PageForm<CompleteInput>,
) -> PageResult {
    let viewer = &form.viewer;
    let input = &form.input;
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let result = input.result.as_deref().filter(|r| !r.is_empty());
    let from_card = input.back.as_deref() == Some("opportunity");
    let outcome = services.complete_activity(&viewer.actor, &id, result, note).await;
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
}

pub struct ScheduleDay {
    pub heading: String,
    pub today: bool,
    pub items: Vec<ScheduleItem>,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule.html")]
pub struct SchedulePage {
    chrome: Chrome,
    week: bool,
    heading: String,
    days: Vec<ScheduleDay>,
    empty: bool,
    overdue: usize,
    previous: String,
    next: String,
    /// A new activity on the day shown.
    new_activity: String,
    today_link: String,
    day_link: String,
    week_link: String,
}

#[derive(Deserialize, Default)]
pub struct ScheduleQuery {
    view: Option<String>,
    date: Option<String>,
}

pub async fn schedule(State(services): State<Services>, viewer: Viewer, Query(query): Query<ScheduleQuery>) -> PageResult {
    let locale = viewer.locale;
    let t = viewer.t();
    let zone = viewer.actor.zone().clone();
    let now = services.clock().now();
    let today = now.to_zoned_datetime(zone.clone()).date();
    let week = query.view.as_deref() == Some("week");
    let day = query.date.as_deref().and_then(|d| dealflow_core::check::day(d).ok()).unwrap_or(today);
    let first = if week { day - (i64::from(day.weekday().to_monday_zero_offset())).days() } else { day };
    let length: i64 = if week { 7 } else { 1 };
    let start = first.to_zoned_datetime(zone.clone()).map_err(|e| PageError::internal(locale, e))?.timestamp();
    let end = (first + length.days()).to_zoned_datetime(zone.clone()).map_err(|e| PageError::internal(locale, e))?.timestamp();
    let rows = services.own_schedule(&viewer.actor, start, end).await.or_page(&viewer)?;
    let mut days = Vec::new();
    let mut overdue = 0;
    for offset in 0..length {
        let date = first + offset.days();
        let mut items = Vec::new();
        for entry in &rows {
            let a = &entry.activity;
            let at = a.start_at.or(a.due_at);
            if at.map(|at| at.to_zoned_datetime(zone.clone()).date()) != Some(date) {
                continue;
            }
            let is_overdue = a.status.is_open() && a.due_at.is_some_and(|d| d < now);
            overdue += usize::from(is_overdue);
            items.push(ScheduleItem {
                id: a.id.clone(),
                title: a.title.get(locale).to_owned(),
                kind: t.activity_type(a.kind),
                time: at.map(|at| at.to_zoned_datetime(zone.clone()).strftime("%H:%M").to_string()).unwrap_or_default(),
                status: t.activity_status(a.status),
                open: a.status.is_open(),
                overdue: is_overdue,
                opportunity: a.opportunity_id.clone().zip(entry.opportunity_title.clone()),
            });
        }
        items.sort_by(|a, b| a.time.cmp(&b.time));
        days.push(ScheduleDay { heading: format::weekday(date, locale), today: date == today, items });
    }
    let view = if week { "week" } else { "day" };
    let step = if week { 7 } else { 1 };
    let link = |view: &str, date: Date| format!("/schedule?view={view}&date={date}");
    let page = SchedulePage {
        chrome: Chrome::load(&services, &viewer, "schedule", &link(view, day)).await?,
        week,
        heading: if week {
            format!("{} — {}", format::date(&first.to_string(), locale), format::date(&(first + 6.days()).to_string(), locale))
        } else {
            format::weekday(day, locale)
        },
        empty: days.iter().all(|d| d.items.is_empty()),
        days,
        overdue,
        new_activity: format!(
            "/activities/new?type=call&date={day}&back={}",
            form_urlencoded::byte_serialize(link(view, day).as_bytes()).collect::<String>()
        ),
        previous: link(view, day - step.days()),
        next: link(view, day + step.days()),
        today_link: link(view, today),
        day_link: link("day", day),
        week_link: link("week", day),
    };
    Ok(page.into_response())
}
