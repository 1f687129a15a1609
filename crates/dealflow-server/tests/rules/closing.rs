//! R9, R10: closing, and what stays closed.

use dealflow_core::check::Invalid;
use dealflow_core::engine::{ActivityStatus, InstanceStatus, Outcome};
use dealflow_core::{EngineError, Money};
use dealflow_server::ServiceError;
use dealflow_server::services::{CloseInput, NewOpportunity, OpportunityChanges};

use crate::on_both_backends;
use crate::support::{TestApp, refusal};

async fn r9_completing_the_whole_process_closes_won_and_notifies_the_supervisor(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let mut completions = 0;
    for expected in ["qualification", "presentation", "proposal", "contracting"] {
        assert_eq!(app.opportunity(id).await.stage.as_str(), expected);
        for activity in app.open_process_activities(id).await {
            app.services.complete_activity(app.actor(&app.manager.id), &activity.id, None, None).await.unwrap();
            completions += 1;
        }
    }
    assert_eq!(completions, 9, "2 + 1 + 3 + 3 activities");
    let opportunity = app.opportunity(id).await;
    assert_eq!(opportunity.stage.as_str(), "closed_won");
    assert!(opportunity.closed_at.is_some());
    let instance = &app.instances(id).await[0];
    assert_eq!((instance.status, instance.outcome), (InstanceStatus::Completed, Some(Outcome::Won)));
    assert!(instance.finished_at.is_some());
    let notices: Vec<_> = app.notifications(&app.supervisor).await.into_iter().filter(|n| n.kind == "opportunity_won").collect();
    assert_eq!(notices.len(), 1);
    assert_eq!((notices[0].entity_type.as_str(), notices[0].entity_id.as_str()), ("opportunity", id.as_str()));
    assert!(notices[0].title.en.contains("won"), "{:?}", notices[0].title);
    assert!(
        app.notifications(&app.manager).await.iter().all(|n| n.kind == "activity_assigned"),
        "the manager is not told of their own win"
    );
    app.assert_invariants(id).await;
}

async fn r9_closing_by_hand_cancels_open_activities_and_keeps_the_figures(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let close = CloseInput {
        stage: "closed_lost".into(),
        actual_revenue: Some(Money::parse("0").unwrap()),
        hours_spent: Some(6.5),
        close_reason: Some("Chose a competitor".into()),
        override_reason: None,
    };
    let version = app.opportunity(id).await.version;
    let closed = app.services.close(app.actor(&app.manager.id), id, &close).await.unwrap();
    assert_eq!(closed.stage.as_str(), "closed_lost");
    assert_eq!(closed.version, version + 1, "one command, one new version");
    assert_eq!((closed.hours_spent, closed.close_reason.as_deref()), (Some(6.5), Some("Chose a competitor")));
    assert!(app.activities(id).await.iter().all(|a| a.status == ActivityStatus::Cancelled));
    let instance = &app.instances(id).await[0];
    assert_eq!((instance.status, instance.outcome), (InstanceStatus::Completed, Some(Outcome::Lost)));
    let notices = app.notifications(&app.supervisor).await;
    assert!(notices.iter().any(|n| n.kind == "opportunity_lost" && n.entity_id == *id));
    app.assert_invariants(id).await;
}

async fn r9_close_refuses_a_stage_that_is_not_final(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let close = CloseInput { stage: "proposal".into(), ..CloseInput::default() };
    let refused = app.services.close(app.actor(&app.manager.id), &started.opportunity.id, &close).await;
    assert_eq!(refusal(&refused), ("stage".into(), Invalid::NotAFinalStage));
    assert_eq!(app.opportunity(&started.opportunity.id).await.stage.as_str(), "qualification");
}

async fn r9_without_a_process_closing_still_sets_closed_at_and_notifies(app: TestApp) {
    let new = NewOpportunity { title: "No process".into(), owner_id: Some(app.teammate.id.clone()), ..Default::default() };
    let opportunity = app.services.create_opportunity(app.actor(&app.teammate.id), new).await.unwrap();
    let closed = app.services.change_stage(app.actor(&app.teammate.id), &opportunity.id, "closed_won", None).await.unwrap();
    assert!(closed.closed_at.is_some());
    assert!(app.activities(&opportunity.id).await.is_empty());
    assert!(app.notifications(&app.supervisor).await.iter().any(|n| n.kind == "opportunity_won" && n.entity_id == opportunity.id));

    // Nobody is told when the owner has no supervisor.
    let new = NewOpportunity { title: "Alone".into(), owner_id: Some(app.loner.id.clone()), ..Default::default() };
    let alone = app.services.create_opportunity(app.actor(&app.loner.id), new).await.unwrap();
    app.services.change_stage(app.actor(&app.loner.id), &alone.id, "closed_won", None).await.unwrap();
    assert!(app.notifications(&app.supervisor).await.iter().all(|n| n.entity_id != alone.id));
}

async fn r10_a_closed_opportunity_cannot_change_stage_or_start_a_process(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    app.services.change_stage(app.actor(&app.manager.id), id, "closed_won", None).await.unwrap();
    let before = (app.opportunity(id).await, app.history(id).await);
    for stage in ["qualification", "closed_won", "closed_lost"] {
        let refused = app.services.change_stage(app.actor(&app.manager.id), id, stage, None).await;
        assert!(matches!(refused, Err(ServiceError::Engine(EngineError::OpportunityClosed))), "{stage}: {refused:?}");
    }
    let close =
        app.services.close(app.actor(&app.manager.id), id, &CloseInput { stage: "closed_lost".into(), ..CloseInput::default() }).await;
    assert!(matches!(close, Err(ServiceError::Engine(EngineError::OpportunityClosed))), "{close:?}");
    let start =
        app.services.start_process(app.actor(&app.manager.id), "enterprise-sale", Some(id), dealflow_core::engine::StartedVia::Api).await;
    assert!(matches!(start, Err(ServiceError::Engine(EngineError::OpportunityClosed))), "{start:?}");
    assert_eq!((app.opportunity(id).await, app.history(id).await), before);

    // Its other fields stay editable.
    let revenue = OpportunityChanges { actual_revenue: Some(Some(Money::parse("99000.50").unwrap())), ..OpportunityChanges::default() };
    app.services.update_opportunity(app.actor(&app.manager.id), id, revenue, None).await.unwrap();
    let after = app.opportunity(id).await;
    assert_eq!(after.actual_revenue.unwrap().to_string(), "99000.50");
    assert_eq!(after.stage.as_str(), "closed_won");
}

on_both_backends!(
    r9_completing_the_whole_process_closes_won_and_notifies_the_supervisor,
    r9_closing_by_hand_cancels_open_activities_and_keeps_the_figures,
    r9_close_refuses_a_stage_that_is_not_final,
    r9_without_a_process_closing_still_sets_closed_at_and_notifies,
    r10_a_closed_opportunity_cannot_change_stage_or_start_a_process,
);
