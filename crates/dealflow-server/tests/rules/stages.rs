//! R4, R5, R6, R12: moving between stages.

use dealflow_core::check::Invalid;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_server::services::NewActivity;

use crate::on_both_backends;
use crate::support::{TestApp, refusal};

async fn r4_reentering_a_stage_creates_a_fresh_set_of_activities(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let first: Vec<_> = app.open_process_activities(id).await.into_iter().map(|a| a.id).collect();
    app.services.change_stage(app.actor(&app.manager.id), id, "presentation", None).await.unwrap();
    app.services.change_stage(app.actor(&app.manager.id), id, "qualification", None).await.unwrap();
    let second = app.open_process_activities(id).await;
    assert_eq!(second.len(), 2);
    assert!(second.iter().all(|a| a.stage_visit == Some(2) && !first.contains(&a.id)), "new activities of visit 2");
    let qualification: Vec<_> =
        app.activities(id).await.into_iter().filter(|a| a.stage.as_ref().is_some_and(|s| *s == *"qualification")).collect();
    assert_eq!(qualification.len(), 4, "two per visit");
    app.assert_invariants(id).await;
}

async fn r5_leaving_a_stage_cancels_open_process_activities_but_not_manual_ones(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let open = app.open_process_activities(id).await;
    let done = &open[0];
    app.services.complete_activity(app.actor(&app.manager.id), &done.id, None, None).await.unwrap();
    let manual = NewActivity {
        kind: ActivityType::Call,
        title: "Call the CFO".into(),
        owner_id: Some(app.manager.id.clone()),
        opportunity_id: Some(id.clone()),
        account_id: None,
        contact_id: None,
        duration_minutes: None,
        start_at: None,
        due_at: None,
    };
    let manual = app.services.create_activity(app.actor(&app.manager.id), manual).await.unwrap();
    app.services.change_stage(app.actor(&app.manager.id), id, "proposal", None).await.unwrap();

    let after = app.activities(id).await;
    let status = |activity_id: &str| after.iter().find(|a| a.id == activity_id).unwrap().status;
    assert_eq!(status(&done.id), ActivityStatus::Completed, "completed work stays completed");
    assert_eq!(status(&open[1].id), ActivityStatus::Cancelled, "open process work is cancelled");
    assert_eq!(status(&manual.id), ActivityStatus::NotStarted, "manual activities are never cancelled");
    app.assert_invariants(id).await;
}

async fn r6_a_stage_may_change_forward_back_or_skipping(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    for stage in ["contracting", "presentation", "proposal", "qualification"] {
        let moved = app.services.change_stage(app.actor(&app.manager.id), id, stage, None).await.unwrap();
        assert_eq!(moved.stage.as_str(), stage);
        app.assert_invariants(id).await;
    }
    assert_eq!(app.history(id).await.len(), 5);
}

async fn r6_moving_to_the_current_stage_changes_nothing(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let before = (app.opportunity(id).await, app.activities(id).await, app.history(id).await);
    let same = app.services.change_stage(app.actor(&app.manager.id), id, "qualification", None).await.unwrap();
    assert_eq!(same.version, before.0.version);
    assert_eq!((app.opportunity(id).await, app.activities(id).await, app.history(id).await), before);
}

async fn r6_unknown_and_inactive_stages_are_refused_and_change_nothing(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let mut stages = app.stages().await.all().to_vec();
    let proposal = stages.iter_mut().find(|s| s.code == *"proposal").unwrap();
    proposal.active = false;
    let mut tx = app.store.begin_write().await.unwrap();
    tx.stages().update(proposal).await.unwrap();
    tx.commit().await.unwrap();
    let before = (app.opportunity(id).await, app.activities(id).await, app.history(id).await);

    let unknown = app.services.change_stage(app.actor(&app.manager.id), id, "negotiation", None).await;
    assert_eq!(refusal(&unknown), ("stage".into(), Invalid::UnknownStage));
    let inactive = app.services.change_stage(app.actor(&app.manager.id), id, "proposal", None).await;
    assert_eq!(refusal(&inactive), ("stage".into(), Invalid::InactiveStage));
    assert_eq!((app.opportunity(id).await, app.activities(id).await, app.history(id).await), before);
}

async fn r12_every_stage_change_is_recorded_with_who_and_visit(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    app.complete_open(id).await; // auto-advance to presentation, by the process
    app.services.change_stage(app.actor(&app.supervisor.id), id, "qualification", None).await.unwrap();
    let history = app.history(id).await;
    let rows: Vec<_> = history
        .iter()
        .map(|h| (h.from_stage.as_ref().map(|s| s.to_string()), h.to_stage.to_string(), h.by_user_id.clone(), h.by_process, h.visit))
        .collect();
    assert_eq!(
        rows,
        vec![
            (None, "qualification".into(), Some(app.manager.id.clone()), false, Some(1)),
            (Some("qualification".into()), "presentation".into(), None, true, Some(1)),
            (Some("presentation".into()), "qualification".into(), Some(app.supervisor.id.clone()), false, Some(2)),
        ]
    );
    assert!(history.iter().all(|h| h.instance_id.as_deref() == Some(started.instance.id.as_str())));
}

on_both_backends!(
    r4_reentering_a_stage_creates_a_fresh_set_of_activities,
    r5_leaving_a_stage_cancels_open_process_activities_but_not_manual_ones,
    r6_a_stage_may_change_forward_back_or_skipping,
    r6_moving_to_the_current_stage_changes_nothing,
    r6_unknown_and_inactive_stages_are_refused_and_change_nothing,
    r12_every_stage_change_is_recorded_with_who_and_visit,
);
