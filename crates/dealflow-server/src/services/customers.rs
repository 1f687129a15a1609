//! The customer directory: accounts and contacts. Everyone signed in reads and adds them; the
//! owner, the owner's supervisor or an administrator changes them.

use dealflow_core::check::{self, MAX_TITLE, Problems};
use dealflow_core::records::{AccountRecord, ContactRecord};

use super::Services;
use super::references::{Ref, check_reference};
use crate::access::Actor;
use crate::error::{Forbidden, Result, ServiceError};
use crate::new_id;

#[derive(Debug, Clone, Default)]
pub struct AccountFields {
    pub name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub account_id: Option<String>,
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

fn lower(q: Option<&str>) -> Option<String> {
    q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty())
}

impl Services {
    /// Accounts whose name contains `q` (any letter case), by name.
    pub async fn accounts(&self, _actor: &Actor, q: Option<&str>, limit: i64) -> Result<Vec<AccountRecord>> {
        Ok(self.store.read().await?.accounts().search(lower(q).as_deref(), limit).await?)
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

    /// A new account, owned by the actor.
    pub async fn create_account(&self, actor: &Actor, fields: AccountFields) -> Result<AccountRecord> {
        let name = checked_name(
            &fields.name,
            &[("industry", fields.industry.as_deref()), ("website", fields.website.as_deref()), ("phone", fields.phone.as_deref())],
        )?;
        let record = AccountRecord {
            id: new_id(),
            name,
            industry: fields.industry,
            website: fields.website,
            phone: fields.phone,
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
            account.name = checked_name(
                &fields.name,
                &[("industry", fields.industry.as_deref()), ("website", fields.website.as_deref()), ("phone", fields.phone.as_deref())],
            )?;
            (account.industry, account.website, account.phone) = (fields.industry.clone(), fields.website.clone(), fields.phone.clone());
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
