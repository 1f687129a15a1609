//! Requests sent with an `Idempotency-Key`: the first one with a key runs and its answer is kept;
//! the same key with the same request gets that answer again; with another request it is
//! refused. Keys belong to the user. The answer is stored in the request's own write transaction
//! (`held`), so a crash can never keep an effect without its answer or an answer without its
//! effect; sends that race each other run, and all but the first to commit are rolled back and
//! answered with the first one's answer.

use std::future::Future;

use dealflow_store::StoredAnswer;

use super::{Services, held};
use crate::access::Actor;
use crate::error::{Result, ServiceError};

/// How long the answer to a keyed request is kept.
pub const KEYS_KEPT_FOR: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// What a keyed request is answered, as it was first sent.
#[derive(Debug, Clone)]
pub struct KeyedAnswer {
    pub status: u16,
    pub body: String,
}

/// A keyed request seen before.
#[derive(Debug, Clone)]
pub enum Remembered {
    /// The same request: its first answer.
    Replay(KeyedAnswer),
    /// The key came with another request.
    Reused,
}

fn remembered(stored: StoredAnswer, request_hash: &str) -> Remembered {
    if stored.request_hash == request_hash {
        Remembered::Replay(KeyedAnswer { status: stored.status, body: stored.body })
    } else {
        Remembered::Reused
    }
}

impl Services {
    /// What became of this actor's earlier request with `key`, if there was one.
    pub async fn recall(&self, actor: &Actor, key: &str, request_hash: &str) -> Result<Option<Remembered>> {
        let stored = self.store.read().await?.tokens().stored_answer(actor.id(), key).await?;
        Ok(stored.map(|stored| remembered(stored, request_hash)))
    }

    /// Forgets the answers to keyed requests a day old: a retry comes within minutes, and an
    /// answer may hold what its request created.
    pub async fn sweep_keyed_answers(&self) -> Result<u64> {
        let before = self.clock.now() - KEYS_KEPT_FOR;
        Ok(in_write!(self, |tx| { Ok(tx.tokens().sweep_answers(before).await?) })?)
    }

    /// Runs `work` once for `key`: it answers its output and what to remember of it (`None`
    /// for a failure of ours, which a retry should run afresh). When another send of the key
    /// committed first, this one's writes are undone and the first one's answer is given.
    pub async fn once<T>(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
        work: impl Future<Output = (T, Option<KeyedAnswer>)>,
    ) -> Result<std::result::Result<T, Remembered>> {
        let ((output, answer), held) = held::holding(work).await;
        let Some(answer) = answer else {
            if let Some(tx) = held {
                tx.rollback().await.ok();
            }
            return Ok(Ok(output));
        };
        let stored = StoredAnswer { request_hash: request_hash.to_owned(), status: answer.status, body: answer.body };
        let now = self.clock.now();
        let saved = match held {
            Some(mut tx) => match tx.tokens().save_answer(actor.id(), key, &stored, now).await {
                Ok(true) => {
                    tx.commit().await?;
                    true
                }
                Ok(false) => {
                    tx.rollback().await.ok();
                    false
                }
                // A racing send committed the same key first: the unique index refused ours.
                Err(dealflow_store::StoreError::Conflict { .. }) => {
                    tx.rollback().await.ok();
                    false
                }
                Err(error) => {
                    tx.rollback().await.ok();
                    return Err(error.into());
                }
            },
            None => in_write!(self, |tx| { Ok(tx.tokens().save_answer(actor.id(), key, &stored, now).await?) })?,
        };
        if saved {
            return Ok(Ok(output));
        }
        match self.recall(actor, key, request_hash).await? {
            Some(first) => Ok(Err(first)),
            None => Err(ServiceError::Store(dealflow_store::StoreError::Commit("a keyed answer was neither saved nor found".into()))),
        }
    }
}
