//! An import's passes over its rows, batch by batch: each row checked and typed, its account,
//! contact and opportunity matched against the database (and against what earlier rows made),
//! and, unless it is a dry run, the batch written in one transaction with the import's progress,
//! so a restart carries on after the last commit without writing a row twice.

use std::collections::HashMap;

use dealflow_core::LocalizedText;
use dealflow_core::engine::{ActivityStatus, DEFAULT_RESULT, StartedVia};
use dealflow_core::import::{self, AccountPart, ContactPart, Dedupe, Field, Lookups, OpportunityPart, Person, RowPlan, RowProblem};
use dealflow_core::records::{AccountRecord, ActivityRecord, ContactRecord, HistoryRecord, OpportunityRecord};
use dealflow_store::{ImportMatch, ImportProblemRecord, NewDeal, WriteTx};
use jiff::Timestamp;

use super::imports::{ImportCounts, LEASE, Pass, parse_mapping, read_file, stored_problem};
use super::opportunities::creation_entry;
use super::{Services, webhooks};
use crate::access::Actor;
use crate::error::{Result, ServiceError};
use crate::new_id;

/// Rows per batch (and per transaction).
const BATCH_ROWS: usize = 500;
/// Imported deals a look finds to start their process on.
const PROCESS_STARTS_AT_ONCE: i64 = 200;

/// What a pass has matched or made, by key: accounts by tax number and by name, contacts by
/// e-mail and (without one) by account and name, opportunities by account and title.
#[derive(Default)]
struct Seen {
    accounts_by_tax: HashMap<String, String>,
    accounts_by_name: HashMap<String, String>,
    contacts_by_email: HashMap<String, String>,
    contacts_by_name: HashMap<(Option<String>, String), String>,
    deals: HashMap<(Option<String>, String), String>,
}

impl Seen {
    fn merge(&mut self, added: Seen) {
        self.accounts_by_tax.extend(added.accounts_by_tax);
        self.accounts_by_name.extend(added.accounts_by_name);
        self.contacts_by_email.extend(added.contacts_by_email);
        self.contacts_by_name.extend(added.contacts_by_name);
        self.deals.extend(added.deals);
    }
}

/// What stays the same over a pass.
struct PassContext {
    import_id: String,
    pass: Pass,
    dedupe: Dedupe,
    actor: Actor,
    lookups: Lookups,
}

/// One batch's matching and what it writes. Keys it adds sit apart from the pass's, so that a
/// batch tried again after a conflict starts from the same state.
struct Batch<'a> {
    ctx: &'a PassContext,
    seen: &'a Seen,
    added: Seen,
    counts: ImportCounts,
    now: Timestamp,
    db_accounts_by_tax: HashMap<String, ImportMatch>,
    db_accounts_by_name: HashMap<String, ImportMatch>,
    db_contacts: HashMap<String, ImportMatch>,
    db_deals: HashMap<(String, String), ImportMatch>,
    accounts: Vec<AccountRecord>,
    account_fills: Vec<AccountRecord>,
    contacts: Vec<ContactRecord>,
    contact_fills: Vec<ContactRecord>,
    deals: Vec<(OpportunityRecord, String)>,
    deal_fills: Vec<OpportunityRecord>,
    activities: Vec<ActivityRecord>,
    problems: Vec<ImportProblemRecord>,
    rejected: i64,
}

/// The first match of each key (the oldest record).
fn by_key(found: Vec<ImportMatch>) -> HashMap<String, ImportMatch> {
    let mut map = HashMap::new();
    for m in found {
        map.entry(m.key.clone()).or_insert(m);
    }
    map
}

fn lookup<'m, K: std::hash::Hash + Eq>(seen: &'m HashMap<K, String>, added: &'m HashMap<K, String>, key: &K) -> Option<&'m String> {
    added.get(key).or_else(|| seen.get(key))
}

impl<'a> Batch<'a> {
    fn new(ctx: &'a PassContext, seen: &'a Seen, counts: ImportCounts, now: Timestamp) -> Batch<'a> {
        Batch {
            ctx,
            seen,
            added: Seen::default(),
            counts,
            now,
            db_accounts_by_tax: HashMap::new(),
            db_accounts_by_name: HashMap::new(),
            db_contacts: HashMap::new(),
            db_deals: HashMap::new(),
            accounts: Vec::new(),
            account_fills: Vec::new(),
            contacts: Vec::new(),
            contact_fills: Vec::new(),
            deals: Vec::new(),
            deal_fills: Vec::new(),
            activities: Vec::new(),
            problems: Vec::new(),
            rejected: 0,
        }
    }

    fn only_own(&self) -> Option<&str> {
        (self.ctx.dedupe == Dedupe::Create).then_some(self.ctx.import_id.as_str())
    }

    /// Reads the database's matches for the batch's accounts and contacts.
    async fn read_matches(&mut self, tx: &mut WriteTx, plans: &[(u64, Result<RowPlan, Vec<RowProblem>>)]) -> Result<()> {
        let (mut taxes, mut names, mut emails) = (Vec::new(), Vec::new(), Vec::new());
        for plan in plans.iter().filter_map(|(_, p)| p.as_ref().ok()) {
            if let Some(a) = &plan.account {
                if let Some(tax) = a.tax_number.as_ref().filter(|t| !self.seen.accounts_by_tax.contains_key(*t)) {
                    taxes.push(tax.clone());
                }
                if !self.seen.accounts_by_name.contains_key(&a.key) {
                    names.push(a.key.clone());
                }
            }
            if let Some(email) = plan.contact.as_ref().and_then(|c| c.email.as_deref()).map(import::email_key)
                && !self.seen.contacts_by_email.contains_key(&email)
            {
                emails.push(email);
            }
        }
        for list in [&mut taxes, &mut names, &mut emails] {
            list.sort_unstable();
            list.dedup();
        }
        let only = self.only_own().map(str::to_owned);
        let (by_tax, by_name): (Vec<_>, Vec<_>) =
            tx.imports().accounts_matching(&taxes, &names, only.as_deref()).await?.into_iter().partition(|(_, tax)| *tax);
        self.db_accounts_by_tax = by_key(by_tax.into_iter().map(|(m, _)| m).collect());
        self.db_accounts_by_name = by_key(by_name.into_iter().map(|(m, _)| m).collect());
        self.db_contacts = by_key(tx.imports().contacts_matching(&emails, only.as_deref()).await?);
        Ok(())
    }

    /// Whether a match may take the row's values: it is the import's own, or the importer may
    /// change its owner's records.
    fn may_fill(&self, m: &ImportMatch) -> bool {
        self.ctx.dedupe == Dedupe::Update && m.owner_id.as_deref().is_none_or(|owner| self.ctx.actor.sees(owner))
    }

    fn is_own(&self, m: &ImportMatch) -> bool {
        m.import_id.as_deref() == Some(self.ctx.import_id.as_str())
    }

    fn account(&mut self, a: &AccountPart, owner: &str) -> String {
        let known = a.tax_number.as_ref().and_then(|t| lookup(&self.seen.accounts_by_tax, &self.added.accounts_by_tax, t));
        if let Some(id) = known.or_else(|| lookup(&self.seen.accounts_by_name, &self.added.accounts_by_name, &a.key)).cloned() {
            return id;
        }
        let found =
            a.tax_number.as_ref().and_then(|t| self.db_accounts_by_tax.get(t)).or_else(|| self.db_accounts_by_name.get(&a.key)).cloned();
        let record = |id: String| AccountRecord {
            id,
            name: a.name.clone(),
            industry: a.industry.clone(),
            website: a.website.clone(),
            phone: a.phone.clone(),
            tax_number: a.tax_number.clone(),
            owner_id: Some(owner.to_owned()),
            created_at: self.now,
        };
        let id = match found {
            Some(m) if self.is_own(&m) => m.id,
            Some(m) => {
                if self.may_fill(&m) {
                    self.account_fills.push(record(m.id.clone()));
                    self.counts.accounts.updated += 1;
                } else {
                    self.counts.accounts.skipped += 1;
                }
                m.id
            }
            None => {
                let new = record(new_id());
                self.counts.accounts.created += 1;
                let id = new.id.clone();
                self.accounts.push(new);
                id
            }
        };
        if let Some(tax) = &a.tax_number {
            self.added.accounts_by_tax.insert(tax.clone(), id.clone());
        }
        self.added.accounts_by_name.insert(a.key.clone(), id.clone());
        id
    }

    fn contact(&mut self, c: &ContactPart, account_id: Option<&String>, owner: &str) -> String {
        let email = c.email.as_deref().map(import::email_key);
        let name_key = (account_id.cloned(), import::name_key(&c.name));
        let known = match &email {
            Some(e) => lookup(&self.seen.contacts_by_email, &self.added.contacts_by_email, e),
            None => lookup(&self.seen.contacts_by_name, &self.added.contacts_by_name, &name_key),
        };
        if let Some(id) = known.cloned() {
            return id;
        }
        let record = |id: String| ContactRecord {
            id,
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            job_title: c.job_title.clone(),
            account_id: account_id.cloned(),
            owner_id: Some(owner.to_owned()),
            created_at: self.now,
        };
        let id = match email.as_ref().and_then(|e| self.db_contacts.get(e)).cloned() {
            Some(m) if self.is_own(&m) => m.id,
            Some(m) => {
                if self.may_fill(&m) {
                    let mut fill = record(m.id.clone());
                    if !c.named {
                        fill.name.clear();
                    }
                    self.contact_fills.push(fill);
                    self.counts.contacts.updated += 1;
                } else {
                    self.counts.contacts.skipped += 1;
                }
                m.id
            }
            None => {
                let new = record(new_id());
                self.counts.contacts.created += 1;
                let id = new.id.clone();
                self.contacts.push(new);
                id
            }
        };
        match email {
            Some(e) => self.added.contacts_by_email.insert(e, id.clone()),
            None => self.added.contacts_by_name.insert(name_key, id.clone()),
        };
        id
    }

    fn deal(&mut self, o: &OpportunityPart, account: Option<(&String, &str)>, contact: Option<(&String, &str)>) -> String {
        let key = (account.map(|(id, _)| id.clone()), o.key.clone());
        if let Some(id) = lookup(&self.seen.deals, &self.added.deals, &key).cloned() {
            return id;
        }
        let found = account.and_then(|(id, _)| self.db_deals.get(&(id.clone(), o.key.clone()))).cloned();
        let visible = |m: &ImportMatch| m.owner_id.as_deref().is_some_and(|owner| self.ctx.actor.sees(owner));
        let id = match found.filter(|m| self.is_own(m) || visible(m)) {
            Some(m) if self.is_own(&m) => m.id,
            Some(m) => {
                if self.ctx.dedupe == Dedupe::Update {
                    let mut fill = OpportunityRecord::new(m.id.clone(), o.title.clone(), o.owner_id.clone(), o.stage.clone(), self.now);
                    (fill.amount, fill.probability, fill.close_date) = (o.amount, o.probability, o.close_date.clone());
                    self.deal_fills.push(fill);
                    self.counts.opportunities.updated += 1;
                } else {
                    self.counts.opportunities.skipped += 1;
                }
                m.id
            }
            None => {
                let mut record = OpportunityRecord::new(new_id(), o.title.clone(), o.owner_id.clone(), o.stage.clone(), self.now);
                record.account_id = account.map(|(id, _)| id.clone());
                record.contact_id = contact.map(|(id, _)| id.clone());
                (record.amount, record.probability, record.close_date) = (o.amount, o.probability, o.close_date.clone());
                if self.ctx.lookups.is_final(&o.stage) {
                    record.closed_at = Some(self.closed_at(o.close_date.as_deref()));
                }
                let names: String = [account, contact].into_iter().flatten().map(|(_, name)| format!(" {name}")).collect();
                let search_text = format!("{}{names}", o.title).to_lowercase();
                self.counts.opportunities.created += 1;
                let id = record.id.clone();
                self.deals.push((record, search_text));
                id
            }
        };
        self.added.deals.insert(key, id.clone());
        id
    }

    /// When an imported closed deal closed: its close date's start in the importer's zone, else now.
    fn closed_at(&self, close_date: Option<&str>) -> Timestamp {
        let day = close_date.and_then(|d| d.parse::<jiff::civil::Date>().ok());
        day.and_then(|d| d.to_datetime(jiff::civil::Time::midnight()).to_zoned_datetime(self.ctx.actor.zone().clone()).ok())
            .map_or(self.now, |z| z.timestamp().min(self.now))
    }

    fn plan(&mut self, row: &RowPlan) -> Option<String> {
        let owner = row.opportunity.as_ref().map_or_else(|| self.ctx.actor.id().to_owned(), |o| o.owner_id.clone());
        let account = row.account.as_ref().map(|a| (self.account(a, &owner), a.name.as_str()));
        let contact = row.contact.as_ref().map(|c| (self.contact(c, account.as_ref().map(|(id, _)| id), &owner), c.name.as_str()));
        let account_ref = account.as_ref().map(|(id, name)| (id, *name));
        let contact_ref = contact.as_ref().map(|(id, name)| (id, *name));
        let deal = row.opportunity.as_ref().map(|o| self.deal(o, account_ref, contact_ref));
        if let Some(a) = &row.activity {
            let done = a.done;
            self.activities.push(ActivityRecord {
                id: new_id(),
                kind: a.kind,
                title: LocalizedText::same(a.title.clone()),
                owner_id: a.owner_id.clone(),
                status: if done { ActivityStatus::Completed } else { ActivityStatus::NotStarted },
                result: done.then(|| DEFAULT_RESULT.to_owned()),
                result_note: None,
                start_at: None,
                due_at: a.due,
                completed_at: done.then(|| a.due.map_or(self.now, |due| due.min(self.now))),
                opportunity_id: deal.clone(),
                account_id: account.as_ref().map(|(id, _)| id.clone()),
                contact_id: contact.as_ref().map(|(id, _)| id.clone()),
                duration_minutes: None,
                process_instance_id: None,
                stage: None,
                step: None,
                stage_visit: None,
                created_by: Some(self.ctx.actor.id().to_owned()),
                version: 1,
                created_at: self.now,
                updated_at: self.now,
            });
            self.counts.activities.created += 1;
        }
        deal
    }

    /// The batch's rows matched and planned; the deals they touched.
    async fn run(&mut self, tx: &mut WriteTx, plans: &[(u64, Result<RowPlan, Vec<RowProblem>>)]) -> Result<Vec<String>> {
        self.read_matches(tx, plans).await?;
        // Opportunities are matched within accounts already there, known once the accounts are.
        let mut existing_accounts = Vec::new();
        for plan in plans.iter().filter_map(|(_, p)| p.as_ref().ok()) {
            if let Some(a) = &plan.account {
                let owner = plan.opportunity.as_ref().map_or(self.ctx.actor.id(), |o| o.owner_id.as_str()).to_owned();
                let before = self.accounts.len();
                let id = self.account(a, &owner);
                if self.accounts.len() == before && plan.opportunity.is_some() {
                    existing_accounts.push(id);
                }
            }
        }
        existing_accounts.sort_unstable();
        existing_accounts.dedup();
        let only = self.only_own().map(str::to_owned);
        for m in tx.imports().opportunities_of(&existing_accounts, only.as_deref()).await? {
            let key = (m.account_id.clone().unwrap_or_default(), import::name_key(&m.key));
            self.db_deals.entry(key).or_insert(m);
        }
        let mut touched = Vec::new();
        for (row, plan) in plans {
            match plan {
                Ok(plan) if plan.is_empty() => self.counts.empty_rows += 1,
                Ok(plan) => touched.extend(self.plan(plan)),
                Err(problems) => {
                    self.rejected += 1;
                    self.problems.extend(problems.iter().enumerate().map(|(seq, p)| stored_problem(p, seq as i64)));
                    debug_assert!(problems.iter().all(|p| p.row == *row));
                }
            }
        }
        Ok(touched)
    }

    /// Writes what the batch made and changed, with the events of what it made.
    async fn write(&self, tx: &mut WriteTx) -> Result<()> {
        let (import_id, now) = (self.ctx.import_id.as_str(), self.now);
        let mut imports = tx.imports();
        imports.add_accounts(import_id, &self.accounts).await?;
        for a in &self.account_fills {
            imports.fill_account(a, now).await?;
        }
        imports.add_contacts(import_id, &self.contacts).await?;
        for c in &self.contact_fills {
            imports.fill_contact(c, now).await?;
        }
        let deals: Vec<NewDeal> =
            self.deals.iter().map(|(record, search_text)| NewDeal { record, search_text: search_text.clone() }).collect();
        let by = self.ctx.actor.id();
        let history: Vec<HistoryRecord> = self.deals.iter().map(|(o, _)| creation_entry(&o.id, &o.stage, by, now)).collect();
        imports.add_opportunities(import_id, &deals, &history).await?;
        for o in &self.deal_fills {
            imports.fill_opportunity(o, now).await?;
        }
        imports.add_activities(&self.activities).await?;
        let mut events = Vec::with_capacity(self.deals.len() + self.activities.len());
        for (o, _) in &self.deals {
            events.push((new_id(), "opportunity.created", Some(o.id.clone()), webhooks::opportunity_created_data(o).to_string()));
        }
        for a in &self.activities {
            events.push((new_id(), "activity.created", a.opportunity_id.clone(), webhooks::activity_created_data(a).to_string()));
        }
        Ok(imports.add_events(&events, now).await?)
    }
}

impl Services {
    /// Works through the imports waiting for a worker, one at a time: what the background
    /// worker of node `node` does at each look.
    pub async fn run_waiting_imports(&self, node: &str) -> Result<()> {
        while let Some(id) = self.lease_import(node).await? {
            self.run_pass(node, &id, None).await?;
        }
        Ok(())
    }

    /// At most `batches` batches of the oldest waiting import, its lease kept: where a node that
    /// stops mid-import leaves it, for another to carry on once the lease lapses.
    pub async fn run_import_batches(&self, node: &str, batches: usize) -> Result<()> {
        match self.lease_import(node).await? {
            Some(id) => self.run_pass(node, &id, Some(batches)).await,
            None => Ok(()),
        }
    }

    async fn lease_import(&self, node: &str) -> Result<Option<String>> {
        if !self.store.read().await?.imports().work_waiting(node, self.clock.now()).await? {
            return Ok(None);
        }
        let now = self.clock.now();
        in_write!(self, |tx| { Ok(tx.imports().lease(node, now, now + LEASE).await?) })
    }

    /// The people an importer may name as owners, and the stages and zone rows are read with.
    async fn import_lookups(&self, actor: &Actor) -> Result<Lookups> {
        let mut conn = self.store.read().await?;
        let people = conn
            .users()
            .list()
            .await?
            .into_iter()
            .map(|u| Person { manageable: actor.sees(&u.id), id: u.id, name: u.name, email: u.email, active: u.active })
            .collect();
        let stages = conn.stages().catalog().await?;
        Ok(Lookups::new(stages, people, actor.id(), actor.zone().clone()))
    }

    /// Runs (or carries on with) the leased import's pass to its end, unless the lease is lost
    /// or the server stops; a file or mapping that cannot be read any more fails it.
    async fn run_pass(&self, node: &str, id: &str, max_batches: Option<usize>) -> Result<()> {
        let (record, bytes, importer) = {
            let mut conn = self.store.read().await?;
            let record = conn.imports().get(id).await?;
            let bytes = conn.imports().file(id).await?;
            let importer = conn.users().get(&record.created_by).await?;
            (record, bytes, importer)
        };
        let pass = if record.status == "importing" { Pass::Import } else { Pass::Check };
        let prepared = (|| {
            let table = read_file(&bytes)?;
            let mapping: Vec<Option<Field>> = parse_mapping(&record.mapping, table.headers.len())?;
            Ok::<_, ServiceError>((table, mapping))
        })();
        let failure = match (&prepared, importer.active) {
            (_, false) => Some("the importer's account is deactivated".to_owned()),
            (Err(e), _) => Some(e.to_string()),
            _ => None,
        };
        if let Some(why) = failure {
            let now = self.clock.now();
            return in_write!(self, |tx| { Ok(tx.imports().finish(id, "failed", Some(&why), now).await?) });
        }
        let (table, mapping) = prepared?;
        let actor = self.actor(importer).await?;
        let lookups = self.import_lookups(&actor).await?;
        let ctx =
            PassContext { import_id: id.to_owned(), pass, dedupe: Dedupe::parse(&record.dedupe).unwrap_or(Dedupe::Update), actor, lookups };
        // An import carries on after its last batch; a dry run, which wrote nothing but its
        // problems, starts again so that its counts see every row.
        let (mut done, mut counts, mut rejected) = match pass {
            Pass::Import => (record.done_rows as usize, ImportCounts::of(&record), record.rejected_rows),
            Pass::Check => (0, ImportCounts::default(), 0),
        };
        if pass == Pass::Check && record.done_rows > 0 {
            in_write!(self, |tx| { Ok(tx.imports().clear_problems(id).await?) })?;
        }
        let mut seen = Seen::default();
        let shutdown = self.shutting_down();
        let mut batches = 0;
        while done < table.rows.len() {
            if *shutdown.borrow() || max_batches.is_some_and(|most| batches == most) {
                return Ok(());
            }
            batches += 1;
            let end = (done + BATCH_ROWS).min(table.rows.len());
            let plans: Vec<(u64, Result<RowPlan, Vec<RowProblem>>)> = (done..end)
                .map(|i| (table.numbers[i], import::plan_row(table.numbers[i], &table.rows[i], &mapping, &ctx.lookups)))
                .collect();
            let now = self.clock.now();
            let outcome = in_write!(self, |tx| {
                let mut batch = Batch::new(&ctx, &seen, counts.clone(), now);
                let touched = batch.run(tx, &plans).await?;
                if ctx.pass == Pass::Import {
                    batch.write(tx).await?;
                }
                tx.imports().add_problems(id, &batch.problems).await?;
                let counts_json = serde_json::to_string(&batch.counts).expect("counts serialize");
                let held = tx.imports().advance(id, node, end as i64, &counts_json, rejected + batch.rejected, now, now + LEASE).await;
                match held {
                    Ok(()) => Ok(Some((batch.added, batch.counts, batch.rejected, touched))),
                    // Another node took the import over: this batch is rolled back, not written twice.
                    Err(dealflow_store::StoreError::NotFound) => Err(ServiceError::NotFound),
                    Err(other) => Err(other.into()),
                }
            });
            let (added, batch_counts, batch_rejected, touched) = match outcome {
                Ok(Some(done_batch)) => done_batch,
                Ok(None) | Err(ServiceError::NotFound) => return Ok(()),
                Err(other) => return Err(other),
            };
            seen.merge(added);
            (counts, rejected, done) = (batch_counts, rejected + batch_rejected, end);
            if ctx.pass == Pass::Import {
                for deal in touched {
                    self.reassess_later(&deal);
                }
            }
        }
        if pass == Pass::Import
            && let Some(code) = &record.start_process
            && !self.start_imported_processes(node, id, code, &ctx.actor, (&mut counts, rejected, done)).await?
        {
            return Ok(());
        }
        let now = self.clock.now();
        let status = if pass == Pass::Import { "done" } else { "checked" };
        in_write!(self, |tx| { Ok(tx.imports().finish(id, status, None, now).await?) })
    }

    /// Starts process `code` on the open deals the import made, each start a command of its
    /// own, a page at a time with the lease renewed after each; after a restart it carries on
    /// with the deals still without one. False when the lease was lost or the server stops.
    async fn start_imported_processes(
        &self,
        node: &str,
        id: &str,
        code: &str,
        actor: &Actor,
        (counts, rejected, done): (&mut ImportCounts, i64, usize),
    ) -> Result<bool> {
        let shutdown = self.shutting_down();
        loop {
            if *shutdown.borrow() {
                return Ok(false);
            }
            let deals = self.store.read().await?.imports().deals_without_process(id, PROCESS_STARTS_AT_ONCE).await?;
            let mut started = 0;
            for deal in &deals {
                match self.start_process(actor, code, Some(deal), StartedVia::Import).await {
                    Ok(_) => started += 1,
                    Err(error) => tracing::warn!(%error, deal, "an imported deal's process did not start"),
                }
            }
            counts.processes_started += started;
            let counts_json = serde_json::to_string(&counts).expect("counts serialize");
            let now = self.clock.now();
            let held =
                in_write!(self, |tx| { Ok(tx.imports().advance(id, node, done as i64, &counts_json, rejected, now, now + LEASE).await?) });
            match held {
                Ok(()) if started > 0 => {}
                // Nothing left, or nothing that would start (the rest stay as they are).
                Ok(()) => return Ok(true),
                Err(ServiceError::NotFound) => return Ok(false),
                Err(other) => return Err(other),
            }
        }
    }
}
