//! Deal health (SPEC §9): each open deal's level comes from named factors with their effects;
//! the stored level that lists filter by follows the deal's changes and the daily assessment.

use dealflow_core::Money;
use dealflow_core::engine::StartedVia;
use dealflow_core::health::{Health, HealthLevel};
use dealflow_server::paging::PageRequest;
use dealflow_server::services::{AnalyticsQuery, NewOpportunity, OpportunityChanges, OpportunityFilter};
use jiff::SignedDuration;

use crate::on_both_backends;
use crate::support::{TestApp, call_about};

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

async fn health(app: &TestApp, id: &str) -> Health {
    let deal = app.opportunity(id).await;
    app.services.health_among([&deal]).await.unwrap().remove(id).expect("an open deal has a health")
}

/// Each factor's code with its effect, the heaviest first.
fn effects(health: &Health) -> Vec<(&'static str, i32)> {
    health.factors.iter().map(|f| (f.finding.code(), f.effect)).collect()
}

/// The ids the list shows with the health filter `level`, as the supervisor sees it.
async fn listed(app: &TestApp, level: HealthLevel) -> Vec<String> {
    let filter = OpportunityFilter { health: Some(level.as_str().to_owned()), ..OpportunityFilter::default() };
    let page = app.services.opportunities(app.actor_of(&app.supervisor), &filter, &PageRequest::first(50)).await.unwrap();
    page.items.into_iter().map(|o| o.id).collect()
}

async fn edit(app: &TestApp, id: &str, changes: OpportunityChanges) {
    app.services.update_opportunity(app.actor_of(&app.manager), id, changes, None).await.unwrap();
}

async fn a_deal_is_assessed_from_its_reasons_and_its_stored_level_follows_the_work(app: TestApp) {
    let by = app.actor_of(&app.manager);
    let started = app.services.start_process(by, "enterprise-sale-guided", None, StartedVia::SidePanel).await.unwrap();
    let id = started.opportunity.id.clone();
    // Just started: its first tasks lie ahead, but nothing of BANT or the checkpoint is known.
    let fresh = health(&app, &id).await;
    assert_eq!(effects(&fresh), [("exit_criteria", -20), ("bant", -20), ("next_step", 0), ("overdue", 0), ("close_date", 0)]);
    assert_eq!((fresh.level, fresh.score), (HealthLevel::AtRisk, 60));
    assert_eq!(fresh.factors[0].finding.describe().en, "3 of 3 exit criteria of the stage are not met");
    assert!(listed(&app, HealthLevel::AtRisk).await.is_empty(), "not assessed for the lists until the change is taken up");
    assert_eq!(app.services.reassess_touched().await.unwrap(), 1);
    assert_eq!(listed(&app, HealthLevel::AtRisk).await, std::slice::from_ref(&id));

    // A week on its tasks are overdue and nothing lies ahead: poor, and so it is listed once
    // the day's assessment has run.
    app.clock.advance(days(7));
    let neglected = health(&app, &id).await;
    assert_eq!(effects(&neglected), [("next_step", -30), ("overdue", -20), ("exit_criteria", -20), ("bant", -20), ("close_date", 0)]);
    assert_eq!((neglected.level, neglected.score), (HealthLevel::Poor, 10));
    assert_eq!(neglected.stale_for(), Some(5), "the watchdog's rule");
    assert_eq!(listed(&app, HealthLevel::Poor).await, Vec::<String>::new());
    let daily = app.services.assess_health().await.unwrap();
    assert_eq!((daily.ran, daily.assessed, daily.changed), (true, 1, 1), "{daily:?}");
    assert_eq!(listed(&app, HealthLevel::Poor).await, std::slice::from_ref(&id));
    assert!(!app.services.assess_health().await.unwrap().ran, "once a day");

    // The owner fills BANT in (which meets the checkpoint) and plans a call for tomorrow.
    let contact = dealflow_server::services::ContactFields { name: "Ирина Соколова".into(), ..Default::default() };
    let contact = app.services.create_contact(by, contact).await.unwrap().id;
    let changes = OpportunityChanges {
        amount: Some(Some(Money::parse("1200000").unwrap())),
        budget: Some(Some(Money::parse("1500000").unwrap())),
        decision_maker_id: Some(Some(contact)),
        need: Some(Some("Учёт склада".into())),
        timeframe: Some(Some("До конца квартала".into())),
        ..OpportunityChanges::default()
    };
    edit(&app, &id, changes).await;
    let call = call_about(&id, "Созвон о сроках", app.clock.now() + days(1));
    app.services.create_activity(by, call).await.unwrap();
    let recovered = health(&app, &id).await;
    assert_eq!(effects(&recovered), [("overdue", -20), ("next_step", 0), ("close_date", 0), ("exit_criteria", 0), ("bant", 0)]);
    assert_eq!((recovered.level, recovered.score), (HealthLevel::Good, 80));
    assert_eq!(app.services.reassess_touched().await.unwrap(), 1, "the deal the edit and the call touched");
    assert_eq!(listed(&app, HealthLevel::Good).await, std::slice::from_ref(&id));
    assert!(listed(&app, HealthLevel::Poor).await.is_empty());

    // The supervisor's analytics count the open pipeline by level.
    let shares = app.services.pipeline_by_health(app.actor_of(&app.supervisor), &AnalyticsQuery::default()).await.unwrap();
    let counts: Vec<(Option<HealthLevel>, i64)> = shares.iter().map(|s| (s.level, s.count)).collect();
    assert_eq!(counts, [(Some(HealthLevel::Good), 1), (Some(HealthLevel::AtRisk), 0), (Some(HealthLevel::Poor), 0)]);
    assert_eq!(shares[0].amount, Money::parse("1200000").unwrap());

    // Closed, it has no health and leaves the lists of levels.
    let close = dealflow_server::services::CloseInput { stage: "closed_lost".into(), ..Default::default() };
    app.services.close(by, &id, &close).await.unwrap();
    assert!(app.services.health_among([&app.opportunity(&id).await]).await.unwrap().is_empty());
    assert!(listed(&app, HealthLevel::Good).await.is_empty());
}

async fn a_close_date_in_the_past_and_one_moved_later_twice_count_against_a_deal(app: TestApp) {
    let by = app.actor_of(&app.manager);
    let new = NewOpportunity {
        title: "Поставка стеллажей".into(), close_date: Some("2026-11-20".into()), ..NewOpportunity::default()
    };
    let id = app.services.create_opportunity(by, new).await.unwrap().id;
    let past = health(&app, &id).await;
    let close_date = |h: &Health| h.factors.iter().find(|f| f.finding.code() == "close_date").map(|f| (f.effect, f.finding.describe()));
    let (effect, text) = close_date(&past).unwrap();
    assert_eq!((effect, text.en.as_str()), (-20, "The expected close date has passed"));
    assert_eq!(text.ru, "Ожидаемая дата закрытия прошла");
    // Moved later once is a date agreed anew; twice is a deal slipping.
    edit(&app, &id, OpportunityChanges { close_date: Some(Some("2026-12-10".into())), ..Default::default() }).await;
    assert_eq!(close_date(&health(&app, &id).await).unwrap().0, 0);
    edit(&app, &id, OpportunityChanges { close_date: Some(Some("2026-12-20".into())), ..Default::default() }).await;
    let (effect, text) = close_date(&health(&app, &id).await).unwrap();
    assert_eq!((effect, text.en.as_str()), (-15, "The close date lies ahead; moved later 2 times"));
    // Moving it earlier is not a push.
    edit(&app, &id, OpportunityChanges { close_date: Some(Some("2026-12-15".into())), ..Default::default() }).await;
    assert_eq!(app.opportunity(&id).await.close_date_pushes, 2);
}

async fn days_on_a_stage_are_weighed_against_the_teams_median_for_it(app: TestApp) {
    let by = app.actor_of(&app.manager);
    let new = |n: usize| NewOpportunity { title: format!("Сделка {n}"), ..NewOpportunity::default() };
    // Five deals leave qualification after two days: the team's median there is two days.
    let mut passed = Vec::new();
    for n in 0..5 {
        passed.push(app.services.create_opportunity(by, new(n)).await.unwrap().id);
    }
    app.clock.advance(days(2));
    for id in &passed {
        app.services.change_stage(by, id, "presentation", None).await.unwrap();
    }
    let slow = app.services.create_opportunity(by, new(5)).await.unwrap().id;
    let stage_time = |h: &Health| h.factors.iter().find(|f| f.finding.code() == "stage_time").map(|f| (f.effect, f.finding.describe().en));
    app.clock.advance(days(3));
    assert_eq!(stage_time(&health(&app, &slow).await), Some((-10, "Days on this stage: 3; the team's median: 2".into())));
    app.clock.advance(days(2));
    assert_eq!(stage_time(&health(&app, &slow).await), Some((-25, "Days on this stage: 5; the team's median: 2".into())));
    // Nobody has left presentation yet: no median, no factor.
    assert_eq!(stage_time(&health(&app, &passed[0]).await), None);
}

on_both_backends!(
    a_deal_is_assessed_from_its_reasons_and_its_stored_level_follows_the_work,
    a_close_date_in_the_past_and_one_moved_later_twice_count_against_a_deal,
    days_on_a_stage_are_weighed_against_the_teams_median_for_it,
);
