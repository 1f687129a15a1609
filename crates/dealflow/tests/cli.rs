//! The `dealflow` command as a person runs it.

mod common;
use common::dealflow;

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../processes/enterprise-sale.toml");

#[test]
fn process_validate_accepts_the_shipped_definition() {
    let (code, output) = dealflow(&["process", "validate", SHIPPED]);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("ok") && output.contains("4 stages and 9 steps"), "{output}");
}

#[test]
fn process_validate_lists_every_problem_of_a_broken_copy_and_exits_1() {
    let broken = std::fs::read_to_string(SHIPPED)
        .unwrap()
        .replacen("stage = \"qualification\"", "stage = \"qualifcation\"", 1)
        .replacen("next = \"closed_won\"", "next = \"signed\"", 1)
        .replacen("code = \"sign_contract\"", "code = \"send_contract\"", 1)
        .replacen("en = \"Prepare the presentation\"", "en = \"\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, broken).unwrap();
    let (code, output) = dealflow(&["process", "validate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{output}");
    for expected in [
        "4 problem(s)",
        "stages[0].stage: \"qualifcation\" is not a stage",
        "stages[0].steps[1].title.en: translation is missing",
        "stages[3].next: \"signed\" is not a stage",
        "stages[3].steps[2].code: step code \"send_contract\" is used twice",
    ] {
        assert!(output.contains(expected), "{expected:?} missing from:\n{output}");
    }
}

#[test]
fn migrate_creates_a_missing_sqlite_file_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/folder/dealflow.db");
    let url = format!("sqlite://{}", file.display());
    let (code, output) = dealflow(&["migrate", "--database-url", &url]);
    assert_eq!(code, 0, "{output}");
    assert!(file.exists());
}
