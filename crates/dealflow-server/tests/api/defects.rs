//! Defects found while the web app and the API moved onto one service layer (issue 13), each
//! pinned by a test that failed before its fix. They go through HTTP only, as a client would.

use std::collections::{BTreeSet, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends!(
    a_keyed_post_with_the_scheme_written_in_lower_case_has_one_effect,
    a_body_that_is_not_json_is_malformed_even_when_a_type_mismatch_comes_first,
    a_manager_is_refused_administration_before_the_body_is_looked_at,
    the_schedule_pages_any_window_up_to_a_year,
);

async fn opportunities_titled(api: &Api, token: &str, title: &str) -> usize {
    let found = api.get(&format!("/opportunities?q={title}&limit=500"), token).await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    found.body["items"].as_array().unwrap().iter().filter(|o| o["title"] == title).count()
}

/// `Authorization: bearer …` authenticated the request but the idempotency layer read only
/// `Bearer …`, so a retried keyed POST created a second opportunity.
async fn a_keyed_post_with_the_scheme_written_in_lower_case_has_one_effect(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let http = reqwest::Client::new();
    let send = async |scheme: &str| {
        let response = http
            .post(format!("{}/opportunities", api.base))
            .header("authorization", format!("{scheme} {token}"))
            .header("idempotency-key", "lower-case-scheme")
            .json(&json!({"title": "Keyed retry"}))
            .send()
            .await
            .unwrap();
        let replayed = response.headers().contains_key("idempotent-replay");
        (response.status(), replayed, response.json::<Value>().await.unwrap())
    };
    let first = send("bearer").await;
    let second = send("bearer").await;
    let third = send("BEARER").await;
    assert_eq!((first.0, first.1), (StatusCode::CREATED, false), "{:?}", first.2);
    assert_eq!((second.0, second.1), (StatusCode::CREATED, true), "the retry is a replay: {:?}", second.2);
    assert_eq!((third.0, third.1), (StatusCode::CREATED, true), "any spelling of the scheme: {:?}", third.2);
    assert_eq!(first.2["id"], second.2["id"]);
    assert_eq!(opportunities_titled(&api, &token, "Keyed retry").await, 1, "three sends, one opportunity");
}

/// serde reported the first problem it met, so `[1, 2` (a list where an object belongs, then
/// the end of the text) answered 422 as if the body were JSON of the wrong shape.
async fn a_body_that_is_not_json_is_malformed_even_when_a_type_mismatch_comes_first(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    for body in ["[1, 2", "{\"title\": 5,", "{\"title\": [", "5 5", "{\"title\": \"Broken\"} trailing"] {
        let answer = api.raw(Method::POST, "/opportunities", &token, "application/json", body.as_bytes().to_vec()).await;
        assert_eq!(
            (answer.status, answer.code(), answer.content_type.as_str()),
            (StatusCode::BAD_REQUEST, "malformed_request", "application/problem+json"),
            "{body}: {:?}",
            answer.body
        );
    }
    // Well-formed JSON of the wrong shape is a field problem, with the field named.
    let wrong_type = api.raw(Method::POST, "/opportunities", &token, "application/json", b"{\"title\": 5}".to_vec()).await;
    assert_eq!((wrong_type.status, wrong_type.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    assert_eq!(wrong_type.body["errors"][0]["field"], "title", "{:?}", wrong_type.body);
    let list = api.raw(Method::POST, "/opportunities", &token, "application/json", b"[1, 2]".to_vec()).await;
    assert_eq!((list.status, list.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{:?}", list.body);
    let listed = api.get("/opportunities?limit=500", &token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0, "nothing was created");
}

/// The administrators' endpoints validated the body first, so a manager sending an incomplete
/// body learned what a valid one looks like (422) instead of being refused (403).
async fn a_manager_is_refused_administration_before_the_body_is_looked_at(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let admin_user = api.app.admin().await;
    let admin = api.token(&admin_user).await;
    let requests: [(Method, &str, Value); 7] = [
        (Method::POST, "/opportunity-stages", json!({})),
        (Method::POST, "/opportunity-stages", json!({"code": "Not A Code", "max_probability": 500})),
        (Method::PATCH, "/opportunity-stages/qualification", json!({"max_probability": "many"})),
        (Method::PATCH, "/opportunity-stages/qualification", json!({"unknown": true})),
        (Method::PUT, "/settings/currency", json!({})),
        (Method::POST, "/users", json!({})),
        (Method::PATCH, &format!("/users/{}", admin_user.id), json!({"role": "emperor"})),
    ];
    for (method, path, body) in &requests {
        let answer = api.send(method.clone(), path, Some(&manager), Some(body.clone())).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "a manager's {method} {path} {body}: {:?}",
            answer.body
        );
        let as_admin = api.send(method.clone(), path, Some(&admin), Some(body.clone())).await;
        assert_eq!(
            (as_admin.status, as_admin.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "an administrator's {method} {path} {body}: {:?}",
            as_admin.body
        );
    }
    let publish = api.raw(Method::PUT, "/processes/enterprise-sale", &manager, "application/yaml", b"not: [a process".to_vec()).await;
    assert_eq!((publish.status, publish.code()), (StatusCode::FORBIDDEN, "forbidden"), "{:?}", publish.body);
}

/// `/schedule` refused windows over 93 days; it now answers any window up to 366 days, paged.
async fn the_schedule_pages_any_window_up_to_a_year(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    // One task every ten days from tomorrow for 120 days, created out of order.
    let mut expected = Vec::new();
    for day in [110, 1, 50, 11, 21, 31, 41, 61, 71, 81, 91, 101] {
        let due = api.app.clock.now() + jiff::SignedDuration::from_hours(24 * day);
        let created =
            api.post("/activities", &token, json!({"type": "task", "title": format!("Day {day}"), "due_at": due.to_string()})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        expected.push((day, format!("Day {day}")));
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, title)| title).collect();

    let mut titles = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = api.get(&format!("/schedule?from=2026-11-28&to=2027-03-28&limit=5{after}"), &token).await;
        assert_eq!(page.status, StatusCode::OK, "a 120-day window: {:?}", page.body);
        pages += 1;
        titles.extend(page.body["items"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the pages end");
    }
    assert_eq!(titles, expected, "every activity once, soonest first, over {pages} pages");
    assert_eq!(pages, 3);

    let year = api.get("/schedule?from=2026-01-01&to=2027-01-01", &token).await;
    assert_eq!(year.status, StatusCode::OK, "366 days is allowed: {:?}", year.body);
    let too_long = api.get("/schedule?from=2026-11-28&to=2027-11-30", &token).await;
    assert_eq!((too_long.status, too_long.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    assert_eq!(too_long.body["errors"][0]["field"], "to");
    assert_eq!(too_long.body["errors"][0]["code"], "window_too_long", "{:?}", too_long.body);
}

/// The served document was not valid OpenAPI 3.1: responses without a description, query
/// parameters declared `in: path`, operation ids repeated. The validator and the client
/// generator run in the test command (scripts/openapi-client); this pins the same rules here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_keeps_the_rules_integrators_tools_enforce() {
    let api = Api::start(TestApp::sqlite().await).await;
    let document = api.send(Method::GET, "/openapi.json", None, None).await.body;
    let mut operation_ids = HashSet::new();
    let mut undescribed = BTreeSet::new();
    let mut misplaced = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an operationId"));
            assert!(operation_ids.insert(id.to_owned()), "operationId {id} is used once");
            for (status, response) in operation["responses"].as_object().unwrap() {
                if response["description"].as_str().is_none_or(str::is_empty) {
                    undescribed.insert(format!("{method} {path} {status}"));
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let (name, place) = (parameter["name"].as_str().unwrap(), parameter["in"].as_str().unwrap());
                let in_template = path.contains(&format!("{{{name}}}"));
                if (place == "path") != in_template {
                    misplaced.insert(format!("{method} {path}: {name} in {place}"));
                }
            }
        }
    }
    assert!(undescribed.is_empty(), "responses without a description: {undescribed:?}");
    assert!(misplaced.is_empty(), "parameters declared in the wrong place: {misplaced:?}");
    let problem = &document["paths"]["/opportunities"]["post"]["responses"]["422"]["content"];
    assert!(problem.get("application/problem+json").is_some(), "problems are declared as problem+json: {problem}");
}
