//! The next-step watchdog (SPEC §9): a deal with nothing planned within its stage's period is
//! marked stale once and its owner told once; its supervisor is told when it stays stale for
//! twice the period; a next step clears it; the day's run happens once, whichever node looks.

use dealflow_server::Services;
use dealflow_server::services::WatchReport;
use jiff::{SignedDuration, Timestamp};

use crate::on_both_backends;
use crate::support::{TestApp, call_about};

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

async fn stale_notices(app: &TestApp, user: &dealflow_core::records::UserRecord) -> Vec<String> {
    app.notifications(user).await.into_iter().filter(|n| n.kind == "opportunity_stale").map(|n| n.entity_id).collect()
}

/// When the watchdog marked the deal stale, if it is marked.
async fn stale_since(app: &TestApp, id: &str) -> Option<Timestamp> {
    let since = app.sql_number(&format!("SELECT MAX(since) FROM stale_deals WHERE opportunity_id = '{id}'")).await;
    since.map(|ms| Timestamp::from_millisecond(ms).unwrap())
}

/// Whether the pages and the API mark the deal stale now.
async fn shown_stale(app: &TestApp, id: &str) -> bool {
    let health = app.services.health_among([&app.opportunity(id).await]).await.unwrap();
    health.get(id).and_then(|h| h.stale_for()).is_some()
}

async fn a_deal_without_a_next_step_is_marked_once_then_escalated_then_cleared_by_a_planned_step(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = started.opportunity.id.clone();
    // The qualification tasks fall due within its five days: a next step is planned.
    let first = app.services.watch_next_steps().await.unwrap();
    assert_eq!((first.ran, first.marked), (true, 0), "{first:?}");
    assert_eq!(app.services.watch_next_steps().await.unwrap(), WatchReport::default(), "once a day");
    assert_eq!(stale_since(&app, &id).await, None);

    // A week on, the tasks are overdue and nothing lies ahead.
    app.clock.advance(days(7));
    let marked = app.services.watch_next_steps().await.unwrap();
    assert_eq!((marked.ran, marked.marked, marked.escalated), (true, 1, 0), "{marked:?}");
    assert_eq!(stale_since(&app, &id).await, Some(app.clock.now()));
    assert!(shown_stale(&app, &id).await, "the pages and the API say what the watchdog found");
    assert_eq!(stale_notices(&app, &app.manager).await, std::slice::from_ref(&id), "the owner is told");
    assert!(stale_notices(&app, &app.supervisor).await.is_empty());

    // The next days change nothing until twice the period (ten days) has passed.
    app.clock.advance(days(1));
    let again = app.services.watch_next_steps().await.unwrap();
    assert_eq!((again.ran, again.marked, again.escalated), (true, 0, 0), "{again:?}");
    assert_eq!(stale_notices(&app, &app.manager).await.len(), 1, "told once");
    app.clock.advance(days(9));
    let escalated = app.services.watch_next_steps().await.unwrap();
    assert_eq!((escalated.marked, escalated.escalated), (0, 1), "{escalated:?}");
    assert_eq!(stale_notices(&app, &app.supervisor).await, std::slice::from_ref(&id), "the supervisor is told");
    app.clock.advance(days(1));
    assert_eq!(app.services.watch_next_steps().await.unwrap().escalated, 0, "and told once");

    // A call planned for tomorrow is a next step: the mark goes, and a later lapse counts anew.
    let call = call_about(&id, "Созвон о бюджете", app.clock.now() + days(1));
    app.services.create_activity(app.actor_of(&app.manager), call).await.unwrap();
    app.clock.advance(days(1) - SignedDuration::from_hours(1));
    let cleared = app.services.watch_next_steps().await.unwrap();
    assert_eq!((cleared.cleared, cleared.marked), (1, 0), "{cleared:?}");
    assert_eq!(stale_since(&app, &id).await, None);
    assert!(!shown_stale(&app, &id).await);
    app.clock.advance(days(2));
    assert_eq!(app.services.watch_next_steps().await.unwrap().marked, 1);
    assert_eq!(stale_notices(&app, &app.manager).await.len(), 2);
}

async fn two_nodes_run_the_day_once_and_mark_each_stale_deal_once(app: TestApp) {
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.start_new(&app.manager).await.opportunity.id);
    }
    app.clock.advance(days(7));
    let other_node = Services::new(app.store.clone(), app.clock.clone());
    let (a, b) = tokio::join!(app.services.watch_next_steps(), other_node.watch_next_steps());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.ran != b.ran, "one node runs the day: {a:?} {b:?}");
    assert_eq!(a.marked + b.marked, 3);
    let mut told = stale_notices(&app, &app.manager).await;
    told.sort();
    ids.sort();
    assert_eq!(told, ids, "each deal's owner told once");
}

async fn a_run_held_by_a_node_that_stopped_is_taken_over_once_its_hold_lapses(app: TestApp) {
    let id = app.start_new(&app.manager).await.opportunity.id;
    app.clock.advance(days(7));
    // Another node took today's run and stopped before it marked anything.
    let now = app.clock.now();
    let day = now.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Moscow").unwrap()).date().to_string();
    let mut tx = app.store.begin_write().await.unwrap();
    let held = tx.watchdog().take_run("next_step_watchdog", &day, now, now + SignedDuration::from_secs(120)).await.unwrap();
    assert_eq!(held.as_deref(), Some(""));
    tx.commit().await.unwrap();
    assert!(!app.services.watch_next_steps().await.unwrap().ran, "held");
    app.clock.advance(SignedDuration::from_secs(121));
    let taken = app.services.watch_next_steps().await.unwrap();
    assert_eq!((taken.ran, taken.marked), (true, 1), "{taken:?}");
    assert_eq!(stale_notices(&app, &app.manager).await, [id]);
}

async fn many_deals_gone_stale_at_once_come_in_one_notice_that_opens_their_list(app: TestApp) {
    for _ in 0..5 {
        app.start_new(&app.manager).await;
    }
    app.clock.advance(days(7));
    assert_eq!(app.services.watch_next_steps().await.unwrap().marked, 5);
    let notices: Vec<_> = app.notifications(&app.manager).await.into_iter().filter(|n| n.kind == "opportunity_stale").collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].entity_type, "stale_opportunities");
    assert_eq!(notices[0].title.ru, "Продаж без следующего шага: 5");
    assert_eq!(notices[0].title.en, "Opportunities without a next step: 5");
    // Ten days on, the supervisor hears of all five in one notice too, and the owner nothing more.
    app.clock.advance(days(10));
    assert_eq!(app.services.watch_next_steps().await.unwrap().escalated, 5);
    let told: Vec<_> = app.notifications(&app.supervisor).await.into_iter().filter(|n| n.kind == "opportunity_stale").collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].title.en, "Stalled opportunities: 5 · Manager");
    assert_eq!(stale_notices(&app, &app.manager).await.len(), 1);
}

on_both_backends!(
    many_deals_gone_stale_at_once_come_in_one_notice_that_opens_their_list,
    a_deal_without_a_next_step_is_marked_once_then_escalated_then_cleared_by_a_planned_step,
    two_nodes_run_the_day_once_and_mark_each_stale_deal_once,
    a_run_held_by_a_node_that_stopped_is_taken_over_once_its_hold_lapses,
);
