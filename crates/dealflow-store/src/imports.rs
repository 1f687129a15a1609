//! CSV imports: the uploaded file with its mapping, the progress of its dry run or import (moved
//! on in the transaction of each batch, so a restart carries on after the last commit), each
//! rejected row's problems, the matches a batch looks up, and the batch's rows written many to a
//! statement.

use crate::db::Row;
use dealflow_core::records::{AccountRecord, ActivityRecord, ContactRecord, HistoryRecord, OpportunityRecord};
use jiff::Timestamp;

use crate::sql::{RowExt, Sql, flag, millis, one_row};
use crate::{Result, StoreError, Write};

crate::handle!(
    /// Imports, their problems, and the bulk writes of their batches.
    Imports
);

/// Rows a multi-row `INSERT` carries: well within the bind limits of both backends.
const ROWS_PER_STATEMENT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: String,
    pub created_by: String,
    pub file_name: String,
    pub headers: Vec<String>,
    /// The field code each column fills, or `None` when it is left out.
    pub mapping: Vec<Option<String>>,
    pub dedupe: String,
    /// The process started on the open opportunities the import makes, if any.
    pub start_process: Option<String>,
    /// `draft`, `checking`, `checked`, `importing`, `done` or `failed`.
    pub status: String,
    pub total_rows: i64,
    pub done_rows: i64,
    /// JSON: per kind of record, how many were (or would be) created, updated and skipped.
    pub counts: String,
    pub rejected_rows: i64,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// One problem of one rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblemRecord {
    pub row: i64,
    pub seq: i64,
    pub column: Option<i64>,
    pub field: String,
    pub code: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub value: String,
}

/// A record an import may match: its id, the key it matched by, its owner and the import that
/// made it (if one did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMatch {
    pub id: String,
    pub key: String,
    pub owner_id: Option<String>,
    pub import_id: Option<String>,
    /// Opportunities: their account.
    pub account_id: Option<String>,
}

/// A new opportunity with the lower-cased text the search reads (its title, account and contact).
pub struct NewDeal<'a> {
    pub record: &'a OpportunityRecord,
    pub search_text: String,
}

const SUMMARY: &str = "id, created_by, file_name, headers, mapping, dedupe, start_process, status, total_rows, done_rows, counts, rejected_rows, \
     error, created_at, updated_at, finished_at";

fn import(row: &Row) -> Result<ImportRecord> {
    Ok(ImportRecord {
        id: row.text("id")?,
        created_by: row.text("created_by")?,
        file_name: row.text("file_name")?,
        headers: row.json("headers")?,
        mapping: row.json("mapping")?,
        dedupe: row.text("dedupe")?,
        start_process: row.opt_text("start_process")?,
        status: row.text("status")?,
        total_rows: row.int("total_rows")?,
        done_rows: row.int("done_rows")?,
        counts: row.text("counts")?,
        rejected_rows: row.int("rejected_rows")?,
        error: row.opt_text("error")?,
        created_at: row.at("created_at")?,
        updated_at: row.at("updated_at")?,
        finished_at: row.opt_at("finished_at")?,
    })
}

fn problem(row: &Row) -> Result<ImportProblemRecord> {
    Ok(ImportProblemRecord {
        row: row.int("row_number")?,
        seq: row.int("seq")?,
        column: row.opt_int("column_index")?,
        field: row.text("field")?,
        code: row.text("code")?,
        min: row.opt_int("min_value")?,
        max: row.opt_int("max_value")?,
        value: row.text("value")?,
    })
}

fn matched(row: &Row) -> Result<ImportMatch> {
    Ok(ImportMatch {
        id: row.text("id")?,
        key: row.opt_text("match_key")?.unwrap_or_default(),
        owner_id: row.opt_text("owner_id")?,
        import_id: row.opt_text("import_id")?,
        account_id: row.opt_text("account_id")?,
    })
}

/// `AND import_id = …` when only the import's own records may match.
fn of_import(sql: &mut Sql, only: Option<&str>) {
    if let Some(import_id) = only {
        sql.push(" AND import_id = ").bind(import_id.to_owned());
    }
}

/// Statuses a worker carries on with.
const RUNNING: &str = "('checking', 'importing')";

impl<A> Imports<'_, A> {
    pub async fn get(&mut self, id: &str) -> Result<ImportRecord> {
        let sql = format!("SELECT {SUMMARY} FROM imports WHERE id = $1");
        import(&crate::db::query(sql).bind(id).fetch_one(&mut *self.c).await?)
    }

    /// The uploaded file's bytes.
    pub async fn file(&mut self, id: &str) -> Result<Vec<u8>> {
        crate::db::query_scalar("SELECT file FROM imports WHERE id = $1").bind(id).fetch_one(&mut *self.c).await
    }

    /// The newest imports, of one person or of everyone.
    pub async fn list(&mut self, created_by: Option<&str>, limit: i64) -> Result<Vec<ImportRecord>> {
        let mut sql = Sql::new(&format!("SELECT {SUMMARY} FROM imports WHERE 1 = 1"));
        if let Some(user) = created_by {
            sql.push(" AND created_by = ").bind(user.to_owned());
        }
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").bind(limit);
        sql.fetch_all(self.c).await?.iter().map(import).collect()
    }

    /// The problems of the last pass, by row, after a (row, seq) position.
    pub async fn problems(&mut self, id: &str, after: Option<(i64, i64)>, limit: i64) -> Result<Vec<ImportProblemRecord>> {
        let mut sql = Sql::new("SELECT * FROM import_problems WHERE import_id = ");
        sql.bind(id.to_owned());
        if let Some((row, seq)) = after {
            sql.push(" AND (row_number > ").bind(row).push(" OR (row_number = ").bind(row).push(" AND seq > ").bind(seq).push("))");
        }
        sql.push(" ORDER BY row_number, seq LIMIT ").bind(limit);
        sql.fetch_all(self.c).await?.iter().map(problem).collect()
    }

    /// Whether an import is waiting for `node` (free, lapsed or its own): a read, so an idle
    /// node writes nothing.
    pub async fn work_waiting(&mut self, node: &str, now: Timestamp) -> Result<bool> {
        let sql = format!(
            "SELECT COUNT(*) FROM imports WHERE status IN {RUNNING} AND (lease_until IS NULL OR lease_until < $1 OR lease_owner = $2)"
        );
        let waiting: i64 = crate::db::query_scalar(sql).bind(millis(now)).bind(node).fetch_one(&mut *self.c).await?;
        Ok(waiting > 0)
    }

    /// Accounts with these tax numbers or name keys (only those `only` made, when given).
    pub async fn accounts_matching(&mut self, taxes: &[String], names: &[String], only: Option<&str>) -> Result<Vec<(ImportMatch, bool)>> {
        let mut found = Vec::new();
        for (column, keys, by_tax) in [("tax_number", taxes, true), ("name_key", names, false)] {
            for chunk in keys.chunks(ROWS_PER_STATEMENT * 4) {
                let mut sql =
                    Sql::new(&format!("SELECT id, {column} AS match_key, owner_id, import_id, NULL AS account_id FROM accounts WHERE"));
                sql.push_in(column, chunk);
                of_import(&mut sql, only);
                sql.push(" ORDER BY created_at, id");
                for row in sql.fetch_all(self.c).await? {
                    found.push((matched(&row)?, by_tax));
                }
            }
        }
        Ok(found)
    }

    /// Contacts with these e-mail addresses, compared as [`dealflow_core::import::email_key`] does.
    pub async fn contacts_matching(&mut self, emails: &[String], only: Option<&str>) -> Result<Vec<ImportMatch>> {
        let mut found = Vec::new();
        for chunk in emails.chunks(ROWS_PER_STATEMENT * 4) {
            let mut sql =
                Sql::new("SELECT id, lower(email) AS match_key, owner_id, import_id, account_id FROM contacts WHERE email IS NOT NULL AND");
            sql.push_in("lower(email)", chunk);
            of_import(&mut sql, only);
            sql.push(" ORDER BY created_at, id");
            for row in sql.fetch_all(self.c).await? {
                found.push(matched(&row)?);
            }
        }
        Ok(found)
    }

    /// The opportunities of these accounts, keyed by their titles as written (the caller folds them).
    pub async fn opportunities_of(&mut self, account_ids: &[String], only: Option<&str>) -> Result<Vec<ImportMatch>> {
        let mut found = Vec::new();
        for chunk in account_ids.chunks(ROWS_PER_STATEMENT * 4) {
            let mut sql = Sql::new("SELECT id, title AS match_key, owner_id, import_id, account_id FROM opportunities WHERE");
            sql.push_in("account_id", chunk);
            of_import(&mut sql, only);
            sql.push(" ORDER BY created_at, id");
            for row in sql.fetch_all(self.c).await? {
                found.push(matched(&row)?);
            }
        }
        Ok(found)
    }

    /// Open opportunities the import made that no process has run on yet, a page at a time.
    pub async fn deals_without_process(&mut self, import_id: &str, limit: i64) -> Result<Vec<String>> {
        crate::db::query_scalar(
            "SELECT o.id FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage \
             WHERE o.import_id = $1 AND s.is_final = 0 AND NOT EXISTS (SELECT 1 FROM process_instances i WHERE i.opportunity_id = o.id) \
             ORDER BY o.id LIMIT $2",
        )
        .bind(import_id)
        .bind(limit)
        .fetch_all(&mut *self.c)
        .await
    }
}

/// One multi-row `INSERT` per [`ROWS_PER_STATEMENT`] items: `head` then a `(…)` per item.
async fn insert_many<T>(c: &mut crate::db::Conn, head: &str, items: &[T], mut values: impl FnMut(&mut Sql, &T)) -> Result<()> {
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(head);
        sql.push(" VALUES ");
        for (i, item) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            values(&mut sql, item);
            sql.push(")");
        }
        sql.execute(c).await?;
    }
    Ok(())
}

impl Imports<'_, Write> {
    pub async fn insert(&mut self, record: &ImportRecord, file: &[u8]) -> Result<()> {
        crate::db::query(
            "INSERT INTO imports (id, created_by, file_name, file, headers, mapping, dedupe, status, total_rows, created_at, updated_at, \
             start_process) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        )
        .bind(&record.id)
        .bind(&record.created_by)
        .bind(&record.file_name)
        .bind(file.to_vec())
        .bind(crate::sql::to_json(&record.headers))
        .bind(crate::sql::to_json(&record.mapping))
        .bind(&record.dedupe)
        .bind(&record.status)
        .bind(record.total_rows)
        .bind(millis(record.created_at))
        .bind(&record.start_process)
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    /// Sets the mapping and the dedupe policy, and starts a pass (`checking` or `importing`) from
    /// the first row with the last pass's problems and counts gone; or leaves it a `draft`.
    pub async fn start(&mut self, record: &ImportRecord, status: &str, now: Timestamp) -> Result<()> {
        let id = record.id.as_str();
        let done = crate::db::query(
            "UPDATE imports SET mapping = $2, dedupe = $3, status = $4, done_rows = 0, counts = '{}', rejected_rows = 0, error = NULL, \
             lease_owner = NULL, lease_until = NULL, updated_at = $5, finished_at = NULL, start_process = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(crate::sql::to_json(&record.mapping))
        .bind(&record.dedupe)
        .bind(status)
        .bind(millis(now))
        .bind(&record.start_process)
        .execute(&mut *self.c)
        .await?;
        one_row(&done)?;
        self.clear_problems(id).await
    }

    /// Takes the lease of the oldest running import no other node holds (or whose lease lapsed).
    pub async fn lease(&mut self, node: &str, now: Timestamp, until: Timestamp) -> Result<Option<String>> {
        let sql = format!(
            "SELECT id FROM imports WHERE status IN {RUNNING} AND (lease_until IS NULL OR lease_until < $1 OR lease_owner = $2) \
             ORDER BY created_at, id LIMIT 1{}",
            crate::webhooks::skip_locked(self.c)
        );
        let id: Option<String> = crate::db::query_scalar(sql).bind(millis(now)).bind(node).fetch_optional(&mut *self.c).await?;
        if let Some(id) = &id {
            crate::db::query("UPDATE imports SET lease_owner = $2, lease_until = $3 WHERE id = $1")
                .bind(id)
                .bind(node)
                .bind(millis(until))
                .execute(&mut *self.c)
                .await?;
        }
        Ok(id)
    }

    /// Extends `node`'s lease to `until`; whether it still held it.
    pub async fn renew(&mut self, id: &str, node: &str, until: Timestamp) -> Result<bool> {
        let done = crate::db::query("UPDATE imports SET lease_until = $3 WHERE id = $1 AND lease_owner = $2")
            .bind(id)
            .bind(node)
            .bind(millis(until))
            .execute(&mut *self.c)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a pass on past a batch and extends `node`'s lease, in the batch's transaction:
    /// refused (`NotFound`) when `node` no longer holds the lease, so the batch is rolled back
    /// rather than written twice.
    #[allow(clippy::too_many_arguments)]
    pub async fn advance(
        &mut self,
        id: &str,
        node: &str,
        done_rows: i64,
        counts: &str,
        rejected_rows: i64,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<()> {
        let done = crate::db::query(
            "UPDATE imports SET done_rows = $3, counts = $4, rejected_rows = $5, updated_at = $6, lease_until = $7 \
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(node)
        .bind(done_rows)
        .bind(counts)
        .bind(rejected_rows)
        .bind(millis(now))
        .bind(millis(lease_until))
        .execute(&mut *self.c)
        .await?;
        one_row(&done)
    }

    /// Drops the problems of a dry run that starts again.
    pub async fn clear_problems(&mut self, id: &str) -> Result<()> {
        crate::db::query("DELETE FROM import_problems WHERE import_id = $1").bind(id).execute(&mut *self.c).await?;
        Ok(())
    }

    /// Ends a pass: `checked`, `done` or `failed` (with why).
    pub async fn finish(&mut self, id: &str, status: &str, error: Option<&str>, now: Timestamp) -> Result<()> {
        let done = crate::db::query(
            "UPDATE imports SET status = $2, error = $3, lease_owner = NULL, lease_until = NULL, updated_at = $4, finished_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        one_row(&done)
    }

    pub async fn add_problems(&mut self, id: &str, problems: &[ImportProblemRecord]) -> Result<()> {
        let head = "INSERT INTO import_problems (import_id, row_number, seq, column_index, field, code, min_value, max_value, value)";
        insert_many(self.c, head, problems, |sql, p| {
            sql.bind(id.to_owned()).push(", ").bind(p.row).push(", ").bind(p.seq).push(", ").bind(p.column).push(", ");
            sql.bind(p.field.clone()).push(", ").bind(p.code.clone()).push(", ").bind(p.min).push(", ").bind(p.max);
            sql.push(", ").bind(p.value.clone());
        })
        .await
    }

    pub async fn add_accounts(&mut self, import_id: &str, accounts: &[AccountRecord]) -> Result<()> {
        let head = "INSERT INTO accounts (id, name, name_lower, name_key, tax_number, industry, website, phone, owner_id, import_id, \
                    created_at, updated_at)";
        insert_many(self.c, head, accounts, |sql, a| {
            sql.bind(a.id.clone()).push(", ").bind(a.name.clone()).push(", ").bind(a.name.to_lowercase()).push(", ");
            sql.bind(dealflow_core::import::name_key(&a.name)).push(", ").bind(a.tax_number.clone()).push(", ");
            sql.bind(a.industry.clone()).push(", ").bind(a.website.clone()).push(", ").bind(a.phone.clone()).push(", ");
            sql.bind(a.owner_id.clone()).push(", ").bind(import_id.to_owned()).push(", ").bind(millis(a.created_at)).push(", ");
            sql.bind(millis(a.created_at));
        })
        .await
    }

    pub async fn add_contacts(&mut self, import_id: &str, contacts: &[ContactRecord]) -> Result<()> {
        let head =
            "INSERT INTO contacts (id, name, name_lower, email, phone, job_title, account_id, owner_id, import_id, created_at, updated_at)";
        insert_many(self.c, head, contacts, |sql, x| {
            sql.bind(x.id.clone()).push(", ").bind(x.name.clone()).push(", ").bind(x.name.to_lowercase()).push(", ");
            sql.bind(x.email.clone()).push(", ").bind(x.phone.clone()).push(", ").bind(x.job_title.clone()).push(", ");
            sql.bind(x.account_id.clone()).push(", ").bind(x.owner_id.clone()).push(", ").bind(import_id.to_owned()).push(", ");
            sql.bind(millis(x.created_at)).push(", ").bind(millis(x.created_at));
        })
        .await
    }

    /// New opportunities with the first entry of their history, which records the import.
    pub async fn add_opportunities(&mut self, import_id: &str, deals: &[NewDeal<'_>], history: &[HistoryRecord]) -> Result<()> {
        let head = "INSERT INTO opportunities (id, title, account_id, contact_id, owner_id, stage, amount, probability, close_date, \
                    closed_at, search_text, import_id, created_at, updated_at)";
        insert_many(self.c, head, deals, |sql, d| {
            let o = d.record;
            sql.bind(o.id.clone()).push(", ").bind(o.title.clone()).push(", ").bind(o.account_id.clone()).push(", ");
            sql.bind(o.contact_id.clone()).push(", ").bind(o.owner_id.clone()).push(", ").bind(o.stage.as_str().to_owned());
            sql.push(", ").bind(o.amount.map(|m| m.minor_units())).push(", ").bind(o.probability.map(i64::from)).push(", ");
            sql.bind(o.close_date.clone()).push(", ").bind(o.closed_at.map(millis)).push(", ").bind(d.search_text.clone());
            sql.push(", ").bind(import_id.to_owned()).push(", ").bind(millis(o.created_at)).push(", ").bind(millis(o.updated_at));
        })
        .await?;
        let head = "INSERT INTO stage_history (opportunity_id, seq, from_stage, to_stage, at, by_user_id, by_process, visit, import_id)";
        insert_many(self.c, head, history, |sql, h| {
            sql.bind(h.opportunity_id.clone()).push(", ").bind(i64::from(h.seq)).push(", NULL, ").bind(h.to_stage.as_str().to_owned());
            sql.push(", ").bind(millis(h.at)).push(", ").bind(h.by_user_id.clone()).push(", ").bind(flag(h.by_process)).push(", ");
            sql.bind(h.visit.map(i64::from)).push(", ").bind(import_id.to_owned());
        })
        .await
    }

    pub async fn add_activities(&mut self, activities: &[ActivityRecord]) -> Result<()> {
        let head = "INSERT INTO activities (id, type, title_ru, title_en, owner_id, status, result, due_at, completed_at, opportunity_id, \
                    account_id, contact_id, created_by, version, created_at, updated_at)";
        insert_many(self.c, head, activities, |sql, a| {
            sql.bind(a.id.clone()).push(", ").bind(a.kind.as_str().to_owned()).push(", ").bind(a.title.ru.clone()).push(", ");
            sql.bind(a.title.en.clone()).push(", ").bind(a.owner_id.clone()).push(", ").bind(a.status.as_str().to_owned());
            sql.push(", ").bind(a.result.clone()).push(", ").bind(a.due_at.map(millis)).push(", ").bind(a.completed_at.map(millis));
            sql.push(", ").bind(a.opportunity_id.clone()).push(", ").bind(a.account_id.clone()).push(", ");
            sql.bind(a.contact_id.clone()).push(", ").bind(a.created_by.clone()).push(", ").bind(a.version).push(", ");
            sql.bind(millis(a.created_at)).push(", ").bind(millis(a.updated_at));
        })
        .await
    }

    /// Outbox events (id, type, opportunity, data as JSON), all at `at`.
    pub async fn add_events(&mut self, events: &[(String, &'static str, Option<String>, String)], at: Timestamp) -> Result<()> {
        let head = "INSERT INTO webhook_outbox (id, type, opportunity_id, occurred_at, data)";
        insert_many(self.c, head, events, |sql, (id, kind, opportunity_id, data)| {
            sql.bind(id.clone()).push(", ").bind((*kind).to_owned()).push(", ").bind(opportunity_id.clone()).push(", ");
            sql.bind(millis(at)).push(", ").bind(data.clone());
        })
        .await
    }

    /// Fills an account's fields from an import row (empty cells leave a field as it is).
    pub async fn fill_account(&mut self, a: &AccountRecord, now: Timestamp) -> Result<()> {
        let done = crate::db::query(
            "UPDATE accounts SET industry = COALESCE($2, industry), website = COALESCE($3, website), phone = COALESCE($4, phone), \
             tax_number = COALESCE($5, tax_number), updated_at = $6 WHERE id = $1",
        )
        .bind(&a.id)
        .bind(&a.industry)
        .bind(&a.website)
        .bind(&a.phone)
        .bind(&a.tax_number)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        one_row(&done)
    }

    /// Fills a contact's fields from an import row; an empty name keeps the one it has.
    pub async fn fill_contact(&mut self, x: &ContactRecord, now: Timestamp) -> Result<()> {
        let done = crate::db::query(
            "UPDATE contacts SET name = CASE WHEN $2 = '' THEN name ELSE $2 END, \
             name_lower = CASE WHEN $3 = '' THEN name_lower ELSE $3 END, phone = COALESCE($4, phone), job_title = COALESCE($5, job_title), \
             account_id = COALESCE($6, account_id), updated_at = $7 WHERE id = $1",
        )
        .bind(&x.id)
        .bind(&x.name)
        .bind(x.name.to_lowercase())
        .bind(&x.phone)
        .bind(&x.job_title)
        .bind(&x.account_id)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        one_row(&done)
    }

    /// An opportunity's amount, probability and expected close date from an import row; its
    /// stage moves only through the process or a person.
    pub async fn fill_opportunity(&mut self, o: &OpportunityRecord, now: Timestamp) -> Result<()> {
        let done = crate::db::query(
            "UPDATE opportunities SET amount = COALESCE($2, amount), probability = COALESCE($3, probability), \
             close_date = COALESCE($4, close_date), version = version + 1, updated_at = $5 WHERE id = $1",
        )
        .bind(&o.id)
        .bind(o.amount.map(|m| m.minor_units()))
        .bind(o.probability.map(i64::from))
        .bind(&o.close_date)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        one_row(&done).map_err(|_| StoreError::NotFound)
    }
}
