//! Users, accounts and contacts over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn admin_token(api: &Api) -> String {
    let admin = api.app.admin().await;
    api.token(&admin).await
}

async fn administrators_manage_users_and_users_manage_themselves(app: TestApp) {
    let api = Api::start(app).await;
    let admin = admin_token(&api).await;
    let manager = api.token(&api.app.manager).await;
    let new = json!({"email": "Olga@Test.local", "name": "Ольга", "role": "manager", "supervisor_id": api.app.supervisor.id, "password": "olga-password"});
    let created = api.post("/users", &admin, new.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert!(created.body.get("password").is_none());
    assert_eq!(created.body["locale"], "ru", "the default_locale setting");
    let again =
        api.post("/users", &admin, json!({"email": "olga@test.LOCAL", "name": "Other", "role": "manager", "password": "xxxxxxxx"})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "already_exists"));
    let refused = api.post("/users", &manager, new).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let directory = api.get("/users", &manager).await;
    assert!(directory.body["items"].as_array().unwrap().len() >= 6, "everyone reads the directory");

    let me = format!("/users/{}", api.app.manager.id);
    let promote = api.send(Method::PATCH, &me, Some(&manager), Some(json!({"role": "admin"}))).await;
    assert_eq!(promote.status, StatusCode::FORBIDDEN);
    let renamed = api.send(Method::PATCH, &me, Some(&manager), Some(json!({"name": "Менеджер Иванов", "locale": "en"}))).await;
    assert_eq!((renamed.status, renamed.body["locale"].as_str()), (StatusCode::OK, Some("en")));
    let no_current = api.send(Method::PATCH, &me, Some(&manager), Some(json!({"password": "new-password"}))).await;
    assert_eq!(
        (no_current.status, no_current.body["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password"))
    );
    let other = format!("/users/{}", api.app.teammate.id);
    assert_eq!(api.send(Method::PATCH, &other, Some(&manager), Some(json!({"name": "x"}))).await.status, StatusCode::FORBIDDEN);

    let teammate = api.token(&api.app.teammate).await;
    assert_eq!(api.get("/me", &teammate).await.status, StatusCode::OK);
    let deactivated = api.send(Method::PATCH, &other, Some(&admin), Some(json!({"active": false}))).await;
    assert_eq!((deactivated.status, deactivated.body["active"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(api.get("/me", &teammate).await.status, StatusCode::UNAUTHORIZED, "a deactivated user's tokens stop at once");
    let admin_id = api.get("/me", &admin).await.body["id"].as_str().unwrap().to_owned();
    let lockout = api.send(Method::PATCH, &format!("/users/{admin_id}"), Some(&admin), Some(json!({"active": false}))).await;
    assert_eq!(lockout.status, StatusCode::UNPROCESSABLE_ENTITY, "an admin cannot lock themselves out");
    let demote = api.send(Method::PATCH, &format!("/users/{admin_id}"), Some(&admin), Some(json!({"role": "manager"}))).await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cleared = api.send(Method::PATCH, &me, Some(&admin), Some(json!({"supervisor_id": null}))).await;
    assert!(cleared.body["supervisor_id"].is_null());
}

async fn accounts_and_contacts_are_shared_and_changed_by_their_owners(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let outsider = api.token(&api.app.loner).await;
    let account = api.post("/accounts", &manager, json!({"name": "ООО «Северный Ветер»", "industry": "Energy"})).await;
    assert_eq!(account.status, StatusCode::CREATED, "{:?}", account.body);
    let id = account.body["id"].as_str().unwrap().to_owned();
    let found = api.get("/accounts?q=%D1%81%D0%B5%D0%B2%D0%B5%D1%80", &outsider).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "Cyrillic search in any case, readable by all");
    let wildcard = api.get("/accounts?q=%25", &outsider).await;
    assert!(wildcard.body["items"].as_array().unwrap().is_empty(), "% in the search text is a literal character");
    let hijack = api.send(Method::PATCH, &format!("/accounts/{id}"), Some(&outsider), Some(json!({"name": "Mine"}))).await;
    assert_eq!(hijack.status, StatusCode::FORBIDDEN);
    let renamed = api.send(Method::PATCH, &format!("/accounts/{id}"), Some(&manager), Some(json!({"name": "Северный Ветер"}))).await;
    assert_eq!(renamed.body["name"], "Северный Ветер");
    let contact = api.post("/contacts", &manager, json!({"name": "Анна Смирнова", "account_id": id, "job_title": "CIO"})).await;
    assert_eq!(contact.status, StatusCode::CREATED);
    let of_account = api.get(&format!("/contacts?account_id={id}"), &manager).await;
    assert_eq!(of_account.body["items"][0]["name"], "Анна Смирнова");
    let orphan = api.post("/contacts", &manager, json!({"name": "Nobody", "account_id": "missing"})).await;
    assert_eq!((orphan.status, orphan.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("account_id")));
    let opportunity =
        api.post("/opportunities", &manager, json!({"title": "Ветряки", "account_id": id, "contact_id": contact.body["id"]})).await;
    assert_eq!(opportunity.status, StatusCode::CREATED);
    let by_account = api.get("/opportunities?q=%D1%81%D0%B5%D0%B2%D0%B5%D1%80%D0%BD%D1%8B%D0%B9", &manager).await;
    assert_eq!(by_account.body["items"].as_array().unwrap().len(), 1, "q finds opportunities by their account's name");
}

/// Guessing one's current password to change it counts like signing in: ten wrong guesses
/// and the eleventh is refused, and signing in to that account waits with it.
async fn the_current_password_cannot_be_guessed_without_limit(app: TestApp) {
    let api = Api::start(app).await;
    let manager = api.token(&api.app.manager).await;
    let me = format!("/users/{}", api.app.manager.id);
    for n in 0..10 {
        let guess = json!({"password": "a-new-password", "current_password": format!("guess-{n}")});
        let wrong = api.send(Method::PATCH, &me, Some(&manager), Some(guess)).await;
        assert_eq!(
            (wrong.status, wrong.body["errors"][0]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong_password")),
            "{n}"
        );
    }
    let eleventh = json!({"password": "a-new-password", "current_password": "guess-10"});
    let refused = api.send(Method::PATCH, &me, Some(&manager), Some(eleventh)).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let sign_in = json!({"email": api.app.manager.email, "password": "anything"});
    let signing_in = api.send(Method::POST, "/auth/token", None, Some(sign_in)).await;
    assert_eq!(signing_in.status, StatusCode::TOO_MANY_REQUESTS, "one count for both ways in");
    let renamed = api.send(Method::PATCH, &me, Some(&manager), Some(json!({"name": "Анна"}))).await;
    assert_eq!(renamed.status, StatusCode::OK, "what needs no password goes on");
}

on_both_backends!(
    administrators_manage_users_and_users_manage_themselves,
    accounts_and_contacts_are_shared_and_changed_by_their_owners,
    the_current_password_cannot_be_guessed_without_limit,
);
