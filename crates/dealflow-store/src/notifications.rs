//! The notification centre's rows. Texts are kept in both languages; the reader's is shown.

use crate::db::Row;
use dealflow_core::LocalizedText;
use dealflow_core::records::NotificationRecord;

use crate::sql::{After, RowExt, Sql, millis};
use crate::{Result, Write};

crate::handle!(
    /// The notification centre's rows.
    Notifications
);

fn notification(row: &Row) -> Result<NotificationRecord> {
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

impl<A> Notifications<'_, A> {
    /// A user's notifications, newest first.
    pub async fn of_user(&mut self, user_id: &str) -> Result<Vec<NotificationRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(user_id)
            .fetch_all(c)
            .await?;
        rows.iter().map(notification).collect()
    }

    /// A page of a user's notifications, newest first; only unread ones when `unread_only`.
    /// A page of a person's notifications, newest first: only unread ones, only of one kind, when asked.
    pub async fn page(
        &mut self,
        user_id: &str,
        unread_only: bool,
        kind: Option<&str>,
        after: After,
        limit: i64,
    ) -> Result<Vec<NotificationRecord>> {
        let c = &mut *self.c;
        let mut sql = Sql::new("SELECT * FROM notifications WHERE user_id = ");
        sql.bind(user_id.to_owned());
        if unread_only {
            sql.push(" AND read_at IS NULL");
        }
        if let Some(kind) = kind {
            sql.push(" AND kind = ").bind(kind.to_owned());
        }
        sql.push_before("created_at", "id", &after);
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").bind(limit);
        sql.fetch_all(c).await?.iter().map(notification).collect()
    }

    pub async fn unread_count(&mut self, user_id: &str) -> Result<i64> {
        let c = &mut *self.c;
        crate::db::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(c)
            .await
    }

    pub async fn get(&mut self, id: &str) -> Result<NotificationRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM notifications WHERE id = $1").bind(id).fetch_one(c).await?;
        notification(&row)
    }

    /// Notifications created at or after `since` (ms), oldest first: for live delivery.
    pub async fn created_since(&mut self, since: i64) -> Result<Vec<NotificationRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM notifications WHERE created_at >= $1 ORDER BY created_at, id LIMIT 1000")
            .bind(since)
            .fetch_all(c)
            .await?;
        rows.iter().map(notification).collect()
    }

    pub async fn latest_created_at(&mut self) -> Result<i64> {
        let c = &mut *self.c;
        let latest: Option<i64> = crate::db::query_scalar("SELECT MAX(created_at) FROM notifications").fetch_one(c).await?;
        Ok(latest.unwrap_or(0))
    }
}

impl Notifications<'_, Write> {
    pub async fn insert(&mut self, n: &NotificationRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
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
        .execute(&mut *c)
        .await?;
        // Other nodes LISTEN for this; PostgreSQL delivers it only when the transaction commits.
        if !c.is_sqlite() {
            crate::db::query("SELECT pg_notify($1, '')").bind(crate::NOTIFICATION_CHANNEL).execute(c).await?;
        }
        Ok(())
    }

    /// Many notifications in one statement (the watchdog's marks of a whole batch).
    pub async fn insert_many(&mut self, all: &[NotificationRecord]) -> Result<()> {
        // Eleven values a row; PostgreSQL takes at most 65,535 in one statement.
        for chunk in all.chunks(1000) {
            let mut sql = crate::sql::Sql::new(
                "INSERT INTO notifications (id, user_id, kind, title_ru, title_en, body_ru, body_en, entity_type, entity_id, created_at, read_at) VALUES ",
            );
            for (i, n) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(n.id.clone()).push(", ").bind(n.user_id.clone()).push(", ").bind(n.kind.clone()).push(", ");
                sql.bind(n.title.ru.clone()).push(", ").bind(n.title.en.clone()).push(", ");
                sql.bind(n.body.ru.clone()).push(", ").bind(n.body.en.clone()).push(", ");
                sql.bind(n.entity_type.clone()).push(", ").bind(n.entity_id.clone()).push(", ");
                sql.bind(millis(n.created_at)).push(", ").bind(n.read_at.map(millis)).push(")");
            }
            sql.execute(&mut *self.c).await?;
        }
        let c = &mut *self.c;
        if !all.is_empty() && !c.is_sqlite() {
            crate::db::query("SELECT pg_notify($1, '')").bind(crate::NOTIFICATION_CHANNEL).execute(c).await?;
        }
        Ok(())
    }

    pub async fn mark_read(&mut self, id: &str, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query("UPDATE notifications SET read_at = $2 WHERE id = $1 AND read_at IS NULL")
            .bind(id)
            .bind(millis(now))
            .execute(c)
            .await?;
        Ok(())
    }

    pub async fn mark_all_read(&mut self, user_id: &str, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .bind(millis(now))
            .execute(c)
            .await?;
        Ok(())
    }
}
