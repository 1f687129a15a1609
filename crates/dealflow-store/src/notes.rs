//! Notes on opportunities, accounts and contacts.

use crate::db::Row;
use dealflow_core::records::{NoteRecord, NoteTarget};

use crate::sql::{RowExt, millis};
use crate::{Result, StoreError, Write};

crate::handle!(
    /// Notes: written by people on a deal or a customer, never changed.
    Notes
);

fn note(row: &Row) -> Result<NoteRecord> {
    let target = match (row.opt_text("opportunity_id")?, row.opt_text("account_id")?, row.opt_text("contact_id")?) {
        (Some(id), _, _) => NoteTarget::Opportunity(id),
        (_, Some(id), _) => NoteTarget::Account(id),
        (_, _, Some(id)) => NoteTarget::Contact(id),
        _ => return Err(StoreError::Corrupt("notes: no target".into())),
    };
    Ok(NoteRecord {
        id: row.text("id")?,
        body: row.text("body")?,
        author_id: row.text("author_id")?,
        target,
        created_at: row.at("created_at")?,
    })
}

/// The column a target is kept in, and its id.
fn column(target: &NoteTarget) -> (&'static str, &str) {
    match target {
        NoteTarget::Opportunity(id) => ("opportunity_id", id),
        NoteTarget::Account(id) => ("account_id", id),
        NoteTarget::Contact(id) => ("contact_id", id),
    }
}

impl<A> Notes<'_, A> {
    /// The notes on `target`, newest first, at most `limit`.
    pub async fn written_on(&mut self, target: &NoteTarget, limit: i64) -> Result<Vec<NoteRecord>> {
        let (column, id) = column(target);
        let sql = format!("SELECT * FROM notes WHERE {column} = $1 ORDER BY created_at DESC, id DESC LIMIT $2");
        let rows = crate::db::query(sql).bind(id).bind(limit).fetch_all(&mut *self.c).await?;
        rows.iter().map(note).collect()
    }
}

impl Notes<'_, Write> {
    pub async fn insert(&mut self, n: &NoteRecord) -> Result<()> {
        let (column, id) = column(&n.target);
        let sql = format!("INSERT INTO notes (id, body, author_id, {column}, created_at) VALUES ($1, $2, $3, $4, $5)");
        crate::db::query(sql)
            .bind(&n.id)
            .bind(&n.body)
            .bind(&n.author_id)
            .bind(id)
            .bind(millis(n.created_at))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }
}
