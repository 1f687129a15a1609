//! dealflow's storage: one portable schema served on SQLite (default) and PostgreSQL through
//! sqlx's Any driver. Queries take `&mut AnyConnection`, so the same function runs inside a
//! write transaction or on a pooled connection for reading.
#![forbid(unsafe_code)]

pub mod backup;
mod error;
pub mod queries;
pub mod records;
mod wakeups;
mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};

pub use error::StoreError;
pub use sqlx::AnyConnection as Connection;
pub use wakeups::{NOTIFICATION_CHANNEL, Wakeups};
pub use write::WriteTx;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled connection for reads.
pub type ReadConn = sqlx::pool::PoolConnection<sqlx::Any>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Kept for PostgreSQL, whose LISTEN needs a connection of its own.
    url: String,
    /// SQLite's commands share transactions (group commit).
    group: std::sync::Arc<write::Group>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `sqlite://PATH` (creating the file and its folder) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!("unsupported database URL (use sqlite://PATH or postgres://…): {}", redact(url))));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_folder(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(StoreError::from)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?
            }
        };
        Ok(Store { pool, backend, url, group: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Applies the migrations up to and including `version` only (upgrade tests build an older
    /// schema with it).
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        self.migrator().run_to(version, &self.pool).await.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// The versions of this backend's migrations, oldest first.
    pub fn migration_versions(&self) -> Vec<i64> {
        self.migrator().iter().map(|m| m.version).collect()
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// One command's writes. On SQLite a savepoint in the shared write transaction (`BEGIN
    /// IMMEDIATE`, so that read-then-write never fails with SQLITE_BUSY halfway), committed with
    /// the commands that arrive meanwhile (see `write`); on PostgreSQL a transaction of its own,
    /// and the commands lock the opportunity row they work on.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        match self.backend {
            Backend::Sqlite => self.group.begin(&self.pool).await,
            Backend::Postgres => Ok(WriteTx::own(self.pool.begin().await?)),
        }
    }

    /// A pooled connection for reads outside a transaction.
    pub async fn read(&self) -> Result<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    /// For `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.read().await?;
        conn.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// PostgreSQL takes `SELECT … FOR UPDATE`; SQLite has no row locks and needs none, because its
/// write transactions already hold the database lock.
pub(crate) fn for_update(conn: &AnyConnection) -> &'static str {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") { "" } else { " FOR UPDATE" }
}

fn sqlite_url_creating_folder(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") {
        return Ok(url.to_owned());
    }
    if let Some(folder) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", folder.display())))?;
    }
    let query = if query.is_empty() {
        "mode=rwc".to_owned()
    } else if query.contains("mode=") {
        query.to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// A database URL fit for logs: the password, if any, is masked.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
