#![allow(dead_code, reason = "shared by the rules and api test binaries; each uses a part")]

//! A fresh database per test — a temp SQLite file, or a PostgreSQL schema of its own — with
//! the lookups, the Enterprise sale process and a small team: a supervisor, two managers on
//! their team, and one manager with no supervisor.

use std::collections::HashMap;

use dealflow_core::engine::{ActivityStatus, InstanceStatus, StartedVia};
use dealflow_core::records::{ActivityRecord, HistoryRecord, InstanceRecord, NotificationRecord, OpportunityRecord, Role, UserRecord};
use dealflow_core::{Locale, ProcessDefinition};
use dealflow_server::access::Actor;
use dealflow_server::services::{Bootstrap, Started};
use dealflow_server::{Clock, Services, new_id};
use dealflow_store::Store;
use jiff::Timestamp;

/// The one problem a service refused a field with: `(field, kind)`.
pub fn refusal<T: std::fmt::Debug>(result: &Result<T, dealflow_server::ServiceError>) -> (String, dealflow_core::check::Invalid) {
    match result {
        Err(dealflow_server::ServiceError::Invalid(problems)) if problems.len() == 1 => {
            (problems[0].field.clone(), problems[0].invalid.clone())
        }
        other => panic!("expected one field problem, got {other:?}"),
    }
}

/// Generates one test per backend from an `async fn(TestApp)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::TestApp::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::postgres().await else { return };
                    super::$name(app).await
                }
            )*
        }
    };
}

pub struct TestApp {
    pub services: Services,
    pub store: Store,
    pub clock: Clock,
    pub supervisor: UserRecord,
    /// On the supervisor's team, Russian.
    pub manager: UserRecord,
    /// On the supervisor's team, English.
    pub teammate: UserRecord,
    /// No supervisor.
    pub loner: UserRecord,
    /// The actors of the team and the administrator, by user id.
    actors: HashMap<String, Actor>,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL schema to drop when the test ends: (server URL, schema).
    schema: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((base, schema)) = self.schema.take() else { return };
        // Drop runs outside async code; a thread with its own runtime does the cleanup.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(store) = Store::connect(&base).await {
                    if let Ok(mut conn) = store.raw().await {
                        conn.sql().script(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await.ok();
                    }
                    store.close().await;
                }
            });
        })
        .join()
        .ok();
    }
}

/// A half-hour call about the deal `opportunity_id` at `start_at`, owned by whoever plans it.
pub fn call_about(opportunity_id: &str, title: &str, start_at: Timestamp) -> dealflow_server::services::NewActivity {
    dealflow_server::services::NewActivity {
        kind: dealflow_core::definition::ActivityType::Call,
        title: title.into(),
        opportunity_id: Some(opportunity_id.to_owned()),
        owner_id: None,
        account_id: None,
        contact_id: None,
        start_at: Some(start_at),
        due_at: None,
        duration_minutes: Some(30),
    }
}

pub fn start_of_test() -> Timestamp {
    "2026-11-28T09:00:00Z".parse().unwrap()
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/dealflow.db", dir.path().display());
        TestApp::on(&url, Some(dir)).await
    }

    /// `None` (with a notice) when `DEALFLOW_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestApp> {
        let Some(base) = std::env::var("DEALFLOW_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()) else {
            eprintln!("skipped: set DEALFLOW_TEST_POSTGRES_URL to run the PostgreSQL tests");
            return None;
        };
        let schema = format!("t_{}", new_id().replace('-', ""));
        let admin = Store::connect(&base).await.expect("PostgreSQL is reachable");
        admin.raw().await.unwrap().sql().script(&format!("CREATE SCHEMA {schema}")).await.unwrap();
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        let mut app = TestApp::on(&url, None).await;
        app.schema = Some((base, schema));
        Some(app)
    }

    async fn on(url: &str, dir: Option<tempfile::TempDir>) -> TestApp {
        let store = Store::connect(url).await.unwrap();
        store.migrate().await.unwrap();
        let clock = Clock::manual(start_of_test());
        let services = Services::new(store.clone(), clock.clone());
        let bootstrap = Bootstrap { admin_email: "admin@test.local".into(), admin_password: Some("admin-password".into()) };
        services.bootstrap(&bootstrap).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let mut user = async |name: &str, role: Role, supervisor: Option<&UserRecord>, locale: Locale| {
            let record = UserRecord {
                id: new_id(),
                email: format!("{}@test.local", name.to_lowercase()),
                name: name.into(),
                role,
                supervisor_id: supervisor.map(|s| s.id.clone()),
                locale,
                time_zone: None,
                active: true,
                // Tests do not sign in; hashing a real password for every test would only be slow.
                password_hash: "not-a-password-hash".into(),
                created_at: start_of_test(),
            };
            tx.users().insert(&record).await.unwrap();
            record
        };
        let supervisor = user("Supervisor", Role::Supervisor, None, Locale::En).await;
        let manager = user("Manager", Role::Manager, Some(&supervisor), Locale::Ru).await;
        let teammate = user("Teammate", Role::Manager, Some(&supervisor), Locale::En).await;
        let loner = user("Loner", Role::Manager, None, Locale::Ru).await;
        tx.commit().await.unwrap();
        let admin = store.read().await.unwrap().users().find_by_email("admin@test.local").await.unwrap().unwrap();
        let mut actors = HashMap::new();
        for user in [&supervisor, &manager, &teammate, &loner, &admin] {
            actors.insert(user.id.clone(), services.actor(user.clone()).await.unwrap());
        }
        TestApp { services, store, clock, supervisor, manager, teammate, loner, actors, _dir: dir, schema: None }
    }

    /// A whole number the SQL answers: the first column of its first row (`None` for NULL).
    pub async fn sql_number(&self, sql: &str) -> Option<i64> {
        self.store.raw().await.unwrap().sql().int(sql, &[]).await.unwrap()
    }

    /// How many rows `SELECT COUNT(*) …` counts.
    pub async fn count(&self, sql: &str) -> i64 {
        self.sql_number(sql).await.unwrap_or(0)
    }

    /// The first column of every row the SQL answers, as text.
    pub async fn sql_texts(&self, sql: &str) -> Vec<String> {
        self.store.raw().await.unwrap().sql().texts(sql, &[]).await.unwrap()
    }

    /// The actor of one of the team or of the administrator, by user id.
    pub fn actor_of(&self, user: &UserRecord) -> &Actor {
        self.actor(&user.id)
    }

    /// The actor of one of the team or of the administrator, by user id.
    pub fn actor(&self, user_id: &str) -> &Actor {
        self.actors.get(user_id).unwrap_or_else(|| panic!("no actor for {user_id}"))
    }

    /// The administrator the bootstrap created.
    pub async fn admin(&self) -> UserRecord {
        self.store.read().await.unwrap().users().find_by_email("admin@test.local").await.unwrap().unwrap()
    }

    /// R1 through the side panel, as `manager`.
    pub async fn start_new(&self, by: &UserRecord) -> Started {
        self.services.start_process(self.actor(&by.id), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap()
    }

    pub async fn opportunity(&self, id: &str) -> OpportunityRecord {
        self.store.read().await.unwrap().opportunities().get(id).await.unwrap()
    }

    pub async fn history(&self, id: &str) -> Vec<HistoryRecord> {
        self.store.read().await.unwrap().opportunities().history(id).await.unwrap()
    }

    pub async fn activities(&self, opportunity_id: &str) -> Vec<ActivityRecord> {
        self.store.read().await.unwrap().activities().of_opportunity(opportunity_id).await.unwrap()
    }

    pub async fn open_process_activities(&self, opportunity_id: &str) -> Vec<ActivityRecord> {
        let mut all: Vec<_> =
            self.activities(opportunity_id).await.into_iter().filter(|a| a.status.is_open() && a.process_instance_id.is_some()).collect();
        all.sort_by(|a, b| a.step.cmp(&b.step));
        all
    }

    /// The step codes of the open process activities, sorted.
    pub async fn open_steps(&self, opportunity_id: &str) -> Vec<String> {
        let mut steps: Vec<String> = self.open_process_activities(opportunity_id).await.into_iter().filter_map(|a| a.step).collect();
        steps.sort();
        steps
    }

    pub async fn instances(&self, opportunity_id: &str) -> Vec<InstanceRecord> {
        self.store.read().await.unwrap().processes().instances_of(opportunity_id).await.unwrap()
    }

    pub async fn notifications(&self, user: &UserRecord) -> Vec<NotificationRecord> {
        self.store.read().await.unwrap().notifications().of_user(&user.id).await.unwrap()
    }

    /// Completes every open process activity with `done`, as the opportunity's owner would.
    pub async fn complete_open(&self, opportunity_id: &str) {
        let owner = self.opportunity(opportunity_id).await.owner_id;
        for activity in self.open_process_activities(opportunity_id).await {
            self.services.complete_activity(self.actor(&owner), &activity.id, None, None).await.unwrap();
        }
    }

    pub async fn publish(&self, definition: &ProcessDefinition) -> u32 {
        let mut tx = self.store.begin_write().await.unwrap();
        let version = tx.processes().publish(definition, None, self.clock.now()).await.unwrap();
        tx.commit().await.unwrap();
        version
    }

    pub async fn stages(&self) -> dealflow_core::StageCatalog {
        self.store.read().await.unwrap().stages().catalog().await.unwrap()
    }

    /// Checks the invariants of SPEC §3 on one opportunity, as stored.
    pub async fn assert_invariants(&self, opportunity_id: &str) {
        let opportunity = self.opportunity(opportunity_id).await;
        let stages = self.stages().await;
        let instances = self.instances(opportunity_id).await;
        let running: Vec<_> = instances.iter().filter(|i| i.status == InstanceStatus::Running).collect();
        assert!(running.len() <= 1, "at most one running instance, found {}", running.len());
        let all = self.activities(opportunity_id).await;
        let mut seen = std::collections::BTreeSet::new();
        for a in all.iter().filter(|a| a.process_instance_id.is_some()) {
            let key = (a.process_instance_id.clone(), a.stage.clone(), a.stage_visit, a.step.clone());
            assert!(seen.insert(key), "duplicate activity for one visit and step: {a:?}");
            if a.status.is_open() {
                let instance = running.first().unwrap_or_else(|| panic!("open process activity without a running instance: {a:?}"));
                assert_eq!(a.process_instance_id.as_deref(), Some(instance.id.as_str()), "open activity of another instance");
                assert_eq!(a.stage.as_ref(), Some(&opportunity.stage), "open activity of another stage");
                assert_eq!(a.stage_visit, instance.visits.get(&opportunity.stage).copied(), "open activity of an older visit");
            }
        }
        if stages.is_final(opportunity.stage.as_str()) {
            assert!(running.is_empty(), "a closed opportunity has no running instance");
            assert!(opportunity.closed_at.is_some(), "a closed opportunity has closed_at");
        }
        let history = self.history(opportunity_id).await;
        assert!(!history.is_empty(), "every opportunity has a creation entry");
        assert_eq!(history[0].from_stage, None);
        for (i, pair) in history.windows(2).enumerate() {
            assert_eq!(pair[1].seq as usize, i + 2);
            assert_eq!(pair[1].from_stage.as_ref(), Some(&pair[0].to_stage), "history is a chain");
        }
        assert_eq!(history.last().unwrap().to_stage, opportunity.stage, "history ends at the current stage");
        if let Some(instance) = running.first() {
            let visit = instance.visits.get(&opportunity.stage).copied();
            let current: Vec<_> = all
                .iter()
                .filter(|a| {
                    a.process_instance_id.as_deref() == Some(&instance.id)
                        && Some(&opportunity.stage) == a.stage.as_ref()
                        && a.stage_visit == visit
                })
                .collect();
            let finished =
                !current.is_empty() && current.iter().all(|a| a.status == ActivityStatus::Completed && a.result.as_deref() == Some("done"));
            assert!(!finished, "a running instance whose visit is all done has advanced");
        }
    }
}
