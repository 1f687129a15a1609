//! Who is looking: the session cookie (a revocable token like the API's, stored hashed), the CSRF
//! token every form carries, signing in and out, and the language switch.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use dealflow_core::Locale;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::i18n::{Texts, texts};
use super::{OrPage, PageError};
use crate::Services;
use crate::access::Actor;
use crate::secrets::{hash_token, random_secret};
use crate::services::UserChanges;

/// The cookie's name in a secure context: the `__Host-` prefix binds it to this host and path.
const SECURE_COOKIE: &str = "__Host-dealflow-session";
/// Over plain HTTP on a non-local address browsers refuse `Secure` cookies, so the prefix goes too.
const PLAIN_COOKIE: &str = "dealflow-session";
/// The sign-in form's own CSRF token, before there is a session.
const LOGIN_COOKIE: &str = "dealflow-login";

/// The signed-in person looking at a page.
pub struct Viewer {
    pub actor: Actor,
    pub locale: Locale,
    pub csrf: String,
}

impl Viewer {
    pub fn t(&self) -> &'static Texts {
        texts(self.locale)
    }
}

/// The CSRF token of a session: derived from its secret, so nothing more is stored, and
/// unknowable to another site.
fn csrf_of(session: &str) -> String {
    hash_token(&format!("csrf:{session}"))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether the proxy in front says the request came over TLS (`X-Forwarded-Proto: https`).
pub(super) fn forwarded_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Browsers keep `Secure` cookies over TLS and on the loopback address; elsewhere over plain
/// HTTP they drop them, and sign-in would silently fail.
fn is_secure_context(headers: &HeaderMap) -> bool {
    let forwarded_tls = forwarded_tls(headers);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let hostname = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    forwarded_tls || matches!(hostname, "localhost" | "127.0.0.1" | "[::1]")
}

fn session_cookie(headers: &HeaderMap, value: &str, max_age: Option<u32>) -> HeaderValue {
    let age = max_age.map(|s| format!("; Max-Age={s}")).unwrap_or_default();
    let text = if is_secure_context(headers) {
        format!("{SECURE_COOKIE}={value}; Path=/; HttpOnly; Secure; SameSite=Lax{age}")
    } else {
        format!("{PLAIN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{age}")
    };
    HeaderValue::from_str(&text).expect("cookie values are URL-safe")
}

fn session_secret(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SECURE_COOKIE).or_else(|| cookie(headers, PLAIN_COOKIE)).filter(|v| !v.is_empty())
}

/// The language of someone not signed in: `?lang=`, then `Accept-Language`, then Russian.
pub fn guest_locale(headers: &HeaderMap, asked: Option<&str>) -> Locale {
    asked.and_then(Locale::parse).unwrap_or_else(|| crate::http::locale_from(headers))
}

impl FromRequestParts<Services> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Viewer, PageError> {
        let locale = guest_locale(&parts.headers, None);
        let sign_in = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            PageError::SignIn { next: if parts.method == axum::http::Method::GET { next.to_owned() } else { "/".to_owned() } }
        };
        let Some(secret) = session_secret(&parts.headers).filter(|s| crate::secrets::is_session(s)) else { return Err(sign_in()) };
        let actor = services.authenticate(secret).await.map_err(|e| PageError::service(locale, e))?;
        let Some(actor) = actor else { return Err(sign_in()) };
        Ok(Viewer { locale: actor.locale(), csrf: csrf_of(secret), actor })
    }
}

/// A form post from a signed-in person: the fields, once its CSRF token has been checked.
pub struct PageForm<T> {
    pub viewer: Viewer,
    pub input: T,
}

/// Form bodies are small; this keeps a hostile one from being read whole.
const FORM_LIMIT: usize = 256 * 1024;

impl<T: DeserializeOwned> FromRequest<Services> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, services: &Services) -> Result<PageForm<T>, PageError> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, services).await?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| PageError::BadRequest(viewer.locale))?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
        if token.as_deref() != Some(viewer.csrf.as_str()) {
            return Err(PageError::Csrf(viewer.locale));
        }
        if !well_formed_text(&bytes) {
            return Err(PageError::BadRequest(viewer.locale));
        }
        let input = serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::BadRequest(viewer.locale))?;
        Ok(PageForm { viewer, input })
    }
}

/// Whether every name and value of a form body is UTF-8 without NUL once its percent escapes
/// are undone. A browser sends nothing else; decoding anything else would store U+FFFD in its
/// place.
fn well_formed_text(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok_and(|text| !text.contains('\0')))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: &'static Texts,
    pub token: String,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub other_lang: &'static str,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

/// Only paths of this site may follow a sign-in, never another site's address.
fn safe_next(next: Option<&str>) -> String {
    next.and_then(super::local_path).unwrap_or_else(|| "/".to_owned())
}

fn login_page(locale: Locale, email: String, next: String, error: Option<String>) -> Response {
    let token = random_secret();
    let page = LoginPage {
        t: texts(locale),
        token: token.clone(),
        email,
        next,
        error,
        other_lang: if locale == Locale::Ru { "en" } else { "ru" },
    };
    let cookie = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict");
    let mut response = page.into_response();
    response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("token is URL-safe"));
    response
}

pub async fn login_form(headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let locale = guest_locale(&headers, query.lang.as_deref());
    login_page(locale, String::new(), safe_next(query.next.as_deref()), None)
}

#[derive(Deserialize)]
pub struct LoginInput {
    email: String,
    password: String,
    token: String,
    next: Option<String>,
    lang: Option<String>,
    /// The browser's zone (the page's script fills it in): adopted at a person's first sign-in.
    time_zone: Option<String>,
}

pub async fn login(State(services): State<Services>, headers: HeaderMap, axum::Form(input): axum::Form<LoginInput>) -> Response {
    let locale = guest_locale(&headers, input.lang.as_deref());
    let t = texts(locale);
    let next = safe_next(input.next.as_deref());
    if cookie(&headers, LOGIN_COOKIE) != Some(input.token.as_str()) {
        return login_page(locale, input.email, next, Some(t.session_form_expired.to_owned()));
    }
    if input.email.trim().is_empty() || input.password.is_empty() {
        return login_page(locale, input.email, next, Some(t.bad_credentials.to_owned()));
    }
    match services.sign_in_session(input.email.trim(), &input.password, input.time_zone.as_deref()).await {
        Ok(secret) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(header::SET_COOKIE, session_cookie(&headers, &secret, None));
            response
        }
        Err(error) => match error.message(locale) {
            Some(message) => login_page(locale, input.email, next, Some(message)),
            None => PageError::internal(locale, error).into_response(),
        },
    }
}

#[derive(Deserialize)]
pub struct NoFields {}

pub async fn logout(State(services): State<Services>, headers: HeaderMap, form: PageForm<NoFields>) -> Result<Response, PageError> {
    let locale = form.viewer.locale;
    if let Some(secret) = session_secret(&headers) {
        services.sign_out(secret).await.map_err(|e| PageError::internal(locale, e))?;
    }
    let mut response = Redirect::to(&format!("/login?lang={}", locale.as_str())).into_response();
    response.headers_mut().append(header::SET_COOKIE, session_cookie(&headers, "", Some(0)));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LocaleInput {
    locale: String,
    back: Option<String>,
}

/// The user menu's language switch: remembered on the user, so every page and notification follows.
pub async fn switch_locale(State(services): State<Services>, form: PageForm<LocaleInput>) -> Result<Response, PageError> {
    let viewer = &form.viewer;
    let Some(locale) = Locale::parse(&form.input.locale) else { return Err(PageError::BadRequest(viewer.locale)) };
    let changes = UserChanges { locale: Some(locale.as_str().to_owned()), ..Default::default() };
    services.update_user(&viewer.actor, viewer.actor.id(), changes).await.or_page(viewer)?;
    Ok(Redirect::to(&safe_next(form.input.back.as_deref())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_may_follow_a_sign_in() {
        assert_eq!(safe_next(Some("/opportunities?q=a")), "/opportunities?q=a");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/", "browsers drop the tab and go to another site");
        assert_eq!(safe_next(Some("/\r\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("/\u{7f}")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_secure_cookie_is_used_over_tls_and_on_loopback_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(session_cookie(&headers, "x", None).to_str().unwrap().starts_with("__Host-dealflow-session=x; Path=/; HttpOnly; Secure"));
        headers.insert(header::HOST, HeaderValue::from_static("crm.example:8080"));
        let plain = session_cookie(&headers, "x", None);
        assert!(plain.to_str().unwrap().starts_with("dealflow-session=x;") && !plain.to_str().unwrap().contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(session_cookie(&headers, "x", None).to_str().unwrap().contains("; Secure"));
    }
}
