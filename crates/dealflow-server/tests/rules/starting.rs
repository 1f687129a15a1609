//! R1, R2, R11, R14: starting and stopping a process.

use dealflow_core::EngineError;
use dealflow_core::engine::{ActivityStatus, InstanceStatus, StartedVia};
use dealflow_server::ServiceError;
use dealflow_server::services::NewOpportunity;
use jiff::SignedDuration;

use crate::on_both_backends;
use crate::support::{TestApp, start_of_test};

async fn r1_starting_without_an_opportunity_creates_one_at_the_first_stage(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let opportunity = &started.opportunity;
    assert_eq!(opportunity.title, "Новая продажа", "titled in the starter's language");
    assert_eq!(opportunity.owner_id, app.manager.id);
    assert_eq!(opportunity.stage.as_str(), "qualification");
    assert_eq!(started.instance.status, InstanceStatus::Running);
    assert_eq!(started.instance.started_via, StartedVia::SidePanel);
    assert_eq!(started.instance.started_by, app.manager.id);
    assert!(started.hint.ru.contains("Заполните") && started.hint.en.contains("Fill in"));

    let activities = app.activities(&opportunity.id).await;
    let mut steps: Vec<_> = activities.iter().map(|a| (a.step.clone().unwrap(), a.stage_visit, a.due_at, a.status)).collect();
    steps.sort_by(|a, b| a.0.cmp(&b.0));
    // The test starts on a Saturday: the steps' days (P1D, P3D) count working days, Monday to
    // Friday by default, at the same time of day.
    let due = |days: i64| Some(start_of_test() + SignedDuration::from_hours(24 * days));
    assert_eq!(
        steps,
        vec![
            ("contact_customer".to_owned(), Some(1), due(2), ActivityStatus::NotStarted),
            ("prepare_presentation".to_owned(), Some(1), due(4), ActivityStatus::NotStarted),
        ]
    );
    let history = app.history(&opportunity.id).await;
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].from_stage.as_ref(), history[0].to_stage.as_str(), history[0].visit), (None, "qualification", Some(1)));

    let english = app.start_new(&app.teammate).await;
    assert_eq!(english.opportunity.title, "New opportunity");
    app.assert_invariants(&opportunity.id).await;
}

async fn r2_starting_on_an_existing_opportunity_starts_at_its_current_stage(app: TestApp) {
    let new = NewOpportunity {
        title: "Proposal stage deal".into(),
        owner_id: Some(app.manager.id.clone()),
        stage: Some("proposal".into()),
        ..Default::default()
    };
    let opportunity = app.services.create_opportunity(app.actor(&app.manager.id), new).await.unwrap();
    let started = app
        .services
        .start_process(app.actor(&app.manager.id), "enterprise-sale", Some(&opportunity.id), StartedVia::OpportunityPage)
        .await
        .unwrap();
    assert_eq!(started.opportunity.stage.as_str(), "proposal");
    assert_eq!(app.open_steps(&opportunity.id).await, ["prepare_contract", "present_proposal", "proposal_feedback"]);
    assert!(app.open_process_activities(&opportunity.id).await.iter().all(|a| a.stage_visit == Some(1)));

    let again = app.services.start_process(app.actor(&app.manager.id), "enterprise-sale", Some(&opportunity.id), StartedVia::Api).await;
    assert!(matches!(again, Err(ServiceError::Engine(EngineError::ProcessAlreadyRunning))), "{again:?}");
    assert_eq!(app.instances(&opportunity.id).await.len(), 1);
    app.assert_invariants(&opportunity.id).await;
}

async fn r2_no_process_starts_on_a_closed_opportunity(app: TestApp) {
    let new = NewOpportunity { title: "Lost deal".into(), owner_id: Some(app.manager.id.clone()), ..Default::default() };
    let opportunity = app.services.create_opportunity(app.actor(&app.manager.id), new).await.unwrap();
    app.services.change_stage(app.actor(&app.manager.id), &opportunity.id, "closed_lost", None).await.unwrap();
    let started = app.services.start_process(app.actor(&app.manager.id), "enterprise-sale", Some(&opportunity.id), StartedVia::Api).await;
    assert!(matches!(started, Err(ServiceError::Engine(EngineError::OpportunityClosed))), "{started:?}");
    assert!(app.instances(&opportunity.id).await.is_empty());
    assert!(app.activities(&opportunity.id).await.is_empty());
}

async fn r11_every_process_activity_notifies_its_owner(app: TestApp) {
    // Started by its owner: the owner is not told of the work they just made for themselves.
    let started = app.start_new(&app.teammate).await;
    assert!(app.notifications(&app.teammate).await.is_empty(), "nobody is told of their own action");
    // The supervisor completes Qualification: Presentation's activity is news to its owner.
    for activity in app.open_process_activities(&started.opportunity.id).await {
        app.services.complete_activity(app.actor(&app.supervisor.id), &activity.id, None, None).await.unwrap();
    }
    let activities = app.activities(&started.opportunity.id).await;
    assert_eq!(activities.len(), 3, "two of Qualification, one of Presentation");
    let notices = app.notifications(&app.teammate).await;
    let assigned: Vec<_> = notices.iter().filter(|n| n.kind == "activity_assigned").collect();
    let presentation = activities.iter().find(|a| a.step.as_deref() == Some("presentation")).unwrap();
    assert_eq!(assigned.len(), 1, "{assigned:?}");
    let notice = assigned[0];
    assert_eq!((notice.entity_type.as_str(), notice.entity_id.as_str()), ("activity", presentation.id.as_str()));
    assert!(notice.title.en.contains(&presentation.title.en), "{:?}", notice.title);
    assert!(notice.title.ru.contains(&presentation.title.ru), "{:?}", notice.title);
    assert!(app.notifications(&app.supervisor).await.is_empty(), "the supervisor acted, and is told nothing");
    let month = start_of_test() + SignedDuration::from_hours(24 * 30);
    let schedule =
        app.store.read().await.unwrap().activities().schedule(&app.teammate.id, start_of_test(), month, None, 100).await.unwrap();
    assert!(schedule.iter().any(|a| a.step.as_deref() == Some("presentation")), "the activity is in the owner's schedule");
}

async fn r14_cancelling_an_instance_cancels_open_activities_and_keeps_the_stage(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    app.complete_open(id).await;
    let cancelled = app.services.cancel_instance(app.actor(&app.manager.id), &started.instance.id).await.unwrap();
    assert_eq!(cancelled.status, InstanceStatus::Cancelled);
    assert!(cancelled.finished_at.is_some());
    assert_eq!(app.opportunity(id).await.stage.as_str(), "presentation", "the stage stays");
    assert!(app.open_process_activities(id).await.is_empty());

    let twice = app.services.cancel_instance(app.actor(&app.manager.id), &started.instance.id).await;
    assert!(matches!(twice, Err(ServiceError::Engine(EngineError::ProcessNotRunning))), "{twice:?}");

    // Without an instance a stage change creates no activities.
    app.services.change_stage(app.actor(&app.manager.id), id, "proposal", None).await.unwrap();
    assert!(app.open_process_activities(id).await.is_empty());
    assert_eq!(app.history(id).await.last().unwrap().visit, None);

    // A process may start again; its visits count from 1.
    let again =
        app.services.start_process(app.actor(&app.manager.id), "enterprise-sale", Some(id), StartedVia::OpportunityPage).await.unwrap();
    assert_ne!(again.instance.id, started.instance.id);
    let open = app.open_process_activities(id).await;
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|a| a.stage_visit == Some(1) && a.process_instance_id.as_deref() == Some(again.instance.id.as_str())));
    app.assert_invariants(id).await;
}

on_both_backends!(
    r1_starting_without_an_opportunity_creates_one_at_the_first_stage,
    r2_starting_on_an_existing_opportunity_starts_at_its_current_stage,
    r2_no_process_starts_on_a_closed_opportunity,
    r11_every_process_activity_notifies_its_owner,
    r14_cancelling_an_instance_cancels_open_activities_and_keeps_the_stage,
);
