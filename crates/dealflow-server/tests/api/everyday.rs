//! The everyday CRM in the web app (issue 14), over real HTTP on both backends: times in each
//! reader's own zone, the forms that create and edit records, what they refuse and what they
//! hide.

use dealflow_core::definition::ActivityType;
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::bad_input::fingerprint;
use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

async fn signed_in(browser: &Browser, email: &str, password: &str, zone: &str) -> String {
    let form = browser.get("/login", "").await;
    let login_cookie = form.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = form.field("token");
    let fields = [("email", email), ("password", password), ("token", token.as_str()), ("time_zone", zone)];
    let signed = browser.post("/login", &login_cookie, &fields).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    signed.headers.get(SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn times_read_and_change_in_each_readers_own_zone(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;

    // The first sign-in adopts the browser's zone; a later one from elsewhere leaves it.
    let admin = signed_in(&browser, "admin@test.local", "admin-password", "Asia/Vladivostok").await;
    assert_eq!(app.admin().await.time_zone.as_deref(), Some("Asia/Vladivostok"));
    signed_in(&browser, "admin@test.local", "admin-password", "Europe/London").await;
    assert_eq!(app.admin().await.time_zone.as_deref(), Some("Asia/Vladivostok"));
    let profile = browser.get("/profile", &admin).await;
    assert!(profile.body.contains("<option selected translate=\"no\">Asia/Vladivostok</option>"));

    // The manager named no zone: the installation's default, Moscow, applies.
    let due = "2026-11-28T13:33:00Z".parse().unwrap();
    let task = dealflow_server::services::NewActivity {
        kind: ActivityType::Task,
        title: "Позвонить в банк".into(),
        owner_id: None,
        opportunity_id: None,
        account_id: None,
        contact_id: None,
        start_at: None,
        due_at: Some(due),
        duration_minutes: None,
    };
    let task = app.services.create_activity(app.actor_of(&app.manager), task).await.unwrap();
    let manager = session_for(&api, &app.manager).await;
    let page = browser.get(&format!("/activities/{}", task.id), &manager).await;
    assert!(page.body.contains("28.11.2026 16:33"), "13:33Z is 16:33 in Moscow");
    assert!(page.body.contains("Europe/Moscow"), "the user menu names the zone");
    // The installation's default moves everyone without a zone of their own, at once.
    let admin_token = api.token(&app.admin().await).await;
    let london = serde_json::json!({"value": "Europe/London"});
    let moved = api.send(reqwest::Method::PUT, "/settings/default_time_zone", Some(&admin_token), Some(london)).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let page = browser.get(&format!("/activities/{}", task.id), &manager).await;
    assert!(page.body.contains("28.11.2026 13:33") && page.body.contains("Europe/London"), "13:33Z is 13:33 in London");

    // A zone chosen in the profile applies at once; an unknown one is refused beside its field.
    let csrf = page.field("csrf-token");
    let before = fingerprint(&api).await;
    let refused =
        browser.post("/profile", &manager, &[("csrf", &csrf), ("name", "Анна"), ("locale", "ru"), ("time_zone", "Mars/Olympus")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Выберите часовой пояс из списка"));
    assert_eq!(fingerprint(&api).await, before, "a refused profile changes nothing");
    // Bytes that are not UTF-8 and NUL, escaped or raw, are refused rather than stored.
    let fields = format!("csrf={csrf}&locale=ru&time_zone=Europe%2FMoscow&name=");
    for name in [b"%FF%FE%D0%90".to_vec(), vec![0xFF, 0xFE, b'a'], b"a%00b".to_vec(), vec![b'a', 0, b'b']] {
        let garbled = browser.post_body("/profile", &manager, [fields.as_bytes(), &name].concat()).await;
        assert_eq!(garbled.status, StatusCode::BAD_REQUEST, "{name:?}");
    }
    assert_eq!(fingerprint(&api).await, before, "a garbled form changes nothing");
    let saved = browser
        .post("/profile", &manager, &[("csrf", &csrf), ("name", &app.manager.name), ("locale", "ru"), ("time_zone", "Asia/Yekaterinburg")])
        .await;
    assert_eq!((saved.status, saved.location()), (StatusCode::SEE_OTHER, "/profile?saved=1"));
    let page = browser.get(&format!("/activities/{}", task.id), &manager).await;
    assert!(page.body.contains("28.11.2026 18:33"), "13:33Z is 18:33 in Yekaterinburg");

    // The API keeps UTC and names the zone chosen.
    let token = api.token(&app.manager).await;
    let me = api.get("/me", &token).await;
    assert_eq!(me.body["time_zone"], "Asia/Yekaterinburg");
    let activity = api.get(&format!("/activities/{}", task.id), &token).await;
    assert_eq!(activity.body["due_at"], "2026-11-28T13:33:00Z");
}

/// The page a refused form answers: 422, the message beside the named field, what was typed kept.
fn assert_refused(page: &crate::web::Page, field: &str, message: &str, kept: &str) {
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", page.body);
    let at = page.body.find(message).unwrap_or_else(|| panic!("{message:?} is missing beside {field}"));
    let input = page.body[..at].rfind(&format!("name=\"{field}\"")).unwrap_or_else(|| panic!("no field {field} before {message:?}"));
    assert!(page.body[input..at].matches(" name=\"").count() <= 1, "another field comes between {field} and its message");
    assert!(page.body.contains(kept), "{kept:?} was typed and is kept");
}

async fn every_new_form_refuses_bad_input_beside_its_field_and_changes_nothing(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;
    let started = app.start_new(&app.manager).await;
    let deal = started.opportunity.id.clone();
    let call = app.open_process_activities(&deal).await.into_iter().find(|a| a.step.as_deref() == Some("contact_customer")).unwrap();
    let manager = app.actor_of(&app.manager);
    let account = dealflow_server::services::AccountFields { name: "Клиент".into(), ..Default::default() };
    let account = app.services.create_account(manager, account).await.unwrap().id;
    let contact = dealflow_server::services::ContactFields { name: "Ольга".into(), ..Default::default() };
    let contact = app.services.create_contact(manager, contact).await.unwrap().id;
    let lead = dealflow_server::services::NewLead { title: "Лид".into(), ..Default::default() };
    let lead = app.services.create_lead(manager, lead).await.unwrap().id;
    let session = session_for(&api, &app.manager).await;
    let admin = session_for(&api, &app.admin().await).await;
    let csrf = browser.get("/notifications", &session).await.field("csrf-token");
    let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let (browser, session, csrf) = (&browser, session.clone(), csrf.clone());
        async move {
            let mut form = fields;
            form.push(("csrf", Box::leak(csrf.into_boxed_str())));
            browser.post(&path, &session, &form).await
        }
    };
    let before = fingerprint(&api).await;
    let required = "Заполните это поле.";
    assert_refused(
        &post("/accounts".into(), vec![("name", " "), ("phone", "+7 900 111-22-33")]).await,
        "name",
        required,
        "+7 900 111-22-33",
    );
    assert_refused(
        &post("/contacts".into(), vec![("name", "Ольга"), ("email", "не почта")]).await,
        "email",
        "Укажите адрес эл. почты.",
        "value=\"Ольга\"",
    );
    let unknown = "Такой записи нет.";
    assert_refused(
        &post(
            "/activities".into(),
            vec![("type", "call"), ("title", "Созвон"), ("date", "2026-12-01"), ("time", "10:00"), ("account_name", "Нет такого клиента")],
        )
        .await,
        "account_id",
        unknown,
        "value=\"Созвон\"",
    );
    assert_refused(
        &post(
            "/activities".into(),
            vec![("type", "meeting"), ("title", "Встреча"), ("date", "2026-12-01"), ("duration_minutes", "2000"), ("time", "10:00")],
        )
        .await,
        "duration_minutes",
        "Введите целое число от 1 до 1440.",
        "value=\"2000\"",
    );
    assert_refused(
        &post("/opportunities".into(), vec![("title", "Склад"), ("amount", "много")]).await,
        "amount",
        "Введите сумму",
        "value=\"Склад\"",
    );
    assert_refused(
        &post("/leads".into(), vec![("title", "Лид с выставки"), ("budget", "x")]).await,
        "budget",
        "Введите сумму",
        "value=\"Лид с выставки\"",
    );
    assert_refused(&post(format!("/accounts/{account}/notes"), vec![("body", "  ")]).await, "body", required, "Клиент");
    let long: &'static str = Box::leak("я".repeat(20_001).into_boxed_str());
    assert_refused(&post(format!("/opportunities/{deal}/notes"), vec![("body", long)]).await, "body", "Слишком длинно", long);
    assert_refused(
        &post(format!("/accounts/{account}"), vec![("name", ""), ("industry", "Склады")]).await,
        "name",
        required,
        "value=\"Склады\"",
    );
    assert_refused(
        &post(format!("/contacts/{contact}"), vec![("name", "Ольга"), ("email", "@"), ("job_title", "Бухгалтер")]).await,
        "email",
        "Укажите адрес эл. почты.",
        "value=\"Бухгалтер\"",
    );
    assert_refused(
        &post(format!("/activities/{}", call.id), vec![("type", "call"), ("date", "31.12.2026"), ("time", "10:00")]).await,
        "date",
        "Введите дату в виде ГГГГ-ММ-ДД.",
        "value=\"31.12.2026\"",
    );
    assert_refused(
        &post(format!("/leads/{lead}"), vec![("title", " "), ("need", "Склад в Казани")]).await,
        "title",
        required,
        "Склад в Казани",
    );
    let admin_csrf = browser.get("/notifications", &admin).await.field("csrf-token");
    let reason = browser
        .post("/admin/won-reasons", &admin, &[("code", "Не код"), ("name_ru", "Скидка"), ("name_en", "Discount"), ("csrf", &admin_csrf)])
        .await;
    assert_refused(&reason, "code", "Код — строчные латинские буквы", "value=\"Скидка\"");
    // A result that closes the deal asks first; a wrong figure comes back on the question itself.
    let asked = post(format!("/activities/{}/complete", call.id), vec![("result", "declined")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Закрыть продажу?") && asked.body.contains("name=\"confirmed\""));
    let wrong =
        post(format!("/activities/{}/complete", call.id), vec![("result", "declined"), ("confirmed", "1"), ("hours_spent", "много")]).await;
    assert_refused(&wrong, "hours_spent", "Введите число часов", "value=\"много\"");
    assert_eq!(fingerprint(&api).await, before, "refused forms changed nothing");
    assert!(app.opportunity(&deal).await.closed_at.is_none(), "nothing closes on one click");
    let confirmed =
        post(format!("/activities/{}/complete", call.id), vec![("result", "declined"), ("confirmed", "1"), ("close_reason", "no_budget")])
            .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let closed = app.opportunity(&deal).await;
    assert_eq!((closed.stage.as_str(), closed.close_reason.as_deref()), ("closed_lost", Some("no_budget")));
}

/// Another team's deals, activities and leads read as missing on every new page and form;
/// customers are a shared directory that only their owner's side of the company changes.
async fn another_teams_records_are_missing_pages_and_their_customers_read_only(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;
    let loner = app.actor_of(&app.loner);
    let theirs = app.start_new(&app.loner).await.opportunity.id;
    let their_call = app.open_process_activities(&theirs).await[0].id.clone();
    let lead = dealflow_server::services::NewLead { title: "Чужой лид".into(), ..Default::default() };
    let their_lead = app.services.create_lead(loner, lead).await.unwrap().id;
    let account = dealflow_server::services::AccountFields { name: "Чужой клиент".into(), ..Default::default() };
    let their_account = app.services.create_account(loner, account).await.unwrap().id;
    let session = session_for(&api, &app.manager).await;
    let csrf = browser.get("/notifications", &session).await.field("csrf-token");
    let missing = browser.get("/activities/no-such-id/edit", &session).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for path in [format!("/activities/{their_call}/edit"), format!("/leads/{their_lead}/edit"), format!("/opportunities/{theirs}")] {
        let page = browser.get(&path, &session).await;
        assert_eq!((page.status, &page.body), (StatusCode::NOT_FOUND, &missing.body), "{path}");
    }
    let before = fingerprint(&api).await;
    for (path, fields) in [
        (format!("/activities/{their_call}"), vec![("type", "call"), ("date", "2026-12-01"), ("time", "10:00")]),
        (format!("/activities/{their_call}/cancel"), vec![]),
        (format!("/opportunities/{theirs}/notes"), vec![("body", "Подсмотрел")]),
        (format!("/leads/{their_lead}"), vec![("title", "Мой теперь")]),
    ] {
        let mut form = fields;
        form.push(("csrf", &csrf));
        assert_eq!(browser.post(&path, &session, &form).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // A picker never offers, and a form never takes, a deal out of sight.
    let picks = browser.get("/pick/opportunities?q=", &session).await;
    assert!(!picks.body.contains(&theirs), "the picker hides another team's deals");
    let linked = browser
        .post(
            "/activities",
            &session,
            &[("type", "task"), ("title", "Чужое"), ("date", "2026-12-01"), ("opportunity_id", &theirs), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(linked.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Their account reads, as the directory does, but does not change.
    let page = browser.get(&format!("/accounts/{their_account}"), &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"account-form\""), "no edit form for another team's account");
    let change = browser.post(&format!("/accounts/{their_account}"), &session, &[("name", "Моё теперь"), ("csrf", &csrf)]).await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    assert!(change.body.contains("Изменить это могут только ответственный, его руководитель или администратор."));
    assert_eq!(fingerprint(&api).await, before, "nothing of theirs changed");
}

/// Over the API a result that closes the deal takes the closing figures in the same request.
async fn a_closing_result_over_the_api_carries_its_figures(app: TestApp) {
    let api = Api::start(app).await;
    let token = api.token(&api.app.manager).await;
    let started = api.post("/processes/enterprise-sale/start", &token, serde_json::json!({})).await;
    let deal = started.body["opportunity"]["id"].as_str().unwrap().to_owned();
    let call = api.app.open_process_activities(&deal).await.into_iter().find(|a| a.step.as_deref() == Some("contact_customer")).unwrap();
    let wrong =
        api.post(&format!("/activities/{}/complete", call.id), &token, serde_json::json!({"result": "declined", "hours_spent": -1})).await;
    assert_eq!((wrong.status, wrong.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("hours_spent")));
    assert!(api.app.opportunity(&deal).await.closed_at.is_none(), "a refused completion closes nothing");
    let body = serde_json::json!({"result": "declined", "note": "Бюджет заморожен", "close_reason": "no_budget", "hours_spent": 2.5});
    let done = api.post(&format!("/activities/{}/complete", call.id), &token, body).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let closed = &done.body["opportunity"];
    assert_eq!(
        (closed["stage"].as_str(), closed["close_reason"].as_str(), closed["hours_spent"].as_f64()),
        (Some("closed_lost"), Some("no_budget"), Some(2.5))
    );
}

/// The pickers find a name by its start first, then by any part of it (three letters or more,
/// any letter case), follow renames, and never offer what the reader may not see.
async fn pickers_find_names_by_their_start_and_by_any_part(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;
    let manager = app.actor_of(&app.manager);
    for name in ["Кама Фарм", "Фармация Севера", "Урал 100% Фарм", "North Pharma"] {
        let account = dealflow_server::services::AccountFields { name: name.into(), ..Default::default() };
        app.services.create_account(manager, account).await.unwrap();
    }
    let contact = dealflow_server::services::ContactFields { name: "Ольга Смирнова".into(), ..Default::default() };
    app.services.create_contact(manager, contact).await.unwrap();
    let session = session_for(&api, &app.manager).await;
    let labels = |kind: &'static str, q: &'static str| {
        let (browser, session) = (&browser, session.clone());
        async move {
            let query = form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish();
            let page = browser.get(&format!("/pick/{kind}?{query}"), &session).await;
            assert_eq!(page.status, StatusCode::OK);
            let found: serde_json::Value = serde_json::from_str(&page.body).unwrap();
            found["items"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(labels("accounts", "ФАРМ").await, ["Фармация Севера", "Кама Фарм", "Урал 100% Фарм"], "starts first, then inside");
    assert_eq!(labels("accounts", "фа").await, ["Фармация Севера"], "two letters find starts only");
    assert_eq!(labels("accounts", "100% ф").await, ["Урал 100% Фарм"], "% is a character here");
    assert_eq!(labels("accounts", "pharma").await, ["North Pharma"]);
    assert!(labels("accounts", "zzz").await.is_empty());
    assert_eq!(labels("contacts", "смирн").await, ["Ольга Смирнова"]);
    let kama = app.services.pick_accounts(manager, "кама", 5).await.unwrap().remove(0);
    let renamed = dealflow_server::services::AccountFields { name: "Кама Медика".into(), ..Default::default() };
    app.services.update_account(manager, &kama.id, renamed).await.unwrap();
    assert_eq!(labels("accounts", "медик").await, ["Кама Медика"], "a new name is found at once");
    assert_eq!(labels("accounts", "фарм").await, ["Фармация Севера", "Урал 100% Фарм"], "the old one no longer");
}

/// The account list pages by name: fifty a page, the next page right after the last name shown.
async fn the_account_list_pages_by_name(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let app = &api.app;
    for n in 1..=55 {
        let account = dealflow_server::services::AccountFields { name: format!("Склад {n:02}"), ..Default::default() };
        app.services.create_account(app.actor_of(&app.teammate), account).await.unwrap();
    }
    let session = session_for(&api, &app.manager).await;
    let first = browser.get("/accounts?q=%D1%81%D0%BA%D0%BB%D0%B0%D0%B4", &session).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("Склад 01") && first.body.contains("Склад 50") && !first.body.contains("Склад 51"));
    let next = first.body.split("rel=\"next\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap();
    let second = browser.get(&next.replace("&amp;", "&").replace("&#38;", "&"), &session).await;
    assert_eq!(second.status, StatusCode::OK, "{next}");
    assert!(second.body.contains("Склад 51") && second.body.contains("Склад 55") && !second.body.contains("Склад 50<"));
    assert!(!second.body.contains("rel=\"next\""), "the last page has no next");
}

on_both_backends!(
    the_account_list_pages_by_name,
    pickers_find_names_by_their_start_and_by_any_part,
    a_closing_result_over_the_api_carries_its_figures,
    times_read_and_change_in_each_readers_own_zone,
    due_offsets_count_the_working_days_the_setting_names,
    every_new_form_refuses_bad_input_beside_its_field_and_changes_nothing,
    another_teams_records_are_missing_pages_and_their_customers_read_only,
);

/// The steps' due offsets count the days the setting `working_days` names, in the owner's zone.
async fn due_offsets_count_the_working_days_the_setting_names(app: TestApp) {
    let api = Api::start(app).await;
    let admin = api.token(&api.app.admin().await).await;
    let manager = api.token(&api.app.manager).await;
    let due_of_the_call = |started: &serde_json::Value| started["opportunity"]["id"].as_str().unwrap().to_owned();
    // The test's clock stands on Saturday 2026-11-28, 09:00Z.
    let weekdays = api.post("/processes/enterprise-sale/start", &manager, serde_json::json!({})).await;
    let calls = api.get(&format!("/activities?opportunity_id={}&status=not_started", due_of_the_call(&weekdays.body)), &manager).await;
    let due: Vec<&str> = calls.body["items"].as_array().unwrap().iter().map(|a| a["due_at"].as_str().unwrap()).collect();
    assert!(due.contains(&"2026-11-30T09:00:00Z"), "one working day from Saturday is Monday: {due:?}");

    let every_day = api
        .send(reqwest::Method::PUT, "/settings/working_days", Some(&admin), Some(serde_json::json!({"value": [1, 2, 3, 4, 5, 6, 7]})))
        .await;
    assert_eq!(every_day.status, StatusCode::OK, "{:?}", every_day.body);
    let refused = api.send(reqwest::Method::PUT, "/settings/working_days", Some(&admin), Some(serde_json::json!({"value": []}))).await;
    assert_eq!((refused.status, refused.body["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_weekdays")));
    let all_week = api.post("/processes/enterprise-sale/start", &manager, serde_json::json!({})).await;
    let calls = api.get(&format!("/activities?opportunity_id={}&status=not_started", due_of_the_call(&all_week.body)), &manager).await;
    let due: Vec<&str> = calls.body["items"].as_array().unwrap().iter().map(|a| a["due_at"].as_str().unwrap()).collect();
    assert!(due.contains(&"2026-11-29T09:00:00Z"), "with every day working, a day is a day: {due:?}");
}
