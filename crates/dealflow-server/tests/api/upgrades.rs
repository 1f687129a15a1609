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

/// A database the last landed release wrote (`dealflow demo --opportunities 12` by commit
/// 2efe465, whose migrations sqlx ran; gzipped): the native store reads sqlx's bookkeeping, finds
/// every migration applied with the same checksums, and the current code works on the data.
#[tokio::test]
async fn a_database_made_by_the_last_release_opens_migrates_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dealflow.db");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/release-2efe465.db.gz");
    let unpacked = std::process::Command::new("gzip").args(["-dc", fixture]).output().expect("gzip runs");
    assert!(unpacked.status.success());
    std::fs::write(&file, unpacked.stdout).unwrap();
    let url = format!("sqlite://{}", file.display());

    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.expect("the release's bookkeeping is read as ours");
    let mut raw = store.raw().await.unwrap();
    let applied = raw.sql().int("SELECT COUNT(*) FROM _sqlx_migrations WHERE success", &[]).await.unwrap();
    assert_eq!(applied, Some(store.migration_versions().len() as i64));
    assert_eq!(raw.sql().int("SELECT COUNT(*) FROM opportunities", &[]).await.unwrap(), Some(12));
    let open = "SELECT o.id FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage \
                WHERE s.is_final = 0 AND o.stage <> 'qualification' ORDER BY o.id LIMIT 1";
    let id = raw.sql().texts(open, &[]).await.unwrap().remove(0);
    drop(raw);

    let deal = store.read().await.unwrap().opportunities().get(&id).await.unwrap();
    let owner = store.read().await.unwrap().users().get(&deal.owner_id).await.unwrap();
    let services = Services::new(store.clone(), Clock::System);
    let owner = services.actor(owner).await.unwrap();
    let moved = services.change_stage(&owner, &id, "qualification", Some(deal.version)).await.unwrap();
    assert_eq!((moved.stage.as_str(), moved.version), ("qualification", deal.version + 1));

    // A migration changed after it was applied is refused.
    store.raw().await.unwrap().sql().execute("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1", &[]).await.unwrap();
    let refused = store.migrate().await.unwrap_err().to_string();
    assert!(refused.contains("migration 1 was changed"), "{refused}");
    store.close().await;
}
