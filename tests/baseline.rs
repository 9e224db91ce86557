//! Baseline round trip: record today's findings, then only new ones fail;
//! fixed ones are counted, and drop out when the baseline is rewritten.

mod common;

use common::{finding_lines, json, safeguard, stdout, write};

const TWO_BUCKETS: &str = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
const SELECT: &str = "aws-s3-bucket-versioning";

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", TWO_BUCKETS);
    let written = safeguard(dir.path())
        .args([
            "check",
            ".",
            "--select",
            SELECT,
            "--write-baseline",
            "baseline.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    // Recorded findings are accepted from now on, this run included.
    assert_eq!(written.status.code(), Some(0));
    assert_eq!(
        json(&written)["summary"]["baseline"],
        serde_json::json!({"known": 2, "fixed": 0})
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    let entries: Vec<(String, String)> = baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["object"].as_str().unwrap().to_owned(),
                e["fingerprint"].as_str().unwrap().len().to_string(),
            )
        })
        .collect();
    assert_eq!(baseline["version"], 1);
    assert_eq!(
        entries,
        [
            ("aws_s3_bucket.a".to_owned(), "16".to_owned()),
            ("aws_s3_bucket.b".to_owned(), "16".to_owned())
        ]
    );

    // A new violation (and the old ones moved down a line): only the new one fails.
    write(
        dir.path(),
        "main.tf",
        format!("\n{TWO_BUCKETS}\nresource \"aws_s3_bucket\" \"c\" {{\n  bucket = \"c\"\n}}\n"),
    );
    let new = safeguard(dir.path())
        .args([
            "check",
            ".",
            "--select",
            SELECT,
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(new.status.code(), Some(1));
    let report = json(&new);
    assert_eq!(
        finding_lines(&report),
        ["main.tf:10 aws-s3-bucket-versioning fail aws_s3_bucket.c"]
    );
    assert_eq!(
        report["summary"]["baseline"],
        serde_json::json!({"known": 2, "fixed": 0})
    );
    assert_eq!(report["summary"]["fail"], 1);

    // Fix an old one (and drop the new one): nothing new, one fixed.
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n  versioning {\n    enabled = true\n  }\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    );
    let fixed = safeguard(dir.path())
        .args([
            "check",
            ".",
            "--select",
            SELECT,
            "--baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(fixed.status.code(), Some(0));
    assert!(
        // The baseline file itself is JSON that is no plan: found, skipped, said.
        stdout(&fixed).ends_with("0 failed, 0 unknown, 1 passed, 0 errors. Baseline: 1 known finding not shown, 1 fixed. Of 2 files found: 1 skipped, 0 with errors.\n"),
        "{}",
        stdout(&fixed)
    );
    // Rewriting the baseline drops the fixed entry.
    safeguard(dir.path())
        .args([
            "check",
            ".",
            "--select",
            SELECT,
            "--baseline",
            "baseline.json",
            "--write-baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    let rewritten: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(rewritten["findings"].as_array().unwrap().len(), 1);
    assert_eq!(rewritten["findings"][0]["object"], "aws_s3_bucket.b");
}

#[test]
fn an_unreadable_baseline_is_an_error_before_any_scan() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", TWO_BUCKETS);
    write(
        dir.path(),
        "baseline.json",
        "{\"version\": 7, \"findings\": []}",
    );
    let output = safeguard(dir.path())
        .args(["check", ".", "--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        common::stderr(&output),
        "error: baseline.json: baseline version 7 is not supported (expected 1)\n"
    );
}
