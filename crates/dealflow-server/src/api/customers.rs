//! `/accounts` and `/contacts`: the customers opportunities refer to. Everyone signed in may
//! read and add them; their owner, the owner's supervisor or an administrator may change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_store::queries::customers;
use dealflow_store::records::{AccountRecord, ContactRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::Scope;
use super::extract::{Body, Caller, Params};
use super::pagination::{MAX_LIMIT, Page, PageParams};
use super::problem::{ApiError, ApiResult, Problem};
use crate::services::{AccountFields, ContactFields};
use crate::{ServiceError, Services};

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: String,
}

impl From<AccountRecord> for AccountView {
    fn from(a: AccountRecord) -> AccountView {
        AccountView {
            id: a.id,
            name: a.name,
            industry: a.industry,
            website: a.website,
            phone: a.phone,
            owner_id: a.owner_id,
            created_at: a.created_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub account_id: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: String,
}

impl From<ContactRecord> for ContactView {
    fn from(c: ContactRecord) -> ContactView {
        ContactView {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            job_title: c.job_title,
            account_id: c.account_id,
            owner_id: c.owner_id,
            created_at: c.created_at.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub account_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Text in the name (any letter case).
    pub q: Option<String>,
    /// Contacts only: of this account.
    pub account_id: Option<String>,
    pub limit: Option<i64>,
}

fn may_change(scope: &Scope, owner_id: &Option<String>) -> ApiResult<()> {
    match owner_id {
        Some(owner) if !scope.allows(owner) => {
            Err(ApiError::forbidden("Only the owner, their supervisor or an administrator may change this."))
        }
        _ => Ok(()),
    }
}

fn lower(q: Option<String>) -> Option<String> {
    q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty())
}

/// Accounts, by name.
#[utoipa::path(get, path = "/accounts", tag = "customers", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<AccountView>), (status = 401, body = Problem)))]
pub async fn list_accounts(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<AccountView>>> {
    let limit = PageParams { limit: params.limit, cursor: None }.limit()?.min(MAX_LIMIT);
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = customers::accounts(&mut conn, lower(params.q).as_deref(), limit).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Add an account, owned by the caller.
#[utoipa::path(post, path = "/accounts", tag = "customers", request_body = AccountInput, security(("bearer" = [])),
    responses((status = 201, body = AccountView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<AccountInput>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let fields = AccountFields { name: input.name, industry: input.industry, website: input.website, phone: input.phone };
    Ok((StatusCode::CREATED, Json(services.create_account(&caller.user.id, fields).await?.into())))
}

/// One account.
#[utoipa::path(get, path = "/accounts/{id}", params(("id" = String, Path, description = "the record's id")), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_account(State(services): State<Services>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<AccountView>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    Ok(Json(customers::get_account(&mut conn, &id).await.map_err(ServiceError::from)?.into()))
}

/// Change an account.
#[utoipa::path(patch, path = "/accounts/{id}", params(("id" = String, Path, description = "the record's id")), tag = "customers", request_body = AccountInput, security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_account(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<AccountInput>,
) -> ApiResult<Json<AccountView>> {
    let account =
        customers::get_account(&mut *services.store().read().await.map_err(ServiceError::from)?, &id).await.map_err(ServiceError::from)?;
    may_change(&Scope::of(&services, &caller.user).await?, &account.owner_id)?;
    let fields = AccountFields { name: input.name, industry: input.industry, website: input.website, phone: input.phone };
    Ok(Json(services.update_account(account, fields).await?.into()))
}

/// Contacts, by name.
#[utoipa::path(get, path = "/contacts", tag = "customers", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ContactView>), (status = 401, body = Problem)))]
pub async fn list_contacts(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<ContactView>>> {
    let limit = PageParams { limit: params.limit, cursor: None }.limit()?;
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = customers::contacts(&mut conn, lower(params.q).as_deref(), params.account_id.as_deref(), limit)
        .await
        .map_err(ServiceError::from)?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Add a contact, owned by the caller.
#[utoipa::path(post, path = "/contacts", tag = "customers", request_body = ContactInput, security(("bearer" = [])),
    responses((status = 201, body = ContactView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create_contact(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    let fields = ContactFields {
        name: input.name,
        email: input.email,
        phone: input.phone,
        job_title: input.job_title,
        account_id: input.account_id,
    };
    Ok((StatusCode::CREATED, Json(services.create_contact(&caller.user.id, fields).await?.into())))
}

/// One contact.
#[utoipa::path(get, path = "/contacts/{id}", params(("id" = String, Path, description = "the record's id")), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_contact(State(services): State<Services>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ContactView>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    Ok(Json(customers::get_contact(&mut conn, &id).await.map_err(ServiceError::from)?.into()))
}

/// Change a contact.
#[utoipa::path(patch, path = "/contacts/{id}", params(("id" = String, Path, description = "the record's id")), tag = "customers", request_body = ContactInput, security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_contact(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ContactInput>,
) -> ApiResult<Json<ContactView>> {
    let contact =
        customers::get_contact(&mut *services.store().read().await.map_err(ServiceError::from)?, &id).await.map_err(ServiceError::from)?;
    may_change(&Scope::of(&services, &caller.user).await?, &contact.owner_id)?;
    let fields = ContactFields {
        name: input.name,
        email: input.email,
        phone: input.phone,
        job_title: input.job_title,
        account_id: input.account_id,
    };
    Ok(Json(services.update_contact(contact, fields).await?.into()))
}
