//! Backing up and restoring an SQLite database. A backup is a consistent copy taken while the
//! server keeps writing (`VACUUM INTO` reads one snapshot); a restore checks the copy before it
//! puts it in place. PostgreSQL has its own tools: `pg_dump` and `pg_restore`.

use std::path::{Path, PathBuf};

use crate::{Pools, Result, Store, StoreError};

/// The file an `sqlite://PATH` URL names.
pub fn sqlite_path(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::Config("backup and restore work on SQLite files; for PostgreSQL use pg_dump and pg_restore".into()))?;
    let path = rest.split_once('?').map(|(path, _)| path).unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") {
        return Err(StoreError::Config(format!("\"{url}\" is not a database file")));
    }
    Ok(PathBuf::from(path))
}

impl Store {
    /// Writes a consistent copy of the database to `target`, which must not exist yet.
    pub async fn backup_to(&self, target: &Path) -> Result<()> {
        let Pools::Sqlite { readers, .. } = &self.pools else {
            return Err(StoreError::Config("back up PostgreSQL with pg_dump (see the README)".into()));
        };
        if target.exists() {
            return Err(StoreError::Config(format!("{} already exists; choose a new file", target.display())));
        }
        let text = target.to_str().ok_or_else(|| StoreError::Config("the backup path is not UTF-8".into()))?;
        let conn = readers.acquire().await?;
        let text = text.to_owned();
        // Copying the whole file takes a while: on a blocking thread.
        tokio::task::spawn_blocking(move || conn.connection().execute("VACUUM INTO ?1", [text]).map(drop))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        Ok(())
    }
}

/// Checks that `backup` is an intact dealflow database and copies it to the file `url` names,
/// which must not exist yet (restoring never overwrites data). Migrate afterwards.
pub async fn restore_sqlite(backup: &Path, url: &str) -> Result<PathBuf> {
    let target = sqlite_path(url)?;
    if target.exists() {
        return Err(StoreError::Config(format!("{} already exists; restore into a new file or move it away first", target.display())));
    }
    if !backup.is_file() {
        return Err(StoreError::Config(format!("{} is not a file", backup.display())));
    }
    let check = rusqlite::Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!("{} fails the integrity check: {verdict}", backup.display())));
    }
    let tables: i64 = check.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('opportunities', '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    drop(check);
    if tables != 2 {
        return Err(StoreError::Config(format!("{} is not a dealflow database", backup.display())));
    }
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", folder.display())))?;
    }
    std::fs::copy(backup, &target).map_err(|e| StoreError::Config(format!("cannot write {}: {e}", target.display())))?;
    Ok(target)
}
