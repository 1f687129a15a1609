//! The texts of what connects dealflow to a team's other tools — the calendar feed first — in
//! both languages: a catalogue of its own, reached from the main one as `t.connect()`.

use super::i18n::{RU, Texts, catalogue};

catalogue! {
    ConnectTexts, CONNECT_RU, CONNECT_EN;
    calendar: "Календарь", "Calendar feed";
    calendar_intro: "Подпишитесь на свои дела в программе-календаре: Google, Outlook, Apple или Thunderbird покажут звонки, встречи и задачи и сами будут их обновлять.", "Subscribe to your activities in a calendar program: Google, Outlook, Apple or Thunderbird will show your calls, meetings and tasks and keep them up to date.";
    calendar_secret_note: "Адрес действует как пароль: кто его знает, тот видит ваши дела. Он показывается один раз; потеряли — создайте новый, и старый перестанет работать.", "The address works like a password: whoever has it sees your activities. It is shown only once; if you lose it, make a new one and the old one stops working.";
    calendar_none: "Адреса календаря пока нет.", "You have no calendar address yet.";
    calendar_since: "Адрес создан {date}, в нём {scope}.", "Address made on {date}; it shows {scope}.";
    calendar_scope: "Что показывать", "Show";
    calendar_scope_own: "мои дела", "my activities";
    calendar_scope_team: "дела моей команды", "my team's activities";
    calendar_create: "Создать адрес", "Make an address";
    calendar_replace: "Заменить адрес", "Replace the address";
    calendar_revoke: "Отключить адрес", "Turn the address off";
    calendar_revoked: "Адрес календаря отключён: календари больше не получат по нему дела.", "The calendar address is off: calendars get nothing from it any more.";
    calendar_new_address: "Новый адрес календаря. Скопируйте его сейчас — больше он показан не будет:", "Your new calendar address. Copy it now — it will not be shown again:";
    calendar_how: "Google Календарь: «Другие календари» → «+» → «Добавить по URL». Outlook: «Добавить календарь» → «Подписаться из Интернета». Thunderbird: «Новый календарь» → «В сети».", "Google Calendar: Other calendars → + → From URL. Outlook: Add calendar → Subscribe from web. Thunderbird: New Calendar → On the Network.";
    calendar_name: "dealflow: дела — {name}", "dealflow: activities — {name}";
    calendar_team_name: "dealflow: дела команды — {name}", "dealflow: team activities — {name}";
    calendar_not_found: "Такого календаря нет: адрес неверен или отключён.", "There is no such calendar: the address is wrong or has been turned off.";
    webhooks: "Вебхуки", "Webhooks";
    kind_webhook_failing: "Вебхук не отвечает", "Webhook failing";
    webhooks_intro: "Другие системы узнают о событиях сразу: dealflow отправляет каждое событие запросом на указанный адрес, подписывая его секретом. Не дошедшее повторяется сутки, по порядку.", "Other systems hear of events at once: dealflow posts each event to the address you give, signed with its secret. What does not get through is tried again, in order, for a day.";
    webhook_headers: "Подпись и время в заголовках:", "The signature and its time come in the headers:";
    no_webhooks: "Адресов пока нет.", "No endpoints yet.";
    webhook_url: "Адрес", "Address";
    webhook_secret: "Секрет подписи", "Signing secret";
    webhook_secret_help: "Не меньше 16 знаков. Оставьте пустым — секрет будет создан и показан один раз.", "At least 16 characters. Leave it empty to have one made and shown once.";
    webhook_new_secret_help: "Оставьте пустым, чтобы не менять.", "Leave it empty to keep it.";
    webhook_events: "События", "Events";
    webhook_active: "Отправлять", "Send";
    webhook_add: "Добавить адрес", "Add an endpoint";
    webhook_made: "Адрес добавлен:", "Endpoint added:";
    webhook_secret_once: "Секрет подписи — скопируйте его сейчас, больше он показан не будет:", "Its signing secret — copy it now, it will not be shown again:";
    webhook_on: "Отправляются", "Sending";
    webhook_off: "Выключен", "Off";
    webhook_failing: "Не отвечает с {since}", "Failing since {since}";
    webhook_state: "Состояние", "State";
    webhook_delete: "Удалить адрес", "Delete the endpoint";
    event_opportunity_created: "Продажа создана", "Opportunity created";
    event_stage_changed: "Стадия продажи изменилась", "Opportunity stage changed";
    event_opportunity_closed: "Продажа закрыта", "Opportunity closed";
    event_activity_created: "Дело создано", "Activity created";
    event_activity_completed: "Дело выполнено", "Activity completed";
    event_lead_converted: "Лид передан в продажи", "Lead converted";
    event_process_started: "Процесс запущен", "Process started";
    deliveries: "Журнал отправки", "Delivery log";
    no_deliveries: "Отправок пока не было.", "Nothing has been sent yet.";
    delivery_when: "Когда", "When";
    delivery_event: "Событие", "Event";
    delivery_status: "Итог", "Outcome";
    delivery_answer: "Ответ", "Answer";
    delivery_time: "Время ответа", "Answer time";
    delivery_attempts: "Попыток", "Attempts";
    delivery_pending: "Ждёт отправки", "Waiting";
    delivery_delivered: "Доставлено", "Delivered";
    delivery_failed: "Не доставлено", "Gave up";
    milliseconds: "{ms} мс", "{ms} ms";
    send_again: "Отправить снова", "Send again";
    copy: "Скопировать", "Copy";
    copied: "Скопировано", "Copied";
}

impl Texts {
    /// The texts of the calendar feed (and what else connects) in this catalogue's language.
    pub fn connect(&self) -> &'static ConnectTexts {
        if std::ptr::eq(self, &RU) { &CONNECT_RU } else { &CONNECT_EN }
    }
}
