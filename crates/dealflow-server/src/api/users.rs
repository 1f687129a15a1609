//! `/users`: the directory everyone may read; administrators create and change users; a user
//! may change their own name, language and password.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::Locale;
use dealflow_store::queries::users;
use dealflow_store::records::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::access::require_admin;
use super::extract::{Body, Caller};
use super::pagination::Page;
use super::problem::{ApiError, ApiResult, Problem};
use super::views::{UserView, nullable};
use crate::services::{NewUser, UserChanges};
use crate::{ServiceError, Services, password};

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
    pub active: Option<bool>,
    pub password: Option<String>,
    /// Required when a user changes their own password.
    pub current_password: Option<String>,
}

fn role(text: &str) -> ApiResult<Role> {
    Role::parse(text).ok_or_else(|| ApiError::field("role", "must be manager, supervisor or admin"))
}

fn locale(text: &str) -> ApiResult<Locale> {
    Locale::parse(text).filter(|_| text.len() == 2).ok_or_else(|| ApiError::field("locale", "must be ru or en"))
}

/// The user directory.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Page<UserView>), (status = 401, body = Problem)))]
pub async fn list(State(services): State<Services>, _caller: Caller) -> ApiResult<Json<Page<UserView>>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let all = users::list(&mut conn).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(all.iter().map(Into::into).collect())))
}

/// Create a user (administrators only).
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    require_admin(&caller.user)?;
    let locale = match input.locale.as_deref() {
        Some(text) => locale(text)?,
        None => {
            let mut conn = services.store().read().await.map_err(ServiceError::from)?;
            let setting = dealflow_store::queries::lookups::setting(&mut conn, "default_locale").await.map_err(ServiceError::from)?;
            setting.and_then(|v| v.as_str().and_then(Locale::parse)).unwrap_or_default()
        }
    };
    let new = NewUser {
        email: input.email,
        name: input.name,
        role: role(&input.role)?,
        supervisor_id: input.supervisor_id,
        locale,
        password: input.password,
    };
    let user = services.create_user(new).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

/// One user of the directory.
#[utoipa::path(get, path = "/users/{id}", params(("id" = String, Path, description = "the record's id")), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    Ok(Json((&users::get(&mut conn, &id).await.map_err(ServiceError::from)?).into()))
}

/// Change a user: administrators anything; a user their own name, language and password.
#[utoipa::path(patch, path = "/users/{id}", params(("id" = String, Path, description = "the record's id")), tag = "users", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateUser>,
) -> ApiResult<Json<UserView>> {
    let target = {
        let mut conn = services.store().read().await.map_err(ServiceError::from)?;
        users::get(&mut conn, &id).await.map_err(ServiceError::from)?
    };
    let is_admin = caller.user.role == Role::Admin;
    let is_self = caller.user.id == target.id;
    if !is_admin {
        if !is_self {
            return Err(ApiError::forbidden("Only an administrator may change other users."));
        }
        if input.role.is_some() || input.supervisor_id.is_some() || input.active.is_some() {
            return Err(ApiError::forbidden("Your role, supervisor and status are changed by an administrator."));
        }
    }
    if is_self && (input.active == Some(false) || input.role.as_deref().is_some_and(|r| r != "admin" && is_admin)) {
        return Err(ApiError::field(
            if input.active == Some(false) { "active" } else { "role" },
            "you cannot deactivate yourself or give up your own administrator role; ask another administrator",
        ));
    }
    if input.password.is_some() && is_self {
        let Some(current) = input.current_password.clone() else {
            return Err(ApiError::field("current_password", "is required to change your own password"));
        };
        let stored = target.password_hash.clone();
        let matches = tokio::task::spawn_blocking(move || password::verify(&current, &stored)).await.unwrap_or(false);
        if !matches {
            return Err(ApiError::field("current_password", "is not your current password"));
        }
    }
    let changes = UserChanges {
        name: input.name,
        role: input.role.as_deref().map(role).transpose()?,
        supervisor_id: input.supervisor_id,
        locale: input.locale.as_deref().map(locale).transpose()?,
        active: input.active,
        password: input.password,
    };
    Ok(Json((&services.update_user(&id, changes).await?).into()))
}
