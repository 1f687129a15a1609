//! What every aggregate's SQL shares: typed column readers, the portable query builder, and the
//! conversions between domain values and the portable schema's columns.

use jiff::Timestamp;

use crate::db::{Bind, Col, Conn, Done, FromColumn, Query, Row, Value};
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

/// An update or delete of one row by its key: `NotFound` when there was none.
pub(crate) fn one_row(done: &Done) -> Result<()> {
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Typed column readers that turn bad stored values into `StoreError::Corrupt`.
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn opt_float(&self, column: &str) -> Result<Option<f64>>;
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

impl RowExt for Row {
    fn text(&self, column: &str) -> Result<String> {
        String::from_column(self, Col::Name(column))
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Option::from_column(self, Col::Name(column))
    }
    fn int(&self, column: &str) -> Result<i64> {
        i64::from_column(self, Col::Name(column))
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Option::from_column(self, Col::Name(column))
    }
    fn opt_float(&self, column: &str) -> Result<Option<f64>> {
        Option::from_column(self, Col::Name(column))
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON")
}

/// Builds SQL with `$1, $2, …` placeholders for both backends, binding each value where it is
/// written.
pub(crate) struct Sql {
    text: String,
    args: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_owned(), args: Vec::new() }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: impl Bind) -> &mut Sql {
        self.args.push(value.value());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// `column LIKE '%text%'` with `text`'s own `%`, `_` and `\\` taken literally.
    pub(crate) fn push_contains(&mut self, column: &str, text: &str) -> &mut Sql {
        // The searched columns hold lower-case text; the query is folded the same way here, once.
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        self.push(&format!(" {column} LIKE ")).bind(format!("%{escaped}%")).push(" ESCAPE '\\'")
    }

    /// `column IN ($n, …)` over `values`; an empty list matches nothing. The list is padded with
    /// its last value to a power of two, so that lists of any length share a few statements:
    /// every connection keeps the statements it prepared, and one statement per length (the
    /// daily health run's batches of up to a thousand deals) grew the server by 130 MB.
    pub(crate) fn push_in(&mut self, column: &str, values: &[String]) -> &mut Sql {
        let Some(last) = values.last() else {
            return self.push(" 1 = 0");
        };
        self.push(&format!(" {column} IN ("));
        let padded = values.iter().chain(std::iter::repeat(last)).take(values.len().next_power_of_two());
        for (i, value) in padded.enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value.clone());
        }
        self.push(")")
    }

    /// `AND (column < at OR (column = at AND id < after_id))`: the rows after a keyset position
    /// in a list ordered by `column` then `id`, newest first.
    pub(crate) fn push_before(&mut self, column: &str, id_column: &str, after: &After) -> &mut Sql {
        if let Some((at, id)) = after {
            self.push(&format!(" AND ({column} < ")).bind(*at).push(&format!(" OR ({column} = ")).bind(*at);
            self.push(&format!(" AND {id_column} < ")).bind(id.clone()).push("))");
        }
        self
    }

    pub(crate) async fn execute(self, c: &mut Conn) -> Result<u64> {
        Ok(Query::from_parts(self.text, self.args).execute(c).await?.rows_affected())
    }

    pub(crate) async fn fetch_all(self, c: &mut Conn) -> Result<Vec<Row>> {
        Query::from_parts(self.text, self.args).fetch_all(c).await
    }
}

/// Which owners' records a reader may see; `None` means everyone's.
pub type OwnerScope<'a> = Option<&'a [String]>;

/// A keyset position in a list ordered newest first: (time in ms, id).
pub type After = Option<(i64, String)>;

/// PostgreSQL takes `SELECT … FOR UPDATE`; SQLite has no row locks and needs none, because its
/// write transactions already hold the database lock.
pub(crate) fn for_update(conn: &Conn) -> &'static str {
    if conn.is_sqlite() { "" } else { " FOR UPDATE" }
}

/// Whether a row with this id exists in `table` (a name of ours, never input).
pub(crate) async fn exists(c: &mut Conn, table: &'static str, id: &str) -> Result<bool> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1");
    let found: i64 = crate::db::query_scalar(sql).bind(id).fetch_one(c).await?;
    Ok(found > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_many_lengths_share_a_few_statements() {
        let ids = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        let made = |n: usize| {
            let mut sql = Sql::new("SELECT 1 FROM t WHERE");
            sql.push_in("id", &ids(n));
            sql
        };
        let three = made(3);
        assert_eq!(three.text, "SELECT 1 FROM t WHERE id IN ($1, $2, $3, $4)");
        assert_eq!(three.args, ["0", "1", "2", "2"].map(|v| Value::Text(v.into())));
        let texts: std::collections::BTreeSet<String> = (1..=1000).map(|n| made(n).text).collect();
        assert_eq!(texts.len(), 11, "1, 2, 4, … 1024 values");
        assert_eq!(made(0).text, "SELECT 1 FROM t WHERE 1 = 0");
    }
}
