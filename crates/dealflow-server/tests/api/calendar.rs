//! Calendar feeds (issue 17, SPEC §9): a user's secret address carries their activities as
//! iCalendar in their own time zone — meetings and calls for their length, tasks at their due
//! time or all day, cancelled ones marked — which the Python `icalendar` package reads as a
//! calendar program would; a supervisor's team feed carries the team's; a replaced or turned-off
//! address answers 404.

use dealflow_core::definition::ActivityType;
use dealflow_server::services::{AccountFields, ContactFields, NewActivity, NewOpportunity, UserChanges};
use reqwest::StatusCode;
use serde_json::Value;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, Page, session_for};

fn activity(kind: ActivityType, title: &str, start_at: Option<&str>, due_at: Option<&str>) -> NewActivity {
    NewActivity {
        kind,
        title: title.into(),
        owner_id: None,
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: start_at.map(|at| at.parse().unwrap()),
        due_at: due_at.map(|at| at.parse().unwrap()),
        duration_minutes: None,
    }
}

/// The feed's lines with the folding undone.
fn unfolded(feed: &Page) -> String {
    feed.body.replace("\r\n ", "")
}

/// The feed as the Python `icalendar` package reads it (`scripts/icalendar_check.py`), when the
/// test command has made its virtual environment (`DEALFLOW_ICALENDAR_PYTHON`).
fn read_by_icalendar(feed: &str) -> Option<Value> {
    let Ok(python) = std::env::var("DEALFLOW_ICALENDAR_PYTHON") else {
        eprintln!("note: DEALFLOW_ICALENDAR_PYTHON is not set (scripts/test sets it), so the feed is not read by icalendar");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.ics");
    std::fs::write(&path, feed).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/icalendar_check.py");
    let run = std::process::Command::new(python).arg(script).arg(&path).output().unwrap();
    assert!(run.status.success(), "icalendar refused the feed: {}", String::from_utf8_lossy(&run.stderr));
    Some(serde_json::from_slice(&run.stdout).unwrap())
}

async fn a_users_feed_carries_their_activities_in_their_time_zone(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let by = app.actor_of(&app.manager);
    let berlin = UserChanges { time_zone: Some("Europe/Berlin".into()), ..UserChanges::default() };
    app.services.update_user(by, &app.manager.id, berlin).await.unwrap();
    let account = app.services.create_account(by, AccountFields { name: "Волга Фарм".into(), ..AccountFields::default() }).await.unwrap();
    let contact =
        ContactFields { name: "Ирина Соколова".into(), account_id: Some(account.id.clone()), ..ContactFields::default() };
    let contact = app.services.create_contact(by, contact).await.unwrap();
    let deal = NewOpportunity { title: "Склад, этап 2".into(), account_id: Some(account.id.clone()), ..NewOpportunity::default() };
    let deal = app.services.create_opportunity(by, deal).await.unwrap();
    // The clock stands at Saturday 28 November 2026, 09:00 UTC; Berlin is at UTC+1 until March.
    let meeting = NewActivity {
        opportunity_id: Some(deal.id.clone()),
        account_id: Some(account.id.clone()),
        contact_id: Some(contact.id.clone()),
        duration_minutes: Some(90),
        ..activity(ActivityType::Meeting, "Встреча; с закупками, этап 2", Some("2026-12-02T09:00:00Z"), None)
    };
    let meeting = app.services.create_activity(by, meeting).await.unwrap();
    let summer = app.services.create_activity(by, activity(ActivityType::Call, "Летний звонок", Some("2027-06-15T08:00:00Z"), None)).await;
    let timed = activity(ActivityType::Task, "Отправить КП", None, Some("2026-12-03T15:30:00Z"));
    app.services.create_activity(by, timed).await.unwrap();
    let whole_day = activity(ActivityType::Task, "Подготовить договор", None, Some("2026-12-04T23:00:00Z"));
    app.services.create_activity(by, whole_day).await.unwrap();
    let cancelled = app.services.create_activity(by, activity(ActivityType::Call, "Отменён", Some("2026-12-01T10:00:00Z"), None)).await;
    let cancelled = cancelled.unwrap();
    app.services.cancel_activity(by, &cancelled.id).await.unwrap();
    let long_ago = activity(ActivityType::Task, "Давно прошло", None, Some("2026-09-01T10:00:00Z"));
    app.services.create_activity(by, long_ago).await.unwrap();
    let theirs = activity(ActivityType::Call, "Чужой звонок", Some("2026-12-02T12:00:00Z"), None);
    app.services.create_activity(app.actor_of(&app.teammate), theirs).await.unwrap();

    let secret = app.services.open_calendar_feed(by, "own").await.unwrap();
    let browser = Browser::of(&api);
    let feed = browser.get(&format!("/calendar/{secret}.ics"), "").await;
    assert_eq!(feed.status, StatusCode::OK, "no session needed: the secret is the key");
    assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(feed.body.lines().all(|l| l.len() <= 75 + 1), "lines fold at 75 octets");
    let text = unfolded(&feed);
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 5, "own activities in the span, the cancelled one too: {text}");
    assert!(text.contains(&format!("UID:{}@dealflow", meeting.id)));
    assert!(text.contains("SUMMARY:Встреча: Встреча\\; с закупками\\, этап 2"), "escaped, the kind first, in Russian");
    assert!(text.contains("DTSTART;TZID=Europe/Berlin:20261202T100000\r\nDTEND;TZID=Europe/Berlin:20261202T113000"));
    assert!(text.contains("DTSTART;VALUE=DATE:20261205\r\nDTEND;VALUE=DATE:20261206"), "due at midnight: all day");
    assert!(text.contains("STATUS:CANCELLED"));
    assert!(!text.contains("Чужой") && !text.contains("Давно"), "another's and one outside the span are left out");

    if let Some(read) = read_by_icalendar(&feed.body) {
        assert_eq!(read["zones"], serde_json::json!(["Europe/Berlin"]));
        assert_eq!(read["name"], "dealflow: дела — Manager");
        let event = |title: &str| {
            let events = read["events"].as_array().unwrap();
            events.iter().find(|e| e["summary"].as_str().unwrap().ends_with(title)).unwrap_or_else(|| panic!("{title} in {read}")).clone()
        };
        let meeting = event("Встреча; с закупками, этап 2");
        assert_eq!(
            (meeting["start"].as_str(), meeting["end"].as_str()),
            (Some("2026-12-02T10:00:00+01:00"), Some("2026-12-02T11:30:00+01:00"))
        );
        let description = meeting["description"].as_str().unwrap();
        for line in ["Продажа: Склад, этап 2", "Клиент: Волга Фарм", "Контакт: Ирина Соколова", "Состояние: Не начата"]
        {
            assert!(description.lines().any(|l| l == line), "{line:?} in {description:?}");
        }
        let summer = event("Летний звонок");
        assert_eq!(
            (summer["start"].as_str(), summer["end"].as_str()),
            (Some("2027-06-15T10:00:00+02:00"), Some("2027-06-15T10:30:00+02:00"))
        );
        let timed = event("Отправить КП");
        assert_eq!(
            (timed["start"].as_str(), timed["end"].as_str()),
            (Some("2026-12-03T16:30:00+01:00"), Some("2026-12-03T16:45:00+01:00"))
        );
        let whole_day = event("Подготовить договор");
        assert_eq!((whole_day["start"].as_str(), whole_day["end"].as_str()), (Some("2026-12-05"), Some("2026-12-06")));
        assert_eq!(event("Отменён")["status"], "CANCELLED");
        assert_eq!(event("Летний звонок")["status"], "CONFIRMED");
    }
    summer.unwrap();

    // A new address ends the old one; turning it off ends the new one.
    let replaced = app.services.open_calendar_feed(by, "own").await.unwrap();
    assert_eq!(browser.get(&format!("/calendar/{secret}.ics"), "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get(&format!("/calendar/{replaced}.ics"), "").await.status, StatusCode::OK);
    assert!(app.services.close_calendar_feed(by).await.unwrap());
    assert_eq!(browser.get(&format!("/calendar/{replaced}.ics"), "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get(&format!("/calendar/{replaced}"), "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/calendar/made-up.ics", "").await.status, StatusCode::NOT_FOUND);
}

async fn a_supervisor_subscribes_to_the_team_from_the_profile(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let call = |title: &str| activity(ActivityType::Call, title, Some("2026-12-02T09:00:00Z"), None);
    app.services.create_activity(app.actor_of(&app.manager), call("Звонок менеджера")).await.unwrap();
    app.services.create_activity(app.actor_of(&app.teammate), call("Звонок коллеги")).await.unwrap();
    app.services.create_activity(app.actor_of(&app.loner), call("Звонок одиночки")).await.unwrap();
    let browser = Browser::of(&api);
    let session = session_for(&api, &app.supervisor).await;
    let profile = browser.get("/profile", &session).await;
    assert!(profile.body.contains("You have no calendar address yet."), "the supervisor reads English");
    let csrf = profile.field("csrf");
    let made = browser.post("/profile/calendar", &session, &[("scope", "team"), ("csrf", &csrf)]).await;
    assert_eq!(made.status, StatusCode::OK);
    let address = made.body.split("id=\"calendar-address\" readonly value=\"").nth(1).expect("the new address shown");
    let address = address.split('"').next().unwrap();
    let path = address.strip_prefix(&browser_origin(&api)).unwrap_or_else(|| panic!("an address on this server: {address}")).to_owned();
    assert!(path.starts_with("/calendar/") && path.ends_with(".ics"), "{path}");
    let again = browser.get("/profile", &session).await;
    assert!(!again.body.contains(&path), "the address is shown once");
    assert!(again.body.contains("Address made on 2026-11-28; it shows my team&#39;s activities."), "{}", again.body);

    let feed = unfolded(&browser.get(&path, "").await);
    assert!(feed.contains("SUMMARY:Call: Звонок менеджера — Manager"), "the team's, each with its owner: {feed}");
    assert!(feed.contains("SUMMARY:Call: Звонок коллеги — Teammate"));
    assert!(!feed.contains("одиночки"), "not another team's");
    assert!(feed.contains("TZID:Europe/Moscow") && feed.contains("DTSTART;TZID=Europe/Moscow:20261202T120000"), "the default zone");

    let off = browser.post("/profile/calendar/off", &session, &[("csrf", &csrf)]).await;
    assert_eq!((off.status, off.location()), (StatusCode::SEE_OTHER, "/profile?calendar=off#calendar-feed"));
    assert_eq!(browser.get(&path, "").await.status, StatusCode::NOT_FOUND);
    let wrong = app.services.open_calendar_feed(app.actor_of(&app.supervisor), "everyone").await;
    assert!(wrong.is_err_and(|e| e.to_string().contains("invalid")));
}

fn browser_origin(api: &Api) -> String {
    api.base.trim_end_matches("/api/v1").to_owned()
}

on_both_backends!(a_users_feed_carries_their_activities_in_their_time_zone, a_supervisor_subscribes_to_the_team_from_the_profile);
