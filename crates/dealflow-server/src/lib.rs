//! dealflow's server. Its layers, each depending only on those below it:
//! - `server`: the router and `launch`, assembling the two front ends;
//! - `api` (REST, SPEC §5) and `pages` (the web app, SPEC §6): thin siblings that parse input,
//!   call one service and render; neither imports from the other;
//! - `http`: what both front ends share about HTTP (language, bearer tokens, headers, metrics);
//! - `services`: every read, access check and command (load → engine → persist in one
//!   transaction), acting for an `access::Actor`; the only layer that reaches the store;
//! - `access`, `error`, `paging`, `secrets`, `password`, `clock`: the policy and values below all.
#![forbid(unsafe_code)]

pub mod access;
pub mod api;
pub mod clock;
pub mod error;
pub mod http;
pub mod ical;
pub mod metrics;
pub mod pages;
pub mod paging;
pub mod password;
pub mod secrets;
pub mod server;
pub mod services;
pub mod upload;

pub use clock::Clock;
pub use error::ServiceError;
pub use services::Services;

/// A fresh record id: UUID v7, so ids sort by creation time.
/// Has rustls take ring for TLS in this process (webhook deliveries, and every HTTP client the
/// process makes); calling it again does nothing. Ring lacks post-quantum key exchange, but it
/// spares the build aws-lc's C toolchain.
pub fn install_tls() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
