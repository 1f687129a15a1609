//! The web app (SPEC §6): server-rendered pages over the same services as the API. A handler
//! parses the request, calls a service with the viewer's actor, and renders; the services decide
//! what the viewer may see and do. Every page reads and every form posts without JavaScript;
//! `static/app.js` adds completing mini-cards in place, live notifications, command suggestions
//! and dialogs.

mod activities;
mod activity_forms;
mod admin;
mod analytics;
mod assets;
mod board;
mod calendar;
mod charts;
mod connect_texts;
mod csv;
mod customer_lists;
mod customers;
mod deal_texts;
mod diagram;
mod format;
mod health;
mod i18n;
mod import_texts;
mod imports;
mod knowledge;
mod lead_forms;
mod leads;
mod library;
mod notifications;
mod opportunities;
mod opportunity;
mod opportunity_forms;
mod pickers;
mod profile;
mod search;
mod session;
mod sorting;
mod stage_moves;
mod start;
mod team_analytics;
mod timeline;
mod words;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dealflow_core::Locale;
use dealflow_core::check::FieldProblem;
use dealflow_core::records::NotificationRecord;

use crate::Services;
use crate::error::ServiceError;
use i18n::{Texts, texts};
use session::Viewer;

pub fn router() -> Router<Services> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/locale", post(session::switch_locale))
        .route("/profile", get(profile::page).post(profile::save))
        .route("/profile/calendar", post(calendar::open))
        .route("/profile/calendar/off", post(calendar::close))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/static/app.js", get(assets::script))
        .route("/static/palette.js", get(assets::palette))
        .route("/static/board.js", get(assets::board))
        .route("/static/app.css", get(assets::style))
        .route("/opportunities", get(opportunities::list).post(opportunity_forms::create_opportunity))
        .route("/opportunities.csv", get(opportunities::export))
        .route("/board", get(board::board))
        .route("/board/move", post(board::move_card))
        .route("/opportunities/new", get(opportunity_forms::new_opportunity))
        .route("/opportunities/{id}", get(opportunity::page))
        .route("/opportunities/{id}/live", get(opportunity::live))
        .route("/opportunities/{id}/stage", post(stage_moves::change_stage))
        .route("/opportunities/{id}/move", get(stage_moves::move_page))
        .route("/opportunities/{id}/close", post(opportunity_forms::close))
        .route("/opportunities/{id}/details", post(opportunity_forms::save_details))
        .route("/opportunities/{id}/participants", post(opportunity_forms::change_participants))
        .route("/opportunities/{id}/competitors", post(opportunity_forms::change_competitors))
        .route("/opportunities/{id}/start", post(opportunity_forms::start_process))
        .route("/opportunities/{id}/order", post(opportunity_forms::create_order))
        .route("/opportunities/{id}/notes", post(opportunity_forms::add_note))
        .route("/activities", post(activity_forms::create))
        .route("/activities/new", get(activity_forms::new_form))
        .route("/activities/{id}", get(activities::page).post(activity_forms::update))
        .route("/activities/{id}/edit", get(activity_forms::edit_form))
        .route("/activities/{id}/cancel", post(activity_forms::cancel))
        .route("/pick/{kind}", get(pickers::pick))
        .route("/accounts", get(customer_lists::accounts).post(customers::create_account))
        .route("/accounts.csv", get(customer_lists::export_accounts))
        .route("/accounts/new", get(customers::new_account))
        .route("/accounts/{id}", get(customers::account).post(customers::update_account))
        .route("/contacts", get(customer_lists::contacts).post(customers::create_contact))
        .route("/contacts.csv", get(customer_lists::export_contacts))
        .route("/leads.csv", get(leads::export))
        .route("/contacts/new", get(customers::new_contact))
        .route("/contacts/{id}", get(customers::contact).post(customers::update_contact))
        .route("/{kind}/{id}/notes", post(customers::add_note))
        .route("/activities/{id}/complete", post(activities::complete))
        .route("/schedule", get(activities::schedule))
        .route("/schedule.csv", get(activities::export_schedule))
        .route("/leads", get(leads::list).post(lead_forms::create))
        .route("/leads/new", get(lead_forms::new_form))
        .route("/leads/{id}", get(leads::page).post(lead_forms::update))
        .route("/leads/{id}/edit", get(lead_forms::edit_form))
        .route("/leads/{id}/stage", post(leads::change_stage))
        .route("/notifications", get(notifications::list))
        .route("/notifications/{id}/open", post(notifications::open))
        .route("/notifications/read-all", post(notifications::read_all))
        .route("/events", get(notifications::events))
        .route("/run", get(start::choose).post(start::run))
        .route("/command", post(start::command))
        .route("/command/suggest", get(start::suggest))
        .route("/palette", get(search::palette))
        .route("/search", get(search::results))
        .route("/analytics", get(analytics::page))
        .route("/analytics.csv", get(analytics::csv))
        .route("/processes", get(library::list))
        .route("/processes/{code}", get(library::page))
        .route("/processes/{code}/diff", get(library::diff))
        .route("/processes/{code}/upload", get(library::upload_form).post(library::upload))
        .route("/processes/{code}/active", post(library::set_active))
        .route("/knowledge", get(knowledge::list).post(knowledge::create))
        .route("/knowledge/{id}", get(knowledge::page).post(knowledge::update))
        .route("/opportunities/{id}/closing", post(opportunity_forms::save_closing))
        .route("/admin", get(|| async { Redirect::to("/admin/users") }))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user).post(admin::update_user))
        .route("/admin/stages", get(admin::stages).post(admin::create_stage))
        .route("/admin/stages/new", get(admin::new_stage))
        .route("/admin/stages/{code}", get(admin::edit_stage).post(admin::update_stage))
        .route("/admin/stages/{code}/move", post(admin::move_stage))
        .route("/admin/stages/{code}/delete", post(admin::delete_stage))
        .route("/admin/lookups", get(admin::lookups))
        .route("/admin/lead-stages", post(admin::create_lead_stage))
        .route("/admin/lead-stages/{code}", post(admin::save_lead_stage))
        .route("/admin/lead-stages/{code}/delete", post(admin::delete_lead_stage))
        .route("/admin/{lookup}", post(admin::create_reason))
        .route("/admin/{lookup}/{code}", post(admin::save_reason))
        .route("/admin/webhooks", get(admin::webhooks).post(admin::create_webhook))
        .route("/admin/webhooks/{id}", get(admin::webhook).post(admin::update_webhook))
        .route("/admin/webhooks/{id}/delete", post(admin::delete_webhook))
        .route("/admin/webhooks/{id}/deliveries/{delivery}/resend", post(admin::resend_delivery))
        .route(
            "/imports",
            get(imports::imports).post(imports::upload).layer(DefaultBodyLimit::max(crate::services::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/imports/{id}", get(imports::import).post(imports::run))
        .route("/imports/{id}/progress", get(imports::progress))
        .route("/imports/{id}/rejected.csv", get(imports::rejected))
        .route("/admin/settings", get(admin::settings))
        .route("/admin/settings/{key}", post(admin::save_setting))
}

async fn home(viewer: Result<Viewer, PageError>) -> Response {
    match viewer {
        Ok(_) => Redirect::to("/opportunities").into_response(),
        Err(_) => Redirect::to("/login").into_response(),
    }
}

/// Why a page could not be shown. Field errors never come here: forms show them beside the field.
#[derive(Debug)]
pub enum PageError {
    SignIn {
        next: String,
    },
    NotFound(Locale),
    /// A form without this session's CSRF token.
    Csrf(Locale),
    /// A page or form the viewer's role does not allow, with why.
    Forbidden(Locale, String),
    BadRequest(Locale),
    Internal(Locale),
}

impl PageError {
    pub fn internal(locale: Locale, error: impl std::fmt::Display) -> PageError {
        tracing::error!(%error, "page failed");
        PageError::Internal(locale)
    }

    /// A service's refusal that no form can show beside a field.
    pub fn service(locale: Locale, error: ServiceError) -> PageError {
        match error {
            ServiceError::NotFound => PageError::NotFound(locale),
            ServiceError::Forbidden(why) => PageError::Forbidden(locale, why.message(locale).to_owned()),
            ServiceError::Store(cause) => PageError::internal(locale, cause),
            _ => PageError::BadRequest(locale),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Texts,
    heading: &'static str,
    text: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, locale) = match &self {
            PageError::SignIn { next } => {
                let target = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
                return Redirect::to(&format!("/login?{target}")).into_response();
            }
            PageError::NotFound(l) => (StatusCode::NOT_FOUND, *l),
            PageError::Csrf(l) | PageError::Forbidden(l, _) => (StatusCode::FORBIDDEN, *l),
            PageError::BadRequest(l) => (StatusCode::BAD_REQUEST, *l),
            PageError::Internal(l) => (StatusCode::INTERNAL_SERVER_ERROR, *l),
        };
        let t = texts(locale);
        let (heading, text) = match self {
            PageError::NotFound(_) => (t.not_found_title, t.not_found_text.to_owned()),
            PageError::Csrf(_) => (t.error_title, t.forbidden_text.to_owned()),
            PageError::Forbidden(_, why) => (t.error_title, why),
            PageError::BadRequest(_) => (t.error_title, t.something_wrong.to_owned()),
            _ => (t.error_title, t.error_text.to_owned()),
        };
        (status, ErrorPage { t, heading, text }).into_response()
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// `?saved=1`: where a form sends the person back after saving, to say so.
#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// A service's answer, or the error page for a refusal no form shows beside a field.
trait OrPage<T> {
    fn or_page(self, viewer: &Viewer) -> PageResult<T>;
}

impl<T> OrPage<T> for Result<T, ServiceError> {
    fn or_page(self, viewer: &Viewer) -> PageResult<T> {
        self.map_err(|error| PageError::service(viewer.locale, error))
    }
}

/// Administration pages answer 403 to anyone else, before anything is read.
fn admin_only(viewer: &Viewer) -> PageResult<()> {
    viewer.actor.require_admin().or_page(viewer)
}

/// One item of the notification centre.
pub struct NotificationItem {
    pub id: String,
    pub title: String,
    pub body: String,
    pub when: String,
    pub unread: bool,
}

impl NotificationItem {
    fn new(n: &NotificationRecord, zone: &jiff::tz::TimeZone, locale: Locale) -> NotificationItem {
        NotificationItem {
            id: n.id.clone(),
            title: n.title.get(locale).to_owned(),
            body: n.body.get(locale).to_owned(),
            when: format::instant(n.created_at, zone, locale),
            unread: n.read_at.is_none(),
        }
    }
}

pub struct ProcessChoice {
    pub code: String,
    pub name: String,
}

/// What every page shows around its content: the header with the command line, the
/// notification centre and the user menu, and the side panel.
pub struct Chrome {
    pub t: &'static Texts,
    pub other_locale: &'static str,
    pub user_name: String,
    pub role: &'static str,
    pub csrf: String,
    pub unread: i64,
    pub recent: Vec<NotificationItem>,
    pub processes: Vec<ProcessChoice>,
    pub section: &'static str,
    pub admin: bool,
    /// Whether the viewer may import files (supervisors and administrators).
    pub importer: bool,
    /// This page's address, to come back to after switching language.
    pub here: String,
    pub command_text: String,
    /// The zone the viewer's times are shown in, named in the user menu.
    pub time_zone: String,
}

impl Chrome {
    async fn load(services: &Services, viewer: &Viewer, section: &'static str, here: &str) -> PageResult<Chrome> {
        let locale = viewer.locale;
        let header = services.header(&viewer.actor).await.or_page(viewer)?;
        let user = viewer.actor.user();
        Ok(Chrome {
            t: viewer.t(),
            other_locale: if locale == Locale::Ru { "en" } else { "ru" },
            user_name: user.name.clone(),
            role: viewer.t().role(&user.role),
            csrf: viewer.csrf.clone(),
            unread: header.unread,
            recent: header.recent.iter().map(|n| NotificationItem::new(n, viewer.actor.zone(), locale)).collect(),
            processes: header.processes.into_iter().map(|(code, name)| ProcessChoice { code, name: name.get(locale).to_owned() }).collect(),
            section,
            admin: viewer.actor.is_admin(),
            importer: viewer.actor.require_overrider().is_ok(),
            here: here.to_owned(),
            command_text: String::new(),
            time_zone: viewer.actor.zone().iana_name().unwrap_or("UTC").to_owned(),
        })
    }
}

/// One choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>, current: Option<&str>) -> Choice {
        let value = value.into();
        let selected = current == Some(value.as_str());
        Choice { value, label: label.into(), selected }
    }
}

/// A path of this site to go to after a form, never another site's address. Browsers drop tabs
/// and line breaks from addresses (`/\t/evil.example` is `//evil.example` to them), so a path
/// with any control character or space is refused too.
pub fn local_path(path: &str) -> Option<String> {
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    local.then(|| path.to_owned())
}

/// Every zone of the bundled time zone database, by name, for a `<select>`.
pub fn zone_choices(current: &str) -> Vec<Choice> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|name| name.as_str().to_owned()).collect();
    names.sort();
    names.into_iter().map(|name| Choice::new(name.clone(), name, Some(current))).collect()
}

/// Field errors of a form, by field name, already in the reader's language.
#[derive(Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every (field, message), for a script to place.
    pub fn pairs(self) -> Vec<(String, String)> {
        self.0
    }

    pub fn first(&self) -> Option<&str> {
        self.0.first().map(|(_, m)| m.as_str())
    }

    /// Problems found while reading a form, in `locale`.
    pub fn of(problems: &[FieldProblem], locale: Locale) -> FormErrors {
        FormErrors(problems.iter().map(|p| (p.field.clone(), p.invalid.message(locale))).collect())
    }

    /// A service's refusal, field by field (a taken code or email beside its field); other
    /// refusals of the person's under `form`; `None` for failures that are ours.
    pub fn from_service(locale: Locale, error: &ServiceError) -> Option<FormErrors> {
        match error {
            ServiceError::Invalid(problems) => Some(FormErrors::of(problems, locale)),
            ServiceError::AlreadyExists(field) => Some(FormErrors(vec![(field.clone(), error.message(locale)?)])),
            other => Some(FormErrors(vec![("form".to_owned(), other.message(locale)?)])),
        }
    }

    /// Problems with one item of a list (`tags[2]`) shown at the list's one field (`tags`), the
    /// first of them only: a form edits such a list as one line of text.
    fn folding_items(mut self, list: &str) -> FormErrors {
        let prefix = format!("{list}[");
        for (field, _) in &mut self.0 {
            if field.starts_with(&prefix) {
                *field = list.to_owned();
            }
        }
        self
    }

    /// The same, with the services' field names as the form calls them.
    fn from_service_as(locale: Locale, error: &ServiceError, rename: &[(&str, &str)]) -> Option<FormErrors> {
        let mut errors = FormErrors::from_service(locale, error)?;
        for (field, _) in &mut errors.0 {
            if let Some((_, form_name)) = rename.iter().find(|(service_name, _)| service_name == field) {
                *field = (*form_name).to_owned();
            }
        }
        Some(errors)
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;
    use dealflow_core::Locale;
    use dealflow_core::check::{FieldProblem, Invalid};

    use super::FormErrors;

    /// A form field's error slot, the one every form includes.
    #[derive(Template)]
    #[template(source = r#"<input name="x">{% let field = "x" %}{% include "field.html" %}"#, ext = "html")]
    struct Slot {
        errors: FormErrors,
    }

    /// Every typed problem, the ones only API clients cause included, reads beside its field in
    /// the viewer's language, as the catalogue words it, escaped as HTML text.
    #[test]
    fn every_typed_problem_renders_in_a_fields_slot_in_both_languages() {
        for invalid in Invalid::examples() {
            let problems = [FieldProblem::new("x", invalid.clone())];
            let [ru, en] = [Locale::Ru, Locale::En].map(|locale| Slot { errors: FormErrors::of(&problems, locale) }.render().unwrap());
            for (html, locale) in [(&ru, Locale::Ru), (&en, Locale::En)] {
                let expected = askama::filters::escape(invalid.message(locale), askama::filters::Html).unwrap().to_string();
                assert_eq!(*html, format!(r#"<input name="x"><span class="field-error">{expected}</span>"#), "{}", invalid.code());
            }
            assert_ne!(ru, en, "{} reads differently in each language", invalid.code());
        }
    }

    #[test]
    fn problems_with_items_of_a_list_show_at_the_lists_field() {
        let problems = [FieldProblem::new("tags[3]", Invalid::Required), FieldProblem::new("title", Invalid::Required)];
        let errors = FormErrors::of(&problems, Locale::En).folding_items("tags");
        assert_eq!(errors.get("tags"), Some("Fill in this field."));
        assert_eq!(errors.get("title"), Some("Fill in this field."));
        assert_eq!(errors.get("tags[3]"), None);
    }
}
