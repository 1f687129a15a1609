//! Webhooks (issue 17, SPEC §9) against a real receiver on a loopback port that checks every
//! signature: each change made here reaches it as its event exactly once in the receiver's
//! deduplicated view, in order per opportunity; a receiver that is down gets everything once it
//! is back; a node that took an endpoint and died leaves it to another once its lease lapses;
//! the delivery log shows failures, a resend sends the same event again, and a day of failures
//! marks the endpoint failing.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use dealflow_core::engine::StartedVia;
use dealflow_server::services::{CloseInput, NewLead, NewOpportunity};
use hmac::{KeyInit, Mac};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

const SECRET: &str = "receiver-secret-0123456789";

/// What the receiver saw: each event as it came, and how many failed the signature check.
#[derive(Default)]
struct Seen {
    events: Vec<Value>,
    bad_signatures: usize,
    /// Answer 503 to everything while set.
    down: bool,
    refused: usize,
}

#[derive(Clone)]
struct Receiver {
    seen: Arc<Mutex<Seen>>,
    url: String,
}

async fn receive(State(seen): State<Arc<Mutex<Seen>>>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let mut seen = seen.lock().unwrap();
    if seen.down {
        seen.refused += 1;
        return AxumStatus::SERVICE_UNAVAILABLE;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let timestamp = header("dealflow-timestamp");
    let signature = (0..header("dealflow-signature").len() / 2)
        .map(|i| u8::from_str_radix(&header("dealflow-signature")[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect::<Vec<u8>>();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&body);
    // A constant-time comparison, as a receiver should make it.
    if timestamp.parse::<i64>().is_err() || mac.verify_slice(&signature).is_err() {
        seen.bad_signatures += 1;
        return AxumStatus::UNAUTHORIZED;
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(header("dealflow-event-id"), event["id"].as_str().unwrap());
    seen.events.push(event);
    AxumStatus::NO_CONTENT
}

impl Receiver {
    async fn start() -> Receiver {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/dealflow", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/hooks/dealflow", axum::routing::post(receive)).with_state(seen.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { seen, url }
    }

    fn set_down(&self, down: bool) {
        self.seen.lock().unwrap().down = down;
    }

    /// The events by id, each once however often it came.
    fn deduplicated(&self) -> Vec<Value> {
        let seen = self.seen.lock().unwrap();
        let mut ids = HashSet::new();
        seen.events.iter().filter(|e| ids.insert(e["id"].as_str().unwrap().to_owned())).cloned().collect()
    }

    fn received(&self) -> usize {
        self.seen.lock().unwrap().events.len()
    }

    fn count_of(&self, kind: &str) -> usize {
        self.deduplicated().iter().filter(|e| e["type"] == kind).count()
    }
}

/// Delivery rounds as `node` until one sends nothing more.
async fn deliver_all(app: &TestApp, node: &str) -> usize {
    let mut total = 0;
    loop {
        let sent = app.services.deliver_webhooks(node).await.unwrap();
        if sent == 0 {
            return total;
        }
        total += sent;
    }
}

async fn endpoint(api: &Api, receiver: &Receiver) -> String {
    let admin = api.token(&api.app.admin().await).await;
    let types = json!([
        "opportunity.created",
        "opportunity.stage_changed",
        "opportunity.closed",
        "activity.created",
        "activity.completed",
        "lead.converted",
        "process.started"
    ]);
    let created = api.post("/webhooks", &admin, json!({"url": receiver.url, "secret": SECRET, "event_types": types})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["secret"], SECRET, "the secret is answered on creation");
    created.body["id"].as_str().unwrap().to_owned()
}

async fn every_change_reaches_the_receiver_once_signed_and_in_order(app: TestApp) {
    let api = Api::start(app).await;
    let receiver = Receiver::start().await;
    let id = endpoint(&api, &receiver).await;
    let app = &api.app;
    let manager = app.actor_of(&app.manager);
    let by_hand = app.services.create_opportunity(manager, NewOpportunity { title: "Вручную".into(), ..NewOpportunity::default() });
    let by_hand = by_hand.await.unwrap();
    let started = app.services.start_process(manager, "enterprise-sale", Some(&by_hand.id), StartedVia::OpportunityPage).await.unwrap();
    let deal = started.opportunity.id.clone();
    for _ in 0..2 {
        app.complete_open(&deal).await;
    }
    let lost = CloseInput {
        stage: "closed_lost".into(), close_reason: Some("Выбрали конкурента".into()), ..CloseInput::default()
    };
    app.services.close(manager, &deal, &lost).await.unwrap();
    let lead = app.services.create_lead(manager, NewLead { title: "Лид с выставки".into(), ..NewLead::default() }).await.unwrap();
    app.services.change_lead_stage(manager, &lead.id, "awaiting_sale").await.unwrap();
    let side_panel = app.start_new(&app.manager).await;

    deliver_all(app, "node-a").await;
    let seen = receiver.seen.lock().unwrap().bad_signatures;
    assert_eq!(seen, 0, "every delivery carries a valid signature");
    let events = receiver.deduplicated();
    assert_eq!(receiver.received(), events.len(), "nothing came twice while all went well");
    // Each change once: counted from the records the changes left.
    let count = |sql: &'static str| app.count(sql);
    assert_eq!(receiver.count_of("opportunity.created") as i64, count("SELECT COUNT(*) FROM opportunities").await);
    assert_eq!(receiver.count_of("process.started") as i64, count("SELECT COUNT(*) FROM process_instances").await);
    assert_eq!(receiver.count_of("activity.created") as i64, count("SELECT COUNT(*) FROM activities").await);
    assert_eq!(receiver.count_of("activity.completed") as i64, count("SELECT COUNT(*) FROM activities WHERE status = 'completed'").await);
    assert_eq!(
        receiver.count_of("opportunity.stage_changed") as i64,
        count("SELECT COUNT(*) FROM stage_history WHERE from_stage IS NOT NULL").await
    );
    assert_eq!(receiver.count_of("opportunity.closed"), 1);
    assert_eq!(receiver.count_of("lead.converted"), 1);
    assert!(receiver.count_of("opportunity.stage_changed") >= 2, "the completions moved the deal on");

    // The closed event says how; a stage change says from where to where, and by whom.
    let closed = events.iter().find(|e| e["type"] == "opportunity.closed").unwrap();
    assert_eq!(closed["data"]["outcome"], "lost");
    assert_eq!(closed["data"]["reason"], "Выбрали конкурента");
    assert_eq!(closed["data"]["opportunity_id"], deal.as_str());
    assert!(closed["occurred_at"].as_str().unwrap().starts_with("2026-11-28T09:00:00"));
    // In order per opportunity: the deal's stage changes as its history has them.
    let history = app.history(&deal).await;
    let moves: Vec<(String, String)> =
        history.iter().filter_map(|h| h.from_stage.as_ref().map(|from| (from.to_string(), h.to_stage.to_string()))).collect();
    let arrived: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["type"] == "opportunity.stage_changed" && e["data"]["opportunity_id"] == deal.as_str())
        .map(|e| (e["data"]["from_stage"].as_str().unwrap().to_owned(), e["data"]["to_stage"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(arrived, moves);
    let mut per_deal: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for e in &events {
        let about = e["data"]["opportunity_id"].as_str().unwrap_or("").to_owned();
        per_deal.entry(about).or_default().push(e["type"].as_str().unwrap());
    }
    let side = &per_deal[&side_panel.opportunity.id];
    assert_eq!(&side[..2], ["opportunity.created", "process.started"], "a deal's creation comes first: {side:?}");

    // The log shows each delivery delivered, with the receiver's answer.
    let admin = api.token(&app.admin().await).await;
    let log = api.get(&format!("/webhooks/{id}/deliveries?limit=500"), &admin).await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), events.len());
    assert!(items.iter().all(|d| d["status"] == "delivered" && d["answer_code"] == 204 && d["attempts"] == 1));
    // Nothing for another's eyes: a manager may not see the endpoints.
    let manager_token = api.token(&app.manager).await;
    assert_eq!(api.get("/webhooks", &manager_token).await.status, StatusCode::FORBIDDEN);
}

async fn a_receiver_that_was_down_gets_everything_in_order_and_a_day_of_failures_marks_it_failing(app: TestApp) {
    let api = Api::start(app).await;
    let receiver = Receiver::start().await;
    let id = endpoint(&api, &receiver).await;
    let app = &api.app;
    let admin = api.token(&app.admin().await).await;
    receiver.set_down(true);
    let first = app.start_new(&app.manager).await.opportunity.id;
    let second = app.start_new(&app.teammate).await.opportunity.id;
    app.complete_open(&first).await;
    app.complete_open(&second).await;
    assert_eq!(deliver_all(app, "node-a").await, 1, "the first failure holds the rest back, in order");
    let log = api.get(&format!("/webhooks/{id}/deliveries?limit=500"), &admin).await;
    let failed: Vec<&Value> = log.body["items"].as_array().unwrap().iter().filter(|d| d["attempts"] == 1).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0]["status"].as_str(), failed[0]["answer_code"].as_i64()), (Some("pending"), Some(503)));
    assert!(failed[0]["error"].as_str().unwrap().contains("503"));
    assert!(failed[0]["next_attempt_at"].as_str().unwrap().starts_with("2026-11-28T09:00:10"), "ten seconds later");

    // Back after a while: everything arrives, each deal's events in the order they happened.
    app.clock.advance(SignedDuration::from_secs(11));
    assert_eq!(deliver_all(app, "node-a").await, 1, "still down: one more try, then a longer pause");
    receiver.set_down(false);
    app.clock.advance(SignedDuration::from_secs(21));
    deliver_all(app, "node-a").await;
    let outbox = app.count("SELECT COUNT(*) FROM webhook_outbox").await;
    let events = receiver.deduplicated();
    assert_eq!(events.len() as i64, outbox, "every event once it came back");
    let order_of = |deal: &str| -> Vec<String> {
        let about = |e: &Value| e["data"]["opportunity_id"].as_str() == Some(deal);
        events.iter().filter(|e| about(e)).map(|e| e["id"].as_str().unwrap().to_owned()).collect()
    };
    for deal in [&first, &second] {
        let written = app.sql_texts(&format!("SELECT id FROM webhook_outbox WHERE opportunity_id = '{deal}' ORDER BY seq")).await;
        assert_eq!(order_of(deal), written, "in the order they happened");
    }

    // Send again: the same event once more, which the receiver's deduplicated view absorbs.
    let log = api.get(&format!("/webhooks/{id}/deliveries?limit=1"), &admin).await;
    let delivery = log.body["items"][0]["id"].as_str().unwrap().to_owned();
    let event_id = log.body["items"][0]["event_id"].as_str().unwrap().to_owned();
    let resent = api.post(&format!("/webhooks/{id}/deliveries/{delivery}/resend"), &admin, json!({})).await;
    assert_eq!((resent.status, resent.body["status"].as_str()), (StatusCode::CREATED, Some("pending")));
    let before = receiver.received();
    deliver_all(app, "node-a").await;
    assert_eq!(receiver.received(), before + 1);
    assert_eq!(receiver.seen.lock().unwrap().events.last().unwrap()["id"], event_id.as_str());
    assert_eq!(receiver.deduplicated().len() as i64, outbox);

    // A day of failures: the delivery gives up and the endpoint is marked failing.
    receiver.set_down(true);
    app.complete_open(&first).await;
    for _ in 0..40 {
        deliver_all(app, "node-a").await;
        app.clock.advance(SignedDuration::from_hours(1));
    }
    let endpoint = api.get(&format!("/webhooks/{id}"), &admin).await;
    assert!(endpoint.body["failing_since"].is_string(), "{:?}", endpoint.body);
    assert!(endpoint.body["secret"].is_null(), "the secret is not shown again");
    let log = api.get(&format!("/webhooks/{id}/deliveries?limit=500"), &admin).await;
    assert!(log.body["items"].as_array().unwrap().iter().any(|d| d["status"] == "failed"));
    let told = api.get("/notifications", &admin).await;
    let failing: Vec<&Value> = told.body["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "webhook_failing").collect();
    assert_eq!(failing.len(), 1, "the administrator is told once: {:?}", told.body);
    assert_eq!((failing[0]["entity"]["type"].as_str(), failing[0]["entity"]["id"].as_str()), (Some("webhook_endpoint"), Some(id.as_str())));
    // It answers again: the next deliveries go through and the mark goes.
    receiver.set_down(false);
    deliver_all(app, "node-a").await;
    assert!(api.get(&format!("/webhooks/{id}"), &admin).await.body["failing_since"].is_null());
}

async fn a_dead_nodes_endpoint_passes_to_another_and_two_nodes_deliver_each_event_once(app: TestApp) {
    let api = Api::start(app).await;
    let receiver = Receiver::start().await;
    let id = endpoint(&api, &receiver).await;
    let app = &api.app;
    app.start_new(&app.manager).await;
    // Node A makes the deliveries and takes the endpoint, then dies before sending anything.
    let now = app.clock.now();
    let mut tx = app.store.begin_write().await.unwrap();
    tx.webhooks().fan_out(now, 500, &mut dealflow_server::new_id).await.unwrap();
    assert_eq!(tx.webhooks().lease("node-a", now, now + SignedDuration::from_secs(60), 10).await.unwrap(), std::slice::from_ref(&id));
    tx.commit().await.unwrap();
    assert_eq!(deliver_all(app, "node-b").await, 0, "node B keeps off while A's lease holds");
    app.clock.advance(SignedDuration::from_secs(61));
    deliver_all(app, "node-b").await;
    let outbox = app.count("SELECT COUNT(*) FROM webhook_outbox").await;
    assert_eq!(receiver.deduplicated().len() as i64, outbox, "node B delivered what A left");

    // Two nodes at once on new work: each event reaches the receiver once.
    for _ in 0..3 {
        app.start_new(&app.teammate).await;
    }
    let before = receiver.received();
    let (a, b) = tokio::join!(deliver_all(app, "node-a"), deliver_all(app, "node-b"));
    let outbox = app.count("SELECT COUNT(*) FROM webhook_outbox").await;
    assert_eq!(receiver.received() - before, a + b, "every attempt was a delivery");
    assert_eq!(receiver.received() as i64, outbox, "no event twice: {a} by A, {b} by B");
    assert_eq!(receiver.deduplicated().len() as i64, outbox);

    // A month on, the delivered events and their log are swept away; newer ones stay.
    app.clock.advance(SignedDuration::from_hours(24 * 30) + SignedDuration::from_mins(5));
    app.start_new(&app.teammate).await;
    let newer = app.count("SELECT COUNT(*) FROM webhook_outbox").await - outbox;
    assert_eq!(app.services.sweep_webhooks().await.unwrap() as i64, outbox, "every delivered month-old event");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries").await, 0);
    deliver_all(app, "node-a").await;
    assert_eq!(app.services.sweep_webhooks().await.unwrap(), 0, "the newer ones stay");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'").await, newer);
}

async fn endpoints_refuse_bad_input_and_change_nothing(app: TestApp) {
    let api = Api::start(app).await;
    let admin = api.token(&api.app.admin().await).await;
    for (body, field, code) in [
        (json!({"url": "ftp://example.test/x", "event_types": ["opportunity.created"]}), "url", "not_a_web_address"),
        (json!({"url": "https://", "event_types": ["opportunity.created"]}), "url", "not_a_web_address"),
        (json!({"url": "https://example.test/x", "event_types": ["opportunity.deleted"]}), "event_types", "not_one_of"),
        (json!({"url": "https://example.test/x", "event_types": []}), "event_types", "required"),
        (json!({"url": "https://example.test/x", "secret": "short", "event_types": ["lead.converted"]}), "secret", "too_short"),
    ] {
        let refused = api.post("/webhooks", &admin, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!((refused.body["errors"][0]["field"].as_str(), refused.body["errors"][0]["code"].as_str()), (Some(field), Some(code)));
    }
    assert_eq!(api.get("/webhooks", &admin).await.body["items"], json!([]));
    let made = api.post("/webhooks", &admin, json!({"url": "https://example.test/x", "event_types": ["lead.converted"]})).await;
    assert!(made.body["secret"].as_str().unwrap().len() >= 32, "a secret is made up when none is given");
    let id = made.body["id"].as_str().unwrap();
    let off = api.send(reqwest::Method::PATCH, &format!("/webhooks/{id}"), Some(&admin), Some(json!({"active": false}))).await;
    assert_eq!((off.status, off.body["active"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(api.send(reqwest::Method::DELETE, &format!("/webhooks/{id}"), Some(&admin), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&format!("/webhooks/{id}"), &admin).await.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    every_change_reaches_the_receiver_once_signed_and_in_order,
    a_receiver_that_was_down_gets_everything_in_order_and_a_day_of_failures_marks_it_failing,
    a_dead_nodes_endpoint_passes_to_another_and_two_nodes_deliver_each_event_once,
    endpoints_refuse_bad_input_and_change_nothing,
);
