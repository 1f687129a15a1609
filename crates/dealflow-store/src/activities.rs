//! Activities: process-created and manual.

use crate::db::Row;
use dealflow_core::LocalizedText;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_core::records::ActivityRecord;

use crate::sql::{After, OwnerScope, RowExt, Sql, millis};
use crate::{Result, StoreError, Write};

crate::handle!(
    /// Activities: made by processes and by hand.
    Activities
);

pub(crate) fn activity(row: &Row) -> Result<ActivityRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("activities.{what}"));
    Ok(ActivityRecord {
        id: row.text("id")?,
        kind: ActivityType::parse(&row.text("type")?).ok_or_else(|| corrupt("type"))?,
        title: LocalizedText::new(row.text("title_ru")?, row.text("title_en")?),
        owner_id: row.text("owner_id")?,
        status: ActivityStatus::parse(&row.text("status")?).ok_or_else(|| corrupt("status"))?,
        result: row.opt_text("result")?,
        result_note: row.opt_text("result_note")?,
        start_at: row.opt_at("start_at")?,
        due_at: row.opt_at("due_at")?,
        completed_at: row.opt_at("completed_at")?,
        opportunity_id: row.opt_text("opportunity_id")?,
        account_id: row.opt_text("account_id")?,
        contact_id: row.opt_text("contact_id")?,
        duration_minutes: row.opt_int("duration_minutes")?.and_then(|m| u32::try_from(m).ok()),
        process_instance_id: row.opt_text("process_instance_id")?,
        stage: row.opt_stage("stage")?,
        step: row.opt_text("step")?,
        stage_visit: row.opt_int("stage_visit")?.map(|v| v as u32),
        created_by: row.opt_text("created_by")?,
        version: row.int("version")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub opportunity_id: Option<String>,
    pub owner_id: Option<String>,
    pub status: Option<String>,
    /// About this account or contact, directly or through its opportunity.
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    /// Start or due time in `[from, to)`.
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
}

impl<A> Activities<'_, A> {
    pub async fn get(&mut self, id: &str) -> Result<ActivityRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM activities WHERE id = $1").bind(id).fetch_one(c).await?;
        activity(&row)
    }

    /// Every activity of a process instance, oldest first.
    pub async fn of_instance(&mut self, instance_id: &str) -> Result<Vec<ActivityRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM activities WHERE process_instance_id = $1 ORDER BY created_at, stage_visit, id")
            .bind(instance_id)
            .fetch_all(c)
            .await?;
        rows.iter().map(activity).collect()
    }

    /// Every activity of an opportunity, process and manual, oldest first.
    pub async fn of_opportunity(&mut self, opportunity_id: &str) -> Result<Vec<ActivityRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM activities WHERE opportunity_id = $1 ORDER BY created_at, id")
            .bind(opportunity_id)
            .fetch_all(c)
            .await?;
        rows.iter().map(activity).collect()
    }

    /// Open activities whose owner's reminder is due by `now` and that have not yet begun, soonest
    /// first. Reminders reach a day ahead at most. The index is read only as far ahead as the
    /// longest reminder anyone has set (every five seconds this read 32,000 tasks of the next day
    /// on a million deals, 100 ms, for the fifteen minutes that could be due).
    pub async fn due_reminders(&mut self, now: jiff::Timestamp, limit: i64) -> Result<Vec<ActivityRecord>> {
        let now = millis(now);
        let rows = crate::db::query(
            "SELECT a.* FROM activities a JOIN users u ON u.id = a.owner_id
             WHERE a.reminded_at IS NULL AND a.status IN ('not_started', 'in_progress')
               AND COALESCE(a.start_at, a.due_at) > $1
               AND COALESCE(a.start_at, a.due_at) <= $1 + (SELECT COALESCE(MAX(reminder_minutes), 0) * 60000 FROM users WHERE active = 1)
               AND COALESCE(a.start_at, a.due_at) <= $1 + 86400000
               AND u.reminder_minutes > 0 AND u.active = 1 AND COALESCE(a.start_at, a.due_at) - u.reminder_minutes * 60000 <= $1
             ORDER BY COALESCE(a.start_at, a.due_at) LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *self.c)
        .await?;
        rows.iter().map(activity).collect()
    }

    /// A page of a user's schedule: activities with a start or due time in `[from, to)`, not
    /// cancelled, soonest first (by start, else due time); `after` is the last one of the page
    /// before.
    pub async fn schedule(
        &mut self,
        owner_id: &str,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        after: After,
        limit: i64,
    ) -> Result<Vec<ActivityRecord>> {
        self.schedule_of(Some(&[owner_id.to_owned()]), (from, to), after, false, limit).await
    }

    /// The activities of the owners in `scope` (everyone's for `None`) with a start or due time in
    /// `[from, to)`, soonest first, after the position `after`, at most `limit`; cancelled ones
    /// only if `cancelled`.
    pub async fn schedule_of(
        &mut self,
        scope: OwnerScope<'_>,
        (from, to): (jiff::Timestamp, jiff::Timestamp),
        after: After,
        cancelled: bool,
        limit: i64,
    ) -> Result<Vec<ActivityRecord>> {
        let mut sql = Sql::new("SELECT * FROM activities WHERE ");
        sql.push(if cancelled { "1 = 1" } else { "status <> 'cancelled'" });
        if let Some(owners) = scope {
            sql.push(" AND").push_in("owner_id", owners);
        }
        sql.push(" AND ((start_at >= ").bind(millis(from)).push(" AND start_at < ").bind(millis(to));
        sql.push(") OR (due_at >= ").bind(millis(from)).push(" AND due_at < ").bind(millis(to)).push("))");
        if let Some((at, id)) = after {
            sql.push(" AND (COALESCE(start_at, due_at) > ").bind(at).push(" OR (COALESCE(start_at, due_at) = ").bind(at);
            sql.push(" AND id > ").bind(id).push("))");
        }
        sql.push(" ORDER BY COALESCE(start_at, due_at), id LIMIT ").bind(limit);
        sql.fetch_all(self.c).await?.iter().map(activity).collect()
    }

    /// A page of activities, newest first: those the reader owns or whose opportunity they may see.
    pub async fn search(
        &mut self,
        filter: &ActivityFilter,
        scope: OwnerScope<'_>,
        after: After,
        limit: i64,
    ) -> Result<Vec<ActivityRecord>> {
        let c = &mut *self.c;
        let mut sql = Sql::new("SELECT a.* FROM activities a LEFT JOIN opportunities o ON o.id = a.opportunity_id WHERE 1 = 1");
        if let Some(owners) = scope {
            sql.push(" AND (").push_in("a.owner_id", owners).push(" OR").push_in("o.owner_id", owners).push(")");
        }
        if let Some(id) = &filter.opportunity_id {
            sql.push(" AND a.opportunity_id = ").bind(id.clone());
        }
        if let Some(owner) = &filter.owner_id {
            sql.push(" AND a.owner_id = ").bind(owner.clone());
        }
        if let Some(status) = &filter.status {
            sql.push(" AND a.status = ").bind(status.clone());
        }
        // About a customer directly or through one of its deals: two index ranges, not an OR
        // across the join that would read every activity.
        for (column, id) in [("account_id", &filter.account_id), ("contact_id", &filter.contact_id)] {
            if let Some(id) = id {
                sql.push(&format!(" AND a.id IN (SELECT id FROM activities WHERE {column} = ")).bind(id.clone());
                sql.push(&format!(
                    " UNION SELECT x.id FROM activities x JOIN opportunities d ON d.id = x.opportunity_id WHERE d.{column} = "
                ));
                sql.bind(id.clone()).push(")");
            }
        }
        if let Some(from) = filter.from {
            sql.push(" AND (a.start_at >= ").bind(millis(from)).push(" OR a.due_at >= ").bind(millis(from)).push(")");
        }
        if let Some(to) = filter.to {
            sql.push(" AND (a.start_at < ").bind(millis(to)).push(" OR a.due_at < ").bind(millis(to)).push(")");
        }
        sql.push_before("a.created_at", "a.id", &after);
        sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ").bind(limit);
        sql.fetch_all(c).await?.iter().map(activity).collect()
    }
}

impl Activities<'_, Write> {
    pub async fn insert(&mut self, a: &ActivityRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO activities (id, type, title_ru, title_en, owner_id, status, result, result_note, start_at, due_at, completed_at,
                 opportunity_id, process_instance_id, stage, step, stage_visit, created_by, version, created_at, updated_at,
                 account_id, contact_id, duration_minutes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        )
        .bind(&a.id)
        .bind(a.kind.as_str())
        .bind(&a.title.ru)
        .bind(&a.title.en)
        .bind(&a.owner_id)
        .bind(a.status.as_str())
        .bind(&a.result)
        .bind(&a.result_note)
        .bind(a.start_at.map(millis))
        .bind(a.due_at.map(millis))
        .bind(a.completed_at.map(millis))
        .bind(&a.opportunity_id)
        .bind(&a.process_instance_id)
        .bind(a.stage.as_ref().map(|s| s.as_str().to_owned()))
        .bind(&a.step)
        .bind(a.stage_visit.map(i64::from))
        .bind(&a.created_by)
        .bind(a.version)
        .bind(millis(a.created_at))
        .bind(millis(a.updated_at))
        .bind(&a.account_id)
        .bind(&a.contact_id)
        .bind(a.duration_minutes.map(i64::from))
        .execute(c)
        .await?;
        Ok(())
    }

    /// A person's own changes to an activity: status in progress, times, owner, what it is about.
    pub async fn update_details(&mut self, a: &ActivityRecord, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "UPDATE activities SET title_ru = $2, title_en = $3, owner_id = $4, status = $5, start_at = $6, due_at = $7,
                 reminded_at = CASE WHEN COALESCE(start_at, -1) = COALESCE($6, -1) AND COALESCE(due_at, -1) = COALESCE($7, -1)
                     THEN reminded_at ELSE NULL END,
                 version = version + 1, updated_at = $8, type = $9, account_id = $10, contact_id = $11, duration_minutes = $12,
                 opportunity_id = $13 WHERE id = $1",
        )
        .bind(&a.id)
        .bind(&a.title.ru)
        .bind(&a.title.en)
        .bind(&a.owner_id)
        .bind(a.status.as_str())
        .bind(a.start_at.map(millis))
        .bind(a.due_at.map(millis))
        .bind(millis(now))
        .bind(a.kind.as_str())
        .bind(&a.account_id)
        .bind(&a.contact_id)
        .bind(a.duration_minutes.map(i64::from))
        .bind(&a.opportunity_id)
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn set_completed(&mut self, id: &str, result: &str, note: Option<&str>, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "UPDATE activities SET status = 'completed', result = $2, result_note = $3, completed_at = $4, version = version + 1, updated_at = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(result)
        .bind(note)
        .bind(millis(now))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn set_cancelled(&mut self, id: &str, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query("UPDATE activities SET status = 'cancelled', version = version + 1, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(millis(now))
            .execute(c)
            .await?;
        Ok(())
    }

    /// Marks the activity's reminder sent; false when it already was (by another node).
    pub async fn mark_reminded(&mut self, id: &str, now: jiff::Timestamp) -> Result<bool> {
        let done = crate::db::query("UPDATE activities SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL")
            .bind(id)
            .bind(millis(now))
            .execute(&mut *self.c)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_owner(&mut self, id: &str, owner_id: &str, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query("UPDATE activities SET owner_id = $2, version = version + 1, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(owner_id)
            .bind(millis(now))
            .execute(c)
            .await?;
        Ok(())
    }
}
