//! R3: handing a lead off to sales.

use dealflow_core::Money;
use dealflow_core::engine::StartedVia;
use dealflow_server::services::NewLead;

use crate::on_both_backends;
use crate::support::TestApp;

fn lead_for(app: &TestApp) -> NewLead {
    NewLead {
        title: "Warehouse automation".into(),
        need: Some("Track stock across three sites".into()),
        owner_id: Some(app.manager.id.clone()),
        budget: Some(Money::parse("800000").unwrap()),
        ..NewLead::default()
    }
}

async fn r3_handing_off_a_lead_creates_an_opportunity_and_starts_the_process(app: TestApp) {
    let lead = app.services.create_lead(app.actor(&app.manager.id), lead_for(&app)).await.unwrap();
    assert_eq!(lead.stage.as_str(), "qualification");
    app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "distribution").await.unwrap();
    let handed = app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "awaiting_sale").await.unwrap();
    let opportunity_id = handed.opportunity_id.clone().expect("the lead links to its opportunity");
    let opportunity = app.opportunity(&opportunity_id).await;
    assert_eq!(opportunity.title, "Warehouse automation");
    assert_eq!(opportunity.owner_id, app.manager.id);
    assert_eq!(opportunity.need.as_deref(), Some("Track stock across three sites"));
    assert_eq!(opportunity.budget.unwrap().to_string(), "800000.00");
    assert_eq!(opportunity.lead_id.as_deref(), Some(lead.id.as_str()), "linked both ways");
    let instances = app.instances(&opportunity_id).await;
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].started_via, StartedVia::LeadAuto);
    assert_eq!(app.open_steps(&opportunity_id).await, ["contact_customer", "prepare_presentation"]);
    app.assert_invariants(&opportunity_id).await;

    // Re-entering the handoff stage creates nothing new.
    app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "handoff_to_sales").await.unwrap();
    let again = app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "awaiting_sale").await.unwrap();
    assert_eq!(again.opportunity_id.as_deref(), Some(opportunity_id.as_str()));
    assert_eq!(app.instances(&opportunity_id).await.len(), 1);
    let count: i64 = app.count("SELECT COUNT(*) FROM opportunities").await;
    assert_eq!(count, 1);
}

async fn r3_with_the_setting_off_the_handoff_creates_the_opportunity_without_a_process(app: TestApp) {
    let mut tx = app.store.begin_write().await.unwrap();
    tx.settings().put("start_sales_process", &serde_json::json!(false), app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    let lead = app.services.create_lead(app.actor(&app.manager.id), lead_for(&app)).await.unwrap();
    let handed = app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "awaiting_sale").await.unwrap();
    let opportunity_id = handed.opportunity_id.expect("the opportunity is still created");
    assert!(app.instances(&opportunity_id).await.is_empty(), "no process started");
    assert!(app.activities(&opportunity_id).await.is_empty());
    let history = app.history(&opportunity_id).await;
    assert_eq!((history.len(), history[0].visit), (1, None));
    app.assert_invariants(&opportunity_id).await;
}

async fn r3_winning_the_opportunity_converts_the_lead(app: TestApp) {
    let lead = app.services.create_lead(app.actor(&app.manager.id), lead_for(&app)).await.unwrap();
    let handed = app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "awaiting_sale").await.unwrap();
    let opportunity_id = handed.opportunity_id.unwrap();
    for _ in 0..4 {
        app.complete_open(&opportunity_id).await;
    }
    assert_eq!(app.opportunity(&opportunity_id).await.stage.as_str(), "closed_won");
    let converted = app.store.read().await.unwrap().leads().get(&lead.id).await.unwrap();
    assert_eq!(converted.stage.as_str(), "converted");
}

async fn r3_a_lost_opportunity_leaves_the_lead_where_it_is(app: TestApp) {
    let lead = app.services.create_lead(app.actor(&app.manager.id), lead_for(&app)).await.unwrap();
    let handed = app.services.change_lead_stage(app.actor(&app.manager.id), &lead.id, "awaiting_sale").await.unwrap();
    app.services.change_stage(app.actor(&app.manager.id), handed.opportunity_id.as_ref().unwrap(), "closed_lost", None).await.unwrap();
    let after = app.store.read().await.unwrap().leads().get(&lead.id).await.unwrap();
    assert_eq!(after.stage.as_str(), "awaiting_sale");
}

on_both_backends!(
    r3_handing_off_a_lead_creates_an_opportunity_and_starts_the_process,
    r3_with_the_setting_off_the_handoff_creates_the_opportunity_without_a_process,
    r3_winning_the_opportunity_converts_the_lead,
    r3_a_lost_opportunity_leaves_the_lead_where_it_is,
);
