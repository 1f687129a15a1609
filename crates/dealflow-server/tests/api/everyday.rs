//! The everyday CRM in the web app (issue 14), over real HTTP on both backends: times in each
//! reader's own zone, the forms that create and edit records, what they refuse and what they
//! hide.

use dealflow_core::definition::ActivityType;
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::bad_input::fingerprint;
use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

async fn signed_in(browser: &Browser, email: &str, password: &str, zone: &str) -> String {
    let form = browser.get("/login", "").await;
    let login_cookie = form.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form.field("token");
    let fields = [("email", email), ("password", password), ("token", token.as_str()), ("time_zone", zone)];
    let signed = browser.post("/login", &login_cookie, &fields).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    signed.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn times_read_and_change_in_each_readers_own_zone(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;

    // The first sign-in adopts the browser's zone; a later one from elsewhere leaves it.
    let admin = signed_in(&browser, "admin@test.local", "admin-password", "Asia/Vladivostok").await;
    assert_eq!(app.admin().await.time_zone.as_deref(), Some("Asia/Vladivostok"));
    signed_in(&browser, "admin@test.local", "admin-password", "Europe/London").await;
    assert_eq!(app.admin().await.time_zone.as_deref(), Some("Asia/Vladivostok"));
    let profile = browser.get("/profile", &admin).await;
    assert!(profile.body.contains("<option selected translate=\"no\">Asia/Vladivostok</option>"));

    // The manager named no zone: the installation's default, Moscow, applies.
    let due = "2026-11-28T13:33:00Z".parse().unwrap();
    let task = dealflow_server::services::NewActivity {
        kind: ActivityType::Task,
        title: "Позвонить в банк".into(),
        owner_id: None,
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: None,
        due_at: Some(due),
        duration_minutes: None,
    };
    let task = app.services.create_activity(app.actor_of(&app.manager), task).await.unwrap();
    let manager = session_for(&api, &app.manager).await;
    let page = browser.get(&format!("/activities/{}", task.id), &manager).await;
    assert!(page.body.contains("28.11.2026 16:33"), "13:33Z is 16:33 in Moscow");
    assert!(page.body.contains("Europe/Moscow"), "the user menu names the zone");

    // A zone chosen in the profile applies at once; an unknown one is refused beside its field.
    let csrf = page.field("csrf-token");
    let before = fingerprint(&api).await;
    let refused =
        browser.post("/profile", &manager, &[("csrf", &csrf), ("name", "Анна"), ("locale", "ru"), ("time_zone", "Mars/Olympus")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Выберите часовой пояс из списка"));
    assert_eq!(fingerprint(&api).await, before, "a refused profile changes nothing");
    let saved = browser
        .post("/profile", &manager, &[("csrf", &csrf), ("name", &app.manager.name), ("locale", "ru"), ("time_zone", "Asia/Yekaterinburg")])
        .await;
    assert_eq!((saved.status, saved.location()), (StatusCode::SEE_OTHER, "/profile?saved=1"));
    let page = browser.get(&format!("/activities/{}", task.id), &manager).await;
    assert!(page.body.contains("28.11.2026 18:33"), "13:33Z is 18:33 in Yekaterinburg");

    // The API keeps UTC and names the zone chosen.
    let token = api.token(&app.manager).await;
    let me = api.get("/me", &token).await;
    assert_eq!(me.body["time_zone"], "Asia/Yekaterinburg");
    let activity = api.get(&format!("/activities/{}", task.id), &token).await;
    assert_eq!(activity.body["due_at"], "2026-11-28T13:33:00Z");
}

on_both_backends!(times_read_and_change_in_each_readers_own_zone, due_offsets_count_the_working_days_the_setting_names);

/// The steps' due offsets count the days the setting `working_days` names, in the owner's zone.
async fn due_offsets_count_the_working_days_the_setting_names(app: TestApp) {
    let api = Api::start(app).await;
    let admin = api.token(&api.app.admin().await).await;
    let manager = api.token(&api.app.manager).await;
    let due_of_the_call = |started: &serde_json::Value| started["opportunity"]["id"].as_str().unwrap().to_owned();
    // The test's clock stands on Saturday 2026-11-28, 09:00Z.
    let weekdays = api.post("/processes/enterprise-sale/start", &manager, serde_json::json!({})).await;
    let calls = api.get(&format!("/activities?opportunity_id={}&status=not_started", due_of_the_call(&weekdays.body)), &manager).await;
    let due: Vec<&str> = calls.body["items"].as_array().unwrap().iter().map(|a| a["due_at"].as_str().unwrap()).collect();
    assert!(due.contains(&"2026-11-30T09:00:00Z"), "one working day from Saturday is Monday: {due:?}");

    let every_day = api
        .send(reqwest::Method::PUT, "/settings/working_days", Some(&admin), Some(serde_json::json!({"value": [1, 2, 3, 4, 5, 6, 7]})))
        .await;
    assert_eq!(every_day.status, StatusCode::OK, "{:?}", every_day.body);
    let refused = api.send(reqwest::Method::PUT, "/settings/working_days", Some(&admin), Some(serde_json::json!({"value": []}))).await;
    assert_eq!((refused.status, refused.body["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_weekdays")));
    let all_week = api.post("/processes/enterprise-sale/start", &manager, serde_json::json!({})).await;
    let calls = api.get(&format!("/activities?opportunity_id={}&status=not_started", due_of_the_call(&all_week.body)), &manager).await;
    let due: Vec<&str> = calls.body["items"].as_array().unwrap().iter().map(|a| a["due_at"].as_str().unwrap()).collect();
    assert!(due.contains(&"2026-11-29T09:00:00Z"), "with every day working, a day is a day: {due:?}");
}
