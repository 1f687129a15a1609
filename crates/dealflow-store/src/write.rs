//! Write transactions, and group commit on SQLite.
//!
//! SQLite has one writer, and with `synchronous = FULL` every commit waits for the disk. Were
//! each command its own transaction, sixteen clients would queue for sixteen flushes in turn.
//! Instead the commands that arrive while one runs join its transaction: each runs inside a
//! savepoint of its own (so a failing command rolls back alone, R13), and the batch commits
//! once, when no further command is waiting. (The first command of a batch needs no savepoint:
//! until it is settled it is the batch's only one, and failing, rolls the transaction back.) A
//! command is acknowledged only after the commit of its batch, so every acknowledged command is
//! durable; if that commit fails, every command of the batch gets the error.
//!
//! The commands run their statements on the writer's connection on their own task, with no
//! thread between them and the database. The commit writes the batch's pages to the WAL and
//! releases the writer; the flush that makes them durable follows outside it, so the next batch
//! runs its commands while the disk works on this one's. (The writer runs with
//! `synchronous = NORMAL`, which leaves the WAL's flush to us, and the flush is of the WAL file:
//! on disk everything written to it before is, the commits of earlier batches included, so one
//! flush serves every batch committed before it began.) Readers may see a batch a moment before
//! it is durable; its members are answered only after. Both run in place, the runtime's other
//! tasks handed to another thread meanwhile (`block_in_place`); only a `BEGIN` that finds another
//! process holding the lock waits on a blocking thread.
//!
//! PostgreSQL runs concurrent transactions and shares WAL flushes between commits itself, so
//! there each command keeps a transaction of its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::db::Conn;
use crate::lite::{BUSY_WAIT, LiteConn};
use crate::{Result, StoreError};

/// What became of a batch's commit: `None` until it is known.
type Outcome = Option<Result<(), Arc<str>>>;

/// The shared state of group commit: the writer's connection with the open batch, if any, and
/// how many writes wait to join.
pub(crate) struct Group {
    open: Arc<Mutex<Writer>>,
    waiting: AtomicUsize,
    batches: AtomicU64,
    /// The WAL file the commits are flushed in, when the database has one (else each commit
    /// flushes itself).
    wal: Option<PathBuf>,
    /// How many batches have committed, and how many of them are known to be on disk.
    committed: AtomicU64,
    durable: std::sync::Mutex<u64>,
}

/// SQLite's one writing connection and the batch open on it.
struct Writer {
    conn: Conn,
    batch: Option<Batch>,
}

/// The writer, locked by the command whose turn it is.
type Guard = OwnedMutexGuard<Writer>;

/// Commands sharing one SQLite transaction.
struct Batch {
    id: u64,
    /// How many commands joined it.
    members: usize,
    /// The command under way. Found by the next holder of the batch, it was dropped before it
    /// was settled (a cancelled request), and is rolled back before anything else.
    unsettled: Option<Scope>,
    done: watch::Sender<Outcome>,
}

/// How far back a command's rollback goes.
#[derive(Clone, Copy)]
enum Scope {
    /// To its savepoint: the batch holds others' commands.
    Savepoint,
    /// The whole transaction: it is the batch's first command.
    Transaction,
}

/// One command's writes: a transaction of its own, or a savepoint in a shared batch. Commit or
/// roll back explicitly; dropped unsettled, its writes are rolled back.
pub struct WriteTx(Option<Inner>);

enum Inner {
    /// Boxed: a PostgreSQL transaction is large, and a write is passed around by value.
    Own(Box<Conn>),
    Batched {
        guard: Guard,
        group: Arc<Group>,
    },
}

/// Counts a write waiting to join the batch, until it gets its turn or gives up.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Group {
    /// The writer's connection. It waits for no lock by itself (`BEGIN` handles another
    /// process's lock off the runtime's threads).
    pub(crate) fn new(conn: rusqlite::Connection) -> Result<Group> {
        conn.busy_timeout(Duration::ZERO)?;
        // A command's savepoint keeps the pages it changes in a sub-journal; in memory it costs a
        // copy, spilled to a temporary file (SQLite's default beyond 64 KiB) a write system call.
        conn.execute_batch("PRAGMA temp_store = MEMORY")?;
        let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let wal = match conn.path() {
            Some(path) if journal.eq_ignore_ascii_case("wal") && !path.is_empty() => {
                conn.execute_batch("PRAGMA synchronous = NORMAL")?;
                Some(PathBuf::from(format!("{path}-wal")))
            }
            _ => None,
        };
        let writer = Writer { conn: Conn::Lite(LiteConn::own(conn)), batch: None };
        Ok(Group {
            open: Arc::new(Mutex::new(writer)),
            waiting: AtomicUsize::new(0),
            batches: AtomicU64::new(0),
            wal,
            committed: AtomicU64::new(0),
            durable: std::sync::Mutex::new(0),
        })
    }

    /// Makes the commit numbered `batch` durable: flushes the WAL unless a flush that began after
    /// that commit already has. Commits that come meanwhile wait for the next flush together.
    fn flush(&self, batch: u64) -> Result<()> {
        let Some(wal) = &self.wal else { return Ok(()) };
        let mut durable = self.durable.lock().expect("the flush's lock is never poisoned");
        if *durable >= batch {
            return Ok(());
        }
        let covered = self.committed.load(Ordering::SeqCst);
        std::fs::File::open(wal)
            .and_then(|file| file.sync_data())
            .map_err(|e| StoreError::Commit(format!("cannot flush {}: {e}", wal.display())))?;
        *durable = covered;
        Ok(())
    }

    /// Joins the open batch with a savepoint for one command, or opens a batch.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<WriteTx> {
        let mut guard = {
            let _waiting = Waiting::new(&self.waiting);
            self.open.clone().lock_owned().await
        };
        roll_back_unsettled(&mut guard);
        let scope = if guard.batch.is_some() {
            if let Err(error) = lite(&guard.conn).execute_batch("SAVEPOINT command") {
                fail(&mut guard, &error.to_string());
                return Err(error);
            }
            Scope::Savepoint
        } else {
            guard = begin_immediate(guard).await?;
            let id = self.batches.fetch_add(1, Ordering::Relaxed);
            guard.batch = Some(Batch { id, members: 0, unsettled: None, done: watch::channel(None).0 });
            Scope::Transaction
        };
        let batch = guard.batch.as_mut().expect("a batch is open");
        batch.unsettled = Some(scope);
        batch.members += 1;
        Ok(WriteTx(Some(Inner::Batched { guard, group: self.clone() })))
    }

    /// The batch's commit, by this command if nobody else waits to join, else by whichever
    /// member's turn comes first once the waiting commands have joined.
    async fn finish(self: &Arc<Self>, guard: Guard) -> Result<()> {
        let batch = guard.batch.as_ref().expect("a batch is open");
        if self.waiting.load(Ordering::SeqCst) == 0 {
            return commit(self, guard).await;
        }
        let (id, mut done) = (batch.id, batch.done.subscribe());
        drop(guard);
        let pending = Pending { group: self.clone(), id: Some(id) };
        // The mutex is fair: this turn comes after every command that waited to join.
        let mut guard = self.open.clone().lock_owned().await;
        pending.disarm();
        if guard.batch.as_ref().is_some_and(|b| b.id == id) {
            roll_back_unsettled(&mut guard);
            if guard.batch.is_some() {
                return commit(self, guard).await;
            }
        }
        drop(guard);
        let outcome = done.wait_for(Option::is_some).await.map(|o| o.clone()).ok().flatten();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(message)) => Err(StoreError::Commit(message.to_string())),
            None => Err(StoreError::Commit("the batch ended without a commit".into())),
        }
    }

    /// Commits batch `id` if it is still open (nobody is left to).
    async fn commit_if_open(self: Arc<Self>, id: Option<u64>) {
        let mut guard = self.open.clone().lock_owned().await;
        roll_back_unsettled(&mut guard);
        if guard.batch.as_ref().is_some_and(|b| id.is_none_or(|id| b.id == id)) {
            commit(&self, guard).await.ok();
        }
    }
}

/// A member of a batch that waits for its commit. Should it be cancelled while it waits, the
/// batch would have no member left to commit it: a task does it instead.
struct Pending {
    group: Arc<Group>,
    id: Option<u64>,
}

impl Pending {
    fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(id) = self.id
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(self.group.clone().commit_if_open(Some(id)));
        }
    }
}

fn lite(conn: &Conn) -> &LiteConn {
    match conn {
        Conn::Lite(c) => c,
        _ => unreachable!("group commit is SQLite's"),
    }
}

/// `BEGIN IMMEDIATE` on the writer: at once when no other process holds the lock (the usual
/// case, one node per file), else on a blocking thread that waits for it.
async fn begin_immediate(guard: Guard) -> Result<Guard> {
    match lite(&guard.conn).execute_batch("BEGIN IMMEDIATE") {
        Err(StoreError::Busy(_)) => {}
        other => return other.map(|()| guard),
    }
    let waited = tokio::task::spawn_blocking(move || {
        let conn = lite(&guard.conn).connection();
        let begun =
            conn.busy_timeout(BUSY_WAIT).map_err(StoreError::from).and_then(|()| lite(&guard.conn).execute_batch("BEGIN IMMEDIATE"));
        conn.busy_timeout(Duration::ZERO).ok();
        begun.map(|()| guard)
    })
    .await;
    waited.map_err(|e| StoreError::Other(e.to_string()))?
}

/// Rolls back the command under way in the batch, if any: to its savepoint, or the whole
/// transaction when it was the first.
fn roll_back_unsettled(guard: &mut Writer) {
    match guard.batch.as_ref().and_then(|b| b.unsettled) {
        None => {}
        Some(Scope::Transaction) => fail(guard, "rolled back"),
        Some(Scope::Savepoint) => match lite(&guard.conn).execute_batch("ROLLBACK TO command; RELEASE command") {
            Ok(()) => guard.batch.as_mut().expect("a batch is open").unsettled = None,
            Err(error) => fail(guard, &error.to_string()),
        },
    }
}

/// Commits the open batch, releases the writer, waits for the flush (off the runtime) and tells
/// its members. It runs to its end in one go: a caller that stops waiting cannot leave the batch
/// or the writer behind.
async fn commit(group: &Group, mut guard: Guard) -> Result<()> {
    let batch = guard.batch.take().expect("a batch is open");
    off_the_runtime(move || {
        let conn = lite(&guard.conn);
        let result = match conn.execute_batch("COMMIT") {
            Ok(()) => {
                // Numbered under the writer's lock, so in the order they reach the WAL.
                let number = group.committed.fetch_add(1, Ordering::SeqCst) + 1;
                drop(guard);
                group.flush(number)
            }
            Err(error) => {
                if !conn.connection().is_autocommit() {
                    conn.execute_batch("ROLLBACK").ok();
                }
                drop(guard);
                Err(error)
            }
        };
        tracing::trace!(members = batch.members, "group commit");
        let outcome = result.as_ref().map(|_| ()).map_err(|e| Arc::from(e.to_string()));
        batch.done.send_replace(Some(outcome));
        result
    })
}

/// Runs `work`, which waits for the disk, on this thread without holding up the runtime: on a
/// multi-threaded runtime another thread takes over this one's other tasks meanwhile (no hop
/// for this command, unlike a blocking task); a single-threaded runtime (tests) just waits.
fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Ends a batch that cannot go on (SQLite may roll the whole transaction back on an I/O error,
/// taking the savepoints with it): rolled back, and every member told.
fn fail(guard: &mut Writer, message: &str) {
    if let Some(batch) = guard.batch.take() {
        let conn = lite(&guard.conn);
        if !conn.connection().is_autocommit() {
            conn.execute_batch("ROLLBACK").ok();
        }
        batch.done.send_replace(Some(Err(Arc::from(message))));
    }
}

impl WriteTx {
    pub(crate) fn own(conn: Conn) -> WriteTx {
        WriteTx(Some(Inner::Own(Box::new(conn))))
    }

    fn settle(&mut self) -> Inner {
        self.0.take().expect("a write is settled once")
    }

    /// Makes the writes durable; on SQLite together with the batch they joined.
    pub async fn commit(mut self) -> Result<()> {
        match self.settle() {
            Inner::Own(conn) => match *conn {
                Conn::PgTx(tx) => Ok(tx.commit().await?),
                _ => unreachable!("an own write is a PostgreSQL transaction"),
            },
            Inner::Batched { mut guard, group } => {
                let batch = guard.batch.as_mut().expect("a batch is open");
                if let Some(Scope::Savepoint) = batch.unsettled
                    && let Err(error) = lite(&guard.conn).execute_batch("RELEASE command")
                {
                    fail(&mut guard, &error.to_string());
                    return Err(error);
                }
                guard.batch.as_mut().expect("a batch is open").unsettled = None;
                group.finish(guard).await
            }
        }
    }

    /// Undoes the writes; on SQLite only this command's, the rest of its batch goes on.
    pub async fn rollback(mut self) -> Result<()> {
        match self.settle() {
            Inner::Own(conn) => match *conn {
                Conn::PgTx(tx) => Ok(tx.rollback().await?),
                _ => unreachable!("an own write is a PostgreSQL transaction"),
            },
            Inner::Batched { mut guard, group } => {
                roll_back_unsettled(&mut guard);
                if guard.batch.is_some() {
                    // The others' writes still need their commit; this one waits for it too,
                    // so that what its caller reads next includes them.
                    group.finish(guard).await.ok();
                }
                Ok(())
            }
        }
    }

    /// The connection the writes go to: the transaction's own, or the batch's.
    pub(crate) fn connection(&mut self) -> &mut Conn {
        match self.0.as_mut().expect("an unsettled write") {
            Inner::Own(conn) => conn,
            Inner::Batched { guard, .. } => &mut guard.conn,
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // An own transaction rolls itself back when dropped; an abandoned savepoint is rolled
        // back by the next holder of the batch, or by a task if none comes.
        if let Some(Inner::Batched { guard, group }) = self.0.take() {
            let id = guard.batch.as_ref().map(|b| b.id);
            drop(guard);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(group.commit_if_open(id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Query, Value};
    use crate::{Pools, Store};

    /// Commands commit in batches while earlier batches are still being flushed; by the time
    /// each is answered, its batch is on disk.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_answered_command_has_been_flushed() {
        let folder = std::env::temp_dir().join(format!("dealflow-flush-{}", std::process::id()));
        let store = Store::connect(&format!("sqlite://{}/flush.db", folder.display())).await.unwrap();
        let Pools::Sqlite { writer, .. } = &store.pools else { unreachable!("an SQLite store") };
        assert!(writer.wal.is_some(), "the database runs in WAL mode, its flushes ours");

        let mut create = store.begin_write().await.unwrap();
        Query::from_parts("CREATE TABLE t (n INTEGER)".into(), Vec::new()).execute(create.connection()).await.unwrap();
        create.commit().await.unwrap();
        let writes: Vec<_> = (0..64_i64)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut write = store.begin_write().await?;
                    Query::from_parts("INSERT INTO t (n) VALUES ($1)".into(), vec![Value::Int(n)]).execute(write.connection()).await?;
                    write.commit().await
                })
            })
            .collect();
        for write in writes {
            write.await.unwrap().unwrap();
        }

        let committed = writer.committed.load(std::sync::atomic::Ordering::SeqCst);
        assert!(committed >= 2, "{committed} batches");
        assert_eq!(*writer.durable.lock().unwrap(), committed, "every committed batch flushed");
        std::fs::remove_dir_all(folder).ok();
    }
}
