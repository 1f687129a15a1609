//! Applying the SQLite migrations on rusqlite, bookkept in the `_sqlx_migrations` table exactly
//! as sqlx's migrator keeps it, so that a database made by an earlier release (migrated by sqlx)
//! upgrades in place and either tool reads the other's bookkeeping. PostgreSQL keeps sqlx's own
//! migrator.

use std::sync::LazyLock;
use std::time::Instant;

use rusqlite::{Connection, params};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Result, StoreError};

mod files {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

pub(crate) static SQLITE: LazyLock<Migrator> = LazyLock::new(|| migrator(files::SQLITE));
pub(crate) static POSTGRES: LazyLock<Migrator> = LazyLock::new(|| migrator(files::POSTGRES));

/// The migrations as sqlx's `migrate!` would read them from their files: `0001_first_step.sql`
/// is version 1, "first step", and its checksum is that of its text.
fn migrator(files: &'static [(&'static str, &'static str)]) -> Migrator {
    let migrations = files
        .iter()
        .map(|(name, sql)| {
            let (version, rest) = name.split_once('_').expect("migration files are named VERSION_DESCRIPTION.sql");
            let description = rest.trim_end_matches(".sql").replace('_', " ");
            let version = version.parse().expect("a migration's version is a number");
            Migration::new(version, description.into(), MigrationType::Simple, sql.into_sql_str(), sql.starts_with("-- no-transaction"))
        })
        .collect();
    Migrator::with_migrations(migrations)
}

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)";

fn failed(message: String) -> StoreError {
    StoreError::Migration(message)
}

/// Applies `migrator`'s migrations up to and including `up_to` that `conn`'s database lacks,
/// each in a transaction of its own with its bookkeeping row.
pub(crate) fn sqlite(conn: &Connection, migrator: &Migrator, up_to: i64) -> Result<()> {
    conn.execute_batch(BOOKKEEPING).map_err(|e| failed(e.to_string()))?;
    let applied: Vec<(i64, bool, Vec<u8>)> = conn
        .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
        .map_err(|e| failed(e.to_string()))?;
    if let Some((version, ..)) = applied.iter().find(|(_, success, _)| !success) {
        return Err(failed(format!("migration {version} was left partly applied; restore a backup")));
    }
    for migration in migrator.iter().filter(|m| !m.migration_type.is_down_migration()) {
        if let Some((_, _, checksum)) = applied.iter().find(|(v, ..)| *v == migration.version) {
            if checksum.as_slice() != &*migration.checksum {
                return Err(failed(format!("migration {} was changed after it was applied", migration.version)));
            }
            continue;
        }
        if migration.version > up_to {
            break;
        }
        let started = Instant::now();
        let apply = |conn: &Connection| -> rusqlite::Result<()> {
            conn.execute_batch(migration.sql.as_str())?;
            conn.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?1, ?2, TRUE, ?3, ?4)",
                params![
                    migration.version,
                    migration.description.as_ref(),
                    migration.checksum.as_ref(),
                    i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
                ],
            )?;
            Ok(())
        };
        let outcome = if migration.no_tx {
            apply(conn)
        } else {
            conn.execute_batch("BEGIN IMMEDIATE")
                .and_then(|()| apply(conn))
                .and_then(|()| conn.execute_batch("COMMIT"))
                .inspect_err(|_| drop(conn.execute_batch("ROLLBACK")))
        };
        outcome.map_err(|e| failed(format!("{} {}: {e}", migration.version, migration.description)))?;
    }
    Ok(())
}
