//! First start on an empty database: lookups, settings, the Enterprise sale definition, and
//! the first admin. Safe to run at every start: it only adds what is missing.

use dealflow_core::lead::default_lead_stages;
use dealflow_core::records::{Role, SettingRecord};
use dealflow_core::{Locale, LocalizedText, ProcessDefinition, StageCatalog};

use super::{NewUser, Services};
use crate::error::{Result, ServiceError};
use dealflow_core::check::Invalid;

/// The process library as shipped: the Enterprise sale definition (the seed's), and the same
/// sale with exit criteria at its checkpoints.
pub const ENTERPRISE_SALE_TOML: &str = include_str!("../../../../processes/enterprise-sale.toml");
pub const ENTERPRISE_SALE_GUIDED_TOML: &str = include_str!("../../../../processes/enterprise-sale-guided.toml");

/// The shipped process documents, by file name.
const SHIPPED: [(&str, &str); 2] =
    [("processes/enterprise-sale.toml", ENTERPRISE_SALE_TOML), ("processes/enterprise-sale-guided.toml", ENTERPRISE_SALE_GUIDED_TOML)];

#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub admin_email: String,
    /// `None` generates one, which is returned once so it can be printed.
    pub admin_password: Option<String>,
}

#[derive(Clone)]
pub struct FirstAdmin {
    pub email: String,
    /// Set only when the password was generated.
    pub generated_password: Option<String>,
}

fn default_settings() -> Vec<SettingRecord> {
    let row = |key: &str, value: &str, ru: &str, en: &str| SettingRecord {
        key: key.into(),
        value: value.into(),
        description: LocalizedText::new(ru, en),
    };
    vec![
        row(
            "start_sales_process",
            "true",
            "Запускать процесс продажи: когда лид переходит на стадию «Ожидание продажи», по созданной продаже сам запускается процесс корпоративных продаж.",
            "Start the sales process: when a lead moves to Awaiting sale, the Enterprise sale process starts by itself on the opportunity created from it.",
        ),
        row(
            "sales_process",
            "\"enterprise-sale\"",
            "Процесс продажи команды — его код из библиотеки процессов. Он запускается по переданным лидам и предлагается на странице продажи; «Корпоративная продажа с контрольными точками» — та же продажа с условиями перехода между стадиями.",
            "The team's sales process, by its code: it starts on handed-off leads and is offered on an opportunity's page; \"enterprise-sale-guided\" is the same sale with checkpoints.",
        ),
        row(
            "currency",
            "\"RUB\"",
            "Валюта всех сумм: трёхбуквенный код по международному стандарту.",
            "The currency of all amounts: its three-letter ISO 4217 code.",
        ),
        row(
            "default_time_zone",
            "\"Europe/Moscow\"",
            "Часовой пояс тех, кто ещё не выбрал свой: браузер сообщает пояс при первом входе, а пока этого не было, время показывается в этом поясе.",
            "The time zone of people who have not chosen their own: a browser tells a person's zone at their first sign-in; until then times are shown in this one.",
        ),
        row(
            "working_days",
            "[1, 2, 3, 4, 5]",
            "Рабочие дни недели, числами от 1 (понедельник) до 7 (воскресенье): сроки шагов процесса отсчитываются в рабочих днях.",
            "The working days of the week, as numbers from 1 (Monday) to 7 (Sunday): the due offsets of process steps count working days.",
        ),
        row(
            "default_locale",
            "\"ru\"",
            "Язык по умолчанию для новых пользователей: русский или английский.",
            "The default language for new users: Russian or English.",
        ),
    ]
}

impl Services {
    /// Creates whatever of the initial data is missing. Returns the first admin when one was made.
    pub async fn bootstrap(&self, options: &Bootstrap) -> Result<Option<FirstAdmin>> {
        let now = self.clock.now();
        in_write!(self, |tx| {
            {
                if tx.stages().catalog().await?.all().is_empty() {
                    for stage in StageCatalog::defaults().all() {
                        tx.stages().insert(stage).await?;
                    }
                }
                if tx.lead_stages().list().await?.is_empty() {
                    for stage in default_lead_stages() {
                        tx.lead_stages().insert(&stage).await?;
                    }
                }
                for setting in default_settings() {
                    tx.settings().ensure(&setting, now).await?;
                }
                for shipped in shipped_definitions(&tx.stages().catalog().await?)? {
                    match tx.processes().current(&shipped.code).await {
                        Err(dealflow_store::StoreError::NotFound) => {
                            tx.processes().publish(&shipped, None, now).await?;
                        }
                        other => {
                            other?;
                        }
                    }
                }
                Ok(())
            }
        })?;
        if self.store.read().await?.users().count().await? > 0 {
            return Ok(None);
        }
        let generated = options.admin_password.is_none().then(crate::password::generate);
        let password = options.admin_password.clone().or(generated.clone()).expect("a password was given or generated");
        let admin = NewUser {
            email: options.admin_email.clone(),
            name: "Administrator".into(),
            role: Role::Admin,
            supervisor_id: None,
            locale: Some(Locale::Ru),
            time_zone: None,
            password,
        };
        match self.add_user(admin).await {
            // Another node made the first admin at the same moment.
            Err(ServiceError::AlreadyExists(_)) => Ok(None),
            Err(e) => Err(e),
            Ok(user) => Ok(Some(FirstAdmin { email: user.email, generated_password: generated })),
        }
    }
}

/// The Enterprise sale as shipped, checked against the installation's stages.
pub fn shipped_definition(stages: &StageCatalog) -> Result<ProcessDefinition> {
    let (file, text) = SHIPPED[0];
    parse_shipped(file, text, stages)
}

/// Every shipped definition, checked against the installation's stages.
pub fn shipped_definitions(stages: &StageCatalog) -> Result<Vec<ProcessDefinition>> {
    SHIPPED.iter().map(|(file, text)| parse_shipped(file, text, stages)).collect()
}

fn parse_shipped(file: &str, text: &str, stages: &StageCatalog) -> Result<ProcessDefinition> {
    ProcessDefinition::parse_toml(text, stages).map_err(|problems| {
        let detail = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        ServiceError::invalid(file, Invalid::Definition { en: detail.clone(), ru: detail, line: None })
    })
}
