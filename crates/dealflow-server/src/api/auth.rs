//! `POST /auth/token`, `DELETE /auth/token`, `GET /me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Body, Caller};
use super::problem::{ApiResult, Problem};
use super::views::UserView;
use crate::Services;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenAnswer {
    /// Send it as `Authorization: Bearer <token>`; it is shown only here.
    pub token: String,
    pub user: UserView,
}

/// Sign in: trade an email and password for an API token.
#[utoipa::path(post, path = "/auth/token", operation_id = "sign_in", tag = "auth", request_body = SignIn,
    responses((status = 201, body = TokenAnswer), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn create_token(State(services): State<Services>, Body(input): Body<SignIn>) -> ApiResult<(StatusCode, Json<TokenAnswer>)> {
    let (token, user) = services.sign_in(&input.email, &input.password).await?;
    Ok((StatusCode::CREATED, Json(TokenAnswer { token, user: (&user).into() })))
}

/// Sign out: revoke the token this request carries.
#[utoipa::path(delete, path = "/auth/token", operation_id = "sign_out", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn delete_token(State(services): State<Services>, caller: Caller) -> ApiResult<StatusCode> {
    services.sign_out(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", operation_id = "me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
pub async fn me(caller: Caller) -> Json<UserView> {
    Json(caller.actor.user().into())
}
