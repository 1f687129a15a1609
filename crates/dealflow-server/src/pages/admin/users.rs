//! Users: the list with the form for a new one, and a page per user.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use dealflow_core::check::Problems;
use dealflow_core::records::{Role, UserRecord};
use serde::Deserialize;

use super::super::session::{PageForm, Viewer};
use super::super::{Choice, Chrome, FormErrors, OrPage, PageResult, SavedQuery, admin_only, zone_choices};
use super::{checked, form_errors, saved};
use crate::Services;
use crate::services::{NewUser, UserChanges, users};

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub supervisor: String,
    pub active: bool,
}

#[derive(Deserialize, Default)]
pub struct UserInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supervisor_id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    password: String,
    /// Asked only on one's own page: changing one's own password takes the current one.
    #[serde(default)]
    current_password: String,
    active: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    input: UserInput,
    roles: Vec<Choice>,
    supervisors: Vec<Choice>,
    zones: Vec<Choice>,
    errors: FormErrors,
    saved: bool,
}

fn role_choices(viewer: &Viewer, current: &str) -> Vec<Choice> {
    let t = viewer.t();
    [Role::Manager, Role::Supervisor, Role::Admin].iter().map(|r| Choice::new(r.as_str(), t.role(r), Some(current))).collect()
}

fn supervisor_choices(all: &[UserRecord], except: Option<&str>, current: &str) -> Vec<Choice> {
    all.iter()
        .filter(|u| u.active && u.role != Role::Manager && Some(u.id.as_str()) != except)
        .map(|u| Choice::new(u.id.clone(), u.name.clone(), Some(current)))
        .collect()
}

async fn users_page(services: &Services, viewer: &Viewer, mut input: UserInput, errors: FormErrors) -> PageResult<UsersPage> {
    let all = services.users(&viewer.actor).await.or_page(viewer)?;
    if input.locale.is_empty() {
        // A new user speaks the installation's default language unless chosen otherwise.
        input.locale = services.default_locale().await.or_page(viewer)?.as_str().to_owned();
    }
    let t = viewer.t();
    Ok(UsersPage {
        chrome: Chrome::load(services, viewer, "admin", "/admin/users").await?,
        rows: all
            .iter()
            .map(|u| UserRow {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                role: t.role(&u.role),
                supervisor: u
                    .supervisor_id
                    .as_ref()
                    .and_then(|s| all.iter().find(|x| &x.id == s))
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                active: u.active,
            })
            .collect(),
        roles: role_choices(viewer, if input.role.is_empty() { "manager" } else { &input.role }),
        supervisors: supervisor_choices(&all, None, &input.supervisor_id),
        zones: zone_choices(&input.time_zone),
        input,
        errors,
        saved: false,
    })
}

pub async fn users(State(services): State<Services>, viewer: Viewer, Query(q): Query<SavedQuery>) -> PageResult {
    admin_only(&viewer)?;
    let mut page = users_page(&services, &viewer, UserInput::default(), FormErrors::default()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

/// What the services call the form's fields, and what they say about one the form names otherwise.
const FIELDS: &[(&str, &str)] = &[("active", "role")];

pub async fn create_user(State(services): State<Services>, form: PageForm<UserInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = form.input;
    let mut problems = Problems::new();
    let role = problems.check("role", users::role(&input.role));
    // No language chosen: the installation's default.
    let locale = match input.locale.trim() {
        "" => Some(None),
        text => problems.check("locale", users::locale(text)).map(Some),
    };
    let errors = match (role, locale, problems.finish()) {
        (Some(role), Some(locale), Ok(())) => {
            let new = NewUser {
                email: input.email.clone(),
                name: input.name.clone(),
                role,
                supervisor_id: Some(input.supervisor_id.trim().to_owned()).filter(|s| !s.is_empty()),
                locale,
                time_zone: Some(input.time_zone.trim().to_owned()).filter(|z| !z.is_empty()),
                password: input.password.clone(),
            };
            match services.create_user(&viewer.actor, new).await {
                Ok(_) => return Ok(saved("/admin/users")),
                Err(error) => form_errors(viewer, error, FIELDS)?,
            }
        }
        (.., found) => FormErrors::of(&found.err().unwrap_or_default(), viewer.locale),
    };
    let mut input = input;
    input.password.clear();
    let page = users_page(&services, viewer, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    chrome: Chrome,
    id: String,
    /// The administrator's own page, which asks for the current password to set a new one.
    own: bool,
    email: String,
    input: UserInput,
    roles: Vec<Choice>,
    supervisors: Vec<Choice>,
    zones: Vec<Choice>,
    errors: FormErrors,
    saved: bool,
}

async fn user_page(services: &Services, viewer: &Viewer, user: &UserRecord, input: UserInput, errors: FormErrors) -> PageResult<UserPage> {
    let all = services.users(&viewer.actor).await.or_page(viewer)?;
    Ok(UserPage {
        chrome: Chrome::load(services, viewer, "admin", &format!("/admin/users/{}", user.id)).await?,
        id: user.id.clone(),
        own: user.id == viewer.actor.id(),
        email: user.email.clone(),
        roles: role_choices(viewer, &input.role),
        supervisors: supervisor_choices(&all, Some(&user.id), &input.supervisor_id),
        zones: zone_choices(&input.time_zone),
        input,
        errors,
        saved: false,
    })
}

fn user_input(user: &UserRecord) -> UserInput {
    UserInput {
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role.as_str().to_owned(),
        supervisor_id: user.supervisor_id.clone().unwrap_or_default(),
        locale: user.locale.as_str().to_owned(),
        time_zone: user.time_zone.clone().unwrap_or_default(),
        password: String::new(),
        current_password: String::new(),
        active: user.active.then(|| "on".to_owned()),
    }
}

pub async fn user(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> PageResult {
    admin_only(&viewer)?;
    let user = services.user(&viewer.actor, &id).await.or_page(&viewer)?;
    let mut page = user_page(&services, &viewer, &user, user_input(&user), FormErrors::default()).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

pub async fn update_user(State(services): State<Services>, Path(id): Path<String>, form: PageForm<UserInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let user = services.user(&viewer.actor, &id).await.or_page(viewer)?;
    let mut input = form.input;
    let changes = UserChanges {
        name: Some(input.name.clone()),
        role: Some(input.role.clone()),
        supervisor_id: Some(Some(input.supervisor_id.trim().to_owned()).filter(|s| !s.is_empty())),
        locale: Some(input.locale.clone()).filter(|l| !l.trim().is_empty()),
        time_zone: Some(input.time_zone.clone()).filter(|z| !z.trim().is_empty()),
        active: Some(checked(&input.active)),
        password: Some(input.password.clone()).filter(|p| !p.is_empty()),
        current_password: Some(input.current_password.clone()).filter(|p| !p.is_empty()),
    };
    let errors = match services.update_user(&viewer.actor, &id, changes).await {
        Ok(_) => return Ok(saved(&format!("/admin/users/{id}"))),
        Err(error) => form_errors(viewer, error, FIELDS)?,
    };
    input.password.clear();
    input.current_password.clear();
    input.email = user.email.clone();
    let page = user_page(&services, viewer, &user, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
