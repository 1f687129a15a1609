//! `/analytics/summary`: won/lost, win rate, open pipeline, funnel and time in stage for the
//! opportunities the caller may see.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Caller, Params, day_start};
use super::problem::{ApiResult, Problem};
use crate::Services;
use crate::services::AnalyticsQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    /// `YYYY-MM-DD`, inclusive: on `closed_at` for won/lost, on `created_at` for the funnel.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, exclusive.
    pub to: Option<String>,
    /// Only this owner's opportunities.
    pub owner_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WonView {
    pub count: u64,
    pub actual_revenue: String,
    pub hours_spent: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LostView {
    pub count: u64,
    pub hours_spent: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenView {
    pub count: u64,
    pub amount: String,
    pub weighted_amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelView {
    pub stage: String,
    pub count: u64,
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageDaysView {
    pub stage: String,
    pub days: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversionView {
    pub from: String,
    pub to: String,
    /// Opportunities created in the period that reached `from`.
    pub reached: u64,
    /// Of those, how many went on to reach `to`.
    pub advanced: u64,
    /// 0–1; null when none reached `from`.
    pub rate: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LostReasonView {
    /// The `close_reason` given (a code of the lost-reasons lookup when closed in the web app); empty when none.
    pub reason: String,
    pub count: u64,
}

/// Open opportunities of one health level, as last assessed (SPEC §9).
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthShareView {
    /// `good`, `at_risk` or `poor`; null for the deals not assessed yet (listed only when any).
    pub level: Option<String>,
    pub count: i64,
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub won: WonView,
    pub lost: LostView,
    /// 0–1; null when nothing closed in the period.
    pub win_rate: Option<f64>,
    pub open: OpenView,
    pub funnel: Vec<FunnelView>,
    pub avg_days_in_stage: Vec<StageDaysView>,
    /// From each stage of the funnel to the next, the won stage last.
    pub conversion: Vec<ConversionView>,
    /// Lost in the period, by reason, most frequent first.
    pub lost_reasons: Vec<LostReasonView>,
    /// The open pipeline now (whatever the period) by the health its deals were last assessed at.
    pub open_by_health: Vec<HealthShareView>,
}

fn date(field: &str, value: Option<&str>) -> ApiResult<Option<jiff::Timestamp>> {
    value.map(|text| day_start(field, text)).transpose()
}

/// The won/lost summary.
#[utoipa::path(get, path = "/analytics/summary", operation_id = "analytics_summary", tag = "analytics", params(SummaryParams), security(("bearer" = [])),
    responses((status = 200, body = SummaryView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn summary(
    State(services): State<Services>,
    caller: Caller,
    Params(params): Params<SummaryParams>,
) -> ApiResult<Json<SummaryView>> {
    let query = AnalyticsQuery {
        from: date("from", params.from.as_deref())?,
        to: date("to", params.to.as_deref())?,
        owner_id: params.owner_id,
        team: None,
    };
    let s = services.analytics(&caller.actor, &query).await?;
    let by_health = services.pipeline_by_health(&caller.actor, &query).await?;
    Ok(Json(SummaryView {
        won: WonView { count: s.won.count, actual_revenue: s.won.actual_revenue.to_string(), hours_spent: s.won.hours_spent },
        lost: LostView { count: s.lost.count, hours_spent: s.lost.hours_spent },
        win_rate: s.win_rate,
        open: OpenView { count: s.open.count, amount: s.open.amount.to_string(), weighted_amount: s.open.weighted_amount.to_string() },
        funnel: s.funnel.into_iter().map(|r| FunnelView { stage: r.stage, count: r.count, amount: r.amount.to_string() }).collect(),
        avg_days_in_stage: s.avg_days_in_stage.into_iter().map(|d| StageDaysView { stage: d.stage, days: d.days }).collect(),
        conversion: s
            .conversion
            .into_iter()
            .map(|c| ConversionView { from: c.from, to: c.to, reached: c.reached, advanced: c.advanced, rate: c.rate })
            .collect(),
        lost_reasons: s.lost_reasons.into_iter().map(|r| LostReasonView { reason: r.reason, count: r.count }).collect(),
        open_by_health: by_health
            .into_iter()
            .map(|h| HealthShareView { level: h.level.map(|l| l.as_str().to_owned()), count: h.count, amount: h.amount.to_string() })
            .collect(),
    }))
}
