//! Leads over HTTP: the handoff (R3) with the setting on and off; settings are the admin's.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn handing_off_a_lead_over_http_starts_the_process_only_when_the_setting_says_so(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let admin = api.token(&api.app.supervisor).await;
    let stages = api.get("/lead-stages", &manager).await;
    let codes: Vec<_> = stages.body["items"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes, ["qualification", "distribution", "handoff_to_sales", "awaiting_sale", "converted", "disqualified"]);

    let lead = api.post("/leads", &manager, json!({"title": "ERP rollout", "need": "Finance and stock", "budget": "500000"})).await;
    assert_eq!(lead.status, StatusCode::CREATED, "{:?}", lead.body);
    let id = lead.body["id"].as_str().unwrap().to_owned();
    let handed = api.post(&format!("/leads/{id}/stage"), &manager, json!({"stage": "awaiting_sale"})).await;
    assert_eq!(handed.status, StatusCode::OK, "{:?}", handed.body);
    let opportunity_id = handed.body["opportunity_id"].as_str().unwrap().to_owned();
    let opportunity = api.get(&format!("/opportunities/{opportunity_id}"), &manager).await;
    assert_eq!(opportunity.body["lead_id"], id.as_str());
    assert_eq!(opportunity.body["budget"], "500000.00");
    assert_eq!(
        (opportunity.body["process"]["started_via"].as_str(), opportunity.body["process"]["status"].as_str()),
        (Some("lead_auto"), Some("running"))
    );

    // A supervisor is not an admin: the setting is not theirs to change.
    let refused = api.send(Method::PUT, "/settings/start_sales_process", Some(&admin), Some(json!({"value": false}))).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let admin_user = api.app.admin().await;
    let admin = api.token(&admin_user).await;
    let wrong = api.send(Method::PUT, "/settings/start_sales_process", Some(&admin), Some(json!({"value": "no"}))).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    let missing = api.send(Method::PUT, "/settings/no_such_setting", Some(&admin), Some(json!({"value": 1}))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let off = api.send(Method::PUT, "/settings/start_sales_process", Some(&admin), Some(json!({"value": false}))).await;
    assert_eq!((off.status, &off.body["value"]), (StatusCode::OK, &json!(false)));
    assert!(off.body["description"]["ru"].as_str().unwrap().contains("Запускать процесс продажи"));

    let second = api.post("/leads", &manager, json!({"title": "Second lead"})).await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    let handed = api.post(&format!("/leads/{second_id}/stage"), &manager, json!({"stage": "awaiting_sale"})).await;
    let opportunity_id = handed.body["opportunity_id"].as_str().unwrap().to_owned();
    let opportunity = api.get(&format!("/opportunities/{opportunity_id}"), &manager).await;
    assert!(opportunity.body["process"].is_null(), "no process with the setting off");
    let settings = api.get("/settings", &manager).await;
    let keys: Vec<_> = settings.body["items"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(keys, ["currency", "default_locale", "default_time_zone", "sales_process", "start_sales_process", "working_days"]);

    let other = api.token(&api.app.loner).await;
    assert_eq!(api.get(&format!("/leads/{id}"), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.send(Method::PATCH, &format!("/leads/{id}"), Some(&other), Some(json!({"title": "x"}))).await.status,
        StatusCode::NOT_FOUND
    );
    let edited = api
        .send(Method::PATCH, &format!("/leads/{id}"), Some(&manager), Some(json!({"title": "ERP rollout, phase 1", "budget": null})))
        .await;
    assert_eq!((edited.status, edited.body["title"].as_str()), (StatusCode::OK, Some("ERP rollout, phase 1")));
    assert!(edited.body["budget"].is_null());
    let no_stage_edit = api.send(Method::PATCH, &format!("/leads/{id}"), Some(&manager), Some(json!({"stage": "converted"}))).await;
    assert_eq!(no_stage_edit.status, StatusCode::UNPROCESSABLE_ENTITY);
    let instances = api.get("/process-instances", &manager).await;
    assert_eq!(instances.body["items"].as_array().unwrap().len(), 1, "every instance the caller may see");
    assert!(api.get("/process-instances", &other).await.body["items"].as_array().unwrap().is_empty());
    let unknown = api.post(&format!("/leads/{id}/stage"), &manager, json!({"stage": "nowhere"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(handing_off_a_lead_over_http_starts_the_process_only_when_the_setting_says_so);
