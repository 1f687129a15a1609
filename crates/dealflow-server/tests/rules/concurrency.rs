//! R13: a command and all it causes commit together; concurrent commands never lose an update
//! or create a stage's activities twice.

use dealflow_core::EngineError;
use dealflow_core::engine::{ActivityStatus, StartedVia};
use dealflow_core::records::ActivityRecord;
use dealflow_server::ServiceError;
use dealflow_server::services::NewOpportunity;

use crate::on_both_backends;
use crate::support::TestApp;

async fn r13_a_command_that_fails_halfway_changes_nothing(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let last = plant_presentation(&app, id).await;
    let before = (app.opportunity(id).await, app.activities(id).await, app.history(id).await, app.notifications(&app.manager).await);

    let failed = app.services.complete_activity(app.actor(&app.manager.id), &last, None, None).await;
    assert!(matches!(failed, Err(ServiceError::Store(dealflow_store::StoreError::Conflict { .. }))), "{failed:?}");
    let after = (app.opportunity(id).await, app.activities(id).await, app.history(id).await, app.notifications(&app.manager).await);
    assert_eq!(after, before, "nothing of the failed command remains");
}

async fn r13_a_stale_version_is_refused_and_only_one_of_two_racing_changes_wins(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = started.opportunity.id.clone();
    let version = started.opportunity.version;
    let (a, b) = tokio::join!(
        app.services.change_stage(app.actor(&app.manager.id), &id, "proposal", Some(version)),
        app.services.change_stage(app.actor(&app.manager.id), &id, "contracting", Some(version)),
    );
    let wins = [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(wins, 1, "{a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(ServiceError::VersionConflict { .. })), "{loser:?}");
    app.assert_invariants(&id).await;
}

async fn r13_concurrent_commands_on_one_opportunity_never_duplicate_or_lose_work(app: TestApp) {
    let new = NewOpportunity { title: "Contested".into(), owner_id: Some(app.manager.id.clone()), ..Default::default() };
    let opportunity = app.services.create_opportunity(app.actor(&app.manager.id), new).await.unwrap();
    let id = opportunity.id.clone();
    app.services.start_process(app.actor(&app.manager.id), "enterprise-sale", Some(&id), StartedVia::Api).await.unwrap();
    let stages = ["qualification", "presentation", "proposal", "contracting"];
    let mut tasks = Vec::new();
    for client in 0..16usize {
        let (services, store, id, by) = (app.services.clone(), app.store.clone(), id.clone(), app.actor(&app.manager.id).clone());
        tasks.push(tokio::spawn(async move {
            let mut applied = 0;
            for round in 0..12usize {
                let outcome = if (client + round) % 3 == 0 {
                    services.change_stage(&by, &id, stages[(client * 7 + round) % stages.len()], None).await.map(|_| ())
                } else {
                    let open: Vec<_> = store
                        .read()
                        .await
                        .unwrap()
                        .activities()
                        .of_opportunity(&id)
                        .await
                        .unwrap()
                        .into_iter()
                        .filter(|a| a.status.is_open())
                        .collect();
                    match open.get((client + round) % open.len().max(1)) {
                        Some(a) => services.complete_activity(&by, &a.id, None, None).await.map(|_| ()),
                        None => Ok(()),
                    }
                };
                match outcome {
                    Ok(()) => applied += 1,
                    // Another client finished or cancelled that activity first, or closed the deal.
                    Err(ServiceError::Engine(EngineError::ActivityNotOpen | EngineError::OpportunityClosed)) => {}
                    Err(other) => panic!("client {client} round {round}: {other:?}"),
                }
            }
            applied
        }));
    }
    let mut applied = 0;
    for task in tasks {
        applied += task.await.unwrap();
    }
    assert!(applied > 16, "most commands went through ({applied})");
    app.assert_invariants(&id).await;
    // Every completion that was acknowledged is still a completion.
    let history = app.history(&id).await;
    let stage_changes = history.len() - 1;
    let completed = app.activities(&id).await.iter().filter(|a| a.status == ActivityStatus::Completed).count();
    assert!(stage_changes + completed > 0);
    assert_eq!(app.opportunity(&id).await.version as usize, 1 + stage_changes, "one version per stage change, none lost");
}

async fn r13_the_database_itself_refuses_a_second_running_instance_or_a_duplicate_activity(app: TestApp) {
    let started = app.start_new(&app.manager).await;
    let id = &started.opportunity.id;
    let mut tx = app.store.begin_write().await.unwrap();
    let second = tx
        .raw()
        .execute(
            "INSERT INTO process_instances (id, process_code, process_version, opportunity_id, status, started_via, started_by, started_at)
             VALUES ($1, 'enterprise-sale', 1, $2, 'running', 'api', $3, 0)",
            &[dealflow_server::new_id().into(), id.as_str().into(), app.manager.id.as_str().into()],
        )
        .await;
    assert!(matches!(second, Err(dealflow_store::StoreError::Conflict { .. })), "{second:?}");
    tx.rollback().await.unwrap();

    let mut copy = app.open_process_activities(id).await.remove(0);
    copy.id = dealflow_server::new_id();
    let mut tx = app.store.begin_write().await.unwrap();
    let duplicate = tx.activities().insert(&copy).await;
    assert!(matches!(duplicate, Err(dealflow_store::StoreError::Conflict { .. })), "{duplicate:?}");
}

/// Plants the activity that completing the last open Qualification task would create, so that
/// the completion fails after it has already written the completion, stage change and history.
async fn plant_presentation(app: &TestApp, opportunity_id: &str) -> String {
    let open = app.open_process_activities(opportunity_id).await;
    app.services.complete_activity(app.actor(&app.manager.id), &open[0].id, None, None).await.unwrap();
    let mut planted: ActivityRecord = open[1].clone();
    planted.id = dealflow_server::new_id();
    planted.stage = Some(dealflow_core::StageCode::parse("presentation").unwrap());
    planted.step = Some("presentation".into());
    planted.stage_visit = Some(1);
    let mut tx = app.store.begin_write().await.unwrap();
    tx.activities().insert(&planted).await.unwrap();
    tx.commit().await.unwrap();
    open[1].id.clone()
}

async fn r13_among_concurrent_commands_a_failing_one_rolls_back_alone(app: TestApp) {
    // Sixteen completions at once (on SQLite they share commits): every other one fails halfway.
    let mut deals = Vec::new();
    for n in 0..16 {
        let id = app.start_new(&app.manager).await.opportunity.id;
        let last = if n % 2 == 0 {
            plant_presentation(&app, &id).await
        } else {
            let open = app.open_process_activities(&id).await;
            app.services.complete_activity(app.actor(&app.manager.id), &open[0].id, None, None).await.unwrap();
            open[1].id.clone()
        };
        let before = (app.opportunity(&id).await, app.activities(&id).await, app.history(&id).await);
        deals.push((n % 2 == 0, id, last, before));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (_, _, activity, _) in &deals {
        let (services, by, activity) = (app.services.clone(), app.actor(&app.manager.id).clone(), activity.clone());
        tasks.spawn(async move { (activity.clone(), services.complete_activity(&by, &activity, None, None).await.map(|_| ())) });
    }
    let outcomes: std::collections::HashMap<String, _> = tasks.join_all().await.into_iter().collect();
    for (fails, id, activity, before) in deals {
        let outcome = &outcomes[&activity];
        if fails {
            assert!(matches!(outcome, Err(ServiceError::Store(dealflow_store::StoreError::Conflict { .. }))), "{outcome:?}");
            let after = (app.opportunity(&id).await, app.activities(&id).await, app.history(&id).await);
            assert_eq!(after, before, "nothing of the failed command remains");
        } else {
            assert!(outcome.is_ok(), "{outcome:?}");
            assert_eq!(app.opportunity(&id).await.stage, *"presentation", "the others' commands committed");
            app.assert_invariants(&id).await;
        }
    }
}

async fn a_write_dropped_before_it_is_settled_leaves_nothing(app: TestApp) {
    const INSERT: &str = "INSERT INTO lost_reasons (code, name_ru, name_en, position) VALUES ($1, 'Причина', 'Reason', 99)";
    // Alone: the write is the whole transaction.
    let mut first = app.store.begin_write().await.unwrap();
    first.raw().execute(INSERT, &["dropped_alone".into()]).await.unwrap();
    drop(first);
    // Behind another write (on SQLite, a savepoint in its batch): that one still commits.
    let mut kept = app.store.begin_write().await.unwrap();
    kept.raw().execute(INSERT, &["kept".into()]).await.unwrap();
    let store = app.store.clone();
    let behind = tokio::spawn(async move {
        let mut tx = store.begin_write().await.unwrap();
        tx.raw().execute(INSERT, &["dropped_behind".into()]).await.unwrap();
        // A cancelled request: dropped unsettled.
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    kept.commit().await.unwrap();
    behind.await.unwrap();
    let mut last = app.store.begin_write().await.unwrap();
    last.raw().execute(INSERT, &["kept_after".into()]).await.unwrap();
    last.commit().await.unwrap();
    let codes: Vec<String> = app.sql_texts("SELECT code FROM lost_reasons WHERE position = 99 ORDER BY code").await;
    assert_eq!(codes, ["kept", "kept_after"]);
}

on_both_backends!(
    r13_among_concurrent_commands_a_failing_one_rolls_back_alone,
    a_write_dropped_before_it_is_settled_leaves_nothing,
    r13_the_database_itself_refuses_a_second_running_instance_or_a_duplicate_activity,
    r13_a_command_that_fails_halfway_changes_nothing,
    r13_a_stale_version_is_refused_and_only_one_of_two_racing_changes_wins,
    r13_concurrent_commands_on_one_opportunity_never_duplicate_or_lose_work,
);
