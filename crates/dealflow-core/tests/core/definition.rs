use dealflow_core::definition::{ActivityType, ResultEffect};
use dealflow_core::{ProcessDefinition, StageCatalog};

use crate::ENTERPRISE_SALE;

#[test]
fn the_shipped_enterprise_sale_definition_is_valid_and_complete() {
    let definition = ProcessDefinition::parse_toml(ENTERPRISE_SALE, &StageCatalog::defaults()).expect("valid");
    assert_eq!(definition.code, "enterprise-sale");
    assert_eq!(definition.name.ru, "Корпоративная продажа");
    let outline: Vec<(&str, &str, Vec<&str>)> = definition
        .stages
        .iter()
        .map(|s| (s.stage.as_str(), s.next.as_str(), s.steps.iter().map(|step| step.code.as_str()).collect()))
        .collect();
    assert_eq!(
        outline,
        vec![
            ("qualification", "presentation", vec!["contact_customer", "prepare_presentation"]),
            ("presentation", "proposal", vec!["presentation"]),
            ("proposal", "contracting", vec!["present_proposal", "proposal_feedback", "prepare_contract"]),
            ("contracting", "closed_won", vec!["send_contract", "confirm_contract_receipt", "sign_contract"]),
        ]
    );
    let talks_to_customer =
        ["contact_customer", "presentation", "present_proposal", "proposal_feedback", "confirm_contract_receipt", "sign_contract"];
    for step in definition.stages.iter().flat_map(|s| &s.steps) {
        assert_eq!(step.result("done").map(|r| &r.effect), Some(&ResultEffect::Advance), "{}", step.code);
        let declined = step.result("declined").map(|r| r.effect.clone());
        if talks_to_customer.contains(&step.code.as_str()) {
            assert_eq!(declined, Some(ResultEffect::Close("closed_lost".parse_stage())), "{}", step.code);
        } else {
            assert_eq!(declined, None, "{} accepts only done", step.code);
        }
        assert!(!step.title.ru.is_empty() && !step.title.en.is_empty());
    }
    let kinds: Vec<ActivityType> = definition.stages[0].steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [ActivityType::Call, ActivityType::Task]);
    for stage in &definition.stages {
        for text in [&stage.guidance.tasks, &stage.guidance.goal, &stage.guidance.system, &stage.guidance.next] {
            assert!(text.ru.len() > 10 && text.en.len() > 10, "guidance of {} in both languages", stage.stage);
        }
    }
}

trait ParseStage {
    fn parse_stage(&self) -> dealflow_core::StageCode;
}
impl ParseStage for &str {
    fn parse_stage(&self) -> dealflow_core::StageCode {
        dealflow_core::StageCode::parse(self).unwrap()
    }
}

#[test]
fn a_broken_definition_reports_every_problem_with_its_path() {
    let broken = ENTERPRISE_SALE
        .replacen("stage = \"presentation\"\nnext = \"proposal\"", "stage = \"presentaton\"\nnext = \"proposal\"", 1)
        .replacen("next = \"contracting\"", "next = \"negotiation\"", 1)
        .replacen("code = \"prepare_contract\"", "code = \"prepare_presentation\"", 1)
        .replacen(
            "effect = \"close\", stage = \"closed_lost\" },\n  ]\n\n  [[stages.steps]]\n  code = \"prepare_presentation\"",
            "effect = \"close\", stage = \"proposal\" },\n  ]\n\n  [[stages.steps]]\n  code = \"prepare_presentation\"",
            1,
        )
        .replacen("title = { ru = \"Презентация\", en = \"Presentation\" }", "title = { ru = \"Презентация\" }", 1)
        .replacen("type = \"email\"", "type = \"letter\"", 1)
        .replacen("due = \"P3D\"", "due = \"three days\"", 1);
    let problems = ProcessDefinition::parse_toml(&broken, &StageCatalog::defaults()).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "stages[0].steps[0].results[1].stage",
        "stages[0].steps[1].due",
        "stages[1].stage",
        "stages[1].steps[0].title.en",
        "stages[2].next",
        "stages[2].steps[2].code",
        "stages[3].steps[0].type",
    ] {
        assert!(paths.contains(&expected), "{expected} missing from {problems:#?}");
    }
    assert_eq!(problems.len(), 7, "{problems:#?}");
    let message = |path: &str| problems.iter().find(|p| p.path == path).unwrap().message.clone();
    assert!(message("stages[1].stage").contains("presentaton"));
    assert!(message("stages[0].steps[0].results[1].stage").contains("not a final stage"));
    assert!(message("stages[2].steps[2].code").contains("used twice"));
}

#[test]
fn structural_problems_are_all_reported_at_once() {
    let document = r#"
code = "Bad Code"
name = { en = "No Russian" }

[[stages]]
stage = "closed_won"
next = "closed_won"
guidance = { tasks = { ru = "a", en = "a" }, goal = { ru = "a", en = "a" }, system = { ru = "a", en = "a" }, next = { ru = "a", en = "a" } }

[[stages]]
stage = "qualification"
next = "presentation"

  [[stages.steps]]
  code = "only_close"
  type = "task"
  title = { ru = "Т", en = "T" }
  due = "P1D"
  results = [{ code = "lost", name = { ru = "П", en = "L" }, effect = "close" }]
"#;
    let problems = ProcessDefinition::parse_toml(document, &StageCatalog::defaults()).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "code",
        "name.ru",
        "stages[0].stage",
        "stages[0].next",
        "stages[0].steps",
        "stages[1].guidance",
        "stages[1].steps[0].results[0].stage",
        "stages[1].steps[0].results",
    ] {
        assert!(paths.contains(&expected), "{expected} missing from {problems:#?}");
    }
}

#[test]
fn syntax_errors_name_their_line_and_unknown_fields_are_refused() {
    let problems = ProcessDefinition::parse_toml("code = \"x\"\nname = {", &StageCatalog::defaults()).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].path.starts_with("line "), "{problems:?}");
    let problems = ProcessDefinition::parse_toml("code = \"x\"\ncolour = \"red\"", &StageCatalog::defaults()).unwrap_err();
    assert!(problems[0].message.contains("colour"), "{problems:?}");
}

#[test]
fn the_json_form_of_a_definition_reads_the_same_as_the_toml() {
    let stages = StageCatalog::defaults();
    let from_toml = ProcessDefinition::parse_toml(ENTERPRISE_SALE, &stages).unwrap();
    let value: toml::Value = toml::from_str(ENTERPRISE_SALE).unwrap();
    let json = serde_json::to_string(&value).unwrap();
    let from_json = ProcessDefinition::parse_json(&json, &stages).unwrap();
    assert_eq!(from_json, from_toml);
}

#[test]
fn the_guided_sale_has_the_same_stages_and_steps_with_checkpoints_and_the_seeds_has_none() {
    let stages = StageCatalog::defaults();
    let seed = ProcessDefinition::parse_toml(ENTERPRISE_SALE, &stages).unwrap();
    let guided = ProcessDefinition::parse_toml(include_str!("../../../../processes/enterprise-sale-guided.toml"), &stages).unwrap();
    assert_eq!(guided.code, "enterprise-sale-guided");
    assert!(seed.stages.iter().all(|s| s.exit_criteria.is_empty()), "the seed's behaviour: no criteria");
    for (a, b) in seed.stages.iter().zip(&guided.stages) {
        assert_eq!((&a.stage, &a.next, &a.steps), (&b.stage, &b.next, &b.steps));
    }
    let codes: Vec<Vec<String>> = guided.stages.iter().map(|s| s.exit_criteria.iter().map(|c| c.code()).collect()).collect();
    assert_eq!(
        codes,
        [
            vec!["filled.amount", "filled.decision_maker", "filled.need"],
            vec!["filled.presentation", "step.presentation.done"],
            vec!["filled.close_date"],
            vec!["present.participants"],
        ]
    );
    // Written back as TOML, the criteria read as themselves.
    assert_eq!(ProcessDefinition::parse_toml(&guided.to_toml(), &stages), Ok(guided));
}

#[test]
fn every_wrong_criterion_is_reported_with_its_path() {
    let text = ENTERPRISE_SALE.replacen(
        "next = \"presentation\"",
        "next = \"presentation\"\nexit_criteria = [{ filled = \"budjet\" }, { present = \"partners\" }, { step = \"dance\", result = \"done\" }, \
         { step = \"presentation\", result = \"won\" }, { step = \"presentation\" }, { filled = \"amount\", present = \"competitors\" }]",
        1,
    );
    let problems = ProcessDefinition::parse_toml(&text, &StageCatalog::defaults()).unwrap_err();
    let paths: Vec<(&str, Option<usize>)> = problems.iter().map(|p| (p.path.as_str(), p.line)).collect();
    let line = Some(11);
    assert_eq!(
        paths,
        [
            ("stages[0].exit_criteria[0].filled", line),
            ("stages[0].exit_criteria[1].present", line),
            ("stages[0].exit_criteria[2].step", line),
            ("stages[0].exit_criteria[3].result", line),
            ("stages[0].exit_criteria[4].result", line),
            ("stages[0].exit_criteria[5]", line),
        ]
    );
    assert!(problems[0].message.contains("\"budjet\" is not a field a criterion can require"), "{}", problems[0].message);
    assert_eq!(problems[2].message(dealflow_core::Locale::Ru), "«dance» — не шаг этого процесса");
}
