//! The `dealflow` command: serve the web app and API, migrate, add users, validate processes,
//! back up and restore, measure.
#![forbid(unsafe_code)]

mod bench;
mod bulk_load;
mod generate;
mod import_bench;
mod native_floor;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use dealflow_core::records::Role;
use dealflow_core::{Locale, ProcessDefinition, StageCatalog};
use dealflow_server::services::{Bootstrap, NewUser, demo};
use dealflow_server::{Clock, Services};
use dealflow_store::Store;

/// The engine and the pages make many small strings; mimalloc serves them about twice as fast as
/// the system allocator (measured with `dealflow bench --only engine`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "dealflow", version, about = "A self-hosted CRM sales-process server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the REST API.
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(DatabaseArgs),
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent copy of the SQLite database to FILE while the server keeps running.
    /// (PostgreSQL: use pg_dump.)
    Backup {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Put a backup in place as the SQLite database (which must not exist yet), checked and
    /// migrated. (PostgreSQL: use pg_restore.)
    Restore {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The backup to restore.
        file: PathBuf,
    },
    /// Work with process definitions.
    Process {
        #[command(subcommand)]
        command: ProcessCommand,
    },
    /// Fill an empty database with a large generated pipeline (a sales department, customers, N
    /// opportunities with history, processes, activities and notifications), with a progress bar.
    Demo {
        #[command(flatten)]
        database: DatabaseArgs,
        /// How many opportunities.
        #[arg(long, default_value_t = 10_000)]
        opportunities: usize,
    },
    /// Run today's next-step watchdog now, unless it has run (servers run it by themselves once
    /// a day), and say what it did and how long it took.
    Watchdog(DatabaseArgs),
    /// Assess every open deal's health now, unless today's assessment has run (servers assess
    /// daily by themselves, after the watchdog), and say what changed and how long it took.
    Health(DatabaseArgs),
    /// Measure the enterprise-sale lifecycle: the engine, the services on SQLite (and PostgreSQL),
    /// the bare storage floor and the HTTP API; one JSON line a measurement.
    Bench(bench::BenchArgs),
}

#[derive(Args)]
struct DatabaseArgs {
    /// Where the data lives: `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://./dealflow-data/dealflow.db", hide_env_values = true)]
    database_url: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DEALFLOW_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Email of the first admin, created on an empty database.
    #[arg(long, env = "DEALFLOW_ADMIN_EMAIL", default_value = "admin@localhost")]
    admin_email: String,
    /// Password of the first admin; generated and printed once when not set.
    #[arg(long, env = "DEALFLOW_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Seed a small demo team and pipeline when the database has no opportunities yet.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user.
    Add {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "manager")]
        role: RoleArg,
        /// Id of the user's supervisor.
        #[arg(long)]
        supervisor_id: Option<String>,
        #[arg(long, value_enum, default_value = "ru")]
        locale: LocaleArg,
        /// The password (at least 8 characters).
        #[arg(long, env = "DEALFLOW_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum ProcessCommand {
    /// Check a process definition (TOML or JSON) and print every problem; exit code 1 if any.
    Validate {
        file: PathBuf,
        /// Check the stage codes against this database's stages instead of the default ones.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Manager,
    Supervisor,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
enum LocaleArg {
    Ru,
    En,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("the async runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate(args) => {
            open(&args.database_url).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command: UserCommand::Add { database, email, name, role, supervisor_id, locale, password } } => {
            let services = Services::new(open(&database.database_url).await?, Clock::System);
            let role = match role {
                RoleArg::Manager => Role::Manager,
                RoleArg::Supervisor => Role::Supervisor,
                RoleArg::Admin => Role::Admin,
            };
            let locale = match locale {
                LocaleArg::Ru => Locale::Ru,
                LocaleArg::En => Locale::En,
            };
            let new = NewUser { email, name, role, supervisor_id, locale: Some(locale), time_zone: None, password };
            let user = services.add_user(new).await.map_err(describe)?;
            println!("added user {} ({})", user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Process { command: ProcessCommand::Validate { file, database_url } } => validate(&file, database_url.as_deref()).await,
        Command::Bench(args) => bench::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Watchdog(args) => {
            let (report, seconds) = daily_job(&args, |services| async move { services.watch_next_steps().await }).await?;
            if report.ran {
                println!(
                    "weighed {} open deals: {} became stale, {} stale for twice the period, {} have a next step again; {seconds:.2} s",
                    report.weighed, report.marked, report.escalated, report.cleared
                );
            } else {
                println!("today's watchdog has run already, or another node is running it");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Health(args) => {
            let (report, seconds) = daily_job(&args, |services| async move { services.assess_health().await }).await?;
            if report.ran {
                println!("assessed {} open deals: {} changed level; {seconds:.2} s", report.assessed, report.changed);
            } else {
                println!("today's health assessment has run already, or another node is running it");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { database, opportunities } => {
            let store = open(&database.database_url).await?;
            let services = Services::new(store.clone(), Clock::System);
            let bootstrap =
                Bootstrap { admin_email: "admin@localhost".into(), admin_password: std::env::var("DEALFLOW_ADMIN_PASSWORD").ok() };
            if let Some(admin) = services.bootstrap(&bootstrap).await.map_err(describe)?
                && let Some(password) = admin.generated_password
            {
                println!("Created the first admin: {} with password {password} (shown once)", admin.email);
            }
            generate::generate(&services, &store, opportunities).await?;
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { database, file } => {
            let store = open(&database.database_url).await?;
            store.backup_to(&file).await.with_context(|| format!("cannot back up to {}", file.display()))?;
            store.close().await;
            println!("backed up to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { database, file } => {
            let target = dealflow_store::backup::restore_sqlite(&file, &database.database_url)
                .await
                .with_context(|| format!("cannot restore {}", file.display()))?;
            open(&database.database_url).await?.close().await;
            println!("restored {} to {}", file.display(), target.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open(url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(url).await.with_context(|| format!("cannot open the database {}", dealflow_store::redact(url)))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}

/// Runs one of the daily jobs by hand on the database `args` name; answers its report and the
/// seconds it took.
async fn daily_job<T, F>(args: &DatabaseArgs, job: impl FnOnce(Services) -> F) -> anyhow::Result<(T, f64)>
where
    F: Future<Output = Result<T, dealflow_server::ServiceError>>,
{
    let store = open(&args.database_url).await?;
    let began = std::time::Instant::now();
    let report = job(Services::new(store.clone(), Clock::System)).await.map_err(describe);
    let seconds = began.elapsed().as_secs_f64();
    store.close().await;
    Ok((report?, seconds))
}

fn describe(error: dealflow_server::ServiceError) -> anyhow::Error {
    match error {
        dealflow_server::ServiceError::Invalid(problems) => anyhow::anyhow!(
            problems.iter().map(|p| format!("{}: {}", p.field, p.invalid.message(Locale::En))).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::anyhow!(other),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = open(&args.database.database_url).await?;
    tracing::info!(database = %dealflow_store::redact(&args.database.database_url), "database ready");
    // Browser tests that move time start the server on a clock of their own.
    let clock = if std::env::var("DEALFLOW_TEST_CLOCK").is_ok_and(|v| v == "1") { Clock::manual_from_now() } else { Clock::System };
    let services = Services::new(store.clone(), clock);
    let bootstrap = Bootstrap { admin_email: args.admin_email, admin_password: args.admin_password };
    if let Some(admin) = services.bootstrap(&bootstrap).await.map_err(describe)? {
        match admin.generated_password {
            Some(password) => {
                println!("Created the first admin: {} with password {password} (shown once; change it after signing in)", admin.email)
            }
            None => println!("Created the first admin: {}", admin.email),
        }
    }
    if args.demo {
        let admin = store
            .read()
            .await?
            .users()
            .list()
            .await?
            .into_iter()
            .find(|u| u.role == Role::Admin)
            .context("no admin to own the demo data")?;
        if let Some(summary) = services.seed_demo(&admin.id).await.map_err(describe)? {
            println!("Demo data: {} opportunities; users (password \"{}\"):", summary.opportunities, demo::DEMO_PASSWORD);
            for (email, _) in summary.users {
                println!("  {email}");
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let reminders = services.clone();
    tokio::spawn(async move { reminders.remind_until_shutdown().await });
    let watchdog = services.clone();
    tokio::spawn(async move { watchdog.watch_until_shutdown().await });
    let health = services.clone();
    tokio::spawn(async move { health.reassess_until_shutdown().await });
    let webhooks = services.clone();
    tokio::spawn(async move { webhooks.deliver_webhooks_until_shutdown().await });
    let imports = services.clone();
    tokio::spawn(async move { imports.import_until_shutdown().await });
    println!("dealflow is listening on http://{}/", listener.local_addr()?);
    dealflow_server::server::launch(listener, services, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn validate(file: &PathBuf, database_url: Option<&str>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let stages = match database_url {
        Some(url) => Services::new(open(url).await?, Clock::System).stage_catalog().await.map_err(describe)?,
        None => StageCatalog::defaults().into(),
    };
    let is_json = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json { ProcessDefinition::parse_json(&text, &stages) } else { ProcessDefinition::parse_toml(&text, &stages) };
    match parsed {
        Ok(definition) => {
            let steps: usize = definition.stages.iter().map(|s| s.steps.len()).sum();
            println!("{}: ok — \"{}\" with {} stages and {steps} steps", file.display(), definition.code, definition.stages.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            println!("{}: {} problem(s)", file.display(), problems.len());
            for problem in problems {
                println!("  {problem}");
            }
            Ok(ExitCode::from(1))
        }
    }
}
