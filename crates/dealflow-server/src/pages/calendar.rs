//! The calendar feed: `/calendar/{secret}.ics` for calendar programs (no session: the secret is
//! the key), and the profile's section where a person makes, replaces or turns off its address.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect};
use dealflow_core::Locale;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;
use dealflow_core::records::Role;
use jiff::SignedDuration;
use serde::Deserialize;

use super::i18n::texts;
use super::session::{PageForm, Viewer};
use super::{OrPage, PageError, PageResult};
use crate::Services;
use crate::ical::{self, Ics};
use crate::services::{CalendarEntry, CalendarEvents, CalendarOf};

/// How often calendar programs are asked to fetch the feed again.
const REFRESH: &str = "PT15M";

/// The address this server is reached at, as the request says: `https` behind a proxy that
/// says so, else `http`.
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = if super::session::forwarded_tls(headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The profile's calendar section.
pub struct CalendarSection {
    /// What the person has now, in words.
    pub state: String,
    pub exists: bool,
    /// Whether the feed is of the team's activities.
    pub team: bool,
    /// Whether a team's activities may be chosen (supervisors and administrators).
    pub team_choice: bool,
    /// The address just made, shown this once.
    pub new_address: Option<String>,
    /// Said after the address was turned off.
    pub revoked: bool,
}

impl CalendarSection {
    pub async fn load(services: &Services, viewer: &Viewer) -> PageResult<CalendarSection> {
        let c = viewer.t().connect();
        let feed = services.calendar_feed(&viewer.actor).await.or_page(viewer)?;
        let state = match &feed {
            None => c.calendar_none.to_owned(),
            Some(feed) => {
                let scope = if feed.scope == CalendarOf::Team { c.calendar_scope_team } else { c.calendar_scope_own };
                let date = feed.created_at.to_zoned_datetime(viewer.actor.zone().clone()).date().to_string();
                c.calendar_since.replace("{date}", &super::format::date(&date, viewer.locale)).replace("{scope}", scope)
            }
        };
        Ok(CalendarSection {
            state,
            exists: feed.is_some(),
            team: feed.as_ref().is_some_and(|f| f.scope == CalendarOf::Team),
            team_choice: viewer.actor.user().role != Role::Manager,
            new_address: None,
            revoked: false,
        })
    }
}

#[derive(Deserialize)]
pub struct FeedInput {
    #[serde(default)]
    scope: String,
}

/// Makes the person a new address (the old one stops working) and shows it on the profile.
pub async fn open(State(services): State<Services>, headers: HeaderMap, form: PageForm<FeedInput>) -> PageResult {
    let viewer = &form.viewer;
    let secret = services.open_calendar_feed(&viewer.actor, &form.input.scope).await.or_page(viewer)?;
    let mut page = super::profile::current(&services, viewer).await?;
    page.calendar.new_address = Some(format!("{}/calendar/{secret}.ics", origin(&headers)));
    Ok(page.into_response())
}

/// Turns the person's address off.
pub async fn close(State(services): State<Services>, form: PageForm<FeedInput>) -> PageResult {
    services.close_calendar_feed(&form.viewer.actor).await.or_page(&form.viewer)?;
    Ok(Redirect::to("/profile?calendar=off#calendar-feed").into_response())
}

/// The feed itself, for calendar programs.
pub async fn feed(State(services): State<Services>, Path(file): Path<String>, headers: HeaderMap) -> PageResult {
    let secret = file.strip_suffix(".ics").ok_or(PageError::NotFound(Locale::default()))?;
    let events = services.calendar_events(secret).await.map_err(|e| PageError::service(Locale::default(), e))?;
    let body = render(&events, &origin(&headers));
    let answer = [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
        (header::CACHE_CONTROL, "private, no-cache"),
        (header::CONTENT_DISPOSITION, "inline; filename=\"dealflow.ics\""),
    ];
    Ok((answer, body).into_response())
}

/// The feed as iCalendar: the user's zone spelled out, then one event per activity.
fn render(events: &CalendarEvents, origin: &str) -> String {
    let t = texts(events.user.locale);
    let c = t.connect();
    let zone_name = events.zone.iana_name().unwrap_or("UTC");
    let mut ics = Ics::default();
    ics.line("BEGIN", "VCALENDAR");
    ics.line("VERSION", "2.0");
    ics.line("PRODID", &format!("-//dealflow//dealflow {}//{}", env!("CARGO_PKG_VERSION"), t.lang_code.to_uppercase()));
    ics.line("CALSCALE", "GREGORIAN");
    ics.line("METHOD", "PUBLISH");
    let name = if events.scope == CalendarOf::Team { c.calendar_team_name } else { c.calendar_name };
    let name = name.replace("{name}", &events.user.name);
    ics.text("NAME", &name);
    ics.text("X-WR-CALNAME", &name);
    ics.text("X-WR-TIMEZONE", zone_name);
    ics.line("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
    ics.line("X-PUBLISHED-TTL", REFRESH);
    ical::timezone(&mut ics, &events.zone, zone_name, events.window);
    for entry in &events.entries {
        event(&mut ics, entry, events, zone_name, origin);
    }
    ics.line("END", "VCALENDAR");
    ics.finish()
}

/// One activity as an event: a meeting or call from its start for its length (half an hour if
/// none is set), a task at its due time for a quarter of an hour, or all that day when it is due
/// at midnight.
fn event(ics: &mut Ics, entry: &CalendarEntry, events: &CalendarEvents, zone_name: &str, origin: &str) {
    let t = texts(events.user.locale);
    let a = &entry.activity;
    let Some(start) = a.start_at.or(a.due_at) else { return };
    ics.line("BEGIN", "VEVENT");
    ics.text("UID", &format!("{}@dealflow", a.id));
    ics.line("DTSTAMP", &ical::utc(a.updated_at));
    ics.line("CREATED", &ical::utc(a.created_at));
    ics.line("LAST-MODIFIED", &ical::utc(a.updated_at));
    ics.line("SEQUENCE", &a.version.max(0).to_string());
    let local = start.to_zoned_datetime(events.zone.clone());
    let task = a.kind == ActivityType::Task;
    if task && a.start_at.is_none() && local.time() == jiff::civil::Time::midnight() {
        ics.line("DTSTART;VALUE=DATE", &ical::date(local.date()));
        ics.line("DTEND;VALUE=DATE", &ical::date(local.date().tomorrow().unwrap_or(local.date())));
    } else {
        let minutes = if task { 15 } else { a.duration_minutes.filter(|m| *m > 0).unwrap_or(30) };
        let end = start.checked_add(SignedDuration::from_mins(i64::from(minutes))).unwrap_or(start);
        ics.line(&format!("DTSTART;TZID={zone_name}"), &ical::local(start, &events.zone));
        ics.line(&format!("DTEND;TZID={zone_name}"), &ical::local(end, &events.zone));
    }
    let kind = t.activity_type(a.kind);
    let title = a.title.get(events.user.locale);
    let summary = match events.scope {
        CalendarOf::Team if a.owner_id != events.user.id => format!("{kind}: {title} — {}", entry.owner),
        _ => format!("{kind}: {title}"),
    };
    ics.text("SUMMARY", &summary);
    let mut details = Vec::new();
    let mut add = |label: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            details.push(format!("{label}: {value}"));
        }
    };
    add(t.opportunity, entry.opportunity.as_deref());
    add(t.account, entry.account.as_deref());
    add(t.contact, entry.contact.as_deref());
    add(t.owner, Some(&entry.owner));
    add(t.status, Some(t.activity_status(a.status)));
    add(t.result, a.result_note.as_deref());
    ics.text("DESCRIPTION", &details.join("\n"));
    ics.text("CATEGORIES", kind);
    ics.line("STATUS", if a.status == ActivityStatus::Cancelled { "CANCELLED" } else { "CONFIRMED" });
    ics.line("TRANSP", if task || a.status == ActivityStatus::Cancelled { "TRANSPARENT" } else { "OPAQUE" });
    ics.line("URL", &format!("{origin}/activities/{}", a.id));
    ics.line("END", "VEVENT");
}
