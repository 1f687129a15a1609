//! Leads and the handoff to sales (R3).

use dealflow_core::Money;
use dealflow_core::engine::{Command, Effect, StartedVia};
use dealflow_store::WriteTx;
use dealflow_store::queries::{Table, leads, lookups, opportunities, processes};
use dealflow_store::records::{LeadRecord, OpportunityRecord};

use super::Services;
use super::records::{MAX_TEXT, check_reference, check_texts, check_title, creation_entry};
use crate::error::{Result, ServiceError};
use crate::new_id;

/// The process that starts by itself when a lead is handed off (setting `start_sales_process`).
pub const HANDOFF_PROCESS: &str = "enterprise-sale";

/// What a PATCH of a lead sets; `Some(None)` clears a field.
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
    pub owner_id: String,
    pub budget: Option<Money>,
}

impl Services {
    pub async fn create_lead(&self, input: NewLead) -> Result<LeadRecord> {
        let title = check_title("title", &input.title)?;
        check_texts(&[("need", input.need.as_deref(), MAX_TEXT)])?;
        in_write!(self, |tx| {
            {
                let stages = lookups::lead_stages(tx).await?;
                let first = stages
                    .iter()
                    .find(|s| s.active && !s.is_final)
                    .ok_or_else(|| ServiceError::invalid("stage", "no active lead stage"))?;
                let now = self.clock.now();
                let record = LeadRecord {
                    id: new_id(),
                    title: title.clone(),
                    need: input.need.clone(),
                    contact_id: input.contact_id.clone(),
                    account_id: input.account_id.clone(),
                    owner_id: input.owner_id.clone(),
                    budget: input.budget,
                    stage: first.code.clone(),
                    opportunity_id: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                check_reference(tx, "owner_id", Table::Users, &Some(record.owner_id.clone())).await?;
                check_reference(tx, "account_id", Table::Accounts, &record.account_id).await?;
                check_reference(tx, "contact_id", Table::Contacts, &record.contact_id).await?;
                leads::insert(tx, &record).await?;
                Ok(record)
            }
        })
    }

    /// Changes a lead's fields (its stage moves through [`Services::change_lead_stage`]).
    pub async fn update_lead(&self, id: &str, changes: LeadChanges) -> Result<LeadRecord> {
        let title = changes.title.as_deref().map(|t| check_title("title", t)).transpose()?;
        check_texts(&[("need", changes.need.as_ref().and_then(|n| n.as_deref()), MAX_TEXT)])?;
        let now = self.clock.now();
        in_write!(self, |tx| {
            let mut lead = leads::get_for_update(tx, id).await?;
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
            if let Some(owner) = changes.owner_id.clone() {
                lead.owner_id = owner;
            }
            check_reference(tx, "owner_id", Table::Users, &Some(lead.owner_id.clone())).await?;
            check_reference(tx, "account_id", Table::Accounts, &lead.account_id).await?;
            check_reference(tx, "contact_id", Table::Contacts, &lead.contact_id).await?;
            leads::update(tx, &lead, now).await?;
            Ok(leads::get(tx, id).await?)
        })
    }

    /// Moves a lead in any order until a final stage. Entering the handoff stage creates the
    /// opportunity (once) and, when the setting says so, starts the sales process on it (R3).
    pub async fn change_lead_stage(&self, by: &str, lead_id: &str, to: &str) -> Result<LeadRecord> {
        in_write!(self, |tx| {
            {
                let lead = leads::get_for_update(tx, lead_id).await?;
                let stages = lookups::lead_stages(tx).await?;
                let current = stages.iter().find(|s| s.code == lead.stage);
                let target = stages
                    .iter()
                    .find(|s| s.code.as_str() == to)
                    .ok_or_else(|| ServiceError::invalid("stage", format!("\"{to}\" is not a lead stage")))?;
                if current.is_some_and(|s| s.is_final) {
                    return Err(dealflow_core::EngineError::OpportunityClosed.into());
                }
                if !target.active {
                    return Err(ServiceError::invalid("stage", format!("lead stage \"{to}\" is not active")));
                }
                if target.code == lead.stage {
                    return Ok(lead);
                }
                let mut opportunity_id = lead.opportunity_id.clone();
                if target.hands_off && opportunity_id.is_none() {
                    opportunity_id = Some(self.hand_off(tx, by, &lead).await?);
                }
                leads::set_stage(tx, lead_id, to, opportunity_id.as_deref(), self.clock.now()).await?;
                Ok(leads::get(tx, lead_id).await?)
            }
        })
    }

    async fn hand_off(&self, tx: &mut WriteTx, by: &str, lead: &LeadRecord) -> Result<String> {
        let now = self.clock.now();
        let start = lookups::setting(tx, "start_sales_process").await?.and_then(|v| v.as_bool()).unwrap_or(true);
        let definition = if start {
            match processes::current(tx, HANDOFF_PROCESS).await {
                Ok(d) if d.active => Some(self.definition_version(tx, HANDOFF_PROCESS, d.version).await?),
                Ok(_) | Err(dealflow_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let stages = lookups::stage_catalog(tx).await?;
        let stage = match &definition {
            Some(d) => d.first_stage().stage.clone(),
            None => stages.first_open().ok_or_else(|| ServiceError::invalid("stage", "no active opportunity stage"))?.code.clone(),
        };
        let mut record = OpportunityRecord::new(new_id(), lead.title.clone(), lead.owner_id.clone(), stage.clone(), now);
        record.account_id = lead.account_id.clone();
        record.contact_id = lead.contact_id.clone();
        record.need = lead.need.clone();
        record.budget = lead.budget;
        record.lead_id = Some(lead.id.clone());
        opportunities::insert(tx, &record).await?;
        match definition {
            Some(definition) => {
                let command = Command::StartProcess { via: StartedVia::LeadAuto, by: by.to_owned(), new_opportunity: true };
                self.run_command(tx, record.clone(), None, Some(definition), command).await?;
            }
            None => opportunities::insert_history(tx, &creation_entry(&record.id, &stage, by, now)).await?,
        }
        Ok(record.id)
    }

    /// R3's other half: a won opportunity converts the lead it came from.
    pub(crate) async fn after_close(&self, tx: &mut WriteTx, opportunity: &OpportunityRecord, effects: &[Effect]) -> Result<()> {
        let won = effects.iter().any(|e| matches!(e, Effect::OpportunityClosed { won: true }));
        let Some(lead_id) = opportunity.lead_id.as_deref().filter(|_| won) else { return Ok(()) };
        let converted = lookups::lead_stages(tx).await?.into_iter().find(|s| s.is_converted);
        let lead = leads::get_for_update(tx, lead_id).await?;
        if let Some(converted) = converted
            && lead.stage != converted.code
        {
            leads::set_stage(tx, lead_id, converted.code.as_str(), lead.opportunity_id.as_deref(), self.clock.now()).await?;
        }
        Ok(())
    }
}
