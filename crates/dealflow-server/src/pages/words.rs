//! The catalogue's words for the domain's values: a weekday, an activity's kind and status, a
//! role, a change between versions, a conflict at a stage.

use dealflow_core::definition::ActivityType;
use dealflow_core::engine::ActivityStatus;

use super::i18n::Texts;

impl Texts {
    /// Monday first, as ISO numbers the days.
    pub fn weekday_names(&self) -> [&'static str; 7] {
        if self.lang_code == "ru" {
            ["Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"]
        } else {
            ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        }
    }

    /// Short month names, January first, for chart labels.
    pub fn month_names(&self) -> [&'static str; 12] {
        if self.lang_code == "ru" {
            ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]
        } else {
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        }
    }

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

    pub fn role(&self, role: &dealflow_core::records::Role) -> &'static str {
        use dealflow_core::records::Role;
        match role {
            Role::Manager => self.role_manager,
            Role::Supervisor => self.role_supervisor,
            Role::Admin => self.role_admin,
        }
    }

    /// A mark of the version comparison, from the class the template gives a row.
    pub fn change_word(&self, change: &str) -> &'static str {
        match change {
            "Added" => self.change_added,
            "Removed" => self.change_removed,
            _ => self.change_changed,
        }
    }

    pub fn conflict_at(&self, stage_name: &str) -> String {
        self.conflict_changed.replace("{stage}", stage_name)
    }

    pub fn exit_criteria_unmet(&self, stage_name: &str) -> String {
        self.criteria_unmet.replace("{stage}", stage_name)
    }
}
