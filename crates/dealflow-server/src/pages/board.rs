//! The pipeline board: a column per active stage with its open deals' count and sum, cards that
//! say who owns a deal, how long it has stood and when its next activity is, filters by owner,
//! team and expected close, and moving a card to another stage — by dragging it (the script) or
//! by its own small form (keyboard, no script). A move carries the version the card showed, so a
//! stale one is refused as on the opportunity page; a final stage opens the close dialog.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dealflow_core::Money;
use jiff::civil::Date;
use serde::Deserialize;

use super::opportunities::{People, RowNames, nonempty};
use super::opportunity::refusal;
use super::session::{PageForm, Viewer};
use super::{Choice, Chrome, OrPage, PageResult, format, local_path};
use crate::Services;
use crate::services::BoardFilter;

pub struct Card {
    pub id: String,
    pub title: String,
    pub account: String,
    pub owner: String,
    pub amount: String,
    pub version: i64,
    pub days_in_stage: Option<i64>,
    pub next_activity: Option<String>,
    pub next_overdue: bool,
    /// No next step planned within its stage's period.
    pub stale: bool,
    /// While it is open.
    pub health: Option<super::health::HealthMark>,
}

pub struct Column {
    pub code: String,
    pub name: String,
    pub is_final: bool,
    pub won: bool,
    pub count: i64,
    pub total: String,
    pub cards: Vec<Card>,
    pub more: i64,
    pub filter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    chrome: Chrome,
    columns: Vec<Column>,
    open_count: i64,
    open_total: String,
    won_count: i64,
    won_total: String,
    lost_count: i64,
    lost_total: String,
    owners: Vec<Choice>,
    teams: Vec<Choice>,
    periods: Vec<Choice>,
    /// The stages a card may be moved to.
    moves: Vec<Choice>,
    here: String,
    filtered: bool,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    owner: Option<String>,
    team: Option<String>,
    close: Option<String>,
}

/// The expected-close periods a board offers, as (code, first day, last day) in the viewer's
/// calendar: this and next month, this and next quarter, and overdue (before today).
fn period(code: &str, today: Date) -> Option<(Option<Date>, Option<Date>)> {
    let month = today.first_of_month();
    let quarter = Date::new(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).ok()?;
    let next_month = month.checked_add(jiff::Span::new().months(1)).ok()?;
    let next_quarter = quarter.checked_add(jiff::Span::new().months(3)).ok()?;
    let last = |start: Date, months: i64| start.checked_add(jiff::Span::new().months(months)).ok()?.yesterday().ok();
    Some(match code {
        "this_month" => (Some(month), last(month, 1)),
        "next_month" => (Some(next_month), last(next_month, 1)),
        "this_quarter" => (Some(quarter), last(quarter, 3)),
        "next_quarter" => (Some(next_quarter), last(next_quarter, 3)),
        "overdue" => (None, today.yesterday().ok()),
        _ => return None,
    })
}

const PERIODS: [&str; 5] = ["this_month", "next_month", "this_quarter", "next_quarter", "overdue"];

fn period_words(code: &str, t: &super::i18n::Texts) -> &'static str {
    match code {
        "this_month" => t.close_this_month,
        "next_month" => t.close_next_month,
        "this_quarter" => t.close_this_quarter,
        "next_quarter" => t.close_next_quarter,
        _ => t.close_overdue,
    }
}

fn board_path(owner: Option<&str>, team: Option<&str>, close: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [("owner", owner), ("team", team), ("close", close)] {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    if query.is_empty() { "/board".to_owned() } else { format!("/board?{query}") }
}

async fn board_page(services: &Services, viewer: &Viewer, query: &BoardQuery, message: Option<String>) -> PageResult<BoardPage> {
    let locale = viewer.locale;
    let t = viewer.t();
    let (owner, team, close) = (nonempty(&query.owner), nonempty(&query.team).filter(|_| viewer.actor.is_admin()), nonempty(&query.close));
    let now = services.clock().now();
    let today = now.to_zoned_datetime(viewer.actor.zone().clone()).date();
    let days = close.as_deref().and_then(|code| period(code, today));
    let filter = BoardFilter {
        owner_id: owner.clone(),
        team: team.clone(),
        close_from: days.and_then(|(from, _)| from).map(|d| d.to_string()),
        close_to: days.and_then(|(_, to)| to).map(|d| d.to_string()),
    };
    let stages = services.stage_catalog().await.or_page(viewer)?;
    let board = services.board(&viewer.actor, &filter).await.or_page(viewer)?;
    let mut health = services.health_among(board.columns.iter().flat_map(|c| &c.rows)).await.or_page(viewer)?;
    let currency = services.currency().await.or_page(viewer)?;
    let names = RowNames {
        people: People::load(services, viewer).await?,
        accounts: &board.accounts,
        currency,
        stages: &stages,
        locale,
        zone: viewer.actor.zone().clone(),
    };
    let here = board_path(owner.as_deref(), team.as_deref(), close.as_deref());
    let sum = |pick: &dyn Fn(&dealflow_core::Stage) -> bool| {
        let chosen = board.columns.iter().filter(|c| pick(&c.stage));
        let (count, total) = chosen.fold((0, 0), |(n, s), c| (n + c.count, s + c.total.minor_units()));
        (count, format::money(Money::from_minor_units(total), &names.currency, locale))
    };
    let (open_count, open_total) = sum(&|s| !s.is_final);
    let (won_count, won_total) = sum(&|s| s.is_final && s.is_won);
    let (lost_count, lost_total) = sum(&|s| s.is_final && !s.is_won);
    let columns = board
        .columns
        .iter()
        .map(|column| Column {
            code: column.stage.code.as_str().to_owned(),
            name: column.stage.name.get(locale).to_owned(),
            is_final: column.stage.is_final,
            won: column.stage.is_won,
            count: column.count,
            total: format::money(column.total, &names.currency, locale),
            more: column.count - column.rows.len() as i64,
            cards: column
                .rows
                .iter()
                .map(|o| {
                    let row = names.row(o, None);
                    let (entered, next) = board.facts.get(&o.id).copied().unwrap_or_default();
                    let health = health.remove(&o.id);
                    Card {
                        id: row.id,
                        title: row.title,
                        account: row.account,
                        owner: row.owner,
                        amount: row.amount,
                        version: o.version,
                        days_in_stage: entered.map(|at| (now - at).as_secs().max(0) / 86_400),
                        next_activity: next.map(|at| format::instant(at, &names.zone, locale)),
                        next_overdue: next.is_some_and(|at| at < now),
                        stale: health.as_ref().and_then(dealflow_core::health::Health::stale_for).is_some(),
                        health: health.map(|h| super::health::mark(&h, t, locale)),
                    }
                })
                .collect(),
            filter: format!("/opportunities?stage={}", column.stage.code.as_str()),
        })
        .collect();
    let people = services.analytics_owners(&viewer.actor, team.as_deref()).await.or_page(viewer)?;
    let owners =
        if people.len() > 1 { people.into_iter().map(|u| Choice::new(u.id, u.name, owner.as_deref())).collect() } else { Vec::new() };
    let teams = services.analytics_teams(&viewer.actor).await.or_page(viewer)?;
    Ok(BoardPage {
        chrome: Chrome::load(services, viewer, "board", &here).await?,
        columns,
        open_count,
        open_total,
        won_count,
        won_total,
        lost_count,
        lost_total,
        owners,
        teams: teams.into_iter().map(|u| Choice::new(u.id, u.name, team.as_deref())).collect(),
        periods: PERIODS.iter().map(|p| Choice::new(*p, period_words(p, t), close.as_deref())).collect(),
        moves: stages.all().iter().filter(|s| s.active).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), None)).collect(),
        filtered: owner.is_some() || team.is_some() || close.is_some(),
        here,
        message,
    })
}

pub async fn board(State(services): State<Services>, viewer: Viewer, Query(query): Query<BoardQuery>) -> PageResult {
    Ok(board_page(&services, &viewer, &query, None).await?.into_response())
}

#[derive(Deserialize)]
pub struct MoveInput {
    id: String,
    stage: String,
    version: Option<i64>,
    #[serde(default)]
    back: String,
    /// A supervisor's reason to move on with exit criteria unmet (from the move's preview).
    override_reason: Option<String>,
}

/// A card moved to another stage. A final stage goes to the deal's close dialog, which asks for
/// the closing figures; any other is the same stage change as the workflow bar's.
pub async fn move_card(State(services): State<Services>, form: PageForm<MoveInput>) -> PageResult<Response> {
    let viewer = &form.viewer;
    let input = &form.input;
    let back = local_path(&input.back).filter(|p| p.starts_with("/board")).unwrap_or_else(|| "/board".to_owned());
    let stages = services.stage_catalog().await.or_page(viewer)?;
    if stages.is_final(&input.stage) {
        let target = format!(
            "/opportunities/{}?close={}#close-dialog",
            input.id,
            form_urlencoded::byte_serialize(input.stage.as_bytes()).collect::<String>()
        );
        return Ok(Redirect::to(&target).into_response());
    }
    let reason = input.override_reason.as_deref();
    match services.change_stage_overriding(&viewer.actor, &input.id, &input.stage, input.version, reason).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        // A deal out of sight is answered as missing, not as a refusal on the board.
        Err(error @ crate::ServiceError::NotFound) => Err(super::PageError::service(viewer.locale, error)),
        Err(error) => {
            let status = if matches!(error, crate::ServiceError::VersionConflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = refusal(&services, viewer, &input.id, error).await?;
            let query: BoardQuery = filters_of(&back);
            let page = board_page(&services, viewer, &query, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The board's filters read back from a path such as `/board?owner=…`.
fn filters_of(path: &str) -> BoardQuery {
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let mut found = BoardQuery::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "owner" => found.owner = Some(value.into_owned()),
            "team" => found.team = Some(value.into_owned()),
            "close" => found.close = Some(value.into_owned()),
            _ => {}
        }
    }
    found
}
