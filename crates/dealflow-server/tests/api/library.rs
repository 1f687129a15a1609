//! The stage lookup, process versions and the knowledge base over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn admin(api: &Api) -> String {
    let admin = api.app.admin().await;
    api.token(&admin).await
}

const SHIPPED: &str = include_str!("../../../../processes/enterprise-sale.toml");

async fn administrators_edit_the_stage_lookup(app: TestApp) {
    let api = Api::start(app).await;
    let admin = admin(&api).await;
    let manager = api.token(&api.app.manager).await;
    let stage = json!({"code": "negotiation", "name": {"ru": "Переговоры", "en": "Negotiation"}, "max_probability": 70, "position": 4});
    assert_eq!(api.post("/opportunity-stages", &manager, stage.clone()).await.status, StatusCode::FORBIDDEN);
    let created = api.post("/opportunity-stages", &admin, stage.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!((created.body["is_final"].as_bool(), created.body["show_in_funnel"].as_bool()), (Some(false), Some(true)));
    assert_eq!(api.post("/opportunity-stages", &admin, stage).await.code(), "already_exists");
    let bad =
        api.post("/opportunity-stages", &admin, json!({"code": "Bad Code", "name": {"ru": "a", "en": "a"}, "max_probability": 5})).await;
    assert_eq!((bad.status, bad.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("code")));
    let renamed = api
        .send(
            Method::PATCH,
            "/opportunity-stages/negotiation",
            Some(&admin),
            Some(json!({"name": {"ru": "Торг", "en": "Bargaining"}, "active": false})),
        )
        .await;
    assert_eq!((renamed.status, renamed.body["active"].as_bool()), (StatusCode::OK, Some(false)));
    let listed = api.get("/opportunity-stages", &manager).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 7);
    let started = api.post("/processes/enterprise-sale/start", &manager, json!({})).await;
    let id = started.body["opportunity"]["id"].as_str().unwrap();
    let inactive = api.post(&format!("/opportunities/{id}/stage"), &manager, json!({"stage": "negotiation"})).await;
    assert_eq!(inactive.status, StatusCode::UNPROCESSABLE_ENTITY, "an inactive stage is refused");
    let in_use = api.send(Method::PATCH, "/opportunity-stages/qualification", Some(&admin), Some(json!({"is_final": true}))).await;
    assert_eq!(in_use.status, StatusCode::UNPROCESSABLE_ENTITY, "a used stage cannot become final");
    assert_eq!(
        api.send(Method::PATCH, "/opportunity-stages/nowhere", Some(&admin), Some(json!({"active": false}))).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn publishing_a_version_checks_it_and_keeps_running_instances_on_theirs(app: TestApp) {
    let api = Api::start(app).await;
    let admin = admin(&api).await;
    let manager = api.token(&api.app.manager).await;
    let before = api.post("/processes/enterprise-sale/start", &manager, json!({})).await;
    let with_extra_step = SHIPPED.replacen(
        "[[stages]]\nstage = \"proposal\"",
        "  [[stages.steps]]\n  code = \"send_follow_up\"\n  type = \"email\"\n  title = { ru = \"Отправить письмо после встречи\", en = \"Send a follow-up email\" }\n  due = \"P1D\"\n  results = [{ code = \"done\", name = { ru = \"Выполнено\", en = \"Done\" }, effect = \"advance\" }]\n\n[[stages]]\nstage = \"proposal\"",
        1,
    );
    let refused =
        api.raw(Method::PUT, "/processes/enterprise-sale", &manager, "application/toml", with_extra_step.clone().into_bytes()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong_type = api.raw(Method::PUT, "/processes/enterprise-sale", &admin, "text/plain", with_extra_step.clone().into_bytes()).await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = SHIPPED.replacen("next = \"proposal\"", "next = \"nowhere\"", 1).replacen("type = \"email\"", "type = \"fax\"", 1);
    let problems = api.raw(Method::PUT, "/processes/enterprise-sale", &admin, "application/toml", broken.into_bytes()).await;
    assert_eq!(problems.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = problems.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["stages[1].next", "stages[3].steps[0].type"]);
    assert_eq!(
        api.get("/processes/enterprise-sale/versions", &manager).await.body["items"].as_array().unwrap().len(),
        1,
        "nothing published"
    );

    let published = api.raw(Method::PUT, "/processes/enterprise-sale", &admin, "application/toml", with_extra_step.into_bytes()).await;
    assert_eq!((published.status, published.body["version"].as_u64()), (StatusCode::CREATED, Some(2)), "{:?}", published.body);
    let versions = api.get("/processes/enterprise-sale/versions", &manager).await;
    assert!(versions.body["items"][1]["published_by"].is_string(), "who published it is recorded");
    let current = api.get("/processes/enterprise-sale", &manager).await;
    assert_eq!(current.body["stages"][1]["steps"].as_array().unwrap().len(), 2);

    let after = api.post("/processes/enterprise-sale/start", &manager, json!({})).await;
    assert_eq!(after.body["instance"]["process_version"], 2);
    for started in [&before, &after] {
        let id = started.body["opportunity"]["id"].as_str().unwrap();
        api.post(&format!("/opportunities/{id}/stage"), &manager, json!({"stage": "presentation"})).await;
    }
    let steps = |id: &str| {
        let api = &api;
        let manager = manager.clone();
        let id = id.to_owned();
        async move {
            let open = api.get(&format!("/activities?opportunity_id={id}&status=not_started"), &manager).await;
            let mut steps: Vec<String> =
                open.body["items"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap().to_owned()).collect();
            steps.sort();
            steps
        }
    };
    assert_eq!(steps(before.body["opportunity"]["id"].as_str().unwrap()).await, ["presentation"]);
    assert_eq!(steps(after.body["opportunity"]["id"].as_str().unwrap()).await, ["presentation", "send_follow_up"]);

    let as_json: serde_json::Value = serde_json::to_value(toml::from_str::<toml::Value>(SHIPPED).unwrap()).unwrap();
    let json_publish =
        api.raw(Method::PUT, "/processes/enterprise-sale", &admin, "application/json", serde_json::to_vec(&as_json).unwrap()).await;
    assert_eq!((json_publish.status, json_publish.body["version"].as_u64()), (StatusCode::CREATED, Some(3)));
    let mismatch = api.raw(Method::PUT, "/processes/other-code", &admin, "application/toml", SHIPPED.as_bytes().to_vec()).await;
    assert_eq!((mismatch.status, mismatch.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("code")));
}

async fn knowledge_articles_are_shared_and_changed_by_their_authors(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let teammate = api.token(&api.app.teammate).await;
    let created =
        api.post("/knowledge", &manager, json!({"title": "Презентация для ритейла", "body": "Слайды…", "tags": ["presentation"]})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let found = api.get("/knowledge?q=%D0%A0%D0%98%D0%A2%D0%95%D0%99%D0%9B", &teammate).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "Cyrillic search in any case");
    assert_eq!(
        api.send(Method::PATCH, &format!("/knowledge/{id}"), Some(&teammate), Some(json!({"title": "Mine"}))).await.status,
        StatusCode::FORBIDDEN
    );
    let edited =
        api.send(Method::PATCH, &format!("/knowledge/{id}"), Some(&manager), Some(json!({"tags": ["presentation", "retail"]}))).await;
    assert_eq!(edited.body["tags"], json!(["presentation", "retail"]));
    let opportunity = api.post("/opportunities", &manager, json!({"title": "Retail deal"})).await;
    let linked = api
        .send(
            Method::PATCH,
            &format!("/opportunities/{}", opportunity.body["id"].as_str().unwrap()),
            Some(&manager),
            Some(json!({"presentation_id": id})),
        )
        .await;
    assert_eq!(linked.body["presentation_id"], id.as_str());
}

on_both_backends!(
    administrators_edit_the_stage_lookup,
    publishing_a_version_checks_it_and_keeps_running_instances_on_theirs,
    knowledge_articles_are_shared_and_changed_by_their_authors,
);
