//! `GET /search` (issue 15) over real HTTP on both backends: records of every kind found by a
//! fragment of a name, title, e-mail or phone in any case and script; only what the caller may
//! see; the indexes kept current as records change; bad parameters refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

/// The (kind, title) lines a search answers.
async fn found(api: &Api, token: &str, query: &str) -> Vec<(String, String)> {
    let answer = api.get(&format!("/search?{query}"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
    assert_eq!(answer.body["next_cursor"], Value::Null);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_owned(), i["title"].as_str().unwrap().to_owned()))
        .collect()
}

fn titles(lines: &[(String, String)], kind: &str) -> Vec<String> {
    lines.iter().filter(|(k, _)| k == kind).map(|(_, t)| t.clone()).collect()
}

async fn created(api: &Api, token: &str, path: &str, body: Value) -> String {
    let answer = api.post(path, token, body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{path}: {:?}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

async fn every_kind_is_found_by_a_fragment_in_any_case_within_the_callers_sight(app: TestApp) {
    let api = Api::start(app).await;
    let app = &api.app;
    let manager = api.token(&app.manager).await;
    let teammate = api.token(&app.teammate).await;
    let supervisor = api.token(&app.supervisor).await;
    let loner = api.token(&app.loner).await;
    let admin = api.token(&app.admin().await).await;

    let account = created(&api, &manager, "/accounts", json!({"name": "ООО Ромашка-Трейд", "phone": "+7 (495) 123-45-67"})).await;
    let contact = json!({"name": "Пётр Иванов", "email": "petr@romashka.example", "account_id": account});
    created(&api, &manager, "/contacts", contact).await;
    let deal = created(&api, &manager, "/opportunities", json!({"title": "Поставка серверов", "account_id": account})).await;
    created(&api, &manager, "/leads", json!({"title": "Ромашка: склад в Казани"})).await;
    let call = json!({"type": "call", "title": "Звонок Ромашке о договоре", "opportunity_id": deal});
    let call = created(&api, &manager, "/activities", call).await;
    created(&api, &loner, "/opportunities", json!({"title": "Ромашка у другой команды"})).await;

    // A lower-case fragment of a Cyrillic name finds every kind; upper case finds the same.
    let lines = found(&api, &manager, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88").await; // «ромаш»
    assert_eq!(titles(&lines, "account"), ["ООО Ромашка-Трейд"]);
    assert_eq!(titles(&lines, "opportunity"), ["Поставка серверов"], "found by its account's name; not the other team's");
    assert_eq!(titles(&lines, "lead"), ["Ромашка: склад в Казани"]);
    assert_eq!(titles(&lines, "activity"), ["Звонок Ромашке о договоре"]);
    let kinds: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["opportunity", "account", "lead", "activity"], "grouped by kind in a fixed order");
    assert_eq!(found(&api, &manager, "q=%D0%A0%D0%9E%D0%9C%D0%90%D0%A8").await, lines, "«РОМАШ» finds the same");

    // The e-mail, the phone with or without its punctuation, a fragment across a hyphen.
    assert_eq!(titles(&found(&api, &manager, "q=petr@roma").await, "contact"), ["Пётр Иванов"]);
    assert_eq!(titles(&found(&api, &manager, "q=4951234567").await, "account"), ["ООО Ромашка-Трейд"]);
    assert_eq!(titles(&found(&api, &manager, "q=123-45-67").await, "account"), ["ООО Ромашка-Трейд"]);
    assert_eq!(titles(&found(&api, &manager, "q=%D0%BA%D0%B0-%D1%82%D1%80").await, "account"), ["ООО Ромашка-Трейд"]); // «ка-тр»
    // Every word must be there, in any order.
    assert_eq!(
        titles(&found(&api, &manager, "q=%D1%81%D0%B5%D1%80%D0%B2%D0%B5%D1%80+%D0%BF%D0%BE%D1%81%D1%82").await, "opportunity"),
        ["Поставка серверов"]
    );
    // Two letters find names that start with them, nothing inside.
    let short = found(&api, &manager, "q=%D0%BE%D0%BE").await; // «оо»
    assert_eq!(short, [("account".to_owned(), "ООО Ромашка-Трейд".to_owned())]);

    // Only what each caller may see: the directory is everyone's, deals and work are not.
    let teammate_lines = found(&api, &teammate, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88").await;
    assert_eq!(titles(&teammate_lines, "account"), ["ООО Ромашка-Трейд"]);
    assert!(titles(&teammate_lines, "opportunity").is_empty() && titles(&teammate_lines, "activity").is_empty());
    assert!(titles(&teammate_lines, "lead").is_empty());
    let supervisor_lines = found(&api, &supervisor, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88").await;
    assert_eq!(titles(&supervisor_lines, "opportunity"), ["Поставка серверов"], "the team's, not the other team's");
    let mut everyone = titles(&found(&api, &admin, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88").await, "opportunity");
    everyone.sort();
    assert_eq!(everyone, ["Поставка серверов", "Ромашка у другой команды"]);
    assert_eq!(titles(&found(&api, &loner, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88").await, "opportunity"), ["Ромашка у другой команды"]);

    // `kinds` and `limit` narrow the answer.
    let only = found(&api, &manager, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88&kinds=lead,activity").await;
    assert_eq!(only.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["lead", "activity"]);
    for n in 1..=3 {
        created(&api, &manager, "/accounts", json!({"name": format!("Ромашка-{n}")})).await;
    }
    assert_eq!(titles(&found(&api, &manager, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88&kinds=account&limit=2").await, "account").len(), 2);
    let starts_first = titles(&found(&api, &manager, "q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88&kinds=account").await, "account");
    assert_eq!(starts_first, ["Ромашка-1", "Ромашка-2", "Ромашка-3", "ООО Ромашка-Трейд"], "names that start with the text first");

    // The indexes follow every change, in the same transaction.
    let renamed = api
        .send(reqwest::Method::PATCH, &format!("/opportunities/{deal}"), Some(&manager), Some(json!({"title": "Серверная стойка"})))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    let lines = found(&api, &manager, "q=%D1%81%D0%B5%D1%80%D0%B2%D0%B5%D1%80%D0%BD").await; // «серверн»
    assert_eq!(titles(&lines, "opportunity"), ["Серверная стойка"]);
    assert!(found(&api, &manager, "q=%D0%BF%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA").await.is_empty(), "«поставк» is gone");
    let handed = api
        .send(reqwest::Method::PATCH, &format!("/activities/{call}"), Some(&supervisor), Some(json!({"owner_id": app.teammate.id})))
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{:?}", handed.body);
    assert_eq!(
        titles(&found(&api, &teammate, "q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80").await, "activity"),
        ["Звонок Ромашке о договоре"]
    );
    assert!(titles(&found(&api, &manager, "q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80").await, "activity").is_empty());
    let moved = api
        .send(
            reqwest::Method::PATCH,
            &format!("/accounts/{account}"),
            Some(&manager),
            Some(json!({"name": "Лютик", "phone": "8 800 555-35-35"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(titles(&found(&api, &manager, "q=88005553535").await, "account"), ["Лютик"]);
    assert!(titles(&found(&api, &manager, "q=4951234567").await, "account").is_empty());
}

async fn bad_parameters_are_refused_with_the_field_named(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    for (query, field, code) in [
        ("", "q", "required"),
        ("q=%20%20", "q", "required"),
        ("q=abc&kinds=deal", "kinds", "not_one_of"),
        ("q=abc&limit=0", "limit", "out_of_range"),
        ("q=abc&limit=51", "limit", "out_of_range"),
        ("q=abc&limit=many", "limit", "out_of_range"),
    ] {
        let answer = api.get(&format!("/search?{query}"), &manager).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            (answer.body["errors"][0]["field"].as_str(), answer.body["errors"][0]["code"].as_str()),
            (Some(field), Some(code)),
            "{query}"
        );
    }
    let long = "я".repeat(201);
    let answer = api.get(&format!("/search?q={long}"), &manager).await;
    assert_eq!((answer.status, answer.body["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("too_long")));
    let quotes = api.get("/search?q=%22%22%22%20OR%20*%20NEAR(", &manager).await;
    assert_eq!(quotes.status, StatusCode::OK, "the index's own syntax is taken as text: {:?}", quotes.body);
}

on_both_backends!(every_kind_is_found_by_a_fragment_in_any_case_within_the_callers_sight, bad_parameters_are_refused_with_the_field_named);
