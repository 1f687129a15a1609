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
    copy: "Скопировать", "Copy";
    copied: "Скопировано", "Copied";
}

impl Texts {
    /// The texts of the calendar feed (and what else connects) in this catalogue's language.
    pub fn connect(&self) -> &'static ConnectTexts {
        if std::ptr::eq(self, &RU) { &CONNECT_RU } else { &CONNECT_EN }
    }
}
