//! One transaction for a keyed request. When a request carries an `Idempotency-Key`, the
//! services do not commit its writes: they leave the transaction here, and the API stores its
//! answer in it and commits both at once. The effect and the remembered answer are therefore
//! never apart — a crash before the commit leaves neither, so a retry runs afresh; a crash after
//! it leaves both, so a retry replays the answer.

use std::future::Future;
use std::sync::{Arc, Mutex};

use dealflow_store::WriteTx;

type Slot = Arc<Mutex<Option<WriteTx>>>;

tokio::task_local! {
    static HELD: Slot;
}

/// Runs `work` with its writes held back; answers its output and the uncommitted transaction,
/// if it wrote anything. The caller commits or rolls it back.
pub async fn holding<F: Future>(work: F) -> (F::Output, Option<WriteTx>) {
    let slot = Slot::default();
    let output = HELD.scope(slot.clone(), work).await;
    let held = slot.lock().expect("held transaction lock").take();
    (output, held)
}

/// The transaction an earlier write of this keyed request left open, to write on.
pub(crate) fn take() -> Option<WriteTx> {
    HELD.try_with(|slot| slot.lock().expect("held transaction lock").take()).ok().flatten()
}

/// Keeps `tx` open for the keyed request around this task; hands it back when there is none.
pub(crate) fn keep(tx: WriteTx) -> Result<(), WriteTx> {
    match HELD.try_with(Clone::clone) {
        Ok(slot) => {
            *slot.lock().expect("held transaction lock") = Some(tx);
            Ok(())
        }
        Err(_) => Err(tx),
    }
}
