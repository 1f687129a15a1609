//! `/knowledge`: articles (such as presentations) that opportunities link to. Everyone reads;
//! the author or an administrator changes an article.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dealflow_store::queries::lookups;
use dealflow_store::records::{KnowledgeRecord, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Body, Caller, Params};
use super::pagination::{Page, PageParams};
use super::problem::{ApiError, ApiResult, Problem};
use crate::{ServiceError, Services};

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
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Text in the title or tags (any letter case).
    pub q: Option<String>,
    pub limit: Option<i64>,
}

fn check_tags(tags: &[String]) -> ApiResult<()> {
    if tags.len() > 50 || tags.iter().any(|t| t.trim().is_empty() || t.chars().count() > 100) {
        return Err(ApiError::field("tags", "at most 50 tags of 1 to 100 characters"));
    }
    Ok(())
}

/// Articles, most recently changed first.
#[utoipa::path(get, path = "/knowledge", tag = "knowledge", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ArticleView>), (status = 401, body = Problem)))]
pub async fn list(
    State(services): State<Services>,
    _caller: Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Page<ArticleView>>> {
    let limit = PageParams { limit: params.limit, cursor: None }.limit()?;
    let q = params.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    let found = lookups::articles(&mut conn, q.as_deref(), limit).await.map_err(ServiceError::from)?;
    Ok(Json(Page::all(found.into_iter().map(Into::into).collect())))
}

/// Write an article.
#[utoipa::path(post, path = "/knowledge", tag = "knowledge", request_body = CreateArticle, security(("bearer" = [])),
    responses((status = 201, body = ArticleView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    Body(input): Body<CreateArticle>,
) -> ApiResult<(StatusCode, Json<ArticleView>)> {
    check_tags(&input.tags)?;
    let created = services.create_article(&caller.user.id, &input.title, &input.body, input.tags).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One article.
#[utoipa::path(get, path = "/knowledge/{id}", params(("id" = String, Path, description = "the record's id")), tag = "knowledge", security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(State(services): State<Services>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ArticleView>> {
    let mut conn = services.store().read().await.map_err(ServiceError::from)?;
    Ok(Json(lookups::get_article(&mut conn, &id).await.map_err(ServiceError::from)?.into()))
}

/// Change an article (its author or an administrator).
#[utoipa::path(patch, path = "/knowledge/{id}", params(("id" = String, Path, description = "the record's id")), tag = "knowledge", request_body = UpdateArticle, security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    Body(input): Body<UpdateArticle>,
) -> ApiResult<Json<ArticleView>> {
    let article =
        lookups::get_article(&mut *services.store().read().await.map_err(ServiceError::from)?, &id).await.map_err(ServiceError::from)?;
    if article.author_id != caller.user.id && caller.user.role != Role::Admin {
        return Err(ApiError::forbidden("Only the author or an administrator may change this article."));
    }
    if let Some(tags) = &input.tags {
        check_tags(tags)?;
    }
    let changed = services.update_article(article, input.title.as_deref(), input.body.as_deref(), input.tags).await?;
    Ok(Json(changed.into()))
}
