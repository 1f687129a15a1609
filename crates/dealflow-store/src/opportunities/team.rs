//! A team's figures side by side and month by month, added up where the rows are: each owner's
//! deals are one range of the analytics index (migration 0006), which holds every column read.

use dealflow_core::Money;
use dealflow_core::comparison::{MonthFigures, OwnerFigures};
use jiff::civil::Date;

use super::Opportunities;
use crate::Result;
use crate::sql::{OwnerScope, RowExt, Sql};

const DAY_MILLIS: f64 = 86_400_000.0;

impl<A> Opportunities<'_, A> {
    /// Per owner in `scope` (everyone's for `None`) with any deal: the deals won and lost with a
    /// close time in `[from, to)` (milliseconds; open ends for `None`), and the deals open now.
    pub async fn figures_by_owner(&mut self, scope: OwnerScope<'_>, (from, to): (Option<i64>, Option<i64>)) -> Result<Vec<OwnerFigures>> {
        let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
        let mut sql = Sql::new("SELECT o.owner_id");
        let closed = |sql: &mut Sql, won: i64, value: &str, name: &str| {
            sql.push(" , CAST(SUM(CASE WHEN s.is_final = 1 AND s.is_won = ").bind(won).push(" AND o.closed_at >= ").bind(from);
            sql.push(" AND o.closed_at < ").bind(to).push(&format!(" THEN {value} ELSE 0 END) AS BIGINT) AS {name}"));
        };
        closed(&mut sql, 1, "1", "won");
        closed(&mut sql, 1, "COALESCE(o.actual_revenue, o.amount, 0)", "won_revenue");
        closed(&mut sql, 1, "o.closed_at - o.created_at", "won_cycle");
        closed(&mut sql, 0, "1", "lost");
        sql.push(", CAST(SUM(CASE WHEN s.is_final = 0 THEN 1 ELSE 0 END) AS BIGINT) AS open");
        sql.push(", CAST(SUM(CASE WHEN s.is_final = 0 THEN COALESCE(o.amount, 0) ELSE 0 END) AS BIGINT) AS open_amount");
        sql.push(" FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE 1 = 1");
        if let Some(owners) = scope {
            sql.push(" AND").push_in("o.owner_id", owners);
        }
        sql.push(" GROUP BY o.owner_id");
        sql.fetch_all(self.c)
            .await?
            .iter()
            .map(|row| {
                Ok(OwnerFigures {
                    owner_id: row.text("owner_id")?,
                    won: row.number("won")?,
                    won_revenue: Money::from_minor_units(row.int("won_revenue")?),
                    lost: row.number("lost")?,
                    open: row.number("open")?,
                    open_amount: Money::from_minor_units(row.int("open_amount")?),
                    won_cycle_days: row.int("won_cycle")? as f64 / DAY_MILLIS,
                })
            })
            .collect()
    }

    /// The deals of `scope` (and of one owner, when given) closed in each month: `bounds` are the
    /// instants (milliseconds) the months start at, the last one the end of the last month.
    pub async fn closed_by_month(
        &mut self,
        scope: OwnerScope<'_>,
        owner_id: Option<&str>,
        months: &[Date],
        bounds: &[i64],
    ) -> Result<Vec<MonthFigures>> {
        let mut figures: Vec<MonthFigures> =
            months.iter().take(bounds.len().saturating_sub(1)).map(|&month| MonthFigures { month, ..MonthFigures::default() }).collect();
        let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else { return Ok(figures) };
        // The month's number, from the bounds: portable, and exact in the reader's time zone.
        let mut sql = Sql::new("SELECT CASE");
        for (i, end) in bounds.iter().enumerate().skip(1) {
            sql.push(" WHEN o.closed_at < ").bind(*end).push(&format!(" THEN {}", i - 1));
        }
        sql.push(" END AS month, s.is_won AS won, COUNT(*) AS n, CAST(SUM(COALESCE(o.actual_revenue, o.amount, 0)) AS BIGINT) AS revenue");
        sql.push(" FROM opportunities o JOIN opportunity_stages s ON s.code = o.stage WHERE s.is_final = 1 AND o.closed_at >= ")
            .bind(*first);
        sql.push(" AND o.closed_at < ").bind(*last);
        if let Some(owners) = scope {
            sql.push(" AND").push_in("o.owner_id", owners);
        }
        if let Some(owner) = owner_id {
            sql.push(" AND o.owner_id = ").bind(owner.to_owned());
        }
        sql.push(" GROUP BY 1, 2");
        for row in sql.fetch_all(self.c).await? {
            let Some(month) = figures.get_mut(row.number::<usize>("month")?) else { continue };
            let count: u64 = row.number("n")?;
            if row.boolean("won")? {
                month.won += count;
                month.won_revenue = Money::from_minor_units(month.won_revenue.minor_units() + row.int("revenue")?);
            } else {
                month.lost += count;
            }
        }
        Ok(figures)
    }
}
