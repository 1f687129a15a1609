//! Two server nodes on one PostgreSQL database, as a team outgrowing one machine runs them: a
//! notification made through node A reaches a stream open on node B at once (LISTEN/NOTIFY), a
//! token works on either node, and stage changes racing across both still let one win a round.

use std::time::{Duration, Instant};

use dealflow_server::{Clock, Services};
use dealflow_store::Store;
use reqwest::StatusCode;
use serde_json::json;
use tokio::task::JoinSet;

use crate::client::Api;
use crate::support::TestApp;

/// Starts another node on the same database; answers its API address.
async fn second_node(url: &str, clock: Clock) -> String {
    let services = Services::new(Store::connect(url).await.unwrap(), clock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { dealflow_server::http::launch(listener, services, std::future::pending()).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgresql_share_notifications_tokens_and_locks() {
    let Some(app) = TestApp::postgres().await else {
        eprintln!("DEALFLOW_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let url = app.url.clone();
    let a = Api::start(app).await;
    let b = second_node(&url, a.app.clock.clone()).await;
    let http = reqwest::Client::new();
    let token = a.token(&a.app.manager).await;
    let me = http.get(format!("{b}/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "a token made on one node works on the other");

    let mut stream = http.get(format!("{b}/notifications/stream")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let created = a.post("/processes/enterprise-sale/start", &token, json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mut received = String::new();
    while !received.contains("event: notification") {
        let chunk = tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await.expect("the event reaches node B within a second");
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    let latency = started.elapsed();
    assert!(received.contains("activity_assigned"), "{received}");

    // Stage changes with one version, half of the clients on each node: one wins each round.
    let id = created.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let stages = ["presentation", "proposal", "contracting", "qualification"];
    let rounds = 50;
    for round in 0..rounds {
        let version = a.get(&format!("/opportunities/{id}"), &token).await.body["version"].as_i64().unwrap();
        let mut racers = JoinSet::new();
        for client in 0..16 {
            let node = if client % 2 == 0 { a.base.clone() } else { b.clone() };
            let (http, token, id) = (http.clone(), token.clone(), id.clone());
            let stage = stages[round % stages.len()];
            racers.spawn(async move {
                let sent = http.post(format!("{node}/opportunities/{id}/stage")).bearer_auth(&token);
                sent.json(&json!({"stage": stage, "version": version})).send().await.unwrap().status()
            });
        }
        let answers = racers.join_all().await;
        let won = answers.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = answers.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((won, refused), (1, 15), "round {round}: {answers:?}");
    }
    a.app.assert_invariants(&id).await;
    println!(
        "two nodes: notification from node A on node B's stream after {} ms; {rounds} rounds x 16 clients across both nodes, one winner each",
        latency.as_millis()
    );
}
