//! The command line at the top of every page: «Запустить процесс Корпоративная продажа» or
//! "Run process Enterprise sale", in any letter case, with extra spaces or quotes. Pure text
//! work: the caller supplies the library's active processes.

use crate::text::LocalizedText;

/// The verbs that start a process, in both languages (already normalized).
const RUN_PROCESS: [&str; 2] = ["запустить процесс", "run process"];

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    RunProcess { code: String },
}

/// Lower-cased, quotes removed, runs of spaces made one.
pub fn normalize(text: &str) -> String {
    let unquoted: String = text.chars().filter(|c| !matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '„' | '`')).collect();
    unquoted.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Finds a process by its name in either language, or by its code.
pub fn parse(text: &str, processes: &[(String, LocalizedText)]) -> Option<Parsed> {
    let text = normalize(text);
    let rest = RUN_PROCESS.iter().find_map(|verb| text.strip_prefix(verb))?.trim();
    processes
        .iter()
        .find(|(code, name)| rest == normalize(code) || rest == normalize(&name.ru) || rest == normalize(&name.en))
        .map(|(code, _)| Parsed::RunProcess { code: code.clone() })
}

/// Every command the line knows, in both languages.
fn candidates(processes: &[(String, LocalizedText)]) -> Vec<String> {
    processes.iter().flat_map(|(_, name)| [format!("Запустить процесс {}", name.ru), format!("Run process {}", name.en)]).collect()
}

/// Whether a command is written in `locale`'s words: with nothing typed yet, a person is offered
/// the commands of their own language.
pub fn in_language(command: &str, locale: crate::Locale) -> bool {
    let verb = if locale == crate::Locale::Ru { RUN_PROCESS[0] } else { RUN_PROCESS[1] };
    normalize(command).starts_with(verb)
}

/// Commands that complete or resemble `text`, best first: those it begins, then those that
/// contain it, then those sharing the most words with it.
pub fn suggest(text: &str, processes: &[(String, LocalizedText)]) -> Vec<String> {
    let typed = normalize(text);
    let mut ranked: Vec<(u32, String)> = candidates(processes)
        .into_iter()
        .filter_map(|candidate| {
            let normalized = normalize(&candidate);
            let score = if typed.is_empty() || normalized.starts_with(&typed) {
                3_000
            } else if normalized.contains(&typed) {
                2_000
            } else {
                let words: Vec<&str> = typed.split(' ').collect();
                let shared = words.iter().filter(|w| w.chars().count() >= 2 && normalized.split(' ').any(|c| c.starts_with(*w))).count();
                if shared == 0 {
                    return None;
                }
                1_000 + shared as u32
            };
            Some((score, candidate))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, c)| c).take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Vec<(String, LocalizedText)> {
        vec![
            ("enterprise-sale".into(), LocalizedText::new("Корпоративная продажа", "Enterprise sale")),
            ("small-deal".into(), LocalizedText::new("Небольшая сделка", "Small deal")),
        ]
    }

    #[test]
    fn the_command_is_understood_in_any_case_spacing_and_quoting() {
        let expected = Some(Parsed::RunProcess { code: "enterprise-sale".into() });
        for text in [
            "Запустить процесс Корпоративная продажа",
            "  запустить   ПРОЦЕСС   «Корпоративная продажа» ",
            "Run process Enterprise sale",
            "run process \"enterprise SALE\"",
            "run process enterprise-sale",
        ] {
            assert_eq!(parse(text, &library()), expected, "{text}");
        }
        for text in ["", "Запустить процесс", "run process Unknown", "delete everything", "Корпоративная продажа"]
        {
            assert_eq!(parse(text, &library()), None, "{text}");
        }
    }

    #[test]
    fn suggestions_complete_what_is_typed_best_first() {
        assert_eq!(suggest("запу", &library()), ["Запустить процесс Корпоративная продажа", "Запустить процесс Небольшая сделка"]);
        assert_eq!(suggest("run process sm", &library()), ["Run process Small deal", "Run process Enterprise sale"]);
        assert_eq!(suggest("корпоративная", &library())[0], "Запустить процесс Корпоративная продажа");
        assert_eq!(suggest("", &library()).len(), 4);
        assert!(suggest("xyz", &library()).is_empty());
    }
}
