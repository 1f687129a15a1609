//! Many people clicking at once, over real HTTP: stage changes sent with the same `version` let
//! exactly one win each round; unversioned stage changes, completions and starts racing for a
//! while keep every invariant of SPEC §3 and never answer 5xx. The CI runs short versions;
//! `DEALFLOW_RACE_ROUNDS` and `DEALFLOW_RACE_SECONDS` make them longer.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

const CLIENTS: usize = 16;
const OPEN_STAGES: [&str; 4] = ["qualification", "presentation", "proposal", "contracting"];

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (StatusCode, Value) {
    let response = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn one_client_wins_each_round_of_stage_changes_sent_with_the_same_version(app: TestApp) {
    let rounds = setting("DEALFLOW_RACE_ROUNDS", 200);
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let id = api.app.start_new(&api.app.manager).await.opportunity.id;
    let http = reqwest::Client::new();
    let began = Instant::now();
    for round in 0..rounds {
        let current = api.get(&format!("/opportunities/{id}"), &token).await;
        let version = current.body["version"].as_i64().unwrap();
        let at = OPEN_STAGES.iter().position(|s| current.body["stage"] == *s).unwrap();
        let target = OPEN_STAGES[(at + 1 + round as usize % 3) % OPEN_STAGES.len()];
        let mut racers = JoinSet::new();
        for _ in 0..CLIENTS {
            let (http, url, token) = (http.clone(), format!("{}/opportunities/{id}/stage", api.base), token.clone());
            racers.spawn(async move { post(&http, url, &token, json!({"stage": target, "version": version})).await });
        }
        let answers = racers.join_all().await;
        let won = answers.iter().filter(|(status, _)| *status == StatusCode::OK).count();
        let refused = answers
            .iter()
            .filter(|(status, body)| {
                *status == StatusCode::CONFLICT && body["code"] == "version_conflict" && body["version"] == version + 1
            })
            .count();
        assert_eq!((won, refused), (1, CLIENTS - 1), "round {round}: {answers:?}");
    }
    api.app.assert_invariants(&id).await;
    let history = api.app.history(&id).await.len() as u64;
    assert_eq!(history, rounds + 1, "one stage change per round, no more");
    println!(
        "versioned race: {rounds} rounds x {CLIENTS} clients: {rounds} won, {} refused with 409, {:.1} s",
        rounds * (CLIENTS as u64 - 1),
        began.elapsed().as_secs_f64()
    );
}

/// A small deterministic generator, so a failing race can be replayed by its seed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }
}

async fn racing_stage_changes_completions_and_starts_keep_every_invariant_and_never_fail(app: TestApp) {
    let seconds = setting("DEALFLOW_RACE_SECONDS", 3);
    let api = Api::start(app).await;
    let token = api.token(&api.app.supervisor).await;
    let mut opportunities = Vec::new();
    for owner in [&api.app.manager, &api.app.teammate, &api.app.manager] {
        opportunities.push(api.app.start_new(owner).await.opportunity.id);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut racers = JoinSet::new();
    for client in 0..CLIENTS {
        let (http, base, token, opportunities) = (reqwest::Client::new(), api.base.clone(), token.clone(), opportunities.clone());
        racers.spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (client as u64 + 1));
            let mut tally: BTreeMap<u16, u64> = BTreeMap::new();
            while Instant::now() < deadline {
                let id = &opportunities[dice.roll(opportunities.len())];
                let (status, _) = match dice.roll(4) {
                    0 | 1 => {
                        let stage = OPEN_STAGES[dice.roll(OPEN_STAGES.len())];
                        post(&http, format!("{base}/opportunities/{id}/stage"), &token, json!({"stage": stage})).await
                    }
                    2 => {
                        let url = format!("{base}/activities?opportunity_id={id}&status=not_started");
                        let open: Value = http.get(url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
                        match open["items"].as_array().filter(|items| !items.is_empty()) {
                            Some(items) => {
                                let activity = items[dice.roll(items.len())]["id"].as_str().unwrap().to_owned();
                                post(&http, format!("{base}/activities/{activity}/complete"), &token, json!({"result": "done"})).await
                            }
                            None => (StatusCode::OK, Value::Null),
                        }
                    }
                    _ => post(&http, format!("{base}/processes/enterprise-sale/start"), &token, json!({"opportunity_id": id})).await,
                };
                *tally.entry(status.as_u16()).or_default() += 1;
            }
            tally
        });
    }
    let mut tally: BTreeMap<u16, u64> = BTreeMap::new();
    for answers in racers.join_all().await {
        for (status, n) in answers {
            *tally.entry(status).or_default() += n;
        }
    }
    assert!(tally.keys().all(|status| *status < 500), "a race answered 5xx: {tally:?}");
    for id in &opportunities {
        api.app.assert_invariants(id).await;
    }
    let requests: u64 = tally.values().sum();
    println!(
        "unversioned race: {CLIENTS} clients for {seconds} s on {} opportunities: {requests} commands, answers {tally:?}",
        opportunities.len()
    );
}

on_both_backends!(
    one_client_wins_each_round_of_stage_changes_sent_with_the_same_version,
    racing_stage_changes_completions_and_starts_keep_every_invariant_and_never_fail,
);
