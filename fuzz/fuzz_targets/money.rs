//! Any text as money: parsing never panics, and an accepted amount reads back as itself.
#![no_main]

use dealflow_core::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(amount) = Money::parse(text) {
        let written = amount.to_string();
        assert_eq!(Money::parse(&written), Ok(amount), "{text:?} was read as {written}");
    }
});
