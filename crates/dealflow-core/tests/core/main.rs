//! Tests of the pure core: process definitions and the engine's invariants.

mod definition;
mod model;

pub const ENTERPRISE_SALE: &str = include_str!("../../../../processes/enterprise-sale.toml");
