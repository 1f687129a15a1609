//! Whole journeys over HTTP: the Enterprise sale from start to win, re-entry, the start paths.

use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn the_whole_enterprise_sale_runs_over_http_and_tells_the_supervisor(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale/start", &token, json!({"via": "side_panel"})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert_eq!(started.body["opportunity"]["title"], "Новая продажа");
    assert_eq!(started.body["instance"]["started_via"], "side_panel");
    assert!(started.body["hint"].as_str().unwrap().starts_with("Процесс запущен"));
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();

    let mut completions = 0;
    for stage in ["qualification", "presentation", "proposal", "contracting"] {
        let opportunity = api.get(&format!("/opportunities/{id}"), &token).await;
        assert_eq!(opportunity.body["stage"], stage);
        assert_eq!(opportunity.body["process"]["status"], "running");
        let open = api.get(&format!("/activities?opportunity_id={id}&status=not_started"), &token).await;
        let items = open.body["items"].as_array().unwrap().clone();
        assert!(!items.is_empty());
        for activity in items {
            assert_eq!(activity["stage"], stage);
            let done = api.post(&format!("/activities/{}/complete", activity["id"].as_str().unwrap()), &token, json!({})).await;
            assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
            assert_eq!(done.body["activity"]["status"], "completed");
            completions += 1;
        }
    }
    assert_eq!(completions, 9);
    let closed = api.get(&format!("/opportunities/{id}"), &token).await;
    assert_eq!(closed.body["stage"], "closed_won");
    assert!(closed.body["closed_at"].is_string());
    assert_eq!((closed.body["process"]["status"].as_str(), closed.body["process"]["outcome"].as_str()), (Some("completed"), Some("won")));
    let notices = api.app.notifications(&api.app.supervisor).await;
    assert!(notices.iter().any(|n| n.kind == "opportunity_won" && n.entity_id == id), "the supervisor is told");
    let history = api.get(&format!("/opportunities/{id}/history"), &token).await;
    let stages: Vec<_> = history.body["items"].as_array().unwrap().iter().map(|h| h["to_stage"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stages, ["qualification", "presentation", "proposal", "contracting", "closed_won"]);
    assert_eq!(history.body["next_cursor"], serde_json::Value::Null);

    let again = api.post(&format!("/opportunities/{id}/stage"), &token, json!({"stage": "proposal"})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "opportunity_closed"));
}

async fn reentering_a_stage_over_http_cancels_the_old_work_and_creates_new(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.teammate).await;
    let started = api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    assert_eq!(started.body["instance"]["started_via"], "api");
    assert_eq!(started.body["opportunity"]["title"], "New opportunity", "the teammate reads English");
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let version = started.body["opportunity"]["version"].as_i64().unwrap();
    let moved = api.post(&format!("/opportunities/{id}/stage"), &token, json!({"stage": "presentation", "version": version})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["version"], version + 1);
    let stale = api.post(&format!("/opportunities/{id}/stage"), &token, json!({"stage": "proposal", "version": version})).await;
    assert_eq!((stale.status, stale.code()), (StatusCode::CONFLICT, "version_conflict"));
    assert_eq!(stale.body["version"], version + 1);
    api.post(&format!("/opportunities/{id}/stage"), &token, json!({"stage": "qualification"})).await;
    let all = api.get(&format!("/activities?opportunity_id={id}"), &token).await;
    let mut rows: Vec<(String, i64, String)> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["step"].as_str().unwrap().to_owned(), a["stage_visit"].as_i64().unwrap(), a["status"].as_str().unwrap().to_owned()))
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("contact_customer".into(), 1, "cancelled".into()),
            ("contact_customer".into(), 2, "not_started".into()),
            ("prepare_presentation".into(), 1, "cancelled".into()),
            ("prepare_presentation".into(), 2, "not_started".into()),
            ("presentation".into(), 1, "cancelled".into()),
        ]
    );
    let titles: Vec<_> = all.body["items"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_owned()).collect();
    assert!(titles.contains(&"Prepare the presentation".to_owned()), "titles in the reader's language: {titles:?}");
}

async fn a_process_starts_on_an_existing_opportunity_at_its_stage(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let created = api.post("/opportunities", &token, json!({"title": "Склад в Казани", "stage": "proposal", "amount": 125000.5})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["amount"], "125000.50");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let started = api.post("/processes/enterprise-sale/start", &token, json!({"opportunity_id": id, "via": "opportunity_page"})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert_eq!(started.body["opportunity"]["stage"], "proposal");
    let open = api.get(&format!("/activities?opportunity_id={id}&status=not_started"), &token).await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), 3);
    let twice = api.post("/processes/enterprise-sale/start", &token, json!({"opportunity_id": id})).await;
    assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "process_already_running"));
    let found = api.get("/opportunities?q=казан", &token).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "Cyrillic search ignores letter case");
    let instances = api.get(&format!("/process-instances?opportunity_id={id}"), &token).await;
    let instance_id = instances.body["items"][0]["id"].as_str().unwrap().to_owned();
    let stopped = api.post(&format!("/process-instances/{instance_id}/cancel"), &token, json!({})).await;
    assert_eq!((stopped.status, stopped.body["status"].as_str()), (StatusCode::OK, Some("cancelled")));
}

async fn lists_page_with_cursors_and_respect_the_limit(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    for i in 0..5 {
        api.app.clock.advance(jiff::SignedDuration::from_secs(1));
        api.post("/opportunities", &token, json!({"title": format!("Deal {i}")})).await;
    }
    let first = api.get("/opportunities?limit=2", &token).await;
    let titles = |a: &crate::client::Answer| {
        a.body["items"].as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(titles(&first), ["Deal 4", "Deal 3"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = api.get(&format!("/opportunities?limit=2&cursor={cursor}"), &token).await;
    assert_eq!(titles(&second), ["Deal 2", "Deal 1"]);
    let last = api.get(&format!("/opportunities?limit=2&cursor={}", second.body["next_cursor"].as_str().unwrap()), &token).await;
    assert_eq!(titles(&last), ["Deal 0"]);
    assert!(last.body["next_cursor"].is_null());
    let clamped = api.get("/opportunities?limit=100000", &token).await;
    assert_eq!(clamped.body["items"].as_array().unwrap().len(), 5);
}

async fn the_command_line_starts_a_process_and_suggests_when_it_does_not_understand(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let started = api.post("/command", &token, json!({"text": "  запустить процесс «КОРПОРАТИВНАЯ продажа» "})).await;
    assert_eq!(started.status, StatusCode::OK, "{:?}", started.body);
    assert_eq!(started.body["action"], "process_started");
    assert_eq!(started.body["instance"]["started_via"], "command_line");
    assert_eq!(started.body["opportunity"]["stage"], "qualification");
    let english = api.post("/command", &token, json!({"text": "Run process Enterprise sale"})).await;
    assert_eq!(english.status, StatusCode::OK);

    let unknown = api.post("/command", &token, json!({"text": "Запустить процес"})).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_command"));
    assert_eq!(unknown.body["suggestions"][0], "Запустить процесс Корпоративная продажа");
    let suggested = api.get("/command/suggest?text=run%20pro", &token).await;
    assert_eq!(suggested.body["suggestions"], json!(["Run process Enterprise sale", "Run process Enterprise sale with checkpoints"]));
    let count: i64 = api.app.count("SELECT COUNT(*) FROM opportunities").await;
    assert_eq!(count, 2, "only the understood commands started anything");
}

on_both_backends!(
    the_whole_enterprise_sale_runs_over_http_and_tells_the_supervisor,
    reentering_a_stage_over_http_cancels_the_old_work_and_creates_new,
    a_process_starts_on_an_existing_opportunity_at_its_stage,
    lists_page_with_cursors_and_respect_the_limit,
    the_command_line_starts_a_process_and_suggests_when_it_does_not_understand,
);
