//! The knowledge base: articles such as presentations that an opportunity links to. Everyone
//! reads and writes new articles; an article is changed by its author or an administrator.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_core::records::{KnowledgeRecord, UserRecord};
use serde::Deserialize;

use super::opportunities::People;
use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, OrPage, PageError, PageResult, format};
use crate::Services;
use crate::error::ServiceError;
use crate::services::ArticleFields;

const LIST_LIMIT: i64 = 200;

pub struct ArticleRow {
    pub id: String,
    pub title: String,
    pub tags: String,
    pub author: String,
    pub updated: String,
}

#[derive(Deserialize, Default)]
pub struct ArticleInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
}

impl ArticleInput {
    /// The fields as the services take them: tags are written separated by commas.
    fn fields(&self) -> ArticleFields {
        let tags = self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
        ArticleFields { title: Some(self.title.clone()), body: Some(self.body.clone()), tags: Some(tags) }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "knowledge.html")]
pub struct KnowledgePage {
    chrome: Chrome,
    q: String,
    rows: Vec<ArticleRow>,
    input: ArticleInput,
    input_action: &'static str,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn list_page(services: &Services, viewer: &Viewer, q: &str, input: ArticleInput, errors: FormErrors) -> PageResult<KnowledgePage> {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    let articles = services.articles(Some(q), LIST_LIMIT).await.or_page(viewer)?;
    let people = People::load(services, viewer).await?;
    let here = format!("/knowledge?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish());
    Ok(KnowledgePage {
        chrome: Chrome::load(services, viewer, "knowledge", &here).await?,
        q: q.to_owned(),
        rows: articles
            .iter()
            .map(|a| ArticleRow {
                id: a.id.clone(),
                title: a.title.clone(),
                tags: a.tags.join(", "),
                author: people.name(&a.author_id),
                updated: format::instant(a.updated_at, zone, locale),
            })
            .collect(),
        input,
        input_action: "/knowledge",
        errors,
    })
}

pub async fn list(State(services): State<Services>, viewer: Viewer, Query(query): Query<SearchQuery>) -> PageResult {
    Ok(list_page(&services, &viewer, &query.q, ArticleInput::default(), FormErrors::default()).await?.into_response())
}

pub async fn create(State(services): State<Services>, form: PageForm<ArticleInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    match services.create_article(&viewer.actor, input.fields()).await {
        Ok(article) => Ok(Redirect::to(&format!("/knowledge/{}", article.id)).into_response()),
        Err(error) => {
            let errors = FormErrors::from_service(viewer.locale, &error).ok_or_else(|| PageError::service(viewer.locale, error))?;
            let errors = errors.folding_items("tags");
            let page = list_page(&services, viewer, "", input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "article.html")]
pub struct ArticlePage {
    chrome: Chrome,
    title: String,
    paragraphs: Vec<String>,
    tags: Vec<String>,
    author: String,
    updated: String,
    can_edit: bool,
    input: ArticleInput,
    input_action: String,
    errors: FormErrors,
    saved: bool,
}

async fn article_page(
    services: &Services,
    viewer: &Viewer,
    (article, author): &(KnowledgeRecord, UserRecord),
    input: ArticleInput,
    errors: FormErrors,
) -> PageResult<ArticlePage> {
    let locale = viewer.locale;
    let zone = viewer.actor.zone();
    Ok(ArticlePage {
        chrome: Chrome::load(services, viewer, "knowledge", &format!("/knowledge/{}", article.id)).await?,
        title: article.title.clone(),
        // Browsers send a text area's line breaks as CR LF; an API client may too.
        paragraphs: article.body.replace("\r\n", "\n").split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        tags: article.tags.clone(),
        author: author.name.clone(),
        updated: format::instant(article.updated_at, zone, locale),
        can_edit: services.may_edit_article(&viewer.actor, article),
        input,
        input_action: format!("/knowledge/{}", article.id),
        errors,
        saved: false,
    })
}

pub async fn page(
    State(services): State<Services>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<super::SavedQuery>,
) -> PageResult {
    let article = services.article_with_author(&id).await.or_page(&viewer)?;
    let input = ArticleInput { title: article.0.title.clone(), body: article.0.body.clone(), tags: article.0.tags.join(", ") };
    let mut page = article_page(&services, &viewer, &article, input, FormErrors::default()).await?;
    page.saved = query.saved.is_some();
    Ok(page.into_response())
}

pub async fn update(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ArticleInput>) -> PageResult {
    let viewer = &form.viewer;
    let input = form.input;
    match services.update_article(&viewer.actor, &id, input.fields()).await {
        Ok(_) => Ok(Redirect::to(&format!("/knowledge/{id}?saved=1")).into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let errors = FormErrors::from_service(viewer.locale, &error).unwrap_or_default().folding_items("tags");
            let current = services.article_with_author(&id).await.or_page(viewer)?;
            let page = article_page(&services, viewer, &current, input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError::service(viewer.locale, other)),
    }
}
