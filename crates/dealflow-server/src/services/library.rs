//! Reference data that administrators and authors change: the stage lookup, process versions,
//! knowledge-base articles.

use dealflow_core::{ProcessDefinition, Stage};
use dealflow_store::StoreError;
use dealflow_store::queries::{lookups, processes};
use dealflow_store::records::KnowledgeRecord;

use super::Services;
use super::records::{MAX_TEXT, check_texts, check_title};
use crate::error::{FieldError, Result, ServiceError};
use crate::new_id;

fn check_text(field: &str, text: &str) -> Result<()> {
    check_texts(&[(field, Some(text), MAX_TEXT)])
}

impl Services {
    pub async fn create_stage(&self, stage: Stage) -> Result<Stage> {
        check_title("name.ru", &stage.name.ru)?;
        check_title("name.en", &stage.name.en)?;
        in_write!(self, |tx| {
            match lookups::insert_stage(tx, &stage).await {
                Err(StoreError::Conflict { .. }) => Err(ServiceError::AlreadyExists("code".into())),
                other => Ok(other?),
            }
        })?;
        Ok(stage)
    }

    /// Changes a stage. Whether a stage is final or won cannot change once opportunities used it.
    pub async fn update_stage(&self, stage: Stage) -> Result<Stage> {
        check_title("name.ru", &stage.name.ru)?;
        check_title("name.en", &stage.name.en)?;
        in_write!(self, |tx| {
            let catalog = lookups::stage_catalog(tx).await?;
            let current = catalog.get(stage.code.as_str()).ok_or(ServiceError::NotFound)?;
            if (current.is_final != stage.is_final || current.is_won != stage.is_won)
                && lookups::stage_in_use(tx, stage.code.as_str()).await?
            {
                return Err(ServiceError::invalid(
                    "is_final",
                    "opportunities have used this stage; whether it is final or won cannot change",
                ));
            }
            lookups::update_stage(tx, &stage).await?;
            Ok(stage.clone())
        })
    }

    /// Checks a definition document against the stages and publishes it as the next version;
    /// running instances stay on theirs. Every problem is reported at once.
    pub async fn publish_process(&self, by: &str, code: &str, document: &str, is_json: bool) -> Result<ProcessDefinition> {
        let stages = self.stage_catalog().await?;
        let parsed =
            if is_json { ProcessDefinition::parse_json(document, &stages) } else { ProcessDefinition::parse_toml(document, &stages) };
        let definition = parsed
            .map_err(|problems| ServiceError::Validation(problems.into_iter().map(|p| FieldError::new(p.path, p.message)).collect()))?;
        if definition.code != code {
            return Err(ServiceError::invalid("code", format!("the document is \"{}\" but the address names \"{code}\"", definition.code)));
        }
        let now = self.clock.now();
        in_write!(self, |tx| {
            let version = processes::publish(tx, &definition, Some(by), now).await?;
            Ok(processes::version(tx, code, version).await.map(|mut d| {
                d.active = definition.active;
                d
            })?)
        })
    }

    pub async fn create_article(&self, author_id: &str, title: &str, body: &str, tags: Vec<String>) -> Result<KnowledgeRecord> {
        let title = check_title("title", title)?;
        check_text("body", body)?;
        let now = self.clock.now();
        let record = KnowledgeRecord {
            id: new_id(),
            title,
            body: body.to_owned(),
            tags,
            author_id: author_id.to_owned(),
            created_at: now,
            updated_at: now,
        };
        in_write!(self, |tx| { Ok(lookups::insert_article(tx, &record).await?) })?;
        Ok(record)
    }

    pub async fn update_article(
        &self,
        mut article: KnowledgeRecord,
        title: Option<&str>,
        body: Option<&str>,
        tags: Option<Vec<String>>,
    ) -> Result<KnowledgeRecord> {
        if let Some(title) = title {
            article.title = check_title("title", title)?;
        }
        if let Some(body) = body {
            check_text("body", body)?;
            article.body = body.to_owned();
        }
        if let Some(tags) = tags {
            article.tags = tags;
        }
        article.updated_at = self.clock.now();
        in_write!(self, |tx| { Ok(lookups::update_article(tx, &article).await?) })?;
        Ok(article)
    }
}
