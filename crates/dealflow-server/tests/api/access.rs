//! The access matrix: every route × {anonymous, owner, manager of another team, teammate,
//! supervisor, admin} × {own record, another team's record, missing record}, from the table in
//! `access_matrix.tsv`. A route the API serves that the table lacks fails the test.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use dealflow_core::engine::StartedVia;
use dealflow_core::records::UserRecord;
use dealflow_server::services::{AccountFields, ArticleFields, ContactFields, NewLead};
use reqwest::Method;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

const TABLE: &str = include_str!("access_matrix.tsv");
const SHIPPED: &str = include_str!("../../../../processes/enterprise-sale.toml");
const PERSONAS: [&str; 6] = ["anonymous", "owner", "other", "teammate", "supervisor", "admin"];

struct Row {
    method: Method,
    path: String,
    fixture: String,
    body: Option<String>,
    own: [u16; 6],
    missing: Option<(u16, u16)>,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("method\t") && !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 12, "a row has 12 cells: {line}");
            let status = |s: &str| s.parse::<u16>().unwrap_or_else(|_| panic!("a status in {line}"));
            Row {
                method: cells[0].parse().unwrap(),
                path: cells[1].to_owned(),
                fixture: cells[2].to_owned(),
                body: (cells[3] != "-").then(|| cells[3].to_owned()),
                own: std::array::from_fn(|i| status(cells[4 + i])),
                missing: (cells[10] != "-").then(|| (status(cells[10]), status(cells[11]))),
            }
        })
        .collect()
}

static UNIQUE: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    format!("{}{}", std::process::id(), UNIQUE.fetch_add(1, Ordering::SeqCst))
}

/// A token of its own for every request, since `DELETE /auth/token` revokes the one it carries.
async fn fresh_token(api: &Api, user: &UserRecord) -> String {
    let token = format!("matrix-{}", unique());
    let mut tx = api.app.store.begin_write().await.unwrap();
    tx.tokens().insert(&dealflow_server::secrets::hash_token(&token), &user.id, api.app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    token
}

/// A fresh record of the fixture's kind, owned by `owner`.
async fn fixture(api: &Api, kind: &str, owner: &UserRecord) -> String {
    let services = &api.app.services;
    let actor = api.app.actor(&owner.id);
    let start = || services.start_process(actor, "enterprise-sale", None, StartedVia::Api);
    match kind {
        "opportunity" => start().await.unwrap().opportunity.id,
        "instance" => start().await.unwrap().instance.id,
        "won_opportunity" => {
            let id = start().await.unwrap().opportunity.id;
            services.change_stage(actor, &id, "closed_won", None).await.unwrap();
            id
        }
        "activity" => {
            let id = start().await.unwrap().opportunity.id;
            api.app.store.read().await.unwrap().activities().of_opportunity(&id).await.unwrap()[0].id.clone()
        }
        "notification" => {
            start().await.unwrap();
            api.app.store.read().await.unwrap().notifications().of_user(&owner.id).await.unwrap()[0].id.clone()
        }
        "lead" => services.create_lead(actor, NewLead { title: "Lead".into(), ..NewLead::default() }).await.unwrap().id,
        "user" => owner.id.clone(),
        "account" => services.create_account(actor, AccountFields { name: "Account".into(), ..Default::default() }).await.unwrap().id,
        "contact" => services.create_contact(actor, ContactFields { name: "Contact".into(), ..Default::default() }).await.unwrap().id,
        "article" => {
            services
                .create_article(actor, ArticleFields { title: Some("Article".into()), body: Some("Text".into()), tags: None })
                .await
                .unwrap()
                .id
        }
        "webhook" | "delivery" => {
            let admin = api.app.actor(&api.app.admin().await.id);
            let fields = dealflow_server::services::EndpointFields {
                url: "https://example.test/hooks".into(),
                event_types: vec!["opportunity.created".into()],
                ..Default::default()
            };
            let endpoint = services.create_webhook_endpoint(admin, fields).await.unwrap().id;
            if kind == "webhook" {
                return endpoint;
            }
            start().await.unwrap();
            let now = api.app.clock.now();
            let mut tx = api.app.store.begin_write().await.unwrap();
            tx.webhooks().fan_out(now, 500, &mut dealflow_server::new_id).await.unwrap();
            let delivery = tx.webhooks().deliveries(&endpoint, None, 1).await.unwrap().remove(0).0.id;
            tx.commit().await.unwrap();
            format!("{endpoint}|{delivery}")
        }
        "import" => {
            // Imports belong to the supervisor or administrator who made them; the supervisor
            // of the fixture's owner makes this one.
            let supervisor = api.app.actor(&api.app.supervisor.id);
            let upload = dealflow_server::services::NewImport {
                file_name: "import.csv".into(),
                bytes: b"Account,Deal\nAcme,ERP\n".to_vec(),
                ..Default::default()
            };
            services.create_import(supervisor, upload).await.unwrap().id
        }
        "stage" => "presentation".into(),
        "setting" => "currency".into(),
        "process" => "enterprise-sale".into(),
        other => panic!("unknown fixture {other}"),
    }
}

fn missing_id(kind: &str) -> &'static str {
    match kind {
        "stage" => "no_such_stage",
        "setting" => "no_such_setting",
        "process" => "no-such-process",
        "delivery" => "no-such-record|no-such-delivery",
        _ => "no-such-record",
    }
}

async fn send(api: &Api, row: &Row, token: Option<&str>, id: Option<&str>) -> u16 {
    let mut path = row.path.replace("{unique}", &unique());
    if let Some(id) = id {
        let (parent, id) = id.split_once('|').unwrap_or(("", id));
        path = path.replace("{parent}", parent).replace("{id}", id);
    }
    let url = match path.strip_prefix('^') {
        Some(absolute) => format!("{}{absolute}", api.base.trim_end_matches("/api/v1")),
        None => format!("{}{path}", api.base),
    };
    let mut request = reqwest::Client::new().request(row.method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match row.body.as_deref() {
        Some("@definition") => {
            let value: serde_json::Value = serde_json::to_value(toml::from_str::<toml::Value>(SHIPPED).unwrap()).unwrap();
            request = request.json(&value);
        }
        Some(body) => {
            request = request.header("content-type", "application/json").body(body.replace("{unique}", &unique()));
        }
        None => {}
    }
    // The event stream never ends by itself: its status line is enough.
    request.send().await.unwrap().status().as_u16()
}

async fn every_route_answers_each_role_as_the_access_matrix_says(app: TestApp) {
    let api = Api::start(app).await;
    let admin = api.app.admin().await;
    let persona = |i: usize| -> Option<&UserRecord> {
        match i {
            0 => None,
            1 => Some(&api.app.manager),
            2 => Some(&api.app.loner),
            3 => Some(&api.app.teammate),
            4 => Some(&api.app.supervisor),
            _ => Some(&admin),
        }
    };
    let rows = rows();
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in &rows {
        let names_a_record = row.path.contains("{id}");
        // Another team's record: its owner is the other manager, so owner and other swap.
        let own = row.own;
        let foreign = [own[0], own[2], own[1], own[2], own[2], own[5]];
        let variants: Vec<(&str, Option<&UserRecord>, [u16; 6])> = if names_a_record {
            let (missing, missing_admin) = row.missing.expect("a row naming a record gives the missing statuses");
            // An import is no manager's: another team's is the same as a missing one.
            let other_team = (row.fixture != "import").then_some(("foreign", Some(&api.app.loner), foreign));
            vec![("own", Some(&api.app.manager), own)]
                .into_iter()
                .chain(other_team)
                .chain([("missing", None, [401, missing, missing, missing, missing, missing_admin])])
                .collect()
        } else {
            vec![("route", None, own)]
        };
        for (record, owner, expected) in variants {
            for (i, want) in expected.iter().enumerate() {
                let id = match (names_a_record, owner) {
                    (false, _) => None,
                    (true, Some(owner)) => Some(fixture(&api, &row.fixture, owner).await),
                    (true, None) => Some(missing_id(&row.fixture).to_owned()),
                };
                let token = match persona(i) {
                    Some(user) => Some(fresh_token(&api, user).await),
                    None => None,
                };
                let got = send(&api, row, token.as_deref(), id.as_deref()).await;
                checked += 1;
                if got != *want {
                    failures.push(format!("{} {} [{record}] as {}: expected {want}, got {got}", row.method, row.path, PERSONAS[i]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    println!("access matrix: {checked} requests, {} routes", rows.len());

    // Every documented route is in the table.
    let (_, document) = dealflow_server::api::routes();
    let in_table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.path.split('?').next().unwrap().replace("{id}", "{}").replace("{parent}", "{}")))
        .collect();
    for (path, item) in &document.paths.paths {
        let template = path.split('/').map(|part| if part.starts_with('{') { "{}" } else { part }).collect::<Vec<_>>().join("/");
        for (method, present) in [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if present {
                assert!(in_table.contains(&(method.to_owned(), template.clone())), "{method} {path} is missing from access_matrix.tsv");
            }
        }
    }
}

/// A supervisor's list merges the team's owners newest first, page by page, with nothing lost or
/// repeated across the pages and the filters applied to every owner.
async fn a_teams_list_pages_through_every_owner_newest_first(app: TestApp) {
    let api = Api::start(app).await;
    let owners = [api.app.supervisor.clone(), api.app.manager.clone(), api.app.teammate.clone()];
    let mut made = Vec::new();
    for i in 0..8 {
        let owner = &owners[i % 3];
        let token = api.token(owner).await;
        let stage = if i % 4 == 0 { "closed_lost" } else { "qualification" };
        let created = api.post("/opportunities", &token, serde_json::json!({"title": format!("team {i}"), "stage": stage})).await;
        made.push((created.body["id"].as_str().unwrap().to_owned(), stage));
        api.app.clock.advance(jiff::SignedDuration::from_secs(60));
    }
    api.post("/opportunities", &api.token(&api.app.loner).await, serde_json::json!({"title": "not the team's"})).await;
    let supervisor = api.token(&api.app.supervisor).await;
    let pages = |query: &'static str| {
        let (api, token) = (&api, supervisor.clone());
        async move {
            let mut seen = Vec::new();
            let mut path = format!("/opportunities?limit=3{query}");
            loop {
                let page = api.get(&path, &token).await;
                seen.extend(page.body["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()));
                match page.body["next_cursor"].as_str() {
                    Some(cursor) => path = format!("/opportunities?limit=3{query}&cursor={cursor}"),
                    None => return seen,
                }
            }
        }
    };
    let newest_first: Vec<String> = made.iter().rev().map(|(id, _)| id.clone()).collect();
    assert_eq!(pages("").await, newest_first, "every owner's, newest first, none twice");
    let open: Vec<String> = made.iter().rev().filter(|(_, stage)| *stage == "qualification").map(|(id, _)| id.clone()).collect();
    assert_eq!(pages("&open=true").await, open);
}

on_both_backends!(every_route_answers_each_role_as_the_access_matrix_says, a_teams_list_pages_through_every_owner_newest_first);
