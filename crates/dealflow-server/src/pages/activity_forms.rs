//! Creating and changing activities in the browser: a call, meeting, task or e-mail with its
//! date and time on the reader's clock, its owner and what it is about; rescheduling,
//! reassigning and cancelling. A process activity keeps its title, kind and links; its date and
//! owner may change.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dealflow_core::check::{self, Invalid, Problems};
use dealflow_core::definition::ActivityType;
use dealflow_core::records::ActivityRecord;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::opportunities::owner_choices;
use super::pickers::{Picked, PickerField};
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult, format, local_path};
use crate::Services;
use crate::services::{ActivityChanges, NewActivity};

/// What the form sends; every field as typed, so that a refused form comes back as it was.
#[derive(Deserialize, Default, Clone)]
pub struct ActivityInput {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    owner_id: String,
    #[serde(flatten)]
    links: Picked,
    /// Where to go once saved: the page the form was opened from.
    #[serde(default)]
    back: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "activity_form.html")]
pub struct ActivityFormPage {
    chrome: Chrome,
    /// `None` for a new activity.
    id: Option<String>,
    /// A process activity: only its date, time and owner change.
    by_process: bool,
    input: ActivityInput,
    kinds: Vec<Choice>,
    owners: Vec<Choice>,
    pickers: Vec<PickerField>,
    errors: FormErrors,
}

/// The form's query when opened: its kind and what it is about, prefilled.
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    opportunity_id: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    contact_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    back: String,
}

/// Meetings and calls have a start and a length; tasks and e-mails a due date and time.
fn timed(kind: ActivityType) -> bool {
    matches!(kind, ActivityType::Meeting | ActivityType::Call)
}

fn kind_choices(viewer: &Viewer, current: &str) -> Vec<Choice> {
    let t = viewer.t();
    [ActivityType::Call, ActivityType::Meeting, ActivityType::Task, ActivityType::Email]
        .into_iter()
        .map(|k| Choice::new(k.as_str(), t.activity_type(k), Some(current)))
        .collect()
}

async fn form_page(
    services: &Services,
    viewer: &Viewer,
    id: Option<String>,
    by_process: bool,
    input: ActivityInput,
    errors: FormErrors,
) -> PageResult<ActivityFormPage> {
    let here = match &id {
        Some(id) => format!("/activities/{id}/edit"),
        None => "/activities/new".to_owned(),
    };
    Ok(ActivityFormPage {
        chrome: Chrome::load(services, viewer, "schedule", &here).await?,
        kinds: kind_choices(viewer, &input.kind),
        owners: owner_choices(services, viewer, Some(&input.owner_id)).await?,
        pickers: input.links.fields(services, viewer, &errors, &["opportunity", "account", "contact"]).await?,
        id,
        by_process,
        input,
        errors,
    })
}

pub async fn new_form(State(services): State<Services>, viewer: Viewer, Query(query): Query<NewQuery>) -> PageResult {
    let kind = ActivityType::parse(&query.kind).unwrap_or(ActivityType::Call);
    let zone = viewer.actor.zone();
    let today = services.clock().now().to_zoned_datetime(zone.clone()).date();
    let date = check::day(&query.date).unwrap_or(today);
    let input = ActivityInput {
        kind: kind.as_str().to_owned(),
        date: date.to_string(),
        duration_minutes: if timed(kind) { default_minutes(kind).to_string() } else { String::new() },
        owner_id: viewer.actor.id().to_owned(),
        links: Picked::of(Some(query.opportunity_id), Some(query.account_id), Some(query.contact_id)),
        back: local_path(&query.back).unwrap_or_default(),
        ..ActivityInput::default()
    };
    Ok(form_page(&services, &viewer, None, false, input, FormErrors::default()).await?.into_response())
}

fn default_minutes(kind: ActivityType) -> u32 {
    if kind == ActivityType::Meeting { 60 } else { 30 }
}

/// When an activity happens, read from the form on the reader's clock: `(start_at, due_at,
/// duration)`. A meeting or call starts at the date and time and is due when it ends; a task or
/// e-mail is due at the date and time (at 18:00 when no time is given, the end of a working day).
struct When {
    start_at: Option<Timestamp>,
    due_at: Option<Timestamp>,
    duration_minutes: Option<i64>,
}

fn when(input: &ActivityInput, kind: ActivityType, zone: &TimeZone, problems: &mut Problems) -> Option<When> {
    let date = input.date.trim();
    let time = input.time.trim();
    let minutes = input.duration_minutes.trim();
    let day = if date.is_empty() {
        if !time.is_empty() || timed(kind) {
            problems.add("date", Invalid::Required);
        }
        None
    } else {
        problems.check("date", check::day(date))
    };
    let clock = if time.is_empty() {
        if timed(kind) && !date.is_empty() {
            problems.add("time", Invalid::Required);
            None
        } else {
            Some(jiff::civil::time(18, 0, 0, 0))
        }
    } else {
        problems.check("time", check::time_of_day(time))
    };
    let duration = if timed(kind) && !minutes.is_empty() {
        let parsed = minutes.parse::<i64>().map_err(|_| Invalid::OutOfRange { min: 1, max: crate::services::MAX_DURATION_MINUTES });
        problems.check("duration_minutes", parsed).map(Some)?
    } else if timed(kind) {
        Some(i64::from(default_minutes(kind)))
    } else {
        None
    };
    let Some(day) = day else {
        return if date.is_empty() && !timed(kind) { Some(When { start_at: None, due_at: None, duration_minutes: None }) } else { None };
    };
    let at = day.to_datetime(clock?).to_zoned_datetime(zone.clone()).ok()?.timestamp();
    if timed(kind) {
        let length = jiff::SignedDuration::from_mins(duration.unwrap_or(0).clamp(0, crate::services::MAX_DURATION_MINUTES));
        Some(When { start_at: Some(at), due_at: at.checked_add(length).ok(), duration_minutes: duration })
    } else {
        Some(When { start_at: None, due_at: Some(at), duration_minutes: None })
    }
}

/// The form's values for an activity as stored, on the reader's clock.
fn input_of(a: &ActivityRecord, zone: &TimeZone) -> ActivityInput {
    let at = if timed(a.kind) { a.start_at.or(a.due_at) } else { a.due_at };
    let local = format::local_input(at, zone);
    let (date, time) = local.split_once('T').map(|(d, t)| (d.to_owned(), t.to_owned())).unwrap_or_default();
    ActivityInput {
        kind: a.kind.as_str().to_owned(),
        title: a.title.ru.clone(),
        date,
        time,
        duration_minutes: a.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
        owner_id: a.owner_id.clone(),
        links: Picked::of(a.opportunity_id.clone(), a.account_id.clone(), a.contact_id.clone()),
        back: String::new(),
    }
}

/// Where a saved form goes: back where it was opened, else the activity.
fn after_save(input: &ActivityInput, id: &str) -> Response {
    let target = local_path(&input.back).unwrap_or_else(|| format!("/activities/{id}"));
    Redirect::to(&target).into_response()
}

pub async fn create(State(services): State<Services>, form: PageForm<ActivityInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    let mut problems = Problems::new();
    let kind = problems.check("type", ActivityType::parse(&input.kind).ok_or(Invalid::Required));
    let moment = kind.and_then(|kind| when(&input, kind, viewer.actor.zone(), &mut problems));
    let links = input.links.resolve(&services, viewer, &mut problems).await?;
    let errors = match (kind, moment, problems.finish()) {
        (Some(kind), Some(moment), Ok(())) => {
            let new = NewActivity {
                kind,
                title: input.title.clone(),
                owner_id: Some(input.owner_id.clone()).filter(|o| !o.is_empty()),
                opportunity_id: links.opportunity_id,
                account_id: links.account_id,
                contact_id: links.contact_id,
                start_at: moment.start_at,
                due_at: moment.due_at,
                duration_minutes: moment.duration_minutes,
            };
            match services.create_activity(&viewer.actor, new).await {
                Ok(created) => return Ok(after_save(&input, &created.id)),
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
        (.., found) => FormErrors::of(&found.err().unwrap_or_default(), viewer.locale),
    };
    let page = form_page(&services, viewer, None, false, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn edit_form(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let activity = services.activity(&viewer.actor, &id).await.or_page(&viewer)?;
    if !activity.status.is_open() {
        return Ok(Redirect::to(&format!("/activities/{id}")).into_response());
    }
    let by_process = activity.process_instance_id.is_some();
    let mut input = input_of(&activity, viewer.actor.zone());
    input.title = activity.title.get(viewer.locale).to_owned();
    Ok(form_page(&services, &viewer, Some(id), by_process, input, FormErrors::default()).await?.into_response())
}

pub async fn update(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ActivityInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    let stored = services.activity(&viewer.actor, &id).await.or_page(viewer)?;
    let by_process = stored.process_instance_id.is_some();
    let mut problems = Problems::new();
    // A process activity's kind is its step's, whatever the form says.
    let kind =
        if by_process { Some(stored.kind) } else { problems.check("type", ActivityType::parse(&input.kind).ok_or(Invalid::Required)) };
    let moment = kind.and_then(|kind| when(&input, kind, viewer.actor.zone(), &mut problems));
    let links = if by_process { None } else { Some(input.links.resolve(&services, viewer, &mut problems).await?) };
    let errors = match (kind, moment, problems.finish()) {
        (Some(kind), Some(moment), Ok(())) => {
            let mut changes = ActivityChanges {
                start_at: Some(moment.start_at),
                due_at: Some(moment.due_at),
                duration_minutes: Some(moment.duration_minutes),
                owner_id: Some(input.owner_id.clone()).filter(|o| !o.is_empty()),
                ..ActivityChanges::default()
            };
            if let Some(links) = links {
                changes.title = Some(input.title.clone());
                changes.kind = Some(kind);
                changes.opportunity_id = Some(links.opportunity_id);
                changes.account_id = Some(links.account_id);
                changes.contact_id = Some(links.contact_id);
            }
            match services.update_activity(&viewer.actor, &id, changes).await {
                Ok(_) => return Ok(after_save(&input, &id)),
                Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
            }
        }
        (.., found) => FormErrors::of(&found.err().unwrap_or_default(), viewer.locale),
    };
    let mut input = input;
    if by_process {
        input.title = stored.title.get(viewer.locale).to_owned();
        input.kind = stored.kind.as_str().to_owned();
    }
    let page = form_page(&services, viewer, Some(id), by_process, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct CancelInput {
    #[serde(default)]
    back: String,
}

/// Cancels an open activity; the activity page shows why when it cannot be.
pub async fn cancel(State(services): State<Services>, Path(id): Path<String>, form: PageForm<CancelInput>) -> PageResult {
    let viewer = &form.viewer;
    match services.cancel_activity(&viewer.actor, &id).await {
        Ok(_) => Ok(Redirect::to(&local_path(&form.input.back).unwrap_or_else(|| format!("/activities/{id}"))).into_response()),
        Err(error) => {
            let message = super::opportunity::refusal_words(viewer, error)?;
            super::activities::refused(&services, viewer, &id, message).await
        }
    }
}
