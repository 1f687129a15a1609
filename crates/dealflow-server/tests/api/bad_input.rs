//! Bad input, case by case: each gets its exact 4xx problem and changes nothing in the database.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

/// Everything a bad request could have touched, as one comparable value.
/// What a refused request must leave as it was: row counts, versions, settings, stage names.
pub async fn fingerprint(api: &Api) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "users",
        "api_tokens",
        "accounts",
        "contacts",
        "opportunity_stages",
        "lead_stages",
        "knowledge_articles",
        "leads",
        "opportunities",
        "stage_history",
        "process_definitions",
        "process_instances",
        "activities",
        "notifications",
        "orders",
        "lost_reasons",
        "won_reasons",
        "notes",
        "calendar_feeds",
        "webhook_endpoints",
        "webhook_deliveries",
        "imports",
        "import_problems",
    ] {
        let n = api.app.count(&format!("SELECT COUNT(*) FROM {table}")).await;
        out.push(format!("{table}={n}"));
    }
    let versions: Option<i64> = api.app.sql_number("SELECT CAST(SUM(version) AS BIGINT) FROM opportunities").await;
    let activity_versions: Option<i64> = api.app.sql_number("SELECT CAST(SUM(version) AS BIGINT) FROM activities").await;
    let settings: Vec<String> = api.app.sql_texts("SELECT value FROM settings ORDER BY key").await;
    let stages: Vec<String> = api.app.sql_texts("SELECT name_en FROM opportunity_stages ORDER BY code").await;
    let locales: Vec<String> = api.app.sql_texts("SELECT locale FROM users ORDER BY id").await;
    let unread: i64 = api.app.count("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL").await;
    out.push(format!("versions={versions:?}/{activity_versions:?} settings={settings:?} stages={stages:?}"));
    out.push(format!("locales={locales:?} unread={unread} live tokens={}", live_tokens(api).await));
    let text = |sql: &'static str| api.app.sql_texts(sql);
    out.push(format!(
        "stage flags={:?} lead stages={:?} reasons={:?} users={:?} articles={:?} processes={:?}",
        text("SELECT code || position || active || is_final || is_won || max_probability FROM opportunity_stages ORDER BY code").await,
        text("SELECT name_en || position || active || is_final FROM lead_stages ORDER BY code").await,
        text("SELECT name_en || active FROM lost_reasons ORDER BY code").await,
        text("SELECT name || role || active || COALESCE(supervisor_id, '') || password_hash FROM users ORDER BY id").await,
        text("SELECT title || body FROM knowledge_articles ORDER BY id").await,
        text("SELECT code || current_version || active FROM processes ORDER BY code").await,
    ));
    out.push(format!(
        "customers={:?} contacts={:?} leads={:?} zones={:?} won reasons={:?}",
        text("SELECT name || COALESCE(industry, '') || COALESCE(phone, '') || COALESCE(website, '') FROM accounts ORDER BY id").await,
        text("SELECT name || COALESCE(email, '') || COALESCE(account_id, '') FROM contacts ORDER BY id").await,
        text("SELECT title || COALESCE(need, '') || COALESCE(account_id, '') FROM leads ORDER BY id").await,
        text("SELECT COALESCE(time_zone, '-') FROM users ORDER BY id").await,
        text("SELECT name_en || active FROM won_reasons ORDER BY code").await,
    ));
    out
}

async fn live_tokens(api: &Api) -> i64 {
    api.app.count("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL").await
}

struct Case {
    name: &'static str,
    admin: bool,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
}

fn case(
    name: &'static str,
    method: Method,
    path: impl Into<String>,
    body: serde_json::Value,
    status: StatusCode,
    code: &'static str,
) -> Case {
    Case {
        name,
        admin: false,
        method,
        path: path.into(),
        content_type: Some("application/json"),
        body: serde_json::to_vec(&body).unwrap(),
        status,
        code,
    }
}

fn raw(
    name: &'static str,
    method: Method,
    path: impl Into<String>,
    content_type: Option<&'static str>,
    body: &[u8],
    status: StatusCode,
    code: &'static str,
) -> Case {
    Case { name, admin: false, method, path: path.into(), content_type, body: body.to_vec(), status, code }
}

fn as_admin(mut c: Case) -> Case {
    c.admin = true;
    c
}

async fn every_bad_input_gets_its_exact_problem_and_changes_nothing(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let admin_user = api.app.admin().await;
    let admin = api.token(&admin_user).await;
    let started = api.post("/processes/enterprise-sale/start", &token, json!({})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let activity = api.get(&format!("/activities?opportunity_id={id}"), &token).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    let done = api.get(&format!("/activities?opportunity_id={id}"), &token).await.body["items"][1]["id"].as_str().unwrap().to_owned();
    api.post(&format!("/activities/{done}/cancel"), &token, json!({})).await;
    let lead = api.post("/leads", &token, json!({"title": "Lead"})).await.body["id"].as_str().unwrap().to_owned();
    let opp = format!("/opportunities/{id}");
    let (bad, unprocessable, conflict) = (StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT);
    let invalid = "validation_failed";
    let huge_text = "я".repeat(100_000);
    let mut deep = "[".repeat(10_000);
    deep.push_str(&"]".repeat(10_000));

    let cases = vec![
        raw("truncated JSON", Method::POST, "/opportunities", Some("application/json"), b"{\"title\": ", bad, "malformed_request"),
        raw(
            "trailing garbage",
            Method::POST,
            "/opportunities",
            Some("application/json"),
            b"{\"title\": \"x\"} x",
            bad,
            "malformed_request",
        ),
        raw(
            "invalid UTF-8",
            Method::POST,
            "/opportunities",
            Some("application/json"),
            b"{\"title\": \"\xc3\x28\"}",
            bad,
            "malformed_request",
        ),
        raw(
            "lone surrogate escape",
            Method::POST,
            "/opportunities",
            Some("application/json"),
            br#"{"title": "\ud800"}"#,
            bad,
            "malformed_request",
        ),
        // Nesting past the JSON reader's limit (128 levels) is refused before anything is read.
        raw("an array 10 000 deep", Method::POST, "/opportunities", Some("application/json"), deep.as_bytes(), bad, "malformed_request"),
        raw("raw NUL byte", Method::POST, "/opportunities", Some("application/json"), b"{\"title\": \"a\x00b\"}", bad, "malformed_request"),
        case("escaped NUL in text", Method::POST, "/opportunities", json!({"title": "a\u{0}b"}), unprocessable, invalid),
        raw(
            "text/plain body",
            Method::POST,
            "/opportunities",
            Some("text/plain"),
            b"{\"title\": \"x\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        raw(
            "no content type",
            Method::POST,
            "/opportunities",
            None,
            b"{\"title\": \"x\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        raw(
            "form encoding",
            Method::POST,
            "/opportunities",
            Some("application/x-www-form-urlencoded"),
            b"title=x",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        case("array instead of object", Method::POST, "/opportunities", json!([1, 2]), unprocessable, invalid),
        case("title is a number", Method::POST, "/opportunities", json!({"title": 5}), unprocessable, invalid),
        case("title missing", Method::POST, "/opportunities", json!({"amount": "5"}), unprocessable, invalid),
        case("empty title", Method::POST, "/opportunities", json!({"title": "   "}), unprocessable, invalid),
        case("100 KB title", Method::POST, "/opportunities", json!({"title": huge_text}), unprocessable, invalid),
        case("100 KB need", Method::POST, "/opportunities", json!({"title": "x", "need": huge_text}), unprocessable, invalid),
        case("unknown field", Method::POST, "/opportunities", json!({"title": "x", "colour": "red"}), unprocessable, invalid),
        case("amount is a boolean", Method::POST, "/opportunities", json!({"title": "x", "amount": true}), unprocessable, invalid),
        case("negative money string", Method::POST, "/opportunities", json!({"title": "x", "amount": "-1"}), unprocessable, invalid),
        case("negative money number", Method::POST, "/opportunities", json!({"title": "x", "budget": -5}), unprocessable, invalid),
        case("three decimals", Method::POST, "/opportunities", json!({"title": "x", "amount": "1.001"}), unprocessable, invalid),
        case("money in words", Method::POST, "/opportunities", json!({"title": "x", "amount": "a lot"}), unprocessable, invalid),
        case("huge number", Method::POST, "/opportunities", json!({"title": "x", "amount": 1e30}), unprocessable, invalid),
        case("probability over 255", Method::POST, "/opportunities", json!({"title": "x", "probability": 100000}), unprocessable, invalid),
        case("probability over 100", Method::POST, "/opportunities", json!({"title": "x", "probability": 101}), unprocessable, invalid),
        case("impossible date", Method::POST, "/opportunities", json!({"title": "x", "close_date": "2026-02-30"}), unprocessable, invalid),
        case(
            "date in another format",
            Method::POST,
            "/opportunities",
            json!({"title": "x", "close_date": "28.11.2026"}),
            unprocessable,
            invalid,
        ),
        case("unknown stage on create", Method::POST, "/opportunities", json!({"title": "x", "stage": "nowhere"}), unprocessable, invalid),
        case(
            "SQL in a stage code",
            Method::POST,
            format!("{opp}/stage"),
            json!({"stage": "proposal'; DROP TABLE opportunities; --"}),
            unprocessable,
            invalid,
        ),
        case(
            "HTML in a stage code",
            Method::POST,
            format!("{opp}/stage"),
            json!({"stage": "<script>alert(1)</script>"}),
            unprocessable,
            invalid,
        ),
        case(
            "version is text",
            Method::POST,
            format!("{opp}/stage"),
            json!({"stage": "proposal", "version": "five"}),
            unprocessable,
            invalid,
        ),
        case(
            "stale version",
            Method::POST,
            format!("{opp}/stage"),
            json!({"stage": "proposal", "version": 999}),
            conflict,
            "version_conflict",
        ),
        case("close on an open stage", Method::POST, format!("{opp}/close"), json!({"stage": "proposal"}), unprocessable, invalid),
        case(
            "negative hours",
            Method::POST,
            format!("{opp}/close"),
            json!({"stage": "closed_won", "hours_spent": -3}),
            unprocessable,
            invalid,
        ),
        case(
            "hours beyond any deal's",
            Method::POST,
            format!("{opp}/close"),
            json!({"stage": "closed_won", "hours_spent": 1.7e308}),
            unprocessable,
            invalid,
        ),
        case("PATCH of hours beyond any deal's", Method::PATCH, opp.clone(), json!({"hours_spent": 100_001}), unprocessable, invalid),
        case("PATCH of the stage", Method::PATCH, opp.clone(), json!({"stage": "proposal"}), unprocessable, invalid),
        case("PATCH of closed_at", Method::PATCH, opp.clone(), json!({"closed_at": "2026-01-01T00:00:00Z"}), unprocessable, invalid),
        case("PATCH to a missing contact", Method::PATCH, opp.clone(), json!({"decision_maker_id": "nobody"}), unprocessable, invalid),
        case("100 KB tactic", Method::PATCH, opp.clone(), json!({"tactic": huge_text}), unprocessable, invalid),
        case("SQL in a path id", Method::GET, "/opportunities/x'%20OR%20'1'='1", json!(null), StatusCode::NOT_FOUND, "not_found"),
        case(
            "unknown result",
            Method::POST,
            format!("/activities/{activity}/complete"),
            json!({"result": "teleported"}),
            unprocessable,
            invalid,
        ),
        case(
            "declined on a step that only takes done",
            Method::POST,
            format!("/activities/{activity}/complete"),
            json!({"result": "declined"}),
            unprocessable,
            invalid,
        ),
        case(
            "completing a cancelled activity",
            Method::POST,
            format!("/activities/{done}/complete"),
            json!({}),
            conflict,
            "activity_not_open",
        ),
        case(
            "cancelling a cancelled activity",
            Method::POST,
            format!("/activities/{done}/cancel"),
            json!({}),
            conflict,
            "activity_not_open",
        ),
        case("unknown activity type", Method::POST, "/activities", json!({"type": "fax", "title": "x"}), unprocessable, invalid),
        case(
            "due time in words",
            Method::POST,
            "/activities",
            json!({"type": "call", "title": "x", "due_at": "tomorrow"}),
            unprocessable,
            invalid,
        ),
        case(
            "finishing through PATCH",
            Method::PATCH,
            format!("/activities/{activity}"),
            json!({"status": "completed"}),
            unprocessable,
            invalid,
        ),
        case("start via lead_auto", Method::POST, "/processes/enterprise-sale/start", json!({"via": "lead_auto"}), unprocessable, invalid),
        case(
            "start via an unknown way",
            Method::POST,
            "/processes/enterprise-sale/start",
            json!({"via": "carrier pigeon"}),
            unprocessable,
            invalid,
        ),
        case(
            "second start on one opportunity",
            Method::POST,
            "/processes/enterprise-sale/start",
            json!({"opportunity_id": id}),
            conflict,
            "process_already_running",
        ),
        case("unknown command", Method::POST, "/command", json!({"text": "make coffee"}), unprocessable, "unknown_command"),
        case("unknown lead stage", Method::POST, format!("/leads/{lead}/stage"), json!({"stage": "won"}), unprocessable, invalid),
        case("negative limit", Method::GET, "/opportunities?limit=-1", json!(null), unprocessable, invalid),
        case("limit in words", Method::GET, "/opportunities?limit=many", json!(null), unprocessable, invalid),
        case("forged cursor", Method::GET, "/opportunities?cursor=Zm9v", json!(null), unprocessable, invalid),
        case("open is not a boolean", Method::GET, "/opportunities?open=perhaps", json!(null), unprocessable, invalid),
        case("unknown query parameter", Method::GET, "/opportunities?colour=red", json!(null), unprocessable, invalid),
        case("unknown status filter", Method::GET, "/activities?status=sleeping", json!(null), unprocessable, invalid),
        case("schedule window backwards", Method::GET, "/schedule?from=2026-12-05&to=2026-11-28", json!(null), unprocessable, invalid),
        case("analytics date in words", Method::GET, "/analytics/summary?from=yesterday", json!(null), unprocessable, invalid),
        as_admin(case("setting of the wrong shape", Method::PUT, "/settings/currency", json!({"value": "rubles"}), unprocessable, invalid)),
        as_admin(case(
            "short password",
            Method::POST,
            "/users",
            json!({"email": "p@test.local", "name": "P", "role": "manager", "password": "short"}),
            unprocessable,
            invalid,
        )),
        as_admin(case(
            "duplicate email",
            Method::POST,
            "/users",
            json!({"email": "MANAGER@test.local", "name": "M", "role": "manager", "password": "long-enough"}),
            conflict,
            "already_exists",
        )),
        as_admin(case(
            "unknown role",
            Method::POST,
            "/users",
            json!({"email": "r@test.local", "name": "R", "role": "king", "password": "long-enough"}),
            unprocessable,
            invalid,
        )),
        as_admin(raw(
            "broken definition",
            Method::PUT,
            "/processes/enterprise-sale",
            Some("application/toml"),
            b"code = \"enterprise-sale\"\nstages = 5",
            unprocessable,
            invalid,
        )),
    ];
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let before = fingerprint(&api).await;
    let mut failures = Vec::new();
    for c in &cases {
        let mut request = reqwest::Client::new().request(c.method.clone(), format!("{}{}", api.base, c.path)).bearer_auth(if c.admin {
            &admin
        } else {
            &token
        });
        if let Some(ct) = c.content_type {
            request = request.header("content-type", ct);
        }
        if c.method != Method::GET {
            request = request.body(c.body.clone());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        if status != c.status || body["code"] != c.code || content_type != "application/problem+json" {
            failures.push(format!("{}: expected {} {}, got {status} {} ({content_type})", c.name, c.status, c.code, body["code"]));
        }
    }
    // A 10 MB body is refused from its Content-Length, before the server reads any of it.
    let head = format!(
        "POST /api/v1/opportunities HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        10 * 1024 * 1024
    );
    let address = api.base.trim_start_matches("http://").trim_end_matches("/api/v1").to_owned();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut socket, head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), tokio::io::AsyncReadExt::read(&mut socket, &mut answer))
        .await
        .expect("answered without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    if !(answer.starts_with("HTTP/1.1 413") && answer.contains("payload_too_large")) {
        failures.push(format!("10 MB body: {answer}"));
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len() + 1, failures.join("\n"));
    assert_eq!(fingerprint(&api).await, before, "no bad request changed the database");
    println!("bad input: {} cases, all refused, database unchanged", cases.len() + 1);
}

on_both_backends!(every_bad_input_gets_its_exact_problem_and_changes_nothing);
