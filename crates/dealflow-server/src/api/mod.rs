//! REST API v1 (SPEC §5) under `/api/v1`. Handlers parse the request, call one service with the
//! caller's actor and shape the JSON; the services decide access and do the work. The OpenAPI
//! document is generated from the handlers themselves, so a route cannot be served without being
//! documented.

mod activities;
mod analytics;
mod auth;
mod command;
mod customers;
mod extract;
mod idempotency;
mod imports;
mod json;
mod knowledge;
mod leads;
mod lookups;
mod notifications;
mod opportunities;
mod problem;
mod processes;
mod schedule;
mod search;
mod settings;
mod users;
mod views;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

pub use extract::Caller;
pub use problem::{ApiError, Problem};

use crate::Services;

/// Request bodies above this answer 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The body limit of a request to `path`: an import's upload may be a large file.
pub(crate) fn body_limit(path: &str) -> usize {
    if path.trim_end_matches('/').ends_with("/imports") { crate::services::MAX_FILE_BYTES + 64 * 1024 } else { BODY_LIMIT }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "dealflow API", version = "1", description = "Guided sales processes: opportunities, activities, processes."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// Every answer of the document says what it means (OpenAPI requires a description), and error
/// answers are `application/problem+json`, as they are sent.
struct Answers;

/// What each status means, the same for every route.
fn meaning(status: &str) -> &'static str {
    match status {
        "200" => "Done: the answer described below.",
        "201" => "Created: the new record.",
        "202" => "Accepted: the work runs in the background; poll the answer's `Location`.",
        "204" => "Done; nothing to answer.",
        "400" => "The body is not valid JSON (`malformed_request`).",
        "401" => "Not signed in, or the token is no longer valid (`unauthorized`).",
        "403" => "The caller's role does not allow this (`forbidden`).",
        "404" => "No such record, or not one the caller may see (`not_found`).",
        "409" => {
            "In conflict with the record's state (`opportunity_closed`, `process_already_running`, `activity_not_open`, \
                  `version_conflict`, `already_exists`, …)."
        }
        "412" => "`If-Match` does not hold: the record has another version (`version_conflict`).",
        "413" => "The body is larger than 1 MiB, or an upload larger than 64 MiB (`payload_too_large`).",
        "415" => "The body's media type is not one this route takes (`unsupported_media_type`).",
        "422" => "The input has problems: `errors` lists each with its field, machine code and message (`validation_failed`).",
        "429" => "Too many failed sign-ins for this account (`rate_limited`).",
        _ => "See the problem's `code`.",
    }
}

impl Modify for Answers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, answer) in operation.responses.responses.iter_mut() {
                    let RefOr::T(answer) = answer else { continue };
                    if answer.description.is_empty() {
                        answer.description = meaning(status).to_owned();
                    }
                    if status.starts_with('4')
                        && let Some(content) = answer.content.shift_remove("application/json")
                    {
                        answer.content.insert("application/problem+json".to_owned(), content);
                    }
                }
            }
        }
    }
}

/// The API's routes and their OpenAPI document.
pub fn routes() -> (Router<Services>, utoipa::openapi::OpenApi) {
    let (routes, mut document) = documented_routes();
    // Modifiers of `ApiDoc` run before the routes are added; this one needs them.
    Answers.modify(&mut document);
    (routes, document)
}

fn documented_routes() -> (Router<Services>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::create_token, auth::delete_token))
        .routes(routes!(auth::me))
        .routes(routes!(lookups::stages, lookups::create_stage))
        .routes(routes!(lookups::update_stage))
        .routes(routes!(opportunities::list, opportunities::create))
        .routes(routes!(opportunities::get, opportunities::update))
        .routes(routes!(opportunities::order))
        .routes(routes!(opportunities::change_stage))
        .routes(routes!(opportunities::preview_stage))
        .routes(routes!(opportunities::close))
        .routes(routes!(opportunities::history))
        .routes(routes!(activities::list, activities::create))
        .routes(routes!(activities::get, activities::update))
        .routes(routes!(activities::complete))
        .routes(routes!(activities::cancel))
        .routes(routes!(processes::list))
        .routes(routes!(processes::get, processes::publish))
        .routes(routes!(processes::versions))
        .routes(routes!(processes::start))
        .routes(routes!(processes::instances))
        .routes(routes!(processes::cancel))
        .routes(routes!(leads::stages))
        .routes(routes!(leads::list, leads::create))
        .routes(routes!(leads::get, leads::update))
        .routes(routes!(leads::change_stage))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::resend))
        .routes(routes!(imports::list, imports::create).layer(DefaultBodyLimit::max(body_limit("/imports"))))
        .routes(routes!(imports::get))
        .routes(routes!(imports::run))
        .routes(routes!(imports::problems))
        .routes(routes!(imports::rejected))
        .routes(routes!(settings::list))
        .routes(routes!(settings::put))
        .routes(routes!(command::run))
        .routes(routes!(command::suggest))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::read))
        .routes(routes!(notifications::read_all))
        .routes(routes!(notifications::stream))
        .routes(routes!(schedule::schedule))
        .routes(routes!(search::search))
        .routes(routes!(analytics::summary))
        .routes(routes!(knowledge::list, knowledge::create))
        .routes(routes!(knowledge::get, knowledge::update))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(customers::list_accounts, customers::create_account))
        .routes(routes!(customers::get_account, customers::update_account))
        .routes(routes!(customers::list_contacts, customers::create_contact))
        .routes(routes!(customers::get_contact, customers::update_contact))
        .split_for_parts()
}

/// `/api/v1`: the routes, `openapi.json`, JSON problems for unknown paths, the body limit,
/// idempotency keys, answers in the caller's language.
pub fn router(services: Services) -> Router<Services> {
    let (routes, document) = routes();
    let document = serde_json::to_value(&document).expect("the OpenAPI document serializes");
    routes
        .route("/openapi.json", get(move || async move { axum::Json(document.clone()) }))
        .fallback(|| async { ApiError::not_found().into_response() })
        .layer(axum::middleware::from_fn_with_state(services, idempotency::middleware))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(problem::in_callers_language))
}

/// Answers 413 from the `Content-Length` alone, before any of an oversized body is read.
async fn refuse_oversized(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let declared =
        request.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > body_limit(request.uri().path()) as u64) {
        return ApiError::too_large().into_response();
    }
    next.run(request).await
}
