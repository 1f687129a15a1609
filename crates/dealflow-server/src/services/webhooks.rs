//! Webhooks (SPEC §9): administrators register endpoints; every change writes its events to the
//! outbox in its own transaction (no event without its change, no change without its event); a
//! worker on each node turns them into deliveries and posts them, signed, to each endpoint in
//! order, retrying with growing pauses for a day. Two nodes share the work through leases on the
//! endpoints (rows taken with `SKIP LOCKED` on PostgreSQL); delivery is at least once, so
//! receivers drop repeats by the event's `id`.

use std::sync::Arc;
use std::time::Duration;

use dealflow_core::check::{Invalid, Problems};
use dealflow_core::engine::Effect;
use dealflow_core::notification;
use dealflow_core::records::{ActivityRecord, NotificationRecord, OpportunityRecord, Role};
use dealflow_store::{AttemptEnd, AttemptOutcome, DeliveryRecord, OutboxEvent, WebhookEndpointRecord, WriteTx};
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::Services;
use super::process::ClosingFigures;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;
use crate::secrets::random_secret;

/// The events an endpoint may take.
pub const EVENT_TYPES: [&str; 7] = [
    "opportunity.created",
    "opportunity.stage_changed",
    "opportunity.closed",
    "activity.created",
    "activity.completed",
    "lead.converted",
    "process.started",
];

/// How long a node holds an endpoint before another may take it over.
const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// The longest a receiver gets to answer, and to accept the connection.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Endpoints delivered to at once by one node.
const CONCURRENT_ENDPOINTS: usize = 8;
/// The first pause after a failure; it doubles with each, up to an hour; after a day of
/// failures the delivery gives up.
const FIRST_PAUSE: SignedDuration = SignedDuration::from_secs(10);
const LONGEST_PAUSE: SignedDuration = SignedDuration::from_hours(1);
const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(24);
/// How long events and finished deliveries are kept (for the log and for sending again).
const KEPT_FOR: SignedDuration = SignedDuration::from_hours(24 * 30);

/// What an administrator sets on an endpoint.
#[derive(Debug, Clone, Default)]
pub struct EndpointFields {
    pub url: String,
    /// Made up when not given on creation.
    pub secret: Option<String>,
    pub event_types: Vec<String>,
    pub active: Option<bool>,
}

/// Writes an event to the outbox of the transaction that makes its change.
pub(super) async fn record(tx: &mut WriteTx, kind: &str, opportunity_id: Option<&str>, now: Timestamp, data: Value) -> Result<()> {
    tx.webhooks().add_event(&new_id(), kind, opportunity_id, now, &data.to_string()).await?;
    Ok(())
}

/// `opportunity.created` for a deal just written.
pub(super) async fn opportunity_created(tx: &mut WriteTx, o: &OpportunityRecord, now: Timestamp) -> Result<()> {
    record(tx, "opportunity.created", Some(&o.id), now, opportunity_created_data(o)).await
}

/// The `data` of `opportunity.created`.
pub(super) fn opportunity_created_data(o: &OpportunityRecord) -> Value {
    json!({"opportunity_id": o.id, "opportunity": {
        "id": o.id, "title": o.title, "stage": o.stage.as_str(), "owner_id": o.owner_id, "account_id": o.account_id,
        "amount": o.amount.map(|m| m.to_string()), "close_date": o.close_date, "lead_id": o.lead_id,
    }})
}

/// The `data` of `activity.created` for an activity made by a person or an import.
pub(super) fn activity_created_data(a: &ActivityRecord) -> Value {
    json!({"opportunity_id": a.opportunity_id, "activity": {
        "id": a.id, "type": a.kind.as_str(), "title": a.title, "owner_id": a.owner_id,
        "opportunity_id": a.opportunity_id, "account_id": a.account_id, "contact_id": a.contact_id,
        "start_at": a.start_at.map(|t| t.to_string()), "due_at": a.due_at.map(|t| t.to_string()),
    }})
}

/// The events of a process command's effects on `opportunity` (as the command left it).
pub(super) async fn record_effects(
    tx: &mut WriteTx,
    opportunity: &OpportunityRecord,
    effects: &[Effect],
    closing: &ClosingFigures,
    now: Timestamp,
) -> Result<()> {
    let about = Some(opportunity.id.as_str());
    for effect in effects {
        let (kind, data) = match effect {
            Effect::InstanceStarted { id, process_code, process_version, via, started_by } => (
                "process.started",
                json!({"instance_id": id, "process_code": process_code, "process_version": process_version,
                       "opportunity_id": opportunity.id, "started_via": via.as_str(), "started_by": started_by}),
            ),
            Effect::ActivityCreated(a) => (
                "activity.created",
                json!({"opportunity_id": opportunity.id, "activity": {"id": a.id, "type": a.kind.as_str(), "title": a.title, "owner_id": a.owner_id,
                       "opportunity_id": opportunity.id, "due_at": a.due_at.to_string(), "stage": a.stage.as_str(), "step": a.step}}),
            ),
            Effect::ActivityCompleted { id, result, note } => {
                ("activity.completed", json!({"activity_id": id, "opportunity_id": opportunity.id, "result": result, "note": note}))
            }
            Effect::StageChanged(change) if change.from.is_some() => (
                "opportunity.stage_changed",
                json!({"opportunity_id": opportunity.id, "from_stage": change.from.as_ref().map(|s| s.as_str()),
                       "to_stage": change.to.as_str(), "visit": change.visit, "by_process": change.by_process,
                       "by_user_id": change.by_user_id}),
            ),
            Effect::OpportunityClosed { won } => {
                let revenue = if *won { closing.actual_revenue.or(opportunity.actual_revenue).or(opportunity.amount) } else { None };
                (
                    "opportunity.closed",
                    json!({"opportunity_id": opportunity.id, "outcome": if *won { "won" } else { "lost" },
                           "stage": opportunity.stage.as_str(), "revenue": revenue.map(|m| m.to_string()),
                           "reason": closing.close_reason.as_ref().or(opportunity.close_reason.as_ref())}),
                )
            }
            _ => continue,
        };
        record(tx, kind, about, now, data).await?;
    }
    Ok(())
}

/// An endpoint's fields checked: an absolute http(s) address, a secret of at least 16
/// characters, known event types.
fn checked(fields: &EndpointFields) -> Result<(String, Option<String>, Vec<String>)> {
    let mut problems = Problems::new();
    let url = fields.url.trim().to_owned();
    let scheme_ok = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(['@', ' ']) && !rest.contains(char::is_whitespace)
    });
    if url.is_empty() {
        problems.add("url", Invalid::Required);
    } else if !scheme_ok || url.len() > 2000 {
        problems.add("url", Invalid::NotAWebAddress);
    }
    let secret = fields.secret.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match &secret {
        Some(s) if s.chars().count() < 16 => problems.add("secret", Invalid::TooShort { min: 16 }),
        Some(s) if s.chars().count() > 200 => problems.add("secret", Invalid::TooLong { max: 200 }),
        _ => {}
    }
    let mut types = fields.event_types.iter().map(|t| t.trim().to_owned()).collect::<Vec<_>>();
    types.sort();
    types.dedup();
    if types.is_empty() {
        problems.add("event_types", Invalid::Required);
    } else if types.iter().any(|t| !EVENT_TYPES.contains(&t.as_str())) {
        problems.add("event_types", Invalid::NotOneOf { allowed: EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect() });
    }
    problems.finish().map_err(ServiceError::Invalid)?;
    Ok((url, secret, types))
}

/// The signature of a delivery: HMAC-SHA256 of `timestamp.body` under the endpoint's secret, hex.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The JSON a receiver gets for an event.
pub fn payload(event: &OutboxEvent) -> String {
    let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    json!({"id": event.id, "type": event.kind, "occurred_at": event.occurred_at.to_string(), "data": data}).to_string()
}

/// The pause before the next try after `attempts` failures, or `None` once a day has passed
/// since the first.
fn next_try(first: Timestamp, attempts: i64, now: Timestamp) -> Option<Timestamp> {
    if now.duration_since(first) >= GIVE_UP_AFTER {
        return None;
    }
    let doublings = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let pause = FIRST_PAUSE.checked_mul(2_i32.saturating_pow(doublings)).unwrap_or(LONGEST_PAUSE).min(LONGEST_PAUSE);
    Some(now + pause)
}

impl Services {
    pub async fn webhook_endpoints(&self, actor: &Actor) -> Result<Vec<WebhookEndpointRecord>> {
        actor.require_admin()?;
        Ok(self.store.read().await?.webhooks().endpoints().await?)
    }

    pub async fn webhook_endpoint(&self, actor: &Actor, id: &str) -> Result<WebhookEndpointRecord> {
        actor.require_admin()?;
        Ok(self.store.read().await?.webhooks().endpoint(id).await?)
    }

    /// Registers an endpoint; it gets the events that happen from now on.
    pub async fn create_webhook_endpoint(&self, actor: &Actor, fields: EndpointFields) -> Result<WebhookEndpointRecord> {
        actor.require_admin()?;
        let (url, secret, event_types) = checked(&fields)?;
        let now = self.clock.now();
        let record = WebhookEndpointRecord {
            id: new_id(),
            url,
            secret: secret.unwrap_or_else(random_secret),
            event_types,
            active: fields.active.unwrap_or(true),
            created_by: actor.id().to_owned(),
            created_at: now,
            updated_at: now,
            failing_since: None,
        };
        in_write!(self, |tx| { Ok(tx.webhooks().insert_endpoint(&record).await?) })?;
        Ok(record)
    }

    pub async fn update_webhook_endpoint(&self, actor: &Actor, id: &str, fields: EndpointFields) -> Result<WebhookEndpointRecord> {
        actor.require_admin()?;
        let (url, secret, event_types) = checked(&fields)?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut record = tx.webhooks().endpoint(id).await?;
            record.url = url.clone();
            record.secret = secret.clone().unwrap_or(record.secret);
            record.event_types = event_types.clone();
            record.active = fields.active.unwrap_or(record.active);
            record.updated_at = now;
            tx.webhooks().update_endpoint(&record).await?;
            Ok(record)
        })
    }

    pub async fn delete_webhook_endpoint(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require_admin()?;
        in_write!(self, |tx| { Ok(tx.webhooks().delete_endpoint(id).await?) })
    }

    /// The endpoint's delivery log, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        endpoint_id: &str,
        page: &crate::paging::PageRequest,
    ) -> Result<crate::paging::Page<(DeliveryRecord, OutboxEvent)>> {
        actor.require_admin()?;
        let mut conn = self.store.read().await?;
        conn.webhooks().endpoint(endpoint_id).await?;
        let rows = conn.webhooks().deliveries(endpoint_id, page.after.clone(), page.limit + 1).await?;
        Ok(crate::paging::Page::of(rows, page.limit, |(d, _)| (d.created_at, &d.id)))
    }

    /// Sends a delivery's event to its endpoint once more (a new delivery in the log).
    pub async fn resend_webhook_delivery(
        &self,
        actor: &Actor,
        endpoint_id: &str,
        delivery_id: &str,
    ) -> Result<(DeliveryRecord, OutboxEvent)> {
        actor.require_admin()?;
        let now = self.clock.now();
        let id = new_id();
        in_write!(self, |tx| {
            let delivery = tx.webhooks().delivery(delivery_id).await?;
            if delivery.endpoint_id != endpoint_id {
                return Err(ServiceError::NotFound);
            }
            tx.webhooks().resend(&delivery, &id, now).await?;
            Ok((tx.webhooks().delivery(&id).await?, tx.webhooks().event(delivery.event_seq).await?))
        })
    }

    /// Makes deliveries of waiting events and sends what is due, as `node`; answers how many
    /// attempts were made. The worker's one round, also run by tests.
    pub async fn deliver_webhooks(&self, node: &str) -> Result<usize> {
        let (events, due) = self.store.read().await?.webhooks().work_waiting(self.clock.now()).await?;
        if !events && !due {
            return Ok(0);
        }
        // Waiting events become deliveries, 500 at a time.
        let mut taken = if events { 500 } else { 0 };
        while taken == 500 {
            let now = self.clock.now();
            taken = in_write!(self, |tx| {
                let mut make_id = new_id;
                Ok(tx.webhooks().fan_out(now, 500, &mut make_id).await?)
            })?;
        }
        let now = self.clock.now();
        let leased = in_write!(self, |tx| { Ok(tx.webhooks().lease(node, now, now + LEASE, 64).await?) })?;
        let gate = Arc::new(Semaphore::new(CONCURRENT_ENDPOINTS));
        let mut runs = tokio::task::JoinSet::new();
        for endpoint_id in leased {
            let services = self.clone();
            let node = node.to_owned();
            let gate = gate.clone();
            runs.spawn(async move {
                let _turn = gate.acquire_owned().await;
                let sent = services.deliver_to(&endpoint_id, &node).await;
                let released = in_write!(services, |tx| { Ok(tx.webhooks().release(&endpoint_id, &node).await?) });
                if let Err(error) = &released {
                    tracing::warn!(%error, endpoint_id, "could not release a webhook lease");
                }
                sent
            });
        }
        let mut attempts = 0;
        while let Some(done) = runs.join_next().await {
            match done {
                Ok(Ok(n)) => attempts += n,
                Ok(Err(error)) => tracing::warn!(%error, "webhook deliveries stopped"),
                Err(error) => tracing::warn!(%error, "a webhook delivery task failed"),
            }
        }
        Ok(attempts)
    }

    /// Sends the endpoint's due deliveries in order until one fails (the rest wait for it).
    async fn deliver_to(&self, endpoint_id: &str, node: &str) -> Result<usize> {
        let mut conn = self.store.read().await?;
        let endpoint = conn.webhooks().endpoint(endpoint_id).await?;
        let pending = conn.webhooks().pending(endpoint_id, 100).await?;
        drop(conn);
        let mut attempts = 0;
        for (delivery, event) in pending {
            let now = self.clock.now();
            if delivery.next_attempt_at > now {
                break;
            }
            let outcome = self.post(&endpoint, &delivery, &event).await;
            let retrying = matches!(outcome.end, AttemptEnd::Retry(_));
            let gave_up = outcome.end == AttemptEnd::GaveUp;
            let delivered = outcome.end == AttemptEnd::Delivered;
            let now = self.clock.now();
            let still_held = in_write!(self, |tx| {
                tx.webhooks().record_attempt(&delivery.id, now, &outcome).await?;
                if gave_up && tx.webhooks().set_failing(endpoint_id, Some(now)).await? {
                    let admins = tx.users().list().await?.into_iter().filter(|u| u.active && u.role == Role::Admin);
                    let notices: Vec<NotificationRecord> = admins
                        .map(|admin| {
                            NotificationRecord::unread(
                                new_id(),
                                &notification::webhook_failing(&admin.id, &endpoint.id, &endpoint.url),
                                now,
                            )
                        })
                        .collect();
                    tx.notifications().insert_many(&notices).await?;
                } else if delivered {
                    tx.webhooks().set_failing(endpoint_id, None).await?;
                }
                Ok(tx.webhooks().renew(endpoint_id, node, now + LEASE).await?)
            })?;
            attempts += 1;
            // A lease that lapsed meanwhile went to another node, which carries on from here.
            if retrying || !still_held {
                break;
            }
        }
        Ok(attempts)
    }

    /// One attempt: the event posted with its signature, and how it ended.
    async fn post(&self, endpoint: &WebhookEndpointRecord, delivery: &DeliveryRecord, event: &OutboxEvent) -> AttemptOutcome {
        let body = payload(event);
        let timestamp = self.clock.now().as_second();
        let started = std::time::Instant::now();
        let answer = self
            .webhook_client()
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("dealflow-event-id", &event.id)
            .header("dealflow-event-type", &event.kind)
            .header("dealflow-timestamp", timestamp.to_string())
            .header("dealflow-signature", signature(&endpoint.secret, timestamp, &body))
            .body(body)
            .send()
            .await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (answer_code, error) = match answer {
            Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16()), None),
            Ok(answer) => (Some(answer.status().as_u16()), Some(format!("answered {}", answer.status()))),
            Err(error) => (None, Some(if error.is_timeout() { "no answer in time".to_owned() } else { error.to_string() })),
        };
        let now = self.clock.now();
        let end = if error.is_none() {
            AttemptEnd::Delivered
        } else {
            match next_try(delivery.first_attempt_at.unwrap_or(now), delivery.attempts, now) {
                Some(at) => AttemptEnd::Retry(at),
                None => AttemptEnd::GaveUp,
            }
        };
        AttemptOutcome { end, answer_code, error, duration_ms }
    }

    fn webhook_client(&self) -> &reqwest::Client {
        // TLS was set up with the services (`Services::new`).
        self.webhook_client.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(ANSWER_TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("dealflow-webhooks/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("the webhook client builds")
        })
    }

    /// Forgets events and finished deliveries older than a month, a batch at a time.
    pub async fn sweep_webhooks(&self) -> Result<u64> {
        let before = self.clock.now() - KEPT_FOR;
        let mut gone = 0;
        loop {
            let swept = in_write!(self, |tx| { Ok(tx.webhooks().sweep(before, 1000).await?) })?;
            gone += swept;
            if swept < 1000 {
                return Ok(gone);
            }
        }
    }

    /// The delivery worker of this node: a round every second until shutdown, and every hour a
    /// sweep of what is a month old and of keyed answers a day old.
    pub async fn deliver_webhooks_until_shutdown(&self) {
        let node = new_id();
        let swept_at = std::sync::Mutex::new(None::<std::time::Instant>);
        let round = || async {
            let due = swept_at.lock().expect("sweep time lock").is_none_or(|at| at.elapsed() >= Duration::from_secs(3600));
            if due {
                *swept_at.lock().expect("sweep time lock") = Some(std::time::Instant::now());
                self.sweep_webhooks().await?;
                self.sweep_keyed_answers().await?;
            }
            self.deliver_webhooks(&node).await
        };
        self.every_until_shutdown(Duration::from_secs(1), "delivering webhooks", round).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_to_an_hour_and_stop_after_a_day() {
        let first: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(next_try(first, 0, first), Some(first + SignedDuration::from_secs(10)));
        assert_eq!(next_try(first, 3, first), Some(first + SignedDuration::from_secs(80)));
        assert_eq!(next_try(first, 12, first), Some(first + SignedDuration::from_hours(1)));
        assert_eq!(next_try(first, 40, first + SignedDuration::from_hours(23)), Some(first + SignedDuration::from_hours(24)));
        assert_eq!(next_try(first, 41, first + SignedDuration::from_hours(24)), None);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Worked out with Python: hmac.new(b"secret", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(signature("secret", 1_700_000_000, "{}"), "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163");
    }
}
