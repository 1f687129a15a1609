//! Leads: the prospects that sales receives from marketing.

use crate::db::Row;
use dealflow_core::records::LeadRecord;

use crate::order::{LeadSort, Sorted};
use crate::sql::{After, OwnerScope, RowExt, Sql, for_update, millis, one_row};
use crate::{Result, Write};

crate::handle!(Leads);

pub(crate) fn lead(row: &Row) -> Result<LeadRecord> {
    Ok(LeadRecord {
        id: row.text("id")?,
        title: row.text("title")?,
        need: row.opt_text("need")?,
        contact_id: row.opt_text("contact_id")?,
        account_id: row.opt_text("account_id")?,
        owner_id: row.text("owner_id")?,
        budget: row.money("budget")?,
        stage: row.stage("stage")?,
        opportunity_id: row.opt_text("opportunity_id")?,
        version: row.int("version")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
    })
}

impl<A> Leads<'_, A> {
    pub async fn get(&mut self, id: &str) -> Result<LeadRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM leads WHERE id = $1").bind(id).fetch_one(c).await?;
        lead(&row)
    }

    /// A page of leads, newest first, that `scope` lets the reader see.
    pub async fn search(&mut self, stage: Option<&str>, scope: OwnerScope<'_>, after: After, limit: i64) -> Result<Vec<LeadRecord>> {
        let c = &mut *self.c;
        let mut sql = Sql::new("SELECT * FROM leads WHERE 1 = 1");
        if let Some(owners) = scope {
            sql.push(" AND").push_in("owner_id", owners);
        }
        if let Some(stage) = stage {
            sql.push(" AND stage = ").bind(stage.to_owned());
        }
        sql.push_before("created_at", "id", &after);
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").bind(limit);
        sql.fetch_all(c).await?.iter().map(lead).collect()
    }

    /// A page of the leads `scope` lets the reader see, sorted by a column.
    pub async fn sorted(
        &mut self,
        stage: Option<&str>,
        scope: OwnerScope<'_>,
        sorted: &Sorted<LeadSort>,
        limit: i64,
    ) -> Result<Vec<LeadRecord>> {
        let c = &mut *self.c;
        let joins = match sorted.by {
            LeadSort::Stage => " JOIN lead_stages s ON s.code = l.stage",
            LeadSort::Owner => " JOIN users u ON u.id = l.owner_id",
            _ => "",
        };
        let mut sql = Sql::new(&format!("SELECT l.* FROM leads l{joins} WHERE 1 = 1"));
        if let Some(owners) = scope {
            sql.push(" AND").push_in("l.owner_id", owners);
        }
        if let Some(stage) = stage {
            sql.push(" AND l.stage = ").bind(stage.to_owned());
        }
        sql.push_sorted(sorted, "l.id", limit);
        sql.fetch_all(c).await?.iter().map(lead).collect()
    }
}

impl Leads<'_, Write> {
    pub async fn insert(&mut self, l: &LeadRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO leads (id, title, need, contact_id, account_id, owner_id, budget, stage, opportunity_id, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&l.id)
        .bind(&l.title)
        .bind(&l.need)
        .bind(&l.contact_id)
        .bind(&l.account_id)
        .bind(&l.owner_id)
        .bind(l.budget.map(|m| m.minor_units()))
        .bind(l.stage.as_str())
        .bind(&l.opportunity_id)
        .bind(l.version)
        .bind(millis(l.created_at))
        .bind(millis(l.updated_at))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn get_for_update(&mut self, id: &str) -> Result<LeadRecord> {
        let c = &mut *self.c;
        let sql = format!("SELECT * FROM leads WHERE id = $1{}", for_update(c));
        let row = crate::db::query(sql).bind(id).fetch_one(c).await?;
        lead(&row)
    }

    /// Moves the lead to `stage` and links it to its opportunity, if it has one.
    pub async fn set_stage(&mut self, id: &str, stage: &str, opportunity_id: Option<&str>, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        let done =
            crate::db::query("UPDATE leads SET stage = $2, opportunity_id = $3, version = version + 1, updated_at = $4 WHERE id = $1")
                .bind(id)
                .bind(stage)
                .bind(opportunity_id)
                .bind(millis(now))
                .execute(c)
                .await?;
        one_row(&done)
    }

    /// Writes a lead's editable fields (not its stage or opportunity) and bumps its version.
    pub async fn update(&mut self, l: &LeadRecord, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "UPDATE leads SET title = $2, need = $3, contact_id = $4, account_id = $5, owner_id = $6, budget = $7, version = version + 1, updated_at = $8
             WHERE id = $1",
        )
        .bind(&l.id)
        .bind(&l.title)
        .bind(&l.need)
        .bind(&l.contact_id)
        .bind(&l.account_id)
        .bind(&l.owner_id)
        .bind(l.budget.map(|m| m.minor_units()))
        .bind(millis(now))
        .execute(c)
        .await?;
        Ok(())
    }
}
