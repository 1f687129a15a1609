//! PATCH with If-Match, the owner change (R15) over HTTP, activity edits, orders.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn patching_an_opportunity_honours_if_match_and_moves_work_to_a_new_owner(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let path = format!("/opportunities/{id}");
    let response = reqwest::Client::new().get(format!("{}{path}", api.base)).bearer_auth(&token).send().await.unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", started.body["opportunity"]["version"]));

    let body = json!({"title": "Склад в Казани", "amount": "990000.10", "tactic": "Через ИТ-директора", "competitors": [{"name": "Acme", "note": "дешевле"}]});
    let changed = reqwest::Client::new()
        .patch(format!("{}{path}", api.base))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let stale = reqwest::Client::new()
        .patch(format!("{}{path}", api.base))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let problem: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(problem["code"], "version_conflict");

    let read_only = api.send(Method::PATCH, &path, Some(&token), Some(json!({"stage": "proposal"}))).await;
    assert_eq!((read_only.status, read_only.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("stage")));
    let closed_at = api.send(Method::PATCH, &path, Some(&token), Some(json!({"closed_at": null}))).await;
    assert_eq!(closed_at.status, StatusCode::UNPROCESSABLE_ENTITY);
    let dangling =
        api.send(Method::PATCH, &path, Some(&token), Some(json!({"participants": [{"contact_id": "nobody", "role": "CFO"}]}))).await;
    assert_eq!(dangling.body["errors"][0]["field"], "participants[0].contact_id");

    let to_teammate = json!({"owner_id": api.app.teammate.id, "amount": null});
    let refused = api.send(Method::PATCH, &path, Some(&token), Some(to_teammate.clone())).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "a manager gives deals only to themselves");
    let supervisor = api.token(&api.app.supervisor).await;
    let handed = api.send(Method::PATCH, &path, Some(&supervisor), Some(to_teammate)).await;
    assert_eq!(handed.status, StatusCode::OK, "{:?}", handed.body);
    assert_eq!((handed.body["owner_id"].as_str(), &handed.body["amount"]), (Some(api.app.teammate.id.as_str()), &serde_json::Value::Null));
    let teammate = api.token(&api.app.teammate).await;
    let open = api.get(&format!("/activities?opportunity_id={id}&status=not_started"), &teammate).await;
    let owners: Vec<_> = open.body["items"].as_array().unwrap().iter().map(|a| a["owner_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(owners, vec![api.app.teammate.id.clone(); 2], "R15: the open activities moved with the opportunity");
    assert_eq!(api.get(&path, &api.token(&api.app.loner).await).await.status, StatusCode::NOT_FOUND);
}

async fn activities_can_be_started_moved_and_handed_over_but_not_renamed_by_hand(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let activity = api.get(&format!("/activities?opportunity_id={id}"), &token).await.body["items"][0].clone();
    let path = format!("/activities/{}", activity["id"].as_str().unwrap());
    let started_work =
        api.send(Method::PATCH, &path, Some(&token), Some(json!({"status": "in_progress", "due_at": "2026-12-01T10:00:00Z"}))).await;
    assert_eq!((started_work.status, started_work.body["status"].as_str()), (StatusCode::OK, Some("in_progress")));
    assert_eq!(started_work.body["due_at"], "2026-12-01T10:00:00Z");
    let renamed = api.send(Method::PATCH, &path, Some(&token), Some(json!({"title": "Something else"}))).await;
    assert_eq!(renamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let finished = api.send(Method::PATCH, &path, Some(&token), Some(json!({"status": "completed"}))).await;
    assert_eq!(finished.status, StatusCode::UNPROCESSABLE_ENTITY);
    let manual = api.post("/activities", &token, json!({"type": "meeting", "title": "Обед с клиентом", "opportunity_id": id})).await;
    assert_eq!(manual.status, StatusCode::CREATED, "{:?}", manual.body);
    let manual_path = format!("/activities/{}", manual.body["id"].as_str().unwrap());
    let retitled = api.send(Method::PATCH, &manual_path, Some(&token), Some(json!({"title": "Ужин с клиентом"}))).await;
    assert_eq!(retitled.body["title"], "Ужин с клиентом");
    api.post(&format!("{manual_path}/cancel"), &token, json!({})).await;
    let closed = api.send(Method::PATCH, &manual_path, Some(&token), Some(json!({"status": "in_progress"}))).await;
    assert_eq!((closed.status, closed.code()), (StatusCode::CONFLICT, "activity_not_open"));
}

async fn orders_are_made_from_won_opportunities_only(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let created = api.post("/opportunities", &token, json!({"title": "Pilot", "amount": 120000})).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let early = api.post(&format!("/opportunities/{id}/order"), &token, json!({})).await;
    assert_eq!((early.status, early.code()), (StatusCode::CONFLICT, "opportunity_not_won"));
    let closed = api
        .post(
            &format!("/opportunities/{id}/close"),
            &token,
            json!({"stage": "closed_won", "actual_revenue": "118500.00", "hours_spent": 30}),
        )
        .await;
    assert_eq!((closed.status, closed.body["actual_revenue"].as_str()), (StatusCode::OK, Some("118500.00")));
    let order = api.post(&format!("/opportunities/{id}/order"), &token, json!({})).await;
    assert_eq!((order.status, order.body["amount"].as_str()), (StatusCode::CREATED, Some("118500.00")));
    let not_final = api.post(&format!("/opportunities/{id}/close"), &token, json!({"stage": "closed_lost"})).await;
    assert_eq!((not_final.status, not_final.code()), (StatusCode::CONFLICT, "opportunity_closed"));
    let other = api.post("/opportunities", &token, json!({"title": "Other"})).await;
    let bad_close =
        api.post(&format!("/opportunities/{}/close", other.body["id"].as_str().unwrap()), &token, json!({"stage": "proposal"})).await;
    assert_eq!(bad_close.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(
    patching_an_opportunity_honours_if_match_and_moves_work_to_a_new_owner,
    activities_can_be_started_moved_and_handed_over_but_not_renamed_by_hand,
    orders_are_made_from_won_opportunities_only,
);
