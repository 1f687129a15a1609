//! The catalogues' own check: each language is written in its own script.

use super::Texts;

/// Russian texts carry no Latin words and English texts no Cyrillic (names and acronyms aside).
#[test]
fn each_language_is_written_in_its_own_script() {
    let others = super::super::deal_texts::DealTexts::all_pairs().into_iter().chain(super::super::connect_texts::ConnectTexts::all_pairs());
    let others = others.chain(super::super::import_texts::ImportTexts::all_pairs());
    written_in_own_scripts(Texts::all_pairs().into_iter().skip(1).chain(others));
}

fn written_in_own_scripts(pairs: impl Iterator<Item = (&'static str, &'static str)>) {
    let allowed_latin = [
        "BANT",
        "English",
        "dealflow",
        "CSV",
        "TOML",
        "RUB",
        "Ctrl+K",
        "Google",
        "Outlook",
        "Apple",
        "Thunderbird",
        "URL",
        "Pipedrive",
        "HubSpot",
        "Salesforce",
        "UTF-8",
        "Windows-1251",
    ];
    for (ru, en) in pairs {
        // Placeholders such as `{stage}` and `{count}` are filled in later.
        let mut latin: String = ru.split('{').map(|part| part.split_once('}').map_or(part, |(_, rest)| rest)).collect();
        for word in allowed_latin {
            latin = latin.replace(word, "");
        }
        assert!(!latin.chars().any(|c| c.is_ascii_alphabetic()), "Latin letters in the Russian text {ru:?}");
        let cyrillic = en.replace("Русский", "");
        assert!(!cyrillic.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c)), "Cyrillic in the English text {en:?}");
    }
}
