//! dealflow's server: the services that run commands (load → engine → persist in one
//! transaction) and the HTTP front door.
#![forbid(unsafe_code)]

pub mod api;
pub mod clock;
pub mod error;
pub mod http;
pub mod metrics;
pub mod pages;
pub mod password;
pub mod services;

pub use clock::Clock;
pub use error::ServiceError;
pub use services::Services;

/// A fresh record id: UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
