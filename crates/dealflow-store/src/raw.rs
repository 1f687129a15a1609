//! SQL as written, for the tools that stand beside the services rather than on them: the
//! benchmark's bare-SQL floor, the generator of large datasets (many-row inserts), and tests that
//! fingerprint the database or break its rules on purpose. Behind the `raw` feature; the
//! server's own code never uses it (`dealflow-server`'s layering test checks).

use crate::db::{Conn, FromColumn, Query, Scalar, query_scalar};
use crate::{Result, Store, WriteTx};

pub use crate::db::Value;

macro_rules! value_from {
    ($($t:ty),*) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Value {
                crate::db::Bind::value(v)
            }
        })*
    };
}

value_from!(&str, String, i64, f64, Option<i64>, Option<&str>, Option<f64>);

/// Raw SQL on one connection: a write transaction's, or a pooled one.
pub struct Raw<'c> {
    c: &'c mut Conn,
}

/// A pooled connection for raw SQL outside a transaction.
pub struct RawConnection(Conn);

impl RawConnection {
    pub fn sql(&mut self) -> Raw<'_> {
        Raw { c: &mut self.0 }
    }
}

impl Store {
    pub async fn raw(&self) -> Result<RawConnection> {
        Ok(RawConnection(self.connection().await?))
    }
}

impl WriteTx {
    pub fn raw(&mut self) -> Raw<'_> {
        Raw { c: self.connection() }
    }
}

fn scalar<T: FromColumn>(sql: &str, values: &[Value]) -> Scalar<T> {
    values.iter().fold(query_scalar(sql.to_owned()), |scalar, value| scalar.bind(value.clone()))
}

impl Raw<'_> {
    /// Runs one statement; answers how many rows it changed. Values given by value are not
    /// copied (the generator's many-row inserts).
    pub async fn execute(&mut self, sql: &str, values: impl Into<Vec<Value>>) -> Result<u64> {
        Ok(Query::from_parts(sql.to_owned(), values.into()).execute(self.c).await?.rows_affected())
    }

    /// Runs several statements separated by semicolons, without values.
    pub async fn script(&mut self, sql: &str) -> Result<()> {
        self.c.script(sql).await
    }

    /// The first column of the first row, as a whole number (`None` for NULL).
    pub async fn int(&mut self, sql: &str, values: &[Value]) -> Result<Option<i64>> {
        scalar(sql, values).fetch_one(self.c).await
    }

    /// The first column of every row, as text.
    pub async fn texts(&mut self, sql: &str, values: &[Value]) -> Result<Vec<String>> {
        scalar(sql, values).fetch_all(self.c).await
    }
}
