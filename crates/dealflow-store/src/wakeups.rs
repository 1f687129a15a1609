//! Telling every node that notifications were committed. On PostgreSQL each transaction that
//! writes notifications also sends `NOTIFY` (delivered only if it commits), and each node LISTENs,
//! so a notification made on one node reaches the streams of another at once; without it (or
//! on SQLite, which has one node) the nodes look every so often.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::{Backend, Store};

/// The channel on which committed notifications are announced.
pub const NOTIFICATION_CHANNEL: &str = "dealflow_notifications";

/// Waits for the next announcement of new notifications, or for `fallback` to pass.
pub struct Wakeups(Option<PgListener>);

impl Wakeups {
    pub async fn wait(&mut self, fallback: Duration) {
        match &mut self.0 {
            Some(listener) => {
                if let Ok(Err(error)) = tokio::time::timeout(fallback, listener.recv()).await {
                    tracing::warn!(%error, "lost the notification channel; polling until it is back");
                    tokio::time::sleep(fallback).await;
                }
            }
            None => tokio::time::sleep(fallback).await,
        }
    }

    /// Whether announcements arrive (PostgreSQL) or only the fallback timer does.
    pub fn listening(&self) -> bool {
        self.0.is_some()
    }
}

impl Store {
    /// Announcements of committed notifications: LISTEN on PostgreSQL, nothing on SQLite.
    pub async fn wakeups(&self) -> Wakeups {
        if self.backend() != Backend::Postgres {
            return Wakeups(None);
        }
        let listener = async {
            let mut listener = PgListener::connect(&self.url).await?;
            listener.listen(NOTIFICATION_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match listener {
            Ok(listener) => Wakeups(Some(listener)),
            Err(error) => {
                tracing::warn!(%error, "cannot LISTEN for notifications; polling instead");
                Wakeups(None)
            }
        }
    }
}
