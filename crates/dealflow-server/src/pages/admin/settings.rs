//! System settings, each with its description and a control of its kind.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::super::session::{PageForm, Viewer};
use super::super::{Choice, Chrome, OrPage, PageResult, SavedQuery, admin_only, zone_choices};
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
    /// The choices of `default_time_zone`.
    zones: Vec<Choice>,
    /// The days of `working_days`: (ISO number, name, ticked).
    weekdays: Vec<(u8, &'static str, bool)>,
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
                ("default_time_zone", _) => "zone",
                ("working_days", _) => "weekdays",
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
    let rows: Vec<SettingRow> = rows;
    let value_of = |key: &str| rows.iter().find(|r| r.key == key).map(|r| r.value.clone()).unwrap_or_default();
    let working: Vec<u8> = serde_json::from_str(&value_of("working_days")).unwrap_or_default();
    let names = viewer.t().weekday_names();
    Ok(SettingsPage {
        chrome: Chrome::load(services, viewer, "admin", "/admin/settings").await?,
        zones: zone_choices(&value_of("default_time_zone")),
        weekdays: (1..=7u8).map(|day| (day, names[usize::from(day - 1)], working.contains(&day))).collect(),
        rows,
        saved: false,
    })
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
    /// `working_days`: one checkbox per weekday, `d1` Monday … `d7` Sunday.
    d1: Option<String>,
    d2: Option<String>,
    d3: Option<String>,
    d4: Option<String>,
    d5: Option<String>,
    d6: Option<String>,
    d7: Option<String>,
}

impl SettingInput {
    fn ticked_days(&self) -> serde_json::Value {
        let boxes = [&self.d1, &self.d2, &self.d3, &self.d4, &self.d5, &self.d6, &self.d7];
        (1..=7).zip(boxes).filter(|(_, ticked)| checked(ticked)).map(|(day, _)| serde_json::Value::from(day)).collect()
    }
}

pub async fn save_setting(State(services): State<Services>, Path(key): Path<String>, form: PageForm<SettingInput>) -> PageResult {
    let viewer = &form.viewer;
    admin_only(viewer)?;
    let input = &form.input;
    let value = match input.kind.as_str() {
        "bool" => serde_json::Value::Bool(checked(&input.value)),
        "weekdays" => input.ticked_days(),
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
