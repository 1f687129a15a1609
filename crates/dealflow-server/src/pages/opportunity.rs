//! The opportunity page: the workflow bar, the action panel with the current visit's mini-cards,
//! the details and BANT block, participants, competitors, history, the Actions menu, the close
//! dialog and orders. The live part (bar, panel, history) is also served alone for the script.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dealflow_core::criteria::Unmet;
use dealflow_core::records::OpportunityRecord;
use dealflow_core::{Locale, StageCatalog};
use serde::Deserialize;

use super::i18n::Texts;
use super::opportunities::{People, owner_choices};
use super::session::Viewer;
use super::timeline::TimelineLine;
use super::{Choice, Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::services::OpportunityView;
use crate::{ServiceError, Services};

pub struct BarStage {
    pub code: String,
    pub name: String,
    /// `done`, `current` or `ahead`.
    pub state: &'static str,
    pub is_final: bool,
    pub won: bool,
}

pub struct MiniCard {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub due: String,
    pub overdue: bool,
    pub results: Vec<super::activities::ResultChoice>,
    pub error: Option<String>,
}

/// The part of the page that a completed mini-card or a stage change redraws in place.
pub struct Live {
    pub id: String,
    pub version: i64,
    pub bar: Vec<BarStage>,
    pub locked: bool,
    pub cards: Vec<MiniCard>,
    pub process: Option<String>,
    pub panel_note: Option<&'static str>,
    /// Closed without revenue, hours or reason: however it got there, the person is asked for them.
    pub closing_missing: bool,
    /// What keeps the finished stage from moving on by itself: the exit criteria unmet.
    pub waiting_on: Vec<String>,
    /// Nothing planned within the stage's period: what to say about it.
    pub stale_hint: Option<String>,
    /// While it is open: its health with every reason.
    pub health: Option<super::health::HealthPanel>,
    pub refusal: Option<LiveRefusal>,
    /// The timeline, newest first, and how many of its lines are shown.
    pub history: Vec<TimelineLine>,
    pub shown: usize,
}

/// A stage change refused, as the live part says it.
pub struct LiveRefusal {
    pub message: String,
    /// Each exit criterion that held the move back.
    pub unmet: Vec<String>,
    /// The stage a supervisor or administrator may move to anyway, with a reason: (code, name).
    pub override_to: Option<(String, String)>,
}

impl LiveRefusal {
    pub fn said(message: String) -> LiveRefusal {
        LiveRefusal { message, unmet: Vec::new(), override_to: None }
    }
}

/// Each unmet exit criterion as the reader is asked to meet it.
pub(super) fn unmet_words(unmet: &[Unmet], locale: Locale) -> Vec<String> {
    unmet.iter().map(|u| u.message.get(locale).to_owned()).collect()
}

/// How many lines of the timeline the page shows before "show all".
pub const TIMELINE_PAGE: usize = 30;

pub struct Details {
    pub title: String,
    pub owner_id: String,
    pub amount: String,
    pub probability: String,
    pub close_date: String,
    pub budget: String,
    pub budget_confirmed: bool,
    pub decision_maker_id: String,
    pub need: String,
    pub timeframe: String,
    pub tactic: String,
    pub presentation_id: String,
}

impl Details {
    fn of(o: &OpportunityRecord) -> Details {
        Details {
            title: o.title.clone(),
            owner_id: o.owner_id.clone(),
            amount: format::money_input(o.amount),
            probability: o.probability.map(|p| p.to_string()).unwrap_or_default(),
            close_date: o.close_date.clone().unwrap_or_default(),
            budget: format::money_input(o.budget),
            budget_confirmed: o.budget_confirmed,
            decision_maker_id: o.decision_maker_id.clone().unwrap_or_default(),
            need: o.need.clone().unwrap_or_default(),
            timeframe: o.timeframe.clone().unwrap_or_default(),
            tactic: o.tactic.clone().unwrap_or_default(),
            presentation_id: o.presentation_id.clone().unwrap_or_default(),
        }
    }
}

pub struct ParticipantLine {
    pub index: usize,
    pub name: String,
    pub role: String,
}

pub struct CompetitorLine {
    pub index: usize,
    pub name: String,
    pub note: String,
}

pub struct CloseForm {
    pub open: bool,
    pub stages: Vec<Choice>,
    /// The lost-reasons lookup (and a reason given through the API, as it was written).
    pub reasons: Vec<Choice>,
    /// The won-reasons lookup.
    pub won_reasons: Vec<Choice>,
    /// Which final stages are won: the dialog asks those for revenue, the others for a lost reason.
    pub won_stages: Vec<String>,
    pub revenue: String,
    pub hours: String,
    /// A supervisor or administrator may close won past unmet exit criteria, with a reason.
    pub may_override: bool,
    pub override_reason: String,
    pub errors: FormErrors,
}

pub struct Summary {
    pub stage: String,
    pub owner: String,
    /// The account: (id, name).
    pub account: Option<(String, String)>,
    pub amount: String,
    pub closed_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "opportunity.html")]
pub struct OpportunityPage {
    pub(super) chrome: Chrome,
    pub(super) live: Live,
    pub(super) summary: Summary,
    pub(super) hint: Option<String>,
    pub(super) flash: Option<&'static str>,
    pub(super) details: Details,
    pub(super) errors: FormErrors,
    /// The account and contact pickers of the details form.
    pub(super) pickers: Vec<super::pickers::PickerField>,
    /// A note being written, kept when it is refused, and why.
    pub(super) note: String,
    pub(super) note_errors: FormErrors,
    pub(super) decision_makers: Vec<Choice>,
    pub(super) articles: Vec<Choice>,
    pub(super) owners: Vec<Choice>,
    pub(super) participants: Vec<ParticipantLine>,
    pub(super) participant_contacts: Vec<Choice>,
    pub(super) participant_role: String,
    pub(super) participant_error: Option<String>,
    pub(super) competitors: Vec<CompetitorLine>,
    pub(super) competitor_name: String,
    pub(super) competitor_note: String,
    pub(super) competitor_error: Option<String>,
    pub(super) can_start: bool,
    pub(super) start_error: Option<String>,
    pub(super) close: CloseForm,
    pub(super) closed: bool,
    pub(super) won: bool,
    pub(super) orders: Vec<String>,
}

/// The live part on its own, for the script that redraws it in place.
#[derive(Template, WebTemplate)]
#[template(path = "opportunity_live.html")]
pub struct LivePartial {
    chrome: PartChrome,
    live: Live,
}

/// What a partial needs of the page around it.
pub struct PartChrome {
    pub t: &'static Texts,
    pub csrf: String,
}

/// The live part of the page from what the services answered.
fn live_part(viewer: &Viewer, view: &OpportunityView, stages: &StageCatalog, people: &People, now: jiff::Timestamp) -> Live {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    let t = viewer.t();
    let o = &view.opportunity;
    let closed = stages.is_final(o.stage.as_str());
    let current_position = stages.get(o.stage.as_str()).map(|s| s.position).unwrap_or(0);
    let bar = stages
        .all()
        .iter()
        .filter(|s| s.active && (s.show_in_progress_bar || s.code == o.stage))
        .map(|s| BarStage {
            code: s.code.as_str().to_owned(),
            name: s.name.get(locale).to_owned(),
            state: if s.code == o.stage {
                "current"
            } else if !s.is_final && s.position < current_position {
                "done"
            } else {
                "ahead"
            },
            is_final: s.is_final,
            won: s.is_won,
        })
        .collect();
    let mut cards = Vec::new();
    let mut process = None;
    let mut panel_note = None;
    match (&view.running, &view.definition) {
        (Some(instance), Some(definition)) => {
            process = Some(definition.name.get(locale).to_owned());
            let visit = instance.visits.get(&o.stage).copied();
            for a in view.activities.iter().filter(|a| {
                a.process_instance_id.as_deref() == Some(instance.id.as_str())
                    && a.stage.as_ref() == Some(&o.stage)
                    && a.stage_visit == visit
                    && a.status.is_open()
            }) {
                let step = definition.stage(o.stage.as_str()).and_then(|s| s.step(a.step.as_deref().unwrap_or("")));
                cards.push(MiniCard {
                    id: a.id.clone(),
                    title: a.title.get(locale).to_owned(),
                    kind: t.activity_type(a.kind),
                    due: format::opt_instant(a.due_at, zone, locale),
                    overdue: a.due_at.is_some_and(|d| d < now),
                    results: step.map(|s| super::activities::result_choices(&s.results, stages, locale)).unwrap_or_default(),
                    error: None,
                });
            }
            if cards.is_empty() && view.waiting_on.is_empty() {
                panel_note = Some(t.no_open_activities);
            }
        }
        _ if view.latest.is_some() => panel_note = Some(t.process_finished),
        _ => panel_note = Some(t.no_process),
    }
    let history = super::timeline::timeline(viewer, view, stages, people);
    Live {
        id: o.id.clone(),
        version: o.version,
        bar,
        locked: closed,
        cards,
        process,
        panel_note,
        closing_missing: closed && o.hours_spent.is_none() && o.close_reason.is_none(),
        waiting_on: unmet_words(&view.waiting_on, locale),
        stale_hint: view.health.as_ref().and_then(|h| h.stale_for()).map(|days| t.deal().stale_hint.replace("{days}", &days.to_string())),
        health: view.health.as_ref().map(|h| super::health::panel(h, t, locale)),
        refusal: None,
        history,
        shown: TIMELINE_PAGE,
    }
}

/// The whole page of the opportunity `id`, if the viewer may see it.
pub(super) async fn build_page(services: &Services, viewer: &Viewer, id: &str) -> PageResult<OpportunityPage> {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    let data = services.opportunity_page(&viewer.actor, id).await.or_page(viewer)?;
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let people = People::load(services, viewer).await?;
    let live = live_part(viewer, &data.view, &stages, &people, services.clock().now());
    let o = &data.view.opportunity;
    let currency = &data.currency;
    let choices = |lookup: &[dealflow_core::records::LostReason]| -> Vec<Choice> {
        lookup
            .iter()
            .filter(|r| r.active || o.close_reason.as_deref() == Some(r.code.as_str()))
            .map(|r| Choice::new(r.code.clone(), r.name.get(locale), o.close_reason.as_deref()))
            .collect()
    };
    let mut reasons = choices(&data.lost_reasons);
    let won_reasons = choices(&data.won_reasons);
    let known = |given: &str| data.lost_reasons.iter().chain(&data.won_reasons).any(|r| r.code == given);
    if let Some(given) = o.close_reason.as_deref().filter(|given| !known(given)) {
        reasons.push(Choice::new(given, given, Some(given)));
    }
    let contact_name = |id: &str| data.participants.get(id).map(|c| c.name.clone()).unwrap_or_default();
    let stage = stages.get(o.stage.as_str());
    let closed = stage.is_some_and(|s| s.is_final);
    let won = stage.is_some_and(|s| s.is_final && s.is_won);
    let final_stages: Vec<Choice> =
        stages.all().iter().filter(|s| s.active && s.is_final).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), None)).collect();
    let contacts_for = |current: &Option<String>| -> Vec<Choice> {
        data.account_contacts.iter().map(|c| Choice::new(c.id.clone(), c.name.clone(), current.as_deref())).collect()
    };
    Ok(OpportunityPage {
        chrome: Chrome::load(services, viewer, "opportunities", &format!("/opportunities/{}", o.id)).await?,
        summary: Summary {
            stage: stage.map(|s| s.name.get(locale).to_owned()).unwrap_or_default(),
            owner: people.name(&o.owner_id),
            account: data.account.as_ref().map(|a| (a.id.clone(), a.name.clone())),
            amount: format::opt_money(o.amount, currency, locale),
            closed_at: format::opt_instant(o.closed_at, zone, locale),
        },
        live,
        hint: None,
        flash: None,
        details: Details::of(o),
        errors: FormErrors::default(),
        pickers: super::pickers::Picked::of(None, o.account_id.clone(), o.contact_id.clone())
            .fields(services, viewer, &FormErrors::default(), &["account", "contact"])
            .await?,
        note: String::new(),
        note_errors: FormErrors::default(),
        decision_makers: contacts_for(&o.decision_maker_id),
        articles: data.articles.iter().map(|a| Choice::new(a.id.clone(), a.title.clone(), o.presentation_id.as_deref())).collect(),
        owners: owner_choices(services, viewer, Some(&o.owner_id)).await?,
        participants: o
            .participants
            .iter()
            .enumerate()
            .map(|(index, p)| ParticipantLine { index, name: contact_name(&p.contact_id), role: p.role.clone() })
            .collect(),
        participant_contacts: contacts_for(&None),
        participant_role: String::new(),
        participant_error: None,
        competitors: o
            .competitors
            .iter()
            .enumerate()
            .map(|(index, c)| CompetitorLine { index, name: c.name.clone(), note: c.note.clone() })
            .collect(),
        competitor_name: String::new(),
        competitor_note: String::new(),
        competitor_error: None,
        can_start: !closed && data.view.running.is_none(),
        start_error: None,
        close: CloseForm {
            open: false,
            stages: final_stages,
            revenue: format::money_input(o.actual_revenue.or(o.amount)),
            hours: o.hours_spent.map(|h| format::hours(h, locale)).unwrap_or_default(),
            reasons,
            won_reasons,
            won_stages: stages.all().iter().filter(|s| s.is_final && s.is_won).map(|s| s.code.to_string()).collect(),
            may_override: viewer.actor.require_overrider().is_ok(),
            override_reason: String::new(),
            errors: FormErrors::default(),
        },
        closed,
        won,
        orders: data
            .orders
            .iter()
            .map(|order| format!("{} — {}", format::instant(order.created_at, zone, locale), format::money(order.amount, currency, locale)))
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    started: Option<String>,
    saved: Option<String>,
    order: Option<String>,
    close: Option<String>,
    /// `all`: the whole timeline.
    timeline: Option<String>,
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(query): Query<PageQuery>) -> PageResult {
    let mut page = build_page(&services, &viewer, &id).await?;
    let t = viewer.t();
    if query.started.is_some() {
        page.hint = Some(crate::services::fill_in_hint().get(viewer.locale).to_owned());
    }
    if query.saved.is_some() {
        page.flash = Some(t.saved);
    }
    if query.timeline.as_deref() == Some("all") {
        page.live.shown = usize::MAX;
    }
    if query.order.is_some() {
        page.flash = Some(t.order_created);
    }
    if let Some(stage) = query.close.filter(|_| !page.closed) {
        page.close.open = true;
        page.close.stages.iter_mut().for_each(|c| c.selected = c.value == stage);
    }
    Ok(page.into_response())
}

/// Asked by the script: the live part alone.
pub(super) fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.get("x-fragment").is_some_and(|v| v == "live")
}

pub(super) async fn live_partial(services: &Services, viewer: &Viewer, id: &str, refusal: Option<LiveRefusal>) -> PageResult<LivePartial> {
    let view = services.opportunity_view(&viewer.actor, id).await.or_page(viewer)?;
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let people = People::load(services, viewer).await?;
    let mut live = live_part(viewer, &view, &stages, &people, services.clock().now());
    live.refusal = refusal;
    Ok(LivePartial { chrome: PartChrome { t: viewer.t(), csrf: viewer.csrf.clone() }, live })
}

pub async fn live(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    Ok(live_partial(&services, &viewer, &id, None).await?.into_response())
}

/// Shows a refusal of a command on the live part: in place for the script, on the whole page otherwise.
pub(super) async fn refuse_on_live(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    headers: &HeaderMap,
    refusal: LiveRefusal,
) -> PageResult {
    // Unmet criteria are a problem with the deal's data, the rest a conflict with its state.
    let status = if refusal.unmet.is_empty() { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    if wants_fragment(headers) {
        return Ok((status, live_partial(services, viewer, id, Some(refusal)).await?).into_response());
    }
    let mut page = build_page(services, viewer, id).await?;
    page.live.refusal = Some(refusal);
    Ok((status, page).into_response())
}

/// What a person reads when a command on this opportunity was refused.
pub(super) async fn refusal(services: &Services, viewer: &Viewer, id: &str, error: ServiceError) -> PageResult<String> {
    match error {
        ServiceError::VersionConflict { .. } => {
            let now = services.opportunity(&viewer.actor, id).await.or_page(viewer)?;
            let stages = services.stage_catalog().await.or_page(viewer)?;
            let name = stages.get(now.stage.as_str()).map(|s| s.name.get(viewer.locale).to_owned()).unwrap_or_default();
            Ok(viewer.t().conflict_at(&name))
        }
        other => refusal_words(viewer, other),
    }
}

/// A service's refusal in the viewer's words, or the error page when it is not theirs.
pub(super) fn refusal_words(viewer: &Viewer, error: ServiceError) -> PageResult<String> {
    error.message(viewer.locale).ok_or_else(|| PageError::service(viewer.locale, error))
}
