//! dealflow's storage: one portable schema served on SQLite (default) and PostgreSQL through
//! sqlx's Any driver, behind a narrow interface of domain operations.
//!
//! The interface: a [`Store`] hands out a [`Reader`] (a pooled connection for reads) or a
//! [`WriteTx`] (one command's writes, committed or rolled back as a whole). Both give the same
//! handles, one per aggregate — `opportunities()`, `activities()`, `processes()`, … — whose
//! methods take and answer the domain records of `dealflow_core::records`. A handle borrowed
//! from a `Reader` only reads (`Read`); one from a `WriteTx` also writes (`Write`). No sqlx type
//! is part of the interface, so another implementation can take this one's place without its
//! callers changing.
#![forbid(unsafe_code)]

mod activities;
pub mod backup;
mod calendars;
mod customers;
mod effects;
mod error;
mod imports;
mod leads;
mod lookups;
mod notes;
mod notifications;
mod opportunities;
mod order;
mod processes;
#[cfg(feature = "raw")]
pub mod raw;
mod search;
mod sql;
mod tokens;
mod users;
mod wakeups;
mod watchdog;
mod webhooks;
mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use activities::{Activities, ActivityFilter};
pub use calendars::{CalendarFeedRecord, Calendars};
pub use customers::{Accounts, Contacts, Orders};
pub use error::StoreError;
pub use imports::{ImportMatch, ImportProblemRecord, ImportRecord, Imports, NewDeal};
pub use leads::Leads;
pub use lookups::{Articles, LeadStages, LostReasons, Settings, Stages, WonReasons};
pub use notes::Notes;
pub use notifications::Notifications;
pub use opportunities::{CommandContext, Opportunities, OpportunityFilter};
pub use order::{AccountSort, ContactSort, LeadSort, OpportunitySort, SortColumn, Sorted};
pub use processes::Processes;
pub use search::{SHORTEST_WORD, Search, SearchWords};
pub use sql::{After, OwnerScope};
pub use tokens::{StoredAnswer, Tokens};
pub use users::Users;
pub use wakeups::{NOTIFICATION_CHANNEL, Wakeups};
pub use watchdog::{OwnerWatch, StaleDeal, Watchdog};
pub use webhooks::{AttemptEnd, AttemptOutcome, DeliveryRecord, OutboxEvent, WebhookEndpointRecord, Webhooks};
pub use write::WriteTx;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle borrowed from a [`Reader`]: it reads.
pub struct Read;
/// A handle borrowed from a [`WriteTx`]: it reads and writes within the transaction.
pub struct Write;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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

/// A pooled connection for reads outside a transaction.
pub struct Reader(sqlx::pool::PoolConnection<sqlx::Any>);

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
                AnyPoolOptions::new()
                    .max_connections(16)
                    // Kept open so that a team's search finds a second one idle (`try_read`).
                    .min_connections(2)
                    .acquire_timeout(Duration::from_secs(10))
                    // Statements stay prepared; a generic plan would not know that a search word is
                    // common or rare, or whose deals are few, and the searches and lists depend on it.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Store { pool, backend, url, group: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
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
    pub async fn read(&self) -> Result<Reader> {
        Ok(Reader(self.pool.acquire().await?))
    }

    /// A second connection for a read that can go faster in two halves, only if one is idle now:
    /// a request that waited for it while holding another could starve the pool.
    pub fn try_read(&self) -> Option<Reader> {
        self.pool.try_acquire().map(Reader)
    }

    /// For `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Declares an aggregate's handle: a borrowed connection that reads (`Read`) or, borrowed from a
/// write transaction, also writes (`Write`).
macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<'c, A = crate::Read> {
            c: &'c mut sqlx::AnyConnection,
            _access: std::marker::PhantomData<A>,
        }

        impl<'c, A> $name<'c, A> {
            pub(crate) fn on(c: &'c mut sqlx::AnyConnection) -> Self {
                $name { c, _access: std::marker::PhantomData }
            }
        }
    };
}
pub(crate) use handle;

/// The aggregates' handles, on a reader and on a write transaction alike.
macro_rules! aggregates {
    ($($(#[$doc:meta])* $method:ident: $handle:ident),* $(,)?) => {
        impl Reader {
            $($(#[$doc])* pub fn $method(&mut self) -> $handle<'_, Read> { $handle::on(&mut self.0) })*
        }
        impl WriteTx {
            $($(#[$doc])* pub fn $method(&mut self) -> $handle<'_, Write> { $handle::on(self.connection()) })*
        }
    };
}

aggregates! {
    /// Users, their roles, supervisors and teams.
    users: Users,
    /// API tokens and web sessions, failed sign-ins, remembered answers to keyed requests.
    tokens: Tokens,
    accounts: Accounts,
    contacts: Contacts,
    /// Orders made from won opportunities.
    orders: Orders,
    /// Opportunities, their stage history and their totals.
    opportunities: Opportunities,
    activities: Activities,
    /// The process library (definitions by version) and process instances.
    processes: Processes,
    leads: Leads,
    /// The opportunity stages lookup.
    stages: Stages,
    lead_stages: LeadStages,
    lost_reasons: LostReasons,
    won_reasons: WonReasons,
    /// Notes on opportunities, accounts and contacts.
    notes: Notes,
    /// System settings.
    settings: Settings,
    /// The knowledge base.
    articles: Articles,
    notifications: Notifications,
    /// The header's search over every kind of record.
    search: Search,
    /// The next-step watchdog's reads and marks, and the daily runs.
    watchdog: Watchdog,
    /// Users' secret calendar addresses.
    calendars: Calendars,
    /// Webhook endpoints, the outbox of events and their deliveries.
    webhooks: Webhooks,
    /// CSV imports, their problems and their batches' writes.
    imports: Imports,
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
