//! The account and contact lists: search by name, paging by name, or sorted by a column.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::records::ContactRecord;
use serde::Deserialize;

use super::csv::{EXPORT_PAGE, Export};
use super::customers::optional;
use super::session::Viewer;
use super::sorting::{self, SortHeader, SortRequest, kept};
use super::{Chrome, OrPage, PageResult};
use crate::Services;
use crate::services::{AccountSort, ContactSort, SortColumn, Sorted};

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
    sort: Option<String>,
    dir: Option<String>,
    /// A sorted list's page: the rows before it.
    cursor: Option<String>,
}

impl ListQuery {
    fn after(&self) -> Option<(&str, &str)> {
        (!self.after_id.is_empty()).then_some((self.after_name.as_str(), self.after_id.as_str()))
    }

    /// The order asked for; `None` is by name, the lists' natural order.
    fn sorted<C: SortColumn + PartialEq>(&self, name: C) -> Option<Sorted<C>> {
        let request = SortRequest { sort: self.sort.as_deref(), dir: self.dir.as_deref(), cursor: self.cursor.as_deref() };
        request.order(Some((name, false)))
    }

    /// Cuts `found` (read one row longer than a page) to a page, and answers the link to the
    /// page after it when there is one; `key` is a row's (name, id).
    fn page<T, C: SortColumn>(
        &self,
        path: &str,
        sorted: Option<&Sorted<C>>,
        found: &mut Vec<T>,
        key: impl Fn(&T) -> (&str, &str),
    ) -> Option<String> {
        let more = found.len() > LIST_PAGE as usize;
        found.truncate(LIST_PAGE as usize);
        let (name, id) = found.last().filter(|_| more).map(key)?;
        if let Some(sorted) = sorted {
            return Some(sorting::next_page(path, &[("q", &self.q)], Some(sorted), &(sorted.offset + LIST_PAGE).to_string()));
        }
        let mut params = form_urlencoded::Serializer::new(String::new());
        params.append_pair("q", &self.q).append_pair("after_name", name).append_pair("after_id", id);
        Some(format!("{path}?{}", params.finish()))
    }

    /// The column headers, each linking to the list sorted by it.
    fn headers<C: SortColumn + PartialEq>(
        &self,
        path: &str,
        columns: &[(C, &str, bool)],
        sorted: Option<&Sorted<C>>,
        name: C,
    ) -> Vec<SortHeader> {
        sorting::headers(path, &[("q", &self.q)], columns, sorted, Some((name, false)))
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
    sort: Option<(&'static str, &'static str)>,
    headers: Vec<SortHeader>,
    rows: Vec<AccountRow>,
    next: Option<String>,
    /// The CSV of what the search finds.
    export: String,
}

pub async fn accounts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let t = viewer.t();
    let sorted = query.sorted(AccountSort::Name);
    let q = optional(&query.q);
    let mut found =
        services.account_list(&viewer.actor, q.as_deref(), query.after(), sorted.as_ref(), LIST_PAGE + 1).await.or_page(&viewer)?;
    let next = query.page("/accounts", sorted.as_ref(), &mut found, |a| (a.name.as_str(), a.id.as_str()));
    let columns = [
        (AccountSort::Name, t.name, false),
        (AccountSort::Industry, t.industry, false),
        (AccountSort::Phone, t.phone, false),
        (AccountSort::Website, t.website, false),
    ];
    let headers = query.headers("/accounts", &columns, sorted.as_ref(), AccountSort::Name);
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
    let chrome = Chrome::load(&services, &viewer, "accounts", &here).await?;
    let export = here.replacen("/accounts?", "/accounts.csv?", 1);
    let page = AccountsPage { chrome, q: query.q, sort: kept(sorted.as_ref()), headers, rows, next, export };
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
    sort: Option<(&'static str, &'static str)>,
    headers: Vec<SortHeader>,
    rows: Vec<ContactRow>,
    next: Option<String>,
    /// The CSV of what the search finds.
    export: String,
}

pub async fn contacts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let t = viewer.t();
    let sorted = query.sorted(ContactSort::Name);
    let q = optional(&query.q);
    let mut found =
        services.contact_list(&viewer.actor, q.as_deref(), query.after(), sorted.as_ref(), LIST_PAGE + 1).await.or_page(&viewer)?;
    let next = query.page("/contacts", sorted.as_ref(), &mut found, |(c, _)| (c.name.as_str(), c.id.as_str()));
    let columns = [
        (ContactSort::Name, t.name, false),
        (ContactSort::JobTitle, t.job_title, false),
        (ContactSort::Account, t.account, false),
        (ContactSort::Email, t.email, false),
        (ContactSort::Phone, t.phone, false),
    ];
    let headers = query.headers("/contacts", &columns, sorted.as_ref(), ContactSort::Name);
    let rows = found.into_iter().map(|(c, account)| ContactRow::of(&c, account)).collect();
    let here = format!("/contacts?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", &query.q).finish());
    let chrome = Chrome::load(&services, &viewer, "contacts", &here).await?;
    let export = here.replacen("/contacts?", "/contacts.csv?", 1);
    let page = ContactsPage { chrome, q: query.q, sort: kept(sorted.as_ref()), headers, rows, next, export };
    Ok(page.into_response())
}

/// The accounts the search finds, by name, as a CSV file.
pub async fn export_accounts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let t = viewer.t();
    let q = optional(&query.q);
    let mut export = Export::new(&[t.name, t.industry, t.phone, t.website]);
    let mut after: Option<Option<(String, String)>> = Some(None);
    while let Some(position) = after {
        let position = position.as_ref().map(|(name, id)| (name.as_str(), id.as_str()));
        let found = services.account_list(&viewer.actor, q.as_deref(), position, None, EXPORT_PAGE).await.or_page(&viewer)?;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let next = found.last().filter(|_| found.len() as i64 == EXPORT_PAGE).map(|last| (last.name.clone(), last.id.clone()));
        let rows = found.into_iter().map(|a| vec![a.name.clone(), text(&a.industry), text(&a.phone), text(&a.website)]);
        after = export.add(rows, next).map(Some);
    }
    Ok(export.download("dealflow-accounts.csv"))
}

/// The contacts the search finds, by name, as a CSV file.
pub async fn export_contacts(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let t = viewer.t();
    let q = optional(&query.q);
    let mut export = Export::new(&[t.name, t.job_title, t.account, t.email, t.phone]);
    let mut after: Option<Option<(String, String)>> = Some(None);
    while let Some(position) = after {
        let position = position.as_ref().map(|(name, id)| (name.as_str(), id.as_str()));
        let found = services.contact_list(&viewer.actor, q.as_deref(), position, None, EXPORT_PAGE).await.or_page(&viewer)?;
        let next = found.last().filter(|_| found.len() as i64 == EXPORT_PAGE).map(|(last, _)| (last.name.clone(), last.id.clone()));
        let rows = found.into_iter().map(|(c, account)| {
            let c = ContactRow::of(&c, account);
            vec![c.name, c.job_title, c.account.map(|(_, name)| name).unwrap_or_default(), c.email, c.phone]
        });
        after = export.add(rows, next).map(Some);
    }
    Ok(export.download("dealflow-contacts.csv"))
}
