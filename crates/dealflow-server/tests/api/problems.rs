//! Every typed field problem (`dealflow_core::check::Invalid`) as a client meets it: a real
//! request that the API refuses with it, answered in Russian and in English, its `code`,
//! `message` and bounds exactly as the catalogue says. The pages' side is in `problem_pages`.

use std::collections::BTreeSet;

use dealflow_core::check::{Invalid, MAX_TITLE, MIN_PASSWORD};
use dealflow_core::{Locale, ProcessDefinition};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::{Answer, Api};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends!(every_typed_problem_reaches_an_api_client_in_its_language);

pub(crate) const SHIPPED: &str = include_str!("../../../../processes/enterprise-sale.toml");

/// Problems no API request can meet, and why.
const NOT_IN_THE_API: [(&str, &str); 2] = [
    ("in_use", "the API deactivates stages and never deletes them"),
    ("not_a_time_of_day", "the API takes whole times in RFC 3339, not a time of day"),
];

/// What a request sends besides its method and path.
enum Send {
    Nothing,
    Json(Value),
    Toml(String),
}

/// One request the API must refuse with `invalid` on `field`.
struct Case {
    invalid: Invalid,
    field: &'static str,
    as_admin: bool,
    method: Method,
    path: String,
    send: Send,
    idempotency_key: Option<&'static str>,
}

fn case(invalid: Invalid, field: &'static str, method: Method, path: impl Into<String>, body: Value) -> Case {
    let send = if method == Method::GET { Send::Nothing } else { Send::Json(body) };
    Case { invalid, field, as_admin: false, method, path: path.into(), send, idempotency_key: None }
}

fn by_admin(mut case: Case) -> Case {
    case.as_admin = true;
    case
}

async fn send(api: &Api, token: &str, case: &Case, language: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new().request(case.method.clone(), format!("{}{}", api.base, case.path)).bearer_auth(token);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    if let Some(key) = case.idempotency_key {
        request = request.header("idempotency-key", key);
    }
    request = match &case.send {
        Send::Nothing => request,
        Send::Json(body) => request.json(body),
        Send::Toml(text) => request.header("content-type", "application/toml").body(text.clone()),
    };
    Answer::read(request.send().await.unwrap()).await
}

/// The answer names `invalid` on `field` in `locale`'s words, with its bounds.
fn assert_names(answer: &Answer, field: &str, invalid: &Invalid, locale: Locale) {
    let context = format!("{} on {field} in {locale:?}: {}", invalid.code(), answer.body);
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{context}");
    assert_eq!(answer.content_type, "application/problem+json", "{context}");
    assert_eq!(answer.code(), "validation_failed", "{context}");
    let errors = answer.body["errors"].as_array().unwrap_or_else(|| panic!("errors[]: {context}"));
    let problem = errors.iter().find(|e| e["field"] == field).unwrap_or_else(|| panic!("no problem with the field: {context}"));
    assert_eq!(problem["code"], invalid.code(), "{context}");
    assert_eq!(problem["message"], invalid.message(locale), "{context}");
    let (min, max) = invalid.bounds();
    assert_eq!((problem["min"].as_i64(), problem["max"].as_i64()), (min, max), "{context}");
    if let Invalid::Definition { line: Some(line), .. } = invalid {
        assert_eq!(problem["line"].as_u64(), Some(u64::try_from(*line).unwrap()), "{context}");
    }
}

async fn created(answer: Answer) -> Value {
    assert!(answer.status.is_success(), "{:?}", answer.body);
    answer.body
}

async fn every_typed_problem_reaches_an_api_client_in_its_language(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let admin_user = api.app.admin().await;
    let admin = api.token(&admin_user).await;

    // What the refusals refer to: an opportunity on its process, an inactive stage, a
    // deactivated user and an inactive process.
    let deal = created(api.post("/opportunities", &manager, json!({"title": "Refused many times"})).await).await;
    let deal = deal["id"].as_str().unwrap().to_owned();
    created(api.post("/processes/enterprise-sale/start", &manager, json!({"opportunity_id": deal})).await).await;
    let steps = api.get(&format!("/activities?opportunity_id={deal}"), &manager).await;
    let step = steps.body["items"][0]["id"].as_str().unwrap().to_owned();
    let spare = json!({"code": "spare", "name": {"ru": "Запасная", "en": "Spare"}, "max_probability": 50});
    created(api.post("/opportunity-stages", &admin, spare).await).await;
    created(api.send(Method::PATCH, "/opportunity-stages/spare", Some(&admin), Some(json!({"active": false}))).await).await;
    let gone = json!({"email": "gone@test.local", "name": "Gone", "role": "manager", "password": "long-enough"});
    let gone = created(api.post("/users", &admin, gone).await).await;
    let gone = gone["id"].as_str().unwrap().to_owned();
    created(api.send(Method::PATCH, &format!("/users/{gone}"), Some(&admin), Some(json!({"active": false}))).await).await;
    let first_key = json!({"title": "Keyed once"});
    let keyed = Case { idempotency_key: Some("used-once"), ..case(Invalid::KeyReused, "", Method::POST, "/opportunities", first_key) };
    created(send(&api, &manager, &keyed, None).await).await;

    let stages = api.app.stages().await;
    let broken = SHIPPED.replacen("due = \"P1D\"", "due = \"soon\"", 1);
    let problems = ProcessDefinition::parse_toml(&broken, &stages).expect_err("the broken document is refused");
    let first = &problems[0];
    let definition = Invalid::Definition { en: first.message.clone(), ru: first.message_ru.clone(), line: first.line };
    let definition_field: &'static str = first.path.clone().leak();
    let renamed = SHIPPED.replacen("code = \"enterprise-sale\"", "code = \"other-sale\"", 1);
    let mismatch = Invalid::CodeMismatch { document: "other-sale".into(), address: "enterprise-sale".into() };

    let post = Method::POST;
    let patch = Method::PATCH;
    let get = Method::GET;
    let long = "x".repeat(MAX_TITLE + 1);
    let cases = vec![
        case(Invalid::Required, "title", post.clone(), "/opportunities", json!({})),
        case(Invalid::UnknownField, "colour", post.clone(), "/opportunities", json!({"title": "x", "colour": "red"})),
        case(Invalid::ReadOnly, "stage", patch.clone(), format!("/opportunities/{deal}"), json!({"stage": "proposal"})),
        case(Invalid::WrongType, "title", post.clone(), "/opportunities", json!({"title": 5})),
        case(Invalid::TooLong { max: MAX_TITLE }, "title", post.clone(), "/opportunities", json!({"title": long})),
        by_admin(case(
            Invalid::TooShort { min: MIN_PASSWORD },
            "password",
            post.clone(),
            "/users",
            json!({"email": "short@test.local", "name": "Short", "role": "manager", "password": "short"}),
        )),
        case(
            Invalid::TooMany { max: 50 },
            "tags",
            post.clone(),
            "/knowledge",
            json!({"title": "Tags", "body": "Many", "tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
        ),
        case(Invalid::AtLeast { min: 1 }, "limit", get.clone(), "/opportunities?limit=0", Value::Null),
        case(
            Invalid::OutOfRange { min: 0, max: 100 },
            "probability",
            post.clone(),
            "/opportunities",
            json!({"title": "x", "probability": 101}),
        ),
        case(Invalid::NotAnEmail, "email", post.clone(), "/contacts", json!({"name": "Ivan", "email": "ivan-at-example"})),
        by_admin(case(
            Invalid::NotAWebAddress,
            "url",
            post.clone(),
            "/webhooks",
            json!({"url": "ftp://example.test/hooks", "event_types": ["lead.converted"]}),
        )),
        case(Invalid::NotMoney, "amount", post.clone(), "/opportunities", json!({"title": "x", "amount": "-5"})),
        case(
            Invalid::NotHours,
            "hours_spent",
            post.clone(),
            format!("/opportunities/{deal}/close"),
            json!({"stage": "closed_lost", "hours_spent": -1}),
        ),
        case(Invalid::NotADate, "close_date", post.clone(), "/opportunities", json!({"title": "x", "close_date": "2026-13-01"})),
        case(Invalid::NotATime, "due_at", post.clone(), "/activities", json!({"type": "task", "title": "x", "due_at": "tomorrow"})),
        case(Invalid::NotADateOrTime, "from", get.clone(), "/schedule?from=soon&to=2026-12-01", Value::Null),
        case(Invalid::EndBeforeStart, "to", get.clone(), "/schedule?from=2026-12-01&to=2026-11-01", Value::Null),
        case(Invalid::WindowTooLong { max_days: 366 }, "to", get.clone(), "/schedule?from=2026-01-01&to=2027-06-01", Value::Null),
        case(
            Invalid::NotOneOf { allowed: ["task", "call", "meeting", "email"].map(String::from).to_vec() },
            "type",
            post.clone(),
            "/activities",
            json!({"type": "lunch", "title": "x"}),
        ),
        by_admin(case(
            Invalid::NotACode,
            "code",
            post.clone(),
            "/opportunity-stages",
            json!({"code": "Not A Code", "name": {"ru": "Х", "en": "X"}, "max_probability": 5}),
        )),
        by_admin(case(Invalid::NotACurrency, "value", Method::PUT, "/settings/currency", json!({"value": "roubles"}))),
        by_admin(case(Invalid::UnknownTimeZone, "value", Method::PUT, "/settings/default_time_zone", json!({"value": "Mars/Olympus"}))),
        by_admin(case(Invalid::NotWeekdays, "value", Method::PUT, "/settings/working_days", json!({"value": [0, 8]}))),
        case(Invalid::UnknownReference, "account_id", post.clone(), "/opportunities", json!({"title": "x", "account_id": "nowhere"})),
        by_admin(case(Invalid::Deactivated, "owner_id", post.clone(), "/opportunities", json!({"title": "x", "owner_id": gone}))),
        case(Invalid::NotInTeam, "owner_id", post.clone(), "/opportunities", json!({"title": "x", "owner_id": api.app.loner.id})),
        case(Invalid::UnknownStage, "stage", post.clone(), "/opportunities", json!({"title": "x", "stage": "nowhere"})),
        case(Invalid::InactiveStage, "stage", post.clone(), "/opportunities", json!({"title": "x", "stage": "spare"})),
        case(Invalid::NotAFinalStage, "stage", post.clone(), format!("/opportunities/{deal}/close"), json!({"stage": "qualification"})),
        case(Invalid::UnknownResult, "result", post.clone(), format!("/activities/{step}/complete"), json!({"result": "maybe"})),
        by_admin(case(Invalid::FinalityLocked, "is_final", patch.clone(), "/opportunity-stages/qualification", json!({"is_final": true}))),
        by_admin(case(
            Invalid::SelfSupervision,
            "supervisor_id",
            patch.clone(),
            format!("/users/{}", api.app.manager.id),
            json!({"supervisor_id": api.app.manager.id}),
        )),
        by_admin(case(Invalid::SelfDemotion, "role", patch.clone(), format!("/users/{}", admin_user.id), json!({"role": "manager"}))),
        case(
            Invalid::WrongPassword,
            "current_password",
            patch.clone(),
            format!("/users/{}", api.app.manager.id),
            json!({"password": "a-new-password", "current_password": "not-mine"}),
        ),
        case(Invalid::SetByProcess, "title", patch.clone(), format!("/activities/{step}"), json!({"title": "Renamed"})),
        case(Invalid::FinishedByCommand, "status", patch.clone(), format!("/activities/{step}"), json!({"status": "completed"})),
        Case { send: Send::Toml(renamed), ..by_admin(case(mismatch, "code", Method::PUT, "/processes/enterprise-sale", Value::Null)) },
        Case {
            send: Send::Toml(broken),
            ..by_admin(case(definition, definition_field, Method::PUT, "/processes/enterprise-sale", Value::Null))
        },
        case(Invalid::NulCharacter, "body", post.clone(), "/opportunities", json!({"title": "x\u{0}y"})),
        case(Invalid::BadCursor, "cursor", get.clone(), "/opportunities?cursor=not-ours", Value::Null),
        Case {
            idempotency_key: Some("used-once"),
            ..case(Invalid::KeyReused, "Idempotency-Key", post.clone(), "/opportunities", json!({"title": "Another body"}))
        },
    ];
    // Last: the problems of a team whose catalogue or library has nothing to offer.
    let mut cases = cases;
    cases.push(case(Invalid::ProcessInactive, "code", post.clone(), "/processes/enterprise-sale/start", json!({})));
    cases.push(case(Invalid::NoActiveStage, "stage", post.clone(), "/leads", json!({"title": "Nowhere to go"})));

    let mut covered = BTreeSet::new();
    let opportunities_before = api.get("/opportunities?limit=500", &admin).await.body["items"].as_array().unwrap().len();
    for case in &cases {
        if case.invalid == Invalid::ProcessInactive {
            api.app.services.set_process_active(api.app.actor(&admin_user.id), "enterprise-sale", false).await.unwrap();
        }
        if case.invalid == Invalid::NoActiveStage {
            // The API has no lead-stage administration; the administrators' pages use this.
            for mut stage in api.app.services.lead_stages().await.unwrap().into_iter().filter(|s| !s.is_final) {
                stage.active = false;
                api.app.services.update_lead_stage(api.app.actor(&admin_user.id), stage).await.unwrap();
            }
        }
        let token = if case.as_admin { &admin } else { &manager };
        for (language, locale) in [("ru", Locale::Ru), ("en-GB,en;q=0.9", Locale::En)] {
            let answer = send(&api, token, case, Some(language)).await;
            assert_names(&answer, case.field, &case.invalid, locale);
        }
        covered.insert(case.invalid.code());
    }
    let opportunities_after = api.get("/opportunities?limit=500", &admin).await.body["items"].as_array().unwrap().len();
    assert_eq!(opportunities_after, opportunities_before, "refusals create nothing");

    // Without Accept-Language, the signed-in person's own language: the teammate reads English.
    let teammate = api.token(&api.app.teammate).await;
    let plain = send(&api, &teammate, &cases[0], None).await;
    assert_names(&plain, "title", &Invalid::Required, Locale::En);
    let plain = send(&api, &manager, &cases[0], None).await;
    assert_names(&plain, "title", &Invalid::Required, Locale::Ru);

    let every: BTreeSet<&str> = Invalid::examples().iter().map(Invalid::code).collect();
    let unreachable: BTreeSet<&str> = NOT_IN_THE_API.iter().map(|(code, _)| *code).collect();
    assert_eq!(covered, &every - &unreachable, "every typed problem but those the API cannot meet has a case");
}
