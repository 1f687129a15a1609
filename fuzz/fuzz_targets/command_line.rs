//! Anything typed into the command line: parsing and suggesting never panic, and a command that
//! parses names a process of the library.
#![no_main]

use dealflow_core::LocalizedText;
use dealflow_core::command::{self, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let library = vec![
        ("enterprise-sale".to_owned(), LocalizedText::new("Корпоративная продажа", "Enterprise sale")),
        ("small-deal".to_owned(), LocalizedText::new("Малая сделка", "Small deal")),
    ];
    if let Some(Parsed::RunProcess { code }) = command::parse(text, &library) {
        assert!(library.iter().any(|(known, _)| *known == code));
    }
    let _ = command::suggest(text, &library);
});
