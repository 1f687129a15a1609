//! The supervisors' and administrators' pages over real HTTP: who may open them, and that every
//! form changes what it says and refuses bad input beside the field, changing nothing. The
//! journeys through them run in a real browser (web-tests/administration.spec.js).

use dealflow_core::engine::StartedVia;
use reqwest::StatusCode;

use crate::bad_input::fingerprint;
use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;
use crate::web::{Browser, session_for};

const ADMIN_PAGES: [&str; 7] = [
    "/admin/users",
    "/admin/stages",
    "/admin/stages/new",
    "/admin/stages/proposal",
    "/admin/lookups",
    "/admin/settings",
    "/processes/enterprise-sale/upload",
];

/// Signs in `user` and answers the session cookie with the CSRF token of its pages.
async fn signed_in(api: &Api, browser: &Browser, user: &dealflow_core::records::UserRecord) -> (String, String) {
    let session = session_for(api, user).await;
    let csrf = browser.get("/processes", &session).await.field("csrf-token");
    (session, csrf)
}

async fn administration_is_for_administrators_and_the_library_and_analytics_for_everyone(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let admin = api.app.admin().await;
    let (manager, manager_csrf) = signed_in(&api, &browser, &api.app.manager).await;
    let (admin_session, _) = signed_in(&api, &browser, &admin).await;
    for path in ADMIN_PAGES {
        let refused = browser.get(path, &manager).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} for a manager");
        assert!(refused.body.contains("может сделать только администратор"), "{path}: the page says why");
        let shown = browser.get(path, &admin_session).await;
        assert!(matches!(shown.status, StatusCode::OK | StatusCode::SEE_OTHER), "{path} for the administrator: {}", shown.status);
    }
    // A manager's forms with a good token still change nothing here.
    let before = fingerprint(&api).await;
    for (path, form) in [
        ("/admin/users", vec![("email", "x@test.local"), ("name", "X"), ("role", "admin"), ("password", "long-enough")]),
        (&*format!("/admin/users/{}", api.app.manager.id), vec![("name", "X"), ("role", "admin"), ("active", "on")]),
        ("/admin/stages", vec![("code", "sneaky"), ("name_ru", "Х"), ("name_en", "X"), ("max_probability", "5")]),
        ("/admin/stages/proposal", vec![("name_ru", "Х"), ("name_en", "X"), ("max_probability", "5")]),
        ("/admin/stages/proposal/move", vec![("direction", "up")]),
        ("/admin/stages/proposal/delete", vec![]),
        ("/admin/lead-stages/qualification", vec![("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/lost-reasons", vec![("code", "sneaky"), ("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/lost-reasons/price", vec![("name_ru", "Х"), ("name_en", "X")]),
        ("/admin/settings/currency", vec![("kind", "text"), ("value", "EUR")]),
        ("/processes/enterprise-sale/active", vec![("active", "false")]),
        ("/processes/enterprise-sale/upload", vec![("document", "code = 'enterprise-sale'"), ("action", "publish")]),
    ] {
        let mut form = form.clone();
        form.push(("csrf", &manager_csrf));
        let answer = browser.post(path, &manager, &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(fingerprint(&api).await, before, "a refused form changed something");
    // What everyone reads: the library, its versions and the analytics of what they may see.
    for path in ["/processes", "/processes/enterprise-sale", "/processes/enterprise-sale/diff?from=1&to=1", "/analytics", "/knowledge"] {
        assert_eq!(browser.get(path, &manager).await.status, StatusCode::OK, "{path}");
    }
    let analytics = browser.get("/analytics", &manager).await;
    assert!(!analytics.body.contains("name=\"owner_id\""), "a manager sees their own figures, with no one else to choose");
    let other = browser.get(&format!("/analytics?owner_id={}", api.app.loner.id), &manager).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "another team's manager is not there to choose");
    let backwards = browser.get("/analytics?from=2026-12-01&to=2026-11-01", &manager).await;
    assert!(backwards.body.contains("Конец периода должен быть позже начала."));
    let csv = browser.get("/analytics.csv?from=2026-01-01", &manager).await;
    assert_eq!(csv.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert!(csv.body.starts_with("\u{feff}Раздел,Показатель,Значение\r\nИтоги,Выиграно,0\r\n"), "{}", csv.body);

    // An administrator sees the whole company, or one supervisor's team.
    for owner in [&api.app.manager, &api.app.loner] {
        let started =
            api.app.services.start_process(api.app.actor(&owner.id), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap();
        let close = dealflow_server::services::CloseInput { stage: "closed_won".into(), ..Default::default() };
        api.app.services.close(api.app.actor(&owner.id), &started.opportunity.id, &close).await.unwrap();
    }
    let won = |body: &str| body.lines().find(|l| l.starts_with("Итоги,Выиграно,")).map(str::to_owned);
    let company = browser.get("/analytics.csv", &admin_session).await;
    assert_eq!(won(&company.body).as_deref(), Some("Итоги,Выиграно,2"));
    let team = browser.get(&format!("/analytics.csv?team={}", api.app.supervisor.id), &admin_session).await;
    assert_eq!(won(&team.body).as_deref(), Some("Итоги,Выиграно,1"), "the loner is in no team");
    let page = browser.get("/analytics", &admin_session).await;
    assert!(page.body.contains("name=\"team\""), "the teams to choose from");
    let not_a_team = browser.get(&format!("/analytics?team={}", api.app.manager.id), &admin_session).await;
    assert_eq!(not_a_team.status, StatusCode::UNPROCESSABLE_ENTITY, "a manager leads no team");
}

async fn the_stage_lookup_adds_orders_deactivates_and_deletes_only_unused_stages(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let admin = api.app.admin().await;
    let (session, csrf) = signed_in(&api, &browser, &admin).await;
    let stage = |code: &'static str, ru: &'static str, en: &'static str, probability: &'static str| {
        vec![("code", code), ("name_ru", ru), ("name_en", en), ("max_probability", probability), ("show_in_funnel", "on"), ("active", "on")]
    };
    let with_csrf = |mut form: Vec<(&'static str, &'static str)>| {
        form.push(("csrf", Box::leak(csrf.clone().into_boxed_str())));
        form
    };

    let before = fingerprint(&api).await;
    let bad = browser.post("/admin/stages", &session, &with_csrf(stage("Bad Code", "Переговоры", "", "150"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in ["Код — строчные латинские буквы", "Заполните это поле.", "от 0 до 100"] {
        assert!(bad.body.contains(message), "{message} beside its field");
    }
    assert!(bad.body.contains("value=\"Переговоры\""), "what was typed is kept");
    let taken = browser.post("/admin/stages", &session, &with_csrf(stage("proposal", "Ещё одно", "Another", "10"))).await;
    assert!(taken.body.contains("Такая запись уже есть."));
    assert_eq!(fingerprint(&api).await, before);

    let added = browser.post("/admin/stages", &session, &with_csrf(stage("negotiation", "Переговоры", "Negotiation", "70"))).await;
    assert_eq!((added.status, added.location()), (StatusCode::SEE_OTHER, "/admin/stages?saved=1"));
    let order = |catalog: dealflow_core::StageCatalog| catalog.all().iter().map(|s| s.code.to_string()).collect::<Vec<_>>();
    assert_eq!(order(api.app.stages().await).last().unwrap(), "negotiation", "a new stage goes last");
    for _ in 0..3 {
        browser.post("/admin/stages/negotiation/move", &session, &with_csrf(vec![("direction", "up")])).await;
    }
    assert_eq!(
        order(api.app.stages().await),
        ["qualification", "presentation", "proposal", "negotiation", "contracting", "closed_won", "closed_lost"],
        "three steps up: before Contracting"
    );
    assert!(browser.get("/admin/stages", &session).await.body.contains("Переговоры"));

    // A stage opportunities went through: final/won locked, never deleted, only deactivated.
    api.app.services.start_process(api.app.actor(&api.app.manager.id), "enterprise-sale", None, StartedVia::SidePanel).await.unwrap();
    let in_use = browser.post("/admin/stages/qualification/delete", &session, &with_csrf(vec![])).await;
    assert_eq!(in_use.status, StatusCode::CONFLICT);
    assert!(in_use.body.contains("Это уже используется — можно только выключить."));
    let made_final = browser
        .post(
            "/admin/stages/qualification",
            &session,
            &with_csrf(vec![
                ("name_ru", "Квалификация"),
                ("name_en", "Qualification"),
                ("max_probability", "10"),
                ("is_final", "on"),
                ("active", "on"),
            ]),
        )
        .await;
    assert_eq!(made_final.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!api.app.stages().await.is_final("qualification"));
    let off = browser
        .post(
            "/admin/stages/negotiation",
            &session,
            &with_csrf(vec![("name_ru", "Торг"), ("name_en", "Bargaining"), ("max_probability", "60")]),
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let negotiation = api.app.stages().await.get("negotiation").cloned().unwrap();
    assert_eq!((negotiation.active, negotiation.name.en.as_str(), negotiation.max_probability), (false, "Bargaining", 60));
    let gone = browser.post("/admin/stages/negotiation/delete", &session, &with_csrf(vec![])).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "nothing used it: it may go");
    assert!(api.app.stages().await.get("negotiation").is_none());
}

async fn settings_lookups_users_and_articles_change_as_the_forms_say(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let admin = api.app.admin().await;
    let (session, csrf) = signed_in(&api, &browser, &admin).await;
    let post = |path: String, mut form: Vec<(&'static str, String)>| {
        form.push(("csrf", csrf.clone()));
        let browser = &browser;
        let session = session.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&path, &session, &form).await
        }
    };
    let setting = |key: &str| {
        let store = api.app.store.clone();
        let key = key.to_owned();
        async move { store.read().await.unwrap().settings().get(&key).await.unwrap().unwrap() }
    };

    // Settings: a wrong currency is refused beside its field; a checkbox left empty turns a flag off.
    let wrong = post("/admin/settings/currency".into(), vec![("kind", "text".into()), ("value", "rubles".into())]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Трёхбуквенный код валюты") && wrong.body.contains("value=\"rubles\""));
    assert_eq!(setting("currency").await, "RUB");
    post("/admin/settings/currency".into(), vec![("kind", "text".into()), ("value", "EUR".into())]).await;
    post("/admin/settings/start_sales_process".into(), vec![("kind", "bool".into())]).await;
    assert_eq!((setting("currency").await, setting("start_sales_process").await), ("EUR".into(), false.into()));

    // Lost reasons and lead stages.
    let bad_code =
        post("/admin/lost-reasons".into(), vec![("code", "no fit".into()), ("name_ru", "Не подошло".into()), ("name_en", "".into())]).await;
    assert_eq!(bad_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_code.body.contains("Код — строчные латинские буквы") && bad_code.body.contains("value=\"Не подошло\""));
    let added = post(
        "/admin/lost-reasons".into(),
        vec![("code", "no_fit".into()), ("name_ru", "Не подошло".into()), ("name_en", "Not a fit".into())],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    post("/admin/lost-reasons/price".into(), vec![("name_ru", "Дорого".into()), ("name_en", "Too expensive".into())]).await;
    let reasons = api.app.store.read().await.unwrap().lost_reasons().list().await.unwrap();
    let price = reasons.iter().find(|r| r.code == "price").unwrap();
    assert_eq!((price.name.ru.as_str(), price.active), ("Дорого", false), "renamed, and off: its box was left empty");
    assert!(reasons.iter().any(|r| r.code == "no_fit" && r.active));
    let empty_name = post("/admin/lead-stages/distribution".into(), vec![("name_ru", " ".into()), ("name_en", "Routing".into())]).await;
    assert_eq!(empty_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty_name.body.contains("Заполните это поле."));
    post(
        "/admin/lead-stages/distribution".into(),
        vec![("name_ru", "Маршрутизация".into()), ("name_en", "Routing".into()), ("active", "on".into()), ("direction", "".into())],
    )
    .await;
    post("/admin/lead-stages/distribution".into(), vec![("direction", "up".into())]).await;
    let lead_stages = api.app.store.read().await.unwrap().lead_stages().list().await.unwrap();
    assert_eq!(lead_stages[0].code.as_str(), "distribution", "moved above Qualification");
    let bad_stage =
        post("/admin/lead-stages".into(), vec![("code", "На паузе".into()), ("name_ru", "На паузе".into()), ("name_en", "On hold".into())])
            .await;
    assert_eq!(bad_stage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_stage.body.contains("Код — строчные латинские буквы"));
    let new_stage =
        post("/admin/lead-stages".into(), vec![("code", "on_hold".into()), ("name_ru", "На паузе".into()), ("name_en", "On hold".into())])
            .await;
    assert_eq!(new_stage.status, StatusCode::SEE_OTHER);
    api.app
        .services
        .create_lead(
            api.app.actor(&api.app.manager.id),
            dealflow_server::services::NewLead {
                title: "Лид".into(),
                need: None,
                contact_id: None,
                account_id: None,
                owner_id: Some(api.app.manager.id.clone()),
                budget: None,
            },
        )
        .await
        .unwrap();
    // The lead starts at the first stage, now Distribution: that one is in use.
    let used = post("/admin/lead-stages/distribution/delete".into(), vec![]).await;
    assert_eq!(used.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(used.body.contains("Это уже используется — можно только выключить."));
    let removed = post("/admin/lead-stages/on_hold/delete".into(), vec![]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let codes: Vec<String> =
        api.app.store.read().await.unwrap().lead_stages().list().await.unwrap().iter().map(|s| s.code.to_string()).collect();
    assert!(codes.contains(&"distribution".to_owned()) && !codes.contains(&"on_hold".to_owned()));

    // Users: made, refused, changed; a new password ends the user's tokens at once.
    let bad = post(
        "/admin/users".into(),
        vec![("email", "nobody".into()), ("name", "Новый".into()), ("role", "manager".into()), ("password", "long-enough".into())],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Укажите адрес эл. почты.") && bad.body.contains("value=\"Новый\""));
    let made = post(
        "/admin/users".into(),
        vec![
            ("email", "new@test.local".into()),
            ("name", "Новый".into()),
            ("role", "manager".into()),
            ("supervisor_id", api.app.supervisor.id.clone()),
            ("password", "long-enough".into()),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let again = post(
        "/admin/users".into(),
        vec![("email", "NEW@test.local".into()), ("name", "Дубль".into()), ("role", "manager".into()), ("password", "long-enough".into())],
    )
    .await;
    assert!(again.body.contains("Такая запись уже есть."), "emails are unique whatever their case");
    let new = api.app.store.read().await.unwrap().users().find_by_email("new@test.local").await.unwrap().unwrap();
    assert_eq!(new.supervisor_id.as_deref(), Some(api.app.supervisor.id.as_str()));
    let token = api.token(&new).await;
    let promoted = post(
        format!("/admin/users/{}", new.id),
        vec![("name", "Новый".into()), ("role", "supervisor".into()), ("active", "on".into()), ("password", "another-password".into())],
    )
    .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER);
    let changed = api.app.store.read().await.unwrap().users().get(&new.id).await.unwrap();
    assert_eq!((changed.role.as_str(), changed.supervisor_id), ("supervisor", None));
    assert_eq!(api.get("/me", &token).await.status, StatusCode::UNAUTHORIZED, "the reset password ended the old token");
    let self_demoted =
        post(format!("/admin/users/{}", admin.id), vec![("name", "Я".into()), ("role", "manager".into()), ("active", "on".into())]).await;
    assert!(self_demoted.body.contains("Нельзя отключить себя"));

    // Articles: anyone writes one; only its author or an administrator changes it.
    let (manager, manager_csrf) = signed_in(&api, &browser, &api.app.manager).await;
    let written = browser
        .post(
            "/knowledge",
            &manager,
            &[("title", "Кейс: склад"), ("body", "Первый абзац.\n\nВторой."), ("tags", "кейс, склад"), ("csrf", &manager_csrf)],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER);
    let article = written.location().to_owned();
    let page = browser.get(&article, &manager).await;
    assert!(page.body.contains("<p>Первый абзац.</p>") && page.body.contains("<p>Второй.</p>"));
    let (loner, loner_csrf) = signed_in(&api, &browser, &api.app.loner).await;
    let not_theirs = browser.post(&article, &loner, &[("title", "Чужое"), ("body", "x"), ("csrf", &loner_csrf)]).await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    let untitled = post(article.clone(), vec![("title", "".into()), ("body", "Текст".into())]).await;
    assert_eq!(untitled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(untitled.body.contains("Заполните это поле."));
    let fixed = post(article.clone(), vec![("title", "Кейс: склад, итог".into()), ("body", "Итог.".into())]).await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    assert!(browser.get("/knowledge?q=итог", &manager).await.body.contains("Кейс: склад, итог"), "found by search");
}

async fn a_broken_upload_publishes_nothing_and_an_inactive_process_is_not_offered(app: TestApp) {
    let api = Api::start(app).await;
    let browser = Browser::of(&api);
    let admin = api.app.admin().await;
    let (session, csrf) = signed_in(&api, &browser, &admin).await;
    let document = browser.get("/processes/enterprise-sale/upload", &session).await;
    let current = api.app.store.read().await.unwrap().processes().current("enterprise-sale").await.unwrap();
    assert!(document.body.contains("code = &quot;enterprise-sale&quot;") || document.body.contains("code = &#34;enterprise-sale&#34;"));

    let before = fingerprint(&api).await;
    let broken = current.to_toml().replace("type = \"meeting\"", "type = \"lunch\"");
    let refused =
        browser.post("/processes/enterprise-sale/upload", &session, &[("document", &broken), ("action", "publish"), ("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("«lunch» — не тип активности") && refused.body.contains("Строка "), "each problem with its line");
    let other_code = current.to_toml().replace("code = \"enterprise-sale\"", "code = \"small-deal\"");
    let misplaced = browser
        .post("/processes/enterprise-sale/upload", &session, &[("document", &other_code), ("action", "publish"), ("csrf", &csrf)])
        .await;
    assert!(misplaced.body.contains("можно загрузить только «enterprise-sale»"));
    let checked = browser
        .post("/processes/enterprise-sale/upload", &session, &[("document", &current.to_toml()), ("action", "check"), ("csrf", &csrf)])
        .await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(checked.body.contains("Документ без ошибок."), "a check publishes nothing either");
    assert_eq!(fingerprint(&api).await, before);

    for code in ["enterprise-sale", "enterprise-sale-guided"] {
        let off = browser.post(&format!("/processes/{code}/active"), &session, &[("active", "false"), ("csrf", &csrf)]).await;
        assert_eq!(off.status, StatusCode::SEE_OTHER);
    }
    let run = browser.get("/run", &session).await;
    assert!(run.body.contains("В библиотеке нет активных процессов."), "the side panel no longer offers it");
    let typed = browser.post("/command", &session, &[("text", "Запустить процесс Корпоративная продажа"), ("csrf", &csrf)]).await;
    assert!(typed.body.contains("Команда не распознана, и ничего не найдено."), "nor the command line");
    let library = browser.get("/processes", &session).await;
    assert!(library.body.contains("Выключен"));
    browser.post("/processes/enterprise-sale/active", &session, &[("active", "true"), ("csrf", &csrf)]).await;
    assert!(!browser.get("/run", &session).await.body.contains("В библиотеке нет активных процессов."));
}

on_both_backends!(
    administration_is_for_administrators_and_the_library_and_analytics_for_everyone,
    the_stage_lookup_adds_orders_deactivates_and_deletes_only_unused_stages,
    settings_lookups_users_and_articles_change_as_the_forms_say,
    a_broken_upload_publishes_nothing_and_an_inactive_process_is_not_offered,
);
