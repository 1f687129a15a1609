//! Persists what the engine decided. Called inside the command's write transaction, so the
//! whole command commits or nothing does (R13).

use dealflow_core::engine::{ActivityStatus, Effect, OpportunityState, StageChange};
use dealflow_core::records::{ActivityRecord, HistoryRecord, NotificationRecord};

use crate::sql::{millis, to_json};
use crate::{Activities, Notifications, Opportunities, Result, StoreError, Write, WriteTx};

impl WriteTx {
    /// Writes `effects` of one command on one opportunity; `after` is the opportunity as the
    /// engine left it. Answers whether the opportunity's own row changed (stage, owner or closing).
    pub async fn apply_effects(
        &mut self,
        after: &OpportunityState,
        effects: &[Effect],
        now: jiff::Timestamp,
        new_id: &mut (dyn FnMut() -> String + Send),
    ) -> Result<bool> {
        apply(self.connection(), after, effects, now, new_id).await
    }
}

async fn apply(
    c: &mut crate::db::Conn,
    after: &OpportunityState,
    effects: &[Effect],
    now: jiff::Timestamp,
    new_id: &mut (dyn FnMut() -> String + Send),
) -> Result<bool> {
    let mut opportunity_changed = false;
    for effect in effects {
        match effect {
            Effect::InstanceStarted { id, process_code, process_version, via, started_by } => {
                crate::db::query(
                    "INSERT INTO process_instances (id, process_code, process_version, opportunity_id, status, started_via, started_by, started_at, visits)
                     VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, '{}')",
                )
                .bind(id)
                .bind(process_code)
                .bind(i64::from(*process_version))
                .bind(&after.id)
                .bind(via.as_str())
                .bind(started_by)
                .bind(millis(now))
                .execute(&mut *c)
                .await?;
            }
            Effect::InstanceVisited { id, visits } => {
                crate::db::query("UPDATE process_instances SET visits = $2 WHERE id = $1")
                    .bind(id)
                    .bind(to_json(visits))
                    .execute(&mut *c)
                    .await?;
            }
            Effect::InstanceFinished { id, status, outcome } => {
                crate::db::query(
                    "UPDATE process_instances SET status = $2, outcome = $3, finished_at = $4 WHERE id = $1 AND status = 'running'",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(outcome.map(|o| o.as_str()))
                .bind(millis(now))
                .execute(&mut *c)
                .await?;
            }
            Effect::ActivityCreated(a) => {
                let record = ActivityRecord {
                    id: a.id.clone(),
                    kind: a.kind,
                    title: a.title.clone(),
                    owner_id: a.owner_id.clone(),
                    status: ActivityStatus::NotStarted,
                    result: None,
                    result_note: None,
                    start_at: None,
                    due_at: Some(a.due_at),
                    completed_at: None,
                    opportunity_id: Some(after.id.clone()),
                    account_id: None,
                    contact_id: None,
                    duration_minutes: None,
                    process_instance_id: Some(a.instance_id.clone()),
                    stage: Some(a.stage.clone()),
                    step: Some(a.step.clone()),
                    stage_visit: Some(a.visit),
                    created_by: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                Activities::<Write>::on(c).insert(&record).await?;
            }
            Effect::ActivityCompleted { id, result, note } => {
                Activities::<Write>::on(c).set_completed(id, result, note.as_deref(), now).await?
            }
            Effect::ActivityCancelled { id } => Activities::<Write>::on(c).set_cancelled(id, now).await?,
            Effect::ActivityReassigned { id, owner_id } => Activities::<Write>::on(c).set_owner(id, owner_id, now).await?,
            Effect::StageChanged(change) => {
                Opportunities::<Write>::on(c).insert_history(&history(&after.id, change, now)).await?;
                // The creation entry records the opportunity's first stage; it changes nothing.
                opportunity_changed |= change.from.is_some();
            }
            Effect::OpportunityClosed { .. } | Effect::OwnerChanged { .. } => opportunity_changed = true,
            Effect::Notify(n) => {
                Notifications::<Write>::on(c).insert(&NotificationRecord::unread(new_id(), n, now)).await?;
            }
        }
    }
    if opportunity_changed {
        let done = crate::db::query(
            "UPDATE opportunities SET stage = $2, owner_id = $3, closed_at = $4, version = version + 1, updated_at = $5 WHERE id = $1",
        )
        .bind(&after.id)
        .bind(after.stage.as_str())
        .bind(&after.owner_id)
        .bind(after.closed_at.map(millis))
        .bind(millis(now))
        .execute(&mut *c)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if after.closed_at.is_some() {
            // A closed deal needs no next step: the watchdog's mark goes with the close.
            crate::db::query("DELETE FROM stale_deals WHERE owner_id = $1 AND opportunity_id = $2")
                .bind(&after.owner_id)
                .bind(&after.id)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(opportunity_changed)
}

fn history(opportunity_id: &str, change: &StageChange, now: jiff::Timestamp) -> HistoryRecord {
    HistoryRecord {
        opportunity_id: opportunity_id.to_owned(),
        seq: change.seq,
        from_stage: change.from.clone(),
        to_stage: change.to.clone(),
        at: now,
        by_user_id: change.by_user_id.clone(),
        by_process: change.by_process,
        visit: change.visit,
        instance_id: change.instance_id.clone(),
        override_reason: change.override_reason.clone(),
        imported_from: None,
    }
}
