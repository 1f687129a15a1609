//! The process library (definitions by version) and process instances.

use crate::db::Row;
use dealflow_core::ProcessDefinition;
use dealflow_core::engine::{InstanceStatus, Outcome, StartedVia};
use dealflow_core::records::{InstanceRecord, ProcessVersionRecord};

use crate::sql::{OwnerScope, RowExt, Sql, flag, millis, one_row};
use crate::{Result, StoreError, Write};

crate::handle!(Processes);

fn decode_definition(document: &str, version: i64) -> Result<ProcessDefinition> {
    let mut definition: ProcessDefinition =
        serde_json::from_str(document).map_err(|e| StoreError::Corrupt(format!("process definition: {e}")))?;
    definition.version = u32::try_from(version).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(definition)
}

fn instance(row: &Row) -> Result<InstanceRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("process_instances.{what}"));
    Ok(InstanceRecord {
        id: row.text("id")?,
        process_code: row.text("process_code")?,
        process_version: u32::try_from(row.int("process_version")?).map_err(|_| corrupt("process_version"))?,
        opportunity_id: row.text("opportunity_id")?,
        status: InstanceStatus::parse(&row.text("status")?).ok_or_else(|| corrupt("status"))?,
        outcome: match row.opt_text("outcome")?.as_deref() {
            None => None,
            Some("won") => Some(Outcome::Won),
            Some("lost") => Some(Outcome::Lost),
            Some(_) => return Err(corrupt("outcome")),
        },
        started_via: StartedVia::parse(&row.text("started_via")?).ok_or_else(|| corrupt("started_via"))?,
        started_by: row.text("started_by")?,
        started_at: row.at("started_at")?,
        finished_at: row.opt_at("finished_at")?,
        visits: row.json("visits")?,
    })
}

impl<A> Processes<'_, A> {
    /// The current version of a process, with its `active` flag from the library.
    pub async fn current(&mut self, code: &str) -> Result<ProcessDefinition> {
        let c = &mut *self.c;
        let row = crate::db::query(
            "SELECT d.document, d.version, p.active FROM processes p
             JOIN process_definitions d ON d.code = p.code AND d.version = p.current_version WHERE p.code = $1",
        )
        .bind(code)
        .fetch_one(c)
        .await?;
        let mut definition = decode_definition(&row.text("document")?, row.int("version")?)?;
        definition.active = row.boolean("active")?;
        Ok(definition)
    }

    /// The current version of every process in the library, by code.
    pub async fn library(&mut self) -> Result<Vec<ProcessDefinition>> {
        let c = &mut *self.c;
        let rows = crate::db::query(
            "SELECT d.document, d.version, p.active FROM processes p
             JOIN process_definitions d ON d.code = p.code AND d.version = p.current_version ORDER BY p.code",
        )
        .fetch_all(c)
        .await?;
        rows.iter()
            .map(|row| {
                let mut definition = decode_definition(&row.text("document")?, row.int("version")?)?;
                definition.active = row.boolean("active")?;
                Ok(definition)
            })
            .collect()
    }

    pub async fn version(&mut self, code: &str, version: u32) -> Result<ProcessDefinition> {
        let c = &mut *self.c;
        let document: String = crate::db::query_scalar("SELECT document FROM process_definitions WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(i64::from(version))
            .fetch_one(c)
            .await?;
        decode_definition(&document, i64::from(version))
    }

    pub async fn versions(&mut self, code: &str) -> Result<Vec<ProcessVersionRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM process_definitions WHERE code = $1 ORDER BY version").bind(code).fetch_all(c).await?;
        rows.iter()
            .map(|row| {
                Ok(ProcessVersionRecord {
                    code: row.text("code")?,
                    version: row.number("version")?,
                    document: row.text("document")?,
                    published_by: row.opt_text("published_by")?,
                    published_at: row.at("published_at")?,
                })
            })
            .collect()
    }

    pub async fn instance(&mut self, id: &str) -> Result<InstanceRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM process_instances WHERE id = $1").bind(id).fetch_one(c).await?;
        instance(&row)
    }

    pub async fn running_instance(&mut self, opportunity_id: &str) -> Result<Option<InstanceRecord>> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM process_instances WHERE opportunity_id = $1 AND status = 'running'")
            .bind(opportunity_id)
            .fetch_optional(c)
            .await?;
        row.as_ref().map(instance).transpose()
    }

    /// The running instances of those of `opportunity_ids` that have one.
    pub async fn running_instances(&mut self, opportunity_ids: &[String]) -> Result<Vec<InstanceRecord>> {
        if opportunity_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM process_instances WHERE status = 'running' AND");
        sql.push_in("opportunity_id", opportunity_ids);
        sql.fetch_all(self.c).await?.iter().map(instance).collect()
    }

    /// The running instance, or else the one that started last.
    pub async fn latest_instance(&mut self, opportunity_id: &str) -> Result<Option<InstanceRecord>> {
        let c = &mut *self.c;
        let row = crate::db::query(
            "SELECT * FROM process_instances WHERE opportunity_id = $1
             ORDER BY CASE WHEN status = 'running' THEN 0 ELSE 1 END, started_at DESC, id DESC LIMIT 1",
        )
        .bind(opportunity_id)
        .fetch_optional(c)
        .await?;
        row.as_ref().map(instance).transpose()
    }

    pub async fn instances_of(&mut self, opportunity_id: &str) -> Result<Vec<InstanceRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM process_instances WHERE opportunity_id = $1 ORDER BY started_at, id")
            .bind(opportunity_id)
            .fetch_all(c)
            .await?;
        rows.iter().map(instance).collect()
    }

    /// Instances of the opportunities of `owners` (everyone's when `None`), newest first.
    pub async fn instances_in_scope(&mut self, scope: OwnerScope<'_>, limit: i64) -> Result<Vec<InstanceRecord>> {
        let c = &mut *self.c;
        let mut sql = Sql::new("SELECT i.* FROM process_instances i JOIN opportunities o ON o.id = i.opportunity_id WHERE 1 = 1");
        if let Some(owners) = scope {
            sql.push(" AND").push_in("o.owner_id", owners);
        }
        sql.push(" ORDER BY i.started_at DESC, i.id DESC LIMIT ").bind(limit);
        sql.fetch_all(c).await?.iter().map(instance).collect()
    }
}

impl Processes<'_, Write> {
    /// Stores `definition` as the next version of its code, makes it current, and returns the number.
    pub async fn publish(&mut self, definition: &ProcessDefinition, by: Option<&str>, now: jiff::Timestamp) -> Result<u32> {
        let c = &mut *self.c;
        let latest: Option<i64> = crate::db::query_scalar("SELECT MAX(version) FROM process_definitions WHERE code = $1")
            .bind(&definition.code)
            .fetch_one(&mut *c)
            .await?;
        let version = latest.unwrap_or(0) + 1;
        let mut stored = definition.clone();
        stored.version = u32::try_from(version).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let document = serde_json::to_string(&stored).expect("definitions serialize to JSON");
        crate::db::query(
            "INSERT INTO process_definitions (code, version, document, published_by, published_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&definition.code)
        .bind(version)
        .bind(document)
        .bind(by)
        .bind(millis(now))
        .execute(&mut *c)
        .await?;
        crate::db::query(
            "INSERT INTO processes (code, current_version, active, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET current_version = excluded.current_version, active = excluded.active, updated_at = excluded.updated_at",
        )
        .bind(&definition.code)
        .bind(version)
        .bind(flag(definition.active))
        .bind(millis(now))
        .execute(&mut *c)
        .await?;
        Ok(stored.version)
    }

    /// Offers a process to start (active) or stops offering it; running instances go on either way.
    pub async fn set_active(&mut self, code: &str, active: bool, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query("UPDATE processes SET active = $2, updated_at = $3 WHERE code = $1")
            .bind(code)
            .bind(flag(active))
            .bind(millis(now))
            .execute(c)
            .await?;
        one_row(&done)
    }
}
