//! Numbers, money and times as a person reads them in each language: `1 500 000,00 ₽` in
//! Russian, `1,500,000.00 ₽` in English. Times are shown in the reader's own time zone.

use dealflow_core::{Locale, Money};
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub fn money(amount: Money, currency: &str, locale: Locale) -> String {
    amount.written(currency, locale)
}

pub fn opt_money(amount: Option<Money>, currency: &str, locale: Locale) -> String {
    amount.map(|a| money(a, currency, locale)).unwrap_or_default()
}

/// Money as typed into a form field: `150000.00`.
pub fn money_input(amount: Option<Money>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

/// `text` cut to `max` characters, an ellipsis marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_owned() } else { format!("{}…", text.chars().take(max - 1).collect::<String>()) }
}

/// Hours spent, with the language's decimal mark: `12,5` or `12.5`.
pub fn hours(value: f64, locale: Locale) -> String {
    let text = value.to_string();
    match locale {
        Locale::Ru => text.replace('.', ","),
        Locale::En => text,
    }
}

/// A moment on the reader's clock as a spreadsheet reads it in any language: `2026-11-28 16:33`.
pub fn stamp(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// A moment as the reader's clock shows it: `28.11.2026 16:33` or `2026-11-28 16:33`.
pub fn instant(at: Timestamp, zone: &TimeZone, locale: Locale) -> String {
    let zoned = at.to_zoned_datetime(zone.clone());
    match locale {
        Locale::Ru => zoned.strftime("%d.%m.%Y %H:%M").to_string(),
        Locale::En => zoned.strftime("%Y-%m-%d %H:%M").to_string(),
    }
}

pub fn opt_instant(at: Option<Timestamp>, zone: &TimeZone, locale: Locale) -> String {
    at.map(|a| instant(a, zone, locale)).unwrap_or_default()
}

/// A moment as `datetime-local` inputs take it, on the reader's clock: `2026-11-28T16:33`.
pub fn local_input(at: Option<Timestamp>, zone: &TimeZone) -> String {
    at.map(|at| at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

/// A calendar date stored as `YYYY-MM-DD`, written the language's way.
pub fn date(text: &str, locale: Locale) -> String {
    match (locale, text.parse::<jiff::civil::Date>()) {
        (Locale::Ru, Ok(date)) => date.strftime("%d.%m.%Y").to_string(),
        _ => text.to_owned(),
    }
}

pub fn weekday(date: jiff::civil::Date, locale: Locale) -> String {
    let names = super::i18n::texts(locale).weekday_names();
    let name = names[usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)];
    match locale {
        Locale::Ru => format!("{name}, {}", date.strftime("%d.%m.%Y")),
        Locale::En => format!("{name}, {}", date.strftime("%Y-%m-%d")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_the_way_each_language_writes_it() {
        let amount = Money::parse("1500000.5").unwrap();
        assert_eq!(money(amount, "RUB", Locale::Ru), "1\u{a0}500\u{a0}000,50\u{a0}₽");
        assert_eq!(money(amount, "RUB", Locale::En), "1,500,000.50\u{a0}₽");
        assert_eq!(money(Money::parse("950").unwrap(), "USD", Locale::En), "950.00\u{a0}$");
    }
}
