//! `rules`, `explain`, `test` and `schema`.

mod common;

use std::fs;
use std::path::Path;

use common::{repo_root, safeguard, stderr, stdout};

#[test]
fn rules_table_lists_every_bundled_policy() {
    let output = safeguard(&repo_root()).args(["rules"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("rules_table", stdout(&output));
}

#[test]
fn rules_json_for_machines() {
    let output = safeguard(&repo_root())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), 176);
    let efs = rules
        .iter()
        .find(|r| r["id"] == "aws-efs-encrypted")
        .unwrap();
    assert_eq!(efs["citation"], "45 CFR 164.312(a)(2)(iv)");
    assert_eq!(efs["formats"], serde_json::json!(["terraform"]));
}

#[test]
fn explain_shows_rationale_remediation_citation_and_examples() {
    let output = safeguard(&repo_root())
        .args(["explain", "aws-efs-encrypted"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("explain_efs", stdout(&output));
}

#[test]
fn explain_unknown_id_is_an_error() {
    let output = safeguard(&repo_root())
        .args(["explain", "aws-efs-encryption"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: no policy `aws-efs-encryption` (did you mean `aws-efs-encrypted`?)\n"
    );
}

#[test]
fn test_passes_on_the_repository_policies() {
    let output = safeguard(&repo_root())
        .args(["test", "policies"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).ends_with("\n176 policies, 839 examples\nexamples: 839 passed, 0 failed\n"),
        "{}",
        stdout(&output)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn test_fails_with_a_diff_when_a_fail_example_complies() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("policies"), dir.path());
    let path = dir.path().join("terraform/aws/aws-efs-encrypted.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        "    - 'resource \"aws_efs_file_system\" \"scans\" {}'",
        "    - 'resource \"aws_efs_file_system\" \"scans\" { encrypted = true }'",
    );
    assert_ne!(text, edited, "the fail example to edit exists");
    fs::write(&path, edited).unwrap();

    let output = safeguard(dir.path()).args(["test", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.contains(
            "FAIL aws-efs-encrypted: fail example 1 at ./terraform/aws/aws-efs-encrypted.yaml:30:7\n  - expected: at least one fail\n  + actual:   pass aws_efs_file_system.scans\n"
        ),
        "{out}"
    );
    assert!(out.ends_with("examples: 838 passed, 1 failed\n"), "{out}");
}

#[test]
fn test_reports_broken_policy_files_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "broken.yaml", "id: Not Kebab\n");
    let output = safeguard(dir.path()).args(["test", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("./broken.yaml:1:5: policy id `Not Kebab` is not kebab-case"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn schema_file_is_generated_from_the_compiler_vocabulary() {
    let output = safeguard(&repo_root()).args(["schema"]).output().unwrap();
    let committed = fs::read_to_string(repo_root().join("policies/schema.json")).unwrap();
    assert_eq!(
        stdout(&output),
        committed,
        "regenerate with `safeguard schema > policies/schema.json`"
    );
}

#[test]
fn policy_catalogue_doc_is_current() {
    let output = safeguard(&repo_root())
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let committed = fs::read_to_string(repo_root().join("docs/policies.md")).unwrap();
    assert_eq!(
        stdout(&output),
        committed,
        "regenerate with `safeguard rules --format markdown > docs/policies.md`"
    );
}
