//! `dealflow bench`: how fast the enterprise-sale lifecycle runs, one JSON line a measurement,
//! each on a fresh database. The lifecycle is the one a salesperson walks: start the process on a
//! new opportunity (2 Qualification activities), complete both (on to Presentation, 1), complete
//! it (Proposal, 3), the three (Contracting, 3), the three (Closed won): 10 commands.
//!
//! - `engine`: the pure engine in memory, one core;
//! - `lifecycle-sqlite` / `lifecycle-postgres`: through the service layer, every command committed
//!   before the next (SQLite `synchronous=FULL`), with 1 and with `--clients` concurrent clients;
//! - `storage-floor`: the same row writes, command by command, as a hand-written SQL loop with no
//!   engine and no services, through the same write transactions (group commit on SQLite): what
//!   any design would pay this disk; printed with the ratio;
//! - `storage-floor-native`: those writes by a minimal rusqlite loop on one connection (one
//!   transaction per command, `synchronous=FULL`): the floor of any SQLite program on this disk;
//!   each `lifecycle-sqlite` line carries `lifecycle_to_native_floor`, its ratio to it;
//! - `http`: the lifecycle over the real HTTP API with 16 and 64 clients, latency percentiles;
//! - `import`: the dry run and the import of a generated CSV file (`import_bench`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use dealflow_core::ProcessDefinition;
use dealflow_core::engine::{self, ActivityStatus, By, Command, Context, OpportunityState, StartedVia, State};
use dealflow_server::Services;
use dealflow_server::access::Actor;
use dealflow_server::clock::Clock;
use dealflow_server::services::Bootstrap;
use dealflow_store::Store;
use dealflow_store::raw::Value as V;

use crate::native_floor::floor_sql;
use serde_json::{Value, json};
use tokio::sync::oneshot;

const BENCH_EMAIL: &str = "bench@localhost";
const BENCH_PASSWORD: &str = "bench-password";
const PROCESS: &str = "enterprise-sale";
const COMMANDS_PER_LIFECYCLE: usize = 10;

#[derive(Args)]
pub struct BenchArgs {
    /// Lifecycles (10 commands each) per durable measurement.
    #[arg(long, default_value_t = 400)]
    lifecycles: usize,
    /// Lifecycles of the in-memory engine measurement.
    #[arg(long, default_value_t = 200_000)]
    engine_lifecycles: usize,
    /// Concurrent clients of the second durable measurement.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Client counts of the HTTP measurement.
    #[arg(long, value_delimiter = ',', default_value = "16,64")]
    http_clients: Vec<usize>,
    /// PostgreSQL to measure as well (a schema of its own is made and dropped).
    #[arg(long, env = "DEALFLOW_BENCH_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Rows of the generated CSV file the import measurements dry-run and import.
    #[arg(long, default_value_t = 100_000)]
    import_rows: usize,
    /// Only write that generated file (`--import-rows` rows, deals owned by this e-mail) here.
    #[arg(long, value_names = ["PATH", "OWNER_EMAIL"], num_args = 2)]
    write_import_file: Option<Vec<String>>,
    /// Only these measurements (engine, lifecycle-sqlite, storage-floor, storage-floor-native, lifecycle-postgres, http,
    /// import).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some([path, owner]) = args.write_import_file.as_deref() {
        std::fs::write(path, crate::import_bench::generated(args.import_rows, owner)).with_context(|| format!("cannot write {path}"))?;
        return Ok(());
    }
    let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    if wants("engine") {
        print(engine_measurement(args.engine_lifecycles)?);
    }
    let counts = [1, args.clients.max(1)];
    let native = if wants("storage-floor-native") || wants("lifecycle-sqlite") {
        let line = native_floor(args.lifecycles).await?;
        print(line.clone());
        Some(line)
    } else {
        None
    };
    if wants("lifecycle-sqlite") || wants("storage-floor") {
        for clients in counts {
            let lifecycle = if wants("lifecycle-sqlite") {
                let db = Fresh::sqlite().await?;
                let mut line = durable("lifecycle-sqlite", &db, clients, args.lifecycles, Walk::Services).await?;
                db.drop().await;
                if let Some(native) = &native {
                    line["lifecycle_to_native_floor"] = ratio(&line, native);
                }
                Some(line)
            } else {
                None
            };
            if wants("storage-floor") {
                let db = Fresh::sqlite().await?;
                let mut floor = durable("storage-floor", &db, clients, args.lifecycles, Walk::Floor).await?;
                db.drop().await;
                if let Some(lifecycle) = &lifecycle {
                    floor["lifecycle_to_floor"] = ratio(lifecycle, &floor);
                }
                print_if(lifecycle);
                print(floor);
            } else {
                print_if(lifecycle);
            }
        }
    }
    if let Some(url) = &args.postgres_url
        && (wants("lifecycle-postgres") || wants("storage-floor"))
    {
        for clients in counts {
            let db = Fresh::postgres(url).await?;
            let lifecycle = durable("lifecycle-postgres", &db, clients, args.lifecycles, Walk::Services).await?;
            db.drop().await;
            let db = Fresh::postgres(url).await?;
            let mut floor = durable("storage-floor-postgres", &db, clients, args.lifecycles, Walk::Floor).await?;
            db.drop().await;
            floor["lifecycle_to_floor"] = ratio(&lifecycle, &floor);
            print(lifecycle);
            print(floor);
        }
    }
    if wants("http") {
        for &clients in &args.http_clients {
            let db = Fresh::sqlite().await?;
            print(http_measurement(&db, clients, args.lifecycles.max(clients)).await?);
            db.drop().await;
        }
        if let Some(url) = &args.postgres_url {
            for &clients in &args.http_clients {
                let db = Fresh::postgres(url).await?;
                print(http_measurement(&db, clients, args.lifecycles.max(clients)).await?);
                db.drop().await;
            }
        }
    }
    if wants("import") {
        let db = Fresh::sqlite().await?;
        crate::import_bench::measure(&db.services, &db.owner, "sqlite", args.import_rows).await?.into_iter().for_each(print);
        db.drop().await;
        if let Some(url) = &args.postgres_url {
            let db = Fresh::postgres(url).await?;
            crate::import_bench::measure(&db.services, &db.owner, "postgres", args.import_rows).await?.into_iter().for_each(print);
            db.drop().await;
        }
    }
    Ok(())
}

/// `storage-floor-native` on a fresh database: one client, the same rows by rusqlite.
async fn native_floor(lifecycles: usize) -> anyhow::Result<Value> {
    let db = Fresh::sqlite().await?;
    let (owner, definition) = (db.owner.id().to_owned(), db.definition.clone());
    db.store.close().await;
    let Cleanup::Folder(folder) = &db.cleanup else { anyhow::bail!("the native floor runs on SQLite") };
    let path = folder.join("bench.db");
    let measured = tokio::task::spawn_blocking(move || crate::native_floor::measure(&path, &owner, &definition, lifecycles)).await?;
    db.drop().await;
    let (commands, seconds) = measured?;
    Ok(rates("storage-floor-native", 1, lifecycles, commands, Duration::from_secs_f64(seconds)))
}

fn print(line: Value) {
    println!("{line}");
}

fn print_if(line: Option<Value>) {
    if let Some(line) = line {
        print(line);
    }
}

/// How fast the service layer runs compared with the bare writes, in the same run.
fn ratio(lifecycle: &Value, floor: &Value) -> Value {
    match (lifecycle["commands_per_s"].as_f64(), floor["commands_per_s"].as_f64()) {
        (Some(a), Some(b)) if b > 0.0 => json!((a / b * 1000.0).round() / 1000.0),
        _ => Value::Null,
    }
}

fn rates(name: &str, clients: usize, lifecycles: usize, commands: usize, took: Duration) -> Value {
    let seconds = took.as_secs_f64();
    json!({
        "bench": name,
        "clients": clients,
        "lifecycles": lifecycles,
        "commands": commands,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "commands_per_s": (commands as f64 / seconds).round(),
        "lifecycles_per_s": (lifecycles as f64 / seconds).round(),
    })
}

// ---------------------------------------------------------------------------------------------
// The engine alone

fn shipped() -> anyhow::Result<(dealflow_core::StageCatalog, ProcessDefinition)> {
    let stages = dealflow_core::StageCatalog::defaults();
    let definition = dealflow_server::services::shipped_definition(&stages).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((stages, definition))
}

fn engine_measurement(lifecycles: usize) -> anyhow::Result<Value> {
    let (stages, definition) = shipped()?;
    let mut counter = 0u64;
    let mut next_id = move || {
        counter += 1;
        counter.to_string()
    };
    let now = jiff::Timestamp::from_second(1_800_000_000).expect("a valid instant");
    let began = Instant::now();
    let mut commands = 0;
    let calendar = dealflow_core::definition::WorkCalendar::new(&[1, 2, 3, 4, 5], jiff::tz::TimeZone::UTC);
    for _ in 0..lifecycles {
        let mut ctx = Context { stages: &stages, definition: Some(&definition), now, calendar: &calendar, new_id: &mut next_id };
        commands += engine_lifecycle(&mut ctx, &definition)?;
    }
    Ok(rates("engine", 1, lifecycles, commands, began.elapsed()))
}

fn engine_lifecycle(ctx: &mut Context<'_>, definition: &ProcessDefinition) -> anyhow::Result<usize> {
    let owner = "owner".to_owned();
    let mut state = State {
        opportunity: OpportunityState {
            id: (ctx.new_id)(),
            title: "Bench".into(),
            stage: definition.first_stage().stage.clone(),
            owner_id: owner.clone(),
            closed_at: None,
            history_len: 0,
        },
        supervisor_id: None,
        instance: None,
        activities: Vec::new(),
        facts: Default::default(),
    };
    let start = Command::StartProcess { via: StartedVia::Api, by: owner.clone(), new_opportunity: true };
    state = engine::run_owned(ctx, state, start)?.0;
    let mut commands = 1;
    while let Some(open) = state.activities.iter().find(|a| a.status == ActivityStatus::NotStarted).map(|a| a.id.clone()) {
        let complete = Command::CompleteActivity { activity_id: open, result: None, note: None, by: By::User(owner.clone()) };
        state = engine::run_owned(ctx, state, complete)?.0;
        commands += 1;
    }
    anyhow::ensure!(
        commands == COMMANDS_PER_LIFECYCLE && ctx.stages.is_final(state.opportunity.stage.as_str()),
        "the lifecycle did not end won"
    );
    Ok(commands)
}

// ---------------------------------------------------------------------------------------------
// Durable: through the services, and the storage floor

/// A database made for one measurement, with the lookups, the process and a user.
struct Fresh {
    store: Store,
    services: Services,
    owner: Actor,
    definition: Arc<ProcessDefinition>,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(std::path::PathBuf),
    Schema { base: String, name: String },
}

impl Fresh {
    async fn sqlite() -> anyhow::Result<Fresh> {
        let folder = std::env::temp_dir().join(format!("dealflow-bench-{}-{}", std::process::id(), dealflow_server::new_id()));
        let url = format!("sqlite://{}", folder.join("bench.db").display());
        Fresh::open(&url, Cleanup::Folder(folder)).await
    }

    async fn postgres(base: &str) -> anyhow::Result<Fresh> {
        let name = format!("bench_{}_{}", std::process::id(), dealflow_server::new_id().replace('-', ""));
        let admin = Store::connect(base).await.context("cannot reach PostgreSQL")?;
        admin.raw().await?.sql().script(&format!("CREATE SCHEMA {name}")).await?;
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        Fresh::open(&url, Cleanup::Schema { base: base.to_owned(), name }).await
    }

    async fn open(url: &str, cleanup: Cleanup) -> anyhow::Result<Fresh> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        let services = Services::new(store.clone(), Clock::System);
        let bootstrap = Bootstrap { admin_email: BENCH_EMAIL.into(), admin_password: Some(BENCH_PASSWORD.into()) };
        services.bootstrap(&bootstrap).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut conn = store.read().await?;
        let user = conn.users().find_by_email(BENCH_EMAIL).await?.context("the bench user")?;
        let definition = Arc::new(conn.processes().current(PROCESS).await?);
        drop(conn);
        let owner = services.actor(user).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Fresh { store, services, owner, definition, cleanup })
    }

    async fn drop(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Folder(folder) => {
                std::fs::remove_dir_all(folder).ok();
            }
            Cleanup::Schema { base, name } => {
                if let Ok(admin) = Store::connect(&base).await {
                    if let Ok(mut conn) = admin.raw().await {
                        conn.sql().script(&format!("DROP SCHEMA IF EXISTS {name} CASCADE")).await.ok();
                    }
                    admin.close().await;
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Walk {
    Services,
    Floor,
}

/// `lifecycles` lifecycles shared by `clients` concurrent clients, each command committed.
async fn durable(name: &str, db: &Fresh, clients: usize, lifecycles: usize, walk: Walk) -> anyhow::Result<Value> {
    let per_client = lifecycles.div_ceil(clients);
    let began = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (services, store, owner, definition) = (db.services.clone(), db.store.clone(), db.owner.clone(), db.definition.clone());
        tasks.spawn(async move {
            let mut commands = 0;
            for _ in 0..per_client {
                commands += match walk {
                    Walk::Services => services_lifecycle(&services, &store, &owner).await?,
                    Walk::Floor => floor_lifecycle(&store, owner.id(), &definition).await?,
                };
            }
            anyhow::Ok(commands)
        });
    }
    let mut commands = 0;
    while let Some(done) = tasks.join_next().await {
        commands += done??;
    }
    Ok(rates(name, clients, per_client * clients, commands, began.elapsed()))
}

async fn services_lifecycle(services: &Services, store: &Store, owner: &Actor) -> anyhow::Result<usize> {
    let started = services.start_process(owner, PROCESS, None, StartedVia::Api).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut commands = 1;
    loop {
        // The bench's own bookkeeping reads the store directly, as it always has, so that the
        // figures measure the commands and stay comparable from one version to the next.
        let open: Vec<String> = store
            .read()
            .await?
            .activities()
            .of_opportunity(&started.opportunity.id)
            .await?
            .into_iter()
            .filter(|a| a.status.is_open())
            .map(|a| a.id)
            .collect();
        if open.is_empty() {
            break;
        }
        for id in open {
            services.complete_activity(owner, &id, None, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            commands += 1;
        }
    }
    anyhow::ensure!(commands == COMMANDS_PER_LIFECYCLE, "the lifecycle took {commands} commands");
    Ok(commands)
}

/// The time now in unix milliseconds, as the schema stores it.
fn now_ms() -> i64 {
    Clock::System.now().as_millisecond()
}

/// The rows the services write for the lifecycle, command by command, as bare SQL: the
/// opportunity, its history, the instance, every activity and its notification; then per
/// completion the activity, and at the end of a visit the stage, history, instance and the next
/// visit's activities; and the webhook outbox's event of each change. No reads, no checks, no
/// engine.
async fn floor_lifecycle(store: &Store, owner: &str, definition: &ProcessDefinition) -> anyhow::Result<usize> {
    let now = now_ms;
    let opportunity = dealflow_server::new_id();
    let instance = dealflow_server::new_id();
    let first = definition.first_stage();
    let mut tx = store.begin_write().await?;
    tx.raw()
        .execute(
            floor_sql::NEW_OPPORTUNITY,
            &[
                V::from(opportunity.as_str()),
                "Новая продажа".into(),
                owner.into(),
                first.stage.as_str().into(),
                "новая продажа".into(),
                now().into(),
            ],
        )
        .await?;
    history(&mut tx, &opportunity, 1, None, first.stage.as_str(), owner, &instance).await?;
    tx.raw()
        .execute(
            floor_sql::NEW_INSTANCE,
            &[
                V::from(instance.as_str()),
                PROCESS.into(),
                i64::from(definition.version).into(),
                opportunity.as_str().into(),
                owner.into(),
                now().into(),
                format!("{{\"{}\":1}}", first.stage).into(),
            ],
        )
        .await?;
    event(&mut tx, "opportunity.created", &opportunity).await?;
    event(&mut tx, "process.started", &opportunity).await?;
    let mut open = create_visit(&mut tx, first, &opportunity, &instance, owner).await?;
    tx.commit().await?;
    let mut commands = 1;
    let mut seq = 1;
    let mut visits = BTreeMap::from([(first.stage.to_string(), 1)]);
    let mut stage = first;
    while let Some(activity) = open.pop() {
        let mut tx = store.begin_write().await?;
        tx.raw().execute(floor_sql::COMPLETE_ACTIVITY, &[V::from(activity.as_str()), now().into()]).await?;
        event(&mut tx, "activity.completed", &opportunity).await?;
        if open.is_empty() {
            // The visit is done: on to the next stage.
            seq += 1;
            let next = stage.next.as_str();
            let won = definition.stage(next).is_none();
            tx.raw()
                .execute(floor_sql::MOVE_OPPORTUNITY, &[V::from(opportunity.as_str()), next.into(), won.then(now).into(), now().into()])
                .await?;
            history(&mut tx, &opportunity, seq, Some(stage.stage.as_str()), next, owner, &instance).await?;
            event(&mut tx, "opportunity.stage_changed", &opportunity).await?;
            if won {
                event(&mut tx, "opportunity.closed", &opportunity).await?;
            }
            *visits.entry(next.to_owned()).or_default() += 1;
            let status = if won { "completed" } else { "running" };
            tx.raw()
                .execute(
                    floor_sql::UPDATE_INSTANCE,
                    &[
                        V::from(instance.as_str()),
                        status.into(),
                        won.then_some("won").into(),
                        won.then(now).into(),
                        serde_json::to_string(&visits)?.into(),
                    ],
                )
                .await?;
            if let Some(following) = definition.stage(next) {
                open = create_visit(&mut tx, following, &opportunity, &instance, owner).await?;
                stage = following;
            }
        }
        tx.commit().await?;
        commands += 1;
    }
    Ok(commands)
}

/// An event in the webhook outbox, with a payload of the size the services write.
async fn event(tx: &mut dealflow_store::WriteTx, kind: &str, opportunity: &str) -> anyhow::Result<()> {
    let data = format!("{{\"opportunity_id\":\"{opportunity}\",\"detail\":\"{}\"}}", "x".repeat(120));
    tx.raw()
        .execute(floor_sql::NEW_EVENT, &[V::from(dealflow_server::new_id()), kind.into(), opportunity.into(), now_ms().into(), data.into()])
        .await?;
    Ok(())
}

async fn history(
    tx: &mut dealflow_store::WriteTx,
    opportunity: &str,
    seq: i64,
    from: Option<&str>,
    to: &str,
    owner: &str,
    instance: &str,
) -> anyhow::Result<()> {
    tx.raw()
        .execute(
            floor_sql::NEW_HISTORY,
            &[
                V::from(opportunity),
                seq.into(),
                from.into(),
                to.into(),
                now_ms().into(),
                from.is_none().then_some(owner).into(),
                i64::from(from.is_some()).into(),
                instance.into(),
            ],
        )
        .await?;
    Ok(())
}

/// A visit's activities, each with the notification that assigns it; answers their ids.
async fn create_visit(
    tx: &mut dealflow_store::WriteTx,
    stage: &dealflow_core::definition::ProcessStage,
    opportunity: &str,
    instance: &str,
    owner: &str,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for step in &stage.steps {
        let id = dealflow_server::new_id();
        let at = now_ms();
        tx.raw()
            .execute(
                floor_sql::NEW_ACTIVITY,
                &[
                    V::from(id.as_str()),
                    step.kind.as_str().into(),
                    step.title.ru.as_str().into(),
                    step.title.en.as_str().into(),
                    owner.into(),
                    (at + step.due.seconds() * 1000).into(),
                    opportunity.into(),
                    instance.into(),
                    stage.stage.as_str().into(),
                    step.code.as_str().into(),
                    at.into(),
                ],
            )
            .await?;
        tx.raw()
            .execute(
                floor_sql::NEW_NOTIFICATION,
                &[
                    V::from(dealflow_server::new_id()),
                    owner.into(),
                    "Новая активность".into(),
                    "New activity".into(),
                    step.title.ru.as_str().into(),
                    step.title.en.as_str().into(),
                    id.as_str().into(),
                    at.into(),
                ],
            )
            .await?;
        event(tx, "activity.created", opportunity).await?;
        ids.push(id);
    }
    ids.reverse();
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// Over HTTP

async fn http_measurement(db: &Fresh, clients: usize, lifecycles: usize) -> anyhow::Result<Value> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/v1", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(dealflow_server::server::launch(listener, db.services.clone(), async move {
        stopped.await.ok();
    }));
    dealflow_server::install_tls();
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let answer: Value = http
        .post(format!("{base}/auth/token"))
        .json(&json!({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = answer["token"].as_str().context("a token")?.to_owned();
    let per_client = lifecycles.div_ceil(clients);
    let began = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(per_client * COMMANDS_PER_LIFECYCLE);
            for _ in 0..per_client {
                http_lifecycle(&http, &base, &token, &mut latencies).await?;
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    let took = began.elapsed();
    stop.send(()).ok();
    server.await??;
    latencies.sort_unstable();
    let percentile = |q: f64| {
        let at = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        (latencies[at].as_secs_f64() * 1e5).round() / 100.0
    };
    let mut line = rates("http", clients, per_client * clients, latencies.len(), took);
    line["p50_ms"] = json!(percentile(0.50));
    line["p95_ms"] = json!(percentile(0.95));
    line["p99_ms"] = json!(percentile(0.99));
    line["database"] = json!(match db.store.backend() {
        dealflow_store::Backend::Sqlite => "sqlite",
        dealflow_store::Backend::Postgres => "postgres",
    });
    Ok(line)
}

/// One lifecycle as a client of the API does it; the commands' latencies are recorded (the reads
/// that find the next activities are not commands and are not counted, though they take time).
async fn http_lifecycle(http: &reqwest::Client, base: &str, token: &str, latencies: &mut Vec<Duration>) -> anyhow::Result<()> {
    let command = |path: String| {
        let request = http.post(format!("{base}{path}")).bearer_auth(token).json(&json!({}));
        async move {
            let began = Instant::now();
            let answer: Value = request.send().await?.error_for_status()?.json().await?;
            anyhow::Ok((answer, began.elapsed()))
        }
    };
    let (started, took) = command(format!("/processes/{PROCESS}/start")).await?;
    latencies.push(took);
    let opportunity = started["opportunity"]["id"].as_str().context("the opportunity")?.to_owned();
    loop {
        let open: Value = http
            .get(format!("{base}/activities?opportunity_id={opportunity}&status=not_started"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let ids: Vec<String> =
            open["items"].as_array().context("items")?.iter().filter_map(|a| a["id"].as_str().map(str::to_owned)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        for id in ids {
            let (_, took) = command(format!("/activities/{id}/complete")).await?;
            latencies.push(took);
        }
    }
}
