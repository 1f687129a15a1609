//! Bad requests get a clear problem+json answer and change nothing; records of others are 404.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

/// A request (method, path, token, body) and the status and code it must get.
type Case<'a> = (Method, &'a str, Option<&'a str>, Option<serde_json::Value>, StatusCode, &'a str);

async fn every_error_is_a_problem_document_with_its_code(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let cases: Vec<Case> = vec![
        (Method::GET, "/opportunities", None, None, StatusCode::UNAUTHORIZED, "unauthorized"),
        (Method::GET, "/opportunities", Some("not-a-token"), None, StatusCode::UNAUTHORIZED, "unauthorized"),
        (Method::GET, "/opportunities/missing", Some(&token), None, StatusCode::NOT_FOUND, "not_found"),
        (Method::GET, "/no-such-route", Some(&token), None, StatusCode::NOT_FOUND, "not_found"),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "colour": "red"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (Method::POST, "/opportunities", Some(&token), Some(json!({"title": 5})), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (Method::POST, "/opportunities", Some(&token), Some(json!({"title": ""})), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "amount": "-5"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "amount": 1.005})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "close_date": "2026-13-01"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "stage": "nowhere"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x", "probability": 101})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "a\u{0}b"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/opportunities",
            Some(&token),
            Some(json!({"title": "x".repeat(501)})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/processes/enterprise-sale/start",
            Some(&token),
            Some(json!({"via": "lead_auto"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (Method::POST, "/processes/no-such-process/start", Some(&token), Some(json!({})), StatusCode::NOT_FOUND, "not_found"),
        (Method::GET, "/opportunities?limit=0", Some(&token), None, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (Method::GET, "/opportunities?open=maybe", Some(&token), None, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (Method::GET, "/opportunities?cursor=garbage!", Some(&token), None, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (Method::GET, "/activities?status=sleeping", Some(&token), None, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ];
    for (method, path, token, body, status, code) in cases {
        let answer = api.send(method.clone(), path, token, body.clone()).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{method} {path} {body:?}: {:?}", answer.body);
        assert_eq!(answer.content_type, "application/problem+json", "{method} {path}");
        assert_eq!(answer.body["status"], status.as_u16());
        assert!(answer.body["title"].is_string() && answer.body["detail"].is_string() && answer.body["type"].is_string());
    }
    let count: i64 = api.app.count("SELECT COUNT(*) FROM opportunities").await;
    assert_eq!(count, 0, "no bad request created anything");

    let unknown = api.post("/opportunities", &token, json!({"title": "x", "colour": "red"})).await;
    assert_eq!((&unknown.body["errors"][0]["field"], &unknown.body["errors"][0]["code"]), (&json!("colour"), &json!("unknown_field")));
    let typed = api.post("/opportunities", &token, json!({"title": 5})).await;
    assert_eq!(typed.body["errors"][0]["field"], "title");
}

async fn malformed_bodies_and_wrong_media_types_are_refused(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let malformed = api.raw(Method::POST, "/opportunities", &token, "application/json", b"{\"title\": ".to_vec()).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "malformed_request"));
    let invalid_utf8 = api.raw(Method::POST, "/opportunities", &token, "application/json", b"{\"title\": \"\xff\xfe\"}".to_vec()).await;
    assert_eq!(invalid_utf8.status, StatusCode::BAD_REQUEST);
    let text = api.raw(Method::POST, "/opportunities", &token, "text/plain", b"title=x".to_vec()).await;
    assert_eq!((text.status, text.code()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));
    let count: i64 = api.app.count("SELECT COUNT(*) FROM opportunities").await;
    assert_eq!(count, 0);
}

async fn another_teams_records_answer_like_missing_ones(app: TestApp) {
    let api = Api::start(app).await;
    let owner = api.token(&api.app.manager).await;
    let teammate = api.token(&api.app.teammate).await;
    let outsider = api.token(&api.app.loner).await;
    let supervisor = api.token(&api.app.supervisor).await;
    let started = api.post("/processes/enterprise-sale/start", &owner, json!({})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let activity = api.get(&format!("/activities?opportunity_id={id}"), &owner).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    for token in [&teammate, &outsider] {
        for path in [format!("/opportunities/{id}"), format!("/opportunities/{id}/history"), format!("/activities/{activity}")] {
            let answer = api.get(&path, token).await;
            assert_eq!((answer.status, answer.code()), (StatusCode::NOT_FOUND, "not_found"), "{path}");
        }
        let moved = api.post(&format!("/opportunities/{id}/stage"), token, json!({"stage": "proposal"})).await;
        assert_eq!(moved.status, StatusCode::NOT_FOUND);
        let completed = api.post(&format!("/activities/{activity}/complete"), token, json!({})).await;
        assert_eq!(completed.status, StatusCode::NOT_FOUND);
        let listed = api.get("/opportunities", token).await;
        assert!(listed.body["items"].as_array().unwrap().is_empty());
        let filtered = api.get(&format!("/activities?opportunity_id={id}"), token).await;
        assert!(filtered.body["items"].as_array().unwrap().is_empty(), "a filter naming a hidden record answers an empty list");
    }
    let seen = api.get(&format!("/opportunities/{id}"), &supervisor).await;
    assert_eq!(seen.status, StatusCode::OK, "the supervisor sees the team's records");
    assert_eq!(api.app.opportunity(&id).await.stage.as_str(), "qualification", "nothing changed");
}

on_both_backends!(
    every_error_is_a_problem_document_with_its_code,
    malformed_bodies_and_wrong_media_types_are_refused,
    another_teams_records_answer_like_missing_ones,
);
