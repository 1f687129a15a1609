//! The account and contact lists: search by name and paging by name.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::records::ContactRecord;
use serde::Deserialize;

use super::customers::optional;
use super::session::Viewer;
use super::{Chrome, OrPage, PageResult};
use crate::Services;

/// Rows per page of the lists.
const LIST_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// The last row of the page before: its name and id.
    #[serde(default)]
    after_name: String,
    #[serde(default)]
    after_id: String,
}

impl ListQuery {
    fn after(&self) -> Option<(&str, &str)> {
        (!self.after_id.is_empty()).then_some((self.after_name.as_str(), self.after_id.as_str()))
    }

    /// Cuts `found` (read one row longer than a page) to a page, and answers the link to the
    /// page after it when there is one; `key` is a row's (name, id).
    fn page<T>(&self, path: &str, found: &mut Vec<T>, key: impl Fn(&T) -> (&str, &str)) -> Option<String> {
        let more = found.len() > LIST_PAGE as usize;
        found.truncate(LIST_PAGE as usize);
        let (name, id) = found.last().filter(|_| more).map(key)?;
        let mut params = form_urlencoded::Serializer::new(String::new());
        params.append_pair("q", &self.q).append_pair("after_name", name).append_pair("after_id", id);
        Some(format!("{path}?{}", params.finish()))
    }
}

pub struct AccountRow {
    id: String,
    name: String,
    industry: String,
    phone: String,
    website: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    chrome: Chrome,
    q: String,
    rows: Vec<AccountRow>,
    next: Option<String>,
}

pub async fn accounts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let mut found =
        services.account_list(&viewer.actor, optional(&query.q).as_deref(), query.after(), LIST_PAGE + 1).await.or_page(&viewer)?;
    let next = query.page("/accounts", &mut found, |a| (a.name.as_str(), a.id.as_str()));
    let rows = found
        .iter()
        .map(|a| AccountRow {
            id: a.id.clone(),
            name: a.name.clone(),
            industry: a.industry.clone().unwrap_or_default(),
            phone: a.phone.clone().unwrap_or_default(),
            website: a.website.clone().unwrap_or_default(),
        })
        .collect();
    let here = format!("/accounts?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", &query.q).finish());
    let page = AccountsPage { chrome: Chrome::load(&services, &viewer, "accounts", &here).await?, q: query.q, rows, next };
    Ok(page.into_response())
}

pub struct ContactRow {
    pub id: String,
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub phone: String,
    pub account: Option<(String, String)>,
}

impl ContactRow {
    pub(super) fn of(c: &ContactRecord, account_name: Option<String>) -> ContactRow {
        ContactRow {
            id: c.id.clone(),
            name: c.name.clone(),
            job_title: c.job_title.clone().unwrap_or_default(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            account: c.account_id.clone().zip(account_name),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts.html")]
pub struct ContactsPage {
    chrome: Chrome,
    q: String,
    rows: Vec<ContactRow>,
    next: Option<String>,
}

pub async fn contacts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let mut found =
        services.contact_list(&viewer.actor, optional(&query.q).as_deref(), query.after(), LIST_PAGE + 1).await.or_page(&viewer)?;
    let next = query.page("/contacts", &mut found, |(c, _)| (c.name.as_str(), c.id.as_str()));
    let rows = found.into_iter().map(|(c, account)| ContactRow::of(&c, account)).collect();
    let here = format!("/contacts?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", &query.q).finish());
    let page = ContactsPage { chrome: Chrome::load(&services, &viewer, "contacts", &here).await?, q: query.q, rows, next };
    Ok(page.into_response())
}
