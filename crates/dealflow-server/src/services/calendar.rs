//! Calendar feeds (SPEC §9): each user may have one secret iCalendar address of their activities
//! — or, for a supervisor, of their team's; for an administrator, everyone's — which a calendar
//! program polls. The secret is shown once and stored hashed; a new one ends the old.

use std::collections::HashMap;

use dealflow_core::check::Invalid;
use dealflow_core::records::{ActivityRecord, UserRecord};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::secrets::{hash_token, random_secret};

/// How far back and ahead of now a feed reaches, and the most activities it holds (the soonest).
const FEED_DAYS_BEHIND: i64 = 31;
const FEED_DAYS_AHEAD: i64 = 366;
pub const FEED_MOST_EVENTS: i64 = 5_000;

/// Whose activities a feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarOf {
    Own,
    /// Everyone whose records the user sees: a supervisor's team, an administrator's company.
    Team,
}

impl CalendarOf {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarOf::Own => "own",
            CalendarOf::Team => "team",
        }
    }

    pub fn parse(text: &str) -> Option<CalendarOf> {
        [CalendarOf::Own, CalendarOf::Team].into_iter().find(|s| s.as_str() == text)
    }
}

/// A user's feed, as their profile shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub scope: CalendarOf,
    pub created_at: Timestamp,
}

/// What a feed's address shows now.
pub struct CalendarEvents {
    pub user: UserRecord,
    pub zone: TimeZone,
    pub scope: CalendarOf,
    /// The span the activities were taken from.
    pub window: (Timestamp, Timestamp),
    pub entries: Vec<CalendarEntry>,
}

/// One activity with the names its event mentions.
pub struct CalendarEntry {
    pub activity: ActivityRecord,
    pub opportunity: Option<String>,
    pub account: Option<String>,
    pub contact: Option<String>,
    pub owner: String,
}

impl Services {
    /// The actor's feed, if they have one.
    pub async fn calendar_feed(&self, actor: &Actor) -> Result<Option<CalendarFeed>> {
        let feed = self.store.read().await?.calendars().of_user(actor.id()).await?;
        Ok(feed.and_then(|f| Some(CalendarFeed { scope: CalendarOf::parse(&f.scope)?, created_at: f.created_at })))
    }

    /// A new secret address for the actor's feed of `scope` (`own` or `team`), in place of any
    /// they had; the secret is returned this once.
    pub async fn open_calendar_feed(&self, actor: &Actor, scope: &str) -> Result<String> {
        let allowed = || vec![CalendarOf::Own.as_str().to_owned(), CalendarOf::Team.as_str().to_owned()];
        let scope = CalendarOf::parse(scope).ok_or_else(|| ServiceError::invalid("scope", Invalid::NotOneOf { allowed: allowed() }))?;
        let secret = random_secret();
        let hash = hash_token(&secret);
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(tx.calendars().replace(actor.id(), &hash, scope.as_str(), now).await?) })?;
        Ok(secret)
    }

    /// Ends the actor's feed: its address answers 404 from now on. Whether there was one.
    pub async fn close_calendar_feed(&self, actor: &Actor) -> Result<bool> {
        in_write!(self, |tx| { Ok(tx.calendars().revoke(actor.id()).await?) })
    }

    /// The activities the feed of `secret` shows now, from a month back to a year ahead, in its
    /// user's time zone and as far as the user may see; cancelled ones included, so that
    /// calendars drop them. `NotFound` for a secret that opens no feed of an active user.
    pub async fn calendar_events(&self, secret: &str) -> Result<CalendarEvents> {
        let found = self.store.read().await?.calendars().by_secret(&hash_token(secret)).await?;
        let Some((feed, user)) = found else { return Err(ServiceError::NotFound) };
        let scope = CalendarOf::parse(&feed.scope).unwrap_or(CalendarOf::Own);
        let actor = self.actor(user.clone()).await?;
        let now = self.clock.now();
        let days = |n: i64| SignedDuration::from_hours(24 * n);
        let window = (now - days(FEED_DAYS_BEHIND), now + days(FEED_DAYS_AHEAD));
        let own = [actor.id().to_owned()];
        let owners = match scope {
            CalendarOf::Own => Some(&own[..]),
            CalendarOf::Team => actor.owners(),
        };
        let mut conn = self.store.read().await?;
        let activities = conn.activities().schedule_of(owners, window, None, true, FEED_MOST_EVENTS).await?;
        let ids = |of: fn(&ActivityRecord) -> Option<&String>| activities.iter().filter_map(of).cloned().collect::<Vec<_>>();
        let titles: HashMap<String, String> = conn.opportunities().titles(&ids(|a| a.opportunity_id.as_ref())).await?.into_iter().collect();
        let accounts = conn.accounts().names(&ids(|a| a.account_id.as_ref())).await?;
        let contacts = conn.contacts().names(&ids(|a| a.contact_id.as_ref())).await?;
        let people: HashMap<String, String> = conn.users().list().await?.into_iter().map(|u| (u.id, u.name)).collect();
        let name = |names: &HashMap<String, String>, id: &Option<String>| id.as_ref().and_then(|id| names.get(id)).cloned();
        let entries = activities
            .into_iter()
            .map(|activity| CalendarEntry {
                opportunity: name(&titles, &activity.opportunity_id),
                account: name(&accounts, &activity.account_id),
                contact: name(&contacts, &activity.contact_id),
                owner: people.get(&activity.owner_id).cloned().unwrap_or_default(),
                activity,
            })
            .collect();
        Ok(CalendarEvents { zone: actor.zone().clone(), user, scope, window, entries })
    }
}
