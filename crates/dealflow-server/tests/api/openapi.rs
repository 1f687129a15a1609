//! The OpenAPI document describes every route the API serves.

use reqwest::StatusCode;

use crate::client::Api;
use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_public_and_lists_every_route() {
    let api = Api::start(TestApp::sqlite().await).await;
    let answer = api.send(reqwest::Method::GET, "/openapi.json", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = answer.body["paths"].as_object().unwrap();
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |method| (method.to_uppercase(), path.clone())))
        .collect();
    // Every route the router serves, read from the source of truth the router is built from.
    let (_, document) = dealflow_server::api::routes();
    let served: std::collections::BTreeSet<(String, String)> = document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            methods.into_iter().filter(|(_, present)| *present).map(move |(m, _)| (m.to_owned(), path.clone()))
        })
        .collect();
    assert_eq!(documented, served);
    for expected in [
        ("POST", "/auth/token"),
        ("GET", "/opportunities"),
        ("POST", "/opportunities/{id}/stage"),
        ("POST", "/activities/{id}/complete"),
        ("POST", "/processes/{code}/start"),
        ("POST", "/process-instances/{id}/cancel"),
    ] {
        assert!(documented.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} is documented");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} documents its answers");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_and_commands_by_type_for_administrators() {
    let api = Api::start(TestApp::sqlite().await).await;
    let manager = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale/start", &manager, serde_json::json!({})).await;
    api.get(&format!("/opportunities/{}", started.body["opportunity"]["id"].as_str().unwrap()), &manager).await;
    let url = api.base.replace("/api/v1", "/metrics");
    let anonymous = reqwest::get(&url).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let as_manager = reqwest::Client::new().get(&url).bearer_auth(&manager).send().await.unwrap();
    assert_eq!(as_manager.status(), StatusCode::FORBIDDEN);
    let admin = api.app.admin().await;
    let text = reqwest::Client::new().get(&url).bearer_auth(api.token(&admin).await).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("dealflow_http_requests_total{method=\"GET\",route=\"/api/v1/opportunities/{id}\",status=\"200\"} 1"), "{text}");
    assert!(
        text.contains("dealflow_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/processes/{code}/start\"} 1"),
        "{text}"
    );
    assert!(text.contains("dealflow_commands_total{command=\"start_process\"} 1"), "{text}");

    // Invented methods (answered 405, unsigned) share one label: the series stay as many.
    let http = reqwest::Client::new();
    for n in 0..200 {
        let invented = reqwest::Method::from_bytes(format!("X{n}{}", "A".repeat(200)).as_bytes()).unwrap();
        http.request(invented, format!("{}/opportunities", api.base)).send().await.unwrap();
    }
    let after = http.get(&url).bearer_auth(api.token(&admin).await).send().await.unwrap().text().await.unwrap();
    assert!(!after.contains("AAAA"), "no invented method is a label");
    assert!(after.lines().count() < text.lines().count() + 40, "{} lines before, {} after", text.lines().count(), after.lines().count());
    assert!(after.contains("method=\"other\",route=\"/api/v1/opportunities\""), "{after}");
}
