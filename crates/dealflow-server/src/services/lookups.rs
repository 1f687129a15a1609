//! Lookups and settings. Everyone reads them; administrators change them: the opportunity
//! stages (a stage once used can only be deactivated), the lead stages, the lost reasons, and
//! the system settings.

use dealflow_core::check::{self, Invalid, Problems};
use dealflow_core::lead::LeadStage;
use dealflow_core::records::{LostReason, SettingRecord};
use dealflow_core::{LocalizedText, Stage};
use dealflow_store::StoreError;

use super::Services;
use crate::access::Actor;
use crate::error::{Result, ServiceError};

/// A new stage of the opportunity stages lookup.
#[derive(Debug, Clone, Default)]
pub struct NewStage {
    pub code: String,
    pub name: LocalizedText,
    /// After the last stage when not given.
    pub position: Option<i32>,
    pub description: LocalizedText,
    pub max_probability: i64,
    pub is_final: bool,
    pub is_won: bool,
    /// Open stages are in the funnel unless told otherwise.
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
    /// The period for planning the next step; a week on an open stage unless told otherwise.
    pub next_step_days: Option<i64>,
}

/// What a change of a stage sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StageChanges {
    pub name: Option<LocalizedText>,
    pub position: Option<i32>,
    pub description: Option<LocalizedText>,
    pub max_probability: Option<i64>,
    pub is_final: Option<bool>,
    pub is_won: Option<bool>,
    pub show_in_funnel: Option<bool>,
    pub show_in_progress_bar: Option<bool>,
    pub active: Option<bool>,
    pub next_step_days: Option<i64>,
}

/// A new lead stage or lost reason: it goes last, ordinary and active.
#[derive(Debug, Clone, Default)]
pub struct NewLookupRow {
    pub code: String,
    pub name: LocalizedText,
}

/// Both names of a row, each present and within its limit (`name.ru`, `name.en`).
fn check_names(problems: &mut Problems, name: &LocalizedText) -> LocalizedText {
    let ru = problems.check("name.ru", check::title(&name.ru)).unwrap_or_default();
    let en = problems.check("name.en", check::title(&name.en)).unwrap_or_default();
    LocalizedText::new(ru, en)
}

fn description(text: &LocalizedText) -> LocalizedText {
    LocalizedText::new(text.ru.trim(), text.en.trim())
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

fn taken_code(error: StoreError) -> ServiceError {
    match error {
        StoreError::Conflict { .. } => ServiceError::AlreadyExists("code".into()),
        other => other.into(),
    }
}

/// The two lookups of reasons a deal closes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    Lost,
    Won,
}

impl Services {
    /// Whether opportunities have been on this stage: then only its names, order and flags of
    /// display may change, and it cannot be deleted.
    pub async fn stage_in_use(&self, actor: &Actor, code: &str) -> Result<bool> {
        actor.require_admin()?;
        Ok(self.store.read().await?.stages().in_use(code).await?)
    }

    pub async fn create_stage(&self, actor: &Actor, input: NewStage) -> Result<Stage> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let code = problems.check("code", check::code(&input.code));
        let name = check_names(&mut problems, &input.name);
        let max_probability = problems.check("max_probability", check::percent(input.max_probability));
        let default_days = if input.is_final { 0 } else { 7 };
        let next_step_days = problems.check("next_step_days", check::next_step_days(input.next_step_days.unwrap_or(default_days)));
        let (Some(code), Some(max_probability)) = (code, max_probability) else { return Err(ServiceError::Invalid(problems.into_vec())) };
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            {
                let position = match input.position {
                    Some(position) => position,
                    None => tx.stages().catalog().await?.all().iter().map(|s| s.position).max().unwrap_or(0) + 1,
                };
                let stage = Stage {
                    code: code.clone(),
                    name: name.clone(),
                    position,
                    description: description(&input.description),
                    max_probability,
                    is_final: input.is_final,
                    is_won: input.is_final && input.is_won,
                    show_in_funnel: input.show_in_funnel.unwrap_or(!input.is_final),
                    show_in_progress_bar: input.show_in_progress_bar.unwrap_or(true),
                    active: input.active.unwrap_or(true),
                    next_step_days: next_step_days.unwrap_or_default(),
                };
                tx.stages().insert(&stage).await.map_err(taken_code)?;
                Ok(stage)
            }
        })
    }

    /// Changes a stage. Whether a stage is final or won cannot change once opportunities used it.
    pub async fn update_stage(&self, actor: &Actor, code: &str, changes: StageChanges) -> Result<Stage> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let name = changes.name.as_ref().map(|name| check_names(&mut problems, name));
        let max_probability = changes.max_probability.and_then(|p| problems.check("max_probability", check::percent(p)));
        let next_step_days = changes.next_step_days.and_then(|d| problems.check("next_step_days", check::next_step_days(d)));
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            let catalog = tx.stages().catalog().await?;
            let current = catalog.get(code).ok_or(ServiceError::NotFound)?;
            let mut stage = current.clone();
            stage.name = name.clone().unwrap_or(stage.name);
            stage.description = changes.description.as_ref().map(description).unwrap_or(stage.description);
            stage.max_probability = max_probability.unwrap_or(stage.max_probability);
            stage.position = changes.position.unwrap_or(stage.position);
            stage.is_final = changes.is_final.unwrap_or(stage.is_final);
            stage.is_won = stage.is_final && changes.is_won.unwrap_or(stage.is_won);
            stage.show_in_funnel = changes.show_in_funnel.unwrap_or(stage.show_in_funnel);
            stage.show_in_progress_bar = changes.show_in_progress_bar.unwrap_or(stage.show_in_progress_bar);
            stage.active = changes.active.unwrap_or(stage.active);
            stage.next_step_days = next_step_days.unwrap_or(stage.next_step_days);
            if (current.is_final != stage.is_final || current.is_won != stage.is_won) && tx.stages().in_use(code).await? {
                return Err(ServiceError::invalid("is_final", Invalid::FinalityLocked));
            }
            tx.stages().update(&stage).await?;
            Ok(stage)
        })
    }

    /// Swaps a stage with its neighbour on the workflow bar (`up`: towards the first).
    pub async fn move_stage(&self, actor: &Actor, code: &str, up: bool) -> Result<()> {
        actor.require_admin()?;
        in_write!(self, |tx| {
            let catalog = tx.stages().catalog().await?;
            let all = catalog.all();
            let at = all.iter().position(|s| s.code.as_str() == code).ok_or(ServiceError::NotFound)?;
            if let Some(other) = neighbour(at, all.len(), up) {
                let (mut this, mut that) = (all[at].clone(), all[other].clone());
                (this.position, that.position) = swapped(this.position, that.position, up);
                tx.stages().update(&this).await?;
                tx.stages().update(&that).await?;
            }
            Ok(())
        })
    }

    /// Deletes a stage no opportunity and no process has ever used; any other is only deactivated.
    pub async fn delete_stage(&self, actor: &Actor, code: &str) -> Result<()> {
        actor.require_admin()?;
        in_write!(self, |tx| {
            let named_by_a_process = tx.processes().library().await?.iter().any(|d| d.names_stage(code));
            if named_by_a_process || tx.stages().in_use(code).await? {
                return Err(ServiceError::invalid("code", Invalid::InUse));
            }
            Ok(tx.stages().delete(code).await?)
        })
    }

    pub async fn create_lead_stage(&self, actor: &Actor, input: NewLookupRow) -> Result<LeadStage> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let code = problems.check("code", check::code(&input.code));
        let name = check_names(&mut problems, &input.name);
        let Some(code) = code else { return Err(ServiceError::Invalid(problems.into_vec())) };
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            {
                let position = tx.lead_stages().list().await?.iter().map(|s| s.position).max().unwrap_or(0) + 1;
                let stage = LeadStage {
                    code: code.clone(),
                    name: name.clone(),
                    position,
                    is_final: false,
                    hands_off: false,
                    is_converted: false,
                    active: true,
                };
                tx.lead_stages().insert(&stage).await.map_err(taken_code)?;
                Ok(stage)
            }
        })
    }

    /// Changes a lead stage's names and flags (its code and place stay).
    pub async fn update_lead_stage(&self, actor: &Actor, stage: LeadStage) -> Result<LeadStage> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let name = check_names(&mut problems, &stage.name);
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            let current = tx.lead_stages().list().await?.into_iter().find(|s| s.code == stage.code).ok_or(ServiceError::NotFound)?;
            let changed = LeadStage { name: name.clone(), position: current.position, ..stage.clone() };
            tx.lead_stages().update(&changed).await?;
            Ok(changed)
        })
    }

    /// The same as [`Services::move_stage`] for a lead stage on the lead's stage bar.
    pub async fn move_lead_stage(&self, actor: &Actor, code: &str, up: bool) -> Result<()> {
        actor.require_admin()?;
        in_write!(self, |tx| {
            let all = tx.lead_stages().list().await?;
            let at = all.iter().position(|s| s.code.as_str() == code).ok_or(ServiceError::NotFound)?;
            if let Some(other) = neighbour(at, all.len(), up) {
                let (mut this, mut that) = (all[at].clone(), all[other].clone());
                (this.position, that.position) = swapped(this.position, that.position, up);
                tx.lead_stages().update(&this).await?;
                tx.lead_stages().update(&that).await?;
            }
            Ok(())
        })
    }

    pub async fn delete_lead_stage(&self, actor: &Actor, code: &str) -> Result<()> {
        actor.require_admin()?;
        in_write!(self, |tx| {
            if tx.lead_stages().in_use(code).await? {
                return Err(ServiceError::invalid("code", Invalid::InUse));
            }
            Ok(tx.lead_stages().delete(code).await?)
        })
    }

    /// The lost-reasons lookup, by position. Everyone may read it.
    pub async fn lost_reasons(&self) -> Result<Vec<LostReason>> {
        self.reasons(ReasonKind::Lost).await
    }

    /// Why deals are lost, or why they are won, by position. Everyone may read them.
    pub async fn reasons(&self, kind: ReasonKind) -> Result<Vec<LostReason>> {
        let mut conn = self.store.read().await?;
        Ok(match kind {
            ReasonKind::Lost => conn.lost_reasons().list().await?,
            ReasonKind::Won => conn.won_reasons().list().await?,
        })
    }

    /// A new reason of `kind`, last.
    pub async fn create_reason(&self, actor: &Actor, kind: ReasonKind, input: NewLookupRow) -> Result<LostReason> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let code = problems.check("code", check::code(&input.code));
        let name = check_names(&mut problems, &input.name);
        let Some(code) = code else { return Err(ServiceError::Invalid(problems.into_vec())) };
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            {
                let existing = match kind {
                    ReasonKind::Lost => tx.lost_reasons().list().await?,
                    ReasonKind::Won => tx.won_reasons().list().await?,
                };
                let position = existing.iter().map(|r| r.position).max().unwrap_or(0) + 1;
                let reason = LostReason { code: code.to_string(), name: name.clone(), position, active: true };
                match kind {
                    ReasonKind::Lost => tx.lost_reasons().insert(&reason).await,
                    ReasonKind::Won => tx.won_reasons().insert(&reason).await,
                }
                .map_err(taken_code)?;
                Ok(reason)
            }
        })
    }

    /// Renames a reason or switches it on or off.
    pub async fn update_reason(
        &self,
        actor: &Actor,
        kind: ReasonKind,
        code: &str,
        name: LocalizedText,
        active: bool,
    ) -> Result<LostReason> {
        actor.require_admin()?;
        let mut problems = Problems::new();
        let name = check_names(&mut problems, &name);
        problems.finish().map_err(ServiceError::Invalid)?;
        in_write!(self, |tx| {
            let existing = match kind {
                ReasonKind::Lost => tx.lost_reasons().list().await?,
                ReasonKind::Won => tx.won_reasons().list().await?,
            };
            let current = existing.into_iter().find(|r| r.code == code).ok_or(ServiceError::NotFound)?;
            let reason = LostReason { name: name.clone(), active, ..current };
            match kind {
                ReasonKind::Lost => tx.lost_reasons().update(&reason).await?,
                ReasonKind::Won => tx.won_reasons().update(&reason).await?,
            }
            Ok(reason)
        })
    }

    /// Every system setting with its description. Everyone may read them.
    pub async fn settings(&self) -> Result<Vec<SettingRecord>> {
        Ok(self.store.read().await?.settings().list().await?)
    }

    /// The team's sales process (setting `sales_process`): what an opportunity's page starts.
    pub async fn sales_process(&self) -> Result<String> {
        Ok(super::leads::chosen_process(self.store.read().await?.settings().get("sales_process").await?))
    }

    /// The installation's currency (setting `currency`, RUB when unset).
    pub async fn currency(&self) -> Result<String> {
        let value = self.store.read().await?.settings().get("currency").await?;
        Ok(value.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "RUB".into()))
    }

    /// Changes a system setting's value, which must have the setting's own shape.
    pub async fn put_setting(&self, actor: &Actor, key: &str, value: &serde_json::Value) -> Result<SettingRecord> {
        actor.require_admin()?;
        let text = value.as_str().unwrap_or("");
        let refusal = match key {
            "start_sales_process" if !value.is_boolean() => Some(Invalid::WrongType),
            "currency" => check::currency(text).err(),
            "default_locale" => check::one_of(text, &["ru", "en"]).err(),
            "default_time_zone" => check::time_zone(text).err(),
            "working_days" => check::weekdays(value).err(),
            "sales_process" => match self.store.read().await?.processes().current(text).await {
                Ok(process) if process.active => None,
                Ok(_) => Some(Invalid::ProcessInactive),
                Err(dealflow_store::StoreError::NotFound) => Some(Invalid::UnknownReference),
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        if let Some(invalid) = refusal {
            return Err(ServiceError::invalid("value", invalid));
        }
        let now = self.clock.now();
        let saved = in_write!(self, |tx| {
            tx.settings().put(key, value, now).await?;
            let all = tx.settings().list().await?;
            all.into_iter().find(|s| s.key == key).ok_or(ServiceError::NotFound)
        });
        self.forget_default_time_zone();
        saved
    }
}
