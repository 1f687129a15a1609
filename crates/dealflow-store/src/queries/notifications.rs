//! The notification centre's rows. Texts are kept in both languages; the reader's is shown.

use dealflow_core::LocalizedText;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{RowExt, millis};
use crate::Result;
use crate::records::NotificationRecord;

fn notification(row: &AnyRow) -> Result<NotificationRecord> {
    Ok(NotificationRecord {
        id: row.text("id")?,
        user_id: row.text("user_id")?,
        kind: row.text("kind")?,
        title: LocalizedText::new(row.text("title_ru")?, row.text("title_en")?),
        body: LocalizedText::new(row.text("body_ru")?, row.text("body_en")?),
        entity_type: row.text("entity_type")?,
        entity_id: row.text("entity_id")?,
        created_at: row.at("created_at")?,
        read_at: row.opt_at("read_at")?,
    })
}

pub async fn insert(c: &mut AnyConnection, n: &NotificationRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title_ru, title_en, body_ru, body_en, entity_type, entity_id, created_at, read_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&n.id)
    .bind(&n.user_id)
    .bind(&n.kind)
    .bind(&n.title.ru)
    .bind(&n.title.en)
    .bind(&n.body.ru)
    .bind(&n.body.en)
    .bind(&n.entity_type)
    .bind(&n.entity_id)
    .bind(millis(n.created_at))
    .bind(n.read_at.map(millis))
    .execute(c)
    .await?;
    Ok(())
}

/// A user's notifications, newest first.
pub async fn of_user(c: &mut AnyConnection, user_id: &str) -> Result<Vec<NotificationRecord>> {
    let rows =
        sqlx::query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC").bind(user_id).fetch_all(c).await?;
    rows.iter().map(notification).collect()
}
