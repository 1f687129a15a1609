//! R7, R8, R15: doing the work — completing, cancelling, handing over.

use dealflow_core::EngineError;
use dealflow_core::check::Invalid;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_server::ServiceError;
use dealflow_server::services::{NewActivity, OpportunityChanges};

use crate::on_both_backends;
use crate::support::{TestApp, refusal};

async fn r7_completing_every_activity_of_a_visit_advances_to_the_next_stage(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let open = app.open_process_activities(id).await;
    let (_, after_first) =
        app.services.complete_activity(app.actor(&app.manager.id), &open[0].id, Some("done"), Some("called")).await.unwrap();
    assert_eq!(after_first.unwrap().stage.as_str(), "qualification", "one of two done: no advance yet");
    let (activity, after_second) = app.services.complete_activity(app.actor(&app.manager.id), &open[1].id, None, None).await.unwrap();
    assert_eq!(activity.status, ActivityStatus::Completed);
    assert_eq!(activity.result.as_deref(), Some("done"), "the default result is done");
    assert_eq!(after_second.unwrap().stage.as_str(), "presentation");
    assert_eq!(app.open_steps(id).await, ["presentation"]);
    app.assert_invariants(id).await;
}

async fn r7_a_cancelled_activity_stops_auto_advance(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let open = app.open_process_activities(id).await;
    let cancelled = app.services.cancel_activity(app.actor(&app.manager.id), &open[0].id).await.unwrap();
    assert_eq!(cancelled.status, ActivityStatus::Cancelled);
    app.services.complete_activity(app.actor(&app.manager.id), &open[1].id, None, None).await.unwrap();
    assert_eq!(app.opportunity(id).await.stage.as_str(), "qualification", "the person moves on by hand");
    app.services.change_stage(app.actor(&app.manager.id), id, "presentation", None).await.unwrap();
    assert_eq!(app.open_steps(id).await, ["presentation"]);
    app.assert_invariants(id).await;
}

async fn r7_finished_activities_cannot_be_completed_or_cancelled_again(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let open = app.open_process_activities(&started.opportunity.id).await;
    app.services.complete_activity(app.actor(&app.manager.id), &open[0].id, None, None).await.unwrap();
    app.services.cancel_activity(app.actor(&app.manager.id), &open[1].id).await.unwrap();
    for id in [&open[0].id, &open[1].id] {
        let complete = app.services.complete_activity(app.actor(&app.manager.id), id, None, None).await;
        assert!(matches!(complete, Err(ServiceError::Engine(EngineError::ActivityNotOpen))), "{complete:?}");
        let cancel = app.services.cancel_activity(app.actor(&app.manager.id), id).await;
        assert!(matches!(cancel, Err(ServiceError::Engine(EngineError::ActivityNotOpen))), "{cancel:?}");
    }
    let missing = app.services.complete_activity(app.actor(&app.manager.id), "no-such-activity", None, None).await;
    assert!(matches!(missing, Err(ServiceError::NotFound)), "{missing:?}");
}

async fn r8_a_close_result_moves_the_opportunity_to_its_final_stage(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    app.complete_open(id).await;
    let presentation = &app.open_process_activities(id).await[0];
    let (_, opportunity) =
        app.services.complete_activity(app.actor(&app.manager.id), &presentation.id, Some("declined"), Some("budget cut")).await.unwrap();
    let opportunity = opportunity.unwrap();
    assert_eq!(opportunity.stage.as_str(), "closed_lost");
    assert!(opportunity.closed_at.is_some());
    let history = app.history(id).await;
    let last = history.last().unwrap();
    assert!(last.by_process && last.by_user_id.is_none(), "a result-driven close is the process's doing");
    let instance = &app.instances(id).await[0];
    assert_eq!(instance.outcome, Some(dealflow_core::engine::Outcome::Lost));
    app.assert_invariants(id).await;
}

async fn r8_results_a_step_does_not_offer_are_refused_and_change_nothing(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let prepare = app.open_process_activities(id).await.into_iter().find(|a| a.step.as_deref() == Some("prepare_presentation")).unwrap();
    let before = (app.opportunity(id).await, app.activities(id).await, app.notifications(&app.manager).await);
    for result in ["declined", "approved", ""] {
        let refused = app.services.complete_activity(app.actor(&app.manager.id), &prepare.id, Some(result), None).await;
        assert_eq!(refusal(&refused), ("result".into(), Invalid::UnknownResult), "{result}");
    }
    assert_eq!((app.opportunity(id).await, app.activities(id).await, app.notifications(&app.manager).await), before);
}

async fn r15_a_new_owner_takes_over_open_process_activities(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let open = app.open_process_activities(id).await;
    app.services.complete_activity(app.actor(&app.manager.id), &open[0].id, None, None).await.unwrap();
    let manual = NewActivity {
        kind: ActivityType::Task,
        title: "Send the price list".into(),
        owner_id: Some(app.manager.id.clone()),
        opportunity_id: Some(id.clone()),
        account_id: None,
        contact_id: None,
        duration_minutes: None,
        start_at: None,
        due_at: None,
    };
    let manual = app.services.create_activity(app.actor(&app.manager.id), manual).await.unwrap();
    let handover = OpportunityChanges { owner_id: Some(app.teammate.id.clone()), ..OpportunityChanges::default() };
    // The supervisor hands the deal over within the team.
    let changed = app.services.update_opportunity(app.actor(&app.supervisor.id), id, handover, None).await.unwrap();
    assert_eq!(changed.owner_id, app.teammate.id);
    let after = app.activities(id).await;
    let owner = |activity_id: &str| after.iter().find(|a| a.id == activity_id).unwrap().owner_id.clone();
    assert_eq!(owner(&open[1].id), app.teammate.id, "the open process activity moved");
    assert_eq!(owner(&open[0].id), app.manager.id, "completed work keeps its doer");
    assert_eq!(owner(&manual.id), app.manager.id, "manual activities are not the process's to move");
    let notices = app.notifications(&app.teammate).await;
    assert!(notices.iter().any(|n| n.kind == "activity_assigned" && n.entity_id == open[1].id), "the new owner is told");
    // New activities go to the new owner too.
    app.services.complete_activity(app.actor(&app.teammate.id), &open[1].id, None, None).await.unwrap();
    assert!(app.open_process_activities(id).await.iter().all(|a| a.owner_id == app.teammate.id));
    app.assert_invariants(id).await;
}

on_both_backends!(
    r7_completing_every_activity_of_a_visit_advances_to_the_next_stage,
    r7_a_cancelled_activity_stops_auto_advance,
    r7_finished_activities_cannot_be_completed_or_cancelled_again,
    r8_a_close_result_moves_the_opportunity_to_its_final_stage,
    r8_results_a_step_does_not_offer_are_refused_and_change_nothing,
    r15_a_new_owner_takes_over_open_process_activities,
);
