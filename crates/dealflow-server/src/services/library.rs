//! The process library: everyone reads the processes, their versions and what changed between
//! them; administrators publish new versions (every problem of a document reported at once) and
//! switch processes on and off. Processes already running stay on their version.

use dealflow_core::ProcessDefinition;
use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_core::records::{ProcessVersionRecord, UserRecord};

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};

/// One process as its page shows it: the version asked for, the current one, every version and
/// who published them.
pub struct ProcessPage {
    pub shown: ProcessDefinition,
    pub current: ProcessDefinition,
    pub versions: Vec<ProcessVersionRecord>,
    pub people: Vec<UserRecord>,
}

impl Services {
    /// The current version of every process, by code.
    pub async fn library(&self) -> Result<Vec<ProcessDefinition>> {
        Ok(self.store.read().await?.processes().library().await?)
    }

    /// The processes that may be started now, as (code, name).
    pub async fn active_processes(&self) -> Result<Vec<(String, dealflow_core::LocalizedText)>> {
        Ok(self.library().await?.into_iter().filter(|d| d.active).map(|d| (d.code, d.name)).collect())
    }

    /// A process's current version, with its `active` flag.
    pub async fn process(&self, code: &str) -> Result<ProcessDefinition> {
        Ok(self.store.read().await?.processes().current(code).await?)
    }

    /// One published version of a process.
    pub async fn process_version(&self, code: &str, version: u32) -> Result<ProcessDefinition> {
        self.definition(code, version).await.map(|d| (*d).clone())
    }

    /// Every published version of a process, oldest first; `NotFound` for an unknown process.
    pub async fn process_versions(&self, code: &str) -> Result<Vec<ProcessVersionRecord>> {
        let found = self.store.read().await?.processes().versions(code).await?;
        if found.is_empty() { Err(ServiceError::NotFound) } else { Ok(found) }
    }

    /// A process's page: `version` (the current one when not given), all versions, and the people
    /// who published them.
    pub async fn process_page(&self, code: &str, version: Option<u32>) -> Result<ProcessPage> {
        let mut conn = self.store.read().await?;
        let current = conn.processes().current(code).await?;
        let shown = match version {
            Some(v) if v != current.version => conn.processes().version(code, v).await?,
            _ => current.clone(),
        };
        let versions = conn.processes().versions(code).await?;
        let people = conn.users().list().await?;
        Ok(ProcessPage { shown, current, versions, people })
    }

    /// Process instances on the opportunities the actor may see: of one opportunity, or the
    /// newest `limit` of them all. A filter naming an opportunity out of sight finds nothing.
    pub async fn instances(
        &self,
        actor: &Actor,
        opportunity_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<dealflow_core::records::InstanceRecord>> {
        let mut conn = self.store.read().await?;
        match opportunity_id {
            Some(id) => match conn.opportunities().get(id).await {
                Ok(o) if actor.sees(&o.owner_id) => Ok(conn.processes().instances_of(id).await?),
                Ok(_) | Err(dealflow_store::StoreError::NotFound) => Ok(Vec::new()),
                Err(e) => Err(e.into()),
            },
            None => Ok(conn.processes().instances_in_scope(actor.owners(), limit).await?),
        }
    }

    /// Checks a definition document against the stages: the definition, or every problem with
    /// its path and line, in both languages.
    pub async fn check_process(&self, code: &str, document: &str, is_json: bool) -> Result<ProcessDefinition> {
        let stages = self.stage_catalog().await?;
        let parsed =
            if is_json { ProcessDefinition::parse_json(document, &stages) } else { ProcessDefinition::parse_toml(document, &stages) };
        let definition = parsed.map_err(|problems| {
            ServiceError::Invalid(
                problems
                    .into_iter()
                    .map(|p| {
                        FieldProblem::new(p.path, Invalid::Definition { en: p.message.clone(), ru: p.message_ru.clone(), line: p.line })
                    })
                    .collect(),
            )
        })?;
        if definition.code != code {
            let mismatch = Invalid::CodeMismatch { document: definition.code.clone(), address: code.to_owned() };
            return Err(ServiceError::invalid("code", mismatch));
        }
        Ok(definition)
    }

    /// Publishes a whole document as the next version of `code`; running instances stay on theirs.
    pub async fn publish_process(&self, actor: &Actor, code: &str, document: &str, is_json: bool) -> Result<ProcessDefinition> {
        actor.require_admin()?;
        let definition = self.check_process(code, document, is_json).await?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let version = tx.processes().publish(&definition, Some(actor.id()), now).await?;
            Ok(tx.processes().version(code, version).await.map(|mut d| {
                d.active = definition.active;
                d
            })?)
        })
    }

    /// Offers a process in the side panel and the command line, or stops offering it.
    pub async fn set_process_active(&self, actor: &Actor, code: &str, active: bool) -> Result<()> {
        actor.require_admin()?;
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(tx.processes().set_active(code, active, now).await?) })
    }
}
