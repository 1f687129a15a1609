//! Any text as a process definition, TOML and JSON: the parser and checker never panic, and what
//! they accept is a definition the engine can run (its stages exist and every close is final).
#![no_main]

use dealflow_core::{ProcessDefinition, StageCatalog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let stages = StageCatalog::defaults();
    for parsed in [ProcessDefinition::parse_toml(text, &stages), ProcessDefinition::parse_json(text, &stages)] {
        match parsed {
            Ok(definition) => {
                assert!(!definition.stages.is_empty());
                for stage in &definition.stages {
                    assert!(stages.get(stage.stage.as_str()).is_some(), "accepted an unknown stage");
                    assert!(stages.get(stage.next.as_str()).is_some(), "accepted an unknown next stage");
                }
            }
            Err(problems) => {
                assert!(!problems.is_empty(), "a refusal names at least one problem");
                // A line given points into the document.
                let lines = text.matches('\n').count() + 1;
                assert!(problems.iter().filter_map(|p| p.line).all(|line| (1..=lines).contains(&line)), "a line outside the document");
            }
        }
    }
});
