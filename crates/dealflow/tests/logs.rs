//! The server's log, at its most talkative level, never holds a password, an API token or a
//! session secret, whatever the requests carried.

use serde_json::json;

mod common;
use common::{ADMIN_PASSWORD, Server};

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_or_session_secret_ever_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let url = format!("sqlite://{}", dir.path().join("dealflow.db").display());
    let server = Server::start(&url, "trace", Some(log.clone()));
    let http = common::http().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let wrong_password = "wrong-secret-password-7731";

    // The API: a failed and a good sign-in, a request with the token, sign-out.
    let api = format!("{}/api/v1", server.base);
    let failed =
        http.post(format!("{api}/auth/token")).json(&json!({"email": "admin@localhost", "password": wrong_password})).send().await.unwrap();
    assert_eq!(failed.status(), 401);
    let signed =
        http.post(format!("{api}/auth/token")).json(&json!({"email": "admin@localhost", "password": ADMIN_PASSWORD})).send().await.unwrap();
    let token = signed.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    assert_eq!(http.get(format!("{api}/me")).bearer_auth(&token).send().await.unwrap().status(), 200);

    // The web app: the sign-in form, a page with the session, sign-out.
    let sign_in_form = http.get(format!("{}/login", server.base)).send().await.unwrap();
    let login_cookie = sign_in_form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let body = sign_in_form.text().await.unwrap();
    let form_token = body.split("name=\"token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let signed_in = http
        .post(format!("{}/login", server.base))
        .header("cookie", &login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("email", "admin@localhost"), ("password", ADMIN_PASSWORD), ("token", &form_token)]))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let session = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let secret = session.split_once('=').unwrap().1.to_owned();
    let page = http.get(format!("{}/opportunities", server.base)).header("cookie", &session).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = page.text().await.unwrap().split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let out = http
        .post(format!("{}/logout", server.base))
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", &csrf)]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(http.delete(format!("{api}/auth/token")).bearer_auth(&token).send().await.unwrap().status(), 204);
    drop(server);

    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.lines().count() > 20, "the log at trace level says plenty: {} lines", written.lines().count());
    for (what, secret) in [
        ("the admin password", ADMIN_PASSWORD),
        ("a wrong password", wrong_password),
        ("the API token", token.as_str()),
        ("the session secret", secret.as_str()),
        ("the CSRF token", csrf.as_str()),
        ("the sign-in form token", form_token.as_str()),
    ] {
        assert!(!written.contains(secret), "{what} appears in the log");
    }
    println!("log check: {} lines at trace level, none holding a password, token or session secret", written.lines().count());
}
