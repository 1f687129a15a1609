//! Reminders before an activity begins (a meeting, a call) or falls due (a task, an e-mail), as
//! early as its owner chose: off, 15 minutes, an hour or a day. Every node looks every few
//! seconds; an activity remembers that its reminder went out, so only one node sends it, and a
//! reminder is a notification like any other, delivered live and listed.

use std::collections::HashMap;
use std::time::Duration;

use dealflow_core::LocalizedText;
use dealflow_core::check::{Invalid, Problems};
use dealflow_core::definition::ActivityType;
use dealflow_core::notification::{self, Upcoming};
use dealflow_core::records::NotificationRecord;
use jiff::tz::TimeZone;

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;

/// The lead times a person may choose, in minutes; 0 turns reminders off.
pub const REMINDER_CHOICES: [i64; 4] = [0, 15, 60, 1440];
/// How often a node looks for reminders that are due.
const LOOK_EVERY: Duration = Duration::from_secs(5);
/// Reminders sent in one look at most; the rest go at the next.
const BATCH: i64 = 200;

impl Services {
    /// How long before an activity the actor is reminded (minutes; 0: never).
    pub async fn reminder_minutes(&self, actor: &Actor) -> Result<i64> {
        Ok(self.store.read().await?.users().reminder_minutes(actor.id()).await?)
    }

    /// The actor's own choice of lead time, one of [`REMINDER_CHOICES`].
    pub async fn set_reminder_minutes(&self, actor: &Actor, minutes: i64) -> Result<()> {
        if !REMINDER_CHOICES.contains(&minutes) {
            let mut problems = Problems::new();
            problems.add("reminder_minutes", Invalid::NotOneOf { allowed: REMINDER_CHOICES.iter().map(i64::to_string).collect() });
            return Err(ServiceError::Invalid(problems.finish().expect_err("a problem was added")));
        }
        in_write!(self, |tx| { Ok(tx.users().set_reminder_minutes(actor.id(), minutes).await?) })
    }

    /// Sends every reminder due by now; answers how many went out.
    pub async fn send_due_reminders(&self) -> Result<usize> {
        let now = self.clock.now();
        // What the reminders name is read once for the batch: the deals' titles, each owner's zone.
        let mut conn = self.store.read().await?;
        let due = conn.activities().due_reminders(now, BATCH).await?;
        let mut deal_ids: Vec<String> = due.iter().filter_map(|a| a.opportunity_id.clone()).collect();
        deal_ids.sort();
        deal_ids.dedup();
        let deals: HashMap<String, String> = conn.opportunities().titles(&deal_ids).await?.into_iter().collect();
        drop(conn);
        let mut zones: HashMap<String, TimeZone> = HashMap::new();
        let mut sent = 0;
        for activity in due {
            let Some(at) = activity.start_at.or(activity.due_at) else { continue };
            if !zones.contains_key(&activity.owner_id) {
                let owner = self.store.read().await?.users().get(&activity.owner_id).await?;
                zones.insert(activity.owner_id.clone(), self.actor(owner).await?.zone().clone());
            }
            let local = at.to_zoned_datetime(zones[&activity.owner_id].clone());
            let at = LocalizedText::new(local.strftime("%d.%m.%Y %H:%M").to_string(), local.strftime("%Y-%m-%d %H:%M").to_string());
            let deal = activity.opportunity_id.as_ref().and_then(|id| deals.get(id)).cloned();
            let begins = matches!(activity.kind, ActivityType::Meeting | ActivityType::Call) && activity.start_at.is_some();
            let upcoming = Upcoming {
                owner_id: &activity.owner_id,
                activity_id: &activity.id,
                title: &activity.title,
                begins,
                at,
                opportunity_title: deal.as_deref(),
            };
            let notice = notification::activity_reminder(&upcoming);
            let record = NotificationRecord::unread(new_id(), &notice, now);
            let went = in_write!(self, |tx| {
                // Another node may have sent it meanwhile: the mark decides.
                if tx.activities().mark_reminded(&activity.id, now).await? {
                    tx.notifications().insert(&record).await?;
                    Ok(true)
                } else {
                    Ok(false)
                }
            })?;
            sent += usize::from(went);
        }
        Ok(sent)
    }

    /// Looks for due reminders every few seconds until the server shuts down.
    pub async fn remind_until_shutdown(&self) {
        self.every_until_shutdown(LOOK_EVERY, "reminders", || self.send_due_reminders()).await;
    }

    /// Runs `look` now and then every `every` until the server shuts down; a look that fails is
    /// logged, and the next one tries again.
    pub(super) async fn every_until_shutdown<T, F: Future<Output = Result<T>>>(&self, every: Duration, what: &str, look: impl Fn() -> F) {
        let mut shutdown = self.shutting_down();
        loop {
            if let Err(error) = look().await {
                tracing::warn!(%error, "{what} stopped; trying again at the next look");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}
