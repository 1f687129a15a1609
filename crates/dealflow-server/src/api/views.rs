//! The JSON shapes of SPEC §5: money as decimal strings, times as RFC 3339, process texts in
//! the reader's language.

use dealflow_core::definition::{ProcessDefinition, ResultEffect};
use dealflow_core::health::Health;
use dealflow_core::records::{ActivityRecord, Competitor, HistoryRecord, InstanceRecord, OpportunityRecord, Participant, UserRecord};
use dealflow_core::{Locale, Money, Stage};
use serde::Serialize;
use utoipa::ToSchema;

pub(super) fn at(t: jiff::Timestamp) -> String {
    t.to_string()
}

fn money(m: Option<Money>) -> Option<String> {
    m.map(|m| m.to_string())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub supervisor_id: Option<String>,
    pub locale: String,
    /// The IANA time zone the person chose; null while the setting `default_time_zone` applies.
    pub time_zone: Option<String>,
    pub active: bool,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> UserView {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.as_str().to_owned(),
            supervisor_id: u.supervisor_id.clone(),
            locale: u.locale.as_str().to_owned(),
            time_zone: u.time_zone.clone(),
            active: u.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub contact_id: String,
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitorView {
    pub name: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityView {
    pub id: String,
    pub title: String,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub owner_id: String,
    pub stage: String,
    pub amount: Option<String>,
    pub probability: Option<u8>,
    pub close_date: Option<String>,
    pub budget: Option<String>,
    pub budget_confirmed: bool,
    pub decision_maker_id: Option<String>,
    pub need: Option<String>,
    pub timeframe: Option<String>,
    pub tactic: Option<String>,
    pub participants: Vec<ParticipantView>,
    pub competitors: Vec<CompetitorView>,
    pub presentation_id: Option<String>,
    pub actual_revenue: Option<String>,
    pub hours_spent: Option<f64>,
    pub close_reason: Option<String>,
    pub closed_at: Option<String>,
    pub lead_id: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Open, and no open activity due within its stage's `next_step_days` (SPEC §9).
    pub stale: bool,
    /// How the deal is doing and why, assessed now; null once it is closed (SPEC §9).
    pub health: Option<HealthView>,
}

/// How an open deal is doing: a level from a score of 100 less what each factor takes off.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// `good` (a score of 75 or more), `at_risk` (50 or more) or `poor`.
    pub level: String,
    /// 100 less the factors' effects, at least 0.
    pub score: i32,
    /// The factors that apply to the deal, the heaviest first.
    pub factors: Vec<HealthFactorView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthFactorView {
    /// `stage_time` (days on the stage against the team's median for it), `next_step`,
    /// `overdue`, `close_date` (in the past, moved later more than once), `exit_criteria` (of the
    /// current stage in the running process), `bant`.
    pub code: String,
    /// What it takes off the score: 0 when all is well, else negative.
    pub effect: i32,
    /// What it found, in the caller's language.
    pub detail: String,
}

impl HealthView {
    pub fn of(health: &Health, locale: Locale) -> HealthView {
        let factors = health
            .factors
            .iter()
            .map(|f| HealthFactorView {
                code: f.finding.code().to_owned(),
                effect: f.effect,
                detail: f.finding.describe().get(locale).to_owned(),
            })
            .collect();
        HealthView { level: health.level.as_str().to_owned(), score: health.score, factors }
    }
}

impl OpportunityView {
    /// The views of deals with what is worked out about them now: their health, and whether
    /// they are stale.
    pub async fn all_of(
        services: &crate::Services,
        locale: Locale,
        deals: Vec<OpportunityRecord>,
    ) -> Result<Vec<OpportunityView>, crate::ServiceError> {
        let mut health = services.health_among(&deals).await?;
        Ok(deals
            .into_iter()
            .map(|o| {
                let health = health.remove(&o.id);
                let stale = health.as_ref().and_then(Health::stale_for).is_some();
                OpportunityView { stale, health: health.map(|h| HealthView::of(&h, locale)), ..o.into() }
            })
            .collect())
    }

    /// The view of one deal, as [`OpportunityView::all_of`].
    pub async fn of(services: &crate::Services, locale: Locale, o: OpportunityRecord) -> Result<OpportunityView, crate::ServiceError> {
        Ok(Self::all_of(services, locale, vec![o]).await?.remove(0))
    }
}

impl From<OpportunityRecord> for OpportunityView {
    fn from(o: OpportunityRecord) -> OpportunityView {
        OpportunityView {
            id: o.id,
            title: o.title,
            account_id: o.account_id,
            contact_id: o.contact_id,
            owner_id: o.owner_id,
            stage: o.stage.to_string(),
            amount: money(o.amount),
            probability: o.probability,
            close_date: o.close_date,
            budget: money(o.budget),
            budget_confirmed: o.budget_confirmed,
            decision_maker_id: o.decision_maker_id,
            need: o.need,
            timeframe: o.timeframe,
            tactic: o.tactic,
            participants: o.participants.into_iter().map(|Participant { contact_id, role }| ParticipantView { contact_id, role }).collect(),
            competitors: o.competitors.into_iter().map(|Competitor { name, note }| CompetitorView { name, note }).collect(),
            presentation_id: o.presentation_id,
            actual_revenue: money(o.actual_revenue),
            hours_spent: o.hours_spent,
            close_reason: o.close_reason,
            closed_at: o.closed_at.map(at),
            lead_id: o.lead_id,
            version: o.version,
            created_at: at(o.created_at),
            updated_at: at(o.updated_at),
            stale: false,
            health: None,
        }
    }
}

/// One opportunity with its process: the running instance, or the last one, or null.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityDetail {
    #[serde(flatten)]
    pub opportunity: OpportunityView,
    pub process: Option<InstanceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceView {
    pub id: String,
    pub process_code: String,
    pub process_version: u32,
    pub opportunity_id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub started_via: String,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl From<InstanceRecord> for InstanceView {
    fn from(i: InstanceRecord) -> InstanceView {
        InstanceView {
            id: i.id,
            process_code: i.process_code,
            process_version: i.process_version,
            opportunity_id: i.opportunity_id,
            status: i.status.as_str().to_owned(),
            outcome: i.outcome.map(|o| o.as_str().to_owned()),
            started_via: i.started_via.as_str().to_owned(),
            started_by: i.started_by,
            started_at: at(i.started_at),
            finished_at: i.finished_at.map(at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub owner_id: String,
    pub status: String,
    pub result: Option<String>,
    pub result_note: Option<String>,
    pub start_at: Option<String>,
    pub due_at: Option<String>,
    pub completed_at: Option<String>,
    /// Minutes from `start_at`, for meetings and calls.
    pub duration_minutes: Option<u32>,
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub process_instance_id: Option<String>,
    pub stage: Option<String>,
    pub step: Option<String>,
    pub stage_visit: Option<u32>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl ActivityView {
    pub fn new(a: ActivityRecord, locale: Locale) -> ActivityView {
        ActivityView {
            id: a.id,
            kind: a.kind.as_str().to_owned(),
            title: a.title.get(locale).to_owned(),
            owner_id: a.owner_id,
            status: a.status.as_str().to_owned(),
            result: a.result,
            result_note: a.result_note,
            start_at: a.start_at.map(at),
            due_at: a.due_at.map(at),
            completed_at: a.completed_at.map(at),
            duration_minutes: a.duration_minutes,
            opportunity_id: a.opportunity_id,
            account_id: a.account_id,
            contact_id: a.contact_id,
            process_instance_id: a.process_instance_id,
            stage: a.stage.map(|s| s.to_string()),
            step: a.step,
            stage_visit: a.stage_visit,
            version: a.version,
            created_at: at(a.created_at),
            updated_at: at(a.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub at: String,
    pub by_user_id: Option<String>,
    pub by_process: bool,
    pub visit: Option<u32>,
    /// Why a supervisor or administrator moved the deal on with its exit criteria unmet.
    pub override_reason: Option<String>,
}

impl From<HistoryRecord> for HistoryView {
    fn from(h: HistoryRecord) -> HistoryView {
        HistoryView {
            from_stage: h.from_stage.map(|s| s.to_string()),
            to_stage: h.to_stage.to_string(),
            at: at(h.at),
            by_user_id: h.by_user_id,
            by_process: h.by_process,
            visit: h.visit,
            override_reason: h.override_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocalizedView {
    pub ru: String,
    pub en: String,
}

impl From<&dealflow_core::LocalizedText> for LocalizedView {
    fn from(t: &dealflow_core::LocalizedText) -> LocalizedView {
        LocalizedView { ru: t.ru.clone(), en: t.en.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub code: String,
    pub name: LocalizedView,
    pub position: i32,
    pub description: LocalizedView,
    pub max_probability: u8,
    pub is_final: bool,
    pub is_won: bool,
    pub show_in_funnel: bool,
    pub show_in_progress_bar: bool,
    pub active: bool,
    /// The period for planning the next step, in days: an open deal on this stage without an
    /// open activity due within it is stale. 0: never.
    pub next_step_days: u16,
}

impl From<&Stage> for StageView {
    fn from(s: &Stage) -> StageView {
        StageView {
            code: s.code.to_string(),
            name: (&s.name).into(),
            position: s.position,
            description: (&s.description).into(),
            max_probability: s.max_probability,
            is_final: s.is_final,
            is_won: s.is_won,
            show_in_funnel: s.show_in_funnel,
            show_in_progress_bar: s.show_in_progress_bar,
            active: s.active,
            next_step_days: s.next_step_days,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    pub code: String,
    pub name: LocalizedView,
    pub effect: String,
    pub stage: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: LocalizedView,
    pub due: String,
    pub results: Vec<ResultView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuidanceView {
    pub tasks: LocalizedView,
    pub goal: LocalizedView,
    pub system: LocalizedView,
    pub next: LocalizedView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessStageView {
    pub stage: String,
    pub next: String,
    pub guidance: GuidanceView,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessView {
    pub code: String,
    pub version: u32,
    pub name: LocalizedView,
    pub active: bool,
    pub stages: Vec<ProcessStageView>,
}

impl From<&ProcessDefinition> for ProcessView {
    fn from(d: &ProcessDefinition) -> ProcessView {
        ProcessView {
            code: d.code.clone(),
            version: d.version,
            name: (&d.name).into(),
            active: d.active,
            stages: d
                .stages
                .iter()
                .map(|s| ProcessStageView {
                    stage: s.stage.to_string(),
                    next: s.next.to_string(),
                    guidance: GuidanceView {
                        tasks: (&s.guidance.tasks).into(),
                        goal: (&s.guidance.goal).into(),
                        system: (&s.guidance.system).into(),
                        next: (&s.guidance.next).into(),
                    },
                    steps: s
                        .steps
                        .iter()
                        .map(|step| StepView {
                            code: step.code.clone(),
                            kind: step.kind.as_str().to_owned(),
                            title: (&step.title).into(),
                            due: step.due.to_string(),
                            results: step
                                .results
                                .iter()
                                .map(|r| ResultView {
                                    code: r.code.clone(),
                                    name: (&r.name).into(),
                                    effect: match r.effect {
                                        ResultEffect::Advance => "advance".into(),
                                        ResultEffect::Close(_) => "close".into(),
                                    },
                                    stage: match &r.effect {
                                        ResultEffect::Advance => None,
                                        ResultEffect::Close(stage) => Some(stage.to_string()),
                                    },
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A list answer: `{items, next_cursor}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass it as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A whole small list in one page.
    pub fn all(items: Vec<T>) -> Page<T> {
        Page { items, next_cursor: None }
    }

    /// A page the services gave, each item shown as `view`.
    pub fn of<R>(page: crate::paging::Page<R>, view: impl FnMut(R) -> T) -> Page<T> {
        Page { items: page.items.into_iter().map(view).collect(), next_cursor: page.next }
    }
}
