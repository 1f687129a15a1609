//! Live delivery of notifications to open streams. One poller per node reads the notifications
//! committed since it last looked and fans them out; it sees only committed rows, whichever node
//! wrote them, so a rolled-back command never notifies anyone. On PostgreSQL it looks as soon as
//! a `NOTIFY` says there is something; on SQLite every 200 ms.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use dealflow_core::records::NotificationRecord;
use tokio::sync::{OnceCell, broadcast, watch};

use super::Services;
use crate::access::Actor;

/// How often the poller looks for new notifications without being told (SQLite)...
const POLL_EVERY: Duration = Duration::from_millis(200);
/// ...and at the latest when PostgreSQL announces them (in case an announcement was missed).
const POLL_ANYWAY: Duration = Duration::from_secs(2);
/// Rows may commit out of creation order; look back this far (ms) and skip the ones already sent.
const LOOK_BACK_MS: i64 = 10_000;

#[derive(Clone)]
pub struct Live {
    sender: broadcast::Sender<Arc<NotificationRecord>>,
    started: Arc<OnceCell<()>>,
    shutdown: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Live {
        Live { sender: broadcast::channel(1024).0, started: Arc::default(), shutdown: watch::channel(false).0 }
    }
}

impl Services {
    /// New notifications as they are committed; the poller starts with the first subscriber.
    async fn subscribe(&self) -> broadcast::Receiver<Arc<NotificationRecord>> {
        let receiver = self.live.sender.subscribe();
        let services = self.clone();
        self.live
            .started
            .get_or_init(|| async move {
                tokio::spawn(async move { services.poll_notifications().await });
            })
            .await;
        receiver
    }

    /// The actor's new notifications as they are committed, until the server shuts down.
    pub async fn notifications_for(&self, actor: &Actor) -> impl futures_core::Stream<Item = Arc<NotificationRecord>> + Send + use<> {
        let user_id = actor.id().to_owned();
        let mut receiver = self.subscribe().await;
        let mut shutdown = self.shutting_down();
        async_stream::stream! {
            loop {
                tokio::select! {
                    next = receiver.recv() => match next {
                        Ok(notification) if notification.user_id == user_id => yield notification,
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    _ = shutdown.changed() => break,
                }
            }
        }
    }

    /// Resolves when the server is shutting down, so that open streams can end.
    pub fn shutting_down(&self) -> watch::Receiver<bool> {
        self.live.shutdown.subscribe()
    }

    pub fn begin_shutdown(&self) {
        self.live.shutdown.send_replace(true);
    }

    async fn poll_notifications(self) {
        let mut watermark = match self.store.read().await {
            Ok(mut conn) => conn.notifications().latest_created_at().await.unwrap_or(0),
            Err(_) => 0,
        };
        // What was there before the first subscriber is not news.
        let mut sent: HashSet<String> = match self.store.read().await {
            Ok(mut conn) => conn
                .notifications()
                .created_since(watermark - LOOK_BACK_MS)
                .await
                .map(|rows| rows.into_iter().map(|n| n.id).collect())
                .unwrap_or_default(),
            Err(_) => HashSet::new(),
        };
        let mut shutdown = self.shutting_down();
        let mut wakeups = self.store.wakeups().await;
        let pause = if wakeups.listening() { POLL_ANYWAY } else { POLL_EVERY };
        loop {
            tokio::select! {
                _ = wakeups.wait(pause) => {}
                _ = shutdown.changed() => return,
            }
            if self.live.sender.receiver_count() == 0 {
                continue;
            }
            let fresh = match self.store.read().await {
                Ok(mut conn) => conn.notifications().created_since(watermark - LOOK_BACK_MS).await,
                Err(e) => Err(e),
            };
            let Ok(fresh) = fresh else {
                tracing::warn!("could not read new notifications; trying again");
                continue;
            };
            for notification in fresh {
                let at = notification.created_at.as_millisecond();
                watermark = watermark.max(at);
                if sent.insert(notification.id.clone()) && at >= watermark - LOOK_BACK_MS {
                    self.live.sender.send(Arc::new(notification)).ok();
                }
            }
            if sent.len() > 10_000 {
                sent.clear();
            }
        }
    }
}
