//! Every text of the web app in Russian and English. The catalogue is a struct with one field per
//! text, so a template that names a missing text does not compile and neither language can lack one.

use dealflow_core::Locale;

macro_rules! catalogue {
    ($texts:ident, $ru_static:ident, $en_static:ident; $($key:ident: $ru:literal, $en:literal;)*) => {
        /// The texts of one language.
        pub struct $texts {
            $(pub $key: &'static str,)*
        }

        pub static $ru_static: $texts = $texts { $($key: $ru,)* };
        pub static $en_static: $texts = $texts { $($key: $en,)* };

        impl $texts {
            /// Every text as (Russian, English), for the checks of the catalogue.
            #[cfg(test)]
            pub fn all_pairs() -> Vec<(&'static str, &'static str)> {
                vec![$(($ru, $en),)*]
            }
        }
    };
}
pub(crate) use catalogue;

catalogue! {
    Texts, RU, EN;
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
    session_form_expired: "Форма устарела. Обновите страницу и повторите.", "The form has expired. Reload the page and try again.";
    // Header and side panel
    command_line: "Поиск и команды", "Search and commands";
    command_placeholder: "Найти сделку, клиента… или команда — Ctrl+K", "Find a deal, a customer… or a command — Ctrl+K";
    open_search: "Открыть поиск", "Open search";
    reminders: "Напоминания", "Reminders";
    expected_close: "Ожидаемое закрытие", "Expected close";
    close_this_month: "В этом месяце", "This month";
    close_next_month: "В следующем месяце", "Next month";
    close_this_quarter: "В этом квартале", "This quarter";
    close_next_quarter: "В следующем квартале", "Next quarter";
    close_overdue: "Срок прошёл", "Past due";
    open_deals: "В работе", "Open";
    days_in_stage: "дн. на стадии", "days in stage";
    next_activity: "Следующее дело", "Next activity";
    no_next_activity: "Нет запланированных дел", "Nothing planned";
    move_to_stage: "Перенести на стадию", "Move to stage";
    move_card: "Перенести", "Move";
    board_drag_hint: "Перетащите карточку на другую стадию или выберите стадию в карточке.", "Drag a card to another stage, or choose the stage on the card.";
    show_which: "Показать", "Show";
    all_notifications_option: "Все", "All";
    unread_only: "Только непрочитанные", "Unread only";
    notification_kind: "Вид", "Kind";
    kind_assigned: "Новые задачи", "New tasks";
    kind_reminder: "Напоминания", "Reminders";
    kind_won: "Выигранные продажи", "Won opportunities";
    kind_lost: "Проигранные продажи", "Lost opportunities";
    reminders_note: "До начала встречи или звонка, до срока задачи — в уведомлениях.", "Before a meeting or call starts, before a task is due — among your notifications.";
    remind_never: "Не напоминать", "No reminders";
    remind_15_minutes: "За 15 минут", "15 minutes before";
    remind_an_hour: "За час", "An hour before";
    remind_a_day: "За день", "A day before";
    commands: "Команды", "Commands";
    search_results: "Результаты поиска", "Search results";
    search_short_hint: "По одной-двум буквам находятся только названия, которые с них начинаются. Наберите три буквы, чтобы искать и внутри названий, сделки, лиды и дела.", "One or two letters find only names that start with them. Type three to search inside names and to find deals, leads and activities.";
    search_more_hint: "Показаны последние изменённые. Уточните запрос, чтобы найти остальное.", "The most recently changed are shown. Add words to find the rest.";
    nothing_found_command: "Команда не распознана, и ничего не найдено.", "This is not a known command, and nothing was found.";
    activities_found: "Дела", "Activities";
    run: "Выполнить", "Run";
    did_you_mean: "Возможно, вы имели в виду:", "Did you mean:";
    notifications: "Уведомления", "Notifications";
    unread: "непрочитанных", "unread";
    no_notifications: "Уведомлений нет.", "No notifications.";
    mark_all_read: "Отметить все прочитанными", "Mark all as read";
    all_notifications: "Все уведомления", "All notifications";
    open: "Открыть", "Open";
    language: "Язык", "Language";
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
    actual_revenue_note: "Пока не введена, выигранная продажа считается на свою сумму.", "Until one is entered, a won deal counts at its amount.";
    hours_spent: "Затрачено часов", "Hours spent";
    close_reason: "Причина", "Reason";
    closed_at: "Закрыта", "Closed";
    create_order: "Создать заказ", "Create order";
    order_created: "Заказ создан.", "The order has been created.";
    orders: "Заказы", "Orders";
    conflict_changed: "Пока вы смотрели, продажу изменил кто-то другой. Сейчас она на стадии «{stage}». Проверьте и повторите.", "Someone else changed this opportunity while you were looking. It is now at stage “{stage}”. Check and try again.";
    conflict_details: "Пока вы редактировали, продажу изменил кто-то другой. Ваши значения сохранены в форме: проверьте их и сохраните ещё раз.", "Someone else changed this opportunity while you were editing. Your values are kept in the form: check them and save again.";
    process_inactive: "Этот процесс не активен.", "This process is not active.";
    something_wrong: "Не получилось. Попробуйте ещё раз.", "That did not work. Please try again.";
    check_fields: "Исправьте отмеченные поля.", "Correct the marked fields.";
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
    whose_schedule: "Чьё расписание", "Whose schedule";
    my_activities: "Мои дела", "My activities";
    whole_team: "Вся команда", "Whole team";
    schedule_more: "Показаны первые {count} дел. Выберите человека или день, чтобы увидеть остальные.", "Showing the first {count} activities. Pick a person or a day to see the rest.";
    schedule_day_more: "Все дела этого дня →", "All of this day's activities →";
    week: "Неделя", "Week";
    today: "Сегодня", "Today";
    previous: "Назад", "Previous";
    next: "Вперёд", "Next";
    no_activities: "На этот период активностей нет.", "No activities in this period.";
    overdue_count: "Просрочено", "Overdue";
    // Leads
    lead: "Лид", "Lead";
    lead_stages: "Стадии лида", "Lead stages";
    handoff_note: "Перевод в «Ожидание продажи» создаёт продажу и запускает процесс.", "Moving to “Awaiting sale” creates an opportunity and starts the process.";
    linked_opportunity: "Связанная продажа", "Linked opportunity";
    // Notifications page
    notification_centre: "Центр уведомлений", "Notification centre";
    read: "Прочитано", "Read";
    // Analytics
    analytics: "Аналитика", "Analytics";
    analytics_note: "Выигрыши и проигрыши считаются по дате закрытия, воронка и конверсия — по дате создания продажи, открытая воронка — на сегодня.", "Won and lost count by the date a deal closed, the funnel and conversion by the date it was created, the open pipeline as of today.";
    period_from: "С даты", "From";
    period_to: "По дату (не включая)", "To (not included)";
    everyone_visible: "Все, кого я вижу", "Everyone I can see";
    team: "Команда руководителя", "Supervisor's team";
    whole_company: "Вся компания", "The whole company";
    show: "Показать", "Show";
    download_csv: "Скачать CSV", "Download CSV";
    won_deals: "Выиграно", "Won";
    lost_deals: "Проиграно", "Lost";
    win_rate: "Доля выигранных", "Win rate";
    open_pipeline: "Открытые продажи", "Open pipeline";
    weighted: "с учётом вероятности", "weighted";
    totals: "Итоги", "Totals";
    hours_won: "Часы на выигранные", "Hours on won deals";
    hours_lost: "Часы на проигранные", "Hours on lost deals";
    open_count: "Открытых продаж", "Open opportunities";
    open_amount: "Сумма открытых продаж", "Open pipeline amount";
    weighted_amount: "Сумма с учётом вероятности", "Amount weighted by probability";
    won_lost_chart: "Выиграно и проиграно", "Won and lost";
    won_lost_desc: "Число выигранных и проигранных продаж за период; у выигранных — ещё и фактическая выручка.", "How many deals were won and lost in the period; for the won ones, their actual revenue too.";
    funnel_chart: "Воронка по стадиям", "Funnel by stage";
    funnel_desc: "Продажи, созданные за период, по стадии, на которой они сейчас: число и сумма.", "Opportunities created in the period by the stage they are on now: count and amount.";
    conversion_chart: "Конверсия из стадии в стадию", "Conversion from stage to stage";
    conversion_desc: "Какая доля продаж, дошедших до стадии, дошла и до следующей.", "The share of opportunities that reached a stage and went on to reach the next one.";
    days_chart: "Среднее время в стадии", "Average time in stage";
    days_desc: "Сколько дней в среднем продажа проводит в каждой стадии, по истории стадий.", "How many days an opportunity spends in each stage on average, from the stage history.";
    reasons_chart: "Причины проигрыша", "Why deals were lost";
    reasons_desc: "Проигранные за период продажи по причине, указанной при закрытии.", "Deals lost in the period by the reason given when they were closed.";
    no_reason: "Причина не указана", "No reason given";
    no_data: "За этот период данных нет.", "Nothing in this period.";
    days_short: "дн.", "d";
    this_month: "Этот месяц", "This month";
    this_quarter: "Этот квартал", "This quarter";
    this_year: "Этот год", "This year";
    last_12_months: "Последние 12 месяцев", "Last 12 months";
    period_presets: "Быстрый выбор периода", "Quick periods";
    comparison: "Команда по менеджерам", "The team by salesperson";
    won_revenue: "Выручка по выигранным", "Won revenue";
    average_cycle: "Средний цикл сделки", "Average sales cycle";
    trend_chart: "Выручка и доля выигранных по месяцам", "Won revenue and win rate by month";
    trend_desc: "Столбцы — выручка по продажам, выигранным в месяце; линия — доля выигранных среди закрытых в месяце.", "Columns: the revenue of deals won in the month; line: the share of deals closed in the month that were won.";
    hours_short: "ч", "h";
    minutes_short: "мин", "min";
    of: "из", "of";
    figures: "Показатели", "Figures";
    section: "Раздел", "Section";
    figure: "Показатель", "Figure";
    value: "Значение", "Value";
    // Process library
    process_library: "Библиотека процессов", "Process library";
    library_intro: "Процессы продаж, которые можно запустить: стадии, что на них делать и какие задачи создаёт система.", "The sales processes you can run: their stages, what to do at each one, and the tasks the system creates.";
    process: "Процесс", "Process";
    version: "Версия", "Version";
    versions: "Версии", "Versions";
    current_version: "действующая", "current";
    stages_of_process: "Стадии", "Stages";
    process_active: "Включён", "Active";
    process_inactive_badge: "Выключен", "Inactive";
    activate_process: "Включить процесс", "Activate the process";
    deactivate_process: "Выключить процесс", "Deactivate the process";
    diagram: "Схема процесса", "Process diagram";
    legend_next: "переход к следующей стадии, когда все задачи выполнены", "moves on when every task is done";
    legend_close: "результат задачи, который закрывает продажу", "a task result that closes the deal";
    next_stage: "Далее", "Next";
    guidance_tasks: "Что делать", "What to do";
    guidance_goal: "Цель стадии", "Goal of the stage";
    guidance_system: "Что делает система", "What the system does";
    guidance_next: "Что дальше", "What comes next";
    steps: "Задачи стадии", "Tasks of the stage";
    results: "Результаты", "Results";
    effect_advance: "задача выполнена", "counts as done";
    effect_close: "закрывает продажу стадией", "closes the deal at";
    published_by: "Кто опубликовал", "Published by";
    published_at: "Когда", "When";
    installed_with_product: "Поставляется с программой", "Shipped with the product";
    compare_with_previous: "Сравнить с предыдущей", "Compare with the previous one";
    old_version_shown: "Показана не действующая версия.", "This is not the current version.";
    show_current: "Показать действующую", "Show the current one";
    version_published: "Опубликована версия", "Published version";
    difference: "Сравнение версий", "Differences between versions";
    compare_from: "Версия слева", "Left version";
    compare_to: "Версия справа", "Right version";
    compare: "Сравнить", "Compare";
    versions_identical: "Стадии и задачи в этих версиях совпадают.", "These versions have the same stages and tasks.";
    change_added: "добавлено", "added";
    change_removed: "удалено", "removed";
    change_changed: "изменено", "changed";
    upload_version: "Загрузить новую версию", "Upload a new version";
    upload_intro: "Вставьте документ процесса в формате TOML или выберите файл. Сначала проверьте его: будут показаны все ошибки с номерами строк и что изменится. Опубликованная версия действует для продаж, где процесс запустят после публикации; уже идущие процессы остаются на своей версии.", "Paste the process document in TOML or pick a file. Check it first: every problem is shown with its line, and what would change. A published version applies to processes started after it; those already running stay on their version.";
    document_toml: "Документ процесса (TOML)", "Process document (TOML)";
    check_document: "Проверить", "Check";
    publish: "Опубликовать", "Publish";
    document_has_problems: "Ошибок в документе:", "Problems in the document:";
    nothing_published: "Ничего не опубликовано.", "Nothing was published.";
    document_is_whole: "Документ без ошибок. Ниже — чем он отличается от действующей версии.", "The document has no problems. Below is how it differs from the current version.";
    current_word: "действующая", "current";
    new_word: "новая", "new";
    line: "Строка", "Line";
    // Knowledge base
    knowledge_base: "База знаний", "Knowledge base";
    new_article: "Новая статья", "New article";
    open_presentation: "Открыть в базе знаний", "Open in the knowledge base";
    edit_article: "Изменить статью", "Edit the article";
    article_body: "Текст", "Text";
    tags: "Метки", "Tags";
    tags_note: "Через запятую.", "Separated by commas.";
    author: "Автор", "Author";
    // Closing a deal
    closing_details: "Итоги продажи", "How the deal ended";
    fill_in_closing: "Заполнить итоги", "Fill them in";
    waiting_on: "Задачи стадии выполнены. Процесс пойдёт дальше, когда в продаже будет:", "The stage's tasks are done. The process moves on once the opportunity has:";
    fill_in_details: "Заполнить данные продажи", "Fill in the opportunity";
    criteria_unmet: "Продажа перейдёт на стадию «{stage}», когда в ней будет:", "The opportunity can move to “{stage}” once it has:";
    exit_criteria: "Прежде чем продажа уйдёт со стадии", "Before a deal leaves this stage";
    move_title: "Перевести продажу на стадию", "Move the opportunity to";
    move_cancels: "Будут отменены задачи процесса", "Process activities cancelled";
    move_creates: "Будут созданы задачи процесса", "Process activities created";
    move_notifies: "Получат уведомления", "Notified";
    move_nothing: "нет", "none";
    move_nobody: "никто", "nobody";
    move_confirm: "Перевести", "Move";
    move_not_allowed: "Сначала заполните то, чего не хватает: перевести продажу в обход условий может только руководитель.", "Fill in what is missing first: only a supervisor may move the deal on without it.";
    close_override_reason: "Если условия стадий не выполнены: почему закрываете всё равно", "If the stages' exit criteria are unmet: why you close anyway";
    criteria_overridden: "в обход условий стадии", "exit criteria overridden";
    override_reason: "Почему продажа идёт дальше без этого", "Why the deal moves on without this";
    override_to: "Всё равно перевести на", "Move on anyway to";
    closing_details_missing: "Укажите выручку, затраченные часы и причину — без них продажа не попадёт в аналитику полностью.", "Fill in the revenue, the hours spent and the reason, or the analytics will miss this deal.";
    // Administration
    administration: "Администрирование", "Administration";
    users: "Пользователи", "Users";
    opportunity_stages: "Стадии продаж", "Opportunity stages";
    lookups: "Справочники", "Lookups";
    system_settings: "Системные настройки", "System settings";
    stages_intro: "Порядок стадий — это порядок на панели стадий. Стадию, которая уже использовалась, нельзя удалить, только выключить.", "The order here is the order on the workflow bar. A stage that has been used cannot be deleted, only deactivated.";
    position: "Порядок", "Order";
    name: "Название", "Name";
    name_ru: "Название по-русски", "Name in Russian";
    name_en: "Название по-английски", "Name in English";
    description_ru: "Описание по-русски", "Description in Russian";
    description_en: "Описание по-английски", "Description in English";
    code: "Код", "Code";
    max_probability: "Наибольшая вероятность, %", "Highest probability, %";
    final_flag: "Завершающая", "Final";
    won_flag: "Победа", "Won";
    in_funnel: "В воронке", "In the funnel";
    on_bar: "На панели стадий", "On the workflow bar";
    active_flag: "Действует", "Active";
    hands_off_flag: "Передаёт в продажу", "Hands off to sales";
    converted_flag: "Сконвертирован", "Converted";
    yes: "да", "yes";
    edit: "Изменить", "Edit";
    move_up: "Выше", "Move up";
    move_down: "Ниже", "Move down";
    add_stage: "Добавить стадию", "Add a stage";
    delete_stage: "Удалить стадию", "Delete the stage";
    stage_in_use_note: "Продажи уже проходили эту стадию: нельзя менять, завершающая ли она и победная ли, и нельзя её удалить.", "Opportunities have been through this stage: whether it is final or won cannot change, and it cannot be deleted.";
    stage_in_use: "Стадия используется — её можно только выключить.", "This stage is in use; it can only be deactivated.";
    lead_stages_intro: "Стадии лидов. Стадия, которая передаёт лид в продажу, создаёт продажу и запускает процесс.", "The stages of a lead. The stage that hands off to sales creates an opportunity and starts its process.";
    lost_reasons: "Причины проигрыша", "Lost reasons";
    won_reasons: "Причины выигрыша", "Won reasons";
    row_actions: "Действия со строкой", "Row actions";
    won_reason: "Причина выигрыша", "Won reason";
    lost_reason: "Причина проигрыша", "Lost reason";
    confirm_close_title: "Закрыть продажу?", "Close the deal?";
    confirm_close_result: "Результат", "The result";
    confirm_close_moves: "закроет продажу со стадией", "closes the deal on the stage";
    confirm_close_button: "Выполнить и закрыть продажу", "Complete and close the deal";
    confirm_close_intro: "Продажа закроется, а открытые задачи процесса будут отменены. Укажите, как всё закончилось.", "The deal closes and the process's open tasks are cancelled. Say how it ended.";
    won_reasons_intro: "Их предлагает окно закрытия выигранной продажи.", "The close dialog offers these for a won deal.";
    lost_reasons_intro: "Их предлагает окно закрытия продажи; по ним группируется аналитика.", "The close dialog offers these; the analytics group lost deals by them.";
    add_reason: "Добавить причину", "Add a reason";
    add_lead_stage: "Добавить стадию лида", "Add a lead stage";
    delete: "Удалить", "Delete";
    setting: "Настройка", "Setting";
    enabled: "Включено", "On";
    role: "Роль", "Role";
    supervisor: "Руководитель", "Supervisor";
    no_supervisor: "Нет", "None";
    user_active: "Работает", "Active";
    user_inactive: "Отключён", "Deactivated";
    add_user: "Добавить пользователя", "Add a user";
    new_password: "Новый пароль", "New password";
    new_password_note: "Оставьте пустым, чтобы не менять. Смена пароля завершает все сеансы пользователя.", "Leave empty to keep it. A new password ends all of the user's sessions.";
    current_password: "Текущий пароль", "Current password";
    current_password_note: "Нужен, только чтобы сменить собственный пароль.", "Needed only to change your own password.";
    deactivate_note: "Отключённый пользователь не может войти; его сеансы и ключи перестают действовать сразу.", "A deactivated user cannot sign in; their sessions and tokens stop working at once.";
    // Profile and time zones
    time_zone: "Часовой пояс", "Time zone";
    default_time_zone: "Как в настройках системы", "The system's default";
    profile: "Мой профиль", "My profile";
    profile_intro: "Имя, язык и часовой пояс: все даты и время вы видите и вводите в своём поясе.", "Your name, language and time zone: you see and enter every date and time in your own zone.";
    // Everyday records
    create_account_named: "Создать клиента", "Create the account";
    create_contact_named: "Создать контакт", "Create the contact";
    picker_hint: "Начните вводить название и выберите из списка.", "Start typing and choose from the list.";
    new_activity: "Новая активность", "New activity";
    edit_activity: "Изменить активность", "Change the activity";
    activity_date: "Дата", "Date";
    activity_time: "Время", "Time";
    duration_minutes: "Длительность, минут", "Duration, minutes";
    time_note_task: "Для задачи без времени срок — 18:00 этого дня.", "A task without a time is due at 18:00 that day.";
    duration_note: "Только для встреч и звонков.", "For meetings and calls only.";
    ends_at: "Окончание", "Ends";
    by_process_note: "Эту активность создал процесс: можно перенести её дату и время и назначить другого ответственного, а название, тип и связи задаёт процесс.", "The process made this activity: you can move its date and time and give it to someone else; its title, type and links are the process's.";
    cancel_activity: "Отменить активность", "Cancel the activity";
    accounts: "Клиенты", "Accounts";
    contacts: "Контакты", "Contacts";
    new_account: "Новый клиент", "New account";
    new_contact: "Новый контакт", "New contact";
    edit_account: "Изменить данные клиента", "Change the account";
    edit_contact: "Изменить данные контакта", "Change the contact";
    account_search_placeholder: "Название клиента", "Account name";
    contact_search_placeholder: "Имя контакта", "Contact name";
    industry: "Отрасль", "Industry";
    phone: "Телефон", "Phone";
    website: "Сайт", "Website";
    job_title: "Должность", "Job title";
    created: "Создан", "Created";
    create: "Создать", "Create";
    pages: "Страницы списка", "List pages";
    activities: "Активности", "Activities";
    notes: "Заметки", "Notes";
    new_note: "Новая заметка", "New note";
    note_added: "Заметка", "Note";
    timeline_more: "Показать всю историю", "Show the whole timeline";
    add_note: "Добавить заметку", "Add the note";
    no_notes: "Заметок пока нет.", "No notes yet.";
    none_yet: "Пока ничего нет.", "Nothing yet.";
    new_opportunity: "Новая продажа", "New opportunity";
    create_menu: "Создать", "Create";
    new_opportunity_note: "Продажа начнётся с первой стадии без процесса; запустить процесс можно со страницы продажи.", "The opportunity starts on the first stage without a process; you can run one from its page.";
    new_lead: "Новый лид", "New lead";
    edit_lead: "Изменить лид", "Change the lead";
    new_call: "Новый звонок", "New call";
    new_meeting: "Новая встреча", "New meeting";
    new_task: "Новая задача", "New task";
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

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;
