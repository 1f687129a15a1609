//! CSV imports (issue 17, SPEC §9) over the API on both backends: a Pipedrive-style export is
//! dry-run (every row's problems listed, nothing written) and then imported with its links,
//! history and events; matches follow the chosen dedupe policy; a file with a thousand bad rows
//! gives back exactly those rows with their reasons and imports the rest; and an import whose
//! node stops mid-way is finished by another node with no row written twice.

use dealflow_server::services::{AccountFields, ContactFields};
use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::client::{Answer, Api};
use crate::on_both_backends;
use crate::support::TestApp;

async fn upload(api: &Api, token: &str, name: &str, file: Vec<u8>, fields: &[(&str, &str)]) -> Answer {
    let mut form = Form::new().part("file", Part::bytes(file).file_name(name.to_owned()).mime_str("text/csv").unwrap());
    for (field, value) in fields {
        form = form.text(field.to_string(), value.to_string());
    }
    let request = reqwest::Client::new().post(format!("{}/imports", api.base)).bearer_auth(token).multipart(form);
    Answer::read(request.send().await.unwrap()).await
}

/// Lets the node's worker go through everything waiting, and reads the import again.
async fn worked(api: &Api, token: &str, id: &str) -> Value {
    api.app.services.run_waiting_imports("test-node").await.unwrap();
    let answer = api.get(&format!("/imports/{id}"), token).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

fn tally(body: &Value, kind: &str) -> (i64, i64, i64) {
    let t = &body["counts"][kind];
    (t["created"].as_i64().unwrap(), t["updated"].as_i64().unwrap(), t["skipped"].as_i64().unwrap())
}

async fn all_problems(api: &Api, token: &str, id: &str) -> Vec<Value> {
    let (mut found, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/imports/{id}/problems?limit=500&cursor={c}"),
            None => format!("/imports/{id}/problems?limit=500"),
        };
        let page = api.get(&path, token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        found.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

async fn a_pipedrive_export_is_dry_run_then_imported_with_its_links_and_problems(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let token = api.token(&app.supervisor).await;
    let teammate = &app.teammate.email;
    let loner = &app.loner.email;
    let file = format!(
        "Deal - Title,Deal - Value,Deal - Stage,Deal - Owner,Deal - Expected close date,Organization - Name,Person - Name,Person - Email,Activity - Subject,Activity - Type,Activity - Due date\n\
         ERP rollout,\"150 000,50\",Presentation,{teammate},31.03.2027,Acme Foods,Ivan Petrov,ivan@acme.example,Call back,Call,2026-12-10 10:00\n\
         ERP rollout,,Presentation,{teammate},,Acme Foods,Ivan Petrov,IVAN@acme.example,Send the offer,Email,2026-12-11\n\
         Warehouse,9000,Nowhere,{loner},2027-01-01,Beta Ltd,Olga,olga@beta.example,,,\n\
         CRM pilot,12000,Closed won,,2026-11-20,  acme   FOODS ,,,,,\n"
    );
    let accounts_before = app.count("SELECT COUNT(*) FROM accounts").await;

    let created = upload(&api, &token, "deals.csv", file.into_bytes(), &[("dry_run", "true")]).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["status"], "checking");
    assert_eq!(created.body["mapping"][0], "opportunity.title", "proposed from Pipedrive's headers");
    let checked = worked(&api, &token, &id).await;
    assert_eq!(checked["status"], "checked");
    assert_eq!((checked["done_rows"].as_i64(), checked["rejected_rows"].as_i64()), (Some(4), Some(1)));
    assert_eq!(tally(&checked, "accounts"), (1, 0, 0), "Acme once, whatever its case and spacing; Beta's row is rejected");
    assert_eq!(tally(&checked, "contacts"), (1, 0, 0), "Ivan once, by e-mail in any case");
    assert_eq!(tally(&checked, "opportunities"), (2, 0, 0));
    assert_eq!(tally(&checked, "activities"), (2, 0, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, accounts_before, "a dry run writes no record");
    let problems = all_problems(&api, &token, &id).await;
    let found: Vec<(i64, &str, &str)> =
        problems.iter().map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap(), p["code"].as_str().unwrap())).collect();
    assert_eq!(found, [(4, "Deal - Owner", "not_in_team"), (4, "Deal - Stage", "unknown_stage")]);
    assert_eq!(problems[0]["value"], loner.as_str());
    assert!(problems[0]["message"].as_str().unwrap().contains("team"), "the supervisor reads English: {}", problems[0]["message"]);

    let run = api.post(&format!("/imports/{id}/run"), &token, json!({})).await;
    assert_eq!((run.status, run.body["status"].as_str()), (StatusCode::ACCEPTED, Some("importing")));
    let done = worked(&api, &token, &id).await;
    assert_eq!((done["status"].as_str(), done["rejected_rows"].as_i64()), (Some("done"), Some(1)));
    assert_eq!(tally(&done, "opportunities"), (2, 0, 0));
    let again = api.post(&format!("/imports/{id}/run"), &token, json!({})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "import_busy"));

    let erp = app.sql_texts("SELECT id FROM opportunities WHERE title = 'ERP rollout'").await;
    assert_eq!(erp.len(), 1, "two rows of one deal make one deal");
    let deal = app.opportunity(&erp[0]).await;
    assert_eq!((deal.stage.as_str(), deal.owner_id.as_str()), ("presentation", app.teammate.id.as_str()));
    assert_eq!((deal.amount.map(|m| m.to_string()), deal.close_date.as_deref()), (Some("150000.50".into()), Some("2027-03-31")));
    let account = app.store.read().await.unwrap().accounts().get(deal.account_id.as_deref().unwrap()).await.unwrap();
    assert_eq!(account.name, "Acme Foods");
    let contact = app.store.read().await.unwrap().contacts().get(deal.contact_id.as_deref().unwrap()).await.unwrap();
    assert_eq!((contact.email.as_deref(), contact.account_id.as_deref()), (Some("ivan@acme.example"), Some(account.id.as_str())));
    let activities = app.activities(&deal.id).await;
    assert_eq!(activities.len(), 2);
    assert!(activities.iter().all(|a| a.owner_id == app.teammate.id && a.contact_id.as_deref() == Some(contact.id.as_str())));
    let history = app.history(&deal.id).await;
    assert_eq!(history.len(), 1, "no process ran");
    assert_eq!(history[0].by_user_id.as_deref(), Some(app.supervisor.id.as_str()));
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM stage_history WHERE import_id = '{id}'")).await, 2, "history records the import");
    assert!(app.instances(&deal.id).await.is_empty(), "no process started");
    let won = app.sql_texts("SELECT id FROM opportunities WHERE title = 'CRM pilot'").await;
    let won = app.opportunity(&won[0]).await;
    assert_eq!((won.stage.as_str(), won.account_id.as_deref()), ("closed_won", Some(account.id.as_str())));
    assert!(won.closed_at.is_some(), "a deal imported on a final stage is closed");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_outbox WHERE type = 'opportunity.created'").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_outbox WHERE type = 'activity.created'").await, 2);

    let rejected = reqwest::Client::new().get(format!("{}/imports/{id}/rejected.csv", api.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(rejected.headers()["content-type"], "text/csv; charset=utf-8");
    let body = rejected.text().await.unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with(",Row,Problems"), "{}", lines[0]);
    assert!(lines[1].starts_with("Warehouse,9000,Nowhere,") && lines[1].contains(",4,Deal - Owner: "), "{}", lines[1]);

    let manager = api.token(&app.manager).await;
    let refused = upload(&api, &manager, "deals.csv", b"Deal\nX\n".to_vec(), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(api.get(&format!("/imports/{id}"), &manager).await.status, StatusCode::NOT_FOUND);
    let empty = upload(&api, &token, "empty.csv", Vec::new(), &[]).await;
    assert_eq!((empty.status, empty.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
    let mapping = upload(&api, &token, "x.csv", b"A,B\n1,2\n".to_vec(), &[("mapping", "[\"account.name\",\"nope\"]")]).await;
    assert_eq!(mapping.body["errors"][0]["field"], "mapping[1]");
    assert_eq!(mapping.body["errors"][0]["code"], "not_one_of");
}

async fn matches_follow_the_dedupe_policy(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let token = api.token(&app.supervisor).await;
    let by = app.actor_of(&app.manager);
    let volga = app.services.create_account(by, AccountFields { name: "Волга Фарм".into(), ..AccountFields::default() }).await.unwrap();
    let taxed = AccountFields { name: "ООО «Кама»".into(), tax_number: Some("7701234567".into()), ..AccountFields::default() };
    let kama = app.services.create_account(by, taxed).await.unwrap();
    let anna = ContactFields { name: "Анна".into(), email: Some("Anna@Volga.example".into()), ..ContactFields::default() };
    let anna = app.services.create_contact(by, anna).await.unwrap();
    let boris = ContactFields { name: "Борис".into(), email: Some("boris@volga.example".into()), ..ContactFields::default() };
    let boris = app.services.create_contact(by, boris).await.unwrap();
    let file = "Клиент;ИНН;Отрасль;Контакт;Эл. почта;Должность\n\
                \"  волга   фарм \";;Фармацевтика;Анна Смирнова;anna@volga.example;Закупки\n\
                Кама;7701 234 567;Металлы;;;\n\
                ;;;;Boris@Volga.example;Директор\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(file);
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        async move { app.count(&sql).await }
    };
    let (accounts, contacts) = (count("accounts").await, count("contacts").await);

    let id = upload(&api, &token, "клиенты.csv", bytes.to_vec(), &[("dedupe", "skip")]).await.body["id"].as_str().unwrap().to_owned();
    let skipped = worked(&api, &token, &id).await;
    assert_eq!((tally(&skipped, "accounts"), tally(&skipped, "contacts")), ((0, 0, 2), (0, 0, 2)), "{skipped}");
    let kept = app.store.read().await.unwrap().accounts().get(&volga.id).await.unwrap();
    assert_eq!(kept.industry, None, "skip leaves a match as it was");

    let id = upload(&api, &token, "клиенты.csv", bytes.to_vec(), &[("dedupe", "update")]).await.body["id"].as_str().unwrap().to_owned();
    let updated = worked(&api, &token, &id).await;
    assert_eq!((tally(&updated, "accounts"), tally(&updated, "contacts")), ((0, 2, 0), (0, 2, 0)), "{updated}");
    let reader = || async { app.store.read().await.unwrap() };
    assert_eq!(reader().await.accounts().get(&volga.id).await.unwrap().industry.as_deref(), Some("Фармацевтика"), "matched by name");
    let kama = reader().await.accounts().get(&kama.id).await.unwrap();
    assert_eq!((kama.name.as_str(), kama.industry.as_deref()), ("ООО «Кама»", Some("Металлы")), "matched by tax number");
    let anna = reader().await.contacts().get(&anna.id).await.unwrap();
    assert_eq!((anna.name.as_str(), anna.job_title.as_deref()), ("Анна Смирнова", Some("Закупки")));
    assert_eq!(anna.account_id.as_deref(), Some(volga.id.as_str()));
    let boris = reader().await.contacts().get(&boris.id).await.unwrap();
    assert_eq!((boris.name.as_str(), boris.job_title.as_deref()), ("Борис", Some("Директор")), "no name in the row keeps the name");
    assert_eq!((count("accounts").await, count("contacts").await), (accounts, contacts), "nothing new so far");

    let id = upload(&api, &token, "клиенты.csv", bytes.to_vec(), &[("dedupe", "create")]).await.body["id"].as_str().unwrap().to_owned();
    let made = worked(&api, &token, &id).await;
    assert_eq!((tally(&made, "accounts"), tally(&made, "contacts")), ((2, 0, 0), (2, 0, 0)), "{made}");
    assert_eq!((count("accounts").await, count("contacts").await), (accounts + 2, contacts + 2));
}

async fn imported_open_deals_start_the_process_asked_for(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let token = api.token(&app.supervisor).await;
    let unknown = upload(&api, &token, "deals.csv", b"Deal\nX\n".to_vec(), &[("start_process", "no-such-process")]).await;
    assert_eq!((unknown.status, unknown.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("start_process")));
    let file = format!("Deal,Stage,Owner\nPilot,Presentation,{}\nLost one,Closed lost,\n", app.manager.email);
    let answer = upload(&api, &token, "deals.csv", file.into_bytes(), &[("start_process", "enterprise-sale")]).await;
    let id = answer.body["id"].as_str().unwrap().to_owned();
    assert_eq!(answer.body["start_process"], "enterprise-sale");
    let done = worked(&api, &token, &id).await;
    assert_eq!((done["status"].as_str(), done["counts"]["processes_started"].as_i64()), (Some("done"), Some(1)));
    let pilot = app.sql_texts("SELECT id FROM opportunities WHERE title = 'Pilot'").await.remove(0);
    let instances = app.instances(&pilot).await;
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].started_via, dealflow_core::engine::StartedVia::Import);
    assert_eq!(app.opportunity(&pilot).await.stage.as_str(), "presentation", "the process starts at the deal's stage");
    let open = app.open_process_activities(&pilot).await;
    assert!(!open.is_empty() && open.iter().all(|a| a.owner_id == app.manager.id), "the owner gets the stage's work: {open:?}");
    let lost = app.sql_texts("SELECT id FROM opportunities WHERE title = 'Lost one'").await.remove(0);
    assert!(app.instances(&lost).await.is_empty(), "a closed deal gets no process");
}

/// A generated file of `rows` deals, each with an account, a contact and an activity; rows
/// `bad` returns a reason for are broken that way.
fn generated(rows: usize, bad: impl Fn(usize) -> Option<&'static str>) -> Vec<u8> {
    let mut file = String::from("Account,Email,Deal,Amount,Stage,Close date,Subject,Due\n");
    for n in 0..rows {
        let (mut amount, mut stage, mut close, mut email, mut deal) =
            (format!("{}", 1000 + n), "Proposal", "2027-02-01".to_owned(), format!("p{n}@firm{}.example", n % 301), format!("Deal {n}"));
        match bad(n) {
            Some("not_money") => amount = "lots".into(),
            Some("unknown_stage") => stage = "Someday",
            Some("not_a_date") => close = "2027-13-45".into(),
            Some("not_an_email") => email = "nobody".into(),
            Some("required") => deal = String::new(),
            _ => {}
        }
        file.push_str(&format!("Firm {},{email},{deal},{amount},{stage},{close},Call {n},2027-01-0{}\n", n % 301, 1 + n % 9));
    }
    file.into_bytes()
}

const REASONS: [&str; 5] = ["not_money", "unknown_stage", "not_a_date", "not_an_email", "required"];

async fn a_thousand_bad_rows_come_back_exactly_and_the_rest_is_imported(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let token = api.token(&app.supervisor).await;
    let bad = |n: usize| (n % 5 == 3).then(|| REASONS[(n / 5) % REASONS.len()]);
    let id = upload(&api, &token, "mixed.csv", generated(5_000, bad), &[]).await.body["id"].as_str().unwrap().to_owned();
    let done = worked(&api, &token, &id).await;
    assert_eq!((done["status"].as_str(), done["rejected_rows"].as_i64()), (Some("done"), Some(1_000)));
    assert_eq!(tally(&done, "opportunities"), (4_000, 0, 0));
    assert_eq!(tally(&done, "activities"), (4_000, 0, 0));
    assert_eq!(tally(&done, "accounts"), (301, 0, 0));
    let problems = all_problems(&api, &token, &id).await;
    let found: Vec<(i64, String)> = problems.iter().map(|p| (p["row"].as_i64().unwrap(), p["code"].as_str().unwrap().to_owned())).collect();
    let expected: Vec<(i64, String)> = (0..5_000).filter_map(|n| bad(n).map(|code| (n as i64 + 2, code.to_owned()))).collect();
    assert_eq!(found, expected, "exactly the bad rows, each with its reason");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM opportunities WHERE import_id = '{id}'")).await, 4_000);
}

async fn an_import_left_by_a_stopped_node_is_finished_by_another_with_no_row_twice(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let token = api.token(&app.supervisor).await;
    let id = upload(&api, &token, "big.csv", generated(2_600, |_| None), &[]).await.body["id"].as_str().unwrap().to_owned();
    // Node A gets through two batches and stops, still holding the lease.
    app.services.run_import_batches("node-a", 2).await.unwrap();
    let halfway = api.get(&format!("/imports/{id}"), &token).await.body;
    assert_eq!((halfway["status"].as_str(), halfway["done_rows"].as_i64()), (Some("importing"), Some(1_000)));
    // Node B leaves it alone while the lease holds, and takes it over once it lapses.
    app.services.run_waiting_imports("node-b").await.unwrap();
    assert_eq!(api.get(&format!("/imports/{id}"), &token).await.body["done_rows"], 1_000);
    app.clock.advance(SignedDuration::from_secs(61));
    app.services.run_waiting_imports("node-b").await.unwrap();
    let done = api.get(&format!("/imports/{id}"), &token).await.body;
    assert_eq!((done["status"].as_str(), done["done_rows"].as_i64()), (Some("done"), Some(2_600)));
    assert_eq!(tally(&done, "opportunities"), (2_600, 0, 0));
    assert_eq!(tally(&done, "accounts"), (301, 0, 0), "accounts made before the stop are found again, not made twice");
    let count = |sql: String| async move { app.count(&sql).await };
    assert_eq!(count(format!("SELECT COUNT(*) FROM opportunities WHERE import_id = '{id}'")).await, 2_600);
    assert_eq!(count(format!("SELECT COUNT(DISTINCT title) FROM opportunities WHERE import_id = '{id}'")).await, 2_600);
    assert_eq!(count(format!("SELECT COUNT(*) FROM accounts WHERE import_id = '{id}'")).await, 301);
    assert_eq!(count("SELECT COUNT(*) FROM activities WHERE title_en LIKE 'Call %'".into()).await, 2_600);
}

on_both_backends!(
    a_pipedrive_export_is_dry_run_then_imported_with_its_links_and_problems,
    matches_follow_the_dedupe_policy,
    imported_open_deals_start_the_process_asked_for,
    a_thousand_bad_rows_come_back_exactly_and_the_rest_is_imported,
    an_import_left_by_a_stopped_node_is_finished_by_another_with_no_row_twice,
);
