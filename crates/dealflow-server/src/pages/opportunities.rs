//! Opportunities: the list with search and filters.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use dealflow_core::health::{Health, HealthLevel};
use dealflow_core::records::{OpportunityRecord, UserRecord};
use dealflow_core::{Locale, StageCatalog};
use serde::Deserialize;

use super::csv::{EXPORT_PAGE, Export};
use super::health::HealthMark;
use super::session::Viewer;
use super::sorting::{self, SortHeader, SortRequest};
use super::{Choice, Chrome, OrPage, PageResult, format};
use crate::Services;
use crate::paging::PageRequest;
use crate::services::OpportunityFilter;
use crate::services::OpportunitySort;

/// Rows per page of the list.
const LIST_PAGE: i64 = 50;

/// Names of people by id, for showing owners and authors.
pub(super) struct People(HashMap<String, String>);

impl People {
    pub(super) fn of(users: &[UserRecord]) -> People {
        People(users.iter().map(|u| (u.id.clone(), u.name.clone())).collect())
    }

    pub(super) async fn load(services: &Services, viewer: &Viewer) -> PageResult<People> {
        Ok(People::of(&services.users(&viewer.actor).await.or_page(viewer)?))
    }

    pub(super) fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_default()
    }
}

pub struct ListRow {
    pub id: String,
    pub title: String,
    pub account: String,
    pub stage: String,
    pub owner: String,
    pub amount: String,
    pub probability: String,
    pub close_date: String,
    pub next_activity: String,
    pub updated: String,
    pub closed: bool,
    /// No next step planned within its stage's period.
    pub stale: bool,
    /// While it is open.
    pub health: Option<HealthMark>,
}

#[derive(Template, WebTemplate)]
#[template(path = "opportunities.html")]
pub struct ListPage {
    chrome: Chrome,
    q: String,
    /// The order shown (column key, direction), kept by the filter form.
    sort: Option<(&'static str, &'static str)>,
    headers: Vec<SortHeader>,
    stages: Vec<Choice>,
    owners: Vec<Choice>,
    statuses: Vec<Choice>,
    healths: Vec<Choice>,
    rows: Vec<ListRow>,
    next: Option<String>,
    paged: bool,
    /// The CSV of what the filters show.
    export: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    stage: Option<String>,
    owner: Option<String>,
    status: Option<String>,
    health: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
}

pub(super) fn nonempty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The people the viewer may give work to, for owner pickers.
pub(super) async fn owner_choices(services: &Services, viewer: &Viewer, current: Option<&str>) -> PageResult<Vec<Choice>> {
    let people = services.assignable_people(&viewer.actor).await.or_page(viewer)?;
    Ok(people.into_iter().map(|u| Choice::new(u.id, u.name, current)).collect())
}

fn stage_choices(stages: &StageCatalog, locale: Locale, current: Option<&str>) -> Vec<Choice> {
    stages.all().iter().filter(|s| s.active).map(|s| Choice::new(s.code.as_str(), s.name.get(locale), current)).collect()
}

/// What list rows need besides the records: names of people and accounts, the currency.
pub(super) struct RowNames<'a> {
    pub(super) people: People,
    pub(super) accounts: &'a HashMap<String, String>,
    pub(super) currency: String,
    pub(super) stages: &'a StageCatalog,
    pub(super) locale: Locale,
    pub(super) zone: jiff::tz::TimeZone,
}

impl RowNames<'_> {
    pub(super) fn row(&self, o: &OpportunityRecord, next_activity: Option<jiff::Timestamp>) -> ListRow {
        ListRow {
            id: o.id.clone(),
            title: o.title.clone(),
            account: o.account_id.as_ref().and_then(|id| self.accounts.get(id)).cloned().unwrap_or_default(),
            stage: self.stages.get(o.stage.as_str()).map(|s| s.name.get(self.locale).to_owned()).unwrap_or_default(),
            owner: self.people.name(&o.owner_id),
            amount: format::opt_money(o.worth(), &self.currency, self.locale),
            probability: o.probability.map(|p| p.to_string()).unwrap_or_default(),
            close_date: o.close_date.as_deref().map(|d| format::date(d, self.locale)).unwrap_or_default(),
            next_activity: format::opt_instant(next_activity, &self.zone, self.locale),
            updated: format::instant(o.updated_at, &self.zone, self.locale),
            closed: self.stages.is_final(o.stage.as_str()),
            stale: false,
            health: None,
        }
    }
}

/// What the list's filters ask for.
fn filter_of(query: &ListQuery) -> OpportunityFilter {
    let status = nonempty(&query.status);
    OpportunityFilter {
        stage: nonempty(&query.stage),
        owner_id: nonempty(&query.owner),
        q: nonempty(&query.q).map(|q| q.to_lowercase()),
        stale: status.as_deref() == Some("stale"),
        health: nonempty(&query.health).filter(|level| HealthLevel::parse(level).is_some()),
        open: match status.as_deref() {
            Some("open") => Some(true),
            Some("closed") => Some(false),
            _ => None,
        },
        ..OpportunityFilter::default()
    }
}

/// What the list's filters show, newest first, as a CSV file.
pub async fn export(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let t = viewer.t();
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    let people = People::load(&services, &viewer).await?;
    let zone = viewer.actor.zone().clone();
    let filter = filter_of(&query);
    let when = |at: Option<jiff::Timestamp>| at.map(|at| format::stamp(at, &zone)).unwrap_or_default();
    let mut export =
        Export::new(&[t.title, t.account, t.stage, t.owner, t.amount, t.probability, t.expected_close, t.next_activity, t.updated]);
    let mut cursor: Option<Option<String>> = Some(None);
    while let Some(after) = cursor {
        let page = PageRequest::lenient(EXPORT_PAGE, after.as_deref());
        let found = services.opportunity_list(&viewer.actor, &filter, None, &page).await.or_page(&viewer)?;
        let rows = found.page.items.iter().map(|o| {
            vec![
                o.title.clone(),
                o.account_id.as_ref().and_then(|id| found.accounts.get(id)).cloned().unwrap_or_default(),
                stages.name_of(o.stage.as_str(), viewer.locale),
                people.name(&o.owner_id),
                o.worth().map(|m| m.to_string()).unwrap_or_default(),
                o.probability.map(|p| p.to_string()).unwrap_or_default(),
                o.close_date.clone().unwrap_or_default(),
                when(found.next_activity.get(&o.id).copied()),
                when(Some(o.updated_at)),
            ]
        });
        cursor = export.add(rows, found.page.next.clone()).map(Some);
    }
    Ok(export.download("dealflow-opportunities.csv"))
}

pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<ListQuery>) -> PageResult {
    let locale = viewer.locale;
    let t = viewer.t();
    let stages = services.stage_catalog().await.or_page(&viewer)?;
    let status = nonempty(&query.status);
    let filter = filter_of(&query);
    let request = SortRequest { sort: query.sort.as_deref(), dir: query.dir.as_deref(), cursor: query.cursor.as_deref() };
    let sorted = request.order::<OpportunitySort>(None);
    // A cursor that is not ours starts from the first page rather than failing.
    let page = PageRequest::lenient(LIST_PAGE, if sorted.is_some() { None } else { query.cursor.as_deref() });
    let found = services.opportunity_list(&viewer.actor, &filter, sorted.as_ref(), &page).await.or_page(&viewer)?;
    let names = RowNames {
        people: People::load(&services, &viewer).await?,
        accounts: &found.accounts,
        currency: services.currency().await.or_page(&viewer)?,
        stages: &stages,
        locale,
        zone: viewer.actor.zone().clone(),
    };
    let filters = [("q", &query.q), ("stage", &query.stage), ("owner", &query.owner), ("status", &query.status), ("health", &query.health)];
    let params: Vec<(&str, &str)> = filters.iter().map(|(key, value)| (*key, value.as_deref().unwrap_or(""))).collect();
    let next = found.page.next.as_ref().map(|cursor| sorting::next_page("/opportunities", &params, sorted.as_ref(), cursor));
    let filled = params.iter().filter(|(_, value)| !value.is_empty());
    let export = format!("/opportunities.csv?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(filled).finish());
    let columns = [
        (OpportunitySort::Title, t.title, false),
        (OpportunitySort::Account, t.account, false),
        (OpportunitySort::Stage, t.stage, false),
        (OpportunitySort::Owner, t.owner, false),
        (OpportunitySort::Amount, t.amount, true),
        (OpportunitySort::Probability, t.probability, true),
        (OpportunitySort::CloseDate, t.expected_close, false),
        (OpportunitySort::NextActivity, t.next_activity, false),
        (OpportunitySort::Updated, t.updated, false),
    ];
    let headers = sorting::headers("/opportunities", &params, &columns, sorted.as_ref(), None);
    let mut health = services.health_among(&found.page.items).await.or_page(&viewer)?;
    let page = ListPage {
        chrome: Chrome::load(&services, &viewer, "opportunities", "/opportunities").await?,
        q: query.q.clone().unwrap_or_default(),
        sort: sorting::kept(sorted.as_ref()),
        headers,
        stages: stage_choices(&stages, locale, filter.stage.as_deref()),
        owners: owner_choices(&services, &viewer, filter.owner_id.as_deref()).await?,
        statuses: vec![
            Choice::new("open", t.open_only, status.as_deref()),
            Choice::new("stale", t.deal().stale_only, status.as_deref()),
            Choice::new("closed", t.closed_only, status.as_deref()),
        ],
        healths: super::health::choices(t, filter.health.as_deref()),
        rows: found
            .page
            .items
            .iter()
            .map(|o| {
                let health = health.remove(&o.id);
                ListRow {
                    stale: health.as_ref().and_then(Health::stale_for).is_some(),
                    health: health.map(|h| super::health::mark(&h, t, locale)),
                    ..names.row(o, found.next_activity.get(&o.id).copied())
                }
            })
            .collect(),
        next,
        paged: query.cursor.is_some(),
        export,
    };
    Ok(page.into_response())
}
