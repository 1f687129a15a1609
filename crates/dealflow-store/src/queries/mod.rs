//! The SQL of dealflow, one module per kind of record. Every function takes a connection, so it
//! works the same inside a write transaction and outside one.

pub mod activities;
pub mod auth;
pub mod customers;
pub mod effects;
pub mod leads;
pub mod lookups;
pub mod notifications;
pub mod opportunities;
pub mod processes;
pub mod users;

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};
use dealflow_core::{Money, StageCode};

pub(crate) fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

pub(crate) fn instant(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// Typed column readers that turn bad stored values into `StoreError::Corrupt`.
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    /// A whole number that must fit `T` (a count, a position, a version).
    fn number<T: TryFrom<i64>>(&self, column: &str) -> Result<T>
    where
        T::Error: std::fmt::Display,
    {
        T::try_from(self.int(column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
    fn boolean(&self, column: &str) -> Result<bool> {
        Ok(self.int(column)? != 0)
    }
    fn at(&self, column: &str) -> Result<Timestamp> {
        instant(self.int(column)?)
    }
    fn opt_at(&self, column: &str) -> Result<Option<Timestamp>> {
        self.opt_int(column)?.map(instant).transpose()
    }
    fn money(&self, column: &str) -> Result<Option<Money>> {
        Ok(self.opt_int(column)?.map(Money::from_minor_units))
    }
    fn stage(&self, column: &str) -> Result<StageCode> {
        StageCode::parse(&self.text(column)?).map_err(StoreError::Corrupt)
    }
    fn opt_stage(&self, column: &str) -> Result<Option<StageCode>> {
        self.opt_text(column)?.map(|s| StageCode::parse(&s).map_err(StoreError::Corrupt)).transpose()
    }
    fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T> {
        serde_json::from_str(&self.text(column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON")
}

/// Builds SQL with `$1, $2, …` placeholders for both backends (sqlx's QueryBuilder writes `?`
/// for the Any driver, which PostgreSQL does not take).
pub struct Sql {
    text: String,
    args: sqlx::any::AnyArguments,
    count: usize,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_owned(), args: sqlx::any::AnyArguments::default(), count: 0 }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    pub fn bind<T>(&mut self, value: T) -> &mut Sql
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        use sqlx::Arguments;
        self.count += 1;
        self.text.push_str(&format!("${}", self.count));
        self.args.add(value).expect("values of the portable types always encode");
        self
    }

    /// `column LIKE '%text%'` with `text`'s own `%`, `_` and `\\` taken literally.
    pub fn push_contains(&mut self, column: &str, text: &str) -> &mut Sql {
        // The searched columns hold lower-case text; the query is folded the same way here, once.
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        self.push(&format!(" {column} LIKE ")).bind(format!("%{escaped}%")).push(" ESCAPE '\\'")
    }

    /// `column IN ($n, …)` over `values`; an empty list matches nothing.
    pub fn push_in(&mut self, column: &str, values: &[String]) -> &mut Sql {
        if values.is_empty() {
            return self.push(" 1 = 0");
        }
        self.push(&format!(" {column} IN ("));
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value.clone());
        }
        self.push(")")
    }

    pub async fn fetch_all(self, c: &mut AnyConnection) -> Result<Vec<AnyRow>> {
        Ok(sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args).fetch_all(c).await?)
    }
}

use sqlx::AnyConnection;

/// Which owners' records a reader may see; `None` means everyone's.
pub type OwnerScope<'a> = Option<&'a [String]>;

/// A keyset position in a list ordered newest first: (created_at in ms, id).
pub type After = Option<(i64, String)>;

/// Tables a reference may point into.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Accounts,
    Contacts,
    KnowledgeArticles,
    Opportunities,
    Users,
}

/// Whether a row with this id exists.
pub async fn exists(c: &mut AnyConnection, table: Table, id: &str) -> Result<bool> {
    let sql = match table {
        Table::Accounts => "SELECT COUNT(*) FROM accounts WHERE id = $1",
        Table::Contacts => "SELECT COUNT(*) FROM contacts WHERE id = $1",
        Table::KnowledgeArticles => "SELECT COUNT(*) FROM knowledge_articles WHERE id = $1",
        Table::Opportunities => "SELECT COUNT(*) FROM opportunities WHERE id = $1",
        Table::Users => "SELECT COUNT(*) FROM users WHERE id = $1",
    };
    let found: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(c).await?;
    Ok(found > 0)
}
