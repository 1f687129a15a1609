//! Activities: the lists and the schedule, one activity and its page, manual activities and
//! their edits. An activity is in sight of whoever owns it or may see its opportunity.

use std::collections::HashMap;

use dealflow_core::LocalizedText;
use dealflow_core::check::{self, Invalid};
use dealflow_core::definition::{ActivityType, StepResult};
use dealflow_core::engine::ActivityStatus;
use dealflow_core::records::{ActivityRecord, OpportunityRecord};
use dealflow_store::{ActivityFilter, Reader, WriteTx};
use jiff::Timestamp;

use super::Services;
use super::references::{Ref, assignee, check_reference};
use super::webhooks;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityType,
    pub title: String,
    /// The actor when not given.
    pub owner_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub start_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    /// Meetings and calls: how long from the start.
    pub duration_minutes: Option<i64>,
}

/// What a change of an activity sets; `None` leaves a field as it is, `Some(None)` clears it.
/// A process activity takes new times, a new owner and a status only: the rest is the process's.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub title: Option<String>,
    pub kind: Option<ActivityType>,
    pub status: Option<ActivityStatus>,
    pub start_at: Option<Option<Timestamp>>,
    pub due_at: Option<Option<Timestamp>>,
    pub duration_minutes: Option<Option<i64>>,
    pub owner_id: Option<String>,
    pub opportunity_id: Option<Option<String>>,
    pub account_id: Option<Option<String>>,
    pub contact_id: Option<Option<String>>,
}

/// The longest meeting or call: a day.
pub const MAX_DURATION_MINUTES: i64 = 24 * 60;

fn check_duration(minutes: Option<i64>) -> Result<Option<u32>> {
    minutes
        .map(|m| {
            u32::try_from(m)
                .ok()
                .filter(|m| (1..=MAX_DURATION_MINUTES).contains(&i64::from(*m)))
                .ok_or_else(|| ServiceError::invalid("duration_minutes", Invalid::OutOfRange { min: 1, max: MAX_DURATION_MINUTES }))
        })
        .transpose()
}

/// What an activity is about: an opportunity the actor may see, an account, a contact.
async fn check_links(tx: &mut WriteTx, actor: &Actor, activity: &ActivityRecord) -> Result<()> {
    if let Some(opportunity_id) = &activity.opportunity_id {
        let visible = match tx.opportunities().get(opportunity_id).await {
            Ok(opportunity) => actor.sees(&opportunity.owner_id),
            Err(dealflow_store::StoreError::NotFound) => false,
            Err(other) => return Err(other.into()),
        };
        if !visible {
            return Err(ServiceError::invalid("opportunity_id", Invalid::UnknownReference));
        }
    }
    check_reference(tx, "account_id", Ref::Account, activity.account_id.as_deref()).await?;
    check_reference(tx, "contact_id", Ref::Contact, activity.contact_id.as_deref()).await
}

/// An activity with what its page shows about it.
pub struct ActivityPage {
    pub activity: ActivityRecord,
    /// Its opportunity: (id, title).
    pub opportunity: Option<(String, String)>,
    /// The account and the contact it is about: (id, name).
    pub account: Option<(String, String)>,
    pub contact: Option<(String, String)>,
    /// The name of its owner.
    pub owner: String,
    /// The results its step offers; `None` for a manual activity (which takes `done`).
    pub results: Option<Vec<StepResult>>,
}

/// The most activities a schedule page shows: a whole company's week can hold tens of thousands.
pub const SCHEDULE_PAGE_ROWS: i64 = 1_000;

/// Whose activities a schedule shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleOf {
    Own,
    /// One person the actor may see.
    Person(String),
    /// Everyone the actor may see: a supervisor's team, an administrator's company.
    Team,
}

/// One line of a schedule: the activity and the title of its opportunity, if any.
pub struct ScheduleEntry {
    pub activity: ActivityRecord,
    pub opportunity_title: Option<String>,
}

/// The activity if the actor owns it or may see its opportunity; `NotFound` otherwise.
async fn visible(conn: &mut Reader, actor: &Actor, id: &str) -> Result<ActivityRecord> {
    let activity = conn.activities().get(id).await?;
    if actor.sees(&activity.owner_id) {
        return Ok(activity);
    }
    if let Some(opportunity_id) = &activity.opportunity_id
        && actor.sees(&conn.opportunities().get(opportunity_id).await?.owner_id)
    {
        return Ok(activity);
    }
    Err(ServiceError::NotFound)
}

/// The write side of [`visible`]: the activity and its opportunity, locked until the
/// transaction ends, if the actor owns the activity or may see the opportunity.
pub(super) async fn visible_locked(tx: &mut WriteTx, actor: &Actor, id: &str) -> Result<(ActivityRecord, Option<OpportunityRecord>)> {
    let activity = tx.activities().get(id).await?;
    let opportunity = match &activity.opportunity_id {
        Some(opportunity_id) => Some(tx.opportunities().get_for_update(opportunity_id).await?),
        None => None,
    };
    let in_sight = actor.sees(&activity.owner_id) || opportunity.as_ref().is_some_and(|o| actor.sees(&o.owner_id));
    if in_sight { Ok((activity, opportunity)) } else { Err(ServiceError::NotFound) }
}

fn check_title(title: &str) -> Result<String> {
    check::title(title).map_err(|invalid| ServiceError::invalid("title", invalid))
}

impl Services {
    pub async fn activity(&self, actor: &Actor, id: &str) -> Result<ActivityRecord> {
        visible(&mut self.store.read().await?, actor, id).await
    }

    /// A page of the activities the actor may see, newest first.
    pub async fn activities(&self, actor: &Actor, filter: &ActivityFilter, page: &PageRequest) -> Result<Page<ActivityRecord>> {
        let rows = self.store.read().await?.activities().search(filter, actor.owners(), page.after.clone(), page.limit + 1).await?;
        Ok(Page::of(rows, page.limit, |a| (a.created_at, &a.id)))
    }

    /// A person's activities with a start or due time in `[from, to)`, not cancelled, soonest
    /// first; another's only when the actor may see their records (else nothing).
    pub async fn schedule(
        &self,
        actor: &Actor,
        user_id: &str,
        from: Timestamp,
        to: Timestamp,
        page: &PageRequest,
    ) -> Result<Page<ActivityRecord>> {
        check_window(from, to)?;
        if !actor.sees(user_id) {
            return Ok(Page::all(Vec::new()));
        }
        let rows = self.store.read().await?.activities().schedule(user_id, from, to, page.after.clone(), page.limit + 1).await?;
        Ok(Page::of(rows, page.limit, |a| (a.start_at.or(a.due_at).unwrap_or(a.created_at), &a.id)))
    }

    /// The first `per_day` entries of the schedule of `whose` for each of `days`: the later half
    /// of the days on a thread beside the earlier's (a team's week is seven reads of 5 to 8 ms on
    /// a million deals).
    pub async fn schedule_days(
        &self,
        actor: &Actor,
        whose: &ScheduleOf,
        days: &[(Timestamp, Timestamp)],
        per_day: i64,
    ) -> Result<Vec<Page<ScheduleEntry>>> {
        let (earlier, later) = days.split_at(days.len() / 2);
        let later = {
            let (services, actor, whose, later) = (self.clone(), actor.clone(), whose.clone(), later.to_vec());
            async move { services.schedule_pages(&actor, &whose, &later, per_day).await }
        };
        let (mut pages, later) = super::alongside(self.schedule_pages(actor, whose, earlier, per_day), later).await?;
        pages.extend(later);
        Ok(pages)
    }

    async fn schedule_pages(
        &self,
        actor: &Actor,
        whose: &ScheduleOf,
        days: &[(Timestamp, Timestamp)],
        per_day: i64,
    ) -> Result<Vec<Page<ScheduleEntry>>> {
        let mut pages = Vec::new();
        for span in days {
            pages.push(self.schedule_page(actor, whose, *span, &PageRequest::first(per_day)).await?);
        }
        Ok(pages)
    }

    /// A page of the schedule of `whose` for `[from, to)`, with the titles of the opportunities,
    /// soonest first. Another person's or the team's only as far as the actor may see (else
    /// nothing of theirs).
    pub async fn schedule_page(
        &self,
        actor: &Actor,
        whose: &ScheduleOf,
        (from, to): (Timestamp, Timestamp),
        page: &PageRequest,
    ) -> Result<Page<ScheduleEntry>> {
        check_window(from, to)?;
        let one;
        let scope = match whose {
            ScheduleOf::Own => {
                one = [actor.id().to_owned()];
                Some(&one[..])
            }
            ScheduleOf::Person(id) if actor.sees(id) => {
                one = [id.clone()];
                Some(&one[..])
            }
            ScheduleOf::Person(_) => Some(&[][..]),
            ScheduleOf::Team => actor.owners(),
        };
        if scope.is_some_and(<[String]>::is_empty) {
            return Ok(Page::all(Vec::new()));
        }
        let mut conn = self.store.read().await?;
        let rows = conn.activities().schedule_of(scope, (from, to), page.after.clone(), false, page.limit + 1).await?;
        let rows = Page::of(rows, page.limit, |a| (a.start_at.or(a.due_at).unwrap_or(a.created_at), &a.id));
        let mut ids: Vec<String> = rows.items.iter().filter_map(|a| a.opportunity_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let titles: HashMap<String, String> = conn.opportunities().titles(&ids).await?.into_iter().collect();
        let entries = rows
            .items
            .into_iter()
            .map(|activity| {
                let opportunity_title = activity.opportunity_id.as_ref().map(|id| titles.get(id).cloned().unwrap_or_default());
                ScheduleEntry { activity, opportunity_title }
            })
            .collect();
        Ok(Page { items: entries, next: rows.next })
    }

    /// An activity with its opportunity's title and the results its step offers.
    pub async fn activity_page(&self, actor: &Actor, id: &str) -> Result<ActivityPage> {
        let mut conn = self.store.read().await?;
        let activity = visible(&mut conn, actor, id).await?;
        let opportunity = match &activity.opportunity_id {
            Some(id) => Some((id.clone(), conn.opportunities().get(id).await?.title)),
            None => None,
        };
        let account = match &activity.account_id {
            Some(id) => Some((id.clone(), conn.accounts().get(id).await?.name)),
            None => None,
        };
        let contact = match &activity.contact_id {
            Some(id) => Some((id.clone(), conn.contacts().get(id).await?.name)),
            None => None,
        };
        let owner = conn.users().get(&activity.owner_id).await?.name;
        let instance = match &activity.process_instance_id {
            Some(instance_id) => Some(conn.processes().instance(instance_id).await?),
            None => None,
        };
        drop(conn);
        let results = match (instance, &activity.stage, &activity.step) {
            (Some(instance), Some(stage), Some(step)) => {
                let definition = self.definition(&instance.process_code, instance.process_version).await?;
                definition.stage(stage.as_str()).and_then(|s| s.step(step)).map(|s| s.results.clone())
            }
            _ => None,
        };
        Ok(ActivityPage { activity, opportunity, account, contact, owner, results })
    }

    /// A manual activity: no process fields, never cancelled by a stage change (R5).
    pub async fn create_activity(&self, actor: &Actor, input: NewActivity) -> Result<ActivityRecord> {
        let title = check_title(&input.title)?;
        let duration_minutes = check_duration(input.duration_minutes)?;
        let now = self.clock.now();
        let owner_id = input.owner_id.clone().unwrap_or_else(|| actor.id().to_owned());
        let record = ActivityRecord {
            id: new_id(),
            kind: input.kind,
            title: LocalizedText::same(title),
            owner_id,
            status: ActivityStatus::NotStarted,
            result: None,
            result_note: None,
            start_at: input.start_at,
            due_at: input.due_at,
            completed_at: None,
            opportunity_id: input.opportunity_id,
            account_id: input.account_id,
            contact_id: input.contact_id,
            duration_minutes,
            process_instance_id: None,
            stage: None,
            step: None,
            stage_visit: None,
            created_by: Some(actor.id().to_owned()),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        in_write!(self, |tx| {
            assignee(tx, actor, "owner_id", &record.owner_id).await?;
            check_links(tx, actor, &record).await?;
            tx.activities().insert(&record).await?;
            let data = webhooks::activity_created_data(&record);
            webhooks::record(tx, "activity.created", record.opportunity_id.as_deref(), now, data).await
        })?;
        if let Some(opportunity_id) = &record.opportunity_id {
            self.reassess_later(opportunity_id);
        }
        Ok(record)
    }

    /// Start it, move its times, hand it to someone, say what it is about. A process activity's
    /// title, kind and links belong to the process; its times may move (the date agreed with the
    /// customer) without changing what the process does with it.
    pub async fn update_activity(&self, actor: &Actor, id: &str, changes: ActivityChanges) -> Result<ActivityRecord> {
        let title = changes.title.as_deref().map(check_title).transpose()?;
        let duration = changes.duration_minutes.map(check_duration).transpose()?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let (mut activity, _) = visible_locked(tx, actor, id).await?;
            if !activity.status.is_open() {
                return Err(dealflow_core::EngineError::ActivityNotOpen.into());
            }
            // The deal it leaves, if it moves to another, is reassessed as well.
            if let Some(opportunity_id) = &activity.opportunity_id {
                self.reassess_later(opportunity_id);
            }
            if activity.process_instance_id.is_some() {
                let by_process = [
                    ("title", title.is_some()),
                    ("type", changes.kind.is_some()),
                    ("opportunity_id", changes.opportunity_id.is_some()),
                    ("account_id", changes.account_id.is_some()),
                    ("contact_id", changes.contact_id.is_some()),
                ];
                if let Some((field, _)) = by_process.iter().find(|(_, changed)| *changed) {
                    return Err(ServiceError::invalid(field, Invalid::SetByProcess));
                }
            }
            if let Some(title) = &title {
                activity.title = LocalizedText::same(title.clone());
            }
            activity.kind = changes.kind.unwrap_or(activity.kind);
            if let Some(duration) = duration {
                activity.duration_minutes = duration;
            }
            if let Some(opportunity_id) = &changes.opportunity_id {
                activity.opportunity_id = opportunity_id.clone();
            }
            if let Some(account_id) = &changes.account_id {
                activity.account_id = account_id.clone();
            }
            if let Some(contact_id) = &changes.contact_id {
                activity.contact_id = contact_id.clone();
            }
            check_links(tx, actor, &activity).await?;
            match changes.status {
                None => {}
                Some(status @ (ActivityStatus::InProgress | ActivityStatus::NotStarted)) => activity.status = status,
                Some(_) => return Err(ServiceError::invalid("status", Invalid::FinishedByCommand)),
            }
            if let Some(start_at) = changes.start_at {
                activity.start_at = start_at;
            }
            if let Some(due_at) = changes.due_at {
                activity.due_at = due_at;
            }
            if let Some(owner_id) = &changes.owner_id {
                activity.owner_id = assignee(tx, actor, "owner_id", owner_id).await?.id;
            }
            tx.activities().update_details(&activity, now).await?;
            if let Some(opportunity_id) = &activity.opportunity_id {
                self.reassess_later(opportunity_id);
            }
            Ok(tx.activities().get(id).await?)
        })
    }
}

/// The longest schedule window one read may ask for: a year, leap or not.
pub const MAX_SCHEDULE_DAYS: u32 = 366;

/// A schedule window ends after it starts and spans at most [`MAX_SCHEDULE_DAYS`].
fn check_window(from: Timestamp, to: Timestamp) -> Result<()> {
    if to <= from {
        return Err(ServiceError::invalid("to", Invalid::EndBeforeStart));
    }
    if to.duration_since(from) > jiff::SignedDuration::from_hours(24 * i64::from(MAX_SCHEDULE_DAYS)) {
        return Err(ServiceError::invalid("to", Invalid::WindowTooLong { max_days: MAX_SCHEDULE_DAYS }));
    }
    Ok(())
}
