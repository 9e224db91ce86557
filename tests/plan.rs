//! `terraform show -json` output gives the same findings as the HCL it was
//! planned from, located in the JSON.

mod common;

use common::{json, repo_root, safeguard};

const POLICIES: &str = "aws-s3-bucket-encryption,aws-rds-instance-storage-encrypted,aws-rds-backup-enabled,aws-rds-instance-not-public,terraform-provider-no-baa,terraform-provider-baa-not-registered";

/// `(rule, status, object)` of every finding, and the pass count.
fn verdicts(
    path: &str,
) -> (
    Vec<(String, String, String)>,
    serde_json::Value,
    serde_json::Value,
) {
    let output = safeguard(&repo_root())
        .args(["check", path, "--format", "json", "--select", POLICIES])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["object"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (findings, report["summary"]["pass"].clone(), report)
}

#[test]
fn plan_json_gives_the_same_findings_as_its_hcl() {
    let (mut from_hcl, hcl_passes, _) = verdicts("testdata/plan/hcl");
    let (mut from_plan, plan_passes, report) = verdicts("testdata/plan/tfplan.json");
    from_hcl.sort();
    from_plan.sort();
    assert_eq!(from_plan, from_hcl);
    assert_eq!(
        from_plan,
        vec![
            (
                "aws-rds-instance-storage-encrypted".into(),
                "fail".into(),
                "aws_db_instance.patients[1]".into()
            ),
            (
                "aws-s3-bucket-encryption".into(),
                "fail".into(),
                "aws_s3_bucket.scans".into()
            ),
            // The provider in use, from each resource's `provider_name`.
            (
                "terraform-provider-baa-not-registered".into(),
                "fail".into(),
                "provider[\"registry.terraform.io/hashicorp/aws\"]".into()
            ),
        ]
    );
    assert_eq!(plan_passes, hcl_passes);
    // Findings point into the JSON: the planned value itself.
    let storage = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"] == "aws_db_instance.patients[1]")
        .unwrap();
    assert_eq!(storage["file"], "testdata/plan/tfplan.json");
    assert_eq!(
        storage["range"]["start"],
        serde_json::json!({ "line": 52, "column": 13 })
    );
}

#[test]
fn other_json_files_are_skipped_silently() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "package.json", "{\"name\": \"portal\"}");
    common::write(dir.path(), "broken.json", "{ not json");
    let output = safeguard(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["summary"]["files"], 0);
}
