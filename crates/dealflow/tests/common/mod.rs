//! Running the `dealflow` binary from tests: one-shot commands and a server on a free port.
#![allow(dead_code, reason = "each test binary uses a part of this")]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Runs `dealflow ARGS`; answers the exit code and everything it printed.
pub fn dealflow(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dealflow")).args(args).env_remove("DATABASE_URL").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// A `dealflow serve` on a free loopback port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    /// An API token for the first admin, signed in through this server.
    pub async fn admin_token(&self, http: &reqwest::Client) -> String {
        let signed = http
            .post(format!("{}/api/v1/auth/token", self.base))
            .json(&serde_json::json!({"email": "admin@localhost", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        signed.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    /// Starts the server on `url` with `RUST_LOG` set to `log` (its log goes to `log_file`, if given).
    pub fn start(url: &str, log: &str, log_file: Option<PathBuf>) -> Server {
        let stderr = match log_file {
            Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
            None => Stdio::null(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_dealflow"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
            .env("DEALFLOW_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", log)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let line = BufReader::new(stdout).lines().map(Result::unwrap).find(|l| l.starts_with("dealflow is listening on ")).unwrap();
        let base = line.trim_start_matches("dealflow is listening on ").trim_end_matches('/').to_owned();
        Server { child, base }
    }
}

/// A fresh PostgreSQL schema on the test server, dropped when this is dropped; `None` (with a
/// notice) when `DEALFLOW_TEST_POSTGRES_URL` is not set.
pub struct PgSchema {
    base: String,
    name: String,
    /// A database URL whose connections work in the schema.
    pub url: String,
}

impl PgSchema {
    pub async fn create(purpose: &str) -> Option<PgSchema> {
        use sqlx::Connection;
        let Ok(base) = std::env::var("DEALFLOW_TEST_POSTGRES_URL") else {
            eprintln!("DEALFLOW_TEST_POSTGRES_URL is not set: the PostgreSQL {purpose} test is skipped");
            return None;
        };
        let name = format!("{purpose}_{}", std::process::id());
        let mut admin = sqlx::postgres::PgConnection::connect(&base).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&mut admin).await.unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        Some(PgSchema { base, name, url })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Dropped from a thread of its own: Drop cannot await, and the test's runtime may be gone.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::postgres::PgConnection::connect(&base).await {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE"))).execute(&mut admin).await.ok();
                }
            });
        })
        .join()
        .ok();
    }
}

/// An HTTP client builder with TLS ready (rustls on ring, as the server sets it up).
pub fn http() -> reqwest::ClientBuilder {
    dealflow_server::install_tls();
    reqwest::Client::builder()
}
