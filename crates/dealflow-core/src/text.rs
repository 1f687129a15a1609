//! Text a person reads exists in Russian and English.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Ru,
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    pub ru: String,
    pub en: String,
}

impl LocalizedText {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Self {
        LocalizedText { ru: ru.into(), en: en.into() }
    }

    /// The same words in both languages (a name a person typed, for example).
    pub fn same(text: impl Into<String>) -> Self {
        let text = text.into();
        LocalizedText { ru: text.clone(), en: text }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Ru => &self.ru,
            Locale::En => &self.en,
        }
    }
}
