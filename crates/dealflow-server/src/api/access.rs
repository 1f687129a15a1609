//! The one place that decides who may see what (SPEC §1): managers their own records,
//! supervisors also their team's, admins everything. A record outside the reader's scope is
//! answered exactly like a missing one.

use dealflow_store::queries::users;
use dealflow_store::records::{Role, UserRecord};

use super::problem::{ApiError, ApiResult};
use crate::Services;

/// Whose records a user may see and change.
#[derive(Debug, Clone)]
pub enum Scope {
    Everyone,
    /// The user and, for a supervisor, their team.
    Owners(Vec<String>),
}

impl Scope {
    pub async fn of(services: &Services, user: &UserRecord) -> ApiResult<Scope> {
        Ok(match user.role {
            Role::Admin => Scope::Everyone,
            Role::Manager => Scope::Owners(vec![user.id.clone()]),
            Role::Supervisor => {
                let mut conn = services.store().read().await.map_err(crate::ServiceError::from)?;
                let mut owners = users::team_of(&mut conn, &user.id).await.map_err(crate::ServiceError::from)?;
                owners.push(user.id.clone());
                Scope::Owners(owners)
            }
        })
    }

    pub fn owners(&self) -> Option<&[String]> {
        match self {
            Scope::Everyone => None,
            Scope::Owners(owners) => Some(owners),
        }
    }

    pub fn allows(&self, owner_id: &str) -> bool {
        match self {
            Scope::Everyone => true,
            Scope::Owners(owners) => owners.iter().any(|o| o == owner_id),
        }
    }

    /// 404 unless the record's owner is in scope.
    pub fn check(&self, owner_id: &str) -> ApiResult<()> {
        if self.allows(owner_id) { Ok(()) } else { Err(ApiError::not_found()) }
    }
}

/// 403 unless the caller is an administrator (for changes to shared data).
pub fn require_admin(user: &UserRecord) -> ApiResult<()> {
    if user.role == Role::Admin { Ok(()) } else { Err(ApiError::forbidden("Only an administrator may do this.")) }
}
