//! Accounts (customer companies), contacts (their people), and the orders made from won deals.

use std::collections::HashMap;

use crate::db::Conn;
use crate::db::Row;
use dealflow_core::Money;
use dealflow_core::import::name_key;
use dealflow_core::records::{AccountRecord, ContactRecord, OrderRecord};

use crate::order::{AccountSort, ContactSort, Sorted};
use crate::sql::{RowExt, Sql, millis};
use crate::{Result, Write};

crate::handle!(Accounts);
crate::handle!(Contacts);
crate::handle!(Orders);

pub(crate) fn account(row: &Row) -> Result<AccountRecord> {
    Ok(AccountRecord {
        id: row.text("id")?,
        name: row.text("name")?,
        industry: row.opt_text("industry")?,
        website: row.opt_text("website")?,
        phone: row.opt_text("phone")?,
        tax_number: row.opt_text("tax_number")?,
        owner_id: row.opt_text("owner_id")?,
        created_at: row.at("created_at")?,
    })
}

pub(crate) fn contact(row: &Row) -> Result<ContactRecord> {
    Ok(ContactRecord {
        id: row.text("id")?,
        name: row.text("name")?,
        email: row.opt_text("email")?,
        phone: row.opt_text("phone")?,
        job_title: row.opt_text("job_title")?,
        account_id: row.opt_text("account_id")?,
        owner_id: row.opt_text("owner_id")?,
        created_at: row.at("created_at")?,
    })
}

/// The account and contact names that an opportunity's search text is made of.
pub(crate) async fn names_for_search(c: &mut Conn, account_id: Option<&str>, contact_id: Option<&str>) -> Result<String> {
    let mut names = String::new();
    if let Some(id) = account_id {
        let name: Option<String> =
            crate::db::query_scalar("SELECT name FROM accounts WHERE id = $1").bind(id).fetch_optional(&mut *c).await?;
        names.extend(name.map(|n| format!(" {n}")));
    }
    if let Some(id) = contact_id {
        let name: Option<String> =
            crate::db::query_scalar("SELECT name FROM contacts WHERE id = $1").bind(id).fetch_optional(&mut *c).await?;
        names.extend(name.map(|n| format!(" {n}")));
    }
    Ok(names)
}

/// Rows of a customer table by name whose name contains `q` (lower-cased), after a (name, id).
async fn by_name(
    c: &mut Conn,
    table: &str,
    q: Option<&str>,
    account_id: Option<&str>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<Row>> {
    let mut sql = Sql::new(&format!("SELECT * FROM {table} WHERE 1 = 1"));
    if let Some(q) = q {
        sql.push(" AND").push_contains("name_lower", q);
    }
    if let Some(account_id) = account_id {
        sql.push(" AND account_id = ").bind(account_id.to_owned());
    }
    if let Some((name, id)) = after {
        sql.push(" AND (name > ").bind(name.to_owned()).push(" OR (name = ").bind(name.to_owned());
        sql.push(" AND id > ").bind(id.to_owned()).push("))");
    }
    sql.push(" ORDER BY name, id LIMIT ").bind(limit);
    sql.fetch_all(c).await
}

/// How many names containing a picker's text are sorted for its lines.
const CANDIDATES: i64 = 200;

/// The lower-cased name as its index orders it: in code point order on PostgreSQL whatever the
/// database's collation, so that a prefix is one range of the index.
fn ordered_name(c: &Conn) -> &'static str {
    if c.is_sqlite() { "name_lower" } else { "(name_lower COLLATE \"C\")" }
}

/// Rows of a customer table whose name starts with `q` (lower-cased), by name: one range of the
/// lower-cased name index.
pub(crate) async fn starting_with(c: &mut Conn, table: &str, q: &str, account_id: Option<&str>, limit: i64) -> Result<Vec<Row>> {
    let column = ordered_name(c);
    let mut sql = Sql::new(&format!("SELECT * FROM {table} WHERE {column} >= "));
    sql.bind(q.to_owned()).push(&format!(" AND {column} < ")).bind(format!("{q}\u{10FFFF}"));
    if let Some(account_id) = account_id {
        sql.push(" AND account_id = ").bind(account_id.to_owned());
    }
    sql.push(&format!(" ORDER BY {column}, id LIMIT ")).bind(limit);
    sql.fetch_all(c).await
}

/// What a picker offers for `q` (lower-cased): names that start with it first, by name; then, to
/// fill `limit`, names that contain it.
async fn pick(c: &mut Conn, table: &str, q: &str, account_id: Option<&str>, limit: i64) -> Result<Vec<Row>> {
    let column = ordered_name(c);
    let upper = format!("{q}\u{10FFFF}");
    let mut rows = starting_with(c, table, q, account_id, limit).await?;
    let wanted = limit - i64::try_from(rows.len()).unwrap_or(limit);
    // Inside names: from the trigram index (three letters at least make a trigram); fewer letters
    // find what starts with them only.
    if wanted > 0 && q.chars().count() >= 3 {
        let mut sql = Sql::new(&format!("SELECT * FROM {table} WHERE NOT ({column} >= "));
        sql.bind(q.to_owned()).push(&format!(" AND {column} < ")).bind(upper).push(") AND");
        // A common word inside ten thousand names would be sorted whole for ten lines: the
        // first few hundred found are sorted instead, and typing more narrows them.
        let literal = !q.contains(['%', '_', '\\']);
        if literal && c.is_sqlite() {
            // SQLite: the trigram table of the names (migration 0012) answers the LIKE.
            let names = if table == "accounts" { "account_names" } else { "contact_names" };
            sql.push(&format!(" id IN (SELECT id FROM {names} WHERE name_lower LIKE ")).bind(format!("%{q}%"));
        } else {
            // PostgreSQL's trigram index (pg_trgm) serves the plain LIKE.
            sql.push(&format!(" id IN (SELECT id FROM {table} WHERE")).push_contains("name_lower", q);
        }
        sql.push(&format!(" LIMIT {CANDIDATES})"));
        if let Some(account_id) = account_id {
            sql.push(" AND account_id = ").bind(account_id.to_owned());
        }
        sql.push(" ORDER BY name, id LIMIT ").bind(wanted);
        rows.extend(sql.fetch_all(c).await?);
    }
    Ok(rows)
}

/// The names of the rows of `table` with these ids (those that exist), read in one query.
async fn names(c: &mut crate::db::Conn, table: &str, ids: &[String]) -> Result<HashMap<String, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(&format!("SELECT id, name FROM {table} WHERE"));
    sql.push_in("id", &ids);
    sql.fetch_all(c).await?.iter().map(|row| Ok((row.text("id")?, row.text("name")?))).collect()
}

impl<A> Accounts<'_, A> {
    /// What the account picker offers for `q` (lower-cased).
    pub async fn pick(&mut self, q: &str, limit: i64) -> Result<Vec<AccountRecord>> {
        pick(self.c, "accounts", q, None, limit).await?.iter().map(account).collect()
    }

    /// The names of the accounts of these ids (those that exist), read in one query.
    pub async fn names(&mut self, ids: &[String]) -> Result<HashMap<String, String>> {
        names(self.c, "accounts", ids).await
    }

    pub async fn get(&mut self, id: &str) -> Result<AccountRecord> {
        let row = crate::db::query("SELECT * FROM accounts WHERE id = $1").bind(id).fetch_one(&mut *self.c).await?;
        account(&row)
    }

    pub async fn exists(&mut self, id: &str) -> Result<bool> {
        crate::sql::exists(self.c, "accounts", id).await
    }

    /// Accounts whose name contains `q` (lower-cased), by name.
    pub async fn search(&mut self, q: Option<&str>, limit: i64) -> Result<Vec<AccountRecord>> {
        self.page(q, None, limit).await
    }

    /// A page of accounts by name, after the (name, id) of the page before.
    pub async fn page(&mut self, q: Option<&str>, after: Option<(&str, &str)>, limit: i64) -> Result<Vec<AccountRecord>> {
        by_name(self.c, "accounts", q, None, after, limit).await?.iter().map(account).collect()
    }

    /// A page of accounts whose name contains `q` (lower-cased), sorted by a column.
    pub async fn sorted(&mut self, q: Option<&str>, sorted: &Sorted<AccountSort>, limit: i64) -> Result<Vec<AccountRecord>> {
        let mut sql = Sql::new("SELECT * FROM accounts WHERE 1 = 1");
        if let Some(q) = q {
            sql.push(" AND").push_contains("name_lower", q);
        }
        sql.push_sorted(sorted, "id", limit);
        sql.fetch_all(self.c).await?.iter().map(account).collect()
    }
}

impl Accounts<'_, Write> {
    pub async fn insert(&mut self, a: &AccountRecord) -> Result<()> {
        crate::db::query(
            "INSERT INTO accounts (id, name, name_lower, industry, website, phone, owner_id, created_at, updated_at, tax_number, name_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)",
        )
        .bind(&a.id)
        .bind(&a.name)
        .bind(a.name.to_lowercase())
        .bind(&a.industry)
        .bind(&a.website)
        .bind(&a.phone)
        .bind(&a.owner_id)
        .bind(millis(a.created_at))
        .bind(&a.tax_number)
        .bind(name_key(&a.name))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    pub async fn update(&mut self, a: &AccountRecord, now: jiff::Timestamp) -> Result<()> {
        crate::db::query(
            "UPDATE accounts SET name = $2, name_lower = $3, industry = $4, website = $5, phone = $6, owner_id = $7, updated_at = $8,
                 tax_number = $9, name_key = $10 WHERE id = $1",
        )
        .bind(&a.id)
        .bind(&a.name)
        .bind(a.name.to_lowercase())
        .bind(&a.industry)
        .bind(&a.website)
        .bind(&a.phone)
        .bind(&a.owner_id)
        .bind(millis(now))
        .bind(&a.tax_number)
        .bind(name_key(&a.name))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }
}

impl<A> Contacts<'_, A> {
    /// The names of the contacts of these ids (those that exist), read in one query.
    pub async fn names(&mut self, ids: &[String]) -> Result<HashMap<String, String>> {
        names(self.c, "contacts", ids).await
    }

    pub async fn get(&mut self, id: &str) -> Result<ContactRecord> {
        let row = crate::db::query("SELECT * FROM contacts WHERE id = $1").bind(id).fetch_one(&mut *self.c).await?;
        contact(&row)
    }

    pub async fn exists(&mut self, id: &str) -> Result<bool> {
        crate::sql::exists(self.c, "contacts", id).await
    }

    /// What the contact picker offers for `q` (lower-cased), optionally of one account.
    pub async fn pick(&mut self, q: &str, account_id: Option<&str>, limit: i64) -> Result<Vec<ContactRecord>> {
        pick(self.c, "contacts", q, account_id, limit).await?.iter().map(contact).collect()
    }

    /// Contacts whose name contains `q`, optionally of one account, by name.
    pub async fn search(&mut self, q: Option<&str>, account_id: Option<&str>, limit: i64) -> Result<Vec<ContactRecord>> {
        self.page(q, account_id, None, limit).await
    }

    /// A page of contacts by name, after the (name, id) of the page before.
    pub async fn page(
        &mut self,
        q: Option<&str>,
        account_id: Option<&str>,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<ContactRecord>> {
        by_name(self.c, "contacts", q, account_id, after, limit).await?.iter().map(contact).collect()
    }

    /// A page of contacts whose name contains `q` (lower-cased), sorted by a column.
    pub async fn sorted(&mut self, q: Option<&str>, sorted: &Sorted<ContactSort>, limit: i64) -> Result<Vec<ContactRecord>> {
        let mut sql = Sql::new("SELECT x.* FROM contacts x WHERE 1 = 1");
        if let Some(q) = q {
            sql.push(" AND").push_contains("x.name_lower", q);
        }
        sql.push_sorted(sorted, "x.id", limit);
        sql.fetch_all(self.c).await?.iter().map(contact).collect()
    }
}

impl Contacts<'_, Write> {
    pub async fn insert(&mut self, x: &ContactRecord) -> Result<()> {
        crate::db::query(
            "INSERT INTO contacts (id, name, name_lower, email, phone, job_title, account_id, owner_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&x.id)
        .bind(&x.name)
        .bind(x.name.to_lowercase())
        .bind(&x.email)
        .bind(&x.phone)
        .bind(&x.job_title)
        .bind(&x.account_id)
        .bind(&x.owner_id)
        .bind(millis(x.created_at))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }

    pub async fn update(&mut self, x: &ContactRecord, now: jiff::Timestamp) -> Result<()> {
        crate::db::query(
            "UPDATE contacts SET name = $2, name_lower = $3, email = $4, phone = $5, job_title = $6, account_id = $7, owner_id = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(&x.id)
        .bind(&x.name)
        .bind(x.name.to_lowercase())
        .bind(&x.email)
        .bind(&x.phone)
        .bind(&x.job_title)
        .bind(&x.account_id)
        .bind(&x.owner_id)
        .bind(millis(now))
        .execute(&mut *self.c)
        .await?;
        Ok(())
    }
}

impl<A> Orders<'_, A> {
    /// The orders made from one opportunity, oldest first.
    pub async fn of_opportunity(&mut self, opportunity_id: &str) -> Result<Vec<OrderRecord>> {
        let rows = crate::db::query("SELECT * FROM orders WHERE opportunity_id = $1 ORDER BY created_at, id")
            .bind(opportunity_id)
            .fetch_all(&mut *self.c)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(OrderRecord {
                    id: row.text("id")?,
                    opportunity_id: row.text("opportunity_id")?,
                    amount: row.money("amount")?.unwrap_or(Money::ZERO),
                    status: row.text("status")?,
                    created_by: row.opt_text("created_by")?,
                    created_at: row.at("created_at")?,
                })
            })
            .collect()
    }
}

impl Orders<'_, Write> {
    pub async fn insert(&mut self, o: &OrderRecord) -> Result<()> {
        crate::db::query("INSERT INTO orders (id, opportunity_id, amount, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&o.id)
            .bind(&o.opportunity_id)
            .bind(o.amount.minor_units())
            .bind(&o.status)
            .bind(&o.created_by)
            .bind(millis(o.created_at))
            .execute(&mut *self.c)
            .await?;
        Ok(())
    }
}
