//! Opportunities: the list with search and filters, the board by stage, and the opportunity page
//! with its workflow bar, action panel, BANT block, participants, competitors, history, Actions
//! menu, close dialog and orders.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use dealflow_core::engine::StartedVia;
use dealflow_core::{Locale, StageCatalog};
use dealflow_store::queries::{activities, customers, lookups, opportunities, processes, users};
use dealflow_store::records::{Competitor, OpportunityRecord, Participant};
use serde::Deserialize;

use super::i18n::Texts;
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, FormErrors, PageError, PageResult, failed, format, read, scope};
use crate::api::{PageParams, Scope, cursor_for};
use crate::services::{CloseInput, HANDOFF_PROCESS, OpportunityChanges};
use crate::{ServiceError, Services};

/// Rows per page of the list, and cards per column of the board.
const LIST_PAGE: i64 = 50;
const BOARD_COLUMN: i64 = 30;
/// How many accounts, contacts and articles the pickers offer.
const PICKER_LIMIT: i64 = 500;

/// Names of people by id, for showing owners and authors.
struct People(HashMap<String, String>);

impl People {
    async fn load(services: &Services, locale: Locale) -> PageResult<People> {
        let mut conn = read(services, locale).await?;
        let all = users::list(&mut conn).await.map_err(failed(locale))?;
        Ok(People(all.into_iter().map(|u| (u.id, u.name)).collect()))
    }

    fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_default()
    }
}

async fn currency(services: &Services, locale: Locale) -> PageResult<String> {
    let mut conn = read(services, locale).await?;
    let value = lookups::setting(&mut conn, "currency").await.map_err(failed(locale))?;
    Ok(value.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "RUB".into()))
}

pub struct ListRow {
    pub id: String,
    pub title: String,
    pub account: String,
    pub stage: String,
    pub owner: String,
    pub amount: String,
    pub updated: String,
    pub closed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "opportunities.html")]
pub struct ListPage {
    chrome: Chrome,
    q: String,
    stages: Vec<Choice>,
    owners: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<ListRow>,
    next: Option<String>,
    paged: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    stage: Option<String>,
    owner: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
}

fn nonempty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The people whose records the viewer may see, for owner pickers.
async fn owner_choices(services: &Services, viewer: &Viewer, scope: &Scope, current: Option<&str>) -> PageResult<Vec<Choice>> {
    let mut conn = read(services, viewer.locale).await?;
    let all = users::list(&mut conn).await.map_err(failed(viewer.locale))?;
    Ok(all.into_iter().filter(|u| u.active && scope.allows(&u.id)).map(|u| Choice::new(u.id, u.name, current)).collect())
}

fn stage_choices(stages: &StageCatalog, locale: Locale, current: Option<&str>) -> Vec<Choice> {
    stages.all().iter().filter(|s| s.active).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), current)).collect()
}

/// What list rows need besides the records: names of people and accounts, the currency.
struct RowNames {
    people: People,
    currency: String,
    accounts: HashMap<String, String>,
}

impl RowNames {
    async fn load(services: &Services, locale: Locale) -> PageResult<RowNames> {
        Ok(RowNames {
            people: People::load(services, locale).await?,
            currency: currency(services, locale).await?,
            accounts: HashMap::new(),
        })
    }
}

async fn list_rows(
    services: &Services,
    viewer: &Viewer,
    names: &mut RowNames,
    rows: &[OpportunityRecord],
    stages: &StageCatalog,
) -> PageResult<Vec<ListRow>> {
    let locale = viewer.locale;
    let mut conn = read(services, locale).await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let account = match &o.account_id {
            Some(id) => match names.accounts.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = customers::get_account(&mut conn, id).await.map(|a| a.name).unwrap_or_default();
                    names.accounts.insert(id.clone(), name.clone());
                    name
                }
            },
            None => String::new(),
        };
        out.push(ListRow {
            id: o.id.clone(),
            title: o.title.clone(),
            account,
            stage: stages.get(o.stage.as_str()).map(|s| s.name.get(locale).to_owned()).unwrap_or_default(),
            owner: names.people.name(&o.owner_id),
            amount: format::opt_money(o.amount, &names.currency, locale),
            updated: format::instant(o.updated_at, locale),
            closed: stages.is_final(o.stage.as_str()),
        });
    }
    Ok(out)
}

pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let locale = viewer.locale;
    let t = viewer.t();
    let scope = scope(&services, &viewer).await?;
    let stages = services.stage_catalog().await.map_err(|e| PageError::service(locale, e))?;
    let status = nonempty(&query.status);
    let filter = opportunities::OpportunityFilter {
        stage: nonempty(&query.stage),
        owner_id: nonempty(&query.owner),
        q: nonempty(&query.q).map(|q| q.to_lowercase()),
        open: match status.as_deref() {
            Some("open") => Some(true),
            Some("closed") => Some(false),
            _ => None,
        },
    };
    // A cursor that is not ours starts from the first page rather than failing.
    let after = PageParams { limit: None, cursor: query.cursor.clone() }.after().unwrap_or(None);
    let mut conn = read(&services, locale).await?;
    let mut rows = opportunities::search(&mut conn, &filter, scope.owners(), after, LIST_PAGE + 1).await.map_err(failed(locale))?;
    drop(conn);
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let next = if more {
        rows.last().map(|o| {
            let mut params = form_urlencoded::Serializer::new(String::new());
            for (key, value) in [("q", &query.q), ("stage", &query.stage), ("owner", &query.owner), ("status", &query.status)] {
                if let Some(value) = value {
                    params.append_pair(key, value);
                }
            }
            params.append_pair("cursor", &cursor_for(o.created_at, &o.id));
            format!("/opportunities?{}", params.finish())
        })
    } else {
        None
    };
    let page = ListPage {
        chrome: Chrome::load(&services, &viewer, "opportunities", "/opportunities").await?,
        q: query.q.clone().unwrap_or_default(),
        stages: stage_choices(&stages, locale, filter.stage.as_deref()),
        owners: owner_choices(&services, &viewer, &scope, filter.owner_id.as_deref()).await?,
        statuses: vec![Choice::new("open", t.open_only, status.as_deref()), Choice::new("closed", t.closed_only, status.as_deref())],
        rows: list_rows(&services, &viewer, &mut RowNames::load(&services, locale).await?, &rows, &stages).await?,
        next,
        paged: query.cursor.is_some(),
    };
    Ok(page.into_response())
}

pub struct BoardColumn {
    pub name: String,
    pub count: i64,
    pub total: String,
    pub cards: Vec<ListRow>,
    pub more: i64,
    pub filter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    chrome: Chrome,
    columns: Vec<BoardColumn>,
    count: i64,
    total: String,
}

pub async fn board(State(services): State<Services>, viewer: Viewer) -> PageResult {
    let locale = viewer.locale;
    let scope = scope(&services, &viewer).await?;
    let stages = services.stage_catalog().await.map_err(|e| PageError::service(locale, e))?;
    let mut names = RowNames::load(&services, locale).await?;
    let currency = names.currency.clone();
    let mut conn = read(&services, locale).await?;
    let totals = opportunities::totals_by_stage(&mut conn, scope.owners()).await.map_err(failed(locale))?;
    let mut columns = Vec::new();
    let (mut count, mut total) = (0, 0);
    for stage in stages.all().iter().filter(|s| s.active) {
        let (n, sum) = totals.iter().find(|(code, ..)| stage.code == **code).map(|(_, n, sum)| (*n, *sum)).unwrap_or((0, 0));
        count += n;
        total += sum;
        let filter = opportunities::OpportunityFilter { stage: Some(stage.code.as_str().to_owned()), ..Default::default() };
        let rows = opportunities::search(&mut conn, &filter, scope.owners(), None, BOARD_COLUMN).await.map_err(failed(locale))?;
        columns.push(BoardColumn {
            name: stage.name.get(locale).to_owned(),
            count: n,
            total: format::money(dealflow_core::Money::from_minor_units(sum), &currency, locale),
            more: n - rows.len() as i64,
            cards: list_rows(&services, &viewer, &mut names, &rows, &stages).await?,
            filter: format!("/opportunities?stage={}", stage.code.as_str()),
        });
    }
    drop(conn);
    let page = BoardPage {
        chrome: Chrome::load(&services, &viewer, "board", "/board").await?,
        columns,
        count,
        total: format::money(dealflow_core::Money::from_minor_units(total), &currency, locale),
    };
    Ok(page.into_response())
}

// ---------------------------------------------------------------------------------------------
// The opportunity page

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
    pub results: Vec<Choice>,
    pub error: Option<String>,
}

pub struct HistoryLine {
    pub when: String,
    pub text: String,
    /// An activity's title: written by a process or by a person, so not checked for language.
    pub subject: String,
    pub who: String,
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
    pub message: Option<String>,
    pub history: Vec<HistoryLine>,
}

pub struct Details {
    pub title: String,
    pub account_id: String,
    pub contact_id: String,
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
            account_id: o.account_id.clone().unwrap_or_default(),
            contact_id: o.contact_id.clone().unwrap_or_default(),
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
    pub revenue: String,
    pub hours: String,
    pub reason: String,
    pub errors: FormErrors,
}

pub struct Summary {
    pub stage: String,
    pub owner: String,
    pub account: String,
    pub amount: String,
    pub closed_at: String,
    pub revenue: String,
    pub hours: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "opportunity.html")]
pub struct OpportunityPage {
    chrome: Chrome,
    live: Live,
    summary: Summary,
    hint: Option<String>,
    flash: Option<&'static str>,
    details: Details,
    errors: FormErrors,
    accounts: Vec<Choice>,
    contacts: Vec<Choice>,
    decision_makers: Vec<Choice>,
    articles: Vec<Choice>,
    owners: Vec<Choice>,
    participants: Vec<ParticipantLine>,
    participant_contacts: Vec<Choice>,
    participant_role: String,
    participant_error: Option<String>,
    competitors: Vec<CompetitorLine>,
    competitor_name: String,
    competitor_note: String,
    competitor_error: Option<String>,
    can_start: bool,
    start_error: Option<String>,
    close: CloseForm,
    closed: bool,
    won: bool,
    orders: Vec<String>,
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

/// The opportunity if the viewer may see it; 404 otherwise, exactly like a missing one.
async fn visible(services: &Services, viewer: &Viewer, id: &str) -> PageResult<(OpportunityRecord, Scope)> {
    let scope = scope(services, viewer).await?;
    let mut conn = read(services, viewer.locale).await?;
    let opportunity = opportunities::get(&mut conn, id).await.map_err(failed(viewer.locale))?;
    if !scope.allows(&opportunity.owner_id) {
        return Err(PageError::NotFound(viewer.locale));
    }
    Ok((opportunity, scope))
}

async fn load_live(services: &Services, viewer: &Viewer, o: &OpportunityRecord, stages: &StageCatalog) -> PageResult<Live> {
    let locale = viewer.locale;
    let t = viewer.t();
    let now = services.clock().now();
    let people = People::load(services, locale).await?;
    let mut conn = read(services, locale).await?;
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
    let running = processes::running_instance(&mut conn, &o.id).await.map_err(failed(locale))?;
    let latest = match &running {
        Some(_) => None,
        None => processes::latest_instance(&mut conn, &o.id).await.map_err(failed(locale))?,
    };
    let all_activities = activities::of_opportunity(&mut conn, &o.id).await.map_err(failed(locale))?;
    let mut cards = Vec::new();
    let mut process = None;
    let mut panel_note = None;
    match &running {
        Some(instance) => {
            let definition =
                services.definition(&instance.process_code, instance.process_version).await.map_err(|e| PageError::service(locale, e))?;
            process = Some(definition.name.get(locale).to_owned());
            let visit = instance.visits.get(&o.stage).copied();
            for a in all_activities.iter().filter(|a| {
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
                    due: format::opt_instant(a.due_at, locale),
                    overdue: a.due_at.is_some_and(|d| d < now),
                    results: step
                        .map(|s| s.results.iter().map(|r| Choice::new(r.code.clone(), r.name.get(locale), Some("done"))).collect())
                        .unwrap_or_default(),
                    error: None,
                });
            }
            if cards.is_empty() {
                panel_note = Some(t.no_open_activities);
            }
        }
        None if latest.is_some() => panel_note = Some(t.process_finished),
        None => panel_note = Some(t.no_process),
    }
    // History: stage changes and what happened to activities, newest first.
    let mut events: Vec<(jiff::Timestamp, HistoryLine)> = Vec::new();
    let stage_name = |code: &str| stages.get(code).map(|s| s.name.get(locale).to_owned()).unwrap_or_else(|| code.to_owned());
    for h in opportunities::history(&mut conn, &o.id).await.map_err(failed(locale))? {
        let text = match &h.from_stage {
            Some(from) => format!("{} → {}", stage_name(from.as_str()), stage_name(h.to_stage.as_str())),
            None => format!("{} {}{}{}", t.created_stage, t.quote_open, stage_name(h.to_stage.as_str()), t.quote_close),
        };
        let text = match h.visit {
            Some(visit) => format!("{text} ({} {visit})", t.visit),
            None => text,
        };
        let who = match &h.by_user_id {
            Some(id) if !h.by_process => people.name(id),
            _ => t.by_process.to_owned(),
        };
        events.push((h.at, HistoryLine { when: format::instant(h.at, locale), text, subject: String::new(), who }));
    }
    for a in &all_activities {
        let title = a.title.get(locale);
        events.push((
            a.created_at,
            HistoryLine {
                when: format::instant(a.created_at, locale),
                text: t.activity_created.to_owned(),
                subject: title.to_owned(),
                who: people.name(&a.owner_id),
            },
        ));
        let finished = match a.status {
            dealflow_core::engine::ActivityStatus::Completed => Some(t.activity_completed),
            dealflow_core::engine::ActivityStatus::Cancelled => Some(t.activity_cancelled),
            _ => None,
        };
        if let Some(what) = finished {
            let at = a.completed_at.unwrap_or(a.updated_at);
            let line = HistoryLine {
                when: format::instant(at, locale),
                text: what.to_owned(),
                subject: title.to_owned(),
                who: people.name(&a.owner_id),
            };
            events.push((at, line));
        }
    }
    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    Ok(Live {
        id: o.id.clone(),
        version: o.version,
        bar,
        locked: closed,
        cards,
        process,
        panel_note,
        message: None,
        history: events.into_iter().map(|(_, line)| line).collect(),
    })
}

async fn build_page(services: &Services, viewer: &Viewer, o: &OpportunityRecord, scope: &Scope) -> PageResult<OpportunityPage> {
    let locale = viewer.locale;
    let stages = services.stage_catalog().await.map_err(|e| PageError::service(locale, e))?;
    let live = load_live(services, viewer, o, &stages).await?;
    let currency = currency(services, locale).await?;
    let people = People::load(services, locale).await?;
    let mut conn = read(services, locale).await?;
    let fail = failed(locale);
    let accounts = customers::accounts(&mut conn, None, PICKER_LIMIT).await.map_err(&fail)?;
    let account_contacts = customers::contacts(&mut conn, None, o.account_id.as_deref(), PICKER_LIMIT).await.map_err(&fail)?;
    let all_contacts = customers::contacts(&mut conn, None, None, PICKER_LIMIT).await.map_err(&fail)?;
    let articles = lookups::articles(&mut conn, None, PICKER_LIMIT).await.map_err(&fail)?;
    let running = processes::running_instance(&mut conn, &o.id).await.map_err(&fail)?;
    let orders = customers::orders_of(&mut conn, &o.id).await.map_err(&fail)?;
    drop(conn);
    let contact_name = |id: &str| all_contacts.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
    let stage = stages.get(o.stage.as_str());
    let closed = stage.is_some_and(|s| s.is_final);
    let won = stage.is_some_and(|s| s.is_final && s.is_won);
    let pick = |v: &Option<String>| v.as_deref().map(str::to_owned);
    let final_stages: Vec<Choice> =
        stages.all().iter().filter(|s| s.active && s.is_final).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), None)).collect();
    let contacts_for = |current: &Option<String>| -> Vec<Choice> {
        account_contacts.iter().map(|c| Choice::new(c.id.clone(), c.name.clone(), current.as_deref())).collect()
    };
    Ok(OpportunityPage {
        chrome: Chrome::load(services, viewer, "opportunities", &format!("/opportunities/{}", o.id)).await?,
        summary: Summary {
            stage: stage.map(|s| s.name.get(locale).to_owned()).unwrap_or_default(),
            owner: people.name(&o.owner_id),
            account: o
                .account_id
                .as_deref()
                .and_then(|id| accounts.iter().find(|a| a.id == id))
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            amount: format::opt_money(o.amount, &currency, locale),
            closed_at: format::opt_instant(o.closed_at, locale),
            revenue: format::opt_money(o.actual_revenue, &currency, locale),
            hours: o.hours_spent.map(|h| format::hours(h, locale)).unwrap_or_default(),
            reason: o.close_reason.clone().unwrap_or_default(),
        },
        live,
        hint: None,
        flash: None,
        details: Details::of(o),
        errors: FormErrors::default(),
        accounts: accounts.iter().map(|a| Choice::new(a.id.clone(), a.name.clone(), pick(&o.account_id).as_deref())).collect(),
        contacts: contacts_for(&o.contact_id),
        decision_makers: contacts_for(&o.decision_maker_id),
        articles: articles.iter().map(|a| Choice::new(a.id.clone(), a.title.clone(), o.presentation_id.as_deref())).collect(),
        owners: owner_choices(services, viewer, scope, Some(&o.owner_id)).await?,
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
        can_start: !closed && running.is_none(),
        start_error: None,
        close: CloseForm {
            open: false,
            stages: final_stages,
            revenue: format::money_input(o.actual_revenue.or(o.amount)),
            hours: o.hours_spent.map(|h| h.to_string()).unwrap_or_default(),
            reason: o.close_reason.clone().unwrap_or_default(),
            errors: FormErrors::default(),
        },
        closed,
        won,
        orders: orders
            .iter()
            .map(|order| format!("{} — {}", format::instant(order.created_at, locale), format::money(order.amount, &currency, locale)))
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    started: Option<String>,
    saved: Option<String>,
    order: Option<String>,
    close: Option<String>,
}

pub async fn page(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>, Query(query): Query<PageQuery>) -> PageResult {
    let (opportunity, scope) = visible(&services, &viewer, &id).await?;
    let mut page = build_page(&services, &viewer, &opportunity, &scope).await?;
    let t = viewer.t();
    if query.started.is_some() {
        page.hint = Some(crate::services::fill_in_hint().get(viewer.locale).to_owned());
    }
    if query.saved.is_some() {
        page.flash = Some(t.saved);
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
fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.get("x-fragment").is_some_and(|v| v == "live")
}

async fn live_partial(services: &Services, viewer: &Viewer, id: &str, message: Option<String>) -> PageResult<LivePartial> {
    let (opportunity, _) = visible(services, viewer, id).await?;
    let stages = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
    let mut live = load_live(services, viewer, &opportunity, &stages).await?;
    live.message = message;
    Ok(LivePartial { chrome: PartChrome { t: viewer.t(), csrf: viewer.csrf.clone() }, live })
}

pub async fn live(State(services): State<Services>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    Ok(live_partial(&services, &viewer, &id, None).await?.into_response())
}

/// Shows a refusal of a command on the live part: in place for the script, on the whole page otherwise.
async fn refuse_on_live(services: &Services, viewer: &Viewer, id: &str, headers: &HeaderMap, message: String) -> PageResult {
    if wants_fragment(headers) {
        return Ok((StatusCode::CONFLICT, live_partial(services, viewer, id, Some(message)).await?).into_response());
    }
    let (opportunity, scope) = visible(services, viewer, id).await?;
    let mut page = build_page(services, viewer, &opportunity, &scope).await?;
    page.live.message = Some(message);
    Ok((StatusCode::CONFLICT, page).into_response())
}

/// What a person reads when a command on this opportunity was refused.
async fn refusal(services: &Services, viewer: &Viewer, id: &str, error: ServiceError) -> PageResult<String> {
    let t = viewer.t();
    match error {
        ServiceError::VersionConflict { .. } => {
            let (now, _) = visible(services, viewer, id).await?;
            let stages = services.stage_catalog().await.map_err(|e| PageError::service(viewer.locale, e))?;
            let name = stages.get(now.stage.as_str()).map(|s| s.name.get(viewer.locale).to_owned()).unwrap_or_default();
            Ok(t.conflict_at(&name))
        }
        other => t.service_error(&other).ok_or_else(|| PageError::service(viewer.locale, other)),
    }
}

#[derive(Deserialize)]
pub struct StageInput {
    stage: String,
    version: Option<i64>,
}

/// A click on the workflow bar (R6); the version the person saw must still hold.
pub async fn change_stage(
    State(services): State<Services>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: PageForm<StageInput>,
) -> PageResult {
    let viewer = &form.viewer;
    visible(&services, viewer, &id).await?;
    match services.change_stage(&viewer.user.id, &id, &form.input.stage, form.input.version).await {
        Ok(_) if wants_fragment(&headers) => Ok(live_partial(&services, viewer, &id, None).await?.into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        Err(error) => {
            let message = refusal(&services, viewer, &id, error).await?;
            refuse_on_live(&services, viewer, &id, &headers, message).await
        }
    }
}

#[derive(Deserialize)]
pub struct CloseFields {
    stage: String,
    actual_revenue: Option<String>,
    hours_spent: Option<String>,
    close_reason: Option<String>,
}

/// The close dialog: a final stage with revenue, hours and reason (R9).
pub async fn close(State(services): State<Services>, Path(id): Path<String>, form: PageForm<CloseFields>) -> PageResult {
    let viewer = &form.viewer;
    let t = viewer.t();
    let input = &form.input;
    let (opportunity, scope) = visible(&services, viewer, &id).await?;
    let mut errors = FormErrors::default();
    let revenue = match format::parse_money(input.actual_revenue.as_deref().unwrap_or("")) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(())) => {
            errors.add("actual_revenue", t.must_be_money);
            None
        }
    };
    let hours_text = input.hours_spent.as_deref().unwrap_or("").trim().replace(',', ".");
    let hours = if hours_text.is_empty() {
        None
    } else {
        match hours_text.parse::<f64>() {
            Ok(h) if h.is_finite() && h >= 0.0 => Some(h),
            _ => {
                errors.add("hours_spent", t.must_be_hours);
                None
            }
        }
    };
    if errors.is_empty() {
        let reason = nonempty(&input.close_reason);
        let close = CloseInput { stage: input.stage.clone(), actual_revenue: revenue, hours_spent: hours, close_reason: reason };
        match services.close(&viewer.user.id, &id, &close).await {
            Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
            Err(error @ (ServiceError::Engine(_) | ServiceError::Validation(_))) => {
                errors = FormErrors::from_service(t, &error).unwrap_or_default();
                if let ServiceError::Engine(_) = error {
                    errors = FormErrors::default();
                    errors.add("stage", t.service_error(&error).unwrap_or_default());
                }
            }
            Err(other) => return Err(PageError::service(viewer.locale, other)),
        }
    }
    let mut page = build_page(&services, viewer, &opportunity, &scope).await?;
    page.close = CloseForm {
        open: true,
        stages: page
            .close
            .stages
            .into_iter()
            .map(|mut c| {
                c.selected = c.value == input.stage;
                c
            })
            .collect(),
        revenue: input.actual_revenue.clone().unwrap_or_default(),
        hours: input.hours_spent.clone().unwrap_or_default(),
        reason: input.close_reason.clone().unwrap_or_default(),
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct DetailsInput {
    version: Option<i64>,
    title: String,
    account_id: Option<String>,
    contact_id: Option<String>,
    owner_id: Option<String>,
    amount: Option<String>,
    probability: Option<String>,
    close_date: Option<String>,
    budget: Option<String>,
    budget_confirmed: Option<String>,
    decision_maker_id: Option<String>,
    need: Option<String>,
    timeframe: Option<String>,
    tactic: Option<String>,
    presentation_id: Option<String>,
}

fn check_date(errors: &mut FormErrors, t: &Texts, field: &str, value: &Option<String>) -> Option<String> {
    let text = nonempty(value)?;
    let valid = text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok();
    if !valid {
        errors.add(field, t.must_be_date);
        return None;
    }
    Some(text)
}

fn check_money(errors: &mut FormErrors, t: &Texts, field: &str, value: &Option<String>) -> Option<dealflow_core::Money> {
    match format::parse_money(value.as_deref().unwrap_or("")) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(())) => {
            errors.add(field, t.must_be_money);
            None
        }
    }
}

/// The details and BANT form: every field checked here, in the person's language, before the
/// service sees it; on a problem the form comes back with what was typed.
pub async fn save_details(State(services): State<Services>, Path(id): Path<String>, form: PageForm<DetailsInput>) -> PageResult {
    let viewer = &form.viewer;
    let t = viewer.t();
    let input = &form.input;
    let (opportunity, scope) = visible(&services, viewer, &id).await?;
    let mut errors = FormErrors::default();
    if input.title.trim().is_empty() {
        errors.add("title", t.required);
    }
    let amount = check_money(&mut errors, t, "amount", &input.amount);
    let budget = check_money(&mut errors, t, "budget", &input.budget);
    let probability = match nonempty(&input.probability) {
        None => None,
        Some(text) => match text.parse::<u8>() {
            Ok(p) if p <= 100 => Some(p),
            _ => {
                errors.add("probability", t.must_be_percent);
                None
            }
        },
    };
    let close_date = check_date(&mut errors, t, "close_date", &input.close_date);
    let timeframe = check_date(&mut errors, t, "timeframe", &input.timeframe);
    let owner = nonempty(&input.owner_id).unwrap_or_else(|| opportunity.owner_id.clone());
    if !scope.allows(&owner) {
        errors.add("owner_id", t.not_in_team);
    }
    if errors.is_empty() {
        let changes = OpportunityChanges {
            title: Some(input.title.trim().to_owned()),
            account_id: Some(nonempty(&input.account_id)),
            contact_id: Some(nonempty(&input.contact_id)),
            owner_id: (owner != opportunity.owner_id).then_some(owner),
            amount: Some(amount),
            probability: Some(probability),
            close_date: Some(close_date),
            budget: Some(budget),
            budget_confirmed: Some(input.budget_confirmed.is_some()),
            decision_maker_id: Some(nonempty(&input.decision_maker_id)),
            need: Some(nonempty(&input.need)),
            timeframe: Some(timeframe),
            tactic: Some(nonempty(&input.tactic)),
            presentation_id: Some(nonempty(&input.presentation_id)),
            ..Default::default()
        };
        match services.update_opportunity(&id, changes, input.version).await {
            Ok(_) => return Ok(Redirect::to(&format!("/opportunities/{id}?saved=1#details")).into_response()),
            Err(error) => match FormErrors::from_service(t, &error) {
                Some(found) => errors = found,
                None => return Err(PageError::service(viewer.locale, error)),
            },
        }
    }
    // Back with what was typed; a conflict shows the record's new version so that saving again works.
    let (current, _) = visible(&services, viewer, &id).await?;
    let mut page = build_page(&services, viewer, &current, &scope).await?;
    page.details = Details {
        title: input.title.clone(),
        account_id: input.account_id.clone().unwrap_or_default(),
        contact_id: input.contact_id.clone().unwrap_or_default(),
        owner_id: input.owner_id.clone().unwrap_or_default(),
        amount: input.amount.clone().unwrap_or_default(),
        probability: input.probability.clone().unwrap_or_default(),
        close_date: input.close_date.clone().unwrap_or_default(),
        budget: input.budget.clone().unwrap_or_default(),
        budget_confirmed: input.budget_confirmed.is_some(),
        decision_maker_id: input.decision_maker_id.clone().unwrap_or_default(),
        need: input.need.clone().unwrap_or_default(),
        timeframe: input.timeframe.clone().unwrap_or_default(),
        tactic: input.tactic.clone().unwrap_or_default(),
        presentation_id: input.presentation_id.clone().unwrap_or_default(),
    };
    let keep = |choices: &mut Vec<Choice>, value: &str| choices.iter_mut().for_each(|c| c.selected = c.value == value);
    keep(&mut page.accounts, &page.details.account_id);
    keep(&mut page.contacts, &page.details.contact_id);
    keep(&mut page.decision_makers, &page.details.decision_maker_id);
    keep(&mut page.articles, &page.details.presentation_id);
    keep(&mut page.owners, &page.details.owner_id);
    page.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct ListChange {
    version: Option<i64>,
    /// `add` or `remove`.
    action: String,
    index: Option<usize>,
    contact_id: Option<String>,
    role: Option<String>,
    name: Option<String>,
    note: Option<String>,
}

/// Which list of the opportunity a form changes.
#[derive(Clone, Copy, PartialEq)]
enum ListKind {
    Participants,
    Competitors,
}

/// The list as the form asks it to be, or what is missing from the form.
fn changed_list(kind: ListKind, o: &OpportunityRecord, input: &ListChange) -> Result<OpportunityChanges, ()> {
    let mut participants = o.participants.clone();
    let mut competitors = o.competitors.clone();
    match (kind, input.action.as_str()) {
        (ListKind::Participants, "add") => match (nonempty(&input.contact_id), nonempty(&input.role)) {
            (Some(contact_id), Some(role)) => participants.push(Participant { contact_id, role }),
            _ => return Err(()),
        },
        (ListKind::Competitors, "add") => match nonempty(&input.name) {
            Some(name) => competitors.push(Competitor { name, note: nonempty(&input.note).unwrap_or_default() }),
            None => return Err(()),
        },
        (ListKind::Participants, _) => {
            if let Some(i) = input.index.filter(|i| *i < participants.len()) {
                participants.remove(i);
            }
        }
        (ListKind::Competitors, _) => {
            if let Some(i) = input.index.filter(|i| *i < competitors.len()) {
                competitors.remove(i);
            }
        }
    }
    Ok(match kind {
        ListKind::Participants => OpportunityChanges { participants: Some(participants), ..Default::default() },
        ListKind::Competitors => OpportunityChanges { competitors: Some(competitors), ..Default::default() },
    })
}

/// Adds or removes a participant or a competitor; a refused form comes back with what was typed.
async fn change_list(services: &Services, id: &str, form: PageForm<ListChange>, kind: ListKind) -> PageResult {
    let viewer = &form.viewer;
    let t = viewer.t();
    let input = &form.input;
    if !matches!(input.action.as_str(), "add" | "remove") {
        return Err(PageError::BadRequest(viewer.locale));
    }
    let (opportunity, scope) = visible(services, viewer, id).await?;
    let outcome = match changed_list(kind, &opportunity, input) {
        Err(()) => Err(t.required.to_owned()),
        Ok(changes) => match services.update_opportunity(id, changes, input.version).await {
            Ok(_) => Ok(()),
            Err(error) => Err(t.service_error(&error).ok_or_else(|| PageError::service(viewer.locale, error))?),
        },
    };
    let anchor = if kind == ListKind::Participants { "participants" } else { "competitors" };
    let Err(message) = outcome else { return Ok(Redirect::to(&format!("/opportunities/{id}#{anchor}")).into_response()) };
    let (current, _) = visible(services, viewer, id).await?;
    let mut page = build_page(services, viewer, &current, &scope).await?;
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    match kind {
        ListKind::Participants => {
            page.participant_error = Some(message);
            page.participant_role = typed(&input.role);
            let contact = typed(&input.contact_id);
            page.participant_contacts.iter_mut().for_each(|c| c.selected = c.value == contact);
        }
        ListKind::Competitors => {
            page.competitor_error = Some(message);
            page.competitor_name = typed(&input.name);
            page.competitor_note = typed(&input.note);
        }
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn change_participants(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ListChange>) -> PageResult {
    change_list(&services, &id, form, ListKind::Participants).await
}

pub async fn change_competitors(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ListChange>) -> PageResult {
    change_list(&services, &id, form, ListKind::Competitors).await
}

#[derive(Deserialize)]
pub struct StartInput {
    code: Option<String>,
}

/// «Действия» → "Run enterprise sales process" (SPEC §4.3, R2).
pub async fn start_process(State(services): State<Services>, Path(id): Path<String>, form: PageForm<StartInput>) -> PageResult {
    let viewer = &form.viewer;
    let (opportunity, scope) = visible(&services, viewer, &id).await?;
    let code = nonempty(&form.input.code).unwrap_or_else(|| HANDOFF_PROCESS.to_owned());
    match services.start_process(&viewer.user.id, &code, Some(&id), StartedVia::OpportunityPage).await {
        Ok(_) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        Err(error) => {
            let message = viewer.t().service_error(&error).ok_or_else(|| PageError::service(viewer.locale, error))?;
            let mut page = build_page(&services, viewer, &opportunity, &scope).await?;
            page.start_error = Some(message);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// "Create order" on a won opportunity.
pub async fn create_order(
    State(services): State<Services>,
    Path(id): Path<String>,
    form: PageForm<super::session::NoFields>,
) -> PageResult {
    let viewer = &form.viewer;
    visible(&services, viewer, &id).await?;
    services.create_order(&viewer.user.id, &id).await.map_err(|e| PageError::service(viewer.locale, e))?;
    Ok(Redirect::to(&format!("/opportunities/{id}?order=1")).into_response())
}
