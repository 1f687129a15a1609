//! Reading a CSV file a team brings from its old CRM or a spreadsheet: the text whatever its
//! encoding (UTF-8, with or without a byte-order mark, or Windows-1251 from Russian Excel), its
//! separator (comma, semicolon or tab, whichever the header line uses), and a proposal of which
//! column holds which field — from Russian or English headers, and from the column names of the
//! exports of Pipedrive, HubSpot and Salesforce.

use std::fmt;

mod rows;

pub use rows::{
    AccountPart, ActivityPart, ContactPart, Dedupe, Lookups, OpportunityPart, Person, RowPlan, RowProblem, email_key, name_key, plan_row,
    problem_from_code,
};

/// The records an import makes or updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Account,
    Contact,
    Opportunity,
    Activity,
}

/// A field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    AccountName,
    AccountIndustry,
    AccountWebsite,
    AccountPhone,
    AccountTaxNumber,
    ContactName,
    ContactFirstName,
    ContactLastName,
    ContactEmail,
    ContactPhone,
    ContactJobTitle,
    OpportunityTitle,
    OpportunityAmount,
    OpportunityStage,
    OpportunityOwner,
    OpportunityCloseDate,
    OpportunityProbability,
    ActivityType,
    ActivityTitle,
    ActivityDue,
    ActivityDone,
}

impl Field {
    pub const ALL: [Field; 21] = [
        Field::AccountName,
        Field::AccountIndustry,
        Field::AccountWebsite,
        Field::AccountPhone,
        Field::AccountTaxNumber,
        Field::ContactName,
        Field::ContactFirstName,
        Field::ContactLastName,
        Field::ContactEmail,
        Field::ContactPhone,
        Field::ContactJobTitle,
        Field::OpportunityTitle,
        Field::OpportunityAmount,
        Field::OpportunityStage,
        Field::OpportunityOwner,
        Field::OpportunityCloseDate,
        Field::OpportunityProbability,
        Field::ActivityType,
        Field::ActivityTitle,
        Field::ActivityDue,
        Field::ActivityDone,
    ];

    /// The field's code in a mapping: `account.name`, `opportunity.amount`, …
    pub fn code(self) -> &'static str {
        match self {
            Field::AccountName => "account.name",
            Field::AccountIndustry => "account.industry",
            Field::AccountWebsite => "account.website",
            Field::AccountPhone => "account.phone",
            Field::AccountTaxNumber => "account.tax_number",
            Field::ContactName => "contact.name",
            Field::ContactFirstName => "contact.first_name",
            Field::ContactLastName => "contact.last_name",
            Field::ContactEmail => "contact.email",
            Field::ContactPhone => "contact.phone",
            Field::ContactJobTitle => "contact.job_title",
            Field::OpportunityTitle => "opportunity.title",
            Field::OpportunityAmount => "opportunity.amount",
            Field::OpportunityStage => "opportunity.stage",
            Field::OpportunityOwner => "opportunity.owner",
            Field::OpportunityCloseDate => "opportunity.close_date",
            Field::OpportunityProbability => "opportunity.probability",
            Field::ActivityType => "activity.type",
            Field::ActivityTitle => "activity.title",
            Field::ActivityDue => "activity.due",
            Field::ActivityDone => "activity.done",
        }
    }

    pub fn parse(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn entity(self) -> Entity {
        match self.code().split('.').next() {
            Some("account") => Entity::Account,
            Some("contact") => Entity::Contact,
            Some("opportunity") => Entity::Opportunity,
            _ => Entity::Activity,
        }
    }

    /// Headers that name the field, written as [`header_key`] leaves them: our own in both
    /// languages first, then those of Pipedrive's, HubSpot's and Salesforce's exports.
    fn headers(self) -> &'static [&'static str] {
        match self {
            Field::AccountName => &[
                "клиент",
                "компания",
                "организация",
                "название клиента",
                "account",
                "account name",
                "company",
                "company name",
                "organization",
                "organization name",
                "organization - name",
                "associated company",
            ],
            Field::AccountIndustry => &["отрасль", "industry", "organization - industry", "company industry"],
            Field::AccountWebsite => &["сайт", "website", "web site", "company domain name", "organization - website"],
            Field::AccountPhone => &["телефон клиента", "телефон компании", "account phone", "company phone", "organization - phone"],
            Field::AccountTaxNumber => &["инн", "инн клиента", "tax number", "tax id", "vat number", "inn", "organization - tax id"],
            Field::ContactName => &["контакт", "контактное лицо", "фио", "contact", "contact name", "person", "person - name", "full name"],
            Field::ContactFirstName => &["имя", "first name", "firstname", "person - first name"],
            Field::ContactLastName => &["фамилия", "last name", "lastname", "person - last name"],
            Field::ContactEmail => &["email", "e-mail", "эл. почта", "электронная почта", "почта", "person - email", "email address"],
            Field::ContactPhone => &["телефон", "phone", "phone number", "mobile phone", "person - phone", "mobile"],
            Field::ContactJobTitle => &["должность", "job title", "title (contact)", "person - job title"],
            Field::OpportunityTitle => {
                &["продажа", "сделка", "название сделки", "opportunity", "opportunity name", "deal", "deal name", "deal - title"]
            }
            Field::OpportunityAmount => &["сумма", "бюджет сделки", "amount", "value", "deal value", "deal - value"],
            Field::OpportunityStage => &["стадия", "этап", "stage", "deal stage", "deal - stage", "pipeline stage"],
            Field::OpportunityOwner => {
                &["ответственный", "владелец", "owner", "opportunity owner", "deal owner", "deal - owner", "owner email"]
            }
            Field::OpportunityCloseDate => {
                &["ожидаемая дата закрытия", "дата закрытия", "close date", "expected close date", "deal - expected close date"]
            }
            Field::OpportunityProbability => &["вероятность", "probability", "probability (%)", "deal - probability"],
            Field::ActivityType => &["тип дела", "тип", "activity type", "type", "activity - type", "task type"],
            Field::ActivityTitle => &["дело", "тема", "activity", "subject", "activity - subject", "task title"],
            Field::ActivityDue => &["срок", "дата дела", "due date", "due", "activity - due date", "activity date"],
            Field::ActivityDone => &["выполнено", "done", "completed", "activity - done", "status (task)"],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How the file's bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1251,
}

/// The file's text: UTF-8 when it is valid UTF-8 (a byte-order mark dropped), else Windows-1251,
/// which decodes any bytes.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            (text.into_owned(), Encoding::Windows1251)
        }
    }
}

/// The separator the header line uses most outside quotes: `;` (Russian Excel), `\t` or `,`.
pub fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut quoted = false;
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (separator, count) in counts.iter_mut() {
                *count += usize::from(byte == *separator);
            }
        }
    }
    // Ties go to the comma, the standard's own.
    counts.iter().max_by_key(|(separator, count)| (*count, *separator == b',')).map_or(b',', |(separator, _)| *separator)
}

/// A file read into its header and rows: every row as long as the header (short rows are
/// padded with empty cells; cells past the header are kept for the row's problems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub encoding: Encoding,
    pub separator: u8,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each row's number as a spreadsheet shows it (the header is row 1).
    pub numbers: Vec<u64>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
}

/// Reads a whole file: its encoding and separator found, cells trimmed, blank lines skipped.
pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    read_rows(bytes, usize::MAX)
}

/// The file's header and its first `most` rows, for showing it without reading all of it.
pub fn read_head(bytes: &[u8], most: usize) -> Result<Table, ReadError> {
    read_rows(bytes, most)
}

fn read_rows(bytes: &[u8], most: usize) -> Result<Table, ReadError> {
    let (text, encoding) = decode(bytes);
    let separator = separator(&text);
    let mut reader = csv::ReaderBuilder::new().delimiter(separator).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let malformed = |e: csv::Error| ReadError::Malformed { line: e.position().map_or(0, |p| p.line()), message: e.to_string() };
    let headers: Vec<String> = match records.next() {
        None => return Err(ReadError::Empty),
        Some(record) => record.map_err(malformed)?.iter().map(|h| h.trim().to_owned()).collect(),
    };
    if headers.iter().all(String::is_empty) {
        return Err(ReadError::Empty);
    }
    let (mut rows, mut numbers) = (Vec::new(), Vec::new());
    for (number, record) in (2..).zip(records) {
        if rows.len() == most {
            break;
        }
        let record = record.map_err(malformed)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        numbers.push(number);
        let mut row: Vec<String> = record.iter().map(|cell| cell.trim().to_owned()).collect();
        if row.len() < headers.len() {
            row.resize(headers.len(), String::new());
        }
        rows.push(row);
    }
    Ok(Table { encoding, separator, headers, rows, numbers })
}

/// A header as it is compared: lower case, spaces squeezed, a trailing `*` or `:` dropped.
pub fn header_key(header: &str) -> String {
    let lower = header.trim().trim_end_matches(['*', ':']).to_lowercase().replace('ё', "е");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The field each column most likely holds, by its header; `None` for a column no field takes
/// (it is left out). A field goes to the first column that names it.
pub fn propose(headers: &[String]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|header| {
            let key = header_key(header);
            let field = Field::ALL.into_iter().find(|f| !taken.contains(f) && f.headers().contains(&key.as_str()));
            taken.extend(field);
            field
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_russian_excel_file_in_windows_1251_with_semicolons_is_read() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Клиент;Сумма;Стадия\r\n\"Волга; Фарм\";150000;Презентация\r\n;;\r\n");
        let table = read(&bytes).unwrap();
        assert_eq!((table.encoding, table.separator), (Encoding::Windows1251, b';'));
        assert_eq!(table.headers, ["Клиент", "Сумма", "Стадия"]);
        assert_eq!(table.rows, [["Волга; Фарм", "150000", "Презентация"]], "quoted separators stay, blank lines go");
        assert_eq!(table.numbers, [2]);
    }

    #[test]
    fn utf8_with_a_byte_order_mark_and_commas_is_read_and_short_rows_are_padded() {
        let table = read("\u{feff}Deal - Title,Deal - Value,Organization - Name\nERP,100,\"Acme, Inc\"\nCRM\n".as_bytes()).unwrap();
        assert_eq!((table.encoding, table.separator), (Encoding::Utf8, b','));
        assert_eq!(table.headers[0], "Deal - Title", "no byte-order mark in the first header");
        assert_eq!(table.rows[1], ["CRM", "", ""]);
    }

    #[test]
    fn an_empty_file_is_refused_and_an_unclosed_quote_runs_to_the_end() {
        assert_eq!(read(b""), Err(ReadError::Empty));
        assert_eq!(read(b" , \n"), Err(ReadError::Empty));
        assert!(read(b"a,b\n\"x,y\n").is_ok(), "an unclosed quote runs to the end, as spreadsheets read it");
    }

    #[test]
    fn columns_are_proposed_from_our_headers_and_the_exports_of_other_crms() {
        let ours = propose(&headers(&["Клиент", "Продажа", "Сумма", "Стадия", "Ответственный", "Эл. почта", "Неизвестно"]));
        let codes: Vec<Option<&str>> = ours.iter().map(|f| f.map(Field::code)).collect();
        assert_eq!(
            codes,
            [
                Some("account.name"),
                Some("opportunity.title"),
                Some("opportunity.amount"),
                Some("opportunity.stage"),
                Some("opportunity.owner"),
                Some("contact.email"),
                None
            ]
        );
        let pipedrive = propose(&headers(&["Deal - Title", "Deal - Value", "Deal - Stage", "Organization - Name", "Person - Email"]));
        assert_eq!(
            pipedrive,
            [
                Some(Field::OpportunityTitle),
                Some(Field::OpportunityAmount),
                Some(Field::OpportunityStage),
                Some(Field::AccountName),
                Some(Field::ContactEmail)
            ]
        );
        let hubspot = propose(&headers(&["Deal Name", "Amount", "Close Date", "Deal Stage", "Associated Company"]));
        assert!(hubspot.iter().all(Option::is_some), "{hubspot:?}");
        let salesforce = propose(&headers(&["Opportunity Name", "Account Name", "Stage", "Probability (%)", "Opportunity Owner"]));
        assert!(salesforce.iter().all(Option::is_some), "{salesforce:?}");
        let twice = propose(&headers(&["Email", "E-mail"]));
        assert_eq!(twice, [Some(Field::ContactEmail), None], "a field goes to the first column naming it");
    }

    #[test]
    fn every_field_has_a_code_that_reads_back_and_headers_that_are_keys() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.code()), Some(field));
            for header in field.headers() {
                assert_eq!(header_key(header), *header, "{field}: {header:?} as a key");
            }
        }
    }
}
