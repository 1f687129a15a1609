//! The REST API over real HTTP: the server listens on a loopback port, on SQLite and (when
//! `DEALFLOW_TEST_POSTGRES_URL` is set) PostgreSQL.

#[path = "../rules/support.rs"]
mod support;

mod access;
mod administration;
mod analytics;
mod bad_input;
mod board;
mod calendar;
mod checkpoints;
mod client;
mod connections;
mod defects;
mod directory;
mod editing;
mod errors;
mod everyday;
mod exports;
mod health;
mod idempotency;
mod imports;
mod journeys;
mod layering;
mod leads;
mod library;
mod lists;
mod notifications;
mod openapi;
mod problem_pages;
mod problems;
mod races;
mod search;
mod sign_in;
mod supervision;
mod upgrades;
mod web;
mod webhooks;
