//! SQL as written, for the tools that stand beside the services rather than on them: the
//! benchmark's bare-SQL floor, the generator of large datasets (many-row inserts), and tests that
//! fingerprint the database or break its rules on purpose. Behind the `raw` feature; the
//! server's own code never uses it (`dealflow-server`'s layering test checks).

use sqlx::AnyConnection;
use sqlx::Executor;

use crate::{Result, Store, WriteTx};

/// A value to bind. The null variants say the column's type, which PostgreSQL needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    NullText,
    NullInt,
    NullFloat,
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<Option<i64>> for Value {
    fn from(n: Option<i64>) -> Value {
        n.map_or(Value::NullInt, Value::Int)
    }
}

impl From<Option<&str>> for Value {
    fn from(text: Option<&str>) -> Value {
        text.map_or(Value::NullText, Value::from)
    }
}

impl From<Option<f64>> for Value {
    fn from(x: Option<f64>) -> Value {
        x.map_or(Value::NullFloat, Value::Float)
    }
}

/// Raw SQL on one connection: a write transaction's, or a pooled one.
pub struct Raw<'c> {
    c: &'c mut AnyConnection,
}

/// A pooled connection for raw SQL outside a transaction.
pub struct RawConnection(sqlx::pool::PoolConnection<sqlx::Any>);

impl RawConnection {
    pub fn sql(&mut self) -> Raw<'_> {
        Raw { c: &mut self.0 }
    }
}

impl Store {
    pub async fn raw(&self) -> Result<RawConnection> {
        Ok(RawConnection(self.pool.acquire().await?))
    }
}

impl WriteTx {
    pub fn raw(&mut self) -> Raw<'_> {
        Raw { c: self.connection() }
    }
}

fn query<'q>(sql: &'q str, values: &'q [Value], keep_prepared: bool) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(keep_prepared);
    for value in values {
        query = match value {
            Value::Text(v) => query.bind(v.as_str()),
            Value::Int(v) => query.bind(*v),
            Value::Float(v) => query.bind(*v),
            Value::NullText => query.bind(None::<String>),
            Value::NullInt => query.bind(None::<i64>),
            Value::NullFloat => query.bind(None::<f64>),
        };
    }
    query
}

impl Raw<'_> {
    /// Runs one statement; answers how many rows it changed.
    pub async fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64> {
        Ok(query(sql, values, true).execute(&mut *self.c).await?.rows_affected())
    }

    /// As [`Raw::execute`], without keeping the statement prepared: on PostgreSQL sqlx's Any
    /// driver declares a NULL double as `real`, so a statement prepared with a NULL in a place
    /// refuses a number there later.
    pub async fn execute_once(&mut self, sql: &str, values: &[Value]) -> Result<u64> {
        Ok(query(sql, values, false).execute(&mut *self.c).await?.rows_affected())
    }

    /// Runs several statements separated by semicolons, without values.
    pub async fn script(&mut self, sql: &str) -> Result<()> {
        self.c.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))).await?;
        Ok(())
    }

    /// The first column of the first row, as a whole number (`None` for NULL).
    pub async fn int(&mut self, sql: &str, values: &[Value]) -> Result<Option<i64>> {
        let row = query(sql, values, true).fetch_one(&mut *self.c).await?;
        Ok(sqlx::Row::try_get(&row, 0)?)
    }

    /// The first column of every row, as text.
    pub async fn texts(&mut self, sql: &str, values: &[Value]) -> Result<Vec<String>> {
        let rows = query(sql, values, true).fetch_all(&mut *self.c).await?;
        rows.iter().map(|row| Ok(sqlx::Row::try_get(row, 0)?)).collect()
    }
}
