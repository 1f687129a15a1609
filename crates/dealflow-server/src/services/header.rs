//! What every page shows around its content: the unread count and the latest notifications of the
//! header, and the processes the side panel offers to start.

use dealflow_core::LocalizedText;
use dealflow_core::records::NotificationRecord;

use super::Services;
use crate::access::Actor;
use crate::error::Result;

/// How many notifications the header's drop-down shows.
const RECENT_NOTIFICATIONS: i64 = 8;

pub struct Header {
    pub unread: i64,
    pub recent: Vec<NotificationRecord>,
    /// Active processes: (code, name).
    pub processes: Vec<(String, LocalizedText)>,
}

impl Services {
    pub async fn header(&self, actor: &Actor) -> Result<Header> {
        let mut conn = self.store.read().await?;
        let unread = conn.notifications().unread_count(actor.id()).await?;
        let recent = conn.notifications().page(actor.id(), false, None, None, RECENT_NOTIFICATIONS).await?;
        let processes = conn.processes().library().await?.into_iter().filter(|d| d.active).map(|d| (d.code, d.name)).collect();
        Ok(Header { unread, recent, processes })
    }
}
