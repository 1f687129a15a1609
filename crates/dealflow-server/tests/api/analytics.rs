//! The analytics summary over HTTP, on hand-computed data.

use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn the_summary_matches_hand_computed_figures_for_each_reader(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let loner = api.token(&api.app.loner).await;
    let won = api.post("/opportunities", &manager, json!({"title": "Won", "amount": "1000.50"})).await;
    api.app.clock.advance(jiff::SignedDuration::from_hours(48));
    api.post(
        &format!("/opportunities/{}/close", won.body["id"].as_str().unwrap()),
        &manager,
        json!({"stage": "closed_won", "actual_revenue": "1000.50", "hours_spent": 10}),
    )
    .await;
    let lost = api.post("/opportunities", &manager, json!({"title": "Lost"})).await;
    api.post(
        &format!("/opportunities/{}/close", lost.body["id"].as_str().unwrap()),
        &manager,
        json!({"stage": "closed_lost", "hours_spent": 2.5}),
    )
    .await;
    api.post("/opportunities", &manager, json!({"title": "Open", "stage": "proposal", "amount": 2000})).await;
    api.post("/opportunities", &loner, json!({"title": "Someone else's", "amount": 999})).await;

    let summary = api.get("/analytics/summary?from=2026-11-01&to=2026-12-01", &manager).await;
    assert_eq!(summary.status, StatusCode::OK, "{:?}", summary.body);
    let b = &summary.body;
    assert_eq!(b["won"], json!({"count": 1, "actual_revenue": "1000.50", "hours_spent": 10.0}));
    assert_eq!(b["lost"], json!({"count": 1, "hours_spent": 2.5}));
    assert_eq!(b["win_rate"], 0.5);
    assert_eq!(
        b["open"],
        json!({"count": 1, "amount": "2000.00", "weighted_amount": "1000.00"}),
        "proposal's 50 % when no probability is set"
    );
    assert_eq!(b["funnel"][2], json!({"stage": "proposal", "count": 1, "amount": "2000.00"}));
    assert_eq!(b["avg_days_in_stage"][0], json!({"stage": "qualification", "days": 1.0}), "2 days for the won deal, 0 for the lost one");
    // All three entered Qualification; the won one passed every stage, the open one starts at Proposal.
    let conversion: Vec<_> = b["conversion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from"].as_str().unwrap(), c["reached"].clone(), c["advanced"].clone()))
        .collect();
    assert_eq!(
        conversion,
        [
            ("qualification", json!(3), json!(2)),
            ("presentation", json!(2), json!(2)),
            ("proposal", json!(2), json!(1)),
            ("contracting", json!(1), json!(1))
        ]
    );
    assert_eq!(b["conversion"][3]["to"], "closed_won");
    assert_eq!(b["lost_reasons"], json!([{"reason": "", "count": 1}]), "closed without a reason");

    let supervisor = api.token(&api.app.supervisor).await;
    let team = api.get("/analytics/summary", &supervisor).await;
    assert_eq!(team.body["won"]["count"], 1, "the supervisor sees the team");
    let own = api.get("/analytics/summary", &loner).await;
    assert_eq!((own.body["won"]["count"].as_u64(), own.body["open"]["amount"].as_str()), (Some(0), Some("999.00")));
    assert!(own.body["win_rate"].is_null());
    let bad = api.get("/analytics/summary?from=yesterday", &manager).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(the_summary_matches_hand_computed_figures_for_each_reader);
