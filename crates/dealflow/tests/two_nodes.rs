//! Two `dealflow serve` processes on one PostgreSQL database, as a team outgrowing one machine
//! runs them: a notification made through node A reaches a stream open on node B at once
//! (LISTEN/NOTIFY), a token or web session from one node works on the other, and stage changes racing across
//! both nodes still let exactly one win each round.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;

mod common;
use common::{ADMIN_PASSWORD, PgSchema, Server};

/// Signs in through the web form of `base`; answers the session cookie.
async fn web_session(base: &str) -> String {
    let http = common::http().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = http.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = form.text().await.unwrap();
    let token = page.split("name=\"token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", "admin@localhost"), ("password", ADMIN_PASSWORD), ("token", token.as_str())])
        .finish();
    let signed = http
        .post(format!("{base}/login"))
        .header("cookie", login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    signed.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_on_one_postgresql_share_notifications_tokens_and_locks() {
    let Some(schema) = PgSchema::create("two_nodes").await else { return };
    let a = Server::start(&schema.url, "warn", None);
    let b = Server::start(&schema.url, "warn", None);
    let http = common::http().build().unwrap();
    let token = a.admin_token(&http).await;
    let me = http.get(format!("{}/api/v1/me", b.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200, "a token signed in on node A works on node B");
    let session = web_session(&a.base).await;
    let page = http.get(format!("{}/opportunities", b.base)).header("cookie", &session).send().await.unwrap();
    assert_eq!(page.status(), 200, "a web session started on node A works on node B");

    // A manager listens on node B while the administrator starts a process on their deal on
    // node A (nobody is told of their own action).
    let user = json!({"email": "listener@test.local", "name": "Listener", "role": "manager", "password": "listener-password"});
    let made = http.post(format!("{}/api/v1/users", a.base)).bearer_auth(&token).json(&user).send().await.unwrap();
    assert_eq!(made.status(), 201);
    let manager_id = made.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let signed = http
        .post(format!("{}/api/v1/auth/token", b.base))
        .json(&json!({"email": "listener@test.local", "password": "listener-password"}))
        .send()
        .await
        .unwrap();
    let manager_token = signed.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let deal = json!({"title": "Listened to", "owner_id": manager_id});
    let deal = http.post(format!("{}/api/v1/opportunities", a.base)).bearer_auth(&token).json(&deal).send().await.unwrap();
    let deal_id = deal.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let mut stream = http.get(format!("{}/api/v1/notifications/stream", b.base)).bearer_auth(&manager_token).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let created = http
        .post(format!("{}/api/v1/processes/enterprise-sale/start", a.base))
        .bearer_auth(&token)
        .json(&json!({"opportunity_id": deal_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let mut received = String::new();
    while !received.contains("event: notification") {
        let chunk = tokio::time::timeout(Duration::from_secs(1), stream.chunk())
            .await
            .expect("node A's notification reaches node B within a second");
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    let latency = started.elapsed();
    assert!(received.contains("activity_assigned"), "{received}");

    // Stage changes with one version, half of the clients on each node: one wins each round.
    let id = created["opportunity"]["id"].as_str().unwrap().to_owned();
    let stages = ["presentation", "proposal", "contracting", "qualification"];
    let rounds = 50;
    for round in 0..rounds {
        let current = http.get(format!("{}/api/v1/opportunities/{id}", a.base)).bearer_auth(&token).send().await.unwrap();
        let version = current.json::<serde_json::Value>().await.unwrap()["version"].as_i64().unwrap();
        let mut racers = JoinSet::new();
        for client in 0..16 {
            let node = if client % 2 == 0 { a.base.clone() } else { b.base.clone() };
            let (http, token, id, stage) = (http.clone(), token.clone(), id.clone(), stages[round % stages.len()]);
            racers.spawn(async move {
                let sent = http.post(format!("{node}/api/v1/opportunities/{id}/stage")).bearer_auth(&token);
                sent.json(&json!({"stage": stage, "version": version})).send().await.unwrap().status().as_u16()
            });
        }
        let answers = racers.join_all().await;
        let won = answers.iter().filter(|s| **s == 200).count();
        let refused = answers.iter().filter(|s| **s == 409).count();
        assert_eq!((won, refused), (1, 15), "round {round}: {answers:?}");
    }
    let history = http.get(format!("{}/api/v1/opportunities/{id}/history", b.base)).bearer_auth(&token).send().await.unwrap();
    let entries = history.json::<serde_json::Value>().await.unwrap()["items"].as_array().unwrap().len();
    assert_eq!(entries, rounds + 1, "one stage change per round, on whichever node");
    drop((a, b));
    println!(
        "two nodes: notification from node A on node B's stream after {} ms; {rounds} rounds x 16 clients across both nodes, one winner each",
        latency.as_millis()
    );
}
