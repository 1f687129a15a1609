//! Upgrades: a database built by an older set of migrations, with a team's data in it, migrates
//! to the current schema in place, and the current code reads and changes that data. Migrations
//! only move forward: versions strictly increase and migrating again changes nothing.

use dealflow_server::{Clock, Services};
use dealflow_store::Store;

/// Data as the schema of this migration version holds it.
const FIXTURE_VERSION: i64 = 1;
const FIXTURE: &str = include_str!("fixtures/data_0001.sql");

async fn an_older_database_with_data_migrates_in_place_and_keeps_working(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let versions = store.migration_versions();
    assert!(versions.windows(2).all(|pair| pair[0] < pair[1]), "versions only grow: {versions:?}");
    assert!(versions.len() >= 2 && versions[0] == FIXTURE_VERSION, "an upgrade to test: {versions:?}");
    store.migrate_to(FIXTURE_VERSION).await.unwrap();
    let applied =
        || async { store.raw().await.unwrap().sql().int("SELECT MAX(version) FROM _sqlx_migrations", &[]).await.unwrap().unwrap_or(0) };
    assert_eq!(applied().await, FIXTURE_VERSION, "the older schema, not the current one");
    store.raw().await.unwrap().sql().script(FIXTURE).await.unwrap();

    store.migrate().await.unwrap();
    assert_eq!(applied().await, *versions.last().unwrap());
    store.migrate().await.expect("migrating an up-to-date database changes nothing");
    let mut conn = store.read().await.unwrap();
    let seller = conn.users().get("u-seller").await.unwrap();
    assert_eq!((seller.name.as_str(), seller.supervisor_id.as_deref()), ("Алексей", Some("u-boss")));
    let deal = conn.opportunities().get("o-1").await.unwrap();
    assert_eq!((deal.stage.as_str(), deal.version, deal.competitors[0].name.as_str()), ("presentation", 3, "Альфа"));
    assert_eq!(conn.opportunities().history("o-1").await.unwrap().len(), 2);
    assert_eq!(conn.activities().of_opportunity("o-1").await.unwrap()[0].title.en, "Call");
    assert_eq!(conn.notifications().of_user("u-seller").await.unwrap().len(), 1);
    assert_eq!(conn.stages().catalog().await.unwrap().all().len(), 3);
    drop(conn);

    // The current services work on the upgraded data: a stage change with the stored version.
    let services = Services::new(store.clone(), Clock::System);
    let seller = services.actor(seller).await.unwrap();
    let moved = services.change_stage(&seller, "o-1", "qualification", Some(3)).await.unwrap();
    assert_eq!((moved.stage.as_str(), moved.version), ("qualification", 4));
    let history = store.read().await.unwrap().opportunities().history("o-1").await.unwrap();
    assert_eq!(history.last().map(|h| (h.seq, h.to_stage.as_str())), Some((3, "qualification")));
    store.close().await;
}

#[tokio::test]
async fn an_older_sqlite_database_with_data_migrates_in_place_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    an_older_database_with_data_migrates_in_place_and_keeps_working(&format!("sqlite://{}", dir.path().join("old.db").display())).await;
}

#[tokio::test]
async fn an_older_postgresql_database_with_data_migrates_in_place_and_keeps_working() {
    let Ok(base) = std::env::var("DEALFLOW_TEST_POSTGRES_URL") else {
        eprintln!("DEALFLOW_TEST_POSTGRES_URL is not set: the PostgreSQL upgrade test is skipped");
        return;
    };
    let schema = format!("upgrade_{}", std::process::id());
    let admin = Store::connect(&base).await.unwrap();
    admin.raw().await.unwrap().sql().script(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    an_older_database_with_data_migrates_in_place_and_keeps_working(&format!("{base}{separator}options=-c%20search_path%3D{schema}")).await;
    admin.raw().await.unwrap().sql().script(&format!("DROP SCHEMA {schema} CASCADE")).await.unwrap();
    admin.close().await;
}
