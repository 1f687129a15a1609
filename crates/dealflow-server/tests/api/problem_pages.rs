//! Every typed field problem a person can meet in the web app: a real form post (or filter) that
//! the pages refuse with it, shown in the viewer's language — Russian, then English after the
//! language switch — beside the field it is about, in the catalogue's words. Problems only an
//! API client can cause are listed with the reason; `pages::tests` renders those too.

use std::collections::BTreeSet;

use dealflow_core::check::{Invalid, MAX_TITLE, MIN_PASSWORD};
use dealflow_core::engine::StartedVia;
use dealflow_core::records::Role;
use dealflow_core::{Locale, LocalizedText, ProcessDefinition};
use dealflow_server::services::{NewStage, NewUser, UserChanges};
use reqwest::StatusCode;

use crate::client::Api;
use crate::on_both_backends;
use crate::problems::SHIPPED;
use crate::support::TestApp;
use crate::web::{Browser, Page, session_for};

on_both_backends!(every_typed_problem_a_person_can_cause_reads_beside_its_field_in_their_language);

/// Problems no page can produce, and why: the forms send text in known shapes, pick stages and
/// people from lists the server made, and page through lists leniently.
const NOT_ON_THE_PAGES: [(&str, &str); 13] = [
    ("unknown_field", "a form's unknown fields are ignored, as browsers send what the page has"),
    ("read_only", "the pages have no field for what the process or the server sets"),
    ("wrong_type", "a form field is always text"),
    ("at_least", "the pages choose page sizes themselves"),
    ("not_a_time", "the pages take dates and times of day, never RFC 3339"),
    ("not_a_date_or_time", "the pages take dates and times of day, never RFC 3339"),
    ("window_too_long", "the schedule page shows a day or a week"),
    ("no_active_stage", "a new opportunity meets it only with every stage switched off, which the other cases need on"),
    ("set_by_process", "a process activity's edit form has no title, kind or link fields, and ignores them if sent"),
    ("finished_by_command", "the activity page completes through its own button"),
    ("nul_character", "browsers do not send NUL in form fields"),
    ("bad_cursor", "an unknown cursor in a link starts the list from the top"),
    ("key_reused", "idempotency keys are for API clients"),
];

/// Where a problem is shown: beside a form field, or in the form's notice.
#[derive(Clone, Copy)]
enum Place {
    Field(&'static str),
    Notice,
}

/// A form the pages must refuse with `invalid`.
struct Case {
    invalid: Invalid,
    place: Place,
    as_admin: bool,
    /// `GET` with `form` as the query when true (filters), else a form post.
    query: bool,
    path: String,
    form: Vec<(&'static str, String)>,
}

fn post(invalid: Invalid, place: Place, path: impl Into<String>, form: &[(&'static str, &str)]) -> Case {
    let form = form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    Case { invalid, place, as_admin: false, query: false, path: path.into(), form }
}

fn by_admin(mut case: Case) -> Case {
    case.as_admin = true;
    case
}

/// The page as a reader sees its text: entities decoded.
fn text_of(page: &Page) -> String {
    page.body
        .replace("&#34;", "\"")
        .replace("&#x22;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn assert_shows(page: &Page, case: &Case, locale: Locale) {
    let message = case.invalid.message(locale);
    let text = text_of(page);
    let context = || {
        let errors: Vec<&str> = text.split("field-error\">").skip(1).filter_map(|s| s.split('<').next()).collect();
        format!("{} at {} in {locale:?} ({}); the page's field errors: {errors:?}", case.invalid.code(), case.path, page.status)
    };
    // A refused command on the opportunity page answers 409 with the page and its notice.
    let refused = [StatusCode::OK, StatusCode::CONFLICT, StatusCode::UNPROCESSABLE_ENTITY];
    assert!(refused.contains(&page.status), "{}", context());
    assert!(text.contains(&format!("<html lang=\"{}\"", locale.as_str())), "{}", context());
    let at = text.find(&message).unwrap_or_else(|| panic!("the message {message:?} is missing: {}", context()));
    match case.place {
        Place::Field(field) => {
            // Beside its field: after the field's input (or its list) and before any other's.
            let input = text[..at]
                .rfind(&format!("name=\"{field}\""))
                .unwrap_or_else(|| panic!("no field {field} before the message: {}", context()));
            let between = &text[input..at];
            assert!(between.matches(" name=\"").count() <= 1, "another field comes between {field} and its message: {between}");
            let element = &text[text[..at].rfind('<').unwrap()..at];
            assert!(element.contains("class=\"field-error\""), "in the field's error slot, not {element}: {}", context());
        }
        Place::Notice => {
            // Inside an alert: its element (or its list of problems) not yet closed.
            let in_notice = text.match_indices(&message).any(|(at, _)| {
                text[..at].rfind("role=\"alert\"").is_some_and(|alert| {
                    let inside = &text[alert..at];
                    !inside.contains("</div>") && (inside.contains("<li>") || !inside.contains("</p>"))
                })
            });
            assert!(in_notice, "not in a notice: {}", context());
        }
    }
}

async fn every_typed_problem_a_person_can_cause_reads_beside_its_field_in_their_language(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;
    let admin_user = app.admin().await;
    let admin_actor = app.actor(&admin_user.id).clone();
    let manager = session_for(&api, &app.manager).await;
    let admin = session_for(&api, &admin_user).await;

    // What the forms refer to: the manager's opportunity on its process, an inactive stage, a
    // deactivated user and a second process that is switched off.
    let started = app.services.start_process(app.actor_of(&app.manager), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap();
    let deal = started.opportunity.id.clone();
    let step = app.open_process_activities(&deal).await[0].id.clone();
    let spare = NewStage {
        code: "spare".into(),
        name: LocalizedText::new("Запасная", "Spare"),
        max_probability: 50,
        active: Some(false),
        ..NewStage::default()
    };
    app.services.create_stage(&admin_actor, spare).await.unwrap();
    let gone = NewUser {
        email: "gone@test.local".into(),
        name: "Gone".into(),
        role: Role::Manager,
        supervisor_id: None,
        locale: None,
        time_zone: None,
        password: "long-enough".into(),
    };
    let gone = app.services.create_user(&admin_actor, gone).await.unwrap();
    app.services.update_user(&admin_actor, &gone.id, UserChanges { active: Some(false), ..UserChanges::default() }).await.unwrap();
    let other = SHIPPED.replacen("code = \"enterprise-sale\"", "code = \"paused-sale\"", 1);
    let stages = app.stages().await;
    let paused = ProcessDefinition::parse_toml(&other, &stages).unwrap();
    app.publish(&paused).await;
    app.services.set_process_active(&admin_actor, "paused-sale", false).await.unwrap();

    let broken = SHIPPED.replacen("due = \"P1D\"", "due = \"soon\"", 1);
    let first = ProcessDefinition::parse_toml(&broken, &stages).expect_err("the broken document is refused").remove(0);
    let definition = Invalid::Definition { en: first.message.clone(), ru: first.message_ru.clone(), line: first.line };
    let renamed = SHIPPED.replacen("code = \"enterprise-sale\"", "code = \"other-sale\"", 1);
    let mismatch = Invalid::CodeMismatch { document: "other-sale".into(), address: "enterprise-sale".into() };
    let page = browser.get(&format!("/opportunities/{deal}"), &manager).await;
    let version = page.field("version");

    let details = format!("/opportunities/{deal}/details");
    let detail = |field: &'static str, value: &str| -> Vec<(&'static str, String)> {
        let mut form = vec![("version", version.clone()), ("title", "Refused deal".to_owned())];
        form.retain(|(k, _)| *k != field);
        form.push((field, value.to_owned()));
        form
    };
    let long = "x".repeat(MAX_TITLE + 1);
    let tags = (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>().join(", ");
    fn user<'a>(email: &'a str, role: &'a str, password: &'a str) -> [(&'static str, &'a str); 6] {
        [("email", email), ("name", "Someone"), ("role", role), ("password", password), ("locale", "ru"), ("supervisor_id", "")]
    }
    let cases = vec![
        Case { form: detail("title", ""), ..post(Invalid::Required, Place::Field("title"), &details, &[]) },
        Case { form: detail("title", &long), ..post(Invalid::TooLong { max: MAX_TITLE }, Place::Field("title"), &details, &[]) },
        by_admin(post(
            Invalid::TooShort { min: MIN_PASSWORD },
            Place::Field("password"),
            "/admin/users",
            &user("short@test.local", "manager", "short"),
        )),
        post(Invalid::TooMany { max: 50 }, Place::Field("tags"), "/knowledge", &[("title", "Tags"), ("body", "Many"), ("tags", &tags)]),
        Case {
            form: detail("probability", "150"),
            ..post(Invalid::OutOfRange { min: 0, max: 100 }, Place::Field("probability"), &details, &[])
        },
        by_admin(post(Invalid::NotAnEmail, Place::Field("email"), "/admin/users", &user("not-an-email", "manager", "long-enough"))),
        Case { form: detail("amount", "lots"), ..post(Invalid::NotMoney, Place::Field("amount"), &details, &[]) },
        post(
            Invalid::NotHours,
            Place::Field("hours_spent"),
            format!("/opportunities/{deal}/close"),
            &[("stage", "closed_lost"), ("hours_spent", "many")],
        ),
        Case { form: detail("close_date", "2026-13-01"), ..post(Invalid::NotADate, Place::Field("close_date"), &details, &[]) },
        Case {
            query: true,
            ..post(Invalid::EndBeforeStart, Place::Field("to"), "/analytics", &[("from", "2026-12-01"), ("to", "2026-11-01")])
        },
        by_admin(post(
            Invalid::NotOneOf { allowed: ["manager", "supervisor", "admin"].map(String::from).to_vec() },
            Place::Field("role"),
            "/admin/users",
            &user("emperor@test.local", "emperor", "long-enough"),
        )),
        by_admin(post(
            Invalid::NotACode,
            Place::Field("code"),
            "/admin/stages",
            &[
                ("code", "Not A Code"),
                ("name_ru", "Х"),
                ("name_en", "X"),
                ("description_ru", ""),
                ("description_en", ""),
                ("max_probability", "5"),
            ],
        )),
        by_admin(post(
            Invalid::NotAWebAddress,
            Place::Field("url"),
            "/admin/webhooks",
            &[("url", "ftp://example.test/hooks"), ("lead.converted", "on"), ("active", "on")],
        )),
        by_admin(post(Invalid::NotACurrency, Place::Field("value"), "/admin/settings/currency", &[("kind", "text"), ("value", "roubles")])),
        post(
            Invalid::NotATimeOfDay,
            Place::Field("time"),
            "/activities",
            &[("type", "meeting"), ("title", "Встреча"), ("date", "2026-12-01"), ("time", "25:00")],
        ),
        post(
            Invalid::UnknownTimeZone,
            Place::Field("time_zone"),
            "/profile",
            &[("name", "Anna"), ("locale", "ru"), ("time_zone", "Mars/Olympus")],
        ),
        // The message follows the last of the seven day boxes.
        by_admin(post(Invalid::NotWeekdays, Place::Field("d7"), "/admin/settings/working_days", &[("kind", "weekdays")])),
        Case { form: detail("account_id", "nowhere"), ..post(Invalid::UnknownReference, Place::Field("account_id"), &details, &[]) },
        by_admin(Case { form: detail("owner_id", &gone.id), ..post(Invalid::Deactivated, Place::Field("owner_id"), &details, &[]) }),
        Case { form: detail("owner_id", &app.loner.id), ..post(Invalid::NotInTeam, Place::Field("owner_id"), &details, &[]) },
        post(Invalid::UnknownStage, Place::Notice, format!("/opportunities/{deal}/stage"), &[("stage", "nowhere"), ("version", &version)]),
        post(Invalid::InactiveStage, Place::Notice, format!("/opportunities/{deal}/stage"), &[("stage", "spare"), ("version", &version)]),
        post(Invalid::NotAFinalStage, Place::Field("stage"), format!("/opportunities/{deal}/close"), &[("stage", "qualification")]),
        post(Invalid::UnknownResult, Place::Notice, format!("/activities/{step}/complete"), &[("result", "maybe")]),
        post(Invalid::ProcessInactive, Place::Notice, format!("/opportunities/{deal}/start"), &[("code", "paused-sale")]),
        by_admin(post(Invalid::InUse, Place::Notice, "/admin/stages/qualification/delete", &[])),
        by_admin(post(
            Invalid::FinalityLocked,
            Place::Field("is_final"),
            "/admin/stages/qualification",
            &[
                ("name_ru", "Квалификация"),
                ("name_en", "Qualification"),
                ("description_ru", ""),
                ("description_en", ""),
                ("max_probability", "10"),
                ("is_final", "on"),
            ],
        )),
        by_admin(post(
            Invalid::SelfSupervision,
            Place::Field("supervisor_id"),
            format!("/admin/users/{}", app.manager.id),
            &[
                ("name", "Manager"),
                ("email", "manager@test.local"),
                ("role", "manager"),
                ("supervisor_id", &app.manager.id),
                ("locale", "ru"),
                ("password", ""),
                ("active", "on"),
            ],
        )),
        by_admin(post(
            Invalid::SelfDemotion,
            Place::Field("role"),
            format!("/admin/users/{}", admin_user.id),
            &[
                ("name", "Administrator"),
                ("email", "admin@test.local"),
                ("role", "manager"),
                ("supervisor_id", ""),
                ("locale", "ru"),
                ("password", ""),
                ("active", "on"),
            ],
        )),
        by_admin(post(
            Invalid::WrongPassword,
            Place::Field("current_password"),
            format!("/admin/users/{}", admin_user.id),
            &[
                ("name", "Administrator"),
                ("email", "admin@test.local"),
                ("role", "admin"),
                ("supervisor_id", ""),
                ("locale", "ru"),
                ("password", "a-new-password"),
                ("current_password", "not-mine"),
                ("active", "on"),
            ],
        )),
        by_admin(post(mismatch, Place::Notice, "/processes/enterprise-sale/upload", &[("document", &renamed), ("action", "check")])),
        by_admin(post(definition, Place::Notice, "/processes/enterprise-sale/upload", &[("document", &broken), ("action", "check")])),
    ];

    let mut covered = BTreeSet::new();
    for (language, locale) in [("ru", Locale::Ru), ("en", Locale::En)] {
        // The language switch in the user menu, as a person would use it.
        for session in [&manager, &admin] {
            let csrf = browser.get("/notifications", session).await.field("csrf-token");
            let switched = browser.post("/locale", session, &[("locale", language), ("csrf", &csrf), ("back", "/")]).await;
            assert_eq!(switched.status, StatusCode::SEE_OTHER);
        }
        let before = crate::bad_input::fingerprint(&api).await;
        for case in &cases {
            let session = if case.as_admin { &admin } else { &manager };
            let csrf = browser.get("/notifications", session).await.field("csrf-token");
            let form: Vec<(&str, &str)> = case.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = if case.query {
                let query = serde_urlencoded_pairs(&form);
                browser.get(&format!("{}?{query}", case.path), session).await
            } else {
                let mut form = form;
                form.push(("csrf", &csrf));
                browser.post(&case.path, session, &form).await
            };
            assert_shows(&page, case, locale);
            covered.insert(case.invalid.code());
        }
        assert_eq!(crate::bad_input::fingerprint(&api).await, before, "a refused form changed something");
    }

    let every: BTreeSet<&str> = Invalid::examples().iter().map(Invalid::code).collect();
    let elsewhere: BTreeSet<&str> = NOT_ON_THE_PAGES.iter().map(|(code, _)| *code).collect();
    assert_eq!(covered, &every - &elsewhere, "every typed problem a person can cause has a case");
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        query.append_pair(key, value);
    }
    query.finish()
}
