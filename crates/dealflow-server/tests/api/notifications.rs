//! The notification centre over HTTP, its live stream, and the schedule.

use std::time::Duration;

use dealflow_core::definition::ActivityType;
use dealflow_server::services::{ActivityChanges, NewActivity};
use jiff::SignedDuration;
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

/// A meeting its owner makes, beginning `minutes_ahead` from now.
async fn meeting(app: &TestApp, owner: &dealflow_core::records::UserRecord, title: &str, minutes_ahead: i64) -> String {
    let meeting = NewActivity {
        kind: ActivityType::Meeting,
        title: title.into(),
        owner_id: None,
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: Some(app.clock.now() + SignedDuration::from_mins(minutes_ahead)),
        due_at: None,
        duration_minutes: Some(60),
    };
    app.services.create_activity(app.actor_of(owner), meeting).await.unwrap().id
}

async fn reminders(app: &TestApp, user: &dealflow_core::records::UserRecord) -> Vec<dealflow_core::records::NotificationRecord> {
    app.notifications(user).await.into_iter().filter(|n| n.kind == "activity_reminder").collect()
}

async fn reminders_come_once_before_an_activity_begins_as_early_as_its_owner_chose(app: TestApp) {
    // The test's clock: Saturday 2026-11-28, 09:00Z; the manager reads Moscow time.
    let id = meeting(&app, &app.manager, "Встреча с «Кама Фудс»", 30).await;
    assert_eq!(app.services.send_due_reminders().await.unwrap(), 0, "half an hour ahead is too early for 15 minutes");
    app.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(app.services.send_due_reminders().await.unwrap(), 1);
    let sent = reminders(&app, &app.manager).await;
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].entity_type.as_str(), sent[0].entity_id.as_str()), ("activity", id.as_str()));
    assert_eq!(sent[0].title.ru, "Напоминание: Встреча с «Кама Фудс»");
    assert_eq!(sent[0].body.ru, "Начало: 28.11.2026 12:30", "09:30Z in Moscow");
    assert_eq!(sent[0].body.en, "Starts: 2026-11-28 12:30");
    assert_eq!(app.services.send_due_reminders().await.unwrap(), 0, "once only");

    // Rescheduled, it is reminded again before its new time.
    let later = ActivityChanges { start_at: Some(Some(app.clock.now() + SignedDuration::from_hours(3))), ..ActivityChanges::default() };
    app.services.update_activity(app.actor_of(&app.manager), &id, later).await.unwrap();
    app.clock.advance(SignedDuration::from_mins(2 * 60 + 46));
    assert_eq!(app.services.send_due_reminders().await.unwrap(), 1);
    assert_eq!(reminders(&app, &app.manager).await.len(), 2);

    // An hour's lead; reminders off; a completed activity: each as its owner chose.
    app.services.set_reminder_minutes(app.actor_of(&app.teammate), 60).await.unwrap();
    meeting(&app, &app.teammate, "In fifty minutes", 50).await;
    app.services.set_reminder_minutes(app.actor_of(&app.loner), 0).await.unwrap();
    meeting(&app, &app.loner, "Never reminded", 5).await;
    let done = meeting(&app, &app.supervisor, "Already held", 10).await;
    app.services.complete_activity(app.actor_of(&app.supervisor), &done, None, None).await.unwrap();
    assert_eq!(app.services.send_due_reminders().await.unwrap(), 1);
    assert_eq!(reminders(&app, &app.teammate).await.len(), 1);
    assert!(reminders(&app, &app.loner).await.is_empty() && reminders(&app, &app.supervisor).await.is_empty());
    let refused = app.services.set_reminder_minutes(app.actor_of(&app.manager), 7).await;
    assert!(matches!(refused, Err(dealflow_server::ServiceError::Invalid(_))), "{refused:?}");
    assert_eq!(app.services.reminder_minutes(app.actor_of(&app.manager)).await.unwrap(), 15, "unchanged");
}

on_both_backends!(
    reminders_come_once_before_an_activity_begins_as_early_as_its_owner_chose,
    notifications_are_listed_read_and_counted_in_the_readers_language,
    a_new_notification_reaches_an_open_stream_within_a_second,
    the_schedule_shows_a_persons_activities_in_a_window,
);
