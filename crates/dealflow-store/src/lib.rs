//! dealflow's storage: one portable schema served on SQLite (default, through rusqlite) and
//! PostgreSQL (through sqlx's PostgreSQL driver), behind a narrow interface of domain operations.
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
mod db;
mod effects;
mod error;
mod imports;
mod leads;
mod lite;
mod lookups;
mod migrate;
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
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor};

use db::Conn;
use lite::{Location, ReadPool};

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

#[derive(Clone)]
pub struct Store {
    pools: Pools,
    /// Kept for PostgreSQL, whose LISTEN needs a connection of its own.
    url: String,
}

/// Each backend's connections.
#[derive(Clone)]
enum Pools {
    /// Reads on a pool of connections; writes on the one writer, commands sharing commits.
    Sqlite {
        readers: Arc<ReadPool>,
        writer: Arc<write::Group>,
        location: Location,
    },
    Postgres(PgPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).finish_non_exhaustive()
    }
}

/// A pooled connection for reads outside a transaction.
pub struct Reader(Conn);

impl Store {
    /// Connects to `sqlite://PATH` (creating the file and its folder) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        let pools = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // Kept open so that a team's search finds a second one idle (`try_read`).
                .min_connections(2)
                .acquire_timeout(Duration::from_secs(10))
                // A generic plan would not know that a search word is common or rare, or whose
                // deals are few, and the searches and lists depend on it.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?;
            Pools::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let location = Location::parse(url)?;
            let writer = tokio::task::spawn_blocking({
                let location = location.clone();
                move || location.open()
            })
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
            Pools::Sqlite { readers: ReadPool::new(location.clone()), writer: Arc::new(write::Group::new(writer)?), location }
        } else {
            return Err(StoreError::Config(format!("unsupported database URL (use sqlite://PATH or postgres://…): {}", redact(url))));
        };
        Ok(Store { pools, url: url.to_owned() })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        self.migrate_to(i64::MAX).await
    }

    /// Applies the migrations up to and including `version` only (upgrade tests build an older
    /// schema with it).
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { location, .. } => {
                let location = location.clone();
                tokio::task::spawn_blocking(move || migrate::sqlite(&location.open()?, &migrate::SQLITE, version))
                    .await
                    .map_err(|e| StoreError::Migration(e.to_string()))?
            }
            Pools::Postgres(pool) => migrate::POSTGRES.run_to(version, pool).await.map_err(|e| StoreError::Migration(e.to_string())),
        }
    }

    /// The versions of this backend's migrations, oldest first.
    pub fn migration_versions(&self) -> Vec<i64> {
        let migrator = match self.backend() {
            Backend::Sqlite => &*migrate::SQLITE,
            Backend::Postgres => &*migrate::POSTGRES,
        };
        migrator.iter().filter(|m| !m.migration_type.is_down_migration()).map(|m| m.version).collect()
    }

    /// One command's writes. On SQLite a savepoint in the shared write transaction (`BEGIN
    /// IMMEDIATE`, so that read-then-write never fails with SQLITE_BUSY halfway), committed with
    /// the commands that arrive meanwhile (see `write`); on PostgreSQL a transaction of its own,
    /// and the commands lock the opportunity row they work on.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => writer.begin().await,
            Pools::Postgres(pool) => Ok(WriteTx::own(Conn::PgTx(pool.begin().await?))),
        }
    }

    /// A pooled connection for reads outside a transaction.
    pub async fn read(&self) -> Result<Reader> {
        Ok(Reader(self.connection().await?))
    }

    async fn connection(&self) -> Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { readers, .. } => Conn::Lite(readers.acquire().await?),
            Pools::Postgres(pool) => Conn::Pg(pool.acquire().await?),
        })
    }

    /// A second connection for a read that can go faster in two halves, only if one is idle now:
    /// a request that waited for it while holding another could starve the pool.
    pub fn try_read(&self) -> Option<Reader> {
        match &self.pools {
            Pools::Sqlite { readers, .. } => readers.try_acquire().map(|c| Reader(Conn::Lite(c))),
            Pools::Postgres(pool) => pool.try_acquire().map(|c| Reader(Conn::Pg(c))),
        }
    }

    /// For `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { readers, .. } => readers.acquire().await?.execute_batch("SELECT 1"),
            Pools::Postgres(pool) => Ok(pool.acquire().await?.ping().await?),
        }
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { readers, .. } => readers.close(),
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// Declares an aggregate's handle: a borrowed connection that reads (`Read`) or, borrowed from a
/// write transaction, also writes (`Write`).
macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<'c, A = crate::Read> {
            c: &'c mut crate::db::Conn,
            _access: std::marker::PhantomData<A>,
        }

        impl<'c, A> $name<'c, A> {
            pub(crate) fn on(c: &'c mut crate::db::Conn) -> Self {
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

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused_with_a_reason() {
        for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite::memory:?cache=shared"] {
            let refused = super::Store::connect(url).await.unwrap_err().to_string();
            assert!(refused.contains("use sqlite://PATH"), "{url}: {refused}");
        }
    }
}
