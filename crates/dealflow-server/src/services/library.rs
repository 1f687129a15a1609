//! Reference data that administrators and authors change: the stage lookup, process versions,
//! knowledge-base articles.

use dealflow_core::lead::LeadStage;
use dealflow_core::{ProcessDefinition, Stage};
use dealflow_store::StoreError;
use dealflow_store::queries::lookups::LostReason;
use dealflow_store::queries::{lookups, processes};
use dealflow_store::records::KnowledgeRecord;

use super::Services;
use super::records::{MAX_TEXT, check_texts, check_title};
use crate::error::{FieldError, Result, ServiceError};
use crate::new_id;

fn check_text(field: &str, text: &str) -> Result<()> {
    check_texts(&[(field, Some(text), MAX_TEXT)])
}

/// The index of the row above (`up`) or below `at` in a list of `len`, if there is one.
fn neighbour(at: usize, len: usize, up: bool) -> Option<usize> {
    if up { at.checked_sub(1) } else { Some(at + 1).filter(|i| *i < len) }
}

/// New positions for a row and the neighbour it trades places with; distinct even where the
/// two shared a position.
fn swapped(this: i32, that: i32, up: bool) -> (i32, i32) {
    let low = this.min(that);
    let high = this.max(that).max(low + 1);
    if up { (low, high) } else { (high, low) }
}

/// Lookup codes are stable identifiers of the same shape as stage codes.
fn check_code(code: &str) -> Result<()> {
    match dealflow_core::StageCode::parse(code) {
        Ok(_) => Ok(()),
        Err(_) => Err(ServiceError::invalid("code", "must be lower-case latin letters, digits and _")),
    }
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

    /// Swaps a stage with its neighbour on the workflow bar (`up`: towards the first).
    pub async fn move_stage(&self, code: &str, up: bool) -> Result<()> {
        in_write!(self, |tx| {
            let catalog = lookups::stage_catalog(tx).await?;
            let all = catalog.all();
            let at = all.iter().position(|s| s.code.as_str() == code).ok_or(ServiceError::NotFound)?;
            if let Some(other) = neighbour(at, all.len(), up) {
                let (mut this, mut that) = (all[at].clone(), all[other].clone());
                (this.position, that.position) = swapped(this.position, that.position, up);
                lookups::update_stage(tx, &this).await?;
                lookups::update_stage(tx, &that).await?;
            }
            Ok(())
        })
    }

    /// The same for a lead stage on the lead's stage bar.
    pub async fn move_lead_stage(&self, code: &str, up: bool) -> Result<()> {
        in_write!(self, |tx| {
            let all = lookups::lead_stages(tx).await?;
            let at = all.iter().position(|s| s.code.as_str() == code).ok_or(ServiceError::NotFound)?;
            if let Some(other) = neighbour(at, all.len(), up) {
                let (mut this, mut that) = (all[at].clone(), all[other].clone());
                (this.position, that.position) = swapped(this.position, that.position, up);
                lookups::update_lead_stage(tx, &this).await?;
                lookups::update_lead_stage(tx, &that).await?;
            }
            Ok(())
        })
    }

    /// Deletes a stage no opportunity and no process has ever used; any other is only deactivated.
    pub async fn delete_stage(&self, code: &str) -> Result<()> {
        in_write!(self, |tx| {
            let named_by_a_process = processes::library(tx).await?.iter().any(|d| {
                d.stages.iter().any(|s| {
                    s.stage.as_str() == code
                        || s.next.as_str() == code
                        || s.steps.iter().any(|step| {
                            step.results.iter().any(
                                |r| matches!(&r.effect, dealflow_core::definition::ResultEffect::Close(stage) if stage.as_str() == code),
                            )
                        })
                })
            });
            if named_by_a_process || lookups::stage_in_use(tx, code).await? {
                return Err(ServiceError::invalid("code", "this stage is in use; deactivate it instead"));
            }
            Ok(lookups::delete_stage(tx, code).await?)
        })
    }

    pub async fn update_lead_stage(&self, stage: LeadStage) -> Result<LeadStage> {
        check_title("name.ru", &stage.name.ru)?;
        check_title("name.en", &stage.name.en)?;
        in_write!(self, |tx| {
            lookups::update_lead_stage(tx, &stage).await?;
            Ok(stage.clone())
        })
    }

    pub async fn create_lead_stage(&self, stage: LeadStage) -> Result<LeadStage> {
        check_title("name.ru", &stage.name.ru)?;
        check_title("name.en", &stage.name.en)?;
        in_write!(self, |tx| {
            match lookups::insert_lead_stage(tx, &stage).await {
                Err(StoreError::Conflict { .. }) => Err(ServiceError::AlreadyExists("code".into())),
                other => Ok(other?),
            }
        })?;
        Ok(stage)
    }

    pub async fn delete_lead_stage(&self, code: &str) -> Result<()> {
        in_write!(self, |tx| {
            if lookups::lead_stage_in_use(tx, code).await? {
                return Err(ServiceError::invalid("code", "this stage is in use; deactivate it instead"));
            }
            Ok(lookups::delete_lead_stage(tx, code).await?)
        })
    }

    pub async fn create_lost_reason(&self, reason: LostReason) -> Result<LostReason> {
        check_code(&reason.code)?;
        check_title("name.ru", &reason.name.ru)?;
        check_title("name.en", &reason.name.en)?;
        in_write!(self, |tx| {
            match lookups::insert_lost_reason(tx, &reason).await {
                Err(StoreError::Conflict { .. }) => Err(ServiceError::AlreadyExists("code".into())),
                other => Ok(other?),
            }
        })?;
        Ok(reason)
    }

    pub async fn update_lost_reason(&self, reason: LostReason) -> Result<LostReason> {
        check_title("name.ru", &reason.name.ru)?;
        check_title("name.en", &reason.name.en)?;
        in_write!(self, |tx| {
            lookups::update_lost_reason(tx, &reason).await?;
            Ok(reason.clone())
        })
    }

    /// Offers a process in the side panel and the command line, or stops offering it.
    pub async fn set_process_active(&self, code: &str, active: bool) -> Result<()> {
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(processes::set_active(tx, code, active, now).await?) })
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
