//! `dealflow backup` under a write load and `dealflow restore` into a new folder: every write
//! acknowledged before the backup began is in the restored database, which passes SQLite's
//! integrity check; a restore never overwrites a database and refuses a file that is not one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

mod common;
use common::{Server, dealflow};

const WRITERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_write_load_restores_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let live = format!("sqlite://{}", dir.path().join("live/dealflow.db").display());
    let server = Server::start(&live, "warn", None);
    let http = common::http().build().unwrap();
    let token = server.admin_token(&http).await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (http, url, token, stop) = (http.clone(), format!("{}/api/v1/opportunities", server.base), token.clone(), stop.clone());
        writers.spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let response = http.post(&url).bearer_auth(&token).json(&json!({"title": format!("w{writer}-{n}")})).send().await.unwrap();
                assert_eq!(response.status(), 201);
                let id = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
                acknowledged.push((Instant::now(), id));
            }
            acknowledged
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let backup = dir.path().join("backups/monday.db");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    let began = Instant::now();
    let (code, output) = tokio::task::spawn_blocking({
        let (live, backup) = (live.clone(), backup.display().to_string());
        move || dealflow(&["backup", "--database-url", &live, &backup])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{output}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let acknowledged: Vec<(Instant, String)> = writers.join_all().await.into_iter().flatten().collect();
    let before: Vec<&String> = acknowledged.iter().filter(|(at, _)| *at < began).map(|(_, id)| id).collect();
    drop(server);

    let restored_url = format!("sqlite://{}", dir.path().join("restored/dealflow.db").display());
    let (code, output) = dealflow(&["restore", "--database-url", &restored_url, &backup.display().to_string()]);
    assert_eq!(code, 0, "{output}");
    // Read as any SQLite client would.
    let restored = rusqlite::Connection::open(dir.path().join("restored/dealflow.db")).unwrap();
    let verdict: String = restored.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
    let present: Vec<String> =
        restored.prepare("SELECT id FROM opportunities").unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let present: std::collections::HashSet<String> = present.into_iter().collect();
    let missing = before.iter().filter(|id| !present.contains(id.as_str())).count();
    assert_eq!(missing, 0, "acknowledged writes missing from the backup");
    println!(
        "backup under load: {WRITERS} writers, {} writes acknowledged ({} before the backup began), {} of those restored, 0 missing",
        acknowledged.len(),
        before.len(),
        before.len() - missing
    );

    // Restoring never overwrites, and refuses a file that is not a dealflow database.
    let (code, output) = dealflow(&["restore", "--database-url", &restored_url, &backup.display().to_string()]);
    assert_eq!(code, 1);
    assert!(output.contains("already exists"), "{output}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let elsewhere = format!("sqlite://{}", dir.path().join("other/dealflow.db").display());
    let (code, output) = dealflow(&["restore", "--database-url", &elsewhere, &junk.display().to_string()]);
    assert_eq!(code, 1, "{output}");
    assert!(!dir.path().join("other/dealflow.db").exists(), "nothing is written for a refused restore");
    let (code, output) = dealflow(&["backup", "--database-url", &live, &backup.display().to_string()]);
    assert_eq!(code, 1);
    assert!(output.contains("already exists"), "a backup never overwrites either: {output}");
}
