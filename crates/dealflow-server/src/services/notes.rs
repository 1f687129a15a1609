//! Notes on an opportunity, an account or a contact. A note on an opportunity is in sight of
//! whoever may see the opportunity; notes on customers, like the customers, of everyone.

use dealflow_core::check::{self, Invalid, MAX_TEXT};
use dealflow_core::records::{NoteRecord, NoteTarget};

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;

/// `NotFound` unless the actor may see what the note is on; on a reader or a write transaction.
macro_rules! check_target {
    ($conn:expr, $actor:expr, $target:expr) => {{
        let exists = match $target {
            NoteTarget::Opportunity(id) => {
                let opportunity = $conn.opportunities().get(id).await?;
                $actor.sees(&opportunity.owner_id)
            }
            NoteTarget::Account(id) => $conn.accounts().exists(id).await?,
            NoteTarget::Contact(id) => $conn.contacts().exists(id).await?,
        };
        if !exists {
            return Err(ServiceError::NotFound);
        }
    }};
}

impl Services {
    /// The newest `limit` notes on `target`.
    pub async fn notes(&self, actor: &Actor, target: &NoteTarget, limit: i64) -> Result<Vec<NoteRecord>> {
        let mut conn = self.store.read().await?;
        check_target!(conn, actor, target);
        Ok(conn.notes().written_on(target, limit).await?)
    }

    /// A note by the actor on something they may see.
    pub async fn add_note(&self, actor: &Actor, target: NoteTarget, body: &str) -> Result<NoteRecord> {
        let body = body.trim();
        if body.is_empty() {
            return Err(ServiceError::invalid("body", Invalid::Required));
        }
        check::within(body, MAX_TEXT).map_err(|invalid| ServiceError::invalid("body", invalid))?;
        let note =
            NoteRecord { id: new_id(), body: body.to_owned(), author_id: actor.id().to_owned(), target, created_at: self.clock.now() };
        in_write!(self, |tx| {
            check_target!(tx, actor, &note.target);
            Ok(tx.notes().insert(&note).await?)
        })?;
        Ok(note)
    }
}
