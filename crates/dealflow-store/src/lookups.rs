//! Lookups and reference data: opportunity stages, lead stages, lost reasons, system settings,
//! the knowledge base.

use crate::db::Row;
use dealflow_core::lead::LeadStage;
use dealflow_core::records::{KnowledgeRecord, LostReason, SettingRecord};
use dealflow_core::{LocalizedText, Stage, StageCatalog};

use crate::sql::{RowExt, Sql, flag, millis, one_row, to_json};
use crate::{Result, StoreError, Write};

crate::handle!(Stages);
crate::handle!(LeadStages);
crate::handle!(LostReasons);
crate::handle!(WonReasons);
crate::handle!(Settings);
crate::handle!(Articles);

fn stage(row: &Row) -> Result<Stage> {
    Ok(Stage {
        code: row.stage("code")?,
        name: LocalizedText::new(row.text("name_ru")?, row.text("name_en")?),
        position: row.number("position")?,
        description: LocalizedText::new(row.text("description_ru")?, row.text("description_en")?),
        max_probability: row.number("max_probability")?,
        is_final: row.boolean("is_final")?,
        is_won: row.boolean("is_won")?,
        show_in_funnel: row.boolean("show_in_funnel")?,
        show_in_progress_bar: row.boolean("show_in_progress_bar")?,
        active: row.boolean("active")?,
        next_step_days: row.number("next_step_days")?,
    })
}

fn lead_stage(row: &Row) -> Result<LeadStage> {
    Ok(LeadStage {
        code: row.stage("code")?,
        name: LocalizedText::new(row.text("name_ru")?, row.text("name_en")?),
        position: row.number("position")?,
        is_final: row.boolean("is_final")?,
        hands_off: row.boolean("hands_off")?,
        is_converted: row.boolean("is_converted")?,
        active: row.boolean("active")?,
    })
}

fn article(row: &Row) -> Result<KnowledgeRecord> {
    Ok(KnowledgeRecord {
        id: row.text("id")?,
        title: row.text("title")?,
        body: row.text("body")?,
        tags: row.json("tags")?,
        author_id: row.text("author_id")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
    })
}

fn article_search_text(a: &KnowledgeRecord) -> String {
    format!("{} {}", a.title, a.tags.join(" ")).to_lowercase()
}

impl<A> Articles<'_, A> {
    pub async fn exists(&mut self, id: &str) -> Result<bool> {
        crate::sql::exists(self.c, "knowledge_articles", id).await
    }

    pub async fn get(&mut self, id: &str) -> Result<KnowledgeRecord> {
        let c = &mut *self.c;
        let row = crate::db::query("SELECT * FROM knowledge_articles WHERE id = $1").bind(id).fetch_one(c).await?;
        article(&row)
    }

    pub async fn search(&mut self, q: Option<&str>, limit: i64) -> Result<Vec<KnowledgeRecord>> {
        let c = &mut *self.c;
        let mut sql = Sql::new("SELECT * FROM knowledge_articles WHERE 1 = 1");
        if let Some(q) = q {
            sql.push(" AND").push_contains("search_text", q);
        }
        sql.push(" ORDER BY updated_at DESC, id DESC LIMIT ").bind(limit);
        sql.fetch_all(c).await?.iter().map(article).collect()
    }
}

impl Articles<'_, Write> {
    pub async fn insert(&mut self, a: &KnowledgeRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO knowledge_articles (id, title, body, tags, search_text, author_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&a.id)
        .bind(&a.title)
        .bind(&a.body)
        .bind(to_json(&a.tags))
        .bind(article_search_text(a))
        .bind(&a.author_id)
        .bind(millis(a.created_at))
        .bind(millis(a.updated_at))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn update(&mut self, a: &KnowledgeRecord) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query("UPDATE knowledge_articles SET title = $2, body = $3, tags = $4, search_text = $6, updated_at = $5 WHERE id = $1")
            .bind(&a.id)
            .bind(&a.title)
            .bind(&a.body)
            .bind(to_json(&a.tags))
            .bind(millis(a.updated_at))
            .bind(article_search_text(a))
            .execute(c)
            .await?;
        Ok(())
    }
}

impl<A> LeadStages<'_, A> {
    pub async fn list(&mut self) -> Result<Vec<LeadStage>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM lead_stages ORDER BY position, code").fetch_all(c).await?;
        rows.iter().map(lead_stage).collect()
    }

    pub async fn in_use(&mut self, code: &str) -> Result<bool> {
        let c = &mut *self.c;
        let used: Option<i64> =
            crate::db::query_scalar("SELECT 1 FROM leads WHERE stage = $1 LIMIT 1").bind(code).fetch_optional(c).await?;
        Ok(used.is_some())
    }
}

impl LeadStages<'_, Write> {
    pub async fn insert(&mut self, s: &LeadStage) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO lead_stages (code, name_ru, name_en, position, is_final, hands_off, is_converted, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.code.as_str())
        .bind(&s.name.ru)
        .bind(&s.name.en)
        .bind(i64::from(s.position))
        .bind(flag(s.is_final))
        .bind(flag(s.hands_off))
        .bind(flag(s.is_converted))
        .bind(flag(s.active))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn update(&mut self, s: &LeadStage) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query(
            "UPDATE lead_stages SET name_ru = $2, name_en = $3, position = $4, is_final = $5, hands_off = $6, is_converted = $7,
                 active = $8 WHERE code = $1",
        )
        .bind(s.code.as_str())
        .bind(&s.name.ru)
        .bind(&s.name.en)
        .bind(i64::from(s.position))
        .bind(flag(s.is_final))
        .bind(flag(s.hands_off))
        .bind(flag(s.is_converted))
        .bind(flag(s.active))
        .execute(c)
        .await?;
        one_row(&done)
    }

    pub async fn delete(&mut self, code: &str) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query("DELETE FROM lead_stages WHERE code = $1").bind(code).execute(c).await?;
        one_row(&done)
    }
}

/// Why deals are lost and why they are won: two lookups of one shape, in tables of their own.
mod reasons {
    use crate::db::Conn;
    use dealflow_core::LocalizedText;
    use dealflow_core::records::LostReason;

    use crate::Result;
    use crate::sql::{RowExt, flag, one_row};

    pub(super) async fn list(c: &mut Conn, table: &str) -> Result<Vec<LostReason>> {
        let sql = format!("SELECT * FROM {table} ORDER BY position, code");
        let rows = crate::db::query(sql).fetch_all(c).await?;
        rows.iter()
            .map(|row| {
                Ok(LostReason {
                    code: row.text("code")?,
                    name: LocalizedText::new(row.text("name_ru")?, row.text("name_en")?),
                    position: row.number("position")?,
                    active: row.boolean("active")?,
                })
            })
            .collect()
    }

    pub(super) async fn insert(c: &mut Conn, table: &str, r: &LostReason) -> Result<()> {
        let sql = format!("INSERT INTO {table} (code, name_ru, name_en, position, active) VALUES ($1, $2, $3, $4, $5)");
        crate::db::query(sql)
            .bind(&r.code)
            .bind(&r.name.ru)
            .bind(&r.name.en)
            .bind(i64::from(r.position))
            .bind(flag(r.active))
            .execute(c)
            .await?;
        Ok(())
    }

    pub(super) async fn update(c: &mut Conn, table: &str, r: &LostReason) -> Result<()> {
        let sql = format!("UPDATE {table} SET name_ru = $2, name_en = $3, position = $4, active = $5 WHERE code = $1");
        let done = crate::db::query(sql)
            .bind(&r.code)
            .bind(&r.name.ru)
            .bind(&r.name.en)
            .bind(i64::from(r.position))
            .bind(flag(r.active))
            .execute(c)
            .await?;
        one_row(&done)
    }
}

impl<A> LostReasons<'_, A> {
    pub async fn list(&mut self) -> Result<Vec<LostReason>> {
        reasons::list(self.c, "lost_reasons").await
    }
}

impl LostReasons<'_, Write> {
    pub async fn insert(&mut self, r: &LostReason) -> Result<()> {
        reasons::insert(self.c, "lost_reasons", r).await
    }

    pub async fn update(&mut self, r: &LostReason) -> Result<()> {
        reasons::update(self.c, "lost_reasons", r).await
    }
}

impl<A> WonReasons<'_, A> {
    pub async fn list(&mut self) -> Result<Vec<LostReason>> {
        reasons::list(self.c, "won_reasons").await
    }
}

impl WonReasons<'_, Write> {
    pub async fn insert(&mut self, r: &LostReason) -> Result<()> {
        reasons::insert(self.c, "won_reasons", r).await
    }

    pub async fn update(&mut self, r: &LostReason) -> Result<()> {
        reasons::update(self.c, "won_reasons", r).await
    }
}

impl<A> Settings<'_, A> {
    pub async fn list(&mut self) -> Result<Vec<SettingRecord>> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT key, value, description_ru, description_en FROM settings ORDER BY key").fetch_all(c).await?;
        rows.iter()
            .map(|row| {
                Ok(SettingRecord {
                    key: row.text("key")?,
                    value: row.text("value")?,
                    description: LocalizedText::new(row.text("description_ru")?, row.text("description_en")?),
                })
            })
            .collect()
    }

    /// The JSON value of a setting, if it exists.
    pub async fn get(&mut self, key: &str) -> Result<Option<serde_json::Value>> {
        let c = &mut *self.c;
        let value: Option<String> =
            crate::db::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(c).await?;
        value.map(|v| serde_json::from_str(&v).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))).transpose()
    }
}

impl Settings<'_, Write> {
    /// Creates the setting with its description, or leaves an existing value alone.
    pub async fn ensure(&mut self, s: &SettingRecord, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO settings (key, value, description_ru, description_en, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&s.key)
        .bind(&s.value)
        .bind(&s.description.ru)
        .bind(&s.description.en)
        .bind(millis(now))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn put(&mut self, key: &str, value: &serde_json::Value, now: jiff::Timestamp) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query("UPDATE settings SET value = $2, updated_at = $3 WHERE key = $1")
            .bind(key)
            .bind(value.to_string())
            .bind(millis(now))
            .execute(c)
            .await?;
        one_row(&done)
    }
}

impl<A> Stages<'_, A> {
    pub async fn catalog(&mut self) -> Result<StageCatalog> {
        let c = &mut *self.c;
        let rows = crate::db::query("SELECT * FROM opportunity_stages ORDER BY position, code").fetch_all(c).await?;
        Ok(StageCatalog::new(rows.iter().map(stage).collect::<Result<_>>()?))
    }

    /// The stage lookup's stamp: a new one whenever the lookup changes (migration 0005's triggers).
    pub async fn stamp(&mut self) -> Result<i64> {
        let c = &mut *self.c;
        crate::db::query_scalar("SELECT stamp FROM stage_catalog_stamp").fetch_one(c).await
    }

    /// Whether any opportunity is, or ever was, on this stage (then it may only be deactivated).
    pub async fn in_use(&mut self, code: &str) -> Result<bool> {
        let c = &mut *self.c;
        let n: i64 = crate::db::query_scalar("SELECT COUNT(*) FROM stage_history WHERE to_stage = $1 OR from_stage = $1")
            .bind(code)
            .fetch_one(c)
            .await?;
        Ok(n > 0)
    }
}

impl Stages<'_, Write> {
    pub async fn insert(&mut self, s: &Stage) -> Result<()> {
        let c = &mut *self.c;
        crate::db::query(
            "INSERT INTO opportunity_stages (code, name_ru, name_en, position, description_ru, description_en, max_probability,
                 is_final, is_won, show_in_funnel, show_in_progress_bar, active, next_step_days)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(s.code.as_str())
        .bind(&s.name.ru)
        .bind(&s.name.en)
        .bind(i64::from(s.position))
        .bind(&s.description.ru)
        .bind(&s.description.en)
        .bind(i64::from(s.max_probability))
        .bind(flag(s.is_final))
        .bind(flag(s.is_won))
        .bind(flag(s.show_in_funnel))
        .bind(flag(s.show_in_progress_bar))
        .bind(flag(s.active))
        .bind(i64::from(s.next_step_days))
        .execute(c)
        .await?;
        Ok(())
    }

    pub async fn update(&mut self, s: &Stage) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query(
            "UPDATE opportunity_stages SET name_ru = $2, name_en = $3, position = $4, description_ru = $5, description_en = $6,
                 max_probability = $7, is_final = $8, is_won = $9, show_in_funnel = $10, show_in_progress_bar = $11, active = $12,
                 next_step_days = $13
             WHERE code = $1",
        )
        .bind(s.code.as_str())
        .bind(&s.name.ru)
        .bind(&s.name.en)
        .bind(i64::from(s.position))
        .bind(&s.description.ru)
        .bind(&s.description.en)
        .bind(i64::from(s.max_probability))
        .bind(flag(s.is_final))
        .bind(flag(s.is_won))
        .bind(flag(s.show_in_funnel))
        .bind(flag(s.show_in_progress_bar))
        .bind(flag(s.active))
        .bind(i64::from(s.next_step_days))
        .execute(c)
        .await?;
        one_row(&done)
    }

    /// Deletes a stage nothing has used; the caller checks that first.
    pub async fn delete(&mut self, code: &str) -> Result<()> {
        let c = &mut *self.c;
        let done = crate::db::query("DELETE FROM opportunity_stages WHERE code = $1").bind(code).execute(c).await?;
        one_row(&done)
    }
}
