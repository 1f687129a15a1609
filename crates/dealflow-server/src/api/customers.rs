//! `/accounts` and `/contacts`: the customers opportunities refer to. Everyone signed in may
//! read and add them; their owner, the owner's supervisor or an administrator may change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::records::{AccountRecord, ContactRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params, page};
use super::problem::{ApiResult, Problem};
use super::views::Page;
use crate::Services;
use crate::services::{AccountFields, ContactFields};

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    /// The company's tax number (INN, VAT number), which imports match accounts by.
    pub tax_number: Option<String>,
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
            tax_number: a.tax_number,
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
    pub tax_number: Option<String>,
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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Text in the name (any letter case).
    pub q: Option<String>,
    /// Contacts only: of this account.
    pub account_id: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

fn account_fields(input: AccountInput) -> AccountFields {
    AccountFields { name: input.name, industry: input.industry, website: input.website, phone: input.phone, tax_number: input.tax_number }
}

fn contact_fields(input: ContactInput) -> ContactFields {
    ContactFields { name: input.name, email: input.email, phone: input.phone, job_title: input.job_title, account_id: input.account_id }
}

/// Accounts, by name.
#[utoipa::path(get, path = "/accounts", operation_id = "list_accounts", tag = "customers", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<AccountView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list_accounts(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<AccountView>>> {
    let limit = page(params.limit.as_deref(), None)?.limit;
    let found = services.accounts(&caller.actor, params.q.as_deref(), limit).await?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Add an account, owned by the caller.
#[utoipa::path(post, path = "/accounts", operation_id = "create_account", tag = "customers", request_body = AccountInput, security(("bearer" = [])),
    responses((status = 201, body = AccountView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<AccountInput>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    Ok((StatusCode::CREATED, Json(services.create_account(&caller.actor, account_fields(input)).await?.into())))
}

/// One account.
#[utoipa::path(get, path = "/accounts/{id}", operation_id = "get_account", params(("id" = String, Path, description = "the record's id")), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_account(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<AccountView>> {
    Ok(Json(services.account(&caller.actor, &id).await?.into()))
}

/// Change an account (its owner, the owner's supervisor or an administrator).
#[utoipa::path(patch, path = "/accounts/{id}", operation_id = "update_account", params(("id" = String, Path, description = "the record's id")), tag = "customers", request_body = AccountInput, security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_account(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<AccountInput>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(services.update_account(&caller.actor, &id, account_fields(input)).await?.into()))
}

/// Contacts, by name.
#[utoipa::path(get, path = "/contacts", operation_id = "list_contacts", tag = "customers", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ContactView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list_contacts(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<ContactView>>> {
    let limit = page(params.limit.as_deref(), None)?.limit;
    let found = services.contacts(&caller.actor, params.q.as_deref(), params.account_id.as_deref(), limit).await?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Add a contact, owned by the caller.
#[utoipa::path(post, path = "/contacts", operation_id = "create_contact", tag = "customers", request_body = ContactInput, security(("bearer" = [])),
    responses((status = 201, body = ContactView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create_contact(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    Ok((StatusCode::CREATED, Json(services.create_contact(&caller.actor, contact_fields(input)).await?.into())))
}

/// One contact.
#[utoipa::path(get, path = "/contacts/{id}", operation_id = "get_contact", params(("id" = String, Path, description = "the record's id")), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_contact(State(services): State<Services>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ContactView>> {
    Ok(Json(services.contact(&caller.actor, &id).await?.into()))
}

/// Change a contact (its owner, the owner's supervisor or an administrator).
#[utoipa::path(patch, path = "/contacts/{id}", operation_id = "update_contact", params(("id" = String, Path, description = "the record's id")), tag = "customers", request_body = ContactInput, security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_contact(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<ContactInput>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(services.update_contact(&caller.actor, &id, contact_fields(input)).await?.into()))
}
