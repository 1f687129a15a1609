//! Error policy: services answer `ServiceError`, an enum with meaning — a record missing or out
//! of the reader's sight, an action the reader's role does not allow, typed problems with the
//! input (each with its field), the engine's refusals, version conflicts. Storage failures that are
//! not about the request stay `Store`; the API turns them into a 500 that says nothing internal
//! and the pages into their error page. Each front end maps the variants once (`api::problem`,
//! `pages::PageError`); the words for a person come from [`ServiceError::message`] and
//! [`dealflow_core::check::Invalid::message`] in the reader's language.

use dealflow_core::check::{FieldProblem, Invalid};
use dealflow_core::{EngineError, Locale};
use dealflow_store::StoreError;

/// Why an action was refused to someone who may see the record (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// Lookups, settings, users and the process library are changed by administrators.
    AdminOnly,
    /// Accounts and contacts are changed by their owner, the owner's supervisor or an administrator.
    OwnerOrSupervisor,
    /// An article is changed by its author or an administrator.
    AuthorOrAdmin,
    /// A user changes their own name, language and password; the rest is an administrator's.
    OwnProfileOnly,
    /// Only an administrator changes other users.
    OtherUsers,
    /// Exit criteria are overridden by a supervisor or an administrator.
    SupervisorOrAdmin,
    /// Imports are made by supervisors and administrators.
    ImportersOnly,
}

impl Forbidden {
    pub fn message(self, locale: Locale) -> &'static str {
        let (ru, en) = match self {
            Forbidden::AdminOnly => ("Это может сделать только администратор.", "Only an administrator may do this."),
            Forbidden::OwnerOrSupervisor => (
                "Изменить это могут только ответственный, его руководитель или администратор.",
                "Only the owner, their supervisor or an administrator may change this.",
            ),
            Forbidden::AuthorOrAdmin => {
                ("Статью изменяют только её автор или администратор.", "Only the author or an administrator may change this article.")
            }
            Forbidden::OwnProfileOnly => {
                ("Роль, руководителя и доступ меняет администратор.", "Your role, supervisor and status are changed by an administrator.")
            }
            Forbidden::OtherUsers => {
                ("Других пользователей изменяет только администратор.", "Only an administrator may change other users.")
            }
            Forbidden::SupervisorOrAdmin => (
                "Перевести продажу дальше без выполненных условий может только руководитель или администратор.",
                "Only a supervisor or an administrator may move a deal on with its exit criteria unmet.",
            ),
            Forbidden::ImportersOnly => {
                ("Загружать данные из файлов могут руководители и администраторы.", "Only supervisors and administrators may import files.")
            }
        };
        if locale == Locale::Ru { ru } else { en }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Missing, or not visible to the reader: answered alike so that ids cannot be probed.
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0:?}")]
    Forbidden(Forbidden),
    /// The engine's refusals that are conflicts with the record's state (its field problems
    /// arrive as `Invalid`).
    #[error(transparent)]
    Engine(EngineError),
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("the record changed: its version is now {current}")]
    VersionConflict { current: i64 },
    /// An `If-Match` precondition did not hold.
    #[error("the record changed: its version is now {current}")]
    PreconditionFailed { current: i64 },
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed sign-ins")]
    RateLimited,
    #[error("the opportunity is not won")]
    OpportunityNotWon,
    /// A unique value already taken: the field it is about.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// An import that is being worked through, or has been imported, takes no new pass.
    #[error("the import is running or done")]
    ImportBusy,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Store(other),
        }
    }
}

/// The engine's refusals that are about a field of the request become problems with that field.
impl From<EngineError> for ServiceError {
    fn from(error: EngineError) -> Self {
        let field = |field: &str, invalid: Invalid| ServiceError::invalid(field, invalid);
        match error {
            EngineError::ActivityNotFound => ServiceError::NotFound,
            EngineError::UnknownResult(_) => field("result", Invalid::UnknownResult),
            EngineError::UnknownStage(_) => field("stage", Invalid::UnknownStage),
            EngineError::InactiveStage(_) => field("stage", Invalid::InactiveStage),
            EngineError::NotAFinalStage(_) => field("stage", Invalid::NotAFinalStage),
            EngineError::ProcessInactive => field("code", Invalid::ProcessInactive),
            conflict => ServiceError::Engine(conflict),
        }
    }
}

impl From<FieldProblem> for ServiceError {
    fn from(problem: FieldProblem) -> Self {
        ServiceError::Invalid(vec![problem])
    }
}

impl ServiceError {
    pub fn invalid(field: &str, invalid: Invalid) -> ServiceError {
        ServiceError::Invalid(vec![FieldProblem::new(field, invalid)])
    }

    /// What went wrong, for the person who asked, in their language; `None` for failures that
    /// are ours, not theirs.
    pub fn message(&self, locale: Locale) -> Option<String> {
        let ru = locale == Locale::Ru;
        let pick = |ru_text: &str, en_text: &str| Some(if ru { ru_text.to_owned() } else { en_text.to_owned() });
        match self {
            ServiceError::NotFound => {
                pick("Такой записи нет или она вам недоступна.", "This record does not exist or is not available to you.")
            }
            ServiceError::Forbidden(why) => Some(why.message(locale).to_owned()),
            ServiceError::Engine(EngineError::OpportunityClosed) => {
                pick("Продажа уже закрыта: стадию изменить нельзя.", "The opportunity is already closed: its stage cannot change.")
            }
            ServiceError::Engine(EngineError::ProcessAlreadyRunning) => {
                pick("На этой продаже процесс уже запущен.", "A process is already running on this opportunity.")
            }
            ServiceError::Engine(EngineError::ActivityNotOpen) => {
                pick("Эта активность уже завершена или отменена.", "This activity is already finished or cancelled.")
            }
            ServiceError::Engine(EngineError::ProcessNotRunning) => {
                pick("На этой продаже процесс сейчас не идёт.", "No process is running on this opportunity.")
            }
            ServiceError::Engine(EngineError::ExitCriteriaUnmet(unmet)) => {
                let list = unmet.iter().map(|u| u.message.get(locale)).collect::<Vec<_>>().join("; ");
                Some(if ru {
                    format!("Прежде чем продажа пойдёт дальше: {list}.")
                } else {
                    format!("Before the deal moves on: {list}.")
                })
            }
            // The others arrive as field problems; one built by hand reads as they would.
            ServiceError::Engine(other) => ServiceError::from(other.clone()).message(locale),
            ServiceError::Invalid(problems) => Some(problems.iter().map(|p| p.invalid.message(locale)).collect::<Vec<_>>().join(" ")),
            ServiceError::VersionConflict { current } | ServiceError::PreconditionFailed { current } => Some(if ru {
                format!("Пока вы смотрели, запись изменил кто-то другой (теперь версия {current}). Проверьте и повторите.")
            } else {
                format!("Someone else changed this record while you were looking (its version is now {current}). Check and try again.")
            }),
            ServiceError::BadCredentials => pick("Неверная эл. почта или пароль.", "Wrong email or password."),
            ServiceError::RateLimited => pick(
                "Слишком много неудачных попыток входа. Повторите через 15 минут.",
                "Too many failed sign-ins. Try again in 15 minutes.",
            ),
            ServiceError::OpportunityNotWon => {
                pick("Заказ создаётся только из выигранной продажи.", "Orders are made from won opportunities only.")
            }
            ServiceError::AlreadyExists(_) => pick("Такая запись уже есть.", "This already exists."),
            ServiceError::ImportBusy => pick(
                "Этот импорт сейчас выполняется или уже выполнен; для нового загрузите файл ещё раз.",
                "This import is running or already done; upload the file again for a new one.",
            ),
            ServiceError::Store(_) => None,
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
