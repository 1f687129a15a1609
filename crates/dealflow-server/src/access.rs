//! Who may see and change what (SPEC §1), decided in one place: managers their own records,
//! supervisors also their team's, administrators everything. A record outside the reader's
//! scope is answered exactly like a missing one. The services apply this policy — in their
//! queries for reads, inside the write transaction for commands — so that neither front end
//! decides access itself.

use dealflow_core::Locale;
use dealflow_core::records::{Role, UserRecord};
use dealflow_store::OwnerScope;
use jiff::tz::TimeZone;

use crate::error::{Forbidden, Result, ServiceError};

/// The signed-in person a service acts for, with whose records they may see.
#[derive(Debug, Clone)]
pub struct Actor {
    user: UserRecord,
    /// The owners whose records are visible: `None` for everyone's (administrators).
    owners: Option<Vec<String>>,
    /// The zone the person reads and enters times in: their own, else the installation's default.
    zone: TimeZone,
}

impl Actor {
    /// `team`: the ids of the users a supervisor leads (ignored for other roles).
    pub(crate) fn new(user: UserRecord, team: Vec<String>, zone: TimeZone) -> Actor {
        let owners = match user.role {
            Role::Admin => None,
            Role::Manager => Some(vec![user.id.clone()]),
            Role::Supervisor => Some(team.into_iter().chain([user.id.clone()]).collect()),
        };
        Actor { user, owners, zone }
    }

    /// An actor limited to `owners`: an administrator looking at one supervisor's team.
    pub(crate) fn narrowed_to(&self, owners: Vec<String>) -> Actor {
        Actor { user: self.user.clone(), owners: Some(owners), zone: self.zone.clone() }
    }

    pub fn user(&self) -> &UserRecord {
        &self.user
    }

    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// The language the person chose.
    pub fn locale(&self) -> Locale {
        self.user.locale
    }

    /// The person's time zone: "today", "this week" and every time shown are in it.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Whose records the actor may see, for the store's queries.
    pub fn owners(&self) -> OwnerScope<'_> {
        self.owners.as_deref()
    }

    /// Whether a record of `owner_id` is in sight.
    pub fn sees(&self, owner_id: &str) -> bool {
        self.owners.as_ref().is_none_or(|owners| owners.iter().any(|o| o == owner_id))
    }

    /// `NotFound` for a record out of sight, as if it did not exist.
    pub fn check_sees(&self, owner_id: &str) -> Result<()> {
        if self.sees(owner_id) { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    /// A supervisor or an administrator may move a deal on past unmet exit criteria, with a reason.
    pub fn require_overrider(&self) -> Result<()> {
        match self.user.role {
            Role::Admin | Role::Supervisor => Ok(()),
            Role::Manager => Err(ServiceError::Forbidden(Forbidden::SupervisorOrAdmin)),
        }
    }

    /// For changes to shared data: lookups, settings, users, the process library.
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() { Ok(()) } else { Err(ServiceError::Forbidden(Forbidden::AdminOnly)) }
    }
}
