//! The knowledge base: articles such as presentations that opportunities link to. Everyone reads
//! and writes new articles; an article is changed by its author or an administrator.

use dealflow_core::check::{self, Invalid, MAX_TEXT, Problems};
use dealflow_core::records::{KnowledgeRecord, UserRecord};

use super::Services;
use crate::access::Actor;
use crate::error::{Forbidden, Result, ServiceError};
use crate::new_id;

/// At most this many tags, each of at most this many characters.
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 100;

/// An article's fields as sent; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct ArticleFields {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

fn check_fields(fields: &ArticleFields) -> Result<(Option<String>, Option<Vec<String>>)> {
    let mut problems = Problems::new();
    let title = fields.title.as_deref().and_then(|t| problems.check("title", check::title(t)));
    if let Some(body) = &fields.body {
        problems.check("body", check::within(body, MAX_TEXT));
    }
    let tags = fields.tags.as_ref().map(|tags| {
        if tags.len() > MAX_TAGS {
            problems.add("tags", Invalid::TooMany { max: MAX_TAGS });
        }
        for (i, tag) in tags.iter().enumerate() {
            if tag.trim().is_empty() {
                problems.add(&format!("tags[{i}]"), Invalid::Required);
            }
            problems.check(&format!("tags[{i}]"), check::within(tag, MAX_TAG));
        }
        tags.iter().map(|t| t.trim().to_owned()).collect()
    });
    problems.finish().map_err(ServiceError::Invalid)?;
    Ok((title, tags))
}

/// Browsers send a text area's line breaks as CR LF; they are kept as plain LF.
fn body(text: &str) -> String {
    text.replace("\r\n", "\n")
}

impl Services {
    /// Articles whose title or tags contain `q` (any letter case), most recently changed first.
    pub async fn articles(&self, q: Option<&str>, limit: i64) -> Result<Vec<KnowledgeRecord>> {
        let q = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        Ok(self.store.read().await?.articles().search(q.as_deref(), limit).await?)
    }

    pub async fn article(&self, id: &str) -> Result<KnowledgeRecord> {
        Ok(self.store.read().await?.articles().get(id).await?)
    }

    /// An article with its author.
    pub async fn article_with_author(&self, id: &str) -> Result<(KnowledgeRecord, UserRecord)> {
        let mut conn = self.store.read().await?;
        let article = conn.articles().get(id).await?;
        let author = conn.users().get(&article.author_id).await?;
        Ok((article, author))
    }

    /// Whether the actor may change the article: its author or an administrator.
    pub fn may_edit_article(&self, actor: &Actor, article: &KnowledgeRecord) -> bool {
        actor.is_admin() || actor.id() == article.author_id
    }

    pub async fn create_article(&self, actor: &Actor, fields: ArticleFields) -> Result<KnowledgeRecord> {
        let fields = ArticleFields { title: Some(fields.title.unwrap_or_default()), body: Some(fields.body.unwrap_or_default()), ..fields };
        let (title, tags) = check_fields(&fields)?;
        let now = self.clock.now();
        let record = KnowledgeRecord {
            id: new_id(),
            title: title.unwrap_or_default(),
            body: body(fields.body.as_deref().unwrap_or("")),
            tags: tags.unwrap_or_default(),
            author_id: actor.id().to_owned(),
            created_at: now,
            updated_at: now,
        };
        in_write!(self, |tx| { Ok(tx.articles().insert(&record).await?) })?;
        Ok(record)
    }

    /// Who may change it is decided before what was sent is checked.
    pub async fn update_article(&self, actor: &Actor, id: &str, fields: ArticleFields) -> Result<KnowledgeRecord> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut article = tx.articles().get(id).await?;
            if !self.may_edit_article(actor, &article) {
                return Err(ServiceError::Forbidden(Forbidden::AuthorOrAdmin));
            }
            let (title, tags) = check_fields(&fields)?;
            article.title = title.unwrap_or(article.title);
            article.body = fields.body.as_deref().map(body).unwrap_or(article.body);
            article.tags = tags.unwrap_or(article.tags);
            article.updated_at = now;
            tx.articles().update(&article).await?;
            Ok(article)
        })
    }
}
