//! The customer directory: accounts and contacts. Everyone signed in reads and adds them; the
//! owner, the owner's supervisor or an administrator changes them.

use dealflow_core::check::{self, MAX_TITLE, Problems};
use dealflow_core::records::{AccountRecord, ActivityRecord, ContactRecord, NoteRecord, NoteTarget, OpportunityRecord};
use dealflow_store::{AccountSort, ActivityFilter, ContactSort, OpportunityFilter, Sorted};

use super::Services;
use super::references::{Ref, check_reference};
use crate::access::Actor;
use crate::error::{Forbidden, Result, ServiceError};
use crate::new_id;
use crate::paging::PageRequest;

#[derive(Debug, Clone, Default)]
pub struct AccountFields {
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub tax_number: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub account_id: Option<String>,
}

/// How many of each kind of related record a customer's page shows.
const RELATED: i64 = 50;

/// An account or a contact with what its page shows: its people, its deals, the activities
/// about it and the notes on it, as far as the reader may see them.
pub struct CustomerPage<T> {
    pub record: T,
    /// A contact's account.
    pub account: Option<AccountRecord>,
    /// An account's contacts.
    pub contacts: Vec<ContactRecord>,
    pub opportunities: Vec<OpportunityRecord>,
    pub activities: Vec<ActivityRecord>,
    pub notes: Vec<NoteRecord>,
    /// Whether the reader may change the record.
    pub can_edit: bool,
}

/// The name checked and every other field within its limit, each problem reported.
fn checked_name(name: &str, others: &[(&str, Option<&str>)]) -> Result<String> {
    let mut problems = Problems::new();
    let name = problems.check("name", check::title(name));
    for (field, value) in others {
        if let Some(value) = value {
            problems.check(field, check::within(value, MAX_TITLE));
        }
    }
    problems.finish().map_err(ServiceError::Invalid)?;
    Ok(name.unwrap_or_default())
}

fn checked_account(fields: &AccountFields) -> Result<String> {
    let others = [
        ("industry", fields.industry.as_deref()),
        ("website", fields.website.as_deref()),
        ("phone", fields.phone.as_deref()),
        ("tax_number", fields.tax_number.as_deref()),
    ];
    checked_name(&fields.name, &others)
}

/// A contact's email address, when one is given; an empty one is none.
fn contact_email(email: Option<String>) -> Result<Option<String>> {
    email.filter(|e| !e.trim().is_empty()).map(|e| check::email(&e).map_err(|invalid| ServiceError::invalid("email", invalid))).transpose()
}

/// Who may change a customer record: its owner's side of the company, or anyone when it has none.
fn may_change(actor: &Actor, owner_id: &Option<String>) -> Result<()> {
    match owner_id {
        Some(owner) if !actor.sees(owner) => Err(ServiceError::Forbidden(Forbidden::OwnerOrSupervisor)),
        _ => Ok(()),
    }
}

/// Each contact with the name of its account, the accounts read in one query.
async fn with_account_names(
    conn: &mut dealflow_store::Reader,
    contacts: Vec<ContactRecord>,
) -> Result<Vec<(ContactRecord, Option<String>)>> {
    let ids: Vec<String> = contacts.iter().filter_map(|c| c.account_id.clone()).collect();
    let names = conn.accounts().names(&ids).await?;
    Ok(contacts
        .into_iter()
        .map(|c| {
            let name = c.account_id.as_ref().and_then(|id| names.get(id)).cloned();
            (c, name)
        })
        .collect())
}

fn lower(q: Option<&str>) -> Option<String> {
    q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty())
}

impl Services {
    /// Accounts whose name contains `q` (any letter case), by name.
    pub async fn accounts(&self, _actor: &Actor, q: Option<&str>, limit: i64) -> Result<Vec<AccountRecord>> {
        Ok(self.store.read().await?.accounts().search(lower(q).as_deref(), limit).await?)
    }

    /// What the account picker offers as a person types: names starting with `q` first, then
    /// names containing it.
    pub async fn pick_accounts(&self, _actor: &Actor, q: &str, limit: i64) -> Result<Vec<AccountRecord>> {
        let mut conn = self.store.read().await?;
        match lower(Some(q)) {
            Some(q) => Ok(conn.accounts().pick(&q, limit).await?),
            None => Ok(conn.accounts().search(None, limit).await?),
        }
    }

    /// What the contact picker offers, optionally of one account, with each one's account name.
    pub async fn pick_contacts(
        &self,
        _actor: &Actor,
        q: &str,
        account_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(ContactRecord, Option<String>)>> {
        let mut conn = self.store.read().await?;
        let contacts = match lower(Some(q)) {
            Some(q) => conn.contacts().pick(&q, account_id, limit).await?,
            None => conn.contacts().search(None, account_id, limit).await?,
        };
        with_account_names(&mut conn, contacts).await
    }

    pub async fn account(&self, _actor: &Actor, id: &str) -> Result<AccountRecord> {
        Ok(self.store.read().await?.accounts().get(id).await?)
    }

    /// Contacts whose name contains `q`, optionally of one account, by name.
    pub async fn contacts(&self, _actor: &Actor, q: Option<&str>, account_id: Option<&str>, limit: i64) -> Result<Vec<ContactRecord>> {
        Ok(self.store.read().await?.contacts().search(lower(q).as_deref(), account_id, limit).await?)
    }

    pub async fn contact(&self, _actor: &Actor, id: &str) -> Result<ContactRecord> {
        Ok(self.store.read().await?.contacts().get(id).await?)
    }

    /// A page of the account list: by name after the (name, id) the page before ended with, or
    /// sorted by a column.
    pub async fn account_list(
        &self,
        _actor: &Actor,
        q: Option<&str>,
        after: Option<(&str, &str)>,
        sorted: Option<&Sorted<AccountSort>>,
        limit: i64,
    ) -> Result<Vec<AccountRecord>> {
        let mut conn = self.store.read().await?;
        Ok(match sorted {
            None => conn.accounts().page(lower(q).as_deref(), after, limit).await?,
            Some(sorted) => conn.accounts().sorted(lower(q).as_deref(), sorted, limit).await?,
        })
    }

    /// A page of the contact list, by name or sorted by a column, with each one's account name.
    pub async fn contact_list(
        &self,
        _actor: &Actor,
        q: Option<&str>,
        after: Option<(&str, &str)>,
        sorted: Option<&Sorted<ContactSort>>,
        limit: i64,
    ) -> Result<Vec<(ContactRecord, Option<String>)>> {
        let mut conn = self.store.read().await?;
        let contacts = match sorted {
            None => conn.contacts().page(lower(q).as_deref(), None, after, limit).await?,
            Some(sorted) => conn.contacts().sorted(lower(q).as_deref(), sorted, limit).await?,
        };
        with_account_names(&mut conn, contacts).await
    }

    /// An account's page: its contacts, and the deals, activities and notes the actor may see.
    pub async fn account_page(&self, actor: &Actor, id: &str) -> Result<CustomerPage<AccountRecord>> {
        let mut conn = self.store.read().await?;
        let account = conn.accounts().get(id).await?;
        let contacts = conn.contacts().search(None, Some(id), RELATED).await?;
        drop(conn);
        let deals = OpportunityFilter { account_id: Some(id.to_owned()), ..OpportunityFilter::default() };
        let about = ActivityFilter { account_id: Some(id.to_owned()), ..ActivityFilter::default() };
        let target = NoteTarget::Account(id.to_owned());
        Ok(CustomerPage {
            can_edit: may_change(actor, &account.owner_id).is_ok(),
            record: account,
            account: None,
            contacts,
            opportunities: self.opportunities(actor, &deals, &PageRequest::first(RELATED)).await?.items,
            activities: self.activities(actor, &about, &PageRequest::first(RELATED)).await?.items,
            notes: self.notes(actor, &target, RELATED).await?,
        })
    }

    /// A contact's page: their account, and the deals, activities and notes the actor may see.
    pub async fn contact_page(&self, actor: &Actor, id: &str) -> Result<CustomerPage<ContactRecord>> {
        let mut conn = self.store.read().await?;
        let contact = conn.contacts().get(id).await?;
        let account = match &contact.account_id {
            Some(account_id) => Some(conn.accounts().get(account_id).await?),
            None => None,
        };
        drop(conn);
        let deals = OpportunityFilter { contact_id: Some(id.to_owned()), ..OpportunityFilter::default() };
        let about = ActivityFilter { contact_id: Some(id.to_owned()), ..ActivityFilter::default() };
        let target = NoteTarget::Contact(id.to_owned());
        Ok(CustomerPage {
            can_edit: may_change(actor, &contact.owner_id).is_ok(),
            record: contact,
            account,
            contacts: Vec::new(),
            opportunities: self.opportunities(actor, &deals, &PageRequest::first(RELATED)).await?.items,
            activities: self.activities(actor, &about, &PageRequest::first(RELATED)).await?.items,
            notes: self.notes(actor, &target, RELATED).await?,
        })
    }

    /// A new account, owned by the actor.
    pub async fn create_account(&self, actor: &Actor, fields: AccountFields) -> Result<AccountRecord> {
        let name = checked_account(&fields)?;
        let record = AccountRecord {
            id: new_id(),
            name,
            industry: fields.industry,
            website: fields.website,
            phone: fields.phone,
            tax_number: fields.tax_number,
            owner_id: Some(actor.id().to_owned()),
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| { Ok(tx.accounts().insert(&record).await?) })?;
        Ok(record)
    }

    /// Who may change it is decided before what was sent is checked.
    pub async fn update_account(&self, actor: &Actor, id: &str, fields: AccountFields) -> Result<AccountRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut account = tx.accounts().get(id).await?;
            may_change(actor, &account.owner_id)?;
            account.name = checked_account(&fields)?;
            (account.industry, account.website, account.phone, account.tax_number) =
                (fields.industry.clone(), fields.website.clone(), fields.phone.clone(), fields.tax_number.clone());
            tx.accounts().update(&account, now).await?;
            Ok(account)
        })
    }

    /// A new contact, owned by the actor.
    pub async fn create_contact(&self, actor: &Actor, fields: ContactFields) -> Result<ContactRecord> {
        let name = checked_name(
            &fields.name,
            &[("email", fields.email.as_deref()), ("phone", fields.phone.as_deref()), ("job_title", fields.job_title.as_deref())],
        )?;
        let record = ContactRecord {
            id: new_id(),
            name,
            email: contact_email(fields.email)?,
            phone: fields.phone,
            job_title: fields.job_title,
            account_id: fields.account_id,
            owner_id: Some(actor.id().to_owned()),
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| {
            check_reference(tx, "account_id", Ref::Account, record.account_id.as_deref()).await?;
            Ok(tx.contacts().insert(&record).await?)
        })?;
        Ok(record)
    }

    /// Who may change it is decided before what was sent is checked.
    pub async fn update_contact(&self, actor: &Actor, id: &str, fields: ContactFields) -> Result<ContactRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut contact = tx.contacts().get(id).await?;
            may_change(actor, &contact.owner_id)?;
            contact.name = checked_name(
                &fields.name,
                &[("email", fields.email.as_deref()), ("phone", fields.phone.as_deref()), ("job_title", fields.job_title.as_deref())],
            )?;
            (contact.email, contact.phone, contact.job_title, contact.account_id) =
                (contact_email(fields.email.clone())?, fields.phone.clone(), fields.job_title.clone(), fields.account_id.clone());
            check_reference(tx, "account_id", Ref::Account, contact.account_id.as_deref()).await?;
            tx.contacts().update(&contact, now).await?;
            Ok(contact)
        })
    }
}
