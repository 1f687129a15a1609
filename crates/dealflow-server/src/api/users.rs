//! `/users`: the directory everyone may read; administrators create and change users; a user
//! may change their own name, language and password.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::Locale;
use dealflow_core::records::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::{Admin, Body, Caller, nullable};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{Page, UserView};
use crate::Services;
use crate::services::{NewUser, UserChanges, users};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    /// `manager`, `supervisor` or `admin`.
    pub role: String,
    pub supervisor_id: Option<String>,
    /// `ru` or `en`; the `default_locale` setting when not given.
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Moscow`; when not given, the setting
    /// `default_time_zone` applies until the person's browser names theirs.
    pub time_zone: Option<String>,
    /// At least 8 characters; never answered back.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub supervisor_id: Option<Option<String>>,
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Moscow`.
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    /// Required when a user changes their own password.
    pub current_password: Option<String>,
}

fn role(text: &str) -> ApiResult<Role> {
    users::role(text).map_err(|invalid| ApiError::field("role", invalid))
}

fn locale(text: &str) -> ApiResult<Locale> {
    users::locale(text).map_err(|invalid| ApiError::field("locale", invalid))
}

/// The user directory.
#[utoipa::path(get, path = "/users", operation_id = "list_users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Page<UserView>), (status = 401, body = Problem)))]
pub async fn list(State(services): State<Services>, caller: Caller) -> ApiResult<Json<Page<UserView>>> {
    let all = services.users(&caller.actor).await?;
    Ok(Json(Page::all(all.iter().map(Into::into).collect())))
}

/// Create a user (administrators only).
#[utoipa::path(post, path = "/users", operation_id = "create_user", tag = "users", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    Admin(caller): Admin,
    Body(input): Body<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let new = NewUser {
        email: input.email,
        name: input.name,
        role: role(&input.role)?,
        supervisor_id: input.supervisor_id,
        locale: input.locale.as_deref().map(locale).transpose()?,
        time_zone: input.time_zone,
        password: input.password,
    };
    let user = services.create_user(&caller.actor, new).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

/// One user of the directory.
#[utoipa::path(get, path = "/users/{id}", operation_id = "get_user", params(("id" = String, Path, description = "the record's id")), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    Ok(Json((&services.user(&caller.actor, &id).await?).into()))
}

/// Change a user: administrators anything; a user their own name, language, time zone and password.
#[utoipa::path(patch, path = "/users/{id}", operation_id = "update_user", params(("id" = String, Path, description = "the record's id")), tag = "users", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateUser>,
) -> ApiResult<Json<UserView>> {
    let changes = UserChanges {
        name: input.name,
        role: input.role,
        supervisor_id: input.supervisor_id,
        locale: input.locale,
        time_zone: input.time_zone,
        active: input.active,
        password: input.password,
        current_password: input.current_password,
    };
    Ok(Json((&services.update_user(&caller.actor, &id, changes).await?).into()))
}
