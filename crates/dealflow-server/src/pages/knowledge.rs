//! The knowledge base: articles such as presentations that an opportunity links to. Everyone
//! reads and writes new articles; an article is changed by its author or an administrator.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dealflow_store::queries::{lookups, users};
use dealflow_store::records::{KnowledgeRecord, Role};
use serde::Deserialize;

use super::session::{PageForm, Viewer};
use super::{Chrome, FormErrors, PageError, PageResult, failed, format, read};
use crate::Services;

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
    /// The text as stored: line breaks as plain LF, whatever the browser sent.
    fn body(&self) -> String {
        self.body.replace("\r\n", "\n")
    }

    fn tags(&self) -> Vec<String> {
        self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
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
    let mut conn = read(services, locale).await?;
    let search = Some(q.trim()).filter(|q| !q.is_empty());
    let articles = lookups::articles(&mut conn, search, LIST_LIMIT).await.map_err(failed(locale))?;
    let people = users::list(&mut conn).await.map_err(failed(locale))?;
    drop(conn);
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
                author: people.iter().find(|u| u.id == a.author_id).map(|u| u.name.clone()).unwrap_or_default(),
                updated: format::instant(a.updated_at, locale),
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
    match services.create_article(&viewer.user.id, &input.title, &input.body(), input.tags()).await {
        Ok(article) => Ok(Redirect::to(&format!("/knowledge/{}", article.id)).into_response()),
        Err(error) => {
            let errors = FormErrors::from_service(viewer.t(), &error).ok_or_else(|| PageError::service(viewer.locale, error))?;
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

fn may_edit(viewer: &Viewer, article: &KnowledgeRecord) -> bool {
    viewer.user.role == Role::Admin || viewer.user.id == article.author_id
}

async fn article_page(
    services: &Services,
    viewer: &Viewer,
    article: &KnowledgeRecord,
    input: ArticleInput,
    errors: FormErrors,
) -> PageResult<ArticlePage> {
    let locale = viewer.locale;
    let author = users::get(&mut *read(services, locale).await?, &article.author_id).await.map_err(failed(locale))?.name;
    Ok(ArticlePage {
        chrome: Chrome::load(services, viewer, "knowledge", &format!("/knowledge/{}", article.id)).await?,
        title: article.title.clone(),
        // Browsers send a text area's line breaks as CR LF; an API client may too.
        paragraphs: article.body.replace("\r\n", "\n").split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        tags: article.tags.clone(),
        author,
        updated: format::instant(article.updated_at, locale),
        can_edit: may_edit(viewer, article),
        input,
        input_action: format!("/knowledge/{}", article.id),
        errors,
        saved: false,
    })
}

async fn article(services: &Services, viewer: &Viewer, id: &str) -> PageResult<KnowledgeRecord> {
    lookups::get_article(&mut *read(services, viewer.locale).await?, id).await.map_err(failed(viewer.locale))
}

pub async fn page(
    State(services): State<Services>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<super::SavedQuery>,
) -> PageResult {
    let article = article(&services, &viewer, &id).await?;
    let input = ArticleInput { title: article.title.clone(), body: article.body.clone(), tags: article.tags.join(", ") };
    let mut page = article_page(&services, &viewer, &article, input, FormErrors::default()).await?;
    page.saved = query.saved.is_some();
    Ok(page.into_response())
}

pub async fn update(State(services): State<Services>, Path(id): Path<String>, form: PageForm<ArticleInput>) -> PageResult {
    let viewer = &form.viewer;
    let current = article(&services, viewer, &id).await?;
    if !may_edit(viewer, &current) {
        return Err(PageError::Forbidden(viewer.locale));
    }
    let input = form.input;
    let tags = input.tags();
    match services.update_article(current.clone(), Some(&input.title), Some(&input.body()), Some(tags)).await {
        Ok(_) => Ok(Redirect::to(&format!("/knowledge/{id}?saved=1")).into_response()),
        Err(error) => {
            let errors = FormErrors::from_service(viewer.t(), &error).ok_or_else(|| PageError::service(viewer.locale, error))?;
            let page = article_page(&services, viewer, &current, input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
