//! Deal health over HTTP (SPEC §9): every opportunity view carries `health {level, score,
//! factors[]}` with each factor's detail in the caller's language, lists filter by the stored
//! level, the analytics summary counts the open pipeline by it, and a wrong level is a 422.

use dealflow_server::services::{CloseInput, NewOpportunity};
use reqwest::StatusCode;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn health_travels_with_every_opportunity_view_and_lists_filter_by_it(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let new = NewOpportunity {
        title: "Холодильные камеры".into(), close_date: Some("2026-01-31".into()), ..NewOpportunity::default()
    };
    let id = app.services.create_opportunity(app.actor_of(&app.manager), new).await.unwrap().id;
    let (manager, supervisor) = (api.token(&app.manager).await, api.token(&app.supervisor).await);

    let seen = api.get(&format!("/opportunities/{id}"), &manager).await;
    assert_eq!(seen.status, StatusCode::OK);
    let health = &seen.body["health"];
    assert_eq!((health["level"].as_str(), health["score"].as_i64()), (Some("poor"), Some(30)), "{health}");
    let factors: Vec<(&str, i64)> =
        health["factors"].as_array().unwrap().iter().map(|f| (f["code"].as_str().unwrap(), f["effect"].as_i64().unwrap())).collect();
    assert_eq!(factors, [("next_step", -30), ("close_date", -20), ("bant", -20), ("overdue", 0)]);
    assert_eq!(health["factors"][1]["detail"], "Ожидаемая дата закрытия прошла", "the manager reads Russian");
    let listed = api.get("/opportunities", &supervisor).await;
    assert_eq!(listed.body["items"][0]["health"]["factors"][1]["detail"], "The expected close date has passed", "the supervisor English");
    assert_eq!(listed.body["items"][0]["stale"], true);

    // The level lists filter by is stored once the change is taken up.
    assert_eq!(api.get("/opportunities?health=poor", &supervisor).await.body["items"].as_array().unwrap().len(), 0);
    app.services.reassess_touched().await.unwrap();
    let poor = api.get("/opportunities?health=poor", &supervisor).await;
    assert_eq!(poor.body["items"][0]["id"], id.as_str());
    assert_eq!(api.get("/opportunities?health=good", &supervisor).await.body["items"].as_array().unwrap().len(), 0);
    let summary = api.get("/analytics/summary", &supervisor).await;
    assert_eq!(
        summary.body["open_by_health"],
        serde_json::json!([
            {"level": "good", "count": 0, "amount": "0.00"},
            {"level": "at_risk", "count": 0, "amount": "0.00"},
            {"level": "poor", "count": 1, "amount": "0.00"},
        ])
    );

    let wrong = api.get("/opportunities?health=bad", &supervisor).await;
    assert_eq!((wrong.status, wrong.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("health")));
    assert_eq!(wrong.body["errors"][0]["code"], "not_one_of");

    // A closed deal has no health.
    let lost = CloseInput { stage: "closed_lost".into(), ..CloseInput::default() };
    app.services.close(app.actor_of(&app.manager), &id, &lost).await.unwrap();
    assert_eq!(api.get(&format!("/opportunities/{id}"), &manager).await.body["health"], serde_json::Value::Null);
}

on_both_backends!(health_travels_with_every_opportunity_view_and_lists_filter_by_it);
