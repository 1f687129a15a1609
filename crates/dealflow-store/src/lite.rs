//! SQLite through rusqlite: opening the file, the pool of read connections, and running one
//! prepared statement.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use rusqlite::types::ValueRef;

use crate::db::{Cell, LiteRow, Value, numbered};
use crate::{Result, StoreError};

/// How many read connections the pool opens at most.
const READERS: usize = 8;
/// Statements kept prepared per connection: every statement the aggregates write, with room.
const STATEMENT_CACHE: usize = 512;
/// How long a statement waits for a lock another process holds.
pub(crate) const BUSY_WAIT: Duration = Duration::from_secs(10);

/// Where the database is, from an `sqlite:` URL.
#[derive(Clone, Debug)]
pub(crate) struct Location {
    path: String,
    read_only: bool,
    uri: bool,
}

impl Location {
    /// `sqlite://PATH[?mode=ro]` (the file's folder is created when missing) or `sqlite:file:…`
    /// (an SQLite URI). An in-memory database is refused: each connection of the pool would have
    /// one of its own.
    pub(crate) fn parse(url: &str) -> Result<Location> {
        let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::Config("an in-memory SQLite database cannot be shared by connections; use sqlite://PATH".into()));
        }
        let uri = path.starts_with("file:");
        let read_only = query.split('&').any(|p| p == "mode=ro");
        if !uri && let Some(folder) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", folder.display())))?;
        }
        Ok(Location { path: if uri { rest.to_owned() } else { path.to_owned() }, read_only, uri })
    }

    /// Opens one connection with the settings every connection of ours has.
    pub(crate) fn open(&self) -> Result<Connection> {
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        flags |= if self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        };
        if self.uri {
            flags |= OpenFlags::SQLITE_OPEN_URI;
        }
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(BUSY_WAIT)?;
        if !self.read_only {
            conn.execute_batch("PRAGMA journal_mode = WAL")?;
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }
}

/// The read connections: opened when first needed, kept while idle.
pub(crate) struct ReadPool {
    location: Location,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl ReadPool {
    pub(crate) fn new(location: Location) -> Arc<ReadPool> {
        Arc::new(ReadPool { location, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(READERS)) })
    }

    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<LiteConn> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| StoreError::Config("the store is closed".into()))?;
        self.lend(permit)
    }

    pub(crate) fn try_acquire(self: &Arc<Self>) -> Option<LiteConn> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        self.lend(permit).ok()
    }

    fn lend(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Result<LiteConn> {
        let idle = self.idle.lock().expect("the pool's lock is never poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.location.open()?,
        };
        Ok(LiteConn { conn: Some(conn), home: Some((self.clone(), permit)) })
    }

    /// Closes the idle connections and lends no more.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle.lock().expect("the pool's lock is never poisoned").clear();
    }
}

/// An SQLite connection: the writer's, or one lent by the read pool (and given back on drop).
pub(crate) struct LiteConn {
    conn: Option<Connection>,
    home: Option<(Arc<ReadPool>, OwnedSemaphorePermit)>,
}

impl Drop for LiteConn {
    fn drop(&mut self) {
        if let (Some(conn), Some((pool, _permit))) = (self.conn.take(), self.home.take())
            && conn.is_autocommit()
            && !pool.permits.is_closed()
        {
            pool.idle.lock().expect("the pool's lock is never poisoned").push(conn);
        }
    }
}

impl LiteConn {
    pub(crate) fn own(conn: Connection) -> LiteConn {
        LiteConn { conn: Some(conn), home: None }
    }

    pub(crate) fn connection(&self) -> &Connection {
        self.conn.as_ref().expect("a connection until dropped")
    }

    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        Ok(self.connection().execute_batch(sql)?)
    }

    /// Runs one statement, prepared once per connection, handing each row to `each` until it
    /// answers `false`; answers how many rows the statement changed.
    pub(crate) fn run(&self, sql: &str, args: &[Value], mut each: impl FnMut(LiteRow) -> Result<bool>) -> Result<u64> {
        let started = std::time::Instant::now();
        let conn = self.connection();
        let mut statement = conn.prepare_cached(&numbered(sql))?;
        for (i, value) in args.iter().enumerate() {
            let at = i + 1;
            match value {
                Value::Text(v) => statement.raw_bind_parameter(at, v.as_str())?,
                Value::Int(v) => statement.raw_bind_parameter(at, v)?,
                Value::Float(v) => statement.raw_bind_parameter(at, v)?,
                Value::Bytes(v) => statement.raw_bind_parameter(at, v.as_slice())?,
                Value::NullText | Value::NullInt | Value::NullFloat => statement.raw_bind_parameter(at, rusqlite::types::Null)?,
            }
        }
        let count = statement.column_count();
        let columns: Arc<[String]> = statement.column_names().into_iter().map(str::to_owned).collect();
        let mut rows = statement.raw_query();
        let mut read = 0;
        while let Some(row) = rows.next()? {
            read += 1;
            let values = (0..count).map(|i| row.get_ref(i).map_err(StoreError::from).and_then(cell)).collect::<Result<_>>()?;
            if !each(LiteRow { columns: columns.clone(), values })? {
                break;
            }
        }
        // Which statements a slow page spends its time in: RUST_LOG=dealflow_store::statements=trace.
        tracing::trace!(target: "dealflow_store::statements", micros = started.elapsed().as_micros() as u64, rows = read, sql, "statement");
        Ok(conn.changes())
    }
}

fn cell(value: ValueRef<'_>) -> Result<Cell> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(x) => Cell::Float(x),
        ValueRef::Text(t) => Cell::Text(String::from_utf8(t.to_vec()).map_err(|e| StoreError::Corrupt(e.to_string()))?),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    })
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match &error {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(failure, message) => {
                let extended = failure.extended_code;
                // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _FOREIGNKEY
                if matches!(extended, 2067 | 1555 | 787) {
                    let constraint = message.clone().unwrap_or_else(|| failure.to_string());
                    StoreError::Conflict { constraint }
                } else if matches!(failure.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) {
                    StoreError::Busy(error.to_string())
                } else {
                    StoreError::Other(error.to_string())
                }
            }
            _ => StoreError::Other(error.to_string()),
        }
    }
}
