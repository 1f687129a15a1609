//! Any text as a step's due offset (an ISO 8601 duration) and as a calendar date: parsing never
//! panics, and an accepted offset is a whole, non-negative number of seconds.
#![no_main]

use dealflow_core::definition::DueOffset;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(offset) = DueOffset::parse(text) {
        assert!(offset.seconds() >= 0, "{text:?} gave a negative offset");
    }
    let _ = text.parse::<jiff::civil::Date>();
});
