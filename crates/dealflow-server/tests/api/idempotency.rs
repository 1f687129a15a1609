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
    api.app.count("SELECT COUNT(*) FROM process_instances").await
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

/// Sends one keyed POST; answers its status, whether it was a replay, and its body.
async fn send_keyed(http: &reqwest::Client, url: &str, token: &str, key: &str, body: &serde_json::Value) -> (u16, bool, serde_json::Value) {
    let response = http.post(url).bearer_auth(token).header("Idempotency-Key", key).json(body).send().await.unwrap();
    let replayed = response.headers().contains_key("idempotent-replay");
    (response.status().as_u16(), replayed, response.json().await.unwrap())
}

async fn rows(api: &Api, sql: &str) -> i64 {
    api.app.count(sql).await
}

/// Retries as a flaky network makes them: every write sent three times, half of them one after
/// another and half all at once. `DEALFLOW_RETRY_WRITES` sets how many (2,000 by default).
async fn keyed_writes_sent_three_times_each_have_exactly_one_effect_and_one_answer(app: TestApp) {
    let writes: usize = std::env::var("DEALFLOW_RETRY_WRITES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let base = api.base.clone();
    let (activities_before, opportunities_before) =
        (rows(&api, "SELECT COUNT(*) FROM activities").await, rows(&api, "SELECT COUNT(*) FROM opportunities").await);
    let began = std::time::Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    const WORKERS: usize = 8;
    for worker in 0..WORKERS {
        let (http, base, token) = (reqwest::Client::new(), base.clone(), token.clone());
        workers.spawn(async move {
            let mut mismatches = Vec::new();
            for n in (worker..writes).step_by(WORKERS) {
                let key = format!("retry-{n}");
                // Alternate a manual activity and a new opportunity, so two kinds of write are retried.
                let (url, body) = if n % 2 == 0 {
                    (format!("{base}/activities"), json!({"type": "task", "title": format!("Задача {n}")}))
                } else {
                    (format!("{base}/opportunities"), json!({"title": format!("Продажа {n}")}))
                };
                let answers = if n % 4 < 2 {
                    let mut answers = Vec::new();
                    for _ in 0..3 {
                        answers.push(send_keyed(&http, &url, &token, &key, &body).await);
                    }
                    answers
                } else {
                    let (a, b, c) = tokio::join!(
                        send_keyed(&http, &url, &token, &key, &body),
                        send_keyed(&http, &url, &token, &key, &body),
                        send_keyed(&http, &url, &token, &key, &body)
                    );
                    vec![a, b, c]
                };
                let firsts = answers.iter().filter(|(_, replayed, _)| !replayed).count();
                if firsts != 1 || answers.iter().any(|(status, _, body)| *status != 201 || *body != answers[0].2) {
                    mismatches.push((n, answers));
                }
            }
            mismatches
        });
    }
    let mismatches: Vec<_> = workers.join_all().await.into_iter().flatten().collect();
    assert!(mismatches.is_empty(), "retries that did not answer alike or ran twice: {:?}", &mismatches[..mismatches.len().min(3)]);
    let activities = rows(&api, "SELECT COUNT(*) FROM activities").await - activities_before;
    let opportunities = rows(&api, "SELECT COUNT(*) FROM opportunities").await - opportunities_before;
    assert_eq!((activities, opportunities), (writes.div_ceil(2) as i64, (writes / 2) as i64), "exactly one effect per key");

    // Another user replaying a key gets their own effect, never the first user's answer.
    let teammate = api.token(&api.app.teammate).await;
    let http = reqwest::Client::new();
    let body = json!({"type": "task", "title": "Задача 0"});
    let mine = send_keyed(&http, &format!("{base}/activities"), &token, "retry-0", &body).await;
    let theirs = send_keyed(&http, &format!("{base}/activities"), &teammate, "retry-0", &body).await;
    assert_eq!((mine.1, theirs.0, theirs.1), (true, 201, false));
    assert_ne!(theirs.2["id"], mine.2["id"]);
    assert_eq!(theirs.2["owner_id"].as_str(), Some(api.app.teammate.id.as_str()));
    let in_sequence = (0..writes).filter(|n| n % 4 < 2).count();
    println!(
        "retries: {writes} keyed writes x 3 sends ({in_sequence} in sequence, {} at once): {activities} activities + {opportunities} opportunities created, 0 duplicated, {:.1} s",
        writes - in_sequence,
        began.elapsed().as_secs_f64()
    );
}

async fn post_keyed(api: &Api, path: &str, token: &str, key: &str, body: &serde_json::Value) -> (StatusCode, bool, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", api.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = response.headers().contains_key("idempotent-replay");
    (response.status(), replayed, response.json().await.unwrap())
}

/// No credential is kept in the table of answers: signing in is not keyed (each send signs in
/// afresh), a webhook's secret is shown once and its replay comes without it, and answers are
/// forgotten after a day.
async fn keyed_answers_keep_no_secrets_and_are_forgotten_after_a_day(app: TestApp) {
    let api = Api::start(app).await;
    let admin = api.app.admin().await;
    let token = api.token(&admin).await;
    let sign_in = json!({"email": "admin@test.local", "password": "admin-password"});
    let first = post_keyed(&api, "/auth/token", &token, "sign-in", &sign_in).await;
    let second = post_keyed(&api, "/auth/token", &token, "sign-in", &sign_in).await;
    assert_eq!((first.0, second.0, second.1), (StatusCode::CREATED, StatusCode::CREATED, false));
    assert_ne!(first.2["token"], second.2["token"], "a new token each time, none replayed from storage");

    let secret = "a-signing-secret-of-some-length";
    let endpoint = json!({"url": "https://example.test/hook", "secret": secret, "event_types": ["opportunity.created"]});
    let created = post_keyed(&api, "/webhooks", &token, "hook", &endpoint).await;
    let replayed = post_keyed(&api, "/webhooks", &token, "hook", &endpoint).await;
    assert_eq!((created.0, created.2["secret"].as_str()), (StatusCode::CREATED, Some(secret)), "shown once, on creation");
    assert_eq!((replayed.0, replayed.1, &replayed.2["id"]), (StatusCode::CREATED, true, &created.2["id"]), "the same endpoint");
    assert!(replayed.2["secret"].is_null(), "the replay comes without the secret: {}", replayed.2);
    for credential in [first.2["token"].as_str().unwrap(), second.2["token"].as_str().unwrap(), secret] {
        let sql = "SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE '%' || $1 || '%'";
        let kept = api.app.store.raw().await.unwrap().sql().int(sql, &[credential.into()]).await.unwrap();
        assert_eq!(kept, Some(0), "{credential} is not in the stored answers");
    }

    api.app.clock.advance(jiff::SignedDuration::from_hours(25));
    assert_eq!(api.app.services.sweep_keyed_answers().await.unwrap(), 1, "the webhook's answer, a day old");
    let afresh = post_keyed(&api, "/webhooks", &token, "hook", &endpoint).await;
    assert_eq!((afresh.0, afresh.1), (StatusCode::CREATED, false), "the key is free again");
    assert_ne!(afresh.2["id"], created.2["id"]);
}

on_both_backends!(
    a_keyed_request_sent_again_has_one_effect_and_the_same_answer,
    keyed_writes_sent_three_times_each_have_exactly_one_effect_and_one_answer,
    keyed_answers_keep_no_secrets_and_are_forgotten_after_a_day,
);
