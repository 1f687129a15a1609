//! Lists sorted by the column a person clicks (issue 15), over real HTTP on both backends: each
//! column's order in both directions with empty values last, pages of a sorted list that neither
//! repeat nor skip a row, the reader's scope kept, and the expected close, probability and next
//! activity columns.

use dealflow_core::Money;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::StartedVia;
use dealflow_server::services::{AccountFields, ActivityChanges, ContactFields, NewActivity, NewLead, NewOpportunity};
use jiff::SignedDuration;
use reqwest::StatusCode;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

/// Asserts that `titles` appear in `body` in this order.
fn in_order(body: &str, titles: &[&str]) {
    let places: Vec<usize> = titles.iter().map(|t| body.find(t).unwrap_or_else(|| panic!("{t} is not listed: {body}"))).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "expected the order {titles:?}, found them at {places:?}");
}

async fn deal(
    app: &TestApp,
    owner: &dealflow_core::records::UserRecord,
    title: &str,
    amount: Option<i64>,
    probability: Option<u8>,
    close: Option<&str>,
) -> String {
    let new = NewOpportunity {
        title: title.into(),
        amount: amount.map(|a| Money::from_minor_units(a * 100)),
        probability,
        close_date: close.map(str::to_owned),
        ..NewOpportunity::default()
    };
    app.services.create_opportunity(app.actor_of(owner), new).await.unwrap().id
}

async fn every_column_sorts_both_ways_and_pages_of_a_sorted_list_neither_repeat_nor_skip(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let cheap = deal(app, &app.manager, "Дешёвая сделка", Some(10_000), Some(70), Some("2027-02-01")).await;
    let expensive = deal(app, &app.manager, "Дорогая сделка", Some(900_000), Some(20), Some("2026-12-15")).await;
    deal(app, &app.teammate, "Средняя сделка", Some(300_000), None, Some("2027-01-10")).await;
    deal(app, &app.teammate, "Сделка без суммы", None, Some(40), None).await;
    deal(app, &app.loner, "Чужая дорогая сделка", Some(5_000_000), Some(90), Some("2026-12-01")).await;
    let call_on = |deal: &str| NewActivity {
        kind: ActivityType::Call,
        title: "Позвонить".into(),
        owner_id: None,
        opportunity_id: Some(deal.to_owned()),
        account_id: None,
        contact_id: None,
        start_at: Some(app.clock.now() + SignedDuration::from_hours(26)),
        due_at: None,
        duration_minutes: Some(30),
    };
    let call = call_on(&cheap);
    let call = app.services.create_activity(app.actor_of(&app.manager), call).await.unwrap();
    let browser = Browser::of(&api);
    let supervisor = session_for(&api, &app.supervisor).await;

    let by_amount = browser.get("/opportunities?sort=amount&dir=desc", &supervisor).await;
    assert_eq!(by_amount.status, StatusCode::OK);
    in_order(&by_amount.body, &["Дорогая сделка", "Средняя сделка", "Дешёвая сделка", "Сделка без суммы"]);
    assert!(!by_amount.body.contains("Чужая дорогая сделка"), "another team's deal stays out of a sorted list");
    assert!(by_amount.body.contains(r#"aria-sort="descending" class="num"><a class="sort" href="/opportunities?sort=amount&#38;dir=asc""#));
    let upwards = browser.get("/opportunities?sort=amount&dir=asc", &supervisor).await;
    in_order(&upwards.body, &["Дешёвая сделка", "Средняя сделка", "Дорогая сделка", "Сделка без суммы"]);

    let by_close = browser.get("/opportunities?sort=close", &supervisor).await;
    in_order(&by_close.body, &["Дорогая сделка", "Средняя сделка", "Дешёвая сделка", "Сделка без суммы"]);
    assert!(by_close.body.contains(">2026-12-15<"), "the expected close is shown");
    let by_probability = browser.get("/opportunities?sort=probability&dir=desc", &supervisor).await;
    in_order(&by_probability.body, &["Дешёвая сделка", "Сделка без суммы", "Дорогая сделка", "Средняя сделка"]);
    let by_owner = browser.get("/opportunities?sort=owner&status=open", &supervisor).await;
    let (manager_first, teammate_first) = (app.manager.name < app.teammate.name, app.teammate.name < app.manager.name);
    assert!(manager_first || teammate_first);
    let expected = if manager_first {
        ["Дорогая сделка", "Средняя сделка"]
    } else {
        ["Средняя сделка", "Дорогая сделка"]
    };
    in_order(&by_owner.body, &expected);
    // The deal with a call planned comes first by next activity; the call's time is in the row
    // (the test's clock starts at 09:00 UTC; the supervisor reads Moscow time).
    let by_next = browser.get("/opportunities?sort=next", &supervisor).await;
    in_order(&by_next.body, &["Дешёвая сделка", "2026-11-29 14:00", "Дорогая сделка"]);
    // Moved later than another deal's meeting, the call sorts after it; cancelled, its deal has
    // nothing planned and comes last.
    let meeting = NewActivity {
        title: "Встреча".into(),
        opportunity_id: Some(expensive.clone()),
        start_at: Some(app.clock.now() + SignedDuration::from_hours(50)),
        ..call_on(&cheap)
    };
    app.services.create_activity(app.actor_of(&app.manager), meeting).await.unwrap();
    let later = ActivityChanges { start_at: Some(Some(app.clock.now() + SignedDuration::from_hours(75))), ..ActivityChanges::default() };
    app.services.update_activity(app.actor_of(&app.manager), &call.id, later).await.unwrap();
    let moved = browser.get("/opportunities?sort=next", &supervisor).await;
    in_order(&moved.body, &["Дорогая сделка", "Дешёвая сделка", "Средняя сделка"]);
    app.services.cancel_activity(app.actor_of(&app.manager), &call.id).await.unwrap();
    let cancelled = browser.get("/opportunities?sort=next", &supervisor).await;
    in_order(&cancelled.body, &["Дорогая сделка", "Дешёвая сделка"]);
    assert!(!cancelled.body.contains("2026-12-01 15:00"), "a cancelled call is no one's next activity");
    // A process's tasks, created and cancelled as the deal moves, keep every deal's next
    // activity equal to its soonest open one.
    let actor = app.actor_of(&app.manager);
    app.services.start_process(actor, "enterprise-sale", Some(&cheap), StartedVia::OpportunityPage).await.unwrap();
    app.services.change_stage(actor, &cheap, "proposal", None).await.unwrap();
    app.services.change_stage(actor, &cheap, "presentation", None).await.unwrap();
    let astray = app
        .sql_number(
            "SELECT COUNT(*) FROM opportunities o WHERE COALESCE(o.next_activity_at, -1) <> COALESCE((SELECT MIN(COALESCE(a.start_at, \
             a.due_at)) FROM activities a WHERE a.opportunity_id = o.id AND a.status IN ('not_started', 'in_progress')), -1)",
        )
        .await;
    assert_eq!(astray, Some(0), "the kept next activity is the soonest open one");
    assert!(app.sql_number("SELECT COUNT(*) FROM opportunities WHERE next_activity_at IS NOT NULL").await > Some(1));
    // The filter form keeps the order, and an unknown column is the natural order.
    assert!(by_next.body.contains(r#"<input type="hidden" name="sort" value="next">"#));
    let unknown = browser.get("/opportunities?sort=nonsense&dir=sideways", &supervisor).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(unknown.body.contains("Дешёвая сделка"));

    // A manager's sorted list holds only their own deals.
    let manager = session_for(&api, &app.manager).await;
    let own = browser.get("/opportunities?sort=title", &manager).await;
    in_order(&own.body, &["Дешёвая сделка", "Дорогая сделка"]);
    assert!(!own.body.contains("Средняя сделка"));

    // Two pages of a sorted list: every deal once, in order across the pages.
    for n in 0..52 {
        deal(app, &app.manager, &format!("Пакет {n:03}"), Some(1_000 + n), None, None).await;
    }
    let first = browser.get("/opportunities?q=%D0%BF%D0%B0%D0%BA%D0%B5%D1%82&sort=amount&dir=desc", &manager).await;
    let next = first.body.split("rel=\"next\"").next().and_then(|head| head.rsplit("href=\"").next()).unwrap().to_owned();
    let next = next.trim_end_matches(['"', ' ']).replace("&#38;", "&");
    assert!(next.contains("sort=amount") && next.contains("cursor=50"), "{next}");
    let second = browser.get(&next, &manager).await;
    let shown = |body: &str| (0..52).filter(|n| body.contains(&format!("Пакет {n:03}<"))).collect::<Vec<i64>>();
    assert_eq!(shown(&first.body), (2..52).collect::<Vec<_>>());
    assert_eq!(shown(&second.body), vec![0, 1]);
    assert!(!second.body.contains("rel=\"next\""));
}

async fn accounts_contacts_and_leads_sort_by_their_columns(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let actor = app.actor_of(&app.manager);
    let mut accounts = Vec::new();
    for (name, industry) in [("Альфа", Some("Энергетика")), ("Бета", Some("Авиация")), ("Гамма", None)] {
        let fields = AccountFields { name: name.into(), industry: industry.map(str::to_owned), ..Default::default() };
        accounts.push(app.services.create_account(actor, fields).await.unwrap());
    }
    let mut contacts = Vec::new();
    for (name, account) in [("Контакт Беты", Some(1)), ("Контакт без компании", None), ("Контакт Альфы", Some(0))]
    {
        let fields = ContactFields { name: name.into(), account_id: account.map(|i: usize| accounts[i].id.clone()), ..Default::default() };
        contacts.push(app.services.create_contact(actor, fields).await.unwrap());
    }
    for (title, budget) in [("Лид малый", 5_000), ("Лид крупный", 500_000), ("Лид средний", 50_000)] {
        let lead = NewLead { title: title.into(), budget: Some(Money::from_minor_units(budget * 100)), ..NewLead::default() };
        app.services.create_lead(actor, lead).await.unwrap();
    }
    let browser = Browser::of(&api);
    let manager = session_for(&api, &app.manager).await;

    let by_name = browser.get("/accounts", &manager).await;
    in_order(&by_name.body, &["Альфа", "Бета", "Гамма"]);
    assert!(
        by_name.body.contains(r#"aria-sort="ascending"><a class="sort" href="/accounts?sort=name&#38;dir=desc""#),
        "by name unless asked"
    );
    let names_down = browser.get("/accounts?sort=name&dir=desc", &manager).await;
    in_order(&names_down.body, &["Гамма", "Бета", "Альфа"]);
    let by_industry = browser.get("/accounts?sort=industry", &manager).await;
    in_order(&by_industry.body, &["Бета", "Альфа", "Гамма"]);

    let by_budget = browser.get("/leads?sort=budget&dir=desc", &manager).await;
    assert_eq!(by_budget.status, StatusCode::OK);
    in_order(&by_budget.body, &["Лид крупный", "Лид средний", "Лид малый"]);
    let by_title = browser.get("/leads?sort=title", &manager).await;
    in_order(&by_title.body, &["Лид крупный", "Лид малый", "Лид средний"]);
    let by_email = browser.get("/contacts?sort=email&dir=desc", &manager).await;
    assert_eq!(by_email.status, StatusCode::OK);

    // Contacts by their account's name, those without one last either way; the order follows a
    // renamed account and a contact moved to another.
    let by_account = browser.get("/contacts?sort=account", &manager).await;
    in_order(&by_account.body, &["Контакт Альфы", "Контакт Беты", "Контакт без компании"]);
    let by_account_down = browser.get("/contacts?sort=account&dir=desc", &manager).await;
    in_order(&by_account_down.body, &["Контакт Беты", "Контакт Альфы", "Контакт без компании"]);
    let renamed = AccountFields { name: "Яхонт".into(), industry: Some("Энергетика".into()), ..Default::default() };
    app.services.update_account(actor, &accounts[0].id, renamed).await.unwrap();
    in_order(&browser.get("/contacts?sort=account", &manager).await.body, &["Контакт Беты", "Контакт Альфы", "Контакт без компании"]);
    let moved = ContactFields {
        name: "Контакт без компании".into(), account_id: Some(accounts[2].id.clone()), ..Default::default()
    };
    app.services.update_contact(actor, &contacts[1].id, moved).await.unwrap();
    in_order(&browser.get("/contacts?sort=account", &manager).await.body, &["Контакт Беты", "Контакт без компании", "Контакт Альфы"]);
}

on_both_backends!(
    every_column_sorts_both_ways_and_pages_of_a_sorted_list_neither_repeat_nor_skip,
    accounts_contacts_and_leads_sort_by_their_columns
);
