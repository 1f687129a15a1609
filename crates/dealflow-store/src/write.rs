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
//! PostgreSQL runs concurrent transactions and shares WAL flushes between commits itself, so
//! there each command keeps a transaction of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::{Result, StoreError};

/// A database transaction of its own.
type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// What became of a batch's commit: `None` until it is known.
type Outcome = Option<Result<(), Arc<str>>>;

/// The shared state of group commit: the open batch, if any, and how many writes wait to join.
#[derive(Default)]
pub(crate) struct Group {
    open: Arc<Mutex<Option<Batch>>>,
    waiting: AtomicUsize,
    batches: AtomicU64,
}

/// Commands sharing one SQLite transaction.
struct Batch {
    tx: Transaction,
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
    Own(Transaction),
    Batched { guard: OwnedMutexGuard<Option<Batch>>, group: Arc<Group> },
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
    /// Joins the open batch with a savepoint for one command, or opens a batch.
    pub(crate) async fn begin(self: &Arc<Self>, pool: &AnyPool) -> Result<WriteTx> {
        let mut guard = {
            let _waiting = Waiting::new(&self.waiting);
            self.open.clone().lock_owned().await
        };
        roll_back_unsettled(&mut guard).await;
        let scope = match guard.as_mut() {
            Some(batch) => {
                if let Err(error) = batch.tx.execute("SAVEPOINT command").await {
                    fail(&mut guard, &error.to_string()).await;
                    return Err(error.into());
                }
                Scope::Savepoint
            }
            None => {
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let id = self.batches.fetch_add(1, Ordering::Relaxed);
                *guard = Some(Batch { tx, id, members: 0, unsettled: None, done: watch::channel(None).0 });
                Scope::Transaction
            }
        };
        let batch = guard.as_mut().expect("a batch is open");
        batch.unsettled = Some(scope);
        batch.members += 1;
        Ok(WriteTx(Some(Inner::Batched { guard, group: self.clone() })))
    }

    /// The batch's commit, by this command if nobody else waits to join, else by whichever
    /// member's turn comes first once the waiting commands have joined.
    async fn finish(self: &Arc<Self>, mut guard: OwnedMutexGuard<Option<Batch>>) -> Result<()> {
        let batch = guard.as_ref().expect("a batch is open");
        if self.waiting.load(Ordering::SeqCst) == 0 {
            return commit(&mut guard).await;
        }
        let (id, mut done) = (batch.id, batch.done.subscribe());
        drop(guard);
        let pending = Pending { group: self.clone(), id: Some(id) };
        // The mutex is fair: this turn comes after every command that waited to join.
        let mut guard = self.open.clone().lock_owned().await;
        pending.disarm();
        if guard.as_ref().is_some_and(|b| b.id == id) {
            roll_back_unsettled(&mut guard).await;
            if guard.is_some() {
                return commit(&mut guard).await;
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
        roll_back_unsettled(&mut guard).await;
        if guard.as_ref().is_some_and(|b| id.is_none_or(|id| b.id == id)) {
            commit(&mut guard).await.ok();
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

/// Rolls back the command under way in the batch, if any: to its savepoint, or the whole
/// transaction when it was the first.
async fn roll_back_unsettled(guard: &mut Option<Batch>) {
    let Some(batch) = guard.as_mut() else { return };
    match batch.unsettled {
        None => {}
        Some(Scope::Transaction) => fail(guard, "rolled back").await,
        Some(Scope::Savepoint) => match batch.tx.execute("ROLLBACK TO command; RELEASE command").await {
            Ok(_) => batch.unsettled = None,
            Err(error) => fail(guard, &error.to_string()).await,
        },
    }
}

/// Commits the open batch and tells its members.
async fn commit(guard: &mut Option<Batch>) -> Result<()> {
    let batch = guard.take().expect("a batch is open");
    let result = batch.tx.commit().await;
    tracing::trace!(members = batch.members, "group commit");
    let outcome = result.as_ref().map(|_| ()).map_err(|e| Arc::from(e.to_string()));
    batch.done.send_replace(Some(outcome));
    Ok(result?)
}

/// Ends a batch that cannot go on (SQLite may roll the whole transaction back on an I/O error,
/// taking the savepoints with it): rolled back, and every member told.
async fn fail(guard: &mut Option<Batch>, message: &str) {
    if let Some(batch) = guard.take() {
        batch.tx.rollback().await.ok();
        batch.done.send_replace(Some(Err(Arc::from(message))));
    }
}

impl WriteTx {
    pub(crate) fn own(tx: Transaction) -> WriteTx {
        WriteTx(Some(Inner::Own(tx)))
    }

    fn settle(&mut self) -> Inner {
        self.0.take().expect("a write is settled once")
    }

    /// Makes the writes durable; on SQLite together with the batch they joined.
    pub async fn commit(mut self) -> Result<()> {
        match self.settle() {
            Inner::Own(tx) => Ok(tx.commit().await?),
            Inner::Batched { mut guard, group } => {
                let batch = guard.as_mut().expect("a batch is open");
                if let Some(Scope::Savepoint) = batch.unsettled
                    && let Err(error) = batch.tx.execute("RELEASE command").await
                {
                    fail(&mut guard, &error.to_string()).await;
                    return Err(error.into());
                }
                batch.unsettled = None;
                group.finish(guard).await
            }
        }
    }

    /// Undoes the writes; on SQLite only this command's, the rest of its batch goes on.
    pub async fn rollback(mut self) -> Result<()> {
        match self.settle() {
            Inner::Own(tx) => Ok(tx.rollback().await?),
            Inner::Batched { mut guard, group } => {
                roll_back_unsettled(&mut guard).await;
                if guard.is_some() {
                    // The others' writes still need their commit; this one waits for it too,
                    // so that what its caller reads next includes them.
                    group.finish(guard).await.ok();
                }
                Ok(())
            }
        }
    }

    /// The connection the writes go to: the transaction's own, or the batch's.
    pub(crate) fn connection(&mut self) -> &mut AnyConnection {
        match self.0.as_mut().expect("an unsettled write") {
            Inner::Own(tx) => tx,
            Inner::Batched { guard, .. } => &mut guard.as_mut().expect("a batch is open").tx,
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // An own transaction rolls itself back when dropped; an abandoned savepoint is rolled
        // back by the next holder of the batch, or by a task if none comes.
        if let Some(Inner::Batched { guard, group }) = self.0.take() {
            let id = guard.as_ref().map(|b| b.id);
            drop(guard);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(group.commit_if_open(id));
            }
        }
    }
}
