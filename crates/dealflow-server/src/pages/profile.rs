//! `/profile`: a person's own name, language, time zone and password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, PageError, PageResult, SavedQuery, zone_choices};
use crate::Services;
use crate::services::UserChanges;

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
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    chrome: Chrome,
    email: String,
    input: ProfileInput,
    zones: Vec<super::Choice>,
    errors: FormErrors,
    saved: bool,
}

async fn profile_page(services: &Services, viewer: &Viewer, input: ProfileInput, errors: FormErrors) -> PageResult<ProfilePage> {
    Ok(ProfilePage {
        chrome: Chrome::load(services, viewer, "profile", "/profile").await?,
        email: viewer.actor.user().email.clone(),
        zones: zone_choices(&input.time_zone),
        input,
        errors,
        saved: false,
    })
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Query(q): Query<SavedQuery>) -> PageResult {
    let user = viewer.actor.user();
    let input = ProfileInput {
        name: user.name.clone(),
        locale: user.locale.as_str().to_owned(),
        // The zone in force, the installation's default included, is the one shown chosen.
        time_zone: user.time_zone.clone().unwrap_or_else(|| viewer.actor.zone().iana_name().unwrap_or_default().to_owned()),
        ..ProfileInput::default()
    };
    let mut page = profile_page(&services, &viewer, input, FormErrors::default()).await?;
    page.saved = q.saved.is_some();
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
    let errors = match services.update_user(&viewer.actor, viewer.actor.id(), changes).await {
        Ok(_) => return Ok(Redirect::to("/profile?saved=1").into_response()),
        Err(error) => FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?,
    };
    input.password.clear();
    input.current_password.clear();
    let page = profile_page(&services, viewer, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
