//! Signing in and out with tokens; throttling; no hint of which emails exist.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::Api;
use crate::on_both_backends;
use crate::support::TestApp;

async fn signing_in_gives_a_token_that_works_until_it_is_revoked(app: TestApp) {
    let api = Api::start(app).await;
    let signed =
        api.send(Method::POST, "/auth/token", None, Some(json!({"email": "ADMIN@test.local", "password": "admin-password"}))).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{:?}", signed.body);
    assert_eq!(signed.body["user"]["role"], "admin");
    assert!(signed.body["user"].get("password").is_none() && signed.body["user"].get("password_hash").is_none());
    let token = signed.body["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 40, "at least 128 random bits");
    let me = api.get("/me", &token).await;
    assert_eq!((me.status, me.body["email"].as_str()), (StatusCode::OK, Some("admin@test.local")));
    let out = api.send(Method::DELETE, "/auth/token", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = api.get("/me", &token).await;
    assert_eq!((after.status, after.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let stored = api
        .app
        .store
        .raw()
        .await
        .unwrap()
        .sql()
        .int("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1", &[token.as_str().into()])
        .await
        .unwrap();
    let stored = stored.unwrap_or(0);
    assert_eq!(stored, 0, "tokens are stored hashed, never as given");
}

async fn wrong_passwords_and_unknown_emails_look_the_same_and_are_throttled(app: TestApp) {
    let api = Api::start(app).await;
    let wrong = |email: &str| json!({"email": email, "password": "not-the-password"});
    let bad_password = api.send(Method::POST, "/auth/token", None, Some(wrong("admin@test.local"))).await;
    let no_such_user = api.send(Method::POST, "/auth/token", None, Some(wrong("nobody@test.local"))).await;
    assert_eq!(bad_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!((no_such_user.status, &no_such_user.body["detail"]), (StatusCode::UNAUTHORIZED, &bad_password.body["detail"]));
    for _ in 0..9 {
        api.send(Method::POST, "/auth/token", None, Some(wrong("admin@test.local"))).await;
    }
    let throttled =
        api.send(Method::POST, "/auth/token", None, Some(json!({"email": "admin@test.local", "password": "admin-password"}))).await;
    assert_eq!((throttled.status, throttled.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    api.app.clock.advance(jiff::SignedDuration::from_mins(16));
    let later = api.send(Method::POST, "/auth/token", None, Some(json!({"email": "admin@test.local", "password": "admin-password"}))).await;
    assert_eq!(later.status, StatusCode::CREATED, "the window passes");
}

/// Each attempt is counted before its password is checked: a hundred wrong passwords sent at
/// once get ten checks between them, and the right one after them waits for the window.
async fn parallel_guesses_are_throttled_like_one_after_another(app: TestApp) {
    let api = std::sync::Arc::new(Api::start(app).await);
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..100 {
        let api = api.clone();
        guesses.spawn(async move {
            let guess = json!({"email": "admin@test.local", "password": format!("guess-{n}")});
            api.send(Method::POST, "/auth/token", None, Some(guess)).await.status
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (10, 90), "{statuses:?}");
    let right = api.send(Method::POST, "/auth/token", None, Some(json!({"email": "admin@test.local", "password": "admin-password"}))).await;
    assert_eq!((right.status, right.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
}

/// A web session's cookie is no API key and an API token opens no page.
async fn sessions_and_api_tokens_are_not_taken_for_each_other(app: TestApp) {
    let api = Api::start(app).await;
    let browser = crate::web::Browser::of(&api);
    let cookie = crate::web::session_for(&api, &api.app.manager).await;
    let session = cookie.split_once('=').unwrap().1.to_owned();
    let token = api.token(&api.app.manager).await;
    assert_eq!(browser.get("/opportunities", &cookie).await.status, StatusCode::OK, "the session opens pages");
    assert_eq!(api.get("/me", &token).await.status, StatusCode::OK, "the token opens the API");
    let session_as_token = api.get("/me", &session).await;
    assert_eq!((session_as_token.status, session_as_token.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let token_as_cookie = browser.get("/opportunities", &format!("__Host-dealflow-session={token}")).await;
    assert_eq!(token_as_cookie.status, StatusCode::SEE_OTHER);
    assert!(token_as_cookie.location().starts_with("/login"), "{}", token_as_cookie.location());
}

on_both_backends!(
    sessions_and_api_tokens_are_not_taken_for_each_other,
    signing_in_gives_a_token_that_works_until_it_is_revoked,
    wrong_passwords_and_unknown_emails_look_the_same_and_are_throttled,
    parallel_guesses_are_throttled_like_one_after_another,
);
