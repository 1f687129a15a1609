//! Webhooks: the endpoints administrators register, the outbox of events (written in the
//! transaction of the change they report), and the deliveries of each event to each endpoint,
//! which one node at a time works through per endpoint, in order, under a lease.

use crate::db::Row;
use jiff::Timestamp;

use crate::sql::{RowExt, flag, millis, one_row, to_json};
use crate::{Result, StoreError, Write};

crate::handle!(
    /// Webhook endpoints, the outbox and the deliveries.
    Webhooks
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpointRecord {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When a delivery last gave up after its day of retries, until one succeeds again.
    pub failing_since: Option<Timestamp>,
}

/// An event as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// The order events were written in.
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub opportunity_id: Option<String>,
    pub occurred_at: Timestamp,
    /// The event's `data`, JSON.
    pub data: String,
}

/// One event's delivery to one endpoint, with its latest attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: String,
    pub endpoint_id: String,
    pub event_seq: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub first_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub answer_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    pub created_at: Timestamp,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    Delivered,
    /// Try again at this time.
    Retry(Timestamp),
    /// No more tries: the endpoint is marked failing.
    GaveUp,
}

/// What an attempt was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub end: AttemptEnd,
    pub answer_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

fn endpoint(row: &Row) -> Result<WebhookEndpointRecord> {
    let types = row.text("event_types")?;
    Ok(WebhookEndpointRecord {
        id: row.text("id")?,
        url: row.text("url")?,
        secret: row.text("secret")?,
        event_types: serde_json::from_str(&types).map_err(|e| StoreError::Corrupt(format!("webhook_endpoints.event_types: {e}")))?,
        active: row.boolean("active")?,
        created_by: row.text("created_by")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
        failing_since: row.opt_at("failing_since")?,
    })
}

fn event(row: &Row) -> Result<OutboxEvent> {
    Ok(OutboxEvent {
        seq: row.int("seq")?,
        id: row.text("id")?,
        kind: row.text("type")?,
        opportunity_id: row.opt_text("opportunity_id")?,
        occurred_at: row.at("occurred_at")?,
        data: row.text("data")?,
    })
}

fn delivery(row: &Row) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: row.text("id")?,
        endpoint_id: row.text("endpoint_id")?,
        event_seq: row.int("event_seq")?,
        status: row.text("status")?,
        attempts: row.int("attempts")?,
        next_attempt_at: row.at("next_attempt_at")?,
        first_attempt_at: row.opt_at("first_attempt_at")?,
        last_attempt_at: row.opt_at("last_attempt_at")?,
        answer_code: row.opt_int("answer_code")?,
        error: row.opt_text("error")?,
        duration_ms: row.opt_int("duration_ms")?,
        created_at: row.at("created_at")?,
    })
}

/// Deliveries with their events, read in one query.
const DELIVERIES_WITH_EVENTS: &str = "SELECT d.*, e.seq, e.id AS event_id, e.type, e.opportunity_id, e.occurred_at, e.data \
     FROM webhook_deliveries d JOIN webhook_outbox e ON e.seq = d.event_seq WHERE d.endpoint_id = ";

fn delivery_with_event(row: &Row) -> Result<(DeliveryRecord, OutboxEvent)> {
    // Both tables have an `id`: the event's comes as `event_id`.
    let event = OutboxEvent { id: row.text("event_id")?, ..event(row)? };
    Ok((delivery(row)?, event))
}

/// PostgreSQL's way for two nodes to take different rows; SQLite's writer is alone anyway.
pub(crate) fn skip_locked(c: &crate::db::Conn) -> &'static str {
    if crate::sql::for_update(c).is_empty() { "" } else { " FOR UPDATE SKIP LOCKED" }
}

impl<A> Webhooks<'_, A> {
    pub async fn endpoints(&mut self) -> Result<Vec<WebhookEndpointRecord>> {
        let rows = crate::db::query("SELECT * FROM webhook_endpoints ORDER BY created_at, id").fetch_all(&mut *self.c).await?;
        rows.iter().map(endpoint).collect()
    }

    pub async fn endpoint(&mut self, id: &str) -> Result<WebhookEndpointRecord> {
        let row = crate::db::query("SELECT * FROM webhook_endpoints WHERE id = $1").bind(id).fetch_optional(&mut *self.c).await?;
        endpoint(&row.ok_or(StoreError::NotFound)?)
    }

    /// The endpoint's deliveries, newest first, with their events; before the delivery `before`
    /// (its creation time and id) when given.
    pub async fn deliveries(&mut self, endpoint_id: &str, before: crate::After, limit: i64) -> Result<Vec<(DeliveryRecord, OutboxEvent)>> {
        let mut sql = crate::sql::Sql::new(DELIVERIES_WITH_EVENTS);
        sql.bind(endpoint_id.to_owned());
        sql.push_before("d.created_at", "d.id", &before);
        sql.push(" ORDER BY d.created_at DESC, d.id DESC LIMIT ").bind(limit);
        sql.fetch_all(self.c).await?.iter().map(delivery_with_event).collect()
    }

    /// The endpoint's pending deliveries in the order of their events, with the events: the
    /// worker sends them one after another, so that a receiver gets each deal's events in order.
    pub async fn pending(&mut self, endpoint_id: &str, limit: i64) -> Result<Vec<(DeliveryRecord, OutboxEvent)>> {
        let mut sql = crate::sql::Sql::new(DELIVERIES_WITH_EVENTS);
        sql.bind(endpoint_id.to_owned()).push(" AND d.status = 'pending' ORDER BY d.event_seq, d.id LIMIT ").bind(limit);
        sql.fetch_all(self.c).await?.iter().map(delivery_with_event).collect()
    }

    /// Whether any event waits to be turned into deliveries, and whether any delivery is due by
    /// `now`: the worker's look before it opens a write transaction.
    pub async fn work_waiting(&mut self, now: Timestamp) -> Result<(bool, bool)> {
        let events: Option<i64> =
            crate::db::query_scalar("SELECT seq FROM webhook_outbox WHERE fanned_out = 0 LIMIT 1").fetch_optional(&mut *self.c).await?;
        let due: Option<String> =
            crate::db::query_scalar("SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT 1")
                .bind(millis(now))
                .fetch_optional(&mut *self.c)
                .await?;
        Ok((events.is_some(), due.is_some()))
    }
}

impl Webhooks<'_, Write> {
    /// Writes an event to the outbox, in the transaction of the change it reports.
    pub async fn add_event(&mut self, id: &str, kind: &str, opportunity_id: Option<&str>, at: Timestamp, data: &str) -> Result<()> {
        crate::db::query("INSERT INTO webhook_outbox (id, type, opportunity_id, occurred_at, data) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(kind)
            .bind(opportunity_id)
            .bind(millis(at))
            .bind(data)
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    pub async fn insert_endpoint(&mut self, e: &WebhookEndpointRecord) -> Result<()> {
        crate::db::query(
            "INSERT INTO webhook_endpoints (id, url, secret, event_types, active, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(&e.secret)
        .bind(to_json(&e.event_types))
        .bind(flag(e.active))
        .bind(&e.created_by)
        .bind(millis(e.created_at))
        .bind(millis(e.updated_at))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    /// Writes an endpoint's url, secret, event types and whether it is active.
    pub async fn update_endpoint(&mut self, e: &WebhookEndpointRecord) -> Result<()> {
        let done = crate::db::query(
            "UPDATE webhook_endpoints SET url = $2, secret = $3, event_types = $4, active = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(&e.secret)
        .bind(to_json(&e.event_types))
        .bind(flag(e.active))
        .bind(millis(e.updated_at))
        .execute(&mut *self.c)
        .await?;
        one_row(&done)
    }

    pub async fn delete_endpoint(&mut self, id: &str) -> Result<()> {
        crate::db::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1").bind(id).execute(&mut *self.c).await?;
        let done = crate::db::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *self.c).await?;
        one_row(&done)
    }

    /// Turns up to `limit` waiting events, oldest first, into deliveries to the active endpoints
    /// that take their type and existed when they happened. Answers how many events it took.
    pub async fn fan_out(&mut self, now: Timestamp, limit: i64, new_id: &mut (dyn FnMut() -> String + Send)) -> Result<usize> {
        let sql = format!("SELECT * FROM webhook_outbox WHERE fanned_out = 0 ORDER BY seq LIMIT $1{}", skip_locked(self.c));
        let events: Vec<OutboxEvent> =
            crate::db::query(sql).bind(limit).fetch_all(&mut *self.c).await?.iter().map(event).collect::<Result<_>>()?;
        if events.is_empty() {
            return Ok(0);
        }
        let endpoints: Vec<WebhookEndpointRecord> = self.endpoints().await?.into_iter().filter(|e| e.active).collect();
        for e in &events {
            for endpoint in endpoints.iter().filter(|p| p.created_at <= e.occurred_at && p.event_types.contains(&e.kind)) {
                crate::db::query(
                    "INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, status, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, 'pending', $4, $4)",
                )
                .bind(new_id())
                .bind(&endpoint.id)
                .bind(e.seq)
                .bind(millis(now))
                .execute(&mut *self.c)
                .await?;
            }
        }
        let mut mark = crate::sql::Sql::new("UPDATE webhook_outbox SET fanned_out = 1 WHERE");
        mark.push_in("id", &events.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
        mark.execute(self.c).await?;
        Ok(events.len())
    }

    /// Takes the lease of up to `limit` active endpoints with a delivery due by `now` that no
    /// other node holds (or whose lease lapsed), for `node` until `until`. Answers their ids.
    pub async fn lease(&mut self, node: &str, now: Timestamp, until: Timestamp, limit: i64) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT id FROM webhook_endpoints p WHERE active = 1 AND (lease_until IS NULL OR lease_until < $1 OR lease_owner = $2) \
             AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = p.id AND d.status = 'pending' AND d.next_attempt_at <= $1) \
             ORDER BY id LIMIT $3{}",
            skip_locked(self.c)
        );
        let ids: Vec<String> = crate::db::query_scalar(sql).bind(millis(now)).bind(node).bind(limit).fetch_all(&mut *self.c).await?;
        if !ids.is_empty() {
            let mut sql = crate::sql::Sql::new("UPDATE webhook_endpoints SET lease_owner = ");
            sql.bind(node.to_owned()).push(", lease_until = ").bind(millis(until)).push(" WHERE");
            sql.push_in("id", &ids);
            sql.execute(self.c).await?;
        }
        Ok(ids)
    }

    /// Extends `node`'s lease of the endpoint to `until`; whether it still held it.
    pub async fn renew(&mut self, endpoint_id: &str, node: &str, until: Timestamp) -> Result<bool> {
        let done = crate::db::query("UPDATE webhook_endpoints SET lease_until = $3 WHERE id = $1 AND lease_owner = $2")
            .bind(endpoint_id)
            .bind(node)
            .bind(millis(until))
            .execute(&mut *self.c)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up `node`'s lease of the endpoint.
    pub async fn release(&mut self, endpoint_id: &str, node: &str) -> Result<()> {
        crate::db::query("UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2")
            .bind(endpoint_id)
            .bind(node)
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }

    /// Writes how an attempt of a pending delivery ended; whether the delivery was still
    /// pending (a node whose lease lapsed meanwhile may find another already wrote it).
    pub async fn record_attempt(&mut self, delivery_id: &str, now: Timestamp, outcome: &AttemptOutcome) -> Result<bool> {
        let (status, next) = match &outcome.end {
            AttemptEnd::Delivered => ("delivered", now),
            AttemptEnd::Retry(at) => ("pending", *at),
            AttemptEnd::GaveUp => ("failed", now),
        };
        let done = crate::db::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = $3, \
             first_attempt_at = COALESCE(first_attempt_at, $4), last_attempt_at = $4, answer_code = $5, error = $6, duration_ms = $7 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(delivery_id)
        .bind(status)
        .bind(millis(next))
        .bind(millis(now))
        .bind(outcome.answer_code.map(i64::from))
        .bind(outcome.error.as_deref())
        .bind(outcome.duration_ms)
        .execute(&mut *self.c)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the endpoint failing since `now` (`Some`) or well again (`None`); whether that
    /// changed it.
    pub async fn set_failing(&mut self, endpoint_id: &str, since: Option<Timestamp>) -> Result<bool> {
        let sql = if since.is_some() {
            "UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL"
        } else {
            "UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NOT NULL"
        };
        let done = crate::db::query(sql).bind(endpoint_id).bind(since.map(millis)).execute(&mut *self.c).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets what is older than `before`: each endpoint's finished deliveries, then up to
    /// `limit` of the oldest events that have no delivery left to make. Answers the events gone.
    pub async fn sweep(&mut self, before: Timestamp, limit: i64) -> Result<u64> {
        let endpoints: Vec<String> = crate::db::query_scalar("SELECT id FROM webhook_endpoints").fetch_all(&mut *self.c).await?;
        for endpoint in endpoints {
            crate::db::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND created_at < $2 AND status <> 'pending'")
                .bind(&endpoint)
                .bind(millis(before))
                .execute(&mut *self.c)
                .await?;
        }
        let done = crate::db::query(
            "DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox WHERE fanned_out = 1 ORDER BY seq LIMIT $2) \
             AND occurred_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_outbox.seq)",
        )
        .bind(millis(before))
        .bind(limit)
        .execute(&mut *self.c)
        .await?;
        Ok(done.rows_affected())
    }

    /// Queues the event of a delivery once more to its endpoint, as a new delivery due now.
    pub async fn resend(&mut self, delivery: &DeliveryRecord, id: &str, now: Timestamp) -> Result<()> {
        crate::db::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, status, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', $4, $4)",
        )
        .bind(id)
        .bind(&delivery.endpoint_id)
        .bind(delivery.event_seq)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }
}

impl<A> Webhooks<'_, A> {
    pub async fn event(&mut self, seq: i64) -> Result<OutboxEvent> {
        let row = crate::db::query("SELECT * FROM webhook_outbox WHERE seq = $1").bind(seq).fetch_optional(&mut *self.c).await?;
        event(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn delivery(&mut self, id: &str) -> Result<DeliveryRecord> {
        let row = crate::db::query("SELECT * FROM webhook_deliveries WHERE id = $1").bind(id).fetch_optional(&mut *self.c).await?;
        delivery(&row.ok_or(StoreError::NotFound)?)
    }
}
