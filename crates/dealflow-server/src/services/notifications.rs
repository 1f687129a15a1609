//! A person's notification centre: their notifications only, read or marked read by them.

use dealflow_core::notification::NotificationKind;
use dealflow_core::records::NotificationRecord;

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::paging::{Page, PageRequest};

impl Services {
    /// A page of the actor's notifications, newest first (only unread ones, only of one kind,
    /// when asked), and how many are unread.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        kind: Option<NotificationKind>,
        page: &PageRequest,
    ) -> Result<(Page<NotificationRecord>, i64)> {
        let mut conn = self.store.read().await?;
        let kind = kind.map(NotificationKind::as_str);
        let rows = conn.notifications().page(actor.id(), unread_only, kind, page.after.clone(), page.limit + 1).await?;
        let unread = conn.notifications().unread_count(actor.id()).await?;
        Ok((Page::of(rows, page.limit, |n| (n.created_at, &n.id)), unread))
    }

    pub async fn unread_count(&self, actor: &Actor) -> Result<i64> {
        Ok(self.store.read().await?.notifications().unread_count(actor.id()).await?)
    }

    /// Marks the actor's own notification read (404 for anyone else's).
    pub async fn mark_notification_read(&self, actor: &Actor, id: &str) -> Result<NotificationRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let notification = tx.notifications().get(id).await?;
            if notification.user_id != actor.id() {
                return Err(ServiceError::NotFound);
            }
            tx.notifications().mark_read(id, now).await?;
            Ok(tx.notifications().get(id).await?)
        })
    }

    pub async fn mark_all_notifications_read(&self, actor: &Actor) -> Result<()> {
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(tx.notifications().mark_all_read(actor.id(), now).await?) })
    }
}
