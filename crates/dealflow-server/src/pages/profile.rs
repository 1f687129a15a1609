//! `/profile`: a person's own name, language, time zone and password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::check::Invalid;
use serde::Deserialize;

use super::calendar::CalendarSection;
use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, OrPage, PageError, PageResult, zone_choices};
use crate::Services;
use crate::services::{REMINDER_CHOICES, UserChanges};

/// A lead time in the reader's words.
fn lead_words(minutes: i64, t: &super::i18n::Texts) -> &'static str {
    match minutes {
        0 => t.remind_never,
        15 => t.remind_15_minutes,
        60 => t.remind_an_hour,
        _ => t.remind_a_day,
    }
}

#[derive(Deserialize, Default)]
pub struct ProfileInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    reminder_minutes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    chrome: Chrome,
    email: String,
    input: ProfileInput,
    zones: Vec<super::Choice>,
    reminders: Vec<super::Choice>,
    errors: FormErrors,
    saved: bool,
    pub(super) calendar: CalendarSection,
}

async fn profile_page(services: &Services, viewer: &Viewer, input: ProfileInput, errors: FormErrors) -> PageResult<ProfilePage> {
    Ok(ProfilePage {
        chrome: Chrome::load(services, viewer, "profile", "/profile").await?,
        email: viewer.actor.user().email.clone(),
        zones: zone_choices(&input.time_zone),
        reminders: REMINDER_CHOICES
            .iter()
            .map(|m| super::Choice {
                value: m.to_string(),
                label: lead_words(*m, viewer.t()).to_owned(),
                selected: input.reminder_minutes == m.to_string(),
            })
            .collect(),
        input,
        errors,
        saved: false,
        calendar: CalendarSection::load(services, viewer).await?,
    })
}

#[derive(Deserialize, Default)]
pub struct ProfileQuery {
    saved: Option<String>,
    /// `off` once the calendar address was turned off.
    calendar: Option<String>,
}

/// The profile as saved.
pub(super) async fn current(services: &Services, viewer: &Viewer) -> PageResult<ProfilePage> {
    let user = viewer.actor.user();
    let input = ProfileInput {
        name: user.name.clone(),
        locale: user.locale.as_str().to_owned(),
        // The zone in force, the installation's default included, is the one shown chosen.
        time_zone: user.time_zone.clone().unwrap_or_else(|| viewer.actor.zone().iana_name().unwrap_or_default().to_owned()),
        reminder_minutes: services.reminder_minutes(&viewer.actor).await.or_page(viewer)?.to_string(),
        ..ProfileInput::default()
    };
    profile_page(services, viewer, input, FormErrors::default()).await
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Query(q): Query<ProfileQuery>) -> PageResult {
    let mut page = current(&services, &viewer).await?;
    page.saved = q.saved.is_some();
    page.calendar.revoked = q.calendar.as_deref() == Some("off");
    Ok(page.into_response())
}

pub async fn save(State(services): State<Services>, form: PageForm<ProfileInput>) -> PageResult {
    let viewer = &form.viewer;
    let mut input = form.input;
    let changes = UserChanges {
        name: Some(input.name.clone()),
        locale: Some(input.locale.clone()),
        time_zone: Some(input.time_zone.clone()),
        password: Some(input.password.clone()).filter(|p| !p.is_empty()),
        current_password: Some(input.current_password.clone()).filter(|p| !p.is_empty()),
        ..UserChanges::default()
    };
    // The lead time is checked first, so that a refused form changes nothing; a form without
    // it keeps the one chosen before.
    let typed = input.reminder_minutes.trim();
    let reminder = if typed.is_empty() { Some(None) } else { typed.parse::<i64>().ok().filter(|m| REMINDER_CHOICES.contains(m)).map(Some) };
    let saved = match reminder {
        None => {
            let allowed = REMINDER_CHOICES.iter().map(i64::to_string).collect();
            let mut errors = FormErrors::default();
            errors.add("reminder_minutes", Invalid::NotOneOf { allowed }.message(viewer.locale));
            Err(Ok(errors))
        }
        Some(minutes) => match services.update_user(&viewer.actor, viewer.actor.id(), changes).await {
            Ok(_) => match minutes {
                Some(minutes) => services.set_reminder_minutes(&viewer.actor, minutes).await,
                None => Ok(()),
            },
            Err(error) => Err(error),
        }
        .map_err(|error| FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))),
    };
    let errors = match saved {
        Ok(()) => return Ok(Redirect::to("/profile?saved=1").into_response()),
        Err(Ok(errors)) => errors,
        Err(Err(page)) => return Err(page),
    };
    input.password.clear();
    input.current_password.clear();
    let page = profile_page(&services, viewer, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
