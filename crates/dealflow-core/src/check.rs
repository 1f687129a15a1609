//! Problems with what a person or a client sent, as typed values with the field they are about,
//! and the checks that several places share, each written once. Words come last: the API and
//! the web app render a problem through [`Invalid::message`] in the reader's language, and
//! clients rely on [`Invalid::code`], which never changes.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::{Locale, Money, StageCode};

/// `title` and `name` fields: at most this many characters (SPEC §5.1).
pub const MAX_TITLE: usize = 500;
/// Other text: at most this many characters.
pub const MAX_TEXT: usize = 20_000;
/// Passwords: at least this many characters.
pub const MIN_PASSWORD: usize = 8;
/// Calendar dates outside these years are refused: nobody plans a deal in them, and date
/// arithmetic near the ends of the calendar would overflow.
pub const YEARS: std::ops::RangeInclusive<i16> = 1900..=2999;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Missing or empty.
    Required,
    /// A field this request does not take.
    UnknownField,
    /// A field that cannot be set here.
    ReadOnly,
    /// Text where a number belongs, an object where a list belongs, and the like.
    WrongType,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    TooMany {
        max: usize,
    },
    AtLeast {
        min: i64,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    NotAnEmail,
    /// Not an absolute `http://` or `https://` address.
    NotAWebAddress,
    NotMoney,
    NotHours,
    /// Not a date written `YYYY-MM-DD` within [`YEARS`].
    NotADate,
    /// Not a time in RFC 3339.
    NotATime,
    NotADateOrTime,
    /// Not a time of day written `HH:MM`.
    NotATimeOfDay,
    /// The end of a period is not after its start.
    EndBeforeStart,
    WindowTooLong {
        max_days: u32,
    },
    /// Not one of the values this field takes.
    NotOneOf {
        allowed: Vec<String>,
    },
    NotACode,
    NotACurrency,
    /// Not a time zone of the IANA database, such as `Europe/Moscow`.
    UnknownTimeZone,
    /// Not a list of ISO weekdays (1 Monday … 7 Sunday), at least one.
    NotWeekdays,
    /// Names a record that does not exist, or that the reader may not see.
    UnknownReference,
    /// Names a user who can no longer sign in.
    Deactivated,
    /// Assigns a record to someone outside the reader's team.
    NotInTeam,
    UnknownStage,
    InactiveStage,
    NotAFinalStage,
    /// The lookup has no active stage to use.
    NoActiveStage,
    UnknownResult,
    ProcessInactive,
    /// In use, so it may only be deactivated.
    InUse,
    /// A used stage's final and won flags are fixed.
    FinalityLocked,
    SelfSupervision,
    SelfDemotion,
    WrongPassword,
    /// A process activity's title comes from its process.
    SetByProcess,
    /// An activity finishes through completing or cancelling it, not an edit.
    FinishedByCommand,
    /// A process document names another process than the address.
    CodeMismatch {
        document: String,
        address: String,
    },
    /// A problem the process definition checker found, already in both languages, with the
    /// line of the document it is on.
    Definition {
        en: String,
        ru: String,
        line: Option<usize>,
    },
    NulCharacter,
    BadCursor,
    /// An `Idempotency-Key` sent again with another request.
    KeyReused,
}

/// A problem with the field at `field` (a path such as `participants[1].role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub invalid: Invalid,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, invalid: Invalid) -> FieldProblem {
        FieldProblem { field: field.into(), invalid }
    }
}

/// The problems of a whole input, collected so that every one is reported at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    /// The checked value, or `None` with its problem noted against `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|invalid| self.add(field, invalid)).ok()
    }

    pub fn add(&mut self, field: &str, invalid: Invalid) {
        self.0.push(FieldProblem::new(field, invalid));
    }

    /// Notes against `field` a text, when one is given, of more than `max` characters.
    pub fn within(&mut self, field: &str, text: Option<&str>, max: usize) {
        if let Some(text) = text {
            self.check(field, within(text, max));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was wrong.
    pub fn finish(self) -> Result<(), Vec<FieldProblem>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }

    pub fn into_vec(self) -> Vec<FieldProblem> {
        self.0
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

impl Invalid {
    /// Every kind of problem, one example each: for tests that render them all.
    pub fn examples() -> Vec<Invalid> {
        vec![
            Invalid::Required,
            Invalid::UnknownField,
            Invalid::ReadOnly,
            Invalid::WrongType,
            Invalid::TooLong { max: MAX_TITLE },
            Invalid::TooShort { min: MIN_PASSWORD },
            Invalid::TooMany { max: 50 },
            Invalid::AtLeast { min: 1 },
            Invalid::OutOfRange { min: 0, max: 100 },
            Invalid::NotAnEmail,
            Invalid::NotAWebAddress,
            Invalid::NotMoney,
            Invalid::NotHours,
            Invalid::NotADate,
            Invalid::NotATime,
            Invalid::NotADateOrTime,
            Invalid::NotATimeOfDay,
            Invalid::EndBeforeStart,
            Invalid::WindowTooLong { max_days: 366 },
            Invalid::NotOneOf { allowed: vec!["ru".into(), "en".into()] },
            Invalid::NotACode,
            Invalid::NotACurrency,
            Invalid::UnknownTimeZone,
            Invalid::NotWeekdays,
            Invalid::UnknownReference,
            Invalid::Deactivated,
            Invalid::NotInTeam,
            Invalid::UnknownStage,
            Invalid::InactiveStage,
            Invalid::NotAFinalStage,
            Invalid::NoActiveStage,
            Invalid::UnknownResult,
            Invalid::ProcessInactive,
            Invalid::InUse,
            Invalid::FinalityLocked,
            Invalid::SelfSupervision,
            Invalid::SelfDemotion,
            Invalid::WrongPassword,
            Invalid::SetByProcess,
            Invalid::FinishedByCommand,
            Invalid::CodeMismatch { document: "other".into(), address: "enterprise-sale".into() },
            Invalid::Definition {
                en: "This must be a final stage.".into(), ru: "Здесь нужна конечная стадия.".into(), line: Some(7)
            },
            Invalid::NulCharacter,
            Invalid::BadCursor,
            Invalid::KeyReused,
        ]
    }

    /// The stable machine code of this kind of problem.
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Required => "required",
            Invalid::UnknownField => "unknown_field",
            Invalid::ReadOnly => "read_only",
            Invalid::WrongType => "wrong_type",
            Invalid::TooLong { .. } => "too_long",
            Invalid::TooShort { .. } => "too_short",
            Invalid::TooMany { .. } => "too_many",
            Invalid::AtLeast { .. } => "at_least",
            Invalid::OutOfRange { .. } => "out_of_range",
            Invalid::NotAnEmail => "not_an_email",
            Invalid::NotAWebAddress => "not_a_web_address",
            Invalid::NotMoney => "not_money",
            Invalid::NotHours => "not_hours",
            Invalid::NotADate => "not_a_date",
            Invalid::NotATime => "not_a_time",
            Invalid::NotADateOrTime => "not_a_date_or_time",
            Invalid::NotATimeOfDay => "not_a_time_of_day",
            Invalid::EndBeforeStart => "end_before_start",
            Invalid::WindowTooLong { .. } => "window_too_long",
            Invalid::NotOneOf { .. } => "not_one_of",
            Invalid::NotACode => "not_a_code",
            Invalid::NotACurrency => "not_a_currency",
            Invalid::UnknownTimeZone => "unknown_time_zone",
            Invalid::NotWeekdays => "not_weekdays",
            Invalid::UnknownReference => "unknown_reference",
            Invalid::Deactivated => "deactivated",
            Invalid::NotInTeam => "not_in_team",
            Invalid::UnknownStage => "unknown_stage",
            Invalid::InactiveStage => "inactive_stage",
            Invalid::NotAFinalStage => "not_a_final_stage",
            Invalid::NoActiveStage => "no_active_stage",
            Invalid::UnknownResult => "unknown_result",
            Invalid::ProcessInactive => "process_inactive",
            Invalid::InUse => "in_use",
            Invalid::FinalityLocked => "finality_locked",
            Invalid::SelfSupervision => "self_supervision",
            Invalid::SelfDemotion => "self_demotion",
            Invalid::WrongPassword => "wrong_password",
            Invalid::SetByProcess => "set_by_process",
            Invalid::FinishedByCommand => "finished_by_command",
            Invalid::CodeMismatch { .. } => "code_mismatch",
            Invalid::Definition { .. } => "invalid_definition",
            Invalid::NulCharacter => "nul_character",
            Invalid::BadCursor => "bad_cursor",
            Invalid::KeyReused => "key_reused",
        }
    }

    /// The bounds a client may want besides the words: `(min, max)`.
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        let size = |n: usize| i64::try_from(n).ok();
        match self {
            Invalid::TooLong { max } | Invalid::TooMany { max } => (None, size(*max)),
            Invalid::TooShort { min } => (size(*min), None),
            Invalid::AtLeast { min } => (Some(*min), None),
            Invalid::OutOfRange { min, max } => (Some(*min), Some(*max)),
            Invalid::WindowTooLong { max_days } => (None, Some(i64::from(*max_days))),
            _ => (None, None),
        }
    }

    /// What is wrong, said to the person who sent it, in their language.
    pub fn message(&self, locale: Locale) -> String {
        let ru = locale == Locale::Ru;
        let pick = |ru_text: &str, en_text: &str| if ru { ru_text.to_owned() } else { en_text.to_owned() };
        match self {
            Invalid::Required => pick("Заполните это поле.", "Fill in this field."),
            Invalid::UnknownField => pick("Такого поля здесь нет.", "This field is not taken here."),
            Invalid::ReadOnly => pick("Это поле здесь не изменить.", "This field cannot be changed here."),
            Invalid::WrongType => pick(
                "Значение не того вида: проверьте, число это, текст или флажок.",
                "This value is of the wrong kind: check whether it should be a number, a text or true/false.",
            ),
            Invalid::TooLong { max } => {
                if ru {
                    format!("Слишком длинно: не больше {max} символов.")
                } else {
                    format!("Too long: at most {max} characters.")
                }
            }
            Invalid::TooShort { min } => {
                if ru {
                    format!("Слишком коротко: не меньше {min} символов.")
                } else {
                    format!("Too short: at least {min} characters.")
                }
            }
            Invalid::TooMany { max } => {
                if ru {
                    format!("Не больше {max} значений.")
                } else {
                    format!("At most {max} values.")
                }
            }
            Invalid::AtLeast { min } => {
                if ru {
                    format!("Введите число не меньше {min}.")
                } else {
                    format!("Enter a number of at least {min}.")
                }
            }
            Invalid::OutOfRange { min, max } => {
                if ru {
                    format!("Введите целое число от {min} до {max}.")
                } else {
                    format!("Enter a whole number from {min} to {max}.")
                }
            }
            Invalid::NotAnEmail => pick("Укажите адрес эл. почты.", "Enter an email address."),
            Invalid::NotAWebAddress => pick(
                "Укажите полный адрес, начинающийся с https:// или http://.",
                "Enter a full address starting with https:// or http://.",
            ),
            Invalid::NotMoney => pick(
                "Введите сумму не меньше нуля, например 150000 или 150000,50.",
                "Enter an amount of zero or more, such as 150000 or 150000.50.",
            ),
            Invalid::NotHours => pick("Введите число часов, ноль или больше.", "Enter a number of hours, zero or more."),
            Invalid::NotADate => pick("Введите дату в виде ГГГГ-ММ-ДД.", "Enter a date as YYYY-MM-DD."),
            Invalid::NotATime => {
                pick("Введите время по RFC 3339, например 2026-11-28T09:00:00Z.", "Enter a time in RFC 3339, such as 2026-11-28T09:00:00Z.")
            }
            Invalid::NotADateOrTime => {
                pick("Введите дату (ГГГГ-ММ-ДД) или время по RFC 3339.", "Enter a date (YYYY-MM-DD) or a time in RFC 3339.")
            }
            Invalid::NotATimeOfDay => pick("Введите время в виде ЧЧ:ММ, например 09:30.", "Enter a time as HH:MM, such as 09:30."),
            Invalid::EndBeforeStart => pick("Конец периода должен быть позже начала.", "The end of the period must come after its start."),
            Invalid::WindowTooLong { max_days } => {
                if ru {
                    format!("Период — не длиннее {max_days} дней.")
                } else {
                    format!("The period may be at most {max_days} days long.")
                }
            }
            Invalid::NotOneOf { allowed } => {
                if ru {
                    format!("Выберите одно из: {}.", list(allowed))
                } else {
                    format!("Choose one of: {}.", list(allowed))
                }
            }
            Invalid::NotACode => pick(
                "Код — строчные латинские буквы, цифры и подчёркивание, начиная с буквы.",
                "A code is lower-case latin letters, digits and underscores, starting with a letter.",
            ),
            Invalid::NotACurrency => pick("Трёхбуквенный код валюты, например RUB.", "A three-letter currency code such as RUB."),
            Invalid::UnknownTimeZone => {
                pick("Выберите часовой пояс из списка, например Europe/Moscow.", "Choose a time zone from the list, such as Europe/Moscow.")
            }
            Invalid::NotWeekdays => pick(
                "Укажите рабочие дни числами от 1 (понедельник) до 7 (воскресенье), хотя бы один.",
                "List the working days as numbers from 1 (Monday) to 7 (Sunday), at least one.",
            ),
            Invalid::UnknownReference => pick("Такой записи нет.", "There is no such record."),
            Invalid::Deactivated => pick("Этот пользователь отключён.", "This user is deactivated."),
            Invalid::NotInTeam => pick("Можно назначить только себя или свою команду.", "You may assign only yourself or your team."),
            Invalid::UnknownStage => pick("Такой стадии нет.", "There is no such stage."),
            Invalid::InactiveStage => pick("Эта стадия не активна.", "This stage is not active."),
            Invalid::NotAFinalStage => pick("Выберите итоговую стадию.", "Choose a final stage."),
            Invalid::NoActiveStage => pick(
                "Нет ни одной действующей стадии: попросите администратора включить стадию.",
                "No stage is active: ask an administrator to activate one.",
            ),
            Invalid::UnknownResult => pick("Выберите результат из списка.", "Choose one of this activity's results."),
            Invalid::ProcessInactive => pick("Этот процесс выключен.", "This process is switched off."),
            Invalid::InUse => pick("Это уже используется — можно только выключить.", "This is in use; it can only be deactivated."),
            Invalid::FinalityLocked => pick(
                "Продажи уже проходили эту стадию: нельзя менять, завершающая ли она и победная ли.",
                "Opportunities have been through this stage: whether it is final or won cannot change.",
            ),
            Invalid::SelfSupervision => {
                pick("Пользователь не может быть руководителем самому себе.", "A user cannot be their own supervisor.")
            }
            Invalid::SelfDemotion => pick(
                "Нельзя отключить себя или снять с себя роль администратора: попросите другого администратора.",
                "You cannot deactivate yourself or give up your own administrator role: ask another administrator.",
            ),
            Invalid::WrongPassword => pick("Это не ваш текущий пароль.", "This is not your current password."),
            Invalid::SetByProcess => pick(
                "Название задачи процесса задаёт процесс; его нельзя изменить.",
                "The process names its activities; this title cannot change.",
            ),
            Invalid::FinishedByCommand => pick(
                "Активность завершают выполнением или отменой, а не правкой.",
                "An activity is finished by completing or cancelling it, not by an edit.",
            ),
            Invalid::CodeMismatch { document, address } => {
                if ru {
                    format!("В документе процесс «{document}», а здесь можно загрузить только «{address}».")
                } else {
                    format!("The document is the process “{document}”, but only “{address}” can be uploaded here.")
                }
            }
            Invalid::Definition { en, ru: ru_text, .. } => pick(ru_text, en),
            Invalid::NulCharacter => pick("Текст не может содержать символ NUL.", "Text may not contain NUL characters."),
            Invalid::BadCursor => pick("Эту позицию в списке выдал не этот сервер.", "This cursor was not given out by this server."),
            Invalid::KeyReused => {
                pick("Этот ключ уже использован для другого запроса.", "This key was already used for a different request.")
            }
        }
    }
}

/// A name or title: trimmed, present, at most [`MAX_TITLE`] characters.
pub fn title(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::Required);
    }
    within(text, MAX_TITLE)?;
    Ok(text.to_owned())
}

/// Text of at most `max` characters.
pub fn within(text: &str, max: usize) -> Result<(), Invalid> {
    if text.chars().count() > max { Err(Invalid::TooLong { max }) } else { Ok(()) }
}

/// An email address: something before and after one `@`, no spaces, at most 254 characters.
pub fn email(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    let shaped = match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if !shaped || text.len() > 254 || text.chars().any(char::is_whitespace) {
        return Err(Invalid::NotAnEmail);
    }
    Ok(text.to_owned())
}

pub fn password(text: &str) -> Result<(), Invalid> {
    if text.chars().count() < MIN_PASSWORD { Err(Invalid::TooShort { min: MIN_PASSWORD }) } else { Ok(()) }
}

/// A probability or any other share in whole percent.
pub fn percent(value: i64) -> Result<u8, Invalid> {
    u8::try_from(value).ok().filter(|p| *p <= 100).ok_or(Invalid::OutOfRange { min: 0, max: 100 })
}

/// The most days a stage's next-step period may be (a year); 0 turns the watchdog off there.
pub const MAX_NEXT_STEP_DAYS: u16 = 365;

/// A stage's period for planning the next step, in days.
pub fn next_step_days(value: i64) -> Result<u16, Invalid> {
    u16::try_from(value).ok().filter(|d| *d <= MAX_NEXT_STEP_DAYS).ok_or(Invalid::OutOfRange { min: 0, max: i64::from(MAX_NEXT_STEP_DAYS) })
}

/// A percentage as typed into a form.
pub fn percent_text(text: &str) -> Result<u8, Invalid> {
    text.trim().parse::<i64>().map_err(|_| Invalid::OutOfRange { min: 0, max: 100 }).and_then(percent)
}

/// The most hours a deal can have taken: eleven years of days and nights. More is a typing
/// error, and a sum of such numbers stops being a number.
pub const MAX_HOURS: i64 = 100_000;

/// Hours spent: a finite number, zero or more, up to `MAX_HOURS`.
pub fn hours(value: f64) -> Result<f64, Invalid> {
    if !value.is_finite() || value < 0.0 {
        Err(Invalid::NotHours)
    } else if value > MAX_HOURS as f64 {
        Err(Invalid::OutOfRange { min: 0, max: MAX_HOURS })
    } else {
        Ok(value)
    }
}

/// Hours as typed into a form: a decimal point or comma.
pub fn hours_text(text: &str) -> Result<f64, Invalid> {
    text.trim().replace(',', ".").parse::<f64>().map_err(|_| Invalid::NotHours).and_then(hours)
}

/// Money as a client sends it: a decimal string with at most two fractional digits, not negative.
pub fn money(text: &str) -> Result<Money, Invalid> {
    Money::parse(text).map_err(|_| Invalid::NotMoney)
}

/// Money as a person types it: spaces between digit groups and a decimal comma are fine.
pub fn money_text(text: &str) -> Result<Money, Invalid> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace(',', ".");
    money(&cleaned)
}

/// A calendar date written `YYYY-MM-DD`, within [`YEARS`].
pub fn day(text: &str) -> Result<Date, Invalid> {
    let text = text.trim();
    text.parse::<Date>().ok().filter(|d| text.len() == 10 && YEARS.contains(&d.year())).ok_or(Invalid::NotADate)
}

/// A time of day written `HH:MM` (seconds allowed), as time inputs send it.
pub fn time_of_day(text: &str) -> Result<jiff::civil::Time, Invalid> {
    let text = text.trim();
    text.parse::<jiff::civil::Time>().ok().filter(|_| (5..=8).contains(&text.len())).ok_or(Invalid::NotATimeOfDay)
}

/// A time in RFC 3339, such as `2026-11-28T09:00:00Z`.
pub fn instant(text: &str) -> Result<Timestamp, Invalid> {
    text.trim().parse::<Timestamp>().map_err(|_| Invalid::NotATime)
}

/// A stable identifier: lower-case latin letters, digits and `_`, starting with a letter.
pub fn code(text: &str) -> Result<StageCode, Invalid> {
    StageCode::parse(text.trim()).map_err(|_| Invalid::NotACode)
}

/// A currency's ISO 4217 code.
pub fn currency(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) { Ok(text.to_owned()) } else { Err(Invalid::NotACurrency) }
}

/// A time zone of the IANA database, by its name: `Europe/Moscow`, `UTC`.
pub fn time_zone(text: &str) -> Result<(String, jiff::tz::TimeZone), Invalid> {
    let text = text.trim();
    match jiff::tz::TimeZone::get(text) {
        Ok(zone) if !text.is_empty() && text.len() <= 64 => Ok((text.to_owned(), zone)),
        _ => Err(Invalid::UnknownTimeZone),
    }
}

/// Working days as ISO weekday numbers (1 Monday … 7 Sunday), each once, at least one.
pub fn weekdays(value: &serde_json::Value) -> Result<Vec<i8>, Invalid> {
    let items = value.as_array().ok_or(Invalid::NotWeekdays)?;
    let mut days = Vec::with_capacity(items.len());
    for item in items {
        let day = item.as_i64().filter(|d| (1..=7).contains(d)).ok_or(Invalid::NotWeekdays)?;
        let day = i8::try_from(day).map_err(|_| Invalid::NotWeekdays)?;
        if days.contains(&day) {
            return Err(Invalid::NotWeekdays);
        }
        days.push(day);
    }
    if days.is_empty() {
        return Err(Invalid::NotWeekdays);
    }
    days.sort_unstable();
    Ok(days)
}

/// One of `allowed`, exactly.
pub fn one_of<'a>(text: &str, allowed: &[&'a str]) -> Result<&'a str, Invalid> {
    allowed
        .iter()
        .find(|a| **a == text)
        .copied()
        .ok_or_else(|| Invalid::NotOneOf { allowed: allowed.iter().map(|a| (*a).to_owned()).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every problem reads as a sentence in each language, in that language's own script: no
    /// Latin words in Russian (but for codes, formats and names that are the same in both) and
    /// no Cyrillic in English.
    #[test]
    fn every_problem_is_written_in_both_languages_each_in_its_script() {
        let latin_allowed =
            ["https://", "http://", "Europe/Moscow", "enterprise-sale", "2026-11-28T09:00:00Z", "other", "RFC", "RUB", "NUL", "ru", "en"];
        let mut codes = std::collections::BTreeSet::new();
        for invalid in Invalid::examples() {
            assert!(codes.insert(invalid.code()), "a code is used once: {}", invalid.code());
            let (ru, en) = (invalid.message(Locale::Ru), invalid.message(Locale::En));
            assert_ne!(ru, en, "{invalid:?}");
            assert!(ru.ends_with('.') && en.ends_with('.'), "{invalid:?}: sentences");
            let mut latin = ru.clone();
            for word in latin_allowed {
                latin = latin.replace(word, "");
            }
            assert!(!latin.chars().any(|c| c.is_ascii_alphabetic()), "Latin letters in {ru:?}");
            assert!(!en.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c)), "Cyrillic in {en:?}");
        }
    }

    #[test]
    fn shared_checks_parse_what_people_and_clients_send() {
        assert_eq!(title("  Deal  "), Ok("Deal".into()));
        assert_eq!(title(" "), Err(Invalid::Required));
        assert_eq!(title(&"я".repeat(501)), Err(Invalid::TooLong { max: 500 }));
        assert_eq!(email("a@b"), Ok("a@b".into()));
        assert_eq!(email("a b@c"), Err(Invalid::NotAnEmail));
        assert_eq!(email("@c"), Err(Invalid::NotAnEmail));
        assert_eq!(percent(101), Err(Invalid::OutOfRange { min: 0, max: 100 }));
        assert_eq!(hours(100_000.0), Ok(100_000.0));
        assert_eq!(hours(1.7e308), Err(Invalid::OutOfRange { min: 0, max: MAX_HOURS }));
        assert_eq!(hours_text("100000,5"), Err(Invalid::OutOfRange { min: 0, max: MAX_HOURS }));
        assert_eq!(percent_text("55"), Ok(55));
        assert_eq!(hours_text("12,5"), Ok(12.5));
        assert_eq!(hours(-1.0), Err(Invalid::NotHours));
        assert_eq!(money_text("150 000,50"), Ok(Money::parse("150000.50").unwrap()));
        assert_eq!(money_text("-5"), Err(Invalid::NotMoney));
        assert_eq!(money("1.005"), Err(Invalid::NotMoney));
        assert!(day("2026-02-28").is_ok());
        assert_eq!(day("2026-02-30"), Err(Invalid::NotADate));
        assert_eq!(day("9999-12-26"), Err(Invalid::NotADate));
        assert_eq!(day("26.02.2026"), Err(Invalid::NotADate));
        assert_eq!(instant("2026-11-28T09:00:00Z").map(|t| t.as_second()), Ok(1_795_856_400));
        assert_eq!(code("Bad-Code"), Err(Invalid::NotACode));
        assert_eq!(currency("rub"), Err(Invalid::NotACurrency));
        assert_eq!(one_of("en", &["ru", "en"]), Ok("en"));
        assert_eq!(time_of_day("09:30").map(|t| (t.hour(), t.minute())), Ok((9, 30)));
        assert_eq!(time_of_day("25:00"), Err(Invalid::NotATimeOfDay));
        assert_eq!(time_of_day("9"), Err(Invalid::NotATimeOfDay));
        assert_eq!(time_zone(" Europe/Moscow ").map(|(name, _)| name), Ok("Europe/Moscow".into()));
        assert_eq!(time_zone("Mars/Olympus").map(|(name, _)| name), Err(Invalid::UnknownTimeZone));
        assert_eq!(weekdays(&serde_json::json!([5, 1, 2])), Ok(vec![1, 2, 5]));
        for wrong in [serde_json::json!([]), serde_json::json!([0]), serde_json::json!([1, 1]), serde_json::json!("1-5")] {
            assert_eq!(weekdays(&wrong), Err(Invalid::NotWeekdays), "{wrong}");
        }
    }
}
