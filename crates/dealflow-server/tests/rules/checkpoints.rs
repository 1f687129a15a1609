//! Exit criteria (SPEC §9) on the shipped Enterprise sale with checkpoints: forward moves wait on
//! them, by hand and by the process; backward moves and closing lost never do; a supervisor may
//! override with a reason that the history keeps.

use dealflow_core::Money;
use dealflow_core::engine::{EngineError, StartedVia};
use dealflow_core::records::Participant;
use dealflow_server::ServiceError;
use dealflow_server::services::{CloseInput, ContactFields, OpportunityChanges, Started};

use crate::on_both_backends;
use crate::support::TestApp;

const GUIDED: &str = "enterprise-sale-guided";

async fn start_guided(app: &TestApp) -> Started {
    app.services.start_process(app.actor(&app.manager.id), GUIDED, None, StartedVia::SidePanel).await.unwrap()
}

/// The codes of the criteria a refusal names, or a panic for any other answer.
fn unmet_codes<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> Vec<String> {
    match result {
        Err(ServiceError::Engine(EngineError::ExitCriteriaUnmet(unmet))) => unmet.into_iter().map(|u| u.code).collect(),
        other => panic!("expected exit_criteria_unmet, got {other:?}"),
    }
}

/// A contact to name as the decision maker or a participant.
async fn contact(app: &TestApp) -> String {
    let fields = ContactFields { name: "Ирина Соколова".into(), ..ContactFields::default() };
    app.services.create_contact(app.actor(&app.manager.id), fields).await.unwrap().id
}

async fn edit(app: &TestApp, id: &str, changes: OpportunityChanges) {
    app.services.update_opportunity(app.actor(&app.manager.id), id, changes, None).await.unwrap();
}

/// The qualification checkpoint met: amount, decision maker and need.
async fn qualify(app: &TestApp, id: &str) {
    let changes = OpportunityChanges {
        amount: Some(Some(Money::parse("1200000").unwrap())),
        decision_maker_id: Some(Some(contact(app).await)),
        need: Some(Some("Учёт склада".into())),
        ..OpportunityChanges::default()
    };
    edit(app, id, changes).await;
}

async fn a_forward_move_with_criteria_unmet_is_refused_naming_every_one_and_changes_nothing(app: TestApp) {
    let started = start_guided(&app).await;
    let id = &started.opportunity.id;
    let before = (app.activities(id).await, app.history(id).await, app.opportunity(id).await.version);
    let by = app.actor(&app.manager.id);
    let refused = app.services.change_stage(by, id, "presentation", None).await;
    assert_eq!(unmet_codes(refused), ["filled.amount", "filled.decision_maker", "filled.need"]);
    // Skipping a stage does not skip its checkpoint.
    let skipping = app.services.change_stage(by, id, "proposal", None).await;
    assert_eq!(
        unmet_codes(skipping),
        ["filled.amount", "filled.decision_maker", "filled.need", "filled.presentation", "step.presentation.done"]
    );
    let closing_won = app.services.close(by, id, &CloseInput { stage: "closed_won".into(), ..CloseInput::default() }).await;
    assert_eq!(unmet_codes(closing_won).len(), 7, "closing won leaves every checkpoint behind");
    assert_eq!((app.activities(id).await, app.history(id).await, app.opportunity(id).await.version), before, "nothing changed");

    qualify(&app, id).await;
    let moved = app.services.change_stage(by, id, "presentation", None).await.unwrap();
    assert_eq!(moved.stage.as_str(), "presentation");
    assert_eq!(app.open_steps(id).await, ["presentation"]);
}

async fn the_auto_advance_waits_on_the_criteria_and_happens_when_an_edit_meets_them(app: TestApp) {
    let started = start_guided(&app).await;
    let id = &started.opportunity.id;
    app.complete_open(id).await;
    let waiting = app.opportunity(id).await;
    assert_eq!(waiting.stage.as_str(), "qualification", "both tasks done, the checkpoint unmet: the deal waits");
    assert_eq!(app.history(id).await.len(), 1);
    assert!(app.open_steps(id).await.is_empty());

    edit(&app, id, OpportunityChanges { amount: Some(Some(Money::parse("500000").unwrap())), ..OpportunityChanges::default() }).await;
    assert_eq!(app.opportunity(id).await.stage.as_str(), "qualification", "two of three still missing");
    qualify(&app, id).await;
    let moved = app.opportunity(id).await;
    assert_eq!(moved.stage.as_str(), "presentation", "the edit that met the checkpoint moved the deal on");
    let history = app.history(id).await;
    let entry = history.last().unwrap();
    assert!(entry.by_process && entry.override_reason.is_none());
    assert_eq!(entry.visit, Some(1));
    assert_eq!(app.open_steps(id).await, ["presentation"]);
    // The manager filled the data themselves: the new task is not announced to them.
    let notified = app.notifications(&app.manager).await;
    assert!(notified.iter().all(|n| n.kind.as_str() != "activity_assigned"), "{notified:?}");

    // A step criterion: the presentation picked is not enough until the meeting is held.
    let article = app
        .services
        .create_article(
            app.actor(&app.manager.id),
            dealflow_server::services::ArticleFields {
                title: Some("Презентация для розницы".into()), ..Default::default()
            },
        )
        .await
        .unwrap();
    edit(&app, id, OpportunityChanges { presentation_id: Some(Some(article.id)), ..OpportunityChanges::default() }).await;
    assert_eq!(app.opportunity(id).await.stage.as_str(), "presentation", "the meeting is still ahead");
    app.complete_open(id).await;
    assert_eq!(app.opportunity(id).await.stage.as_str(), "proposal");
}

async fn backward_moves_and_closing_lost_are_never_blocked(app: TestApp) {
    let started = start_guided(&app).await;
    let id = &started.opportunity.id;
    qualify(&app, id).await;
    let by = app.actor(&app.manager.id);
    app.services.change_stage(by, id, "presentation", None).await.unwrap();
    // Emptied again, the qualification checkpoint does not hold a move back to it.
    edit(&app, id, OpportunityChanges { amount: Some(None), ..OpportunityChanges::default() }).await;
    let back = app.services.change_stage(by, id, "qualification", None).await.unwrap();
    assert_eq!(back.stage.as_str(), "qualification");
    assert_eq!(app.open_steps(id).await, ["contact_customer", "prepare_presentation"]);
    let lost = CloseInput { stage: "closed_lost".into(), close_reason: Some("price".into()), ..CloseInput::default() };
    let closed = app.services.close(by, id, &lost).await.unwrap();
    assert_eq!(closed.stage.as_str(), "closed_lost");

    let other = start_guided(&app).await.opportunity.id;
    let lost_by_hand = app.services.change_stage(by, &other, "closed_lost", None).await.unwrap();
    assert_eq!(lost_by_hand.stage.as_str(), "closed_lost", "a lost final stage is never a forward move");
}

async fn an_override_needs_a_supervisor_and_a_reason_and_the_history_keeps_it(app: TestApp) {
    let started = start_guided(&app).await;
    let id = &started.opportunity.id;
    let manager = app.actor(&app.manager.id);
    let refused = app.services.change_stage_overriding(manager, id, "presentation", None, Some("Клиент торопит")).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))), "{refused:?}");
    let supervisor = app.actor(&app.supervisor.id);
    let blank = app.services.change_stage_overriding(supervisor, id, "presentation", None, Some("   ")).await;
    assert_eq!(unmet_codes(blank).len(), 3, "a blank reason is no override");

    let moved = app.services.change_stage_overriding(supervisor, id, "presentation", None, Some(" Клиент торопит ")).await.unwrap();
    assert_eq!(moved.stage.as_str(), "presentation");
    let history = app.history(id).await;
    let entry = history.last().unwrap();
    assert_eq!(entry.override_reason.as_deref(), Some("Клиент торопит"));
    assert_eq!(entry.by_user_id.as_deref(), Some(app.supervisor.id.as_str()));

    // A reason given where nothing is unmet is not recorded as an override.
    qualify(&app, id).await;
    app.services.change_stage(manager, id, "qualification", None).await.unwrap();
    app.services.change_stage_overriding(supervisor, id, "presentation", None, Some("Без причины")).await.unwrap();
    assert_eq!(app.history(id).await.last().unwrap().override_reason, None);

    // Closing won past the contracting checkpoint, overridden, and then met by participants.
    let won = CloseInput {
        stage: "closed_won".into(), override_reason: Some("Подписано вне системы".into()), ..CloseInput::default()
    };
    let closed = app.services.close(supervisor, id, &won).await.unwrap();
    assert_eq!(closed.stage.as_str(), "closed_won");
    assert_eq!(app.history(id).await.last().unwrap().override_reason.as_deref(), Some("Подписано вне системы"));

    let other = start_guided(&app).await.opportunity.id;
    qualify(&app, &other).await;
    let participants = vec![Participant { contact_id: contact(&app).await, role: "Директор".into() }];
    edit(&app, &other, OpportunityChanges { participants: Some(participants), ..OpportunityChanges::default() }).await;
    let codes = unmet_codes(app.services.change_stage(manager, &other, "closed_won", None).await);
    assert_eq!(codes, ["filled.presentation", "step.presentation.done", "filled.close_date"]);
}

on_both_backends!(
    a_forward_move_with_criteria_unmet_is_refused_naming_every_one_and_changes_nothing,
    the_auto_advance_waits_on_the_criteria_and_happens_when_an_edit_meets_them,
    backward_moves_and_closing_lost_are_never_blocked,
    an_override_needs_a_supervisor_and_a_reason_and_the_history_keeps_it,
);
