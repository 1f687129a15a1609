//! The board you can work on (issue 15), over real HTTP on both backends: open deals counted
//! apart from won and lost ones, filters by owner and expected close, cards moved with the
//! version they showed, a stale card refused, a final stage sent to the close dialog.

use dealflow_core::Money;
use dealflow_server::services::NewOpportunity;
use reqwest::StatusCode;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

async fn deal(app: &TestApp, owner: &dealflow_core::records::UserRecord, title: &str, stage: &str, amount: i64, close: &str) -> String {
    let new = NewOpportunity {
        title: title.into(),
        stage: Some(stage.into()),
        amount: Some(Money::from_minor_units(amount * 100)),
        close_date: Some(close.into()),
        ..NewOpportunity::default()
    };
    app.services.create_opportunity(app.actor_of(owner), new).await.unwrap().id
}

async fn cards_move_with_the_version_they_showed_and_filters_narrow_the_board(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    // The test's clock: Saturday 2026-11-28.
    let mine = deal(app, &app.manager, "Поставка стоек", "presentation", 100_000, "2026-11-30").await;
    deal(app, &app.manager, "Склад в Твери", "proposal", 50_000, "2027-01-15").await;
    deal(app, &app.teammate, "Лицензии коллеги", "presentation", 70_000, "2026-11-29").await;
    deal(app, &app.teammate, "Выигранный проект", "closed_won", 900_000, "2026-11-01").await;
    let browser = Browser::of(&api);
    let supervisor = session_for(&api, &app.supervisor).await;

    // The supervisor reads English.
    let board = browser.get("/board", &supervisor).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.body.contains("Open: 3 · 220,000.00\u{a0}₽"), "open deals only: {}", board.body);
    assert!(board.body.contains("Won: 1 · 900,000.00\u{a0}₽"));
    assert!(board.body.contains("Лицензии коллеги") && board.body.contains("Поставка стоек"));

    let only_manager = browser.get(&format!("/board?owner={}", app.manager.id), &supervisor).await;
    assert!(only_manager.body.contains("Поставка стоек") && !only_manager.body.contains("Лицензии коллеги"));
    assert!(only_manager.body.contains("Open: 2 · 150,000.00\u{a0}₽"));
    let this_month = browser.get("/board?close=this_month", &supervisor).await;
    assert!(this_month.body.contains("Open: 2 · 170,000.00\u{a0}₽"), "November's: {}", this_month.body);
    assert!(!this_month.body.contains("Склад в Твери"));
    let outsider = browser.get(&format!("/board?owner={}", app.loner.id), &supervisor).await;
    assert!(outsider.body.contains("Open: 0"), "another team's manager shows nothing");

    // A move with the version the card showed; the same card again, stale now, is refused.
    let manager = session_for(&api, &app.manager).await;
    let page = browser.get("/board", &manager).await;
    let csrf = page.field("csrf-token");
    let version = app.opportunity(&mine).await.version.to_string();
    let card = |stage: &'static str| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("id", mine.as_str()),
            ("stage", stage),
            ("version", version.as_str()),
            ("back", "/board?close=this_month"),
        ];
        let (browser, manager) = (&browser, &manager);
        async move { browser.post("/board/move", manager, &fields).await }
    };
    let moved = card("proposal").await;
    assert_eq!((moved.status, moved.location()), (StatusCode::SEE_OTHER, "/board?close=this_month"));
    assert_eq!(app.opportunity(&mine).await.stage.as_str(), "proposal");
    let stale = card("contracting").await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("id=\"board-message\""), "{}", stale.body);
    assert_eq!(app.opportunity(&mine).await.stage.as_str(), "proposal", "a stale card changes nothing");
    // A final stage asks for the closing figures in the deal's close dialog.
    let closing = card("closed_won").await;
    assert_eq!(
        (closing.status, closing.location()),
        (StatusCode::SEE_OTHER, format!("/opportunities/{mine}?close=closed_won#close-dialog").as_str())
    );
    // Someone else's deal is not theirs to move.
    let theirs = app
        .services
        .opportunities(app.actor_of(&app.teammate), &Default::default(), &dealflow_server::paging::PageRequest::first(10))
        .await
        .unwrap();
    let other = &theirs.items[0];
    let refused = browser
        .post(
            "/board/move",
            &manager,
            &[("csrf", &csrf), ("id", &other.id), ("stage", "proposal"), ("version", &other.version.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

on_both_backends!(cards_move_with_the_version_they_showed_and_filters_narrow_the_board);
