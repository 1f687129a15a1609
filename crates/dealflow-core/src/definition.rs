//! Process definitions are data: a TOML or JSON document, parsed and checked here against the
//! stage lookup. The validator reports every problem with its path instead of stopping at one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::criteria::{DealField, DealRecords, ExitCriterion};
use crate::stage::{StageCatalog, StageCode, is_code};
use crate::text::LocalizedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityType {
    Task,
    Call,
    Meeting,
    Email,
}

impl ActivityType {
    pub const ALL: [ActivityType; 4] = [ActivityType::Task, ActivityType::Call, ActivityType::Meeting, ActivityType::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityType::Task => "task",
            ActivityType::Call => "call",
            ActivityType::Meeting => "meeting",
            ActivityType::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityType> {
        ActivityType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What completing an activity with a result does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", content = "stage", rename_all = "lowercase")]
pub enum ResultEffect {
    /// Counts as done; when the whole visit is done the process moves on (R7).
    Advance,
    /// Moves the opportunity to this final stage (R8).
    Close(StageCode),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    pub code: String,
    pub name: LocalizedText,
    #[serde(flatten)]
    pub effect: ResultEffect,
}

/// An offset from an activity's creation to its due time: an ISO 8601 duration with weeks,
/// days, hours, minutes and seconds (months and years have no fixed length, so they are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueOffset {
    seconds: i64,
}

impl DueOffset {
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    pub fn parse(text: &str) -> Result<DueOffset, String> {
        let bad = || format!("\"{text}\" is not a duration such as P1D, PT4H or P1DT12H");
        let rest = text.strip_prefix('P').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let (mut seconds, mut number, mut in_time, mut any) = (0i64, String::new(), false, false);
        for c in rest.chars() {
            match c {
                '0'..='9' => number.push(c),
                'T' if !in_time && number.is_empty() => in_time = true,
                _ => {
                    let unit = match (c, in_time) {
                        ('W', false) => 7 * 86_400,
                        ('D', false) => 86_400,
                        ('H', true) => 3_600,
                        ('M', true) => 60,
                        ('S', true) => 1,
                        _ => return Err(bad()),
                    };
                    let n: i64 = number.parse().map_err(|_| bad())?;
                    seconds = n.checked_mul(unit).and_then(|v| v.checked_add(seconds)).ok_or_else(bad)?;
                    number.clear();
                    any = true;
                }
            }
        }
        if !number.is_empty() || !any || seconds > 3_650 * 86_400 {
            return Err(bad());
        }
        Ok(DueOffset { seconds })
    }
}

impl fmt::Display for DueOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, rest) = (self.seconds / 86_400, self.seconds % 86_400);
        let (hours, minutes, seconds) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
        write!(f, "P")?;
        if days > 0 || rest == 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            write!(f, "T")?;
            for (value, unit) in [(hours, 'H'), (minutes, 'M'), (seconds, 'S')] {
                if value > 0 {
                    write!(f, "{value}{unit}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for DueOffset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DueOffset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        DueOffset::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: ActivityType,
    pub title: LocalizedText,
    pub due: DueOffset,
    pub results: Vec<StepResult>,
}

impl Step {
    pub fn result(&self, code: &str) -> Option<&StepResult> {
        self.results.iter().find(|r| r.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guidance {
    pub tasks: LocalizedText,
    pub goal: LocalizedText,
    pub system: LocalizedText,
    pub next: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStage {
    pub stage: StageCode,
    pub next: StageCode,
    pub guidance: Guidance,
    /// What must hold before a deal leaves this stage forward; none for the seed's process.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_criteria: Vec<ExitCriterion>,
    pub steps: Vec<Step>,
}

impl ProcessStage {
    pub fn step(&self, code: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.code == code)
    }
}

/// A checked definition: every stage exists, every close result names a final stage, every
/// text has both languages. Only [`ProcessDefinition::parse_toml`], [`ProcessDefinition::parse_json`]
/// and deserializing a stored (already checked) document make one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDefinition {
    pub code: String,
    pub version: u32,
    pub name: LocalizedText,
    pub active: bool,
    pub stages: Vec<ProcessStage>,
}

impl ProcessDefinition {
    /// Whether the process can lead an opportunity to the stage `code`: as one of its stages, a
    /// stage's `next`, or the stage a result closes at.
    pub fn names_stage(&self, code: &str) -> bool {
        self.stages.iter().any(|s| {
            s.stage.as_str() == code
                || s.next.as_str() == code
                || s.steps
                    .iter()
                    .any(|step| step.results.iter().any(|r| matches!(&r.effect, ResultEffect::Close(stage) if stage.as_str() == code)))
        })
    }

    pub fn parse_toml(text: &str, stages: &StageCatalog) -> Result<ProcessDefinition, Vec<Problem>> {
        let document: Document = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            let message = e.message().trim().to_owned();
            vec![Problem {
                path: line.map(|line| format!("line {line}")).unwrap_or_default(),
                message_ru: "документ не читается как TOML: проверьте синтаксис в этой строке".to_owned(),
                message,
                line,
            }]
        })?;
        document.check(stages).map_err(|mut problems| {
            for problem in &mut problems {
                problem.line = line_of_path(text, &problem.path);
            }
            problems
        })
    }

    pub fn parse_json(text: &str, stages: &StageCatalog) -> Result<ProcessDefinition, Vec<Problem>> {
        let document: Document = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                path: format!("line {}", e.line()),
                message: e.to_string(),
                message_ru: "документ не читается как JSON: проверьте синтаксис в этой строке".to_owned(),
                line: Some(e.line()),
            }]
        })?;
        document.check(stages)
    }

    /// The definition as a TOML document of the shape `parse_toml` reads, to edit and publish anew.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("definitions serialize to TOML")
    }

    pub fn stage(&self, code: &str) -> Option<&ProcessStage> {
        self.stages.iter().find(|s| s.stage.as_str() == code)
    }

    /// Where a process started without an opportunity begins (R1).
    pub fn first_stage(&self) -> &ProcessStage {
        &self.stages[0]
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of a TOML document where the field at `path` (`stages[2].steps[0].due`) is, or the
/// nearest enclosing one that is written (a missing field is reported at its table).
fn line_of_path(text: &str, path: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table = Some(root.get_ref());
    for segment in path.split('.') {
        let (key, index) = match segment.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some(found) = table.and_then(|t| t.get(key)) else { break };
        span = found.span();
        let mut value = found.get_ref();
        if let (Some(i), DeValue::Array(items)) = (index, value) {
            let Some(item) = items.get(i) else { break };
            span = item.span();
            value = item.get_ref();
        }
        table = match value {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    Some(line_of(text, span.start))
}

/// One problem of a definition document, with the path of the field at fault and, for a TOML
/// document, the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
    #[serde(skip)]
    pub message_ru: String,
    pub line: Option<usize>,
}

impl Problem {
    pub fn message(&self, locale: crate::Locale) -> &str {
        match locale {
            crate::Locale::Ru => &self.message_ru,
            crate::Locale::En => &self.message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

// The document as written: everything optional and textual, so that the checker can name every
// missing or wrong field instead of the parser stopping at the first.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    code: Option<String>,
    #[allow(dead_code, reason = "publishing assigns the version; the field is allowed and ignored")]
    version: Option<serde_json::Value>,
    name: Option<TextDocument>,
    active: Option<bool>,
    #[serde(default)]
    stages: Vec<StageDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextDocument {
    ru: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageDocument {
    stage: Option<String>,
    next: Option<String>,
    guidance: Option<GuidanceDocument>,
    #[serde(default)]
    exit_criteria: Vec<CriterionDocument>,
    #[serde(default)]
    steps: Vec<StepDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionDocument {
    filled: Option<String>,
    present: Option<String>,
    step: Option<String>,
    result: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuidanceDocument {
    tasks: Option<TextDocument>,
    goal: Option<TextDocument>,
    system: Option<TextDocument>,
    next: Option<TextDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepDocument {
    code: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<TextDocument>,
    due: Option<String>,
    #[serde(default)]
    results: Vec<ResultDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultDocument {
    code: Option<String>,
    name: Option<TextDocument>,
    effect: Option<String>,
    stage: Option<String>,
}

const MAX_TITLE: usize = 500;
const MAX_TEXT: usize = 20_000;

struct Checker<'a> {
    stages: &'a StageCatalog,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// A problem, said in English (the API's language for it) and in Russian.
    fn problem(&mut self, path: &str, en: impl Into<String>, ru: impl Into<String>) {
        self.problems.push(Problem { path: path.to_owned(), message: en.into(), message_ru: ru.into(), line: None });
    }

    fn required<'t, T>(&mut self, value: &'t Option<T>, path: &str) -> Option<&'t T> {
        if value.is_none() {
            self.problem(path, "is missing", "не заполнено");
        }
        value.as_ref()
    }

    fn text(&mut self, value: &Option<TextDocument>, path: &str, max: usize) -> LocalizedText {
        let Some(text) = self.required(value, path) else { return LocalizedText::default() };
        let mut language = |v: &Option<String>, lang: &str| -> String {
            match v.as_deref().map(str::trim) {
                None | Some("") => {
                    self.problem(&format!("{path}.{lang}"), "translation is missing", "нет перевода");
                    String::new()
                }
                Some(s) if s.chars().count() > max => {
                    self.problem(&format!("{path}.{lang}"), format!("is longer than {max} characters"), format!("длиннее {max} символов"));
                    String::new()
                }
                Some(s) => s.to_owned(),
            }
        };
        LocalizedText { ru: language(&text.ru, "ru"), en: language(&text.en, "en") }
    }

    fn stage_code(&mut self, value: &Option<String>, path: &str) -> Option<StageCode> {
        let code = self.required(value, path)?;
        match self.stages.get(code) {
            Some(stage) => Some(stage.code.clone()),
            None => {
                self.problem(
                    path,
                    format!("\"{code}\" is not a stage of the opportunity stages lookup"),
                    format!("«{code}» нет в справочнике стадий продаж"),
                );
                None
            }
        }
    }
}

impl Document {
    fn check(self, stages: &StageCatalog) -> Result<ProcessDefinition, Vec<Problem>> {
        let mut c = Checker { stages, problems: Vec::new() };
        let code = c.required(&self.code, "code").cloned().unwrap_or_default();
        if self.code.is_some() && !is_process_code(&code) {
            c.problem(
                "code",
                format!("\"{code}\" is not a valid process code (lower-case letters, digits, - and _)"),
                format!("«{code}» не годится как код процесса (строчные латинские буквы, цифры, - и _)"),
            );
        }
        let name = c.text(&self.name, "name", MAX_TITLE);
        if self.stages.is_empty() {
            c.problem("stages", "a process needs at least one stage", "в процессе должна быть хотя бы одна стадия");
        }
        let mut seen_stages = BTreeSet::new();
        let mut seen_steps = BTreeSet::new();
        let mut checked_stages = Vec::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let at = format!("stages[{i}]");
            let code = c.stage_code(&stage.stage, &format!("{at}.stage"));
            if let Some(code) = &code {
                if stages.is_final(code.as_str()) {
                    c.problem(
                        &format!("{at}.stage"),
                        format!("\"{code}\" is a final stage: a process ends there, it has no steps in it"),
                        format!("«{code}» — завершающая стадия: на ней процесс заканчивается, шагов в ней нет"),
                    );
                }
                if !seen_stages.insert(code.clone()) {
                    c.problem(
                        &format!("{at}.stage"),
                        format!("\"{code}\" appears twice in this process"),
                        format!("«{code}» встречается в процессе дважды"),
                    );
                }
            }
            let next = c.stage_code(&stage.next, &format!("{at}.next"));
            if let (Some(code), Some(next)) = (&code, &next)
                && code == next
            {
                c.problem(&format!("{at}.next"), "a stage cannot be its own next stage", "стадия не может вести сама в себя");
            }
            let guidance = c.required(&stage.guidance, &format!("{at}.guidance")).map(|g| Guidance {
                tasks: c.text(&g.tasks, &format!("{at}.guidance.tasks"), MAX_TEXT),
                goal: c.text(&g.goal, &format!("{at}.guidance.goal"), MAX_TEXT),
                system: c.text(&g.system, &format!("{at}.guidance.system"), MAX_TEXT),
                next: c.text(&g.next, &format!("{at}.guidance.next"), MAX_TEXT),
            });
            if stage.steps.is_empty() {
                c.problem(&format!("{at}.steps"), "a stage needs at least one step", "в стадии должен быть хотя бы один шаг");
            }
            let steps: Vec<Option<Step>> = stage
                .steps
                .iter()
                .enumerate()
                .map(|(j, step)| check_step(&mut c, step, &format!("{at}.steps[{j}]"), &mut seen_steps))
                .collect();
            if let (Some(stage), Some(next), Some(guidance)) = (code, next, guidance) {
                let steps = steps.into_iter().flatten().collect();
                checked_stages.push(ProcessStage { stage, next, guidance, exit_criteria: Vec::new(), steps });
            }
        }
        // Criteria may name a step of any stage, so they are read once every step is known.
        let all_steps: Vec<Step> = checked_stages.iter().flat_map(|s| s.steps.clone()).collect();
        for (i, stage) in self.stages.iter().enumerate() {
            let criteria: Vec<Option<ExitCriterion>> = stage
                .exit_criteria
                .iter()
                .enumerate()
                .map(|(j, criterion)| check_criterion(&mut c, criterion, &format!("stages[{i}].exit_criteria[{j}]"), &all_steps))
                .collect();
            if let Some(checked) = checked_stages.iter_mut().find(|s| stage.stage.as_deref() == Some(s.stage.as_str())) {
                checked.exit_criteria = criteria.into_iter().flatten().collect();
            }
        }
        if c.problems.is_empty() {
            Ok(ProcessDefinition { code, version: 1, name, active: self.active.unwrap_or(true), stages: checked_stages })
        } else {
            Err(c.problems)
        }
    }
}

fn check_step(c: &mut Checker<'_>, step: &StepDocument, at: &str, seen: &mut BTreeSet<String>) -> Option<Step> {
    let code = c.required(&step.code, &format!("{at}.code")).cloned();
    if let Some(code) = &code {
        if !is_code(code) {
            c.problem(
                &format!("{at}.code"),
                format!("\"{code}\" is not a valid code (a lower-case letter, then lower-case letters, digits or _)"),
                format!("«{code}» не годится как код (строчная латинская буква, затем буквы, цифры или _)"),
            );
        } else if !seen.insert(code.clone()) {
            c.problem(
                &format!("{at}.code"),
                format!("step code \"{code}\" is used twice in this process"),
                format!("код шага «{code}» встречается в процессе дважды"),
            );
        }
    }
    let kind = c.required(&step.kind, &format!("{at}.type")).and_then(|k| {
        let parsed = ActivityType::parse(k);
        if parsed.is_none() {
            c.problem(
                &format!("{at}.type"),
                format!("\"{k}\" is not an activity type (task, call, meeting or email)"),
                format!("«{k}» — не тип активности (task, call, meeting или email)"),
            );
        }
        parsed
    });
    let title = c.text(&step.title, &format!("{at}.title"), MAX_TITLE);
    let due = c.required(&step.due, &format!("{at}.due")).and_then(|d| match DueOffset::parse(d) {
        Ok(due) => Some(due),
        Err(message) => {
            c.problem(
                &format!("{at}.due"),
                message,
                "срок задаётся длительностью ISO 8601 в неделях, днях, часах, минутах или секундах, например P1D",
            );
            None
        }
    });
    if step.results.is_empty() {
        c.problem(&format!("{at}.results"), "a step needs at least one result", "у шага должен быть хотя бы один результат");
    }
    let mut result_codes = BTreeSet::new();
    let mut results = Vec::new();
    for (k, result) in step.results.iter().enumerate() {
        let rat = format!("{at}.results[{k}]");
        let code = c.required(&result.code, &format!("{rat}.code")).cloned();
        if let Some(code) = &code {
            if !is_code(code) {
                c.problem(&format!("{rat}.code"), format!("\"{code}\" is not a valid code"), format!("«{code}» не годится как код"));
            } else if !result_codes.insert(code.clone()) {
                c.problem(
                    &format!("{rat}.code"),
                    format!("result \"{code}\" appears twice in this step"),
                    format!("результат «{code}» встречается в шаге дважды"),
                );
            }
        }
        let name = c.text(&result.name, &format!("{rat}.name"), MAX_TITLE);
        let effect = match (c.required(&result.effect, &format!("{rat}.effect")).map(String::as_str), &result.stage) {
            (Some("advance"), None) => Some(ResultEffect::Advance),
            (Some("advance"), Some(_)) => {
                c.problem(
                    &format!("{rat}.stage"),
                    "only a close result names a stage",
                    "стадию указывает только результат с эффектом close",
                );
                None
            }
            (Some("close"), None) => {
                c.problem(
                    &format!("{rat}.stage"),
                    "a close result must name the final stage it closes on",
                    "результат с эффектом close должен назвать завершающую стадию",
                );
                None
            }
            (Some("close"), Some(stage)) => match c.stages.get(stage) {
                Some(s) if s.is_final => Some(ResultEffect::Close(s.code.clone())),
                Some(_) => {
                    c.problem(
                        &format!("{rat}.stage"),
                        format!("\"{stage}\" is not a final stage"),
                        format!("«{stage}» — не завершающая стадия"),
                    );
                    None
                }
                None => {
                    c.problem(
                        &format!("{rat}.stage"),
                        format!("\"{stage}\" is not a final stage (no such stage)"),
                        format!("«{stage}» — не завершающая стадия (такой стадии нет)"),
                    );
                    None
                }
            },
            (Some(other), _) => {
                c.problem(
                    &format!("{rat}.effect"),
                    format!("\"{other}\" is not an effect (advance or close)"),
                    format!("«{other}» — не эффект (advance или close)"),
                );
                None
            }
            (None, _) => None,
        };
        if let (Some(code), Some(effect)) = (code, effect) {
            results.push(StepResult { code, name, effect });
        }
    }
    if !step.results.is_empty() && !step.results.iter().any(|r| r.effect.as_deref() == Some("advance")) {
        c.problem(
            &format!("{at}.results"),
            "a step needs at least one result with effect \"advance\", or the process could never move on",
            "у шага должен быть результат с эффектом advance, иначе процесс не сможет продвинуться",
        );
    }
    Some(Step { code: code?, kind: kind?, title, due: due?, results })
}

fn check_criterion(c: &mut Checker<'_>, criterion: &CriterionDocument, at: &str, steps: &[Step]) -> Option<ExitCriterion> {
    let fields = DealField::ALL.map(DealField::as_str).join(", ");
    match criterion {
        CriterionDocument { filled: Some(field), present: None, step: None, result: None } => match DealField::parse(field) {
            Some(filled) => Some(ExitCriterion::Filled { filled }),
            None => {
                c.problem(
                    &format!("{at}.filled"),
                    format!("\"{field}\" is not a field a criterion can require ({fields})"),
                    format!("«{field}» — не поле, которое можно потребовать ({fields})"),
                );
                None
            }
        },
        CriterionDocument { filled: None, present: Some(records), step: None, result: None } => match DealRecords::parse(records) {
            Some(present) => Some(ExitCriterion::Present { present }),
            None => {
                c.problem(
                    &format!("{at}.present"),
                    format!("\"{records}\" is not participants or competitors"),
                    format!("«{records}» — не participants и не competitors"),
                );
                None
            }
        },
        CriterionDocument { filled: None, present: None, step: Some(step), result } => {
            let Some(found) = steps.iter().find(|s| &s.code == step) else {
                c.problem(
                    &format!("{at}.step"),
                    format!("\"{step}\" is not a step of this process"),
                    format!("«{step}» — не шаг этого процесса"),
                );
                return None;
            };
            let result = c.required(result, &format!("{at}.result"))?;
            if found.result(result).is_none() {
                c.problem(
                    &format!("{at}.result"),
                    format!("\"{result}\" is not a result of step \"{step}\""),
                    format!("«{result}» — не результат шага «{step}»"),
                );
                return None;
            }
            Some(ExitCriterion::StepEnded { step: step.clone(), result: result.clone() })
        }
        _ => {
            c.problem(
                at,
                "a criterion is one of { filled = \"field\" }, { present = \"participants\" } or { step = \"code\", result = \"code\" }",
                "критерий — это одно из { filled = \"поле\" }, { present = \"participants\" } или { step = \"код\", result = \"код\" }",
            );
            None
        }
    }
}

fn is_process_code(code: &str) -> bool {
    let mut bytes = code.bytes();
    code.len() <= 64 && matches!(bytes.next(), Some(b'a'..=b'z')) && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_definition_written_back_as_toml_reads_as_itself() {
        let stages = crate::StageCatalog::defaults();
        let shipped = super::ProcessDefinition::parse_toml(include_str!("../../../processes/enterprise-sale.toml"), &stages).unwrap();
        let written = shipped.to_toml();
        assert_eq!(super::ProcessDefinition::parse_toml(&written, &stages), Ok(shipped), "{written}");
    }

    #[test]
    fn problems_of_a_toml_document_carry_their_line_and_both_languages() {
        let text =
            "code = \"small\"\nname = { ru = \"Малая\", en = \"Small\" }\n\n[[stages]]\nstage = \"qualification\"\nnext = \"nowhere\"\n";
        let problems = super::ProcessDefinition::parse_toml(text, &crate::StageCatalog::defaults()).unwrap_err();
        let next = problems.iter().find(|p| p.path == "stages[0].next").expect("the unknown next stage is reported");
        assert_eq!(next.line, Some(6));
        assert_eq!(next.message(crate::Locale::Ru), "«nowhere» нет в справочнике стадий продаж");
        // A missing field is reported on the line of its table.
        let guidance = problems.iter().find(|p| p.path == "stages[0].guidance").expect("missing guidance is reported");
        assert_eq!(guidance.line, Some(4));
        let broken = super::ProcessDefinition::parse_toml("code = \"x\"\nname = {", &crate::StageCatalog::defaults()).unwrap_err();
        assert_eq!(broken[0].line, Some(2));
    }

    use super::*;

    #[test]
    fn due_offsets_read_and_write_iso_8601() {
        assert_eq!(DueOffset::parse("P1D").unwrap().seconds(), 86_400);
        assert_eq!(DueOffset::parse("PT4H30M").unwrap().seconds(), 16_200);
        assert_eq!(DueOffset::parse("P1W").unwrap().to_string(), "P7D");
        assert_eq!(DueOffset::parse("P1DT2H").unwrap().to_string(), "P1DT2H");
        for bad in ["", "P", "1D", "P1M", "PT", "P1H", "PT1D", "P-1D", "P1D2"] {
            assert!(DueOffset::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}

/// The days work is done on, in a time zone: the days of a due offset count only these, so that
/// "a day" from Friday afternoon is Monday afternoon when weekends are off.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    /// Monday first.
    days: [bool; 7],
    zone: jiff::tz::TimeZone,
}

impl WorkCalendar {
    /// Every day a working day: offsets are plain durations.
    pub fn every_day() -> WorkCalendar {
        WorkCalendar { days: [true; 7], zone: jiff::tz::TimeZone::UTC }
    }

    /// `days` as ISO weekday numbers (1 Monday … 7 Sunday); none at all counts as every day.
    pub fn new(days: &[i8], zone: jiff::tz::TimeZone) -> WorkCalendar {
        let mut working = [false; 7];
        for day in days.iter().filter(|d| (1..=7).contains(*d)) {
            working[usize::from(day.unsigned_abs()) - 1] = true;
        }
        if !working.contains(&true) {
            working = [true; 7];
        }
        WorkCalendar { days: working, zone }
    }

    fn works(&self, date: jiff::civil::Date) -> bool {
        self.days[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]
    }

    /// When something made at `from` with `offset` is due: the offset's whole days counted on
    /// working days at the same time of day, then the rest of it as time.
    pub fn due(&self, from: Timestamp, offset: DueOffset) -> Timestamp {
        let plain = || from.checked_add(SignedDuration::from_secs(offset.seconds())).unwrap_or(from);
        let (days, rest) = (offset.seconds() / 86_400, offset.seconds() % 86_400);
        if days == 0 || !self.days.contains(&false) {
            return plain();
        }
        let start = from.to_zoned_datetime(self.zone.clone());
        let mut date = start.date();
        let mut left = days;
        while left > 0 {
            let Ok(next) = date.tomorrow() else { return plain() };
            date = next;
            if self.works(date) {
                left -= 1;
            }
        }
        match date.to_datetime(start.time()).to_zoned_datetime(self.zone.clone()) {
            Ok(day) => day.timestamp().checked_add(SignedDuration::from_secs(rest)).unwrap_or(from),
            Err(_) => plain(),
        }
    }
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    #[test]
    fn due_offsets_count_working_days_in_the_calendars_zone() {
        let moscow = jiff::tz::TimeZone::get("Europe/Moscow").unwrap();
        let weekdays = WorkCalendar::new(&[1, 2, 3, 4, 5], moscow);
        // Friday 2026-12-04 15:00 in Moscow.
        let friday: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let day = DueOffset::parse("P1D").unwrap();
        assert_eq!(weekdays.due(friday, day).to_string(), "2026-12-07T12:00:00Z", "Monday, same time");
        assert_eq!(weekdays.due(friday, DueOffset::parse("P3D").unwrap()).to_string(), "2026-12-09T12:00:00Z");
        assert_eq!(weekdays.due(friday, DueOffset::parse("PT4H").unwrap()).to_string(), "2026-12-04T16:00:00Z", "hours are time");
        assert_eq!(weekdays.due(friday, DueOffset::parse("P1DT2H").unwrap()).to_string(), "2026-12-07T14:00:00Z");
        assert_eq!(WorkCalendar::every_day().due(friday, day).to_string(), "2026-12-05T12:00:00Z");
        assert_eq!(WorkCalendar::new(&[], jiff::tz::TimeZone::UTC).due(friday, day).to_string(), "2026-12-05T12:00:00Z");
    }
}
