//! A team's figures side by side: each salesperson's won deals, revenue, win rate, open pipeline
//! and sales cycle, and the team's won revenue and win rate month by month.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::Money;

/// One owner's deals: those closed within a period, and those open now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OwnerFigures {
    pub owner_id: String,
    pub won: u64,
    /// What the won deals are worth: actual revenue where entered, else the amount.
    pub won_revenue: Money,
    pub lost: u64,
    pub open: u64,
    pub open_amount: Money,
    /// The won deals' days from creation to close, added up.
    pub won_cycle_days: f64,
}

impl OwnerFigures {
    /// Won ÷ (won + lost); `None` when nothing closed.
    pub fn win_rate(&self) -> Option<f64> {
        rate(self.won, self.lost)
    }

    /// How long a won deal took from creation to close, on average; `None` when none was won.
    pub fn average_cycle_days(&self) -> Option<f64> {
        (self.won > 0).then(|| self.won_cycle_days / self.won as f64)
    }
}

/// The deals closed in one calendar month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthFigures {
    /// The month's first day.
    pub month: Date,
    pub won: u64,
    pub lost: u64,
    pub won_revenue: Money,
}

impl MonthFigures {
    pub fn win_rate(&self) -> Option<f64> {
        rate(self.won, self.lost)
    }
}

fn rate(won: u64, lost: u64) -> Option<f64> {
    let closed = won + lost;
    (closed > 0).then(|| won as f64 / closed as f64)
}

/// The first days of `count` months ending with the month of `last`, and the first day after
/// them: the bounds a monthly trend is counted between.
pub fn month_starts(last: Date, count: u8) -> Vec<Date> {
    let newest = last.first_of_month();
    (0..=i64::from(count)).rev().map(|back| newest - (back - 1).months()).collect()
}

/// `month_starts` as instants at midnight in `zone`; a day that has no midnight there (a
/// transition at 00:00) starts at its first moment.
pub fn month_bounds(starts: &[Date], zone: &TimeZone) -> Vec<Timestamp> {
    starts.iter().filter_map(|d| d.to_zoned_datetime(zone.clone()).ok()).map(|z| z.timestamp()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_end_with_the_given_one_and_bound_the_last() {
        let starts = month_starts(jiff::civil::date(2026, 12, 4), 12);
        assert_eq!(starts.len(), 13);
        assert_eq!(starts[0], jiff::civil::date(2026, 1, 1));
        assert_eq!(starts[11], jiff::civil::date(2026, 12, 1));
        assert_eq!(starts[12], jiff::civil::date(2027, 1, 1));
    }

    #[test]
    fn rates_and_cycles_are_absent_without_deals() {
        let none = OwnerFigures::default();
        assert_eq!((none.win_rate(), none.average_cycle_days()), (None, None));
        let some = OwnerFigures { won: 2, lost: 2, won_cycle_days: 30.0, ..OwnerFigures::default() };
        assert_eq!((some.win_rate(), some.average_cycle_days()), (Some(0.5), Some(15.0)));
    }
}
