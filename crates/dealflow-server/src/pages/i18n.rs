//! Every text of the web app in Russian and English. The catalogue is a struct with one field per
//! text, so a template that names a missing text does not compile and neither language can lack one.

use dealflow_core::Locale;
use dealflow_core::definition::ActivityType;
use dealflow_core::engine::{ActivityStatus, EngineError};

use crate::error::{FieldError, ServiceError};

macro_rules! catalogue {
    ($($key:ident: $ru:literal, $en:literal;)*) => {
        /// The texts of one language.
        pub struct Texts {
            $(pub $key: &'static str,)*
        }

        pub static RU: Texts = Texts { $($key: $ru,)* };
        pub static EN: Texts = Texts { $($key: $en,)* };

        /// Every text as (Russian, English), for the checks of the catalogue.
        #[cfg(test)]
        fn all_pairs() -> Vec<(&'static str, &'static str)> {
            vec![$(($ru, $en),)*]
        }
    };
}

catalogue! {
    lang_code: "ru", "en";
    product_tagline: "Управляемые процессы продаж", "Guided sales processes";
    skip_to_content: "К содержимому", "Skip to content";
    quote_open: "«", "“";
    quote_close: "»", "”";
    // Signing in
    sign_in: "Войти", "Sign in";
    sign_in_title: "Вход в dealflow", "Sign in to dealflow";
    sign_out: "Выйти", "Sign out";
    email: "Эл. почта", "Email";
    password: "Пароль", "Password";
    bad_credentials: "Неверная эл. почта или пароль.", "Wrong email or password.";
    rate_limited: "Слишком много неудачных попыток входа. Повторите через 15 минут.", "Too many failed sign-ins. Try again in 15 minutes.";
    session_form_expired: "Форма устарела. Обновите страницу и повторите.", "The form has expired. Reload the page and try again.";
    required: "Заполните это поле.", "Fill in this field.";
    // Header and side panel
    command_line: "Командная строка", "Command line";
    command_placeholder: "Например: Запустить процесс Корпоративная продажа", "For example: Run process Enterprise sale";
    run: "Выполнить", "Run";
    unknown_command: "Команда не распознана.", "This command is not known.";
    did_you_mean: "Возможно, вы имели в виду:", "Did you mean:";
    notifications: "Уведомления", "Notifications";
    unread: "непрочитанных", "unread";
    no_notifications: "Уведомлений нет.", "No notifications.";
    mark_all_read: "Отметить все прочитанными", "Mark all as read";
    all_notifications: "Все уведомления", "All notifications";
    open: "Открыть", "Open";
    language: "Язык", "Language";
    russian: "Русский", "Русский";
    english: "English", "English";
    switch_language: "Сменить язык", "Switch language";
    sections: "Разделы", "Sections";
    opportunities: "Продажи", "Opportunities";
    board: "Воронка", "Pipeline board";
    schedule: "Расписание", "Schedule";
    leads: "Лиды", "Leads";
    run_process: "Запустить процесс", "Run process";
    run_process_intro: "Выберите процесс из библиотеки. Будет создана новая продажа, и процесс начнётся с первой стадии.", "Choose a process from the library. A new opportunity is created and the process begins at its first stage.";
    start: "Запустить", "Start";
    cancel: "Отмена", "Cancel";
    no_active_processes: "В библиотеке нет активных процессов.", "The library has no active processes.";
    role_manager: "Менеджер", "Manager";
    role_supervisor: "Руководитель", "Supervisor";
    role_admin: "Администратор", "Administrator";
    // Lists
    search: "Поиск", "Search";
    search_placeholder: "Название, клиент или контакт", "Title, account or contact";
    stage: "Стадия", "Stage";
    owner: "Ответственный", "Owner";
    status: "Состояние", "Status";
    any: "Все", "Any";
    open_only: "Открытые", "Open";
    closed_only: "Закрытые", "Closed";
    apply_filters: "Показать", "Show";
    reset_filters: "Сбросить", "Reset";
    title: "Название", "Title";
    account: "Клиент", "Account";
    contact: "Контакт", "Contact";
    amount: "Сумма", "Amount";
    probability: "Вероятность, %", "Probability, %";
    close_date: "Ожидаемая дата закрытия", "Expected close date";
    updated: "Изменена", "Updated";
    nothing_found: "Ничего не найдено.", "Nothing found.";
    next_page: "Дальше", "Next page";
    first_page: "В начало", "First page";
    total: "Итого", "Total";
    count: "Количество", "Count";
    more_in_stage: "ещё в этой стадии", "more in this stage";
    // The opportunity page
    workflow_bar: "Стадии продажи", "Stages of the sale";
    bar_locked: "Продажа закрыта: стадию больше нельзя изменить.", "The opportunity is closed: its stage can no longer change.";
    current_stage: "текущая стадия", "current stage";
    action_panel: "Что сделать сейчас", "What to do now";
    no_open_activities: "На этой стадии нет открытых задач процесса.", "This stage has no open process tasks.";
    no_process: "Процесс не запущен. Запустите его из меню «Действия».", "No process is running. Start one from the Actions menu.";
    process_finished: "Процесс завершён.", "The process has finished.";
    complete: "Выполнить", "Complete";
    result: "Результат", "Result";
    note: "Комментарий", "Note";
    due: "Срок", "Due";
    overdue: "просрочена", "overdue";
    details: "Карточка продажи", "Opportunity details";
    save: "Сохранить", "Save";
    saved: "Изменения сохранены.", "Your changes are saved.";
    none_selected: "— не выбрано —", "— none —";
    bant: "BANT: бюджет, полномочия, потребность, сроки", "BANT: budget, authority, need, timeframe";
    budget: "Бюджет", "Budget";
    budget_confirmed: "Бюджет подтверждён", "Budget confirmed";
    decision_maker: "Лицо, принимающее решение", "Decision maker";
    need: "Потребность", "Need";
    timeframe: "Дата принятия решения", "Decision date";
    tactic: "Тактика", "Tactic";
    participants: "Участники", "Participants";
    participant_role: "Роль", "Role";
    add: "Добавить", "Add";
    remove: "Убрать", "Remove";
    no_participants: "Участников пока нет.", "No participants yet.";
    competitors: "Конкуренты", "Competitors";
    competitor_name: "Компания", "Company";
    no_competitors: "Конкурентов пока нет.", "No competitors yet.";
    presentation: "Презентация из базы знаний", "Presentation from the knowledge base";
    history: "История", "History";
    no_history: "Событий пока нет.", "Nothing has happened yet.";
    by_process: "процесс", "the process";
    visit: "заход", "visit";
    created_stage: "Продажа создана на стадии", "Opportunity created at stage";
    activity_created: "Создана активность", "Activity created";
    activity_completed: "Выполнена активность", "Activity completed";
    activity_cancelled: "Отменена активность", "Activity cancelled";
    actions: "Действия", "Actions";
    run_enterprise_process: "Запустить процесс корпоративных продаж", "Run enterprise sales process";
    process_running: "Процесс уже запущен.", "A process is already running.";
    close_deal: "Закрыть продажу", "Close the opportunity";
    close_dialog_intro: "Укажите итоговую стадию и данные для аналитики.", "Choose the final stage and give the figures for the analytics.";
    final_stage: "Итоговая стадия", "Final stage";
    actual_revenue: "Фактическая выручка", "Actual revenue";
    hours_spent: "Затрачено часов", "Hours spent";
    close_reason: "Причина", "Reason";
    closed_at: "Закрыта", "Closed";
    create_order: "Создать заказ", "Create order";
    order_created: "Заказ создан.", "The order has been created.";
    orders: "Заказы", "Orders";
    conflict_changed: "Пока вы смотрели, продажу изменил кто-то другой. Сейчас она на стадии «{stage}». Проверьте и повторите.", "Someone else changed this opportunity while you were looking. It is now at stage “{stage}”. Check and try again.";
    conflict_details: "Пока вы редактировали, продажу изменил кто-то другой. Ваши значения сохранены в форме: проверьте их и сохраните ещё раз.", "Someone else changed this opportunity while you were editing. Your values are kept in the form: check them and save again.";
    opportunity_closed: "Продажа уже закрыта: стадию изменить нельзя.", "The opportunity is already closed: its stage cannot change.";
    process_already_running: "На этой продаже процесс уже запущен.", "A process is already running on this opportunity.";
    activity_not_open: "Эта активность уже завершена или отменена.", "This activity is already finished or cancelled.";
    stage_inactive: "Эта стадия не активна.", "This stage is not active.";
    not_final_stage: "Выберите итоговую стадию.", "Choose a final stage.";
    process_inactive: "Этот процесс не активен.", "This process is not active.";
    unknown_result: "Выберите результат из списка.", "Choose a result from the list.";
    something_wrong: "Не получилось. Попробуйте ещё раз.", "That did not work. Please try again.";
    check_fields: "Исправьте отмеченные поля.", "Correct the marked fields.";
    must_be_money: "Введите сумму, например 150000 или 150000,50.", "Enter an amount such as 150000 or 150000.50.";
    must_be_date: "Введите дату в виде ГГГГ-ММ-ДД.", "Enter a date as YYYY-MM-DD.";
    must_be_percent: "Введите целое число от 0 до 100.", "Enter a whole number from 0 to 100.";
    must_be_hours: "Введите число часов, ноль или больше.", "Enter a number of hours, zero or more.";
    too_long: "Слишком длинный текст.", "The text is too long.";
    no_such_record: "Такой записи нет.", "There is no such record.";
    user_deactivated: "Этот пользователь отключён.", "This user is deactivated.";
    not_in_team: "Можно назначить только себя или свою команду.", "You may assign only yourself or your team.";
    // Activities and the schedule
    activity: "Активность", "Activity";
    activity_type: "Тип", "Type";
    type_task: "Задача", "Task";
    type_call: "Звонок", "Call";
    type_meeting: "Встреча", "Meeting";
    type_email: "Письмо", "Email";
    status_not_started: "Не начата", "Not started";
    status_in_progress: "В работе", "In progress";
    status_completed: "Выполнена", "Completed";
    status_cancelled: "Отменена", "Cancelled";
    opportunity: "Продажа", "Opportunity";
    process_step: "Шаг процесса", "Process step";
    manual_activity: "Создана вручную", "Created by hand";
    completed_at: "Выполнена", "Completed";
    start_at: "Начало", "Start";
    day: "День", "Day";
    week: "Неделя", "Week";
    today: "Сегодня", "Today";
    previous: "Назад", "Previous";
    next: "Вперёд", "Next";
    no_activities: "На этот период активностей нет.", "No activities in this period.";
    overdue_count: "Просрочено", "Overdue";
    schedule_for: "Расписание на", "Schedule for";
    // Leads
    lead: "Лид", "Lead";
    lead_stages: "Стадии лида", "Lead stages";
    handoff_note: "Перевод в «Ожидание продажи» создаёт продажу и запускает процесс.", "Moving to “Awaiting sale” creates an opportunity and starts the process.";
    linked_opportunity: "Связанная продажа", "Linked opportunity";
    // Notifications page
    notification_centre: "Центр уведомлений", "Notification centre";
    received: "Получено", "Received";
    read: "Прочитано", "Read";
    // Errors
    not_found_title: "Страница не найдена", "Page not found";
    not_found_text: "Такой записи нет или она вам недоступна.", "This record does not exist or is not available to you.";
    error_title: "Что-то пошло не так", "Something went wrong";
    error_text: "Ошибка записана в журнал. Попробуйте ещё раз.", "The error has been logged. Please try again.";
    forbidden_text: "Запрос отклонён: форма пришла не с этой страницы. Обновите страницу и повторите.", "The request was refused: the form did not come from this page. Reload the page and try again.";
    back_home: "К продажам", "Back to opportunities";
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::Ru => &RU,
        Locale::En => &EN,
    }
}

impl Texts {
    pub fn activity_type(&self, kind: ActivityType) -> &'static str {
        match kind {
            ActivityType::Task => self.type_task,
            ActivityType::Call => self.type_call,
            ActivityType::Meeting => self.type_meeting,
            ActivityType::Email => self.type_email,
        }
    }

    pub fn activity_status(&self, status: ActivityStatus) -> &'static str {
        match status {
            ActivityStatus::NotStarted => self.status_not_started,
            ActivityStatus::InProgress => self.status_in_progress,
            ActivityStatus::Completed => self.status_completed,
            ActivityStatus::Cancelled => self.status_cancelled,
        }
    }

    pub fn role(&self, role: &dealflow_store::records::Role) -> &'static str {
        use dealflow_store::records::Role;
        match role {
            Role::Manager => self.role_manager,
            Role::Supervisor => self.role_supervisor,
            Role::Admin => self.role_admin,
        }
    }

    /// What went wrong, for a person: the engine's refusals and the services' checks in this
    /// language. `None` for failures that are ours, not the person's.
    pub fn service_error(&self, error: &ServiceError) -> Option<String> {
        let text = match error {
            ServiceError::NotFound | ServiceError::Engine(EngineError::ActivityNotFound) => self.no_such_record,
            ServiceError::Engine(EngineError::OpportunityClosed) => self.opportunity_closed,
            ServiceError::Engine(EngineError::ProcessAlreadyRunning) => self.process_already_running,
            ServiceError::Engine(EngineError::ActivityNotOpen) => self.activity_not_open,
            ServiceError::Engine(EngineError::ProcessNotRunning) => self.no_process,
            ServiceError::Engine(EngineError::ProcessInactive) => self.process_inactive,
            ServiceError::Engine(EngineError::UnknownResult(_)) => self.unknown_result,
            ServiceError::Engine(EngineError::UnknownStage(_) | EngineError::InactiveStage(_)) => self.stage_inactive,
            ServiceError::Engine(EngineError::NotAFinalStage(_)) => self.not_final_stage,
            ServiceError::Validation(fields) => return Some(fields.iter().map(|f| self.field_message(f)).collect::<Vec<_>>().join(" ")),
            ServiceError::VersionConflict { .. } | ServiceError::PreconditionFailed { .. } => self.conflict_details,
            ServiceError::BadCredentials => self.bad_credentials,
            ServiceError::RateLimited => self.rate_limited,
            ServiceError::OpportunityNotWon => self.something_wrong,
            ServiceError::AlreadyExists(_) => self.something_wrong,
            ServiceError::Store(_) => return None,
        };
        Some(text.to_owned())
    }

    /// A service's field check in this language (the services speak English to the API).
    pub fn field_message(&self, error: &FieldError) -> String {
        let message = error.message.as_str();
        let text = if message == "must not be empty" {
            self.required
        } else if message.starts_with("must be at most") {
            self.too_long
        } else if message == "this user is deactivated" {
            self.user_deactivated
        } else if message.contains("hours") {
            self.must_be_hours
        } else if message.contains("does not exist") || message == "no such user" {
            self.no_such_record
        } else if message.contains("not active") {
            self.stage_inactive
        } else {
            self.something_wrong
        };
        text.to_owned()
    }

    pub fn conflict_at(&self, stage_name: &str) -> String {
        self.conflict_changed.replace("{stage}", stage_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Russian texts carry no Latin words and English texts no Cyrillic (the names of the
    /// languages themselves, the product's name and the BANT acronym aside).
    #[test]
    fn each_language_is_written_in_its_own_script() {
        let allowed_latin = ["BANT", "English", "dealflow"];
        for (ru, en) in all_pairs().into_iter().skip(1) {
            // Placeholders such as `{stage}` are filled in later.
            let mut latin = ru.replace("{stage}", "");
            for word in allowed_latin {
                latin = latin.replace(word, "");
            }
            assert!(!latin.chars().any(|c| c.is_ascii_alphabetic()), "Latin letters in the Russian text {ru:?}");
            let cyrillic = en.replace("Русский", "");
            assert!(!cyrillic.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c)), "Cyrillic in the English text {en:?}");
        }
    }
}
