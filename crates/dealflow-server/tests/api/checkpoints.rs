//! Exit criteria over HTTP: the refusal names every unmet criterion in the caller's language,
//! and only a supervisor's or administrator's reason moves the deal on past them.

use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn a_stage_change_short_of_its_criteria_answers_422_with_each_one_and_a_supervisor_may_override(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale-guided/start", &manager, json!({"via": "side_panel"})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();

    let refused = api.post(&format!("/opportunities/{id}/stage"), &manager, json!({"stage": "presentation"})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNPROCESSABLE_ENTITY, "exit_criteria_unmet"));
    let unmet = refused.body["unmet"].as_array().unwrap();
    let codes: Vec<&str> = unmet.iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["filled.amount", "filled.decision_maker", "filled.need"]);
    assert_eq!(unmet[0]["message"], "Укажите сумму", "the manager reads Russian");
    assert!(refused.body["detail"].as_str().unwrap().contains("Укажите лицо, принимающее решение"));

    let english = api.token(&api.app.teammate).await;
    let (path, body) =
        (format!("/opportunities/{id}/stage"), json!({"stage": "presentation", "override_reason": "The customer is in a hurry"}));
    let teammate = api.post(&path, &english, body.clone()).await;
    assert_eq!((teammate.status, teammate.code()), (StatusCode::FORBIDDEN, "forbidden"), "a manager may not override");
    let supervisor = api.token(&api.app.supervisor).await;
    let in_english = api.send(reqwest::Method::POST, &path, Some(&supervisor), Some(json!({"stage": "proposal"}))).await;
    assert_eq!(in_english.body["unmet"][3]["message"], "Pick a presentation from the knowledge base");
    let moved = api.post(&path, &supervisor, body).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["stage"], "presentation");
    let history = api.get(&format!("/opportunities/{id}/history"), &manager).await;
    let last = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["override_reason"], "The customer is in a hurry");
    assert_eq!(last["by_user_id"], api.app.supervisor.id.as_str());
}

async fn a_preview_answers_what_the_change_would_do_and_writes_nothing(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale-guided/start", &manager, json!({"via": "side_panel"})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let before = api.get(&format!("/opportunities/{id}"), &manager).await.body;
    let supervisor = api.token(&api.app.supervisor).await;
    let path = format!("/opportunities/{id}/stage/preview");
    let preview = api.post(&path, &supervisor, json!({"stage": "presentation", "version": before["version"]})).await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    let body = &preview.body;
    let cancelled: Vec<&str> = body["cancelled"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap()).collect();
    assert_eq!(cancelled.len(), 2);
    assert!(cancelled.contains(&"contact_customer") && cancelled.contains(&"prepare_presentation"));
    assert_eq!(body["created"][0]["step"], "presentation");
    assert_eq!(body["created"][0]["stage_visit"], 1);
    assert_eq!(body["created"][0]["title"], "Presentation", "the supervisor reads English");
    assert_eq!(body["unmet"].as_array().unwrap().len(), 3);
    assert_eq!(body["stages"], json!(["presentation"]));
    // The new task is announced to the manager, who did not make the move.
    assert_eq!(body["notifications"][0]["user_id"], api.app.manager.id.as_str());
    assert_eq!(body["notifications"][0]["kind"], "activity_assigned");
    assert_eq!(api.get(&format!("/opportunities/{id}"), &manager).await.body, before, "nothing written");

    let stale = api.post(&path, &supervisor, json!({"stage": "presentation", "version": 0})).await;
    assert_eq!((stale.status, stale.code()), (StatusCode::CONFLICT, "version_conflict"));
    let unknown = api.post(&path, &supervisor, json!({"stage": "nowhere"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(
    a_stage_change_short_of_its_criteria_answers_422_with_each_one_and_a_supervisor_may_override,
    a_preview_answers_what_the_change_would_do_and_writes_nothing,
);
