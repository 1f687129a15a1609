//! System settings, each with its description and a control of its kind.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::super::session::{PageForm, Viewer};
use super::super::{Chrome, OrPage, PageResult, SavedQuery, admin_only};
use super::{checked, form_errors, saved};
use crate::Services;

pub struct SettingRow {
    pub key: String,
    pub description: String,
    pub value: String,
    pub kind: &'static str,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_settings.html")]
pub struct SettingsPage {
    chrome: Chrome,
    rows: Vec<SettingRow>,
    saved: bool,
}

async fn settings_page(services: &Services, viewer: &Viewer) -> PageResult<SettingsPage> {
    let locale = viewer.locale;
    let settings = services.settings().await.or_page(viewer)?;
    let rows = settings
        .into_iter()
        .map(|s| {
            let value: serde_json::Value = serde_json::from_str(&s.value).unwrap_or(serde_json::Value::Null);
            let kind = match (&*s.key, &value) {
                (_, serde_json::Value::Bool(_)) => "bool",
                ("default_locale", _) => "locale",
                _ => "text",
            };
            SettingRow {
                description: s.description.get(locale).to_owned(),
                value: match value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                },
                kind,
                key: s.key,
                error: None,
            }
        })
        .collect();
    Ok(SettingsPage { chrome: Chrome::load(services, viewer, "admin", "/admin/settings").await?, rows, saved: false })
}

pub async fn settings(State(services): State<Services>, viewer: Viewer, Query(q): Query<SavedQuery>) -> PageResult {
    admin_only(&viewer)?;
    let mut page = settings_page(&services, &viewer).await?;
    page.saved = q.saved.is_some();
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct SettingInput {
    /// Text settings; a checkbox sends `on` when ticked and nothing otherwise.
    value: Option<String>,
    kind: String,
}

pub async fn save_setting(State(services): State<Services>, Path(key): Path<String>, form: PageForm<SettingInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = &form.input;
    let value = match input.kind.as_str() {
        "bool" => serde_json::Value::Bool(checked(&input.value)),
        _ => serde_json::Value::String(input.value.clone().unwrap_or_default().trim().to_owned()),
    };
    match services.put_setting(&viewer.actor, &key, &value).await {
        Ok(_) => Ok(saved("/admin/settings")),
        Err(error) => {
            let errors = form_errors(viewer, error, &[])?;
            let mut page = settings_page(&services, viewer).await?;
            for row in page.rows.iter_mut().filter(|r| r.key == key) {
                row.error = errors.first().map(str::to_owned);
                row.value = input.value.clone().unwrap_or_default();
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
