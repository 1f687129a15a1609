//! `dealflow demo --opportunities N`: the generated pipeline holds together as the engine would
//! have left it (history ending at the current stage, open tasks only on running processes at
//! their current stage, closed deals with a close time), covers every state, is the same for the
//! same N, refuses a database that has a pipeline already, and is served by the app.

use serde_json::Value;

mod common;
use common::{PgSchema, Server, dealflow};

const N: &str = "400";

/// Counts that must be zero for the data to be whole, each with what it would mean.
const BROKEN: &[(&str, &str)] = &[
    (
        "an opportunity without its creation entry",
        "SELECT COUNT(*) FROM opportunities o WHERE NOT EXISTS
             (SELECT 1 FROM stage_history h WHERE h.opportunity_id = o.id AND h.seq = 1 AND h.from_stage IS NULL)",
    ),
    (
        "a history that does not end at the opportunity's stage",
        "SELECT COUNT(*) FROM opportunities o WHERE NOT EXISTS
             (SELECT 1 FROM stage_history h WHERE h.opportunity_id = o.id AND h.seq = o.version AND h.to_stage = o.stage)",
    ),
    (
        "a final stage without a close time, or a close time on an open deal",
        "SELECT COUNT(*) FROM opportunities WHERE (CASE WHEN stage IN ('closed_won', 'closed_lost') THEN 1 ELSE 0 END)
             <> (CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END)",
    ),
    (
        "an open task outside its running process's current stage",
        "SELECT COUNT(*) FROM activities a JOIN process_instances i ON i.id = a.process_instance_id
             JOIN opportunities o ON o.id = a.opportunity_id
         WHERE a.status IN ('not_started', 'in_progress') AND (i.status <> 'running' OR a.stage <> o.stage)",
    ),
    (
        "a running process with nothing left to do",
        "SELECT COUNT(*) FROM process_instances i WHERE i.status = 'running' AND NOT EXISTS
             (SELECT 1 FROM activities a WHERE a.process_instance_id = i.id AND a.status IN ('not_started', 'in_progress'))",
    ),
    (
        "a won deal whose process did not end won",
        "SELECT COUNT(*) FROM opportunities o JOIN process_instances i ON i.opportunity_id = o.id
         WHERE o.stage = 'closed_won' AND (i.status <> 'completed' OR i.outcome <> 'won')",
    ),
    (
        "a deal whose next activity is not its soonest open one",
        "SELECT COUNT(*) FROM opportunities o WHERE COALESCE(o.next_activity_at, -1) <> COALESCE((SELECT MIN(COALESCE(a.start_at, a.due_at))
             FROM activities a WHERE a.opportunity_id = o.id AND a.status IN ('not_started', 'in_progress')), -1)",
    ),
    (
        "a deal whose stage was entered at another time than its last history entry's",
        "SELECT COUNT(*) FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id AND h.seq = o.version
         WHERE o.stage_entered_at IS NULL OR o.stage_entered_at <> h.at",
    ),
    (
        "a stage in a deal's history missing from its reached stages",
        "SELECT COUNT(*) FROM stage_history h JOIN opportunities o ON o.id = h.opportunity_id
         WHERE o.reached_stages NOT LIKE '%,' || h.to_stage || ',%'",
    ),
    (
        "a contact that does not keep its account's name",
        "SELECT COUNT(*) FROM contacts x JOIN accounts a ON a.id = x.account_id WHERE x.account_name_lower IS NULL OR x.account_name_lower <> a.name_lower",
    ),
];

async fn check(url: &str) -> Vec<String> {
    let (code, output) = dealflow(&["demo", "--opportunities", N, "--database-url", url]);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains(&format!("Generated {N} opportunities")), "{output}");
    let store = dealflow_store::Store::connect(url).await.unwrap();
    let count = |sql: &'static str| {
        let store = store.clone();
        async move { store.raw().await.unwrap().sql().int(sql, &[]).await.unwrap().unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM opportunities").await, 400);
    for (what, sql) in BROKEN {
        assert_eq!(count(sql).await, 0, "{what}");
    }
    // Every state a pipeline has.
    assert_eq!(count("SELECT COUNT(DISTINCT status) FROM activities").await, 4, "tasks in every status");
    assert_eq!(count("SELECT COUNT(DISTINCT stage) FROM opportunities").await, 6, "deals on every stage");
    assert_eq!(count("SELECT COUNT(DISTINCT status) FROM process_instances").await, 3, "running, completed and stopped processes");
    assert!(
        count("SELECT COUNT(*) FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM process_instances i WHERE i.opportunity_id = o.id)")
            .await
            > 0
    );
    assert!(count("SELECT COUNT(*) FROM opportunities WHERE close_reason IS NOT NULL").await > 0, "lost deals with a reason");
    assert!(count("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL").await > 0);

    analytics_add_up(url).await;
    search_finds_everything(url).await;
    if url.starts_with("sqlite:") {
        // The load sets the indexes and triggers aside: all of them are back, each table's in the
        // order they were made (the planner's choice between equal indexes depends on it).
        let dir = tempfile::tempdir().unwrap();
        let fresh = dealflow_store::Store::connect(&format!("sqlite://{}", dir.path().join("fresh.db").display())).await.unwrap();
        fresh.migrate().await.unwrap();
        let schema = "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY tbl_name, type, rowid";
        let expected = fresh.raw().await.unwrap().sql().texts(schema, &[]).await.unwrap();
        assert!(expected.len() > 60, "{expected:?}");
        assert_eq!(store.raw().await.unwrap().sql().texts(schema, &[]).await.unwrap(), expected);
    }

    // Twice into one database is refused.
    let (again, message) = dealflow(&["demo", "--opportunities", "10", "--database-url", url]);
    assert_ne!(again, 0);
    assert!(message.contains("already has opportunities"), "{message}");
    let sql = "SELECT title || '|' || CAST(amount AS TEXT) || '|' || stage FROM opportunities ORDER BY title, amount, stage";
    store.raw().await.unwrap().sql().texts(sql, &[]).await.unwrap()
}

/// The header's search finds every generated deal, task, account and contact that holds the
/// words: as many as the rows themselves hold.
async fn search_finds_everything(url: &str) {
    use dealflow_store::SearchWords;
    let store = dealflow_store::Store::connect(url).await.unwrap();
    let mut raw = store.raw().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let manager = raw.sql().texts("SELECT id FROM users WHERE email = 'manager1@generated.local'", &[]).await.unwrap();
    let count = |sql: &'static str, word: &str| {
        let (store, word) = (store.clone(), word.to_owned());
        async move { store.raw().await.unwrap().sql().int(sql, &[word.into()]).await.unwrap().unwrap() as usize }
    };
    let mine = Some(&manager[..]);
    let deals = conn.search().opportunities(&SearchWords::new("интеграция"), mine, 100_000).await.unwrap();
    let expected = count(
        "SELECT COUNT(*) FROM opportunities o JOIN users u ON u.id = o.owner_id
         WHERE u.email = 'manager1@generated.local' AND o.search_text LIKE '%' || $1 || '%'",
        "интеграция",
    );
    assert_eq!(deals.len(), expected.await);
    assert!(!deals.is_empty());
    let task = raw.sql().texts("SELECT title_en FROM activities ORDER BY id LIMIT 1", &[]).await.unwrap().remove(0);
    let word = task.split_whitespace().find(|w| w.chars().count() >= 4).unwrap().to_lowercase();
    let tasks = conn.search().activities(&SearchWords::new(&word), mine, 100_000).await.unwrap();
    let expected = count(
        "SELECT COUNT(*) FROM activities a JOIN users u ON u.id = a.owner_id
         WHERE u.email = 'manager1@generated.local' AND lower(a.title_en) LIKE '%' || $1 || '%'",
        &word,
    );
    assert_eq!(tasks.len(), expected.await, "{word}");
    assert!(!tasks.is_empty());
    let accounts = conn.search().accounts(&SearchWords::new("№17"), 1_000).await.unwrap();
    assert_eq!(accounts.len(), count("SELECT COUNT(*) FROM accounts WHERE name LIKE '%' || $1 || '%'", "№17").await);
    let contacts = conn.search().contacts(&SearchWords::new("contact3@"), 1_000).await.unwrap();
    assert_eq!(contacts.len(), count("SELECT COUNT(*) FROM contacts WHERE email LIKE '%' || $1 || '%'", "contact3@").await);
    assert!(!accounts.is_empty() && !contacts.is_empty());
}

/// The analytics the database adds up are the ones the rows themselves make: for the company, a
/// team and one manager, over all time and over a window.
async fn analytics_add_up(url: &str) {
    use dealflow_core::analytics;
    let store = dealflow_store::Store::connect(url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let mut raw = store.raw().await.unwrap();
    let stages = conn.stages().catalog().await.unwrap();
    let supervisor = raw.sql().texts("SELECT id FROM users WHERE role = 'supervisor' ORDER BY email LIMIT 1", &[]).await.unwrap().remove(0);
    let team = conn.users().team_of(&supervisor).await.unwrap();
    // A few deals change hands: the time they spent on stages goes with them.
    raw.sql()
        .execute(
            "UPDATE opportunities SET owner_id = $1 WHERE id IN (SELECT id FROM opportunities WHERE owner_id = $2 ORDER BY id LIMIT 7)",
            &[team[1].as_str().into(), team[0].as_str().into()],
        )
        .await
        .unwrap();
    let now = dealflow_server::clock::Clock::System.now();
    let days = |n: i64| now - jiff::SignedDuration::from_hours(24 * n);
    // Hours are added in another order by the database: equal to the microhour.
    let rounded = |mut s: analytics::Summary| {
        s.won.hours_spent = (s.won.hours_spent * 1e6).round();
        s.lost.hours_spent = (s.lost.hours_spent * 1e6).round();
        s
    };
    let mut checked = 0;
    for scope in [None, Some(&team[..])] {
        for owner in [None, Some(team[0].as_str())] {
            for (from, to) in [(None, None), (Some(days(300)), Some(days(30)))] {
                let window = (from.map(|t| t.as_millisecond()), to.map(|t| t.as_millisecond()));
                let totals = conn.opportunities().analytics_totals(scope, owner, window, now.as_millisecond()).await.unwrap();
                let (facts, history) = conn.opportunities().analytics_facts(scope, owner).await.unwrap();
                let expected = analytics::summarize(&stages, &facts, &history, from, to, now);
                assert!(expected.won.count > 0 && expected.lost.count > 0 && expected.open.count > 0, "{expected:?}");
                assert!(expected.conversion[0].reached > 0 && !expected.avg_days_in_stage.is_empty(), "{expected:?}");
                assert_eq!(rounded(analytics::summary(&stages, &totals)), rounded(expected), "{scope:?} {owner:?} {from:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8);

    // The board's totals, kept by triggers, are what the rows add up to — after the owners
    // changed above and a few deals moved on and were re-valued.
    raw.sql()
        .execute(
            "UPDATE opportunities SET stage = 'proposal', amount = 12345 WHERE id IN (SELECT id FROM opportunities ORDER BY id LIMIT 5)",
            &[],
        )
        .await
        .unwrap();
    for scope in [None, Some(&team[..]), Some(&team[..1])] {
        let mut kept = conn.opportunities().totals_by_stage(scope).await.unwrap();
        let all = raw
            .sql()
            .texts("SELECT owner_id || '|' || stage || '|' || COALESCE(CAST(COALESCE(actual_revenue, amount) AS TEXT), '0') FROM opportunities", &[])
            .await
            .unwrap();
        let mut sums: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for row in all {
            let [owner, stage, amount]: [&str; 3] = row.splitn(3, '|').collect::<Vec<_>>().try_into().unwrap();
            if scope.is_some_and(|owners| !owners.iter().any(|o| o == owner)) {
                continue;
            }
            let sum = sums.entry(stage.to_owned()).or_default();
            *sum = (sum.0 + 1, sum.1 + amount.parse::<i64>().unwrap());
        }
        let mut rows: Vec<(String, i64, i64)> = sums.into_iter().map(|(stage, (n, amount))| (stage, n, amount)).collect();
        kept.sort();
        rows.sort();
        assert_eq!(kept, rows, "{scope:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_pipeline_is_whole_covers_every_state_and_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let first = format!("sqlite://{}", dir.path().join("one/dealflow.db").display());
    let second = format!("sqlite://{}", dir.path().join("two/dealflow.db").display());
    let deals = check(&first).await;
    assert_eq!(check(&second).await, deals, "the same N gives the same pipeline");

    // The app serves it to the generated team.
    let server = Server::start(&first, "warn", None);
    let http = common::http().build().unwrap();
    let signed: Value = http
        .post(format!("{}/api/v1/auth/token", server.base))
        .json(&serde_json::json!({"email": "supervisor1@generated.local", "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed["token"].as_str().expect("the generated supervisor signs in");
    let summary: Value =
        http.get(format!("{}/api/v1/analytics/summary", server.base)).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert!(summary["won"]["count"].as_u64().unwrap() > 0 && summary["lost"]["count"].as_u64().unwrap() > 0, "{summary}");
    let list: Value =
        http.get(format!("{}/api/v1/opportunities?limit=5", server.base)).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_pipeline_is_whole_on_postgres_too() {
    let Some(schema) = PgSchema::create("generate").await else { return };
    check(&schema.url).await;
}
