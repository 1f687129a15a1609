//! Pickers of an opportunity, an account or a contact: a text field that searches the server as
//! the person types (`/pick/{kind}?q=`), with a hidden field for the id chosen. Without the
//! script the name typed is matched exactly. Accounts and contacts can be created in place from
//! the picker, keeping what was typed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use dealflow_core::check::{Invalid, Problems};
use serde::{Deserialize, Serialize};

use super::session::Viewer;
use super::{FormErrors, OrPage, PageError, PageResult};
use crate::Services;
use crate::paging::PageRequest;
use crate::services::OpportunityFilter;

/// How many choices a picker shows.
const PICKS: i64 = 10;

/// The three pickers' fields as a form sends them: each an id chosen and the name shown.
#[derive(Deserialize, Default, Clone)]
pub struct Picked {
    #[serde(default)]
    pub opportunity_id: String,
    #[serde(default)]
    pub opportunity_name: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub account_name: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub contact_name: String,
}

/// The records a form's pickers name.
#[derive(Default)]
pub struct Links {
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
}

/// One picker as a form shows it.
pub struct PickerField {
    pub kind: &'static str,
    pub label: &'static str,
    pub id: String,
    pub name: String,
    pub error: Option<String>,
    /// The words of the choice that creates a new record from what was typed, where there is one.
    pub create: Option<&'static str>,
}

fn nonempty(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Picked {
    pub fn of(opportunity_id: Option<String>, account_id: Option<String>, contact_id: Option<String>) -> Picked {
        Picked {
            opportunity_id: opportunity_id.unwrap_or_default(),
            account_id: account_id.unwrap_or_default(),
            contact_id: contact_id.unwrap_or_default(),
            ..Picked::default()
        }
    }

    /// The pickers of `kinds`, each showing the name of the record chosen.
    pub async fn fields(&self, services: &Services, viewer: &Viewer, errors: &FormErrors, kinds: &[&str]) -> PageResult<Vec<PickerField>> {
        let t = viewer.t();
        let mut fields = Vec::new();
        for kind in kinds {
            let (kind, label, id, name, create) = match *kind {
                "opportunity" => ("opportunity", t.opportunity, &self.opportunity_id, &self.opportunity_name, None),
                "account" => ("account", t.account, &self.account_id, &self.account_name, Some(t.create_account_named)),
                _ => ("contact", t.contact, &self.contact_id, &self.contact_name, Some(t.create_contact_named)),
            };
            let mut name = name.clone();
            let mut id = id.clone();
            if name.is_empty() && !id.is_empty() {
                let found = match kind {
                    "opportunity" => services.opportunity(&viewer.actor, &id).await.map(|o| o.title),
                    "account" => services.account(&viewer.actor, &id).await.map(|a| a.name),
                    _ => services.contact(&viewer.actor, &id).await.map(|c| c.name),
                };
                match found {
                    Ok(found) => name = found,
                    // A link to something out of sight or gone prefills nothing.
                    Err(crate::ServiceError::NotFound) => id.clear(),
                    Err(other) => return Err(PageError::service(viewer.locale, other)),
                }
            }
            let error = errors.get(&format!("{kind}_id")).map(str::to_owned);
            fields.push(PickerField { kind, label, id, name, error, create });
        }
        Ok(fields)
    }

    /// The ids chosen; a name typed without choosing (no script) must match one record exactly.
    pub async fn resolve(&self, services: &Services, viewer: &Viewer, problems: &mut Problems) -> PageResult<Links> {
        let actor = &viewer.actor;
        let mut links = Links::default();
        if let Some(id) = nonempty(&self.opportunity_id) {
            links.opportunity_id = Some(id);
        } else if let Some(name) = nonempty(&self.opportunity_name) {
            let filter = OpportunityFilter { q: Some(name.to_lowercase()), ..OpportunityFilter::default() };
            let found = services.opportunities(actor, &filter, &PageRequest::first(PICKS)).await.or_page(viewer)?;
            links.opportunity_id = exact(problems, "opportunity_id", &name, found.items.iter().map(|o| (&o.id, &o.title)));
        }
        if let Some(id) = nonempty(&self.account_id) {
            links.account_id = Some(id);
        } else if let Some(name) = nonempty(&self.account_name) {
            let found = services.pick_accounts(actor, &name, PICKS).await.or_page(viewer)?;
            links.account_id = exact(problems, "account_id", &name, found.iter().map(|a| (&a.id, &a.name)));
        }
        if let Some(id) = nonempty(&self.contact_id) {
            links.contact_id = Some(id);
        } else if let Some(name) = nonempty(&self.contact_name) {
            let found = services.pick_contacts(actor, &name, None, PICKS).await.or_page(viewer)?;
            links.contact_id = exact(problems, "contact_id", &name, found.iter().map(|(c, _)| (&c.id, &c.name)));
        }
        Ok(links)
    }
}

/// The one record named exactly `name` (any letter case), else a problem at `field`.
fn exact<'a>(problems: &mut Problems, field: &str, name: &str, found: impl Iterator<Item = (&'a String, &'a String)>) -> Option<String> {
    let wanted = name.to_lowercase();
    let matching: Vec<&String> = found.filter(|(_, n)| n.trim().to_lowercase() == wanted).map(|(id, _)| id).collect();
    match matching.as_slice() {
        [one] => Some((*one).clone()),
        _ => {
            problems.add(field, Invalid::UnknownReference);
            None
        }
    }
}

#[derive(Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    q: String,
    /// Contacts of this account only.
    #[serde(default)]
    account_id: String,
}

#[derive(Serialize)]
pub struct Pick {
    id: String,
    label: String,
    /// A second line: a contact's account, an opportunity's stage.
    detail: String,
}

#[derive(Serialize)]
pub struct Picks {
    items: Vec<Pick>,
}

/// `GET /pick/{kind}?q=`: what a picker offers, as JSON, of the records the viewer may see.
pub async fn pick(
    State(services): State<Services>,
    viewer: Viewer,
    Path(kind): Path<String>,
    Query(query): Query<PickQuery>,
) -> PageResult<Response> {
    let actor = &viewer.actor;
    let q = query.q.trim();
    let items = match kind.as_str() {
        "accounts" => services
            .pick_accounts(actor, q, PICKS)
            .await
            .or_page(&viewer)?
            .into_iter()
            .map(|a| Pick { id: a.id, label: a.name, detail: a.industry.unwrap_or_default() })
            .collect(),
        "contacts" => services
            .pick_contacts(actor, q, nonempty(&query.account_id).as_deref(), PICKS)
            .await
            .or_page(&viewer)?
            .into_iter()
            .map(|(c, account)| Pick { id: c.id, label: c.name, detail: account.or(c.job_title).unwrap_or_default() })
            .collect(),
        "opportunities" => {
            let filter = OpportunityFilter { q: nonempty(q).map(|q| q.to_lowercase()), open: Some(true), ..OpportunityFilter::default() };
            let found = services.opportunity_list(actor, &filter, None, &PageRequest::first(PICKS)).await.or_page(&viewer)?;
            found
                .page
                .items
                .into_iter()
                .map(|o| {
                    let account = o.account_id.as_ref().and_then(|id| found.accounts.get(id)).cloned().unwrap_or_default();
                    Pick { id: o.id, label: o.title, detail: account }
                })
                .collect()
        }
        _ => return Err(PageError::NotFound(viewer.locale)),
    };
    Ok(Json(Picks { items }).into_response())
}
