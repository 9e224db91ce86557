//! `check --shard I/N` and `safeguard merge`: the merged JSON of N shards is
//! byte for byte the JSON of a single run, on a tree with shared local
//! modules, suppression comments in a shared module (used by one caller's
//! shard only), an unused suppression, parse errors, mail configurations
//! and the bundled example trees.

mod common;

use std::path::Path;

use common::{repo_root, safeguard, stderr, stdout, write};

const DB: &str = "variable \"encrypted\" {\n  default = true\n}\n\
resource \"aws_db_instance\" \"this\" {\n  \
  # safeguard:ignore aws-rds-backup-enabled -- restored from snapshots (RISK-7)\n  \
  storage_encrypted = var.encrypted\n}\n";

/// A monorepo of 24 environments: some call a shared local module, some
/// have their own resources, one has a syntax error.
fn monorepo(dir: &Path) {
    write(dir, "shared/db/main.tf", DB);
    for i in 0..24 {
        let env = format!("envs/env-{i:02}/main.tf");
        let text = match i % 4 {
            0 => format!(
                "module \"db\" {{\n  source    = \"../../shared/db\"\n  encrypted = {}\n}}\n",
                i % 8 == 0
            ),
            1 => format!(
                "resource \"aws_ebs_volume\" \"v{i}\" {{\n  availability_zone = \"us-east-1a\"\n  size = 10\n  encrypted = {}\n}}\n",
                i % 3 == 0
            ),
            2 => format!(
                "# safeguard:ignore aws-kms-key-rotation -- nothing here uses it\n\
                 resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"b-{i}\"\n}}\n"
            ),
            _ if i == 23 => "resource \"aws_s3_bucket\" \"broken\" {\n  bucket = \n".to_owned(),
            _ => format!(
                "resource \"aws_cloudwatch_log_group\" \"l{i}\" {{\n  name = \"l{i}\"\n  retention_in_days = {}\n}}\n",
                i * 30
            ),
        };
        write(dir, &env, text);
    }
    write(
        dir,
        "mail/edge/main.cf",
        "smtpd_tls_security_level = may\nsmtp_tls_security_level = may\nrelayhost = [smtp.sendgrid.net]:587\n",
    );
    write(
        dir,
        "mail/imap/dovecot.conf",
        "ssl = yes\ndisable_plaintext_auth = no\n",
    );
}

fn run(dir: &Path, args: &[&str]) -> String {
    let output = safeguard(dir).args(args).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0..=2)) && !output.stdout.is_empty(),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// Runs the N shards of `check PATH --format json`, merges them and returns
/// (single run, merged).
fn single_and_merged(dir: &Path, path: &str, n: usize) -> (String, String) {
    single_and_merged_as(dir, path, n, "json")
}

fn single_and_merged_as(dir: &Path, path: &str, n: usize, format: &str) -> (String, String) {
    let single = run(dir, &["check", path, "--format", format]);
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 1..=n {
        let shard = format!("{i}/{n}");
        let text = run(dir, &["check", path, "--format", format, "--shard", &shard]);
        let file = out.path().join(format!("shard-{i}.json"));
        std::fs::write(&file, text).unwrap();
        files.push(file.display().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = run(dir, &args);
    (single, merged)
}

#[test]
fn four_shards_merged_equal_a_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    let (single, merged) = single_and_merged(dir.path(), ".", 4);
    // The fixture exercises what merging must get right.
    let report: serde_json::Value = serde_json::from_str(&single).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"unused-suppression"), "{rules:?}");
    assert!(rules.contains(&"aws-rds-instance-storage-encrypted"));
    assert!(!report["errors"].as_array().unwrap().is_empty());
    assert_eq!(merged, single);
}

#[test]
fn any_shard_count_merges_to_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    for n in [1, 2, 3, 7] {
        let (single, merged) = single_and_merged(dir.path(), ".", n);
        assert_eq!(merged, single, "{n} shards");
    }
}

#[test]
fn sarif_shards_merged_equal_a_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    for n in [1, 2, 4, 7] {
        let (single, merged) = single_and_merged_as(dir.path(), ".", n, "sarif");
        assert_eq!(merged, single, "{n} shards");
    }
    // The fixture exercises what merging must get right: a finding about a
    // suppression comment, an input error.
    let (single, _) = single_and_merged_as(dir.path(), ".", 1, "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&single).unwrap();
    let run = &sarif["runs"][0];
    assert!(run.get("properties").is_none());
    let results = run["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "unused-suppression"));
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let (single, merged) = single_and_merged_as(&repo_root(), "testdata", 4, "sarif");
    assert_eq!(merged, single);
}

#[test]
fn a_sarif_shard_carries_its_merge_metadata() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    let text = run(
        dir.path(),
        &["check", ".", "--format", "sarif", "--shard", "2/3"],
    );
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let shard = &sarif["runs"][0]["properties"]["safeguard/shard"];
    assert_eq!(shard["index"], 2);
    assert_eq!(shard["count"], 3);
    assert_eq!(shard["leadingNotifications"], 0);
    assert!(shard["inputs"].as_array().is_some());
    write(dir.path(), "two.sarif", &text);
    let plain = run(dir.path(), &["check", ".", "--format", "sarif"]);
    write(dir.path(), "plain.sarif", &plain);
    let output = safeguard(dir.path())
        .args(["merge", "two.sarif", "plain.sarif"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("plain.sarif is not the output of `check --shard I/N --format sarif`")
    );
}

#[test]
fn the_bundled_examples_merge_to_the_single_run() {
    let (single, merged) = single_and_merged(&repo_root(), "testdata", 4);
    assert_eq!(merged, single);
}

#[test]
fn shards_split_the_modules_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    let mut objects = 0;
    for i in 1..=4 {
        let text = run(
            dir.path(),
            &[
                "check",
                ".",
                "--format",
                "json",
                "--shard",
                &format!("{i}/4"),
            ],
        );
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["shard"]["index"], i);
        objects += report["summary"]["objects"].as_u64().unwrap();
    }
    let single: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &["check", ".", "--format", "json"])).unwrap();
    assert_eq!(objects, single["summary"]["objects"].as_u64().unwrap());
}

#[test]
fn merge_refuses_missing_or_foreign_shards() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    let one = run(
        dir.path(),
        &["check", ".", "--format", "json", "--shard", "1/2"],
    );
    write(dir.path(), "one.json", &one);
    let plain = run(dir.path(), &["check", ".", "--format", "json"]);
    write(dir.path(), "plain.json", &plain);

    let output = safeguard(dir.path())
        .args(["merge", "one.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected shards 1 to 2 once each"));

    let output = safeguard(dir.path())
        .args(["merge", "one.json", "plain.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("plain.json is not the output of `check --shard I/N"));

    let output = safeguard(dir.path())
        .args(["check", ".", "--shard", "3/2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
