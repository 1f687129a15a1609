//! `/settings`: system settings, readable by everyone, changed by administrators.

use axum::Json;
use axum::extract::{Path, State};
use dealflow_core::records::SettingRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::extract::{Admin, Body, Caller};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{LocalizedView, Page};
use crate::Services;

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    pub key: String,
    pub value: Value,
    pub description: LocalizedView,
}

impl SettingView {
    fn new(s: SettingRecord) -> ApiResult<SettingView> {
        let value = serde_json::from_str(&s.value).map_err(|_| ApiError::internal())?;
        Ok(SettingView { key: s.key, value, description: (&s.description).into() })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutSetting {
    pub value: Value,
}

/// All system settings with their descriptions.
#[utoipa::path(get, path = "/settings", operation_id = "list_settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Page<SettingView>), (status = 401, body = Problem)))]
pub async fn list(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<SettingView>>> {
    let settings = services.settings().await?;
    Ok(Json(Page::all(settings.into_iter().map(SettingView::new).collect::<ApiResult<_>>()?)))
}

/// Change a setting (administrators only).
#[utoipa::path(put, path = "/settings/{key}", operation_id = "put_setting", params(("key" = String, Path, description = "the setting's key")), tag = "settings", request_body = PutSetting, security(("bearer" = [])),
    responses((status = 200, body = SettingView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put(
    State(services): State<Services>,
    Admin(caller): Admin,
    Path(key): Path<String>,
    Body(input): Body<PutSetting>,
) -> ApiResult<Json<SettingView>> {
    let changed = services.put_setting(&caller.actor, &key, &input.value).await?;
    Ok(Json(SettingView::new(changed)?))
}
