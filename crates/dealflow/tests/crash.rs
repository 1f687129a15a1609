//! Crashes under load: the server is killed with SIGKILL at random moments while 8 clients
//! start processes, then restarted; requests that got no answer are sent again with their
//! `Idempotency-Key`. Two more clients send no key, so their commands go through SQLite's group
//! commit alone (the keyed ones hold their batch until their answer is stored). Afterwards
//! every acknowledged write is there exactly once, nothing is duplicated, SQLite's integrity
//! check passes and every opportunity is whole — on SQLite and on PostgreSQL. The CI kills 20
//! times each; `DEALFLOW_CRASH_KILLS` sets how often.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

mod common;
use common::{PgSchema, Server};

const WRITERS: usize = 8;
const UNKEYED_WRITERS: usize = 2;

/// What became of one keyed start: the opportunity it answered with, or no answer yet.
type Outcomes = BTreeMap<String, Option<String>>;

/// One start, keyed or not; `None` when the server was gone before it answered.
async fn start(http: &reqwest::Client, base: &str, token: &str, key: Option<&str>) -> Option<String> {
    let mut request = http.post(format!("{base}/api/v1/processes/enterprise-sale/start")).bearer_auth(token).json(&json!({}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let sent = request.send().await.ok()?;
    let status = sent.status();
    let body: serde_json::Value = sent.json().await.ok()?;
    assert_eq!(status, 201, "{key:?}: {body}");
    Some(body["opportunity"]["id"].as_str().unwrap().to_owned())
}

/// Starts the server and answers how long it took to be ready.
async fn restart(http: &reqwest::Client, url: &str) -> (Server, Duration) {
    let began = Instant::now();
    let server = Server::start(url, "warn", None);
    loop {
        if http.get(format!("{}/readyz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
            return (server, began.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_and_retried_ones_happen_exactly_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_under_load(&format!("sqlite://{}", dir.path().join("dealflow.db").display())).await;
}

/// The same against the shared PostgreSQL server, in a schema of its own (the server process is
/// what crashes; the database keeps running, as in production).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_and_retried_ones_happen_exactly_once_on_postgres() {
    let Some(schema) = PgSchema::create("crash").await else { return };
    crash_under_load(&schema.url).await;
}

async fn crash_under_load(url: &str) {
    let kills: u64 = std::env::var("DEALFLOW_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let http = common::http().timeout(Duration::from_secs(30)).build().unwrap();
    let mut outcomes = Outcomes::new();
    // Starts sent without a key: the opportunities acknowledged, and how many got no answer.
    let (mut unkeyed, mut unkeyed_unanswered) = (Vec::new(), 0);
    let mut slowest_ready = Duration::ZERO;
    let mut resent = 0;
    let mut dice: u64 = 0x2545_F491_4F6C_DD1D;
    for cycle in 0..=kills {
        let (server, ready) = restart(&http, url).await;
        slowest_ready = slowest_ready.max(ready);
        let token = server.admin_token(&http).await;
        // First the requests the last crash left without an answer, with their keys.
        for (key, outcome) in outcomes.iter_mut().filter(|(_, o)| o.is_none()) {
            resent += 1;
            *outcome = start(&http, &server.base, &token, Some(key)).await;
            assert!(outcome.is_some(), "{key}: a retry after the restart got no answer");
        }
        if cycle == kills {
            server.kill();
            break;
        }
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..WRITERS {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            writers.spawn(async move {
                let mut mine = Vec::new();
                for n in 0.. {
                    let key = format!("c{cycle}-w{writer}-{n}");
                    let answer = start(&http, &base, &token, Some(&key)).await;
                    let gone = answer.is_none();
                    mine.push((key, answer));
                    if gone {
                        break;
                    }
                }
                mine
            });
        }
        let mut keyless = tokio::task::JoinSet::new();
        for _ in 0..UNKEYED_WRITERS {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            keyless.spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let answer = start(&http, &base, &token, None).await;
                    let gone = answer.is_none();
                    mine.push(answer);
                    if gone {
                        break mine;
                    }
                }
            });
        }
        dice ^= dice << 13;
        dice ^= dice >> 7;
        dice ^= dice << 17;
        tokio::time::sleep(Duration::from_millis(100 + dice % 500)).await;
        server.kill();
        for (key, answer) in writers.join_all().await.into_iter().flatten() {
            outcomes.insert(key, answer);
        }
        for answer in keyless.join_all().await.into_iter().flatten() {
            match answer {
                Some(id) => unkeyed.push(id),
                None => unkeyed_unanswered += 1,
            }
        }
    }

    let store = dealflow_store::Store::connect(url).await.unwrap();
    let mut db = store.raw().await.unwrap();
    if url.starts_with("sqlite:") {
        let verdict = db.sql().texts("PRAGMA integrity_check", &[]).await.unwrap();
        assert_eq!(verdict, ["ok"]);
    }
    let stored: Vec<String> = db.sql().texts("SELECT id FROM opportunities", &[]).await.unwrap();
    let stored: std::collections::BTreeSet<String> = stored.into_iter().collect();
    let keyed: std::collections::BTreeSet<&String> = outcomes.values().map(|o| o.as_ref().unwrap()).collect();
    assert_eq!(keyed.len(), outcomes.len(), "two keys never answer with one opportunity");
    let acknowledged: std::collections::BTreeSet<&String> = keyed.into_iter().chain(&unkeyed).collect();
    assert_eq!(acknowledged.len(), outcomes.len() + unkeyed.len(), "two starts never answer with one opportunity");
    let missing = acknowledged.iter().filter(|id| !stored.contains(id.as_str())).count();
    let extra = stored.len() - (acknowledged.len() - missing);
    // A start without a key that committed just before the kill has no answer, and is not sent again.
    assert_eq!(missing, 0, "every acknowledged start present");
    assert!(extra <= unkeyed_unanswered, "none twice, none unasked for: {extra} more than acknowledged, {unkeyed_unanswered} unanswered");
    // Each start is whole: one running instance, the two Qualification activities, one history entry.
    for (table, per_opportunity) in [("process_instances", 1), ("activities", 2), ("stage_history", 1)] {
        let n = db.sql().int(&format!("SELECT COUNT(*) FROM {table}"), &[]).await.unwrap().unwrap();
        assert_eq!(n, per_opportunity * stored.len() as i64, "{table}");
    }
    println!(
        "crash ({}): {kills} kills under {WRITERS} keyed and {UNKEYED_WRITERS} unkeyed writers: {} keyed starts acknowledged \
         ({resent} sent again after a crash) and {} unkeyed, {} present, 0 lost, 0 duplicated ({extra} of the {unkeyed_unanswered} \
         unkeyed starts left without an answer had committed); {}; slowest restart ready in {} ms",
        url.split(':').next().unwrap(),
        outcomes.len(),
        unkeyed.len(),
        stored.len(),
        if url.starts_with("sqlite:") { "integrity check ok" } else { "every row whole" },
        slowest_ready.as_millis()
    );
}
