//! The web app's doors, over real HTTP: the session cookie and its flags, CSRF on every form,
//! security headers, and records outside the reader's scope. The journeys themselves run in a
//! real browser (web-tests/).

use dealflow_core::engine::StartedVia;
use dealflow_server::services::NewOpportunity;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::bad_input::fingerprint;
use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

pub(crate) struct Browser {
    origin: String,
    http: reqwest::Client,
}

/// What a browser would get back: status, headers and the page.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn of(api: &Api) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { origin: api.base.trim_end_matches("/api/v1").to_owned(), http }
    }

    pub(crate) async fn get(&self, path: &str, cookie: &str) -> Page {
        let response = self.http.get(format!("{}{path}", self.origin)).header("cookie", cookie).send().await.unwrap();
        Page::read(response).await
    }

    pub(crate) async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
        self.post_body(path, cookie, form_body(form)).await
    }

    /// A form body as given, encoded or not.
    pub(crate) async fn post_body(&self, path: &str, cookie: &str, body: impl Into<reqwest::Body>) -> Page {
        let request = self.http.post(format!("{}{path}", self.origin)).header("cookie", cookie);
        let response = request.header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
        Page::read(response).await
    }
}

fn form_body(form: &[(&str, &str)]) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form {
        body.append_pair(key, value);
    }
    body.finish()
}

impl Page {
    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        Page { status, headers, body: response.text().await.unwrap() }
    }

    pub(crate) fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first `name="…" value="…"` hidden field, or of the CSRF meta tag.
    pub(crate) fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let meta = format!("name=\"{name}\" content=\"");
        let start = self.body.find(&marker).map(|i| i + marker.len()).or_else(|| self.body.find(&meta).map(|i| i + meta.len()));
        let start = start.unwrap_or_else(|| panic!("no {name} in the page"));
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

/// A session made directly, as signing in would (hashing a password per test would only be slow).
pub(crate) async fn session_for(api: &Api, user: &dealflow_core::records::UserRecord) -> String {
    let secret = format!("dfs_test-session-{}", user.id);
    let mut tx = api.app.store.begin_write().await.unwrap();
    tx.tokens().insert(&dealflow_server::secrets::hash_token(&secret), &user.id, api.app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    format!("__Host-dealflow-session={secret}")
}

async fn signing_in_on_the_web_sets_a_secure_host_only_cookie_and_signing_out_ends_the_session(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let form = browser.get("/login", "").await;
    assert_eq!(form.status, StatusCode::OK);
    let login_cookie = form.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form.field("token");

    let forged = browser.post("/login", "", &[("email", "admin@test.local"), ("password", "admin-password"), ("token", &token)]).await;
    assert_eq!(forged.status, StatusCode::OK, "without the form's own cookie the sign-in is refused");
    assert!(
        forged.body.contains("Форма устарела")
            && forged.headers.get(SET_COOKIE).is_some_and(|c| c.to_str().unwrap().starts_with("dealflow-login"))
    );

    let wrong = browser.post("/login", &login_cookie, &[("email", "admin@test.local"), ("password", "nope"), ("token", &token)]).await;
    assert!(wrong.body.contains("Неверная эл. почта или пароль.") && wrong.body.contains("value=\"admin@test.local\""));

    let signed = browser
        .post(
            "/login",
            &login_cookie,
            &[("email", "admin@test.local"), ("password", "admin-password"), ("token", &token), ("next", "/board")],
        )
        .await;
    assert_eq!((signed.status, signed.location()), (StatusCode::SEE_OTHER, "/board"));
    let cookie = signed.headers.get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-dealflow-session=dfs_"), "{cookie}");
    for flag in ["; Path=/", "; HttpOnly", "; Secure", "; SameSite=Lax"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(!cookie.contains("Domain="), "a __Host- cookie names no domain");
    let session = cookie.split(';').next().unwrap().to_owned();

    let board = browser.get("/board", &session).await;
    assert_eq!(board.status, StatusCode::OK);
    let csrf = board.field("csrf-token");
    let out = browser.post("/logout", &session, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers.get(SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    let after = browser.get("/board", &session).await;
    assert_eq!((after.status, after.location()), (StatusCode::SEE_OTHER, "/login?next=%2Fboard"), "the session ended on the server");
}

async fn every_form_refuses_a_post_without_the_sessions_csrf_token_and_changes_nothing(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let manager = api.app.manager.clone();
    let deal = NewOpportunity { title: "Guarded".into(), ..NewOpportunity::default() };
    let deal = api.app.services.create_opportunity(api.app.actor(&manager.id), deal).await.unwrap();
    // Started by the supervisor, so that the manager is notified of its first activities.
    let supervisor = api.app.actor(&api.app.supervisor.id);
    let started = api.app.services.start_process(supervisor, "enterprise-sale", Some(&deal.id), StartedVia::OpportunityPage).await.unwrap();
    let opportunity = started.opportunity.id.clone();
    let mut conn = api.app.store.read().await.unwrap();
    let activity = conn.activities().of_opportunity(&opportunity).await.unwrap()[0].id.clone();
    let notification = conn.notifications().of_user(&manager.id).await.unwrap()[0].id.clone();
    drop(conn);
    let lead = api
        .app
        .services
        .create_lead(
            api.app.actor(&manager.id),
            dealflow_server::services::NewLead {
                title: "Лид".into(),
                need: None,
                contact_id: None,
                account_id: None,
                owner_id: None,
                budget: None,
            },
        )
        .await
        .unwrap();
    let manager_actor = api.app.actor(&manager.id);
    let account = dealflow_server::services::AccountFields { name: "Клиент".into(), ..Default::default() };
    let account = api.app.services.create_account(manager_actor, account).await.unwrap().id;
    let contact =
        dealflow_server::services::ContactFields { name: "Контакт".into(), account_id: Some(account.clone()), ..Default::default() };
    let contact = api.app.services.create_contact(manager_actor, contact).await.unwrap().id;
    // A calendar address, so that a forged "turn off" would have something to end.
    api.app.services.open_calendar_feed(manager_actor, "own").await.unwrap();
    // A webhook with a delivery, for the forged changes, deletion and resend.
    let admin = api.app.actor(&api.app.admin().await.id);
    let endpoint = dealflow_server::services::EndpointFields {
        url: "https://example.test/hooks".into(),
        event_types: vec!["activity.created".into()],
        ..Default::default()
    };
    let webhook = api.app.services.create_webhook_endpoint(admin, endpoint).await.unwrap().id;
    api.app
        .services
        .create_activity(
            manager_actor,
            dealflow_server::services::NewActivity {
                kind: dealflow_core::definition::ActivityType::Task,
                title: "Вебхук".into(),
                owner_id: None,
                opportunity_id: None,
                account_id: None,
                contact_id: None,
                start_at: None,
                due_at: None,
                duration_minutes: None,
            },
        )
        .await
        .unwrap();
    let mut tx = api.app.store.begin_write().await.unwrap();
    tx.webhooks().fan_out(api.app.clock.now(), 500, &mut dealflow_server::new_id).await.unwrap();
    let delivery = tx.webhooks().deliveries(&webhook, None, 1).await.unwrap().remove(0).0.id;
    tx.commit().await.unwrap();
    let session = session_for(&api, &manager).await;
    let page = browser.get(&format!("/opportunities/{opportunity}"), &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let version = page.field("version");
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/logout".into(), vec![]),
        ("/locale".into(), vec![("locale", "en")]),
        (format!("/opportunities/{opportunity}/stage"), vec![("stage", "proposal"), ("version", &version)]),
        (format!("/opportunities/{opportunity}/close"), vec![("stage", "closed_lost")]),
        (format!("/opportunities/{opportunity}/details"), vec![("title", "Взломано"), ("version", &version)]),
        (format!("/opportunities/{opportunity}/participants"), vec![("action", "add"), ("contact_id", "x"), ("role", "y")]),
        (format!("/opportunities/{opportunity}/competitors"), vec![("action", "add"), ("name", "Rival")]),
        (format!("/opportunities/{opportunity}/start"), vec![]),
        (format!("/opportunities/{opportunity}/order"), vec![]),
        (format!("/activities/{activity}/complete"), vec![("result", "done")]),
        (format!("/leads/{}/stage", lead.id), vec![("stage", "awaiting_sale")]),
        (format!("/notifications/{notification}/open"), vec![]),
        ("/notifications/read-all".into(), vec![]),
        ("/run".into(), vec![("code", "enterprise-sale")]),
        ("/command".into(), vec![("text", "Запустить процесс Корпоративная продажа")]),
        (format!("/opportunities/{opportunity}/closing"), vec![("stage", ""), ("hours_spent", "3")]),
        ("/knowledge".into(), vec![("title", "Взломано"), ("body", "x")]),
        ("/processes/enterprise-sale/upload".into(), vec![("document", "x"), ("action", "publish")]),
        ("/processes/enterprise-sale/active".into(), vec![("active", "false")]),
        ("/admin/users".into(), vec![("email", "x@test.local"), ("name", "X"), ("role", "admin"), ("password", "long-enough")]),
        (format!("/admin/users/{}", manager.id), vec![("name", "X"), ("role", "admin"), ("active", "on")]),
        ("/admin/stages".into(), vec![("code", "sneaky"), ("name_ru", "Х"), ("name_en", "X"), ("max_probability", "5")]),
        ("/admin/stages/proposal".into(), vec![("name_ru", "Х"), ("name_en", "X"), ("max_probability", "5")]),
        ("/admin/stages/proposal/move".into(), vec![("direction", "up")]),
        ("/admin/stages/proposal/delete".into(), vec![]),
        ("/admin/lead-stages/qualification".into(), vec![("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/lost-reasons".into(), vec![("code", "sneaky"), ("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/lost-reasons/price".into(), vec![("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/settings/currency".into(), vec![("kind", "text"), ("value", "EUR")]),
        ("/admin/won-reasons".into(), vec![("code", "sneaky"), ("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/won-reasons/other".into(), vec![("name_ru", "Х"), ("name_en", "X")]),
        ("/profile".into(), vec![("name", "X"), ("locale", "en"), ("time_zone", "Asia/Tokyo")]),
        ("/profile/calendar".into(), vec![("scope", "own")]),
        ("/profile/calendar/off".into(), vec![]),
        ("/admin/webhooks".into(), vec![("url", "https://evil.example/"), ("lead.converted", "on")]),
        (format!("/admin/webhooks/{webhook}"), vec![("url", "https://evil.example/"), ("lead.converted", "on")]),
        (format!("/admin/webhooks/{webhook}/delete"), vec![]),
        (format!("/admin/webhooks/{webhook}/deliveries/{delivery}/resend"), vec![]),
        ("/accounts".into(), vec![("name", "Взлом")]),
        (format!("/accounts/{account}"), vec![("name", "Взлом")]),
        (format!("/accounts/{account}/notes"), vec![("body", "Взлом")]),
        ("/contacts".into(), vec![("name", "Взлом")]),
        (format!("/contacts/{contact}"), vec![("name", "Взлом")]),
        (format!("/contacts/{contact}/notes"), vec![("body", "Взлом")]),
        ("/activities".into(), vec![("type", "task"), ("title", "Взлом"), ("date", "2026-12-01")]),
        (format!("/activities/{activity}"), vec![("type", "call"), ("date", "2026-12-01"), ("time", "10:00")]),
        (format!("/activities/{activity}/cancel"), vec![]),
        ("/opportunities".into(), vec![("title", "Взлом")]),
        (format!("/opportunities/{opportunity}/notes"), vec![("body", "Взлом")]),
        ("/leads".into(), vec![("title", "Взлом")]),
        (format!("/leads/{}", lead.id), vec![("title", "Взлом")]),
    ];
    let supervisor = api.app.actor_of(&api.app.supervisor);
    let upload = dealflow_server::services::NewImport { bytes: b"Account\nAcme\n".to_vec(), ..Default::default() };
    let import = api.app.services.create_import(supervisor, upload).await.unwrap().id;
    let forms: Vec<(String, Vec<(&str, &str)>)> = forms
        .into_iter()
        .chain([("/imports".into(), vec![("file", "Account\nAcme")]), (format!("/imports/{import}"), vec![("action", "import")])])
        .collect();
    let before = fingerprint(&api).await;
    for (path, fields) in &forms {
        for csrf in [None, Some("forged-token")] {
            let mut form = fields.clone();
            if let Some(token) = csrf {
                form.push(("csrf", token));
            }
            let answer = browser.post(path, &session, &form).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path} with csrf {csrf:?}");
            assert!(answer.body.contains("Запрос отклонён"), "{path}: the page says why");
        }
    }
    assert_eq!(fingerprint(&api).await, before, "a refused form changed something");
    // The same form with the page's token goes through.
    let csrf = page.field("csrf-token");
    let moved = browser
        .post(&format!("/opportunities/{opportunity}/stage"), &session, &[("stage", "proposal"), ("version", &version), ("csrf", &csrf)])
        .await;
    assert_eq!((moved.status, moved.location()), (StatusCode::SEE_OTHER, format!("/opportunities/{opportunity}").as_str()));
    assert_eq!(api.app.opportunity(&opportunity).await.stage.as_str(), "proposal");
}

async fn pages_carry_the_security_headers_and_hide_records_outside_the_readers_scope(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let others =
        api.app.services.start_process(api.app.actor(&api.app.loner.id), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap();
    let own =
        api.app.services.start_process(api.app.actor(&api.app.manager.id), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap();
    let session = session_for(&api, &api.app.manager).await;
    let hidden = browser.get(&format!("/opportunities/{}", others.opportunity.id), &session).await;
    let missing = browser.get("/opportunities/no-such-id", &session).await;
    assert_eq!((hidden.status, missing.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(hidden.body, missing.body, "another team's record reads exactly like a missing one");
    let shown = browser.get(&format!("/opportunities/{}", own.opportunity.id), &session).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Связаться с клиентом"), "the manager's own mini-cards, in Russian");
    // The API and the probes carry them too: every answer does.
    for page in [
        &hidden,
        &shown,
        &browser.get("/login", "").await,
        &browser.get("/api/v1/opportunities", "").await,
        &browser.get("/healthz", "").await,
    ] {
        let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(page.headers.get("referrer-policy").unwrap(), "same-origin");
        assert_eq!(page.headers.get("cache-control").unwrap(), "no-store", "no cache keeps what was shown");
    }
    let signed_in_api = reqwest::Client::new()
        .get(format!("{}/opportunities", api.base))
        .bearer_auth(api.token(&api.app.manager).await)
        .send()
        .await
        .unwrap();
    let csv = browser.get("/opportunities.csv", &session).await;
    assert_eq!((signed_in_api.status(), csv.status), (StatusCode::OK, StatusCode::OK));
    for answer in [signed_in_api.headers(), &csv.headers] {
        assert_eq!(answer.get("cache-control").unwrap(), "no-store", "an API answer and a download alike");
    }
    let script = browser.get("/static/app.js", "").await;
    assert!(script.headers.get("cache-control").unwrap().to_str().unwrap().contains("max-age"), "assets are cached");
    assert!(!shown.body.contains("<script>") && !shown.body.contains(" onclick="), "no inline script for the policy to block");
    let api_answer = api.send(reqwest::Method::GET, "/opportunities", None, None).await;
    assert_eq!(api_answer.status, StatusCode::UNAUTHORIZED);
    let signed_out = browser.get(&format!("/opportunities/{}", own.opportunity.id), "").await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(signed_out.location().starts_with("/login?next="));
}

async fn deactivating_a_user_ends_their_web_session_and_api_tokens_at_once(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let session = session_for(&api, &api.app.manager).await;
    let token = api.token(&api.app.manager).await;
    let admin = api.token(&api.app.admin().await).await;
    assert_eq!(browser.get("/opportunities", &session).await.status, StatusCode::OK);
    assert_eq!(api.get("/me", &token).await.status, StatusCode::OK);
    let off = api
        .send(reqwest::Method::PATCH, &format!("/users/{}", api.app.manager.id), Some(&admin), Some(serde_json::json!({"active": false})))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    let page = browser.get("/opportunities", &session).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/login?next=%2Fopportunities"));
    assert_eq!(api.get("/me", &token).await.status, StatusCode::UNAUTHORIZED);
}

async fn the_sign_in_page_stops_guessing_after_ten_failures_for_an_account(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let form = browser.get("/login?lang=en", "").await;
    let cookie = form.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form.field("token");
    let attempt = |password: &'static str| {
        let (cookie, token) = (cookie.clone(), token.clone());
        let browser = &browser;
        async move {
            browser
                .post("/login", &cookie, &[("email", "admin@test.local"), ("password", password), ("token", &token), ("lang", "en")])
                .await
        }
    };
    for _ in 0..10 {
        assert!(attempt("wrong-password").await.body.contains("Wrong email or password."));
    }
    let throttled = attempt("admin-password").await;
    assert_eq!(throttled.status, StatusCode::OK);
    assert!(throttled.body.contains("Too many failed sign-ins. Try again in 15 minutes."), "even the right password waits");
    assert!(throttled.headers.get(SET_COOKIE).is_none_or(|c| !c.to_str().unwrap().contains("session")));
}

/// The profile's password change says so when the guesses are used up, above the form.
async fn the_profile_says_when_password_guesses_are_used_up(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let session = session_for(&api, &api.app.manager).await;
    let csrf = browser.get("/profile", &session).await.field("csrf");
    let mut last = None;
    for n in 0..11 {
        let guess = format!("guess-{n}");
        let form = [
            ("csrf", csrf.as_str()),
            ("name", "Анна"),
            ("locale", "ru"),
            ("time_zone", "Europe/Moscow"),
            ("password", "a-new-password"),
            ("current_password", guess.as_str()),
        ];
        last = Some(browser.post("/profile", &session, &form).await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(last.body.contains("role=\"alert\">Слишком много неудачных попыток входа"), "the reason is shown");
}

on_both_backends!(
    the_profile_says_when_password_guesses_are_used_up,
    deactivating_a_user_ends_their_web_session_and_api_tokens_at_once,
    the_sign_in_page_stops_guessing_after_ten_failures_for_an_account,
    signing_in_on_the_web_sets_a_secure_host_only_cookie_and_signing_out_ends_the_session,
    every_form_refuses_a_post_without_the_sessions_csrf_token_and_changes_nothing,
    pages_carry_the_security_headers_and_hide_records_outside_the_readers_scope,
);
