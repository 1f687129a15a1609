//! The texts of CSV imports, in both languages: a catalogue of its own beside the main one,
//! reached from it as `t.import()`.

use dealflow_core::import::Field;

use super::i18n::{RU, Texts, catalogue};

catalogue! {
    ImportTexts, IMPORT_RU, IMPORT_EN;
    tax_number: "ИНН", "Tax number";
    imports: "Импорт данных", "Import data";
    imports_intro: "Перенесите клиентов, контакты, продажи и дела из прежней системы или таблицы: загрузите файл CSV, проверьте, какие столбцы во что попадут, посмотрите ошибки без загрузки — и загрузите. Выгрузки Pipedrive, HubSpot и Salesforce узнаются по заголовкам.", "Bring your accounts, contacts, opportunities and activities over from your old CRM or a spreadsheet: upload a CSV file, check which column goes where, see the problems in a dry run, then import. Exports of Pipedrive, HubSpot and Salesforce are recognised by their headers.";
    file_formats: "Подойдёт CSV в кодировке UTF-8 или Windows-1251, через запятую, точку с запятой или табуляцию, с заголовками в первой строке. До 250 000 строк.", "CSV in UTF-8 or Windows-1251, separated by commas, semicolons or tabs, with the headers in the first line. Up to 250,000 rows.";
    import_file: "Файл CSV", "CSV file";
    upload: "Загрузить и сопоставить", "Upload and map";
    recent_imports: "Последние импорты", "Recent imports";
    no_imports: "Импортов пока не было.", "No imports yet.";
    col_file: "Файл", "File";
    col_uploaded: "Загружен", "Uploaded";
    col_by: "Загрузил", "Uploaded by";
    col_status: "Состояние", "Status";
    col_rows: "Строк", "Rows";
    col_rejected: "Отклонено", "Rejected";
    status_draft: "Ждёт сопоставления", "Waiting for mapping";
    status_checking: "Идёт проверка", "Dry run under way";
    status_checked: "Проверен", "Dry run done";
    status_importing: "Идёт загрузка", "Importing";
    status_done: "Загружен", "Imported";
    status_failed: "Остановлен", "Stopped";
    file_read: "Строк: {rows}. Кодировка: {encoding}. Разделитель: {separator}.", "Rows: {rows}. Encoding: {encoding}. Separator: {separator}.";
    separator_comma: "запятая", "comma";
    separator_semicolon: "точка с запятой", "semicolon";
    separator_tab: "табуляция", "tab";
    mapping: "Сопоставление столбцов", "Column mapping";
    mapping_intro: "Столбцы сопоставлены по заголовкам. Проверьте и поправьте: столбец без поля не загружается. Строка может нести сразу клиента, контакт, продажу и дело — они будут связаны.", "Columns were matched by their headers. Check and correct them: a column without a field is left out. One row may carry an account, a contact, an opportunity and an activity at once; they are linked.";
    column: "Столбец", "Column";
    examples: "Примеры из файла", "Examples from the file";
    field: "Поле", "Field";
    leave_out: "— не загружать —", "— leave out —";
    group_account: "Клиент", "Account";
    group_contact: "Контакт", "Contact";
    group_opportunity: "Продажа", "Opportunity";
    group_activity: "Дело", "Activity";
    f_account_name: "Клиент: название", "Account: name";
    f_account_industry: "Клиент: отрасль", "Account: industry";
    f_account_website: "Клиент: сайт", "Account: website";
    f_account_phone: "Клиент: телефон", "Account: phone";
    f_account_tax_number: "Клиент: ИНН", "Account: tax number";
    f_contact_name: "Контакт: имя полностью", "Contact: full name";
    f_contact_first_name: "Контакт: имя", "Contact: first name";
    f_contact_last_name: "Контакт: фамилия", "Contact: last name";
    f_contact_email: "Контакт: эл. почта", "Contact: e-mail";
    f_contact_phone: "Контакт: телефон", "Contact: phone";
    f_contact_job_title: "Контакт: должность", "Contact: job title";
    f_opportunity_title: "Продажа: название", "Opportunity: title";
    f_opportunity_amount: "Продажа: сумма", "Opportunity: amount";
    f_opportunity_stage: "Продажа: стадия", "Opportunity: stage";
    f_opportunity_owner: "Продажа: ответственный (почта или имя)", "Opportunity: owner (e-mail or name)";
    f_opportunity_close_date: "Продажа: ожидаемая дата закрытия", "Opportunity: expected close date";
    f_opportunity_probability: "Продажа: вероятность, %", "Opportunity: probability, %";
    f_activity_type: "Дело: тип", "Activity: type";
    f_activity_title: "Дело: тема", "Activity: subject";
    f_activity_due: "Дело: срок", "Activity: due";
    f_activity_done: "Дело: выполнено", "Activity: done";
    dedupe: "Если запись уже есть", "When a record already exists";
    dedupe_hint: "Контакты узнаются по эл. почте, клиенты — по ИНН или названию (без учёта регистра и пробелов), продажи — по названию у того же клиента.", "Contacts are matched by e-mail, accounts by tax number or name (any letter case and spacing), opportunities by title within the same account.";
    dedupe_update: "Дополнить её данными из файла", "Update it from the file";
    dedupe_skip: "Оставить как есть", "Leave it as it is";
    dedupe_create: "Всё равно создать новую", "Create a new one anyway";
    dry_run: "Проверить без загрузки", "Dry run";
    import_now: "Импортировать", "Import";
    save_mapping: "Сохранить сопоставление", "Save the mapping";
    stages_note: "Продажи встают на указанную стадию, а их история отмечает импорт. Ответственными могут быть только те, кому вы можете поручать работу.", "Opportunities enter their stage, and their history records the import. Owners can only be people you may give work to.";
    start_process: "Процесс для новых открытых продаж", "Process for the new open opportunities";
    no_process: "— не запускать —", "— start none —";
    processes_started: "Процесс запущен на открытых продажах: {count}.", "Processes started on open opportunities: {count}.";
    checking_progress: "Проверено строк: {done} из {total}", "Rows checked: {done} of {total}";
    importing_progress: "Загружено строк: {done} из {total}", "Rows imported: {done} of {total}";
    progress_label: "Ход работы", "Progress";
    summary_checked: "Итог проверки: что будет сделано", "Dry run: what the import would do";
    summary_done: "Импорт завершён", "The import is done";
    kind: "Записи", "Records";
    created: "Новые", "New";
    updated: "Обновлены", "Updated";
    skipped: "Без изменений", "Unchanged";
    stages_known: "Стадии продаж здесь называются так: {stages}. Переименуйте стадии в файле или заведите недостающие в настройках.", "The opportunity stages here are: {stages}. Rename the stages in the file, or add the missing ones in the settings.";
    rejected_rows: "Отклонённые строки: {count}", "Rejected rows: {count}";
    empty_rows: "Пустые строки: {count}", "Empty rows: {count}";
    rejected_hint: "Строка с ошибкой не загружается целиком. Исправьте файл отклонённых строк и загрузите его как новый импорт.", "A row with a problem is left out whole. Correct the file of rejected rows and upload it as a new import.";
    no_problems: "Ошибок нет: все строки можно загрузить.", "No problems: every row can be imported.";
    download_rejected: "Скачать отклонённые строки", "Download the rejected rows";
    problems: "Ошибки в строках", "Problems in rows";
    row: "Строка", "Row";
    problem: "Ошибка", "Problem";
    value: "Значение", "Value";
    problems_more: "Показаны первые {shown} ошибок; все они — в файле отклонённых строк.", "The first {shown} problems are shown; the file of rejected rows holds them all.";
    failed: "Импорт остановлен: {error}", "The import stopped: {error}";
    new_import: "Новый импорт", "New import";
    go_to_opportunities: "К списку продаж", "Go to the opportunities";
    no_file: "Выберите файл CSV.", "Choose a CSV file.";
    imported_from: "загружена из файла «{file}»", "imported from “{file}”";
}

impl ImportTexts {
    /// A field's name in a mapping choice.
    pub fn field_name(&self, field: Field) -> &'static str {
        match field {
            Field::AccountName => self.f_account_name,
            Field::AccountIndustry => self.f_account_industry,
            Field::AccountWebsite => self.f_account_website,
            Field::AccountPhone => self.f_account_phone,
            Field::AccountTaxNumber => self.f_account_tax_number,
            Field::ContactName => self.f_contact_name,
            Field::ContactFirstName => self.f_contact_first_name,
            Field::ContactLastName => self.f_contact_last_name,
            Field::ContactEmail => self.f_contact_email,
            Field::ContactPhone => self.f_contact_phone,
            Field::ContactJobTitle => self.f_contact_job_title,
            Field::OpportunityTitle => self.f_opportunity_title,
            Field::OpportunityAmount => self.f_opportunity_amount,
            Field::OpportunityStage => self.f_opportunity_stage,
            Field::OpportunityOwner => self.f_opportunity_owner,
            Field::OpportunityCloseDate => self.f_opportunity_close_date,
            Field::OpportunityProbability => self.f_opportunity_probability,
            Field::ActivityType => self.f_activity_type,
            Field::ActivityTitle => self.f_activity_title,
            Field::ActivityDue => self.f_activity_due,
            Field::ActivityDone => self.f_activity_done,
        }
    }

    pub fn status(&self, status: &str) -> &'static str {
        match status {
            "draft" => self.status_draft,
            "checking" => self.status_checking,
            "checked" => self.status_checked,
            "importing" => self.status_importing,
            "done" => self.status_done,
            _ => self.status_failed,
        }
    }
}

impl Texts {
    /// The import's texts in this catalogue's language.
    pub fn import(&self) -> &'static ImportTexts {
        if std::ptr::eq(self, &RU) { &IMPORT_RU } else { &IMPORT_EN }
    }
}
