//! The rules of a running process (SPEC §3), each tested through the services on a real
//! database: SQLite always, PostgreSQL when `DEALFLOW_TEST_POSTGRES_URL` is set.

mod support;

mod checkpoints;
mod closing;
mod concurrency;
mod health;
mod leads;
mod preview;
mod second_definition;
mod stages;
mod starting;
mod visibility;
mod watchdog;
mod work;
