//! The machine formats: SARIF against the official 2.1.0 schema and with
//! fingerprints that survive line moves, JUnit and Checkstyle as XML,
//! GitLab Code Quality's required keys, GitHub workflow commands, and
//! several formats written in one run.

mod common;

use std::path::Path;

use common::{json, repo_root, safeguard, stdout, write};
use serde_json::Value;

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(sarif: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
}

const BUCKET: &str = "resource \"aws_s3_bucket\" \"records\" {\n  bucket = \"records\"\n}\n";

fn sarif_of(dir: &Path, extra: &[&str]) -> Value {
    let output = safeguard(dir)
        .args(["check", ".", "--format", "sarif"])
        .args(extra)
        .output()
        .unwrap();
    json(&output)
}

#[test]
fn clinic_sarif_validates_against_the_official_schema() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&output);
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    // The same findings as the JSON contract lists.
    let listed = json(
        &safeguard(&repo_root())
            .args(["check", "testdata/clinic", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(results.len(), listed["findings"].as_array().unwrap().len());
    // A rule carries descriptions, a help link, tags and a numeric severity.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rds = rules
        .iter()
        .find(|r| r["id"] == "aws-rds-instance-storage-encrypted")
        .unwrap();
    assert_eq!(
        rds["helpUri"],
        "https://github.com/safeguard-hipaa/safeguard/blob/main/policies/terraform/aws/aws-rds-instance-storage-encrypted.yaml"
    );
    assert_eq!(
        rds["properties"]["tags"],
        serde_json::json!(["encryption-at-rest", "security", "hipaa"])
    );
    assert_eq!(rds["properties"]["security-severity"], "8.0");
    assert!(rds["shortDescription"]["text"].as_str().unwrap().len() > 10);
    assert!(rds["fullDescription"]["text"].as_str().unwrap().len() > 10);
    // The result points at the object's header with a region and its ruleIndex.
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "aws-rds-instance-storage-encrypted")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "aws-rds-instance-storage-encrypted"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "testdata/clinic/database.tf"
    );
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 15, "startColumn": 1, "endLine": 23, "endColumn": 2})
    );
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "aws_db_instance.reporting"
    );
    // The unknown retention is a review item, not a failure.
    let unknown = results
        .iter()
        .find(|r| r["properties"]["status"] == "unknown")
        .unwrap();
    assert_eq!(
        (unknown["kind"].as_str(), unknown["level"].as_str()),
        (Some("review"), Some("none"))
    );
}

#[test]
fn moving_a_resource_down_ten_lines_keeps_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", BUCKET);
    let before = sarif_of(dir.path(), &[]);
    write(
        dir.path(),
        "main.tf",
        format!("{}{BUCKET}", "\n".repeat(10)),
    );
    let after = sarif_of(dir.path(), &[]);
    assert_valid_sarif(&after);
    let prints = |sarif: &Value| -> Vec<(String, u64, Value)> {
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                    r["partialFingerprints"].clone(),
                )
            })
            .collect()
    };
    let (before, after) = (prints(&before), prints(&after));
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert_eq!(a.1, b.1 + 10, "{} moved ten lines", a.0);
        assert_eq!(a.2, b.2, "{} keeps its fingerprint", a.0);
        assert_eq!(a.2["safeguard/v1"].as_str().unwrap().len(), 16);
    }
    // A different object gets a different fingerprint.
    let fingerprints: std::collections::BTreeSet<String> =
        before.iter().map(|b| b.2.to_string()).collect();
    assert_eq!(fingerprints.len(), before.len());
}

#[test]
fn sarif_keeps_suppressed_results_with_their_justification() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        format!(
            "# safeguard:ignore aws-s3-bucket-versioning until=2999-12-31 -- rebuilt nightly from the source system, SEC-41\n{BUCKET}"
        ),
    );
    write(
        dir.path(),
        "safeguard.toml",
        "[[exceptions]]\nrule = \"aws-s3-bucket-object-lock\"\npath = \"*.tf\"\nobject = \"aws_s3_bucket.*\"\nreason = \"object lock is decided per account, see RISK-3\"\napproved-by = \"ciso@example.org\"\n",
    );
    let sarif = sarif_of(dir.path(), &[]);
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressions: Vec<(&str, &Value)> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .map(|r| (r["ruleId"].as_str().unwrap(), &r["suppressions"][0]))
        .collect();
    assert_eq!(suppressions.len(), 2, "{suppressions:#?}");
    assert_eq!(suppressions[0].0, "aws-s3-bucket-object-lock");
    assert_eq!(
        suppressions[0].1,
        &serde_json::json!({
            "kind": "external",
            "status": "accepted",
            "justification": "object lock is decided per account, see RISK-3",
            "location": {"physicalLocation": {"artifactLocation": {"uri": "safeguard.toml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}},
            "properties": {"approvedBy": "ciso@example.org"}
        })
    );
    assert_eq!(suppressions[1].0, "aws-s3-bucket-versioning");
    assert_eq!(
        suppressions[1].1,
        &serde_json::json!({
            "kind": "inSource",
            "status": "accepted",
            "justification": "rebuilt nightly from the source system, SEC-41",
            "location": {"physicalLocation": {"artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}},
            "properties": {"until": "2999-12-31"}
        })
    );
}

#[test]
fn junit_parses_as_xml_with_one_case_per_object_and_policy() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let doc = roxmltree::Document::parse(&text).expect("JUnit output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let summary = json(
        &safeguard(&repo_root())
            .args(["check", "testdata/clinic", "--format", "json"])
            .output()
            .unwrap(),
    )["summary"]
        .clone();
    let attr = |name: &str| root.attribute(name).unwrap().parse::<u64>().unwrap();
    let (fail, unknown, pass) = (
        summary["fail"].as_u64().unwrap(),
        summary["unknown"].as_u64().unwrap(),
        summary["pass"].as_u64().unwrap(),
    );
    assert_eq!(attr("tests"), fail + unknown + pass);
    assert_eq!(attr("failures"), fail);
    assert_eq!(attr("skipped"), unknown);
    assert_eq!(attr("errors"), 0);
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len() as u64, attr("tests"));
    let rds = cases
        .iter()
        .find(|c| {
            c.parent_element().unwrap().attribute("name")
                == Some("aws-rds-instance-storage-encrypted")
                && c.attribute("name") == Some("aws_db_instance.reporting")
        })
        .unwrap();
    assert_eq!(
        rds.attribute("classname"),
        Some("testdata/clinic/database.tf")
    );
    let failure = rds.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("aws_db_instance.reporting stores its data unencrypted")
    );
    assert_eq!(failure.attribute("type"), Some("high"));
    assert!(failure.text().unwrap().contains("45 CFR 164.312(a)(2)(iv)"));
}

#[test]
fn checkstyle_parses_as_xml() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "checkstyle"])
        .output()
        .unwrap();
    let text = stdout(&output);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let files: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("file"))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "testdata/clinic/database.tf",
            "testdata/clinic/logging.tf",
            "testdata/clinic/network.tf",
            "testdata/clinic/storage.tf"
        ]
    );
    let errors = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .count();
    assert_eq!(errors, 25);
}

#[test]
fn gitlab_code_quality_has_the_required_keys() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "gitlab"])
        .output()
        .unwrap();
    let issues = json(&output);
    let issues = issues.as_array().expect("a JSON array of issues");
    assert_eq!(issues.len(), 25);
    let severities = ["info", "minor", "major", "critical", "blocker"];
    let mut fingerprints = std::collections::BTreeSet::new();
    for issue in issues {
        assert!(issue["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(issue["check_name"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(severities.contains(&issue["severity"].as_str().unwrap()));
        assert!(
            issue["location"]["path"]
                .as_str()
                .unwrap()
                .starts_with("testdata/clinic/")
        );
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned()));
    }
    let rds = issues
        .iter()
        .find(|i| i["check_name"] == "aws-rds-instance-storage-encrypted")
        .unwrap();
    assert_eq!(rds["severity"], "critical");
    assert_eq!(rds["location"]["lines"]["begin"], 15);
}

#[test]
fn github_annotations_are_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted   = false\n  deletion_protection = true\n  enabled_cloudwatch_logs_exports = [\"postgresql\"]\n  backup_retention_period = 7\n}\n",
    );
    let output = safeguard(dir.path())
        .args([
            "check",
            "main.tf",
            "--format",
            "github",
            "--select",
            "aws-rds-instance-storage-encrypted",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "::error file=main.tf,line=2,endLine=2,col=3,endColumn=30,title=[high] aws-rds-instance-storage-encrypted::aws_db_instance.db stores its data unencrypted: `storage_encrypted` is false, expected true%0A45 CFR 164.312(a)(2)(iv) (encryption-at-rest)%0ARemediation: Set `storage_encrypted = true` (and `kms_key_id` to use a customer-managed key). For an existing instance, restore an encrypted copy of a snapshot.\n::notice title=safeguard::1 failed, 0 unknown, 0 suppressed, 0 passed\n"
    );
}

#[test]
fn several_formats_in_one_run_each_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", BUCKET);
    let output = safeguard(dir.path())
        .args([
            "check",
            ".",
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "--format",
            "junit",
            "--output",
            "out.xml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    // JSON went to standard output, the others to their files.
    assert_eq!(json(&output)["version"], 1);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_valid_sarif(&sarif);
    let junit = std::fs::read_to_string(dir.path().join("out.xml")).unwrap();
    roxmltree::Document::parse(&junit).unwrap();

    let two_to_stdout = safeguard(dir.path())
        .args(["check", ".", "--format", "sarif", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(two_to_stdout.status.code(), Some(2));
    assert_eq!(
        common::stderr(&two_to_stdout),
        "error: only one --format can go to standard output: give the others an --output FILE\n"
    );
    let output_first = safeguard(dir.path())
        .args([
            "check", ".", "--output", "a.json", "--format", "json", "--output", "b.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output_first.status.code(), Some(2));
    assert!(common::stderr(&output_first).contains("--output a.json comes before any --format"));
}
