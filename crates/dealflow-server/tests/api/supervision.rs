//! The supervisor's view (issue 15), over real HTTP on both backends: the schedule of one team
//! member or of the whole team, and the analytics' quick periods, the team side by side and the
//! monthly trend, each only as far as the reader may see.

use dealflow_core::definition::ActivityType;
use dealflow_core::records::UserRecord;
use dealflow_server::services::NewActivity;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

async fn call(app: &TestApp, owner: &UserRecord, title: &str, hours_ahead: i64) {
    let call = NewActivity {
        kind: ActivityType::Call,
        title: title.into(),
        owner_id: None,
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: Some(app.clock.now() + SignedDuration::from_hours(hours_ahead)),
        due_at: None,
        duration_minutes: Some(30),
    };
    app.services.create_activity(app.actor_of(owner), call).await.unwrap();
}

/// The row of `name` in the comparison table.
fn comparison_row<'a>(body: &'a str, name: &str) -> &'a str {
    let start = body.find(&format!(r#"<td data-label="Manager" translate="no">{name}</td>"#)).unwrap_or_else(|| panic!("no row of {name}"));
    &body[start..start + body[start..].find("</tr>").unwrap()]
}

async fn a_supervisor_opens_a_team_members_schedule_or_the_whole_teams(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    call(app, &app.manager, "Звонок менеджера", 26).await;
    call(app, &app.teammate, "Звонок коллеги", 28).await;
    call(app, &app.loner, "Звонок из другой команды", 27).await;
    call(app, &app.supervisor, "Своя встреча руководителя", 30).await;
    let browser = Browser::of(&api);
    let supervisor = session_for(&api, &app.supervisor).await;

    let own = browser.get("/schedule?view=week&date=2026-11-29", &supervisor).await;
    assert!(own.body.contains("Своя встреча руководителя") && !own.body.contains("Звонок менеджера"), "one's own by default");
    assert!(own.body.contains(r#"<select name="who">"#), "a supervisor picks whose schedule");

    let team = browser.get("/schedule?view=week&date=2026-11-29&who=team", &supervisor).await;
    assert_eq!(team.status, StatusCode::OK);
    for title in ["Звонок менеджера", "Звонок коллеги", "Своя встреча руководителя"] {
        assert!(team.body.contains(title), "{title} is in the team's week");
    }
    assert!(!team.body.contains("Звонок из другой команды"), "another team's stays out");
    assert!(team.body.contains(r#"<span class="owner" translate="no">Teammate</span>"#), "each line names whose it is");
    assert!(team.body.contains("&amp;who=team") || team.body.contains("&#38;who=team"), "paging through weeks keeps the team");

    let one = browser.get(&format!("/schedule?view=week&date=2026-11-29&who={}", app.teammate.id), &supervisor).await;
    assert!(one.body.contains("Звонок коллеги") && !one.body.contains("Звонок менеджера"));
    let outsider = browser.get(&format!("/schedule?view=week&date=2026-11-29&who={}", app.loner.id), &supervisor).await;
    assert_eq!(outsider.status, StatusCode::OK);
    assert!(!outsider.body.contains("Звонок из другой команды"), "someone out of sight has an empty schedule");

    // A manager's "team" is themself, and they get no picker.
    let manager = session_for(&api, &app.manager).await;
    let theirs = browser.get("/schedule?view=week&date=2026-11-29&who=team", &manager).await;
    assert!(theirs.body.contains("Звонок менеджера") && !theirs.body.contains("Звонок коллеги"));
    assert!(!theirs.body.contains(r#"<select name="who">"#));
}

/// A day of thirty calls: the week shows its first 25 and links to the whole day, which shows all.
async fn a_full_day_of_the_week_shows_its_first_activities_and_links_to_the_rest(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    for n in 1..=30 {
        call(app, &app.manager, &format!("Звонок №{n:02}"), 26).await;
    }
    let browser = Browser::of(&api);
    let manager = session_for(&api, &app.manager).await;
    let week = browser.get("/schedule?view=week&date=2026-11-29", &manager).await;
    assert_eq!(week.body.matches("Звонок №").count(), 25, "the week shows a full day's first 25");
    let day = app.clock.now().checked_add(SignedDuration::from_hours(26)).unwrap().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let link = format!(r#"<a class="day-more" href="/schedule?view=day&amp;date={day}">Все дела этого дня →</a>"#);
    let link_alt = link.replace("&amp;", "&#38;");
    assert!(week.body.contains(&link) || week.body.contains(&link_alt), "a link to the rest of the day:\n{}", week.body);
    let whole = browser.get(&format!("/schedule?view=day&date={day}"), &manager).await;
    assert_eq!(whole.body.matches("Звонок №").count(), 30, "the day shows them all");
    assert!(!whole.body.contains("day-more"));
}

async fn the_analytics_compare_the_team_and_trace_won_revenue_and_win_rate_by_month(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let (manager, teammate) = (api.token(&app.manager).await, api.token(&app.teammate).await);
    let close = async |token: &str, id: &str, stage: &str, revenue: Option<&str>| {
        let body = json!({"stage": stage, "actual_revenue": revenue});
        let done = api.post(&format!("/opportunities/{id}/close"), token, body).await;
        assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    };
    let id = |answer: &crate::client::Answer| answer.body["id"].as_str().unwrap().to_owned();
    // The test's clock starts on Saturday 2026-11-28. The manager wins one deal in two days and
    // loses one in November; the teammate wins one in six days, in December, and keeps one open.
    let won = id(&api.post("/opportunities", &manager, json!({"title": "Выигрыш менеджера", "amount": "100000"})).await);
    let slow = id(&api.post("/opportunities", &teammate, json!({"title": "Выигрыш коллеги", "amount": "300000"})).await);
    api.post("/opportunities", &teammate, json!({"title": "Открытая", "stage": "proposal", "amount": "50000"})).await;
    app.clock.advance(SignedDuration::from_hours(48));
    close(&manager, &won, "closed_won", Some("100000")).await;
    let lost = id(&api.post("/opportunities", &manager, json!({"title": "Проигрыш"})).await);
    close(&manager, &lost, "closed_lost", None).await;
    app.clock.advance(SignedDuration::from_hours(96));
    close(&teammate, &slow, "closed_won", None).await;
    let loner = api.token(&app.loner).await;
    let other = id(&api.post("/opportunities", &loner, json!({"title": "Чужая", "amount": "999999"})).await);
    close(&loner, &other, "closed_won", None).await;

    let browser = Browser::of(&api);
    let supervisor = session_for(&api, &app.supervisor).await;
    let page = browser.get("/analytics", &supervisor).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let row = comparison_row(body, "Manager");
    for shown in [">1<", "100,000.00\u{a0}₽", "50.0\u{a0}%", "2.0\u{a0}d"] {
        assert!(row.contains(shown), "{shown} in the manager's row: {row}");
    }
    let row = comparison_row(body, "Teammate");
    for shown in ["300,000.00\u{a0}₽", "100.0\u{a0}%", "6.0\u{a0}d", "50,000.00\u{a0}₽"] {
        assert!(row.contains(shown), "{shown} in the teammate's row: {row}");
    }
    assert!(body.find("Teammate</td>") < body.find("Manager</td>"), "most won revenue first");
    assert!(!body.contains("Loner"), "another team's manager is not compared");
    assert!(body.contains("<title>Nov 2026: Won revenue 100,000.00\u{a0}₽ · Win rate 50.0\u{a0}%</title>"), "{body}");
    assert!(body.contains("<title>Dec 2026: Won revenue 300,000.00\u{a0}₽ · Win rate 100.0\u{a0}%</title>"));
    assert!(body.contains("<title>Jan 2026: Won revenue 0.00\u{a0}₽ · Win rate —</title>"), "twelve months up to this one");
    // Quick periods, on the supervisor's calendar (Moscow): today is 2026-12-04.
    assert!(body.contains(r#"href="/analytics?from=2026-12-01&#38;to=2027-01-01">This month"#));
    assert!(body.contains(r#"href="/analytics?from=2026-10-01&#38;to=2027-01-01">This quarter"#));

    // December alone: the manager won nothing in it; the trend still shows the year to December.
    let december = browser.get("/analytics?from=2026-12-01&to=2027-01-01", &supervisor).await;
    assert!(december.body.contains(r#"href="/analytics?from=2026-12-01&#38;to=2027-01-01" aria-current="true">This month"#));
    assert!(comparison_row(&december.body, "Manager").contains("0.00\u{a0}₽"));
    assert!(comparison_row(&december.body, "Teammate").contains("300,000.00\u{a0}₽"));
    // One owner's trend; the comparison stays the team's.
    let one = browser.get(&format!("/analytics?owner_id={}", app.manager.id), &supervisor).await;
    assert!(one.body.contains("<title>Dec 2026: Won revenue 0.00\u{a0}₽ · Win rate —</title>"));
    assert!(comparison_row(&one.body, "Teammate").contains("300,000.00\u{a0}₽"));
    // The comparison and the trend are in the CSV too.
    let csv = browser.get("/analytics.csv", &supervisor).await;
    assert!(csv.body.contains("The team by salesperson,Teammate: Won revenue,300000.00\r\n"), "{}", csv.body);
    assert!(csv.body.contains("Won revenue and win rate by month,Nov 2026: Win rate,0.5000\r\n"));

    // A manager alone has a trend and no comparison.
    let alone = session_for(&api, &app.manager).await;
    let theirs = browser.get("/analytics", &alone).await;
    assert!(theirs.body.contains(r#"id="trend""#) && !theirs.body.contains(r#"id="comparison""#));
}

on_both_backends!(
    a_supervisor_opens_a_team_members_schedule_or_the_whole_teams,
    a_full_day_of_the_week_shows_its_first_activities_and_links_to_the_rest,
    the_analytics_compare_the_team_and_trace_won_revenue_and_win_rate_by_month
);
