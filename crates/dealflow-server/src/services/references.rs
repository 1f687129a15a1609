//! Checks that a command's references hold, inside its transaction: the records it names exist,
//! and the people it assigns work may be given it by the actor.

use dealflow_core::check::Invalid;
use dealflow_core::records::UserRecord;
use dealflow_store::WriteTx;

use crate::access::Actor;
use crate::error::{Result, ServiceError};

/// The kinds of record a field may refer to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ref {
    Account,
    Contact,
    Article,
}

/// A reference that must name an existing record, checked before writing so that the problem
/// names the field rather than a foreign key.
pub(crate) async fn check_reference(tx: &mut WriteTx, field: &str, kind: Ref, id: Option<&str>) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let found = match kind {
        Ref::Account => tx.accounts().exists(id).await?,
        Ref::Contact => tx.contacts().exists(id).await?,
        Ref::Article => tx.articles().exists(id).await?,
    };
    if found { Ok(()) } else { Err(ServiceError::invalid(field, Invalid::UnknownReference)) }
}

/// Someone the actor may give work to: themselves or, for a supervisor, their team (anyone, for
/// an administrator), and a user who can still sign in.
pub(crate) async fn assignee(tx: &mut WriteTx, actor: &Actor, field: &str, user_id: &str) -> Result<UserRecord> {
    if !actor.sees(user_id) {
        return Err(ServiceError::invalid(field, Invalid::NotInTeam));
    }
    let user = tx.users().get(user_id).await.map_err(|_| ServiceError::invalid(field, Invalid::UnknownReference))?;
    if !user.active {
        return Err(ServiceError::invalid(field, Invalid::Deactivated));
    }
    Ok(user)
}
