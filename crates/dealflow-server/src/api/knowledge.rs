//! `/knowledge`: articles (such as presentations) that opportunities link to. Everyone reads;
//! the author or an administrator changes an article.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_core::records::KnowledgeRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params, page};
use super::problem::{ApiResult, Problem};
use super::views::Page;
use crate::Services;
use crate::services::ArticleFields;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    pub id: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<KnowledgeRecord> for ArticleView {
    fn from(a: KnowledgeRecord) -> ArticleView {
        ArticleView {
            id: a.id,
            title: a.title,
            body: a.body,
            tags: a.tags,
            author_id: a.author_id,
            created_at: a.created_at.to_string(),
            updated_at: a.updated_at.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticle {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticle {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Text in the title or tags (any letter case).
    pub q: Option<String>,
    /// How many items (1–500, default 50; more is clamped to 500).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

/// Articles, most recently changed first.
#[utoipa::path(get, path = "/knowledge", operation_id = "list_articles", tag = "knowledge", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ArticleView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<ArticleView>>> {
    let limit = page(params.limit.as_deref(), None)?.limit;
    let found = services.articles(params.q.as_deref(), limit).await?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Write an article.
#[utoipa::path(post, path = "/knowledge", operation_id = "create_article", tag = "knowledge", request_body = CreateArticle, security(("bearer" = [])),
    responses((status = 201, body = ArticleView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateArticle>,
) -> ApiResult<(StatusCode, Json<ArticleView>)> {
    let fields = ArticleFields { title: Some(input.title), body: Some(input.body), tags: Some(input.tags) };
    let created = services.create_article(&caller.actor, fields).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One article.
#[utoipa::path(get, path = "/knowledge/{id}", operation_id = "get_article", params(("id" = String, Path, description = "the record's id")), tag = "knowledge", security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ArticleView>> {
    Ok(Json(services.article(&id).await?.into()))
}

/// Change an article (its author or an administrator).
#[utoipa::path(patch, path = "/knowledge/{id}", operation_id = "update_article", params(("id" = String, Path, description = "the record's id")), tag = "knowledge", request_body = UpdateArticle, security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateArticle>,
) -> ApiResult<Json<ArticleView>> {
    let fields = ArticleFields { title: input.title, body: input.body, tags: input.tags };
    Ok(Json(services.update_article(&caller.actor, &id, fields).await?.into()))
}
