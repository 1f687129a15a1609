//! `dealflow demo --opportunities N`: a large, realistic dataset for trying dealflow at scale and
//! for measuring it — a sales department (supervisors, managers), customers, and N opportunities
//! spread over two years in every state a pipeline has: open at each stage with their current
//! tasks (some overdue, some in progress), won, lost with a reason, stopped, and without a
//! process; each with its stage history, process instance, activities and notifications.
//! Rows go in by many-row INSERTs, a few thousand opportunities a transaction.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context as _;
use dealflow_core::definition::ResultEffect;
use dealflow_core::records::{Role, UserRecord};
use dealflow_core::{Locale, ProcessDefinition};
use dealflow_server::Services;
use dealflow_server::services::NewUser;
use dealflow_store::Store;
use dealflow_store::raw::Value;
use indicatif::{ProgressBar, ProgressStyle};

/// Opportunities a transaction.
const BATCH: usize = 2_000;
/// Bound parameters a statement: SQLite finds each `$n` by a linear search, so a statement with
/// tens of thousands of them costs quadratic time; about a thousand keeps it linear in practice.
const MAX_PARAMS: usize = 1_000;
const DAY_MS: i64 = 86_400_000;
pub const GENERATED_PASSWORD: &str = "demo-password";

const PRODUCTS: &[&str] = &[
    "Внедрение CRM",
    "Лицензии на рабочие места",
    "Интеграция с 1С",
    "Аналитика продаж",
    "Портал для дилеров",
    "Мобильное приложение",
    "Обучение персонала",
    "Годовая поддержка",
    "Миграция данных",
    "Call-центр",
];
const COMPANY_WORDS: &[&str] = &["Север", "Волга", "Урал", "Балтика", "Сибирь", "Кама", "Нева", "Дон", "Алтай", "Ока"];
const COMPANY_KINDS: &[&str] = &["Трейд", "Логистик", "Фарм", "Ритейл", "Энерго", "Фудс", "Телеком", "Агро", "Строй", "Медиа"];
const FIRST_NAMES: &[&str] = &["Анна", "Олег", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Павел", "Татьяна", "Игорь"];
const LAST_NAMES: &[&str] = &["Кузнецов", "Смирнов", "Волков", "Морозов", "Лебедев", "Новиков", "Козлов", "Егоров", "Попов", "Орлов"];
const LOST_REASONS: &[&str] = &["price", "competitor", "no_budget", "postponed", "no_response", "other"];

/// A small, fast, seeded generator: the same N gives the same dataset.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One value of a row, typed so that PostgreSQL accepts a NULL in any column.
enum V {
    T(Option<String>),
    I(Option<i64>),
    F(Option<f64>),
}

impl From<V> for Value {
    fn from(value: V) -> Value {
        match value {
            V::T(v) => v.map_or(Value::NullText, Value::Text),
            V::I(v) => v.into(),
            V::F(v) => v.into(),
        }
    }
}

fn t(text: impl Into<String>) -> V {
    V::T(Some(text.into()))
}

/// Rows of one table waiting to be written.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<V>>,
}

impl Table {
    fn new(name: &'static str, columns: &'static [&'static str]) -> Table {
        Table { name, columns, rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<V>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.name);
        self.rows.push(row);
    }

    async fn write(&mut self, tx: &mut dealflow_store::WriteTx) -> anyhow::Result<usize> {
        let written = self.rows.len();
        let per_statement = (MAX_PARAMS / self.columns.len()).max(1);
        let rows = std::mem::take(&mut self.rows);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<V>> = rows.by_ref().take(per_statement).collect();
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.name, self.columns.join(", "));
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 0..row.len() {
                    n += 1;
                    sql.push_str(&if j == 0 { format!("${n}") } else { format!(", ${n}") });
                }
                sql.push(')');
            }
            let values: Vec<Value> = chunk.into_iter().flatten().map(Value::from).collect();
            tx.raw().execute(&sql, values).await.with_context(|| format!("cannot write {}", self.name))?;
        }
        Ok(written)
    }
}

/// The tables an opportunity writes, batch by batch.
struct Tables {
    opportunities: Table,
    history: Table,
    instances: Table,
    activities: Table,
    notifications: Table,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            opportunities: Table::new(
                "opportunities",
                &[
                    "id",
                    "title",
                    "account_id",
                    "contact_id",
                    "owner_id",
                    "stage",
                    "amount",
                    "budget",
                    "need",
                    "actual_revenue",
                    "hours_spent",
                    "close_reason",
                    "closed_at",
                    "search_text",
                    "close_date",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
            history: Table::new(
                "stage_history",
                &["opportunity_id", "seq", "from_stage", "to_stage", "at", "by_user_id", "by_process", "visit", "instance_id"],
            ),
            instances: Table::new(
                "process_instances",
                &[
                    "id",
                    "process_code",
                    "process_version",
                    "opportunity_id",
                    "status",
                    "outcome",
                    "started_via",
                    "started_by",
                    "started_at",
                    "finished_at",
                    "visits",
                ],
            ),
            activities: Table::new(
                "activities",
                &[
                    "id",
                    "type",
                    "title_ru",
                    "title_en",
                    "owner_id",
                    "status",
                    "result",
                    "due_at",
                    "completed_at",
                    "opportunity_id",
                    "process_instance_id",
                    "stage",
                    "step",
                    "stage_visit",
                    "created_at",
                    "updated_at",
                ],
            ),
            notifications: Table::new(
                "notifications",
                &[
                    "id",
                    "user_id",
                    "kind",
                    "title_ru",
                    "title_en",
                    "body_ru",
                    "body_en",
                    "entity_type",
                    "entity_id",
                    "created_at",
                    "read_at",
                ],
            ),
        }
    }

    async fn write(&mut self, store: &Store) -> anyhow::Result<usize> {
        let mut tx = store.begin_write().await?;
        let mut rows = 0;
        for table in [&mut self.opportunities, &mut self.instances, &mut self.history, &mut self.activities, &mut self.notifications] {
            rows += table.write(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(rows)
    }
}

struct Team {
    /// Each manager with their supervisor.
    managers: Vec<(String, String)>,
}

struct Customer {
    account_id: String,
    account: String,
    contact_id: String,
    contact: String,
}

/// Generates `count` opportunities (and the team and customers they need) into an empty pipeline.
/// The SQLite writer's page cache while generating, in KiB.
const LOAD_CACHE_KB: u32 = 256 * 1024;

pub async fn generate(services: &Services, store: &Store, count: usize) -> anyhow::Result<()> {
    let mut conn = store.read().await?;
    anyhow::ensure!(
        conn.opportunities().count().await? == 0,
        "the database already has opportunities: generate into a new one (e.g. --database-url sqlite://./big/dealflow.db)"
    );
    let definition = conn.processes().current("enterprise-sale").await.context("the Enterprise sale process")?;
    drop(conn);
    if store.backend() == dealflow_store::Backend::Sqlite {
        // The writer's page cache for the load: at SQLite's default 2 MB every batch reads the
        // pages of the growing indexes back from the operating system (17 % faster at 100,000).
        let mut tx = store.begin_write().await?;
        tx.raw().script(&format!("PRAGMA cache_size = -{LOAD_CACHE_KB}")).await?;
        tx.commit().await?;
    }
    let began = Instant::now();
    let now = services.clock().now().as_millisecond();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ count as u64);
    let team = make_team(services, store, count).await?;
    let set_aside = match store.backend() {
        dealflow_store::Backend::Sqlite => Some(crate::bulk_load::set_aside(store).await?),
        _ => None,
    };
    let loaded = load(store, &team, count, now, &mut dice, &definition).await;
    if let Some(set_aside) = set_aside {
        // Also after a failed load: what the rows in the file need is made either way.
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} making {msg}").expect("a valid progress template"));
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        set_aside.restore(store, |what| bar.set_message(what.to_owned())).await?;
        bar.finish_and_clear();
    }
    let rows = loaded?;
    println!(
        "Generated {count} opportunities ({rows} rows with their history, processes, activities and notifications) for {} managers in {:.1} s; users' password \"{GENERATED_PASSWORD}\".",
        team.managers.len(),
        began.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the customers and the opportunities with everything they hold; answers the rows.
async fn load(
    store: &Store,
    team: &Team,
    count: usize,
    now: i64,
    dice: &mut Dice,
    definition: &ProcessDefinition,
) -> anyhow::Result<usize> {
    let customers = make_customers(store, team, (count / 10).max(8), now, dice).await?;

    let bar = ProgressBar::new(count as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} opportunities, {per_sec}, {eta} left ({msg} rows)")
            .expect("a valid progress template"),
    );
    let mut rows = 0usize;
    let mut tables = Tables::new();
    for i in 0..count {
        let (owner, supervisor) = dice.pick(&team.managers).clone();
        let customer = dice.pick(&customers);
        opportunity(&mut tables, dice, definition, &owner, &supervisor, customer, now);
        if (i + 1) % BATCH == 0 || i + 1 == count {
            rows += tables.write(store).await?;
            bar.set_position((i + 1) as u64);
            bar.set_message(rows.to_string());
        }
    }
    bar.finish();
    Ok(rows)
}

/// A manager for every 5,000 opportunities (3 at least, 500 at most), a supervisor for ten.
async fn make_team(services: &Services, store: &Store, count: usize) -> anyhow::Result<Team> {
    let managers = (count / 5_000).clamp(3, 500);
    let supervisors = managers.div_ceil(10);
    let first = services
        .add_user(NewUser {
            email: "supervisor1@generated.local".into(),
            name: "Руководитель 1".into(),
            role: Role::Supervisor,
            supervisor_id: None,
            locale: Some(Locale::Ru),
            time_zone: None,
            password: GENERATED_PASSWORD.into(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // One password hash serves everyone: hashing is slow on purpose.
    let person = |n: usize, email: String, role: Role, supervisor_id: Option<String>| UserRecord {
        id: dealflow_server::new_id(),
        email,
        name: format!("{} {}", FIRST_NAMES[n % FIRST_NAMES.len()], LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()]),
        role,
        supervisor_id,
        locale: Locale::Ru,
        time_zone: None,
        active: true,
        password_hash: first.password_hash.clone(),
        created_at: first.created_at,
    };
    let mut tx = store.begin_write().await?;
    let mut supervisor_ids = vec![first.id.clone()];
    for s in 2..=supervisors {
        let record = person(s, format!("supervisor{s}@generated.local"), Role::Supervisor, None);
        tx.users().insert(&record).await?;
        supervisor_ids.push(record.id);
    }
    let mut team = Vec::new();
    for m in 1..=managers {
        let supervisor = supervisor_ids[(m - 1) / 10].clone();
        let record = person(m + 7, format!("manager{m}@generated.local"), Role::Manager, Some(supervisor.clone()));
        tx.users().insert(&record).await?;
        team.push((record.id, supervisor));
    }
    tx.commit().await?;
    Ok(Team { managers: team })
}

async fn make_customers(store: &Store, team: &Team, count: usize, now: i64, dice: &mut Dice) -> anyhow::Result<Vec<Customer>> {
    let mut accounts = Table::new("accounts", &["id", "name", "name_lower", "industry", "owner_id", "created_at", "updated_at"]);
    let mut contacts = Table::new(
        "contacts",
        &["id", "name", "name_lower", "email", "job_title", "account_id", "account_name_lower", "owner_id", "created_at", "updated_at"],
    );
    let mut customers = Vec::with_capacity(count);
    for i in 0..count {
        let owner = dice.pick(&team.managers).0.clone();
        let account = format!("{}{} №{}", dice.pick(COMPANY_WORDS), dice.pick(COMPANY_KINDS), i + 1);
        let contact = format!("{} {}", dice.pick(FIRST_NAMES), dice.pick(LAST_NAMES));
        let (account_id, contact_id) = (dealflow_server::new_id(), dealflow_server::new_id());
        let at = now - dice.below(800) as i64 * DAY_MS;
        accounts.push(vec![
            t(&account_id),
            t(&account),
            t(account.to_lowercase()),
            t("Торговля"),
            t(&owner),
            V::I(Some(at)),
            V::I(Some(at)),
        ]);
        contacts.push(vec![
            t(&contact_id),
            t(&contact),
            t(contact.to_lowercase()),
            t(format!("contact{}@customer{}.example", i + 1, i + 1)),
            t("Коммерческий директор"),
            t(&account_id),
            t(account.to_lowercase()),
            t(&owner),
            V::I(Some(at)),
            V::I(Some(at)),
        ]);
        customers.push(Customer { account_id, account, contact_id, contact });
    }
    let mut tx = store.begin_write().await?;
    accounts.write(&mut tx).await?;
    contacts.write(&mut tx).await?;
    tx.commit().await?;
    Ok(customers)
}

/// How an opportunity ends up: open at a stage, won, lost at a stage, stopped at a stage, or
/// worked without a process.
enum Fate {
    Open(usize),
    Won,
    Lost(usize),
    Stopped(usize),
    Manual(usize),
}

#[allow(clippy::too_many_arguments, reason = "one opportunity needs all of these, and is written in one place")]
/// The day a deal made at `created` (ms) is expected to close: one to five months later, spread
/// by the moment itself so that the rest of the data stays as it was.
fn expected_close(created: i64) -> String {
    let days = 30 + (created / 1000).rem_euclid(120);
    let at = jiff::Timestamp::from_millisecond(created + days * DAY_MS).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string()
}

fn opportunity(
    tables: &mut Tables,
    dice: &mut Dice,
    definition: &ProcessDefinition,
    owner: &str,
    supervisor: &str,
    customer: &Customer,
    now: i64,
) {
    let stages = &definition.stages;
    let last = stages.len() - 1;
    let fate = match dice.below(100) {
        0..35 => Fate::Open(dice.below(stages.len() as u64) as usize),
        35..55 => Fate::Won,
        55..80 => Fate::Lost(dice.below(stages.len() as u64) as usize),
        80..90 => Fate::Stopped(dice.below(stages.len() as u64) as usize),
        _ => Fate::Manual(dice.below(stages.len() as u64) as usize),
    };
    let id = dealflow_server::new_id();
    let instance = dealflow_server::new_id();
    let with_process = !matches!(fate, Fate::Manual(_));
    // Open deals began recently enough to still be going; closed ones any time in two years.
    let span_days = match fate {
        Fate::Open(_) | Fate::Manual(_) => 60,
        _ => 720,
    };
    let created = now - (1 + dice.below(span_days)) as i64 * DAY_MS - dice.below(DAY_MS as u64) as i64;
    let reached = match fate {
        Fate::Open(k) | Fate::Lost(k) | Fate::Stopped(k) | Fate::Manual(k) => k,
        Fate::Won => last,
    };
    // When each stage was entered; the last visited stage lasts until now or the close.
    let mut entered = vec![created];
    for _ in 0..reached {
        let previous = *entered.last().expect("the first stage");
        entered.push((previous + (1 + dice.below(9)) as i64 * DAY_MS).min(now - DAY_MS / 2));
    }
    let closed_at = match fate {
        Fate::Won | Fate::Lost(_) => Some((entered[reached] + (1 + dice.below(6)) as i64 * DAY_MS).min(now - DAY_MS / 4)),
        _ => None,
    };
    let final_stage = match fate {
        Fate::Won => Some(stages[last].next.as_str().to_owned()),
        Fate::Lost(_) => Some("closed_lost".to_owned()),
        _ => None,
    };
    let current_stage = final_stage.clone().unwrap_or_else(|| stages[reached].stage.to_string());
    let link = |v: V| if with_process { v } else { V::T(None) };

    // History: creation, each move on, the close.
    let mut seq = 0;
    let mut history = |from: Option<&str>, to: &str, at: i64, by_process: bool, visit: bool| {
        seq += 1;
        tables.history.push(vec![
            t(&id),
            V::I(Some(seq)),
            V::T(from.map(str::to_owned)),
            t(to),
            V::I(Some(at)),
            V::T((!by_process).then(|| owner.to_owned())),
            V::I(Some(i64::from(by_process))),
            V::I((with_process && visit).then_some(1)),
            link(t(&instance)),
        ]);
    };
    history(None, stages[0].stage.as_str(), created, false, true);
    for k in 1..=reached {
        history(Some(stages[k - 1].stage.as_str()), stages[k].stage.as_str(), entered[k], with_process, true);
    }
    if let (Some(to), Some(at)) = (&final_stage, closed_at) {
        history(Some(stages[reached].stage.as_str()), to, at, with_process, false);
    }
    let versions = seq;

    let product = dice.pick(PRODUCTS);
    let title = format!("{product} для «{}»", customer.account);
    let amount = (50 + dice.below(4_950)) as i64 * 100_000;
    let won = matches!(fate, Fate::Won);
    let lost = matches!(fate, Fate::Lost(_));
    let closing_filled = closed_at.is_some() && dice.below(10) < 8;
    tables.opportunities.push(vec![
        t(&id),
        t(&title),
        t(&customer.account_id),
        t(&customer.contact_id),
        t(owner),
        t(&current_stage),
        V::I(Some(amount)),
        V::I(Some(amount)),
        t("Автоматизировать продажи и отчётность"),
        V::I((won && closing_filled).then_some(amount - amount / 10 * dice.below(3) as i64)),
        V::F(closing_filled.then(|| (4 + dice.below(80)) as f64 / 2.0)),
        V::T((lost && closing_filled).then(|| dice.pick(LOST_REASONS).to_string())),
        V::I(closed_at),
        t(format!("{title} {} {}", customer.account, customer.contact).to_lowercase()),
        t(expected_close(created)),
        V::I(Some(versions)),
        V::I(Some(created)),
        V::I(Some(closed_at.unwrap_or(entered[reached]))),
    ]);
    if !with_process {
        return;
    }

    let finished = match fate {
        Fate::Won | Fate::Lost(_) => closed_at,
        Fate::Stopped(_) => Some((entered[reached] + (1 + dice.below(5)) as i64 * DAY_MS).min(now - DAY_MS / 4)),
        _ => None,
    };
    let (status, outcome) = match fate {
        Fate::Won => ("completed", Some("won")),
        Fate::Lost(_) => ("completed", Some("lost")),
        Fate::Stopped(_) => ("cancelled", None),
        _ => ("running", None),
    };
    let visits: BTreeMap<&str, u32> = stages[..=reached].iter().map(|s| (s.stage.as_str(), 1)).collect();
    tables.instances.push(vec![
        t(&instance),
        t(&definition.code),
        V::I(Some(i64::from(definition.version))),
        t(&id),
        t(status),
        V::T(outcome.map(str::to_owned)),
        t("opportunity_page"),
        t(owner),
        V::I(Some(created)),
        V::I(finished),
        t(serde_json::to_string(&visits).expect("visits serialize")),
    ]);

    for (k, stage) in stages[..=reached].iter().enumerate() {
        let at = entered[k];
        let current = k == reached;
        // Lost: one customer-facing task of the last stage was declined, the rest cancelled.
        let declined = if lost && current {
            stage.steps.iter().position(|s| s.results.iter().any(|r| matches!(r.effect, ResultEffect::Close(_))))
        } else {
            None
        };
        for (j, step) in stage.steps.iter().enumerate() {
            let activity = dealflow_server::new_id();
            let due = at + step.due.seconds() * 1000;
            let (status, result, completed) = if !current || won {
                ("completed", Some("done"), Some((at + (1 + dice.below(3)) as i64 * DAY_MS / 2).min(now)))
            } else if declined == Some(j) {
                ("completed", Some("declined"), closed_at)
            } else if lost || matches!(fate, Fate::Stopped(_)) {
                ("cancelled", None, None)
            } else if dice.below(4) == 0 {
                ("in_progress", None, None)
            } else {
                ("not_started", None, None)
            };
            tables.activities.push(vec![
                t(&activity),
                t(step.kind.as_str()),
                t(&step.title.ru),
                t(&step.title.en),
                t(owner),
                t(status),
                V::T(result.map(str::to_owned)),
                V::I(Some(due)),
                V::I(completed),
                t(&id),
                t(&instance),
                t(stage.stage.as_str()),
                t(&step.code),
                V::I(Some(1)),
                V::I(Some(at)),
                V::I(Some(completed.unwrap_or(at))),
            ]);
            // What is still to do was announced to its owner; older notices were read.
            let open = matches!(status, "not_started" | "in_progress");
            if open || dice.below(20) == 0 {
                tables.notifications.push(vec![
                    t(dealflow_server::new_id()),
                    t(owner),
                    t("activity_assigned"),
                    t("Новая активность"),
                    t("New activity"),
                    t(format!("{} — {title}", step.title.ru)),
                    t(format!("{} — {title}", step.title.en)),
                    t("activity"),
                    t(&activity),
                    V::I(Some(at)),
                    V::I((!open).then_some(at + DAY_MS)),
                ]);
            }
        }
    }
    if let Some(at) = closed_at {
        let (kind, ru, en) = if won {
            ("opportunity_won", "Продажа выиграна", "Opportunity won")
        } else {
            ("opportunity_lost", "Продажа проиграна", "Opportunity lost")
        };
        tables.notifications.push(vec![
            t(dealflow_server::new_id()),
            t(supervisor),
            t(kind),
            t(ru),
            t(en),
            t(&title),
            t(&title),
            t("opportunity"),
            t(&id),
            V::I(Some(at)),
            V::I((now - at > 7 * DAY_MS).then_some(at + DAY_MS)),
        ]);
    }
}
