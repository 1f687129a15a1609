//! Leads and the handoff to sales (R3).

use dealflow_core::Money;
use dealflow_core::check::{self, Invalid, MAX_TEXT, Problems};
use dealflow_core::engine::{Command, Effect, StartedVia};
use dealflow_core::lead::LeadStage;
use dealflow_core::records::{LeadRecord, OpportunityRecord};
use dealflow_store::{LeadSort, Sorted, WriteTx};

use super::opportunities::creation_entry;
use super::references::{Ref, assignee, check_reference};
use super::webhooks;
use super::{ClosingFigures, Services};
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;
use crate::paging::{Page, PageRequest};

/// The process a handed-off lead starts (setting `start_sales_process`) unless `sales_process` names another.
pub const HANDOFF_PROCESS: &str = "enterprise-sale";

/// The team's sales process from the setting `sales_process`: the Enterprise sale when unset.
pub(super) fn chosen_process(setting: Option<serde_json::Value>) -> String {
    setting.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| HANDOFF_PROCESS.to_owned())
}

/// What a change of a lead sets; `Some(None)` clears a field.
#[derive(Debug, Clone, Default)]
pub struct LeadChanges {
    pub title: Option<String>,
    pub need: Option<Option<String>>,
    pub contact_id: Option<Option<String>>,
    pub account_id: Option<Option<String>>,
    pub owner_id: Option<String>,
    pub budget: Option<Option<Money>>,
}

#[derive(Debug, Clone, Default)]
pub struct NewLead {
    pub title: String,
    pub need: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    /// The actor when not given.
    pub owner_id: Option<String>,
    pub budget: Option<Money>,
}

/// A lead with the names its page shows.
pub struct LeadPage {
    pub lead: LeadRecord,
    pub stages: Vec<LeadStage>,
    pub account: Option<String>,
    pub contact: Option<String>,
    pub owner: String,
    /// Its opportunity: (id, title).
    pub opportunity: Option<(String, String)>,
    pub currency: String,
}

fn check_fields(title: Option<&str>, need: Option<&str>) -> Result<Option<String>> {
    let mut problems = Problems::new();
    problems.within("need", need, MAX_TEXT);
    problems.finish().map_err(ServiceError::Invalid)?;
    title.map(check::title).transpose().map_err(|invalid| ServiceError::invalid("title", invalid))
}

impl Services {
    pub async fn lead(&self, actor: &Actor, id: &str) -> Result<LeadRecord> {
        let lead = self.store.read().await?.leads().get(id).await?;
        actor.check_sees(&lead.owner_id)?;
        Ok(lead)
    }

    /// A page of the leads the actor may see, newest first, optionally on one stage.
    pub async fn leads(&self, actor: &Actor, stage: Option<&str>, page: &PageRequest) -> Result<Page<LeadRecord>> {
        let rows = self.store.read().await?.leads().search(stage, actor.owners(), page.after.clone(), page.limit + 1).await?;
        Ok(Page::of(rows, page.limit, |l| (l.created_at, &l.id)))
    }

    /// A page of the leads the actor may see, sorted by a column; the next page is named by its
    /// offset.
    pub async fn sorted_leads(
        &self,
        actor: &Actor,
        stage: Option<&str>,
        sorted: &Sorted<LeadSort>,
        limit: i64,
    ) -> Result<Page<LeadRecord>> {
        let rows = self.store.read().await?.leads().sorted(stage, actor.owners(), sorted, limit + 1).await?;
        Ok(Page::at_offset(rows, sorted.offset, limit))
    }

    /// The lead stages lookup, by position. Everyone may read it.
    pub async fn lead_stages(&self) -> Result<Vec<LeadStage>> {
        Ok(self.store.read().await?.lead_stages().list().await?)
    }

    pub async fn lead_page(&self, actor: &Actor, id: &str) -> Result<LeadPage> {
        let lead = self.lead(actor, id).await?;
        let currency = self.currency().await?;
        let mut conn = self.store.read().await?;
        let stages = conn.lead_stages().list().await?;
        let account = match &lead.account_id {
            Some(id) => Some(conn.accounts().get(id).await?.name),
            None => None,
        };
        let contact = match &lead.contact_id {
            Some(id) => Some(conn.contacts().get(id).await?.name),
            None => None,
        };
        let owner = conn.users().get(&lead.owner_id).await?.name;
        let opportunity = match &lead.opportunity_id {
            Some(id) => Some((id.clone(), conn.opportunities().get(id).await?.title)),
            None => None,
        };
        Ok(LeadPage { lead, stages, account, contact, owner, opportunity, currency })
    }

    pub async fn create_lead(&self, actor: &Actor, input: NewLead) -> Result<LeadRecord> {
        let title = check_fields(Some(&input.title), input.need.as_deref())?.unwrap_or_default();
        let owner_id = input.owner_id.clone().unwrap_or_else(|| actor.id().to_owned());
        in_write!(self, |tx| {
            {
                assignee(tx, actor, "owner_id", &owner_id).await?;
                let stages = tx.lead_stages().list().await?;
                let first = stages
                    .iter()
                    .find(|s| s.active && !s.is_final)
                    .ok_or_else(|| ServiceError::invalid("stage", Invalid::NoActiveStage))?;
                let now = self.clock.now();
                let record = LeadRecord {
                    id: new_id(),
                    title: title.clone(),
                    need: input.need.clone(),
                    contact_id: input.contact_id.clone(),
                    account_id: input.account_id.clone(),
                    owner_id: owner_id.clone(),
                    budget: input.budget,
                    stage: first.code.clone(),
                    opportunity_id: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                check_reference(tx, "account_id", Ref::Account, record.account_id.as_deref()).await?;
                check_reference(tx, "contact_id", Ref::Contact, record.contact_id.as_deref()).await?;
                tx.leads().insert(&record).await?;
                Ok(record)
            }
        })
    }

    /// Changes a lead's fields (its stage moves through [`Services::change_lead_stage`]).
    pub async fn update_lead(&self, actor: &Actor, id: &str, changes: LeadChanges) -> Result<LeadRecord> {
        let title = check_fields(changes.title.as_deref(), changes.need.as_ref().and_then(|n| n.as_deref()))?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut lead = tx.leads().get_for_update(id).await?;
            actor.check_sees(&lead.owner_id)?;
            lead.title = title.clone().unwrap_or(lead.title);
            if let Some(need) = changes.need.clone() {
                lead.need = need;
            }
            if let Some(contact) = changes.contact_id.clone() {
                lead.contact_id = contact;
            }
            if let Some(account) = changes.account_id.clone() {
                lead.account_id = account;
            }
            if let Some(budget) = changes.budget {
                lead.budget = budget;
            }
            if let Some(owner) = changes.owner_id.clone().filter(|o| *o != lead.owner_id) {
                lead.owner_id = assignee(tx, actor, "owner_id", &owner).await?.id;
            }
            check_reference(tx, "account_id", Ref::Account, lead.account_id.as_deref()).await?;
            check_reference(tx, "contact_id", Ref::Contact, lead.contact_id.as_deref()).await?;
            tx.leads().update(&lead, now).await?;
            Ok(tx.leads().get(id).await?)
        })
    }

    /// Moves a lead in any order until a final stage. Entering the handoff stage creates the
    /// opportunity (once) and, when the setting says so, starts the sales process on it (R3).
    pub async fn change_lead_stage(&self, actor: &Actor, lead_id: &str, to: &str) -> Result<LeadRecord> {
        in_write!(self, |tx| {
            {
                let lead = tx.leads().get_for_update(lead_id).await?;
                actor.check_sees(&lead.owner_id)?;
                let stages = tx.lead_stages().list().await?;
                let current = stages.iter().find(|s| s.code == lead.stage);
                let target =
                    stages.iter().find(|s| s.code.as_str() == to).ok_or_else(|| ServiceError::invalid("stage", Invalid::UnknownStage))?;
                if current.is_some_and(|s| s.is_final) {
                    return Err(dealflow_core::EngineError::OpportunityClosed.into());
                }
                if !target.active {
                    return Err(ServiceError::invalid("stage", Invalid::InactiveStage));
                }
                if target.code == lead.stage {
                    return Ok(lead);
                }
                let mut opportunity_id = lead.opportunity_id.clone();
                if target.hands_off && opportunity_id.is_none() {
                    opportunity_id = Some(self.hand_off(tx, actor.id(), &lead).await?);
                }
                tx.leads().set_stage(lead_id, to, opportunity_id.as_deref(), self.clock.now()).await?;
                Ok(tx.leads().get(lead_id).await?)
            }
        })
    }

    async fn hand_off(&self, tx: &mut WriteTx, by: &str, lead: &LeadRecord) -> Result<String> {
        let now = self.clock.now();
        let start = tx.settings().get("start_sales_process").await?.and_then(|v| v.as_bool()).unwrap_or(true);
        let definition = if start {
            let code = chosen_process(tx.settings().get("sales_process").await?);
            match tx.processes().current(&code).await {
                Ok(d) if d.active => Some(self.definition_in(tx, &code, d.version).await?),
                Ok(_) | Err(dealflow_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let stages = tx.stages().catalog().await?;
        let stage = match &definition {
            Some(d) => d.first_stage().stage.clone(),
            None => stages.first_open().ok_or_else(|| ServiceError::invalid("stage", Invalid::NoActiveStage))?.code.clone(),
        };
        let mut record = OpportunityRecord::new(new_id(), lead.title.clone(), lead.owner_id.clone(), stage.clone(), now);
        record.account_id = lead.account_id.clone();
        record.contact_id = lead.contact_id.clone();
        record.need = lead.need.clone();
        record.budget = lead.budget;
        record.lead_id = Some(lead.id.clone());
        tx.opportunities().insert(&record).await?;
        webhooks::opportunity_created(tx, &record, now).await?;
        let converted = serde_json::json!({"lead_id": lead.id, "opportunity_id": record.id});
        webhooks::record(tx, "lead.converted", Some(&record.id), now, converted).await?;
        match definition {
            Some(definition) => {
                let command = Command::StartProcess { via: StartedVia::LeadAuto, by: by.to_owned(), new_opportunity: true };
                self.run_command(tx, record.clone(), None, Some(definition), command, &ClosingFigures::default()).await?;
            }
            None => tx.opportunities().insert_history(&creation_entry(&record.id, &stage, by, now)).await?,
        }
        Ok(record.id)
    }

    /// R3's other half: a won opportunity converts the lead it came from.
    pub(super) async fn after_close(&self, tx: &mut WriteTx, opportunity: &OpportunityRecord, effects: &[Effect]) -> Result<()> {
        let won = effects.iter().any(|e| matches!(e, Effect::OpportunityClosed { won: true }));
        let Some(lead_id) = opportunity.lead_id.as_deref().filter(|_| won) else { return Ok(()) };
        let converted = tx.lead_stages().list().await?.into_iter().find(|s| s.is_converted);
        let lead = tx.leads().get_for_update(lead_id).await?;
        if let Some(converted) = converted
            && lead.stage != converted.code
        {
            tx.leads().set_stage(lead_id, converted.code.as_str(), lead.opportunity_id.as_deref(), self.clock.now()).await?;
        }
        Ok(())
    }
}
