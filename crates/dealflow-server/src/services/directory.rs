//! Changing users, and the customer directory: accounts and contacts.

use dealflow_core::Locale;
use dealflow_store::queries::{Table, customers, users};
use dealflow_store::records::{AccountRecord, ContactRecord, Role, UserRecord};

use super::Services;
use super::records::{MAX_TITLE, check_reference, check_texts, check_title};
use crate::error::{Result, ServiceError};
use crate::{new_id, password};

/// What a user change sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` clears the supervisor.
    pub supervisor_id: Option<Option<String>>,
    pub locale: Option<Locale>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

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

impl Services {
    /// Applies `changes`; deactivating a user or changing their password ends their tokens at once.
    pub async fn update_user(&self, id: &str, changes: UserChanges) -> Result<UserRecord> {
        let name = changes.name.as_deref().map(|n| check_title("name", n)).transpose()?;
        let password_hash = match changes.password {
            Some(p) if p.chars().count() < 8 => return Err(ServiceError::invalid("password", "must be at least 8 characters")),
            Some(p) => Some(password::hash_off_runtime(p).await),
            None => None,
        };
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut user = users::get(tx, id).await?;
            if let Some(Some(supervisor)) = &changes.supervisor_id {
                if supervisor == id {
                    return Err(ServiceError::invalid("supervisor_id", "a user cannot supervise themselves"));
                }
                users::get(tx, supervisor).await.map_err(|_| ServiceError::invalid("supervisor_id", "no such user"))?;
            }
            let end_sessions = changes.active == Some(false) || password_hash.is_some();
            user.name = name.clone().unwrap_or(user.name);
            user.role = changes.role.clone().unwrap_or(user.role);
            user.supervisor_id = changes.supervisor_id.clone().unwrap_or(user.supervisor_id);
            user.locale = changes.locale.unwrap_or(user.locale);
            user.active = changes.active.unwrap_or(user.active);
            user.password_hash = password_hash.clone().unwrap_or(user.password_hash);
            users::update(tx, &user, now).await?;
            if end_sessions {
                users::revoke_tokens(tx, id, now).await?;
            }
            Ok(user)
        })
    }

    pub async fn create_account(&self, owner_id: &str, fields: AccountFields) -> Result<AccountRecord> {
        check_account(&fields)?;
        let record = AccountRecord {
            id: new_id(),
            name: check_title("name", &fields.name)?,
            industry: fields.industry,
            website: fields.website,
            phone: fields.phone,
            owner_id: Some(owner_id.to_owned()),
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| { Ok(customers::insert_account(tx, &record).await?) })?;
        Ok(record)
    }

    pub async fn update_account(&self, mut account: AccountRecord, fields: AccountFields) -> Result<AccountRecord> {
        check_account(&fields)?;
        account.name = check_title("name", &fields.name)?;
        (account.industry, account.website, account.phone) = (fields.industry, fields.website, fields.phone);
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(customers::update_account(tx, &account, now).await?) })?;
        Ok(account)
    }

    pub async fn create_contact(&self, owner_id: &str, fields: ContactFields) -> Result<ContactRecord> {
        check_contact(&fields)?;
        let record = ContactRecord {
            id: new_id(),
            name: check_title("name", &fields.name)?,
            email: fields.email,
            phone: fields.phone,
            job_title: fields.job_title,
            account_id: fields.account_id,
            owner_id: Some(owner_id.to_owned()),
            created_at: self.clock.now(),
        };
        in_write!(self, |tx| {
            check_reference(tx, "account_id", Table::Accounts, &record.account_id).await?;
            Ok(customers::insert_contact(tx, &record).await?)
        })?;
        Ok(record)
    }

    pub async fn update_contact(&self, mut contact: ContactRecord, fields: ContactFields) -> Result<ContactRecord> {
        check_contact(&fields)?;
        contact.name = check_title("name", &fields.name)?;
        (contact.email, contact.phone, contact.job_title, contact.account_id) =
            (fields.email, fields.phone, fields.job_title, fields.account_id);
        let now = self.clock.now();
        in_write!(self, |tx| {
            check_reference(tx, "account_id", Table::Accounts, &contact.account_id).await?;
            Ok(customers::update_contact(tx, &contact, now).await?)
        })?;
        Ok(contact)
    }
}

fn check_account(f: &AccountFields) -> Result<()> {
    check_texts(&[
        ("industry", f.industry.as_deref(), MAX_TITLE),
        ("website", f.website.as_deref(), MAX_TITLE),
        ("phone", f.phone.as_deref(), MAX_TITLE),
    ])
}

fn check_contact(f: &ContactFields) -> Result<()> {
    check_texts(&[
        ("email", f.email.as_deref(), MAX_TITLE),
        ("phone", f.phone.as_deref(), MAX_TITLE),
        ("job_title", f.job_title.as_deref(), MAX_TITLE),
    ])
}
