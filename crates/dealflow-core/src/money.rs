//! Money is an exact decimal with at most two fractional digits, kept as minor units.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal number such as 150000.00")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("may have at most two digits after the decimal point")]
    TooPrecise,
    #[error("is too large")]
    TooLarge,
}

/// The largest amount accepted, a trillion (in minor units): far from i64 overflow when summed.
const MAX_MINOR_UNITS: i64 = 100_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_minor_units(units: i64) -> Money {
        Money(units)
    }

    pub fn minor_units(self) -> i64 {
        self.0
    }

    /// Parses `"150000"`, `"150000.5"` or `"150000.50"`; the text of a JSON number works too.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix('-') {
            let value = Money::parse(rest)?;
            return if value == Money::ZERO { Ok(value) } else { Err(MoneyError::Negative) };
        }
        let text = text.strip_prefix('+').unwrap_or(text);
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && fraction.is_empty()) {
            return Err(MoneyError::NotANumber);
        }
        let significant = fraction.trim_end_matches('0');
        if significant.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 15 {
            return Err(MoneyError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::TooLarge)? };
        let mut cents: i64 = 0;
        for (i, digit) in significant.bytes().enumerate() {
            cents += i64::from(digit - b'0') * if i == 0 { 10 } else { 1 };
        }
        let units = whole.checked_mul(100).and_then(|w| w.checked_add(cents)).ok_or(MoneyError::TooLarge)?;
        if units > MAX_MINOR_UNITS {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(units))
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn symbol(currency: &str) -> &str {
    match currency {
        "RUB" => "₽",
        "USD" => "$",
        "EUR" => "€",
        other => other,
    }
}

/// Groups of three digits with the language's separators.
fn grouped(units: u64, locale: crate::Locale) -> String {
    let digits = units.to_string();
    let separator = match locale {
        crate::Locale::Ru => '\u{a0}',
        crate::Locale::En => ',',
    };
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

impl Money {
    /// As a person reads it: `1 500 000,00 ₽` in Russian, `1,500,000.00 ₽` in English.
    pub fn written(self, currency: &str, locale: crate::Locale) -> String {
        let minor = self.minor_units();
        let sign = if minor < 0 { "-" } else { "" };
        let (whole, cents) = (minor.unsigned_abs() / 100, minor.unsigned_abs() % 100);
        let decimal = match locale {
            crate::Locale::Ru => ',',
            crate::Locale::En => '.',
        };
        format!("{sign}{}{decimal}{cents:02}\u{a0}{}", grouped(whole, locale), symbol(currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_amounts_exactly() {
        assert_eq!(Money::parse("150000").unwrap().to_string(), "150000.00");
        assert_eq!(Money::parse("150000.5").unwrap().to_string(), "150000.50");
        assert_eq!(Money::parse("0.07").unwrap().minor_units(), 7);
        assert_eq!(Money::parse("12.340").unwrap().minor_units(), 1234);
        assert_eq!(Money::parse("-0").unwrap(), Money::ZERO);
    }

    #[test]
    fn rejects_negative_imprecise_and_malformed_amounts() {
        assert_eq!(Money::parse("-1"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("1.001"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("1e5"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("1."), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse(""), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("99999999999999999999"), Err(MoneyError::TooLarge));
    }
}
