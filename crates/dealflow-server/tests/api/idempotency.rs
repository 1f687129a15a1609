//! Retried POSTs with an Idempotency-Key have exactly one effect.

use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn keyed(api: &Api, token: &str, key: &str, body: serde_json::Value) -> (StatusCode, bool, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/processes/enterprise-sale/start", api.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let replayed = response.headers().contains_key("idempotent-replay");
    (response.status(), replayed, response.json().await.unwrap())
}

async fn count(api: &Api) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM process_instances").fetch_one(api.app.store.pool()).await.unwrap()
}

async fn a_keyed_request_sent_again_has_one_effect_and_the_same_answer(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let first = keyed(&api, &token, "start-1", json!({"via": "side_panel"})).await;
    let second = keyed(&api, &token, "start-1", json!({"via": "side_panel"})).await;
    assert_eq!((first.0, first.1), (StatusCode::CREATED, false));
    assert_eq!((second.0, second.1), (StatusCode::CREATED, true));
    assert_eq!(first.2, second.2, "the same answer");
    assert_eq!(count(&api).await, 1);

    let (a, b, c) = tokio::join!(
        keyed(&api, &token, "start-2", json!({})),
        keyed(&api, &token, "start-2", json!({})),
        keyed(&api, &token, "start-2", json!({}))
    );
    assert!(a.2 == b.2 && b.2 == c.2, "concurrent repeats answer alike");
    assert_eq!(count(&api).await, 2, "three concurrent sends, one effect");

    let other_body = keyed(&api, &token, "start-1", json!({"via": "opportunity_page"})).await;
    assert_eq!((other_body.0, other_body.2["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
    let teammate = api.token(&api.app.teammate).await;
    let theirs = keyed(&api, &teammate, "start-1", json!({"via": "side_panel"})).await;
    assert_eq!((theirs.0, theirs.1), (StatusCode::CREATED, false), "another user's key is their own");
    assert_ne!(theirs.2["opportunity"]["id"], first.2["opportunity"]["id"]);
    assert_eq!(count(&api).await, 3);
    let refused = keyed(&api, &token, "start-3", json!({"via": "lead_auto"})).await;
    let again = keyed(&api, &token, "start-3", json!({"via": "lead_auto"})).await;
    assert_eq!(
        (refused.0, again.0, again.1),
        (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY, true),
        "errors replay too"
    );
}

on_both_backends!(a_keyed_request_sent_again_has_one_effect_and_the_same_answer);
