//! dealflow's domain and process engine. Pure code: no clock, no I/O, no database.
//! Everything here is driven by data (the stage lookup and a process definition).
#![forbid(unsafe_code)]

pub mod analytics;
pub mod check;
pub mod checkpoints;
pub mod command;
pub mod compare;
pub mod comparison;
pub mod criteria;
pub mod definition;
pub mod engine;
pub mod health;
pub mod import;
pub mod lead;
pub mod money;
pub mod notification;
pub mod records;
pub mod stage;
pub mod text;

pub use definition::{Problem, ProcessDefinition};
pub use engine::{By, Command, Effect, EngineError, State};
pub use money::Money;
pub use stage::{Stage, StageCatalog, StageCode};
pub use text::{Locale, LocalizedText};

/// The identifiers of every record are opaque strings (UUID v7 made by the caller).
pub type Id = String;
