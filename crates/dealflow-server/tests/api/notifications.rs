//! The notification centre over HTTP, its live stream, and the schedule.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn notifications_are_listed_read_and_counted_in_the_readers_language(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.teammate).await;
    // The teammate's own start tells the teammate nothing; the supervisor's start on the
    // teammate's deal does.
    let own = api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    assert_eq!(api.get("/notifications", &token).await.body["unread_count"], 0, "nobody is told of their own action");
    let deal = api.post("/opportunities", &token, json!({"title": "Handed a process"})).await;
    let supervisor = api.token(&api.app.supervisor).await;
    let started = api.post("/processes/enterprise-sale/start", &supervisor, json!({"opportunity_id": deal.body["id"]})).await;
    assert_eq!((own.status, started.status), (StatusCode::CREATED, StatusCode::CREATED), "{:?}", started.body);
    let all = api.get("/notifications", &token).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["unread_count"], 2);
    let first = &all.body["items"][0];
    assert_eq!(first["kind"], "activity_assigned");
    assert_eq!(first["entity"]["type"], "activity");
    assert!(first["title"].as_str().unwrap().starts_with("New task:"), "English for the teammate: {first}");
    let russian = api.send(reqwest::Method::GET, "/notifications", Some(&token), None).await;
    assert!(russian.body["items"][0]["title"].is_string());
    let id = first["id"].as_str().unwrap().to_owned();
    let read = api.post(&format!("/notifications/{id}/read"), &token, json!({})).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body["read_at"].is_string());
    let unread = api.get("/notifications?unread=true", &token).await;
    assert_eq!((unread.body["unread_count"].as_i64(), unread.body["items"].as_array().unwrap().len()), (Some(1), 1));
    let other = api.token(&api.app.manager).await;
    assert_eq!(api.post(&format!("/notifications/{id}/read"), &other, json!({})).await.status, StatusCode::NOT_FOUND);
    let cleared = api.post("/notifications/read-all", &token, json!({})).await;
    assert_eq!(cleared.body, json!({"unread_count": 0}));
    assert_eq!(api.get("/notifications", &token).await.body["unread_count"], 0);
}

async fn a_new_notification_reaches_an_open_stream_within_a_second(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let deal = api.post("/opportunities", &token, json!({"title": "Streamed"})).await;
    let supervisor = api.token(&api.app.supervisor).await;
    let mut stream = reqwest::Client::new().get(format!("{}/notifications/stream", api.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    api.post("/processes/enterprise-sale/start", &supervisor, json!({"opportunity_id": deal.body["id"]})).await;
    let mut received = String::new();
    while !received.contains("event: notification") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.expect("an event arrives").unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    println!("notification delivered {} ms after the command", started.elapsed().as_millis());
    assert!(received.contains("activity_assigned"), "{received}");
    assert!(received.contains("Новая задача"), "in the manager's language: {received}");
}

async fn the_schedule_shows_a_persons_activities_in_a_window(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    let week = api.get("/schedule?from=2026-11-28&to=2026-12-05", &token).await;
    assert_eq!(week.status, StatusCode::OK, "{:?}", week.body);
    let steps: Vec<_> = week.body["items"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap().to_owned()).collect();
    assert_eq!(steps, ["contact_customer", "prepare_presentation"], "soonest first");
    // Started on a Saturday: the call's one working day is Monday.
    let day = api.get("/schedule?from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z", &token).await;
    assert_eq!(day.body["items"].as_array().unwrap().len(), 1, "only the call is due on Monday");
    let supervisor = api.token(&api.app.supervisor).await;
    let team = api.get(&format!("/schedule?from=2026-11-28&to=2026-12-05&user_id={}", api.app.manager.id), &supervisor).await;
    assert_eq!(team.body["items"].as_array().unwrap().len(), 2, "a supervisor sees the team's schedule");
    let outsider = api.token(&api.app.loner).await;
    let hidden = api.get(&format!("/schedule?from=2026-11-28&to=2026-12-05&user_id={}", api.app.manager.id), &outsider).await;
    assert!(hidden.body["items"].as_array().unwrap().is_empty());
    let bad = api.get("/schedule?from=2026-12-05&to=2026-11-28", &token).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = api.get("/schedule", &token).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(
    notifications_are_listed_read_and_counted_in_the_readers_language,
    a_new_notification_reaches_an_open_stream_within_a_second,
    the_schedule_shows_a_persons_activities_in_a_window,
);
