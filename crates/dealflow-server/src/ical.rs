//! iCalendar (RFC 5545) as calendar programs read it: escaped text, lines folded at 75 octets,
//! CRLF line ends, local times with a `VTIMEZONE` that spells out the zone's offsets over the
//! span the events fall in (so that a program needs no time zone database of its own).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

/// A calendar being written, line by line.
#[derive(Default)]
pub struct Ics {
    out: String,
}

impl Ics {
    /// A property whose value is already in iCalendar form (a date, a code, a time).
    pub fn line(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        let mut room = 75;
        for c in line.chars() {
            if c.len_utf8() > room {
                self.out.push_str("\r\n ");
                room = 74;
            }
            self.out.push(c);
            room -= c.len_utf8();
        }
        self.out.push_str("\r\n");
    }

    /// A property whose value is text a person wrote.
    pub fn text(&mut self, name: &str, text: &str) {
        self.line(name, &escape(text));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Text as an iCalendar value: backslashes, semicolons, commas and line breaks escaped, other
/// control characters dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A moment in UTC: `20261124T100000Z`.
pub fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A moment on the zone's clock, for a property that names the zone with `TZID`.
pub fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone()).strftime("%Y%m%dT%H%M%S").to_string()
}

/// A whole day: `20261124`.
pub fn date(day: Date) -> String {
    day.strftime("%Y%m%d").to_string()
}

fn offset(offset: Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 { format!("{sign}{hours:02}{minutes:02}") } else { format!("{sign}{hours:02}{minutes:02}{rest:02}") }
}

/// The `VTIMEZONE` of `zone` named `name`: the observance in force at `from` and every change
/// of offset until `to`, each starting (as RFC 5545 wants) at its local time before the change.
pub fn timezone(ics: &mut Ics, zone: &TimeZone, name: &str, (from, to): (Timestamp, Timestamp)) {
    ics.line("BEGIN", "VTIMEZONE");
    ics.text("TZID", name);
    let observance = |ics: &mut Ics, start: String, before: Offset, after: Offset, dst: bool, abbreviation: &str| {
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        ics.line("BEGIN", kind);
        ics.line("DTSTART", &start);
        ics.line("TZOFFSETFROM", &offset(before));
        ics.line("TZOFFSETTO", &offset(after));
        if !abbreviation.is_empty() {
            ics.text("TZNAME", abbreviation);
        }
        ics.line("END", kind);
    };
    let onset = |at: Timestamp, before: Offset| before.to_datetime(at).strftime("%Y%m%dT%H%M%S").to_string();
    let just_before = |at: Timestamp| zone.to_offset(at.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(at));
    match zone.preceding(from).next() {
        Some(change) => {
            let before = just_before(change.timestamp());
            let start = onset(change.timestamp(), before);
            observance(ics, start, before, change.offset(), change.dst().is_dst(), change.abbreviation());
        }
        None => {
            let info = zone.to_offset_info(from);
            observance(ics, "19700101T000000".into(), info.offset(), info.offset(), info.dst().is_dst(), info.abbreviation());
        }
    }
    for change in zone.following(from).take_while(|c| c.timestamp() < to) {
        let before = just_before(change.timestamp());
        let start = onset(change.timestamp(), before);
        observance(ics, start, before, change.offset(), change.dst().is_dst(), change.abbreviation());
    }
    ics.line("END", "VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut ics = Ics::default();
        ics.text("SUMMARY", &"Звонок финансовому директору, ".repeat(4));
        let out = ics.finish();
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "Звонок финансовому директору\\, ".repeat(4)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a;b,c\\d\ne\r"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn a_zone_with_daylight_saving_lists_its_changes_in_the_span() {
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        let mut ics = Ics::default();
        let from: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        timezone(&mut ics, &zone, "Europe/Berlin", (from, "2027-12-01T00:00:00Z".parse().unwrap()));
        let out = ics.finish();
        // In force since 25 October 2026; summer time from 28 March 2027, winter from 31 October.
        assert!(out.contains("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET"), "{out}");
        assert!(
            out.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"),
            "{out}"
        );
        assert!(out.contains("DTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"), "{out}");
        assert_eq!(out.matches("BEGIN:STANDARD").count() + out.matches("BEGIN:DAYLIGHT").count(), 3);
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let mut ics = Ics::default();
        timezone(&mut ics, &TimeZone::UTC, "UTC", ("2026-11-01T00:00:00Z".parse().unwrap(), "2027-12-01T00:00:00Z".parse().unwrap()));
        let out = ics.finish();
        assert!(out.contains("DTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000"), "{out}");
    }
}
