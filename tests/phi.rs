//! PHI scope: `phi-only` policies judge only data stores tagged as holding
//! PHI, once safeguard.toml names the tag; every data store otherwise.

mod common;

use common::{check_selected, finding_lines, json, safeguard, write};

const BUCKETS: &str = r#"
variable "tags" {}
resource "aws_s3_bucket" "records" {
  bucket = "clinic-records"
  tags   = { "data-classification" = "PHI" }
}
resource "aws_s3_bucket" "website" {
  bucket = "clinic-website"
  tags   = { "data-classification" = "public" }
}
resource "aws_s3_bucket" "imports" {
  bucket = "clinic-imports"
  tags   = var.tags
}
"#;

fn run(dir: &std::path::Path) -> Vec<String> {
    let output = check_selected(dir, "aws-s3-bucket-versioning");
    let report = json(&output);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["status"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn without_a_phi_tag_every_bucket_is_in_scope() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", BUCKETS);
    assert_eq!(
        run(dir.path()),
        vec![
            "fail aws_s3_bucket.records",
            "fail aws_s3_bucket.website",
            "fail aws_s3_bucket.imports"
        ]
    );
}

#[test]
fn with_a_phi_tag_only_marked_buckets_are_judged_and_unknown_tags_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", BUCKETS);
    write(
        dir.path(),
        "safeguard.toml",
        "[phi]\ntag = \"data-classification\"\nvalues = [\"phi\", \"ephi\"]\n",
    );
    assert_eq!(
        run(dir.path()),
        vec![
            "fail aws_s3_bucket.records",
            "unknown aws_s3_bucket.imports"
        ]
    );
    let output = check_selected(dir.path(), "aws-s3-bucket-versioning");
    let report = json(&output);
    let imports = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"] == "aws_s3_bucket.imports")
        .unwrap();
    assert!(imports["reason"].as_str().unwrap().ends_with("but whether aws_s3_bucket.imports holds PHI is unknown: its tags cannot be known: var.tags has no value (no default, no tfvars entry, --var or TF_VAR_tags)"));
}

#[test]
fn provider_default_tags_mark_every_resource() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "provider \"aws\" {\n  default_tags {\n    tags = { \"data-classification\" = \"phi\" }\n  }\n}\nresource \"aws_s3_bucket\" \"scans\" {\n  bucket = \"clinic-scans\"\n}\n",
    );
    write(
        dir.path(),
        "safeguard.toml",
        "[phi]\ntag = \"data-classification\"\n",
    );
    assert_eq!(run(dir.path()), vec!["fail aws_s3_bucket.scans"]);
    let output = check_selected(dir.path(), "aws-s3-bucket-versioning");
    assert_eq!(
        finding_lines(&json(&output)),
        vec!["main.tf:6 aws-s3-bucket-versioning fail aws_s3_bucket.scans"]
    );
}

#[test]
fn a_phi_table_without_a_tag_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", BUCKETS);
    write(dir.path(), "safeguard.toml", "[phi]\nvalue = \"phi\"\n");
    let output = safeguard(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let errors = common::error_lines(&json(&output));
    assert!(
        errors[0].starts_with("safeguard.toml:2:1 unknown field `value`"),
        "{errors:?}"
    );
}
