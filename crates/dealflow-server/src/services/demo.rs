//! `serve --demo`: a small realistic sales team with a pipeline in every stage, so that a
//! newcomer sees the product at work. Runs only on a database with no opportunities.

use dealflow_core::definition::ActivityType;
use dealflow_core::engine::StartedVia;
use dealflow_core::records::{AccountRecord, ContactRecord, KnowledgeRecord, Role};
use dealflow_core::{Locale, Money};

use super::{CloseInput, NewActivity, NewLead, NewOpportunity, NewUser, OpportunityChanges, Services};
use crate::access::Actor;
use crate::clock::Clock;
use crate::error::Result;
use crate::new_id;

/// The password of every demo user (the admin keeps their own).
pub const DEMO_PASSWORD: &str = "demo-password";

pub struct DemoSummary {
    pub users: Vec<(String, String)>,
    pub opportunities: usize,
}

/// How far each demo opportunity gets: how many stage visits to finish, then how it ends.
#[derive(Clone, Copy)]
enum Fate {
    Stay(usize),
    Won,
    LostAt(usize),
    Stopped(usize),
}

const DEALS: &[(&str, &str, &str, Fate)] = &[
    ("Внедрение CRM для «СеверСталь-Трейд»", "SeverStal Trade", "450000", Fate::Stay(0)),
    ("Лицензии на 120 рабочих мест", "Volga Logistics", "1200000", Fate::Stay(1)),
    ("Пилотный проект аналитики", "Ural Pharma", "300000", Fate::Stay(2)),
    ("Годовая поддержка и обучение", "Baltic Retail Group", "180000", Fate::Stay(3)),
    ("Миграция с устаревшей системы", "Siberian Energy", "2750000", Fate::Won),
    ("Расширение на филиалы", "Volga Logistics", "640000", Fate::Won),
    ("Интеграция с 1С", "Kama Foods", "220000", Fate::LostAt(1)),
    ("Мобильное приложение для полевых продаж", "Neva Telecom", "910000", Fate::Stay(1)),
    ("Портал для дилеров", "Don Agro", "530000", Fate::Stay(2)),
    ("Обновление до Enterprise", "Ural Pharma", "380000", Fate::Stopped(1)),
    ("Call-центр под ключ", "Neva Telecom", "1450000", Fate::LostAt(2)),
    ("Аудит воронки продаж", "Baltic Retail Group", "95000", Fate::Stay(0)),
];

const ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("SeverStal Trade", "Metals", "Олег Кузнецов", "Commercial director"),
    ("Volga Logistics", "Logistics", "Анна Смирнова", "CIO"),
    ("Ural Pharma", "Pharmaceuticals", "Дмитрий Волков", "Head of sales"),
    ("Baltic Retail Group", "Retail", "Елена Морозова", "COO"),
    ("Siberian Energy", "Energy", "Сергей Лебедев", "CEO"),
    ("Kama Foods", "Food", "Ольга Новикова", "Procurement manager"),
    ("Neva Telecom", "Telecom", "Павел Козлов", "IT director"),
    ("Don Agro", "Agriculture", "Татьяна Егорова", "Finance director"),
];

impl Services {
    pub async fn seed_demo(&self, admin_id: &str) -> Result<Option<DemoSummary>> {
        if self.store.read().await?.opportunities().count().await? > 0 {
            return Ok(None);
        }
        let team = [
            ("irina.sokolova@demo.local", "Ирина Соколова", Role::Supervisor, Locale::Ru, "Europe/Moscow"),
            ("alexey.petrov@demo.local", "Алексей Петров", Role::Manager, Locale::Ru, "Europe/Moscow"),
            ("maria.ivanova@demo.local", "Мария Иванова", Role::Manager, Locale::Ru, "Europe/Moscow"),
            ("john.carter@demo.local", "John Carter", Role::Manager, Locale::En, "Europe/London"),
        ];
        let mut supervisor_id = None;
        let mut managers = Vec::new();
        let mut users = Vec::new();
        for (email, name, role, locale, zone) in team {
            let is_supervisor = role == Role::Supervisor;
            let user = self
                .add_user(NewUser {
                    email: email.into(),
                    name: name.into(),
                    role,
                    supervisor_id: supervisor_id.clone(),
                    locale: Some(locale),
                    time_zone: Some(zone.into()),
                    password: DEMO_PASSWORD.into(),
                })
                .await?;
            users.push((user.email.clone(), DEMO_PASSWORD.to_owned()));
            if is_supervisor {
                supervisor_id = Some(user.id);
            } else {
                managers.push(self.actor(user).await?);
            }
        }
        let now = self.clock.now();
        let accounts = in_write!(self, |tx| {
            let mut accounts = Vec::new();
            for (i, (name, industry, person, job)) in ACCOUNTS.iter().enumerate() {
                let owner = managers[i % managers.len()].id().to_owned();
                let account = AccountRecord {
                    id: new_id(),
                    name: (*name).into(),
                    industry: Some((*industry).into()),
                    website: Some(format!("https://{}.example", name.to_lowercase().replace(' ', "-"))),
                    phone: Some(format!("+7 495 000-{:02}-{:02}", 10 + i, 20 + i)),
                    tax_number: Some(format!("77{:08}", 10_203_040 + i)),
                    owner_id: Some(owner.clone()),
                    created_at: now,
                };
                tx.accounts().insert(&account).await?;
                let contact = ContactRecord {
                    id: new_id(),
                    name: (*person).into(),
                    email: Some(format!("contact{}@{}.example", i + 1, name.to_lowercase().replace(' ', "-"))),
                    phone: Some(format!("+7 916 100-{:02}-{:02}", 30 + i, 40 + i)),
                    job_title: Some((*job).into()),
                    account_id: Some(account.id.clone()),
                    owner_id: Some(owner),
                    created_at: now,
                };
                tx.contacts().insert(&contact).await?;
                accounts.push((account.name, account.id, contact.id));
            }
            let article = KnowledgeRecord {
                id: new_id(),
                title: "Презентация компании 2026 / Company presentation 2026".into(),
                body: "Слайды о компании, продуктах и кейсах клиентов. / Slides on the company, products and customer cases.".into(),
                tags: vec!["presentation".into()],
                author_id: admin_id.to_owned(),
                created_at: now,
                updated_at: now,
            };
            tx.articles().insert(&article).await?;
            Ok(accounts)
        })?;
        for (i, (title, account, amount, fate)) in DEALS.iter().enumerate() {
            let owner = &managers[i % managers.len()];
            let (_, account_id, contact_id) = accounts.iter().find(|(name, ..)| name == account).expect("demo deals name demo accounts");
            let visits = match fate {
                Fate::Stay(n) | Fate::LostAt(n) | Fate::Stopped(n) => *n,
                Fate::Won => 4,
            };
            // Each deal is played on a clock of its own, from weeks ago, a few days per stage, so
            // that the history, the time in stage and the analytics read like a real pipeline.
            // Open deals made their last move within the last day; closed ones a week or more ago.
            let stage_days = jiff::SignedDuration::from_hours(24 * (2 + (i % 4) as i64));
            let ended_ago = match fate {
                Fate::Stay(_) => jiff::SignedDuration::from_hours(20 - i as i64),
                _ => jiff::SignedDuration::from_hours(24 * (7 + i as i64)),
            };
            let closing: i32 = if matches!(fate, Fate::Stay(_)) { 0 } else { 1 };
            let started_at = now - stage_days * (visits as i32 + closing) - ended_ago;
            let past = Services { clock: Clock::manual(started_at), ..self.clone() };
            // Closed deals were expected when they closed; open ones over the coming weeks.
            let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
            let expected_close = match fate {
                Fate::Stay(_) => today + jiff::Span::new().days(10 + 9 * i as i64),
                _ => (now - ended_ago).to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            };
            let opportunity = past
                .create_opportunity(
                    owner,
                    NewOpportunity {
                        title: (*title).into(),
                        account_id: Some(account_id.clone()),
                        contact_id: Some(contact_id.clone()),
                        amount: Some(Money::parse(amount).expect("demo amounts are valid")),
                        budget: Some(Money::parse(amount).expect("demo amounts are valid")),
                        need: Some("Автоматизировать продажи и отчётность / Automate sales and reporting".into()),
                        // Open deals are expected to close within the next weeks, likelier the further they got.
                        probability: matches!(fate, Fate::Stay(_)).then_some(20 + 20 * visits as u8),
                        close_date: Some(expected_close.to_string()),
                        ..NewOpportunity::default()
                    },
                )
                .await?;
            let via = if i % 2 == 0 { StartedVia::OpportunityPage } else { StartedVia::SidePanel };
            let started = past.start_process(owner, "enterprise-sale", Some(&opportunity.id), via).await?;
            for _ in 0..visits {
                past.clock.advance(stage_days);
                past.finish_current_visit(owner, &started.opportunity.id).await?;
            }
            past.clock.advance(stage_days * closing);
            match fate {
                Fate::LostAt(_) => {
                    let close = CloseInput {
                        stage: "closed_lost".into(),
                        hours_spent: Some(12.5),
                        // Codes of the lost-reasons lookup, as the close dialog stores them.
                        close_reason: Some(if i < 8 { "competitor" } else { "price" }.into()),
                        ..CloseInput::default()
                    };
                    past.close(owner, &opportunity.id, &close).await?;
                }
                Fate::Won => {
                    let figures = OpportunityChanges {
                        actual_revenue: Some(opportunity.amount),
                        hours_spent: Some(Some(40.0)),
                        ..OpportunityChanges::default()
                    };
                    past.update_opportunity(owner, &opportunity.id, figures, None).await?;
                }
                Fate::Stopped(_) => {
                    past.cancel_instance(owner, &started.instance.id).await?;
                }
                Fate::Stay(_) => {}
            }
        }
        self.create_activity(
            &managers[0],
            NewActivity {
                kind: ActivityType::Call,
                title: "Поздравить клиента с юбилеем компании".into(),
                owner_id: None,
                opportunity_id: None,
                account_id: None,
                contact_id: None,
                start_at: Some(now),
                due_at: now.checked_add(jiff::SignedDuration::from_hours(48)).ok(),
                duration_minutes: Some(15),
            },
        )
        .await?;
        for (i, (title, stage)) in [
            ("Запрос с выставки: складской учёт", "qualification"),
            ("Входящий звонок: обучение персонала", "distribution"),
            ("Заявка с сайта: интеграция с маркетплейсами", "handoff_to_sales"),
            ("Рекомендация партнёра: автоматизация закупок", "awaiting_sale"),
        ]
        .into_iter()
        .enumerate()
        {
            let owner = &managers[i % managers.len()];
            let (_, account_id, contact_id) = &accounts[i];
            let lead = self
                .create_lead(
                    owner,
                    NewLead {
                        title: title.into(),
                        need: Some("Уточнить объём работ / Scope to be clarified".into()),
                        contact_id: Some(contact_id.clone()),
                        account_id: Some(account_id.clone()),
                        owner_id: None,
                        budget: Money::parse("250000").ok(),
                    },
                )
                .await?;
            if stage != "qualification" {
                self.change_lead_stage(owner, &lead.id, stage).await?;
            }
        }
        let opportunities = self.store.read().await?.opportunities().count().await? as usize;
        Ok(Some(DemoSummary { users, opportunities }))
    }

    /// Completes every open activity of the current stage visit, so the process moves on.
    async fn finish_current_visit(&self, by: &Actor, opportunity_id: &str) -> Result<()> {
        let mut conn = self.store.read().await?;
        let Some(instance) = conn.processes().running_instance(opportunity_id).await? else { return Ok(()) };
        let open: Vec<String> =
            conn.activities().of_instance(&instance.id).await?.into_iter().filter(|a| a.status.is_open()).map(|a| a.id).collect();
        drop(conn);
        for id in open {
            self.complete_activity(by, &id, None, Some("demo")).await?;
        }
        Ok(())
    }
}
