//! Opportunities: the list and the board, one opportunity and what its page shows, creating and
//! editing them, and orders from won ones.

use std::collections::HashMap;
use std::sync::Arc;

use dealflow_core::check::{self, Invalid, MAX_TEXT, MAX_TITLE, Problems};
use dealflow_core::criteria::Unmet;
use dealflow_core::health::Health;
use dealflow_core::records::{
    AccountRecord, ActivityRecord, Competitor, ContactRecord, HistoryRecord, InstanceRecord, KnowledgeRecord, LostReason, NoteRecord,
    NoteTarget, OpportunityRecord, OrderRecord, Participant, UserRecord,
};
use dealflow_core::{Money, ProcessDefinition, Stage};
use dealflow_store::{OpportunityFilter, OpportunitySort, Reader, Sorted};

use super::process::locked;
use super::references::{Ref, assignee, check_reference};
use super::webhooks;
use super::{ClosingFigures, Services};
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;
use crate::paging::{Page, PageRequest};

/// How many contacts and articles an opportunity page's choices offer.
const PICKER_LIMIT: i64 = 500;
/// Cards per column of the board.
const BOARD_COLUMN: i64 = 30;

#[derive(Debug, Clone, Default)]
pub struct NewOpportunity {
    pub title: String,
    /// The actor when not given.
    pub owner_id: Option<String>,
    /// The first stage by position when not given.
    pub stage: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub amount: Option<Money>,
    pub probability: Option<u8>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
    pub budget: Option<Money>,
    pub need: Option<String>,
}

/// What a change of an opportunity sets; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct OpportunityChanges {
    pub title: Option<String>,
    pub account_id: Option<Option<String>>,
    pub contact_id: Option<Option<String>>,
    pub owner_id: Option<String>,
    pub amount: Option<Option<Money>>,
    pub probability: Option<Option<u8>>,
    pub close_date: Option<Option<String>>,
    pub budget: Option<Option<Money>>,
    pub budget_confirmed: Option<bool>,
    pub decision_maker_id: Option<Option<String>>,
    pub need: Option<Option<String>>,
    pub timeframe: Option<Option<String>>,
    pub tactic: Option<Option<String>>,
    pub participants: Option<Vec<Participant>>,
    pub competitors: Option<Vec<Competitor>>,
    pub presentation_id: Option<Option<String>>,
    pub actual_revenue: Option<Option<Money>>,
    pub hours_spent: Option<Option<f64>>,
    pub close_reason: Option<Option<String>>,
}

/// A page of the list with the names of the accounts its rows name.
pub struct OpportunityList {
    pub page: Page<OpportunityRecord>,
    pub accounts: HashMap<String, String>,
    /// The soonest start or due time of each row's open activities.
    pub next_activity: HashMap<String, jiff::Timestamp>,
}

pub struct BoardColumn {
    pub stage: Stage,
    /// Every opportunity of the stage the actor may see, and their total amount…
    pub count: i64,
    pub total: Money,
    /// …and the newest of them.
    pub rows: Vec<OpportunityRecord>,
}

/// The pipeline board: a column per active stage.
pub struct Board {
    pub columns: Vec<BoardColumn>,
    pub accounts: HashMap<String, String>,
    /// Per card: when it entered its stage, and its next open activity's time.
    pub facts: HashMap<String, (Option<jiff::Timestamp>, Option<jiff::Timestamp>)>,
}

/// What the board shows: one owner's deals, one supervisor's team (administrators), the deals
/// expected to close within two days (inclusive, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub owner_id: Option<String>,
    pub team: Option<String>,
    pub close_from: Option<String>,
    pub close_to: Option<String>,
}

/// What an opportunity page redraws in place: the record, its process and what happened to it.
pub struct OpportunityView {
    pub opportunity: OpportunityRecord,
    pub running: Option<InstanceRecord>,
    /// The last instance when none is running.
    pub latest: Option<InstanceRecord>,
    /// The running instance's definition.
    pub definition: Option<Arc<ProcessDefinition>>,
    pub activities: Vec<ActivityRecord>,
    pub history: Vec<HistoryRecord>,
    /// The newest notes on it.
    pub notes: Vec<NoteRecord>,
    /// The exit criteria a finished stage visit waits on before the process moves on (R7).
    pub waiting_on: Vec<Unmet>,
    /// How it is doing and why, while it is open.
    pub health: Option<Health>,
}

/// How many notes an opportunity's timeline reads.
const TIMELINE_NOTES: i64 = 500;

/// Everything an opportunity's page shows.
pub struct OpportunityPage {
    pub view: OpportunityView,
    pub account: Option<AccountRecord>,
    pub account_contacts: Vec<ContactRecord>,
    /// The contacts that participants name, by id.
    pub participants: HashMap<String, ContactRecord>,
    pub articles: Vec<KnowledgeRecord>,
    pub orders: Vec<OrderRecord>,
    pub lost_reasons: Vec<LostReason>,
    pub won_reasons: Vec<LostReason>,
    pub currency: String,
}

fn check_day(field: &str, value: Option<&str>) -> Result<()> {
    match value.map(check::day) {
        Some(Err(invalid)) => Err(ServiceError::invalid(field, invalid)),
        _ => Ok(()),
    }
}

fn check_percent(value: Option<u8>) -> Result<()> {
    match value.map(|p| check::percent(i64::from(p))) {
        Some(Err(invalid)) => Err(ServiceError::invalid("probability", invalid)),
        _ => Ok(()),
    }
}

/// The opportunity `id` if the actor may see it; `NotFound` otherwise, as if it did not exist.
async fn visible(conn: &mut Reader, actor: &Actor, id: &str) -> Result<OpportunityRecord> {
    let opportunity = conn.opportunities().get(id).await?;
    actor.check_sees(&opportunity.owner_id)?;
    Ok(opportunity)
}

/// Names of the accounts `rows` name, read on the caller's connection.
impl Services {
    /// One opportunity, if the actor may see it.
    pub async fn opportunity(&self, actor: &Actor, id: &str) -> Result<OpportunityRecord> {
        visible(&mut self.store.read().await?, actor, id).await
    }

    /// One opportunity with its running or last process instance.
    pub async fn opportunity_with_process(&self, actor: &Actor, id: &str) -> Result<(OpportunityRecord, Option<InstanceRecord>)> {
        let mut conn = self.store.read().await?;
        let opportunity = visible(&mut conn, actor, id).await?;
        let process = conn.processes().latest_instance(id).await?;
        Ok((opportunity, process))
    }

    /// A page of the opportunities the actor may see, newest first.
    pub async fn opportunities(&self, actor: &Actor, filter: &OpportunityFilter, page: &PageRequest) -> Result<Page<OpportunityRecord>> {
        let mut conn = self.store.read().await?;
        let rows = conn.opportunities().search(filter, actor.owners(), page.after.clone(), page.limit + 1).await?;
        Ok(Page::of(rows, page.limit, |o| (o.created_at, &o.id)))
    }

    /// As [`Services::opportunities`], or sorted by a column (then `page` only gives the length
    /// and the next page is named by its offset), with the names of the accounts and the next
    /// activity of the list's rows.
    pub async fn opportunity_list(
        &self,
        actor: &Actor,
        filter: &OpportunityFilter,
        sorted: Option<&Sorted<OpportunitySort>>,
        page: &PageRequest,
    ) -> Result<OpportunityList> {
        let page = match sorted {
            None => self.opportunities(actor, filter, page).await?,
            Some(sorted) => {
                let rows = self.store.read().await?.opportunities().sorted(filter, actor.owners(), sorted, page.limit + 1).await?;
                Page::at_offset(rows, sorted.offset, page.limit)
            }
        };
        let mut conn = self.store.read().await?;
        let accounts = conn.accounts().names(&page.items.iter().filter_map(|o| o.account_id.clone()).collect::<Vec<_>>()).await?;
        let ids: Vec<String> = page.items.iter().map(|o| o.id.clone()).collect();
        let next_activity = conn.opportunities().next_activity(&ids, None).await?.into_iter().collect();
        Ok(OpportunityList { page, accounts, next_activity })
    }

    /// The board: per active stage, how many opportunities the actor may see, their total, and
    /// the newest of them.
    pub async fn board(&self, actor: &Actor, filter: &BoardFilter) -> Result<Board> {
        let stages = self.stage_catalog().await?;
        // A team an administrator names, then one owner within what is left in sight.
        let mut actor = self.analytics_scope(actor, filter.team.as_deref()).await?;
        if let Some(owner) = &filter.owner_id {
            actor = actor.narrowed_to(if actor.sees(owner) { vec![owner.clone()] } else { Vec::new() });
        }
        let mut conn = self.store.read().await?;
        let period = filter.close_from.is_some() || filter.close_to.is_some();
        let totals = if period {
            let from = filter.close_from.as_deref().unwrap_or("0000-01-01");
            let to = filter.close_to.as_deref().unwrap_or("9999-12-31");
            conn.opportunities().totals_by_stage_closing(actor.owners(), from, to).await?
        } else {
            conn.opportunities().totals_by_stage(actor.owners()).await?
        };
        let mut columns = Vec::new();
        for stage in stages.all().iter().filter(|s| s.active) {
            let (count, sum) = totals.iter().find(|(code, ..)| stage.code == **code).map(|(_, n, sum)| (*n, *sum)).unwrap_or((0, 0));
            let search = OpportunityFilter {
                stage: Some(stage.code.as_str().to_owned()),
                close_from: filter.close_from.clone(),
                close_to: filter.close_to.clone(),
                ..Default::default()
            };
            let rows =
                if count == 0 { Vec::new() } else { conn.opportunities().search(&search, actor.owners(), None, BOARD_COLUMN).await? };
            columns.push(BoardColumn { stage: stage.clone(), count, total: Money::from_minor_units(sum), rows });
        }
        let shown = || columns.iter().flat_map(|c| c.rows.iter());
        let accounts = conn.accounts().names(&shown().filter_map(|o| o.account_id.clone()).collect::<Vec<_>>()).await?;
        let ids: Vec<String> = shown().map(|o| o.id.clone()).collect();
        let mut facts: HashMap<String, (Option<jiff::Timestamp>, Option<jiff::Timestamp>)> = HashMap::new();
        for (id, at) in conn.opportunities().stage_entered(&ids).await? {
            facts.entry(id).or_default().0 = Some(at);
        }
        for (id, at) in conn.opportunities().next_activity(&ids, None).await? {
            facts.entry(id).or_default().1 = Some(at);
        }
        Ok(Board { columns, accounts, facts })
    }

    /// The stage history, oldest first (R12).
    pub async fn history(&self, actor: &Actor, id: &str) -> Result<Vec<HistoryRecord>> {
        let mut conn = self.store.read().await?;
        visible(&mut conn, actor, id).await?;
        Ok(conn.opportunities().history(id).await?)
    }

    /// The part of an opportunity's page that changes with its process.
    pub async fn opportunity_view(&self, actor: &Actor, id: &str) -> Result<OpportunityView> {
        let mut conn = self.store.read().await?;
        let opportunity = visible(&mut conn, actor, id).await?;
        let running = conn.processes().running_instance(id).await?;
        let latest = match &running {
            Some(_) => None,
            None => conn.processes().latest_instance(id).await?,
        };
        let activities = conn.activities().of_opportunity(id).await?;
        let history = conn.opportunities().history(id).await?;
        let notes = conn.notes().written_on(&NoteTarget::Opportunity(id.to_owned()), TIMELINE_NOTES).await?;
        // The definition may need a connection of its own; one at a time keeps the pool from running dry.
        drop(conn);
        let definition = match &running {
            Some(instance) => Some(self.definition(&instance.process_code, instance.process_version).await?),
            None => None,
        };
        let waiting_on = match (&running, &definition) {
            (Some(instance), Some(definition)) if definition.stages.iter().any(|s| !s.exit_criteria.is_empty()) => {
                let stages = self.stage_catalog().await?;
                let own = activities.iter().filter(|a| a.process_instance_id.as_ref() == Some(&instance.id)).cloned().collect();
                let state = super::engine_state(&opportunity, 0, None, Some(instance.clone()), own);
                dealflow_core::engine::advance_waits_on(definition, &stages, &state)
            }
            _ => Vec::new(),
        };
        let health = self.health_among([&opportunity]).await?.remove(&opportunity.id);
        Ok(OpportunityView { opportunity, running, latest, definition, activities, history, notes, waiting_on, health })
    }

    /// Everything an opportunity's page shows.
    pub async fn opportunity_page(&self, actor: &Actor, id: &str) -> Result<OpportunityPage> {
        let view = self.opportunity_view(actor, id).await?;
        let currency = self.currency().await?;
        let o = &view.opportunity;
        let mut conn = self.store.read().await?;
        let account = match &o.account_id {
            Some(id) => conn.accounts().get(id).await.ok(),
            None => None,
        };
        let account_contacts = conn.contacts().search(None, o.account_id.as_deref(), PICKER_LIMIT).await?;
        let mut participants = HashMap::new();
        for p in &o.participants {
            if let Ok(contact) = conn.contacts().get(&p.contact_id).await {
                participants.insert(contact.id.clone(), contact);
            }
        }
        let articles = conn.articles().search(None, PICKER_LIMIT).await?;
        let orders = conn.orders().of_opportunity(&o.id).await?;
        let lost_reasons = conn.lost_reasons().list().await?;
        let won_reasons = conn.won_reasons().list().await?;
        drop(conn);
        Ok(OpportunityPage { view, account, account_contacts, participants, articles, orders, lost_reasons, won_reasons, currency })
    }

    /// An opportunity without a process; its history starts with a creation entry.
    pub async fn create_opportunity(&self, actor: &Actor, input: NewOpportunity) -> Result<OpportunityRecord> {
        let title = check::title(&input.title).map_err(|invalid| ServiceError::invalid("title", invalid))?;
        let mut problems = Problems::new();
        problems.within("need", input.need.as_deref(), MAX_TEXT);
        problems.finish().map_err(ServiceError::Invalid)?;
        check_percent(input.probability)?;
        check_day("close_date", input.close_date.as_deref())?;
        let owner_id = input.owner_id.clone().unwrap_or_else(|| actor.id().to_owned());
        in_write!(self, |tx| {
            {
                assignee(tx, actor, "owner_id", &owner_id).await?;
                let stages = tx.stages().catalog().await?;
                let stage = match &input.stage {
                    Some(code) => match stages.get(code) {
                        Some(s) if s.active => s.code.clone(),
                        Some(_) => return Err(ServiceError::invalid("stage", Invalid::InactiveStage)),
                        None => return Err(ServiceError::invalid("stage", Invalid::UnknownStage)),
                    },
                    None => {
                        stages.first_open().map(|s| s.code.clone()).ok_or_else(|| ServiceError::invalid("stage", Invalid::NoActiveStage))?
                    }
                };
                let now = self.clock.now();
                let mut record = OpportunityRecord::new(new_id(), title.clone(), owner_id.clone(), stage.clone(), now);
                record.account_id = input.account_id.clone();
                record.contact_id = input.contact_id.clone();
                record.amount = input.amount;
                record.probability = input.probability;
                record.close_date = input.close_date.clone();
                record.budget = input.budget;
                record.need = input.need.clone();
                if stages.is_final(stage.as_str()) {
                    record.closed_at = Some(now);
                }
                check_reference(tx, "account_id", Ref::Account, record.account_id.as_deref()).await?;
                check_reference(tx, "contact_id", Ref::Contact, record.contact_id.as_deref()).await?;
                tx.opportunities().insert(&record).await?;
                tx.opportunities().insert_history(&creation_entry(&record.id, &stage, actor.id(), now)).await?;
                webhooks::opportunity_created(tx, &record, now).await?;
                self.reassess_later(&record.id);
                Ok(record)
            }
        })
    }

    /// Every field but the stage and closing time. `if_match` must equal the version (412
    /// otherwise); a new owner takes over the open process activities (R15).
    pub async fn update_opportunity(
        &self,
        actor: &Actor,
        id: &str,
        changes: OpportunityChanges,
        if_match: Option<i64>,
    ) -> Result<OpportunityRecord> {
        let title = changes.title.as_deref().map(check::title).transpose().map_err(|invalid| ServiceError::invalid("title", invalid))?;
        let text = |v: &Option<Option<String>>| v.as_ref().and_then(|v| v.as_deref()).map(str::to_owned);
        let (need, timeframe, tactic, reason) =
            (text(&changes.need), text(&changes.timeframe), text(&changes.tactic), text(&changes.close_reason));
        let mut problems = Problems::new();
        problems.within("need", need.as_deref(), MAX_TEXT);
        problems.within("timeframe", timeframe.as_deref(), MAX_TITLE);
        problems.within("tactic", tactic.as_deref(), MAX_TEXT);
        problems.within("close_reason", reason.as_deref(), MAX_TEXT);
        for (i, p) in changes.participants.iter().flatten().enumerate() {
            problems.within(&format!("participants[{i}].role"), Some(&p.role), MAX_TITLE);
        }
        for (i, c) in changes.competitors.iter().flatten().enumerate() {
            problems.within(&format!("competitors[{i}].name"), Some(&c.name), MAX_TITLE);
            problems.within(&format!("competitors[{i}].note"), Some(&c.note), MAX_TEXT);
        }
        problems.finish().map_err(ServiceError::Invalid)?;
        for (i, c) in changes.competitors.iter().flatten().enumerate() {
            if c.name.trim().is_empty() {
                return Err(ServiceError::invalid(&format!("competitors[{i}].name"), Invalid::Required));
            }
        }
        check_percent(changes.probability.flatten())?;
        check_day("close_date", changes.close_date.as_ref().and_then(|d| d.as_deref()))?;
        if let Some(Err(invalid)) = changes.hours_spent.flatten().map(check::hours) {
            return Err(ServiceError::invalid("hours_spent", invalid));
        }
        in_write!(self, |tx| {
            let mut current = locked(tx, actor, id).await?;
            if let Some(expected) = if_match
                && expected != current.version
            {
                return Err(ServiceError::PreconditionFailed { current: current.version });
            }
            let mut bumped = false;
            if let Some(owner_id) = changes.owner_id.clone().filter(|o| *o != current.owner_id) {
                let owner = assignee(tx, actor, "owner_id", &owner_id).await?;
                let command = dealflow_core::Command::ChangeOwner { owner_id: owner.id, supervisor_id: owner.supervisor_id };
                current = self.run_command(tx, current, None, None, command, &ClosingFigures::default()).await?;
                bumped = true;
            }
            let mut next = current.clone();
            set(&mut next.title, title.clone());
            set(&mut next.account_id, changes.account_id.clone());
            set(&mut next.contact_id, changes.contact_id.clone());
            set(&mut next.amount, changes.amount);
            set(&mut next.probability, changes.probability);
            set(&mut next.close_date, changes.close_date.clone());
            set(&mut next.budget, changes.budget);
            set(&mut next.budget_confirmed, changes.budget_confirmed);
            set(&mut next.decision_maker_id, changes.decision_maker_id.clone());
            set(&mut next.need, changes.need.clone());
            set(&mut next.timeframe, changes.timeframe.clone());
            set(&mut next.tactic, changes.tactic.clone());
            set(&mut next.participants, changes.participants.clone());
            set(&mut next.competitors, changes.competitors.clone());
            set(&mut next.presentation_id, changes.presentation_id.clone());
            set(&mut next.actual_revenue, changes.actual_revenue);
            set(&mut next.hours_spent, changes.hours_spent);
            set(&mut next.close_reason, changes.close_reason.clone());
            if next == current {
                return Ok(current);
            }
            check_reference(tx, "account_id", Ref::Account, next.account_id.as_deref()).await?;
            check_reference(tx, "contact_id", Ref::Contact, next.contact_id.as_deref()).await?;
            check_reference(tx, "decision_maker_id", Ref::Contact, next.decision_maker_id.as_deref()).await?;
            check_reference(tx, "presentation_id", Ref::Article, next.presentation_id.as_deref()).await?;
            for (i, participant) in next.participants.iter().enumerate() {
                check_reference(tx, &format!("participants[{i}].contact_id"), Ref::Contact, Some(&participant.contact_id)).await?;
            }
            tx.opportunities().update_fields(&next, self.clock.now(), !bumped).await?;
            self.reassess_later(id);
            let updated = tx.opportunities().get(id).await?;
            self.reconsider(tx, actor, updated).await
        })
    }

    /// An order from a won opportunity, for its actual revenue (or its amount).
    pub async fn create_order(&self, actor: &Actor, opportunity_id: &str) -> Result<OrderRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let opportunity = locked(tx, actor, opportunity_id).await?;
            let stages = tx.stages().catalog().await?;
            if !stages.get(opportunity.stage.as_str()).is_some_and(|s| s.is_final && s.is_won) {
                return Err(ServiceError::OpportunityNotWon);
            }
            let order = OrderRecord {
                id: new_id(),
                opportunity_id: opportunity.id.clone(),
                amount: opportunity.actual_revenue.or(opportunity.amount).unwrap_or(Money::ZERO),
                status: "new".into(),
                created_by: Some(actor.id().to_owned()),
                created_at: now,
            };
            tx.orders().insert(&order).await?;
            Ok(order)
        })
    }

    /// The people an actor may give an opportunity, an activity or a lead to, by name.
    pub async fn assignable_people(&self, actor: &Actor) -> Result<Vec<UserRecord>> {
        let all = self.store.read().await?.users().list().await?;
        Ok(all.into_iter().filter(|u| u.active && actor.sees(&u.id)).collect())
    }
}

fn set<T>(field: &mut T, change: Option<T>) {
    if let Some(value) = change {
        *field = value;
    }
}

/// The first entry of every opportunity's history.
pub(super) fn creation_entry(opportunity_id: &str, stage: &dealflow_core::StageCode, by: &str, at: jiff::Timestamp) -> HistoryRecord {
    HistoryRecord {
        opportunity_id: opportunity_id.to_owned(),
        seq: 1,
        from_stage: None,
        to_stage: stage.clone(),
        at,
        by_user_id: Some(by.to_owned()),
        by_process: false,
        visit: None,
        instance_id: None,
        override_reason: None,
        imported_from: None,
    }
}
