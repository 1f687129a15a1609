//! One connection, native on either backend: rusqlite on SQLite, sqlx's PostgreSQL driver on
//! PostgreSQL. The aggregates write their SQL once, with `$1, $2, …` placeholders and the
//! portable schema's types (text, whole numbers, doubles, bytes), and run it through
//! [`query`] / [`query_scalar`] on a [`Conn`].
//!
//! On SQLite a statement runs on the calling thread, prepared once and kept in the connection's
//! cache: the database is in this process and a statement takes microseconds, so handing it to
//! another thread would cost more than running it. Only what waits — the disk's flush at commit,
//! a lock held by another process — goes to a blocking thread (see `write`).

use std::borrow::Cow;
use std::sync::Arc;

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, Column, Row as _, TypeInfo, ValueRef};

use crate::lite::LiteConn;
use crate::{Result, StoreError};

/// A connection of either backend, pooled or inside a transaction.
pub(crate) enum Conn {
    Lite(LiteConn),
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
    PgTx(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Conn {
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Conn::Lite(_))
    }

    fn pg(&mut self) -> &mut sqlx::PgConnection {
        match self {
            Conn::Pg(c) => c,
            Conn::PgTx(tx) => tx,
            Conn::Lite(_) => unreachable!("an SQLite connection"),
        }
    }

    /// Runs statements separated by semicolons, without values.
    pub(crate) async fn script(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            _ => {
                use sqlx::Executor;
                self.pg().execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))).await?;
                Ok(())
            }
        }
    }
}

/// A value to bind. The null variants say the column's type, which PostgreSQL needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    NullText,
    NullInt,
    NullFloat,
}

/// What may be bound to a placeholder.
pub(crate) trait Bind {
    fn value(self) -> Value;
}

macro_rules! bind_as {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl Bind for $t { fn value(self) -> Value { let $v = self; $e } })*
    };
}

bind_as! {
    Value => |v| v,
    &str => |v| Value::Text(v.to_owned()),
    String => |v| Value::Text(v),
    &String => |v| Value::Text(v.clone()),
    i64 => |v| Value::Int(v),
    f64 => |v| Value::Float(v),
    Vec<u8> => |v| Value::Bytes(v),
    &Vec<u8> => |v| Value::Bytes(v.clone()),
    &[u8] => |v| Value::Bytes(v.to_vec()),
    Option<&str> => |v| v.map_or(Value::NullText, Bind::value),
    Option<String> => |v| v.map_or(Value::NullText, Value::Text),
    &Option<String> => |v| v.as_ref().map_or(Value::NullText, Bind::value),
    Option<&String> => |v| v.map_or(Value::NullText, Bind::value),
    Option<i64> => |v| v.map_or(Value::NullInt, Value::Int),
    Option<f64> => |v| v.map_or(Value::NullFloat, Value::Float),
}

/// A statement and its values.
pub(crate) struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
}

/// A statement with `$1, $2, …` placeholders; a `String` for SQL put together from our own parts.
pub(crate) fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query { sql: sql.into(), args: Vec::new() }
}

/// A statement whose answer is its first column.
pub(crate) fn query_scalar<T: FromColumn>(sql: impl Into<Cow<'static, str>>) -> Scalar<T> {
    Scalar { query: query(sql), _type: std::marker::PhantomData }
}

/// The answer of a statement that changes rows.
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

impl Query {
    pub(crate) fn from_parts(sql: String, args: Vec<Value>) -> Query {
        Query { sql: sql.into(), args }
    }

    pub(crate) fn bind(mut self, value: impl Bind) -> Query {
        self.args.push(value.value());
        self
    }

    pub(crate) async fn execute(self, c: &mut Conn) -> Result<Done> {
        match c {
            Conn::Lite(lite) => Ok(Done(lite.run(&self.sql, &self.args, |_| Ok(true))?)),
            _ => {
                let done = self.pg_query(true).execute(c.pg()).await?;
                Ok(Done(done.rows_affected()))
            }
        }
    }

    pub(crate) async fn fetch_all(self, c: &mut Conn) -> Result<Vec<Row>> {
        match c {
            Conn::Lite(lite) => {
                let mut rows = Vec::new();
                lite.run(&self.sql, &self.args, |row| {
                    rows.push(Row::Lite(row));
                    Ok(true)
                })?;
                Ok(rows)
            }
            _ => Ok(self.pg_query(true).fetch_all(c.pg()).await?.into_iter().map(Row::Pg).collect()),
        }
    }

    pub(crate) async fn fetch_optional(self, c: &mut Conn) -> Result<Option<Row>> {
        match c {
            Conn::Lite(lite) => {
                let mut first = None;
                // The first row is the answer; an UPDATE … RETURNING has done its work by then.
                lite.run(&self.sql, &self.args, |row| {
                    first = Some(Row::Lite(row));
                    Ok(false)
                })?;
                Ok(first)
            }
            _ => Ok(self.pg_query(true).fetch_optional(c.pg()).await?.map(Row::Pg)),
        }
    }

    pub(crate) async fn fetch_one(self, c: &mut Conn) -> Result<Row> {
        self.fetch_optional(c).await?.ok_or(StoreError::NotFound)
    }

    fn pg_query(&self, keep_prepared: bool) -> sqlx::query::Query<'_, sqlx::Postgres, PgArguments> {
        let mut args = PgArguments::default();
        for value in &self.args {
            let added = match value {
                Value::Text(v) => args.add(v.as_str()),
                Value::Int(v) => args.add(*v),
                Value::Float(v) => args.add(*v),
                Value::Bytes(v) => args.add(v.as_slice()),
                Value::NullText => args.add(None::<&str>),
                Value::NullInt => args.add(None::<i64>),
                Value::NullFloat => args.add(None::<f64>),
            };
            added.expect("values of the portable types always encode");
        }
        sqlx::query_with(sqlx::AssertSqlSafe(self.sql.as_ref()), args).persistent(keep_prepared)
    }
}

/// A statement answering one column.
pub(crate) struct Scalar<T> {
    query: Query,
    _type: std::marker::PhantomData<T>,
}

impl<T: FromColumn> Scalar<T> {
    pub(crate) fn bind(mut self, value: impl Bind) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_one(self, c: &mut Conn) -> Result<T> {
        T::from_column(&self.query.fetch_one(c).await?, Col::Index(0))
    }

    pub(crate) async fn fetch_optional(self, c: &mut Conn) -> Result<Option<T>> {
        self.query.fetch_optional(c).await?.map(|row| T::from_column(&row, Col::Index(0))).transpose()
    }

    pub(crate) async fn fetch_all(self, c: &mut Conn) -> Result<Vec<T>> {
        self.query.fetch_all(c).await?.iter().map(|row| T::from_column(row, Col::Index(0))).collect()
    }
}

/// A row of either backend. SQLite's are copied out of the statement as they are stepped.
pub(crate) enum Row {
    Lite(LiteRow),
    Pg(PgRow),
}

/// An SQLite row: the statement's column names and this row's values.
pub(crate) struct LiteRow {
    pub(crate) columns: Arc<[String]>,
    pub(crate) values: Vec<Cell>,
}

/// A column by name or position.
#[derive(Clone, Copy)]
pub(crate) enum Col<'a> {
    Name(&'a str),
    Index(usize),
}

impl std::fmt::Display for Col<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Col::Name(name) => f.write_str(name),
            Col::Index(i) => write!(f, "column {i}"),
        }
    }
}

/// One stored value, whichever backend it came from.
#[derive(Clone)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Row {
    pub(crate) fn cell(&self, col: Col<'_>) -> Result<Cell> {
        match self {
            Row::Lite(row) => {
                let index = match col {
                    Col::Index(i) => i,
                    Col::Name(name) => {
                        row.columns.iter().position(|c| c == name).ok_or_else(|| StoreError::Corrupt(format!("no column {name}")))?
                    }
                };
                row.values.get(index).cloned().ok_or_else(|| StoreError::Corrupt(format!("no {col}")))
            }
            Row::Pg(row) => {
                let index = match col {
                    Col::Index(i) => i,
                    Col::Name(name) => row.try_column(name)?.ordinal(),
                };
                let raw = row.try_get_raw(index)?;
                if raw.is_null() {
                    return Ok(Cell::Null);
                }
                let kind = raw.type_info().name().to_owned();
                Ok(match kind.as_str() {
                    "INT8" => Cell::Int(row.try_get::<i64, _>(index)?),
                    "INT4" => Cell::Int(row.try_get::<i32, _>(index)?.into()),
                    "INT2" => Cell::Int(row.try_get::<i16, _>(index)?.into()),
                    "BOOL" => Cell::Int(row.try_get::<bool, _>(index)?.into()),
                    "FLOAT8" => Cell::Float(row.try_get::<f64, _>(index)?),
                    "FLOAT4" => Cell::Float(row.try_get::<f32, _>(index)?.into()),
                    "BYTEA" => Cell::Bytes(row.try_get::<Vec<u8>, _>(index)?),
                    _ => Cell::Text(row.try_get::<String, _>(index)?),
                })
            }
        }
    }
}

/// A Rust value read from one column, refusing what does not fit.
pub(crate) trait FromColumn: Sized {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self>;
}

fn wrong(col: Col<'_>, wanted: &str) -> StoreError {
    StoreError::Corrupt(format!("{col} is not {wanted}"))
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self> {
        match row.cell(col)? {
            Cell::Null => Ok(None),
            _ => T::from_column(row, col).map(Some),
        }
    }
}

impl FromColumn for i64 {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self> {
        match row.cell(col)? {
            Cell::Int(n) => Ok(n),
            _ => Err(wrong(col, "a whole number")),
        }
    }
}

impl FromColumn for f64 {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self> {
        match row.cell(col)? {
            Cell::Float(x) => Ok(x),
            #[allow(clippy::cast_precision_loss)]
            Cell::Int(n) => Ok(n as f64),
            _ => Err(wrong(col, "a number")),
        }
    }
}

impl FromColumn for String {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self> {
        match row.cell(col)? {
            Cell::Text(s) => Ok(s),
            _ => Err(wrong(col, "text")),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_column(row: &Row, col: Col<'_>) -> Result<Self> {
        match row.cell(col)? {
            Cell::Bytes(b) => Ok(b),
            Cell::Text(s) => Ok(s.into_bytes()),
            _ => Err(wrong(col, "bytes")),
        }
    }
}

/// `$n` placeholders as SQLite's numbered `?n` (a `$n` would be a named parameter, numbered in
/// the order of first appearance, not by its digits).
pub(crate) fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_keep_their_numbers_and_other_dollars_stay() {
        assert_eq!(numbered("UPDATE t SET a = $2 WHERE id = $1 AND b = $12"), "UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?12");
        assert_eq!(numbered("SELECT '$x'"), "SELECT '$x'");
    }
}
