//! Opportunities: the list with search and filters, and the board by stage with per-stage totals.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::{Locale, StageCatalog};
use dealflow_store::queries::{customers, lookups, opportunities, users};
use dealflow_store::records::OpportunityRecord;
use serde::Deserialize;

use super::session::Viewer;
use super::{Choice, Chrome, PageError, PageResult, failed, format, read, scope};
use crate::Services;
use crate::api::{PageParams, Scope, cursor_for};

/// Rows per page of the list, and cards per column of the board.
const LIST_PAGE: i64 = 50;
const BOARD_COLUMN: i64 = 30;

/// Names of people by id, for showing owners and authors.
pub(super) struct People(HashMap<String, String>);

impl People {
    pub(super) async fn load(services: &Services, locale: Locale) -> PageResult<People> {
        let mut conn = read(services, locale).await?;
        let all = users::list(&mut conn).await.map_err(failed(locale))?;
        Ok(People(all.into_iter().map(|u| (u.id, u.name)).collect()))
    }

    pub(super) fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_default()
    }
}

/// The installation's currency (setting `currency`, RUB when unset).
pub(super) async fn currency(conn: &mut dealflow_store::ReadConn, locale: Locale) -> PageResult<String> {
    let value = lookups::setting(conn, "currency").await.map_err(failed(locale))?;
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

pub(super) fn nonempty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The people whose records the viewer may see, for owner pickers.
pub(super) async fn owner_choices(services: &Services, viewer: &Viewer, scope: &Scope, current: Option<&str>) -> PageResult<Vec<Choice>> {
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
            currency: currency(&mut read(services, locale).await?, locale).await?,
            accounts: HashMap::new(),
        })
    }
}

/// Rows for the list and the board, read on the caller's connection (holding a second one
/// while waiting for another could exhaust the pool under load).
async fn list_rows(
    conn: &mut dealflow_store::ReadConn,
    locale: Locale,
    names: &mut RowNames,
    rows: &[OpportunityRecord],
    stages: &StageCatalog,
) -> PageResult<Vec<ListRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let account = match &o.account_id {
            Some(id) => match names.accounts.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = customers::get_account(conn, id).await.map(|a| a.name).unwrap_or_default();
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
    let mut names = RowNames::load(&services, locale).await?;
    // A cursor that is not ours starts from the first page rather than failing.
    let after = PageParams { limit: None, cursor: query.cursor.clone() }.after().unwrap_or(None);
    let mut conn = read(&services, locale).await?;
    let mut rows = opportunities::search(&mut conn, &filter, scope.owners(), after, LIST_PAGE + 1).await.map_err(failed(locale))?;
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let shown = list_rows(&mut conn, locale, &mut names, &rows, &stages).await?;
    drop(conn);
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
        rows: shown,
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
            cards: list_rows(&mut conn, locale, &mut names, &rows, &stages).await?,
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
