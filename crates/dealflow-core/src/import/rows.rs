//! One row of an import turned into the records it names — an account, a contact, an
//! opportunity, an activity, any of them — each value checked and typed, or every problem the
//! row has, each with its column and the typed problem the API and the pages already explain.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use super::Field;
use crate::check::{self, Invalid, MAX_TITLE};
use crate::definition::ActivityType;
use crate::{Money, StageCatalog, StageCode};

/// What an import does with a record that matches one already there (contacts by e-mail,
/// accounts by tax number or name, opportunities by title within their account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedupe {
    /// Fill the match's fields from the row, and link the row's other records to it.
    Update,
    /// Leave the match as it is, and link the row's other records to it.
    Skip,
    /// Make a new record all the same.
    Create,
}

impl Dedupe {
    pub const ALL: [Dedupe; 3] = [Dedupe::Update, Dedupe::Skip, Dedupe::Create];

    pub fn as_str(self) -> &'static str {
        match self {
            Dedupe::Update => "update",
            Dedupe::Skip => "skip",
            Dedupe::Create => "create",
        }
    }

    pub fn parse(code: &str) -> Option<Dedupe> {
        Dedupe::ALL.into_iter().find(|d| d.as_str() == code)
    }
}

/// Someone a row may name as the owner of its opportunity.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub active: bool,
    /// Whether the importer may give them work.
    pub manageable: bool,
}

/// What rows are checked against: the stages, the people, the importer and their time zone.
pub struct Lookups {
    stages: StageCatalog,
    stage_by_key: HashMap<String, StageCode>,
    people: Vec<Person>,
    person_by_key: HashMap<String, usize>,
    importer_id: String,
    zone: TimeZone,
}

impl Lookups {
    pub fn new(stages: StageCatalog, people: Vec<Person>, importer_id: &str, zone: TimeZone) -> Lookups {
        let mut stage_by_key = HashMap::new();
        for stage in stages.all() {
            for name in [stage.code.as_str(), &stage.name.ru, &stage.name.en] {
                stage_by_key.entry(name_key(name)).or_insert_with(|| stage.code.clone());
            }
        }
        let mut person_by_key = HashMap::new();
        for (at, person) in people.iter().enumerate() {
            person_by_key.entry(person.email.to_ascii_lowercase()).or_insert(at);
            person_by_key.entry(name_key(&person.name)).or_insert(at);
        }
        Lookups { stages, stage_by_key, people, person_by_key, importer_id: importer_id.to_owned(), zone }
    }

    fn stage(&self, text: &str) -> Result<StageCode, Invalid> {
        let code = self.stage_by_key.get(&name_key(text)).ok_or(Invalid::UnknownStage)?;
        match self.stages.get(code.as_str()) {
            Some(stage) if stage.active => Ok(code.clone()),
            _ => Err(Invalid::InactiveStage),
        }
    }

    fn first_stage(&self) -> Result<StageCode, Invalid> {
        self.stages.first_open().map(|s| s.code.clone()).ok_or(Invalid::NoActiveStage)
    }

    pub fn is_final(&self, stage: &StageCode) -> bool {
        self.stages.is_final(stage.as_str())
    }

    fn owner(&self, text: &str) -> Result<String, Invalid> {
        let key = if text.contains('@') { text.trim().to_ascii_lowercase() } else { name_key(text) };
        let person = self.person_by_key.get(&key).map(|at| &self.people[*at]).ok_or(Invalid::UnknownReference)?;
        if !person.manageable {
            Err(Invalid::NotInTeam)
        } else if !person.active {
            Err(Invalid::Deactivated)
        } else {
            Ok(person.id.clone())
        }
    }
}

/// A name as duplicates are found by: lower case, spaces squeezed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// An e-mail address as duplicates are found by (ASCII letters folded, as SQL's `lower` does).
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPart {
    pub name: String,
    pub key: String,
    pub tax_number: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPart {
    pub name: String,
    /// Whether the row names the person (else the name is their e-mail address, and a match
    /// keeps the name it has).
    pub named: bool,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityPart {
    pub title: String,
    pub key: String,
    pub stage: StageCode,
    pub owner_id: String,
    pub amount: Option<Money>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
    pub probability: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPart {
    pub kind: ActivityType,
    pub title: String,
    pub owner_id: String,
    pub due: Option<Timestamp>,
    pub done: bool,
}

/// The records one row names, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowPlan {
    pub account: Option<AccountPart>,
    pub contact: Option<ContactPart>,
    pub opportunity: Option<OpportunityPart>,
    pub activity: Option<ActivityPart>,
}

impl RowPlan {
    /// A row whose mapped columns are all empty.
    pub fn is_empty(&self) -> bool {
        self.account.is_none() && self.contact.is_none() && self.opportunity.is_none() && self.activity.is_none()
    }
}

/// One problem of one row: the row as a spreadsheet numbers it, the column (when the field has
/// one), the field, the typed problem, and the value that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: u64,
    pub column: Option<usize>,
    pub field: Field,
    pub invalid: Invalid,
    pub value: String,
}

/// The values a field with a closed list takes, as its problem names them.
fn allowed(field: Field) -> Vec<String> {
    match field {
        Field::ActivityDone => ["yes", "no", "да", "нет"].map(String::from).to_vec(),
        _ => ActivityType::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
    }
}

/// Rebuilds a stored problem of `field` from its code and bounds (the kinds rows can have).
pub fn problem_from_code(field: Field, code: &str, min: Option<i64>, max: Option<i64>) -> Option<Invalid> {
    Some(match code {
        "required" => Invalid::Required,
        "too_long" => Invalid::TooLong { max: usize::try_from(max?).ok()? },
        "out_of_range" => Invalid::OutOfRange { min: min?, max: max? },
        "not_an_email" => Invalid::NotAnEmail,
        "not_money" => Invalid::NotMoney,
        "not_a_date" => Invalid::NotADate,
        "not_a_date_or_time" => Invalid::NotADateOrTime,
        "not_one_of" => Invalid::NotOneOf { allowed: allowed(field) },
        "unknown_reference" => Invalid::UnknownReference,
        "not_in_team" => Invalid::NotInTeam,
        "deactivated" => Invalid::Deactivated,
        "unknown_stage" => Invalid::UnknownStage,
        "inactive_stage" => Invalid::InactiveStage,
        "no_active_stage" => Invalid::NoActiveStage,
        _ => return None,
    })
}

/// The column each field is in.
struct Cells<'a> {
    row: u64,
    cells: &'a [String],
    columns: HashMap<Field, usize>,
    problems: Vec<RowProblem>,
}

impl<'a> Cells<'a> {
    fn get(&self, field: Field) -> Option<&'a str> {
        let column = *self.columns.get(&field)?;
        self.cells.get(column).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn any(&self, fields: &[Field]) -> bool {
        fields.iter().any(|f| self.get(*f).is_some())
    }

    fn problem(&mut self, field: Field, invalid: Invalid) {
        let value = self.get(field).unwrap_or("").chars().take(200).collect();
        self.problems.push(RowProblem { row: self.row, column: self.columns.get(&field).copied(), field, invalid, value });
    }

    /// The field's value, checked by `check`; `None` (with the problem noted) when it fails.
    fn checked<T>(&mut self, field: Field, check: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        let value = self.get(field)?;
        match check(value) {
            Ok(v) => Some(v),
            Err(invalid) => {
                self.problem(field, invalid);
                None
            }
        }
    }

    fn text(&mut self, field: Field) -> Option<String> {
        self.checked(field, |v| check::within(v, MAX_TITLE).map(|()| v.to_owned()))
    }

    fn required(&mut self, field: Field, fallback: Option<String>) -> String {
        match self.get(field) {
            Some(_) => self.checked(field, check::title).unwrap_or_default(),
            None => fallback.unwrap_or_else(|| {
                self.problem(field, Invalid::Required);
                String::new()
            }),
        }
    }
}

/// The records row `row` (numbered as a spreadsheet shows it) names, or all its problems.
pub fn plan_row(row: u64, cells: &[String], mapping: &[Option<Field>], lookups: &Lookups) -> Result<RowPlan, Vec<RowProblem>> {
    let columns = mapping.iter().enumerate().filter_map(|(at, f)| f.map(|f| (f, at))).collect();
    let mut c = Cells { row, cells, columns, problems: Vec::new() };
    let mut plan = RowPlan::default();
    use Field::*;
    if c.any(&[AccountName, AccountIndustry, AccountWebsite, AccountPhone, AccountTaxNumber]) {
        let name = c.required(AccountName, None);
        let tax_number = c.checked(AccountTaxNumber, |v| {
            let squeezed: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            check::within(&squeezed, 32).map(|()| squeezed)
        });
        let (industry, website, phone) = (c.text(AccountIndustry), c.text(AccountWebsite), c.text(AccountPhone));
        plan.account = Some(AccountPart { key: name_key(&name), name, tax_number, industry, website, phone });
    }
    if c.any(&[ContactName, ContactFirstName, ContactLastName, ContactEmail, ContactPhone, ContactJobTitle]) {
        let email = c.checked(ContactEmail, check::email);
        let parts: Vec<&str> = [c.get(ContactFirstName), c.get(ContactLastName)].into_iter().flatten().collect();
        let fallback = if parts.is_empty() { c.get(ContactEmail).map(str::to_owned) } else { Some(parts.join(" ")) };
        let named = !parts.is_empty() || c.get(ContactName).is_some();
        let name = c.required(ContactName, fallback);
        let (phone, job_title) = (c.text(ContactPhone), c.text(ContactJobTitle));
        plan.contact = Some(ContactPart { name, named, email, phone, job_title });
    }
    let opportunity_owner = c.checked(OpportunityOwner, |v| lookups.owner(v));
    if c.any(&[OpportunityTitle, OpportunityAmount, OpportunityStage, OpportunityOwner, OpportunityCloseDate, OpportunityProbability]) {
        let title = c.required(OpportunityTitle, None);
        let stage = match c.get(OpportunityStage) {
            Some(_) => c.checked(OpportunityStage, |v| lookups.stage(v)),
            None => lookups.first_stage().map_err(|invalid| c.problem(OpportunityStage, invalid)).ok(),
        };
        let amount = c.checked(OpportunityAmount, money);
        let close_date = c.checked(OpportunityCloseDate, |v| date(v).map(|d| d.to_string()).ok_or(Invalid::NotADate));
        let probability = c.checked(OpportunityProbability, |v| {
            let number = v.trim().trim_end_matches('%').trim().replace(',', ".");
            let percent = number.parse::<f64>().ok().filter(|p| (0.0..=100.0).contains(p));
            percent.map(|p| p.round() as u8).ok_or(Invalid::OutOfRange { min: 0, max: 100 })
        });
        let owner_id = opportunity_owner.clone().unwrap_or_else(|| lookups.importer_id.clone());
        if let Some(stage) = stage {
            plan.opportunity = Some(OpportunityPart { key: name_key(&title), title, stage, owner_id, amount, close_date, probability });
        }
    }
    if c.any(&[ActivityType, ActivityTitle, ActivityDue, ActivityDone]) {
        let kind = c.checked(ActivityType, activity_type).unwrap_or(crate::definition::ActivityType::Task);
        let title = c.required(ActivityTitle, None);
        let due = c.checked(ActivityDue, |v| moment(v, &lookups.zone).ok_or(Invalid::NotADateOrTime));
        let done = c.checked(ActivityDone, yes_or_no).unwrap_or(false);
        let owner_id = opportunity_owner.unwrap_or_else(|| lookups.importer_id.clone());
        plan.activity = Some(ActivityPart { kind, title, owner_id, due, done });
    }
    if c.problems.is_empty() { Ok(plan) } else { Err(c.problems) }
}

/// An amount as spreadsheets and other CRMs write it: `150000`, `150 000,50`, `1,500,000.00`.
fn money(text: &str) -> Result<Money, Invalid> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'').collect();
    let cleaned = match (digits.rfind(','), digits.rfind('.')) {
        // Both: the last one is the decimal mark, the other groups thousands.
        (Some(comma), Some(dot)) if comma > dot => digits.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => digits.replace(',', ""),
        // A comma alone is a decimal mark before one or two digits, else it groups thousands.
        (Some(comma), None) if digits.len() - comma <= 3 && digits.matches(',').count() == 1 => digits.replace(',', "."),
        (Some(_), None) => digits.replace(',', ""),
        _ => digits,
    };
    check::money(&cleaned)
}

/// A calendar date as written by people and other CRMs: `2026-12-31`, `31.12.2026`,
/// `12/31/2026` (the American order, which US exports use), with a time after it ignored.
fn date(text: &str) -> Option<Date> {
    let day = text.trim().split([' ', 'T']).next()?;
    let numbers: Vec<&str> = day.split(['-', '.', '/']).collect();
    let [a, b, c] = numbers[..] else { return None };
    let (year, month, day) = match (day.contains('-'), day.contains('.')) {
        (true, _) => (a, b, c),
        (_, true) => (c, b, a),
        _ if a.len() == 4 => (a, b, c),
        _ => (c, a, b),
    };
    let date = Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()?;
    (year.len() == 4 && check::YEARS.contains(&date.year())).then_some(date)
}

/// When an activity is due: an RFC 3339 time, or a date with a time of day (or none, midnight)
/// in the importer's time zone.
fn moment(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    if let Ok(at) = check::instant(text) {
        return Some(at);
    }
    let day = date(text)?;
    let time = match text.trim().split_once([' ', 'T']) {
        Some((_, time)) => time.trim().parse::<Time>().ok()?,
        None => Time::midnight(),
    };
    DateTime::from_parts(day, time).to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}

fn activity_type(text: &str) -> Result<ActivityType, Invalid> {
    let kind = match name_key(text).as_str() {
        "task" | "to-do" | "todo" | "deadline" | "задача" | "дело" | "срок" => ActivityType::Task,
        "call" | "phone call" | "звонок" => ActivityType::Call,
        "meeting" | "lunch" | "встреча" | "обед" => ActivityType::Meeting,
        "email" | "e-mail" | "письмо" | "эл. почта" => ActivityType::Email,
        _ => return Err(Invalid::NotOneOf { allowed: allowed(Field::ActivityType) }),
    };
    Ok(kind)
}

fn yes_or_no(text: &str) -> Result<bool, Invalid> {
    match name_key(text).as_str() {
        "1" | "yes" | "true" | "done" | "completed" | "x" | "да" | "выполнено" | "завершено" => Ok(true),
        "0" | "no" | "false" | "open" | "not started" | "нет" | "не выполнено" | "открыто" => Ok(false),
        _ => Err(Invalid::NotOneOf { allowed: allowed(Field::ActivityDone) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups() -> Lookups {
        let person = |id: &str, name: &str, email: &str, active, manageable| Person {
            id: id.into(),
            name: name.into(),
            email: email.into(),
            active,
            manageable,
        };
        let people = vec![
            person("u1", "Анна Петрова", "anna@example.com", true, true),
            person("u2", "Boris Other", "boris@example.com", true, false),
            person("u3", "Gone Away", "gone@example.com", false, true),
        ];
        Lookups::new(StageCatalog::defaults(), people, "me", TimeZone::get("Europe/Moscow").unwrap())
    }

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn a_deal_row_names_its_account_contact_and_deal() {
        let mapping = [
            Some(Field::OpportunityTitle),
            Some(Field::OpportunityAmount),
            Some(Field::AccountName),
            Some(Field::ContactFirstName),
            Some(Field::ContactLastName),
            Some(Field::OpportunityOwner),
            Some(Field::OpportunityCloseDate),
            None,
        ];
        let row = cells(&["ERP", "1 500 000,50", "  Волга   Фарм ", "Иван", "Сидоров", "anna@EXAMPLE.com", "31.12.2026", "ignored"]);
        let plan = plan_row(2, &row, &mapping, &lookups()).unwrap();
        let account = plan.account.unwrap();
        assert_eq!((account.name.as_str(), account.key.as_str()), ("Волга   Фарм", "волга фарм"));
        assert_eq!(plan.contact.unwrap().name, "Иван Сидоров");
        let deal = plan.opportunity.unwrap();
        assert_eq!(deal.amount, Some(Money::from_minor_units(150_000_050)));
        assert_eq!((deal.owner_id.as_str(), deal.close_date.as_deref()), ("u1", Some("2026-12-31")));
        assert_eq!(deal.stage, StageCatalog::defaults().first_open().unwrap().code, "no stage: the first one");
        assert!(plan.activity.is_none());
    }

    #[test]
    fn every_problem_of_a_row_is_reported_with_its_column() {
        let mapping = [
            Some(Field::OpportunityTitle),
            Some(Field::OpportunityAmount),
            Some(Field::OpportunityStage),
            Some(Field::OpportunityOwner),
            Some(Field::ContactEmail),
            Some(Field::ActivityDue),
        ];
        let row = cells(&["", "много", "Nowhere", "boris@example.com", "not-an-address", "tomorrow"]);
        let problems = plan_row(7, &row, &mapping, &lookups()).unwrap_err();
        let found: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.column, p.invalid.code())).collect();
        assert_eq!(
            found,
            [
                (Some(4), "not_an_email"),
                (Some(3), "not_in_team"),
                (Some(0), "required"),
                (Some(2), "unknown_stage"),
                (Some(1), "not_money"),
                (None, "required"),
                (Some(5), "not_a_date_or_time"),
            ]
        );
        assert!(problems.iter().all(|p| p.row == 7));
        assert_eq!(problems[1].value, "boris@example.com");
        let gone = plan_row(3, &cells(&["Deal", "", "", "Gone Away", "", ""]), &mapping, &lookups()).unwrap_err();
        assert_eq!(gone[0].invalid, Invalid::Deactivated);
    }

    #[test]
    fn activities_take_local_times_types_and_done_flags() {
        let mapping = [Some(Field::ActivityType), Some(Field::ActivityTitle), Some(Field::ActivityDue), Some(Field::ActivityDone)];
        let plan = plan_row(2, &cells(&["Call", "Позвонить", "2026-12-05 10:30", "нет"]), &mapping, &lookups()).unwrap();
        let activity = plan.activity.unwrap();
        assert_eq!(activity.kind, ActivityType::Call);
        assert_eq!(activity.due, Some("2026-12-05T07:30:00Z".parse().unwrap()), "10:30 in Moscow");
        assert_eq!((activity.done, activity.owner_id.as_str()), (false, "me"));
        let dated = plan_row(2, &cells(&["", "Отчёт", "05.12.2026", "yes"]), &mapping, &lookups()).unwrap().activity.unwrap();
        assert_eq!((dated.kind, dated.done), (ActivityType::Task, true));
        assert_eq!(dated.due, Some("2026-12-04T21:00:00Z".parse().unwrap()), "midnight in Moscow");
        let bad = plan_row(2, &cells(&["fax", "X", "", "maybe"]), &mapping, &lookups()).unwrap_err();
        assert_eq!(bad.iter().map(|p| p.invalid.code()).collect::<Vec<_>>(), ["not_one_of", "not_one_of"]);
    }

    #[test]
    fn amounts_and_dates_are_read_as_people_write_them() {
        let cases = [("150000", 15_000_000), ("150 000", 15_000_000), ("1,500,000.00", 150_000_000), ("1.500.000,25", 150_000_025)];
        for (text, units) in cases {
            assert_eq!(money(text), Ok(Money::from_minor_units(units)), "{text}");
        }
        assert_eq!(money("-5"), Err(Invalid::NotMoney));
        assert_eq!(date("12/31/2026"), Some(Date::constant(2026, 12, 31)));
        assert_eq!(date("2026-02-30"), None);
        assert_eq!(date("31.12.26"), None, "two-digit years are not guessed");
        assert!(plan_row(2, &cells(&["", ""]), &[Some(Field::AccountName), None], &lookups()).unwrap().is_empty());
    }

    #[test]
    fn stored_problems_read_back() {
        for invalid in [Invalid::Required, Invalid::TooLong { max: 500 }, Invalid::OutOfRange { min: 0, max: 100 }, Invalid::NotInTeam] {
            let (min, max) = invalid.bounds();
            assert_eq!(problem_from_code(Field::OpportunityTitle, invalid.code(), min, max), Some(invalid));
        }
        let done = plan_row(2, &cells(&["X", "maybe"]), &[Some(Field::ActivityTitle), Some(Field::ActivityDone)], &lookups());
        let invalid = done.unwrap_err().remove(0).invalid;
        assert_eq!(problem_from_code(Field::ActivityDone, "not_one_of", None, None), Some(invalid), "the list comes back too");
        assert_eq!(Dedupe::parse("skip"), Some(Dedupe::Skip));
    }
}
