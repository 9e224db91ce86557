//! `safeguard check` on the bundled example: the JSON contract and the human
//! output are pinned with snapshots, and the exit codes with assertions.

mod common;

use common::{check_selected, finding_lines, json, repo_root, safeguard, stdout};

#[test]
fn json_output_on_testdata() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "findings exit 1");
    insta::assert_snapshot!("clinic_json", stdout(&output));
}

#[test]
fn json_output_is_byte_identical_across_runs_and_thread_counts() {
    let run = |threads: &str| {
        let output = safeguard(&repo_root())
            .args([
                "check",
                "testdata/clinic",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        output.stdout
    };
    let first = run("1");
    assert_eq!(first, run("2"));
    assert_eq!(first, run("2"));
}

#[test]
fn human_output_on_testdata() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!("clinic_human", text);
}

#[test]
fn findings_name_exact_rules_objects_and_lines() {
    let output = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        finding_lines(&json(&output)),
        vec![
            "testdata/clinic/database.tf:1 aws-rds-deletion-protection fail aws_db_instance.patients",
            "testdata/clinic/database.tf:1 aws-rds-log-exports fail aws_db_instance.patients",
            "testdata/clinic/database.tf:15 aws-rds-deletion-protection fail aws_db_instance.reporting",
            "testdata/clinic/database.tf:15 aws-rds-instance-storage-encrypted fail aws_db_instance.reporting",
            "testdata/clinic/database.tf:15 aws-rds-log-exports fail aws_db_instance.reporting",
            "testdata/clinic/database.tf:22 aws-rds-backup-enabled fail aws_db_instance.reporting",
            "testdata/clinic/database.tf:25 aws-rds-deletion-protection fail aws_rds_cluster.claims",
            "testdata/clinic/database.tf:25 aws-rds-log-exports fail aws_rds_cluster.claims",
            "testdata/clinic/database.tf:39 aws-elasticache-in-transit-encryption fail aws_elasticache_replication_group.sessions",
            "testdata/clinic/logging.tf:8 aws-cloudwatch-log-group-kms fail aws_cloudwatch_log_group.portal_access",
            "testdata/clinic/logging.tf:13 aws-cloudwatch-log-group-kms fail aws_cloudwatch_log_group.portal_app",
            "testdata/clinic/logging.tf:15 aws-cloudwatch-log-retention fail aws_cloudwatch_log_group.portal_app",
            "testdata/clinic/logging.tf:18 aws-cloudwatch-log-group-kms fail aws_cloudwatch_log_group.audit_events",
            "testdata/clinic/logging.tf:20 aws-cloudwatch-log-retention unknown aws_cloudwatch_log_group.audit_events",
            "testdata/clinic/network.tf:1 aws-lb-access-logs fail aws_lb.portal",
            "testdata/clinic/network.tf:40 aws-lb-listener-tls fail aws_lb_listener.lab_results",
            "testdata/clinic/storage.tf:1 aws-s3-bucket-access-logging fail aws_s3_bucket.records",
            "testdata/clinic/storage.tf:1 aws-s3-bucket-object-lock fail aws_s3_bucket.records",
            "testdata/clinic/storage.tf:1 aws-s3-bucket-policy-secure-transport fail aws_s3_bucket.records",
            "testdata/clinic/storage.tf:1 aws-s3-bucket-versioning fail aws_s3_bucket.records",
            "testdata/clinic/storage.tf:16 aws-s3-bucket-access-logging fail aws_s3_bucket.referrals",
            "testdata/clinic/storage.tf:16 aws-s3-bucket-encryption fail aws_s3_bucket.referrals",
            "testdata/clinic/storage.tf:16 aws-s3-bucket-object-lock fail aws_s3_bucket.referrals",
            "testdata/clinic/storage.tf:16 aws-s3-bucket-policy-secure-transport fail aws_s3_bucket.referrals",
            "testdata/clinic/storage.tf:16 aws-s3-bucket-versioning fail aws_s3_bucket.referrals",
        ]
    );
}

#[test]
fn fail_on_threshold_decides_exit_code() {
    // The example's worst failures are high; nothing is critical.
    let code = |args: &[&str]| {
        safeguard(&repo_root())
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(
        code(&["check", "testdata/clinic", "--fail-on", "critical"]),
        Some(0)
    );
    assert_eq!(
        code(&["check", "testdata/clinic", "--fail-on", "high"]),
        Some(1)
    );
    // Only medium findings selected: below high passes, at medium fails.
    assert_eq!(
        code(&[
            "check",
            "testdata/clinic",
            "--select",
            "retention",
            "--fail-on",
            "high"
        ]),
        Some(0)
    );
    assert_eq!(
        code(&[
            "check",
            "testdata/clinic",
            "--select",
            "retention",
            "--fail-on",
            "medium"
        ]),
        Some(1)
    );
}

#[test]
fn unknown_modes() {
    let report = |mode: &str| {
        let output = safeguard(&repo_root())
            .args([
                "check",
                "testdata/clinic",
                "--format",
                "json",
                "--select",
                "aws-cloudwatch-log-retention",
                "--unknown",
                mode,
            ])
            .args(["--ignore", "aws-s3-bucket-encryption"])
            .output()
            .unwrap();
        (output.status.code(), json(&output))
    };
    let (code, listed) = report("report");
    assert_eq!(code, Some(1));
    assert_eq!(listed["findings"].as_array().unwrap().len(), 2);
    let (_, hidden) = report("ignore");
    assert_eq!(
        hidden["findings"].as_array().unwrap().len(),
        1,
        "unknown hidden"
    );
    assert_eq!(hidden["summary"]["unknown"], 1, "but still counted");
}

#[test]
fn unknown_fails_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "main.tf",
        "variable \"encrypt\" {}\nresource \"aws_efs_file_system\" \"f\" {\n  encrypted = var.encrypt\n}\n",
    );
    common::write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"aws\"\nsigned = \"2024-01-01\"\n",
    );
    let code = |mode: &str| {
        safeguard(dir.path())
            .args(["check", ".", "--unknown", mode])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code("report"), Some(0));
    assert_eq!(code("fail"), Some(1));
    assert_eq!(code("ignore"), Some(0));
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "main.tf",
        "resource \"aws_efs_file_system\" \"f\" {\n  encrypted = true\n}\n",
    );
    // The AWS BAA is signed, so using AWS is no finding either.
    common::write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"aws\"\nsigned = \"2024-01-01\"\n",
    );
    let output = safeguard(dir.path()).args(["check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "Checked 1 file (2 objects) against 176 policies: 0 failed, 0 unknown, 3 passed, 0 errors.\n"
    );
}

#[test]
fn select_and_ignore_take_rule_ids_and_safeguards() {
    let lines = |args: &[&str]| {
        let output = safeguard(&repo_root())
            .args(["check", "testdata/clinic", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        finding_lines(&json(&output))
    };
    // Selection must equal filtering the full run: nothing else changes.
    let full = json(
        &safeguard(&repo_root())
            .args(["check", "testdata/clinic", "--format", "json"])
            .output()
            .unwrap(),
    );
    let expected = |keep: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        let findings: Vec<serde_json::Value> = full["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| keep(f))
            .cloned()
            .collect();
        finding_lines(&serde_json::json!({ "findings": findings }))
    };
    let only_backup = lines(&["--select", "backup"]);
    assert_eq!(only_backup, expected(&|f| f["safeguard"] == "backup"));
    assert!(
        only_backup.contains(
            &"testdata/clinic/database.tf:22 aws-rds-backup-enabled fail aws_db_instance.reporting"
                .to_owned()
        )
    );
    let without = lines(&["--ignore", "encryption-at-rest,aws-lb-listener-tls"]);
    assert_eq!(
        without,
        expected(&|f| f["safeguard"] != "encryption-at-rest" && f["rule"] != "aws-lb-listener-tls")
    );
    assert!(without.len() < full["findings"].as_array().unwrap().len());
}

#[test]
fn unknown_selector_is_a_configuration_error() {
    let output = safeguard(&repo_root())
        .args([
            "check",
            "testdata/clinic",
            "--select",
            "aws-rds-encrypted",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        common::error_lines(&json(&output)),
        vec!["<command line> `aws-rds-encrypted` names no policy and no safeguard"]
    );
}

#[test]
fn naming_one_file_reports_only_that_file_with_its_module_as_context() {
    // storage.tf's EBS volume passes only because main.tf enables default encryption.
    let output = safeguard(&repo_root())
        .args([
            "check",
            "testdata/clinic/storage.tf",
            "--format",
            "json",
            "--select",
            "aws-s3-bucket-encryption,aws-ebs-volume-encrypted",
        ])
        .output()
        .unwrap();
    assert_eq!(
        finding_lines(&json(&output)),
        vec!["testdata/clinic/storage.tf:16 aws-s3-bucket-encryption fail aws_s3_bucket.referrals"]
    );
}

#[test]
fn overlapping_paths_are_checked_once() {
    let once = safeguard(&repo_root())
        .args(["check", "testdata/clinic", "--format", "json"])
        .output()
        .unwrap();
    let overlapping = safeguard(&repo_root())
        .args([
            "check",
            "testdata/clinic",
            "./testdata/clinic/storage.tf",
            "./testdata/clinic",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&once), stdout(&overlapping));
}

/// The verdict on the example's audit log group, whose retention comes from
/// a variable without a default.
fn audit_retention(extra: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> Vec<String> {
    let mut cmd = safeguard(dir);
    cmd.args([
        "check",
        "testdata/clinic",
        "--format",
        "json",
        "--select",
        "aws-cloudwatch-log-retention",
    ])
    .args(extra);
    for (name, value) in env {
        cmd.env(name, value);
    }
    finding_lines(&json(&cmd.output().unwrap()))
}

#[test]
fn variables_come_from_var_var_file_and_environment() {
    let root = repo_root();
    let unknown = "testdata/clinic/logging.tf:20 aws-cloudwatch-log-retention unknown aws_cloudwatch_log_group.audit_events";
    let failing = "testdata/clinic/logging.tf:20 aws-cloudwatch-log-retention fail aws_cloudwatch_log_group.audit_events";
    let app = "testdata/clinic/logging.tf:15 aws-cloudwatch-log-retention fail aws_cloudwatch_log_group.portal_app";
    assert_eq!(audit_retention(&[], &[], &root), vec![app, unknown]);
    assert_eq!(
        audit_retention(&["--var", "audit_retention_days=365"], &[], &root),
        vec![app, failing]
    );
    assert_eq!(
        audit_retention(&["--var", "audit_retention_days=2192"], &[], &root),
        vec![app]
    );
    assert_eq!(
        audit_retention(&[], &[("TF_VAR_audit_retention_days", "30")], &root),
        vec![app, failing]
    );
    // --var beats the environment, as in Terraform.
    assert_eq!(
        audit_retention(
            &["--var", "audit_retention_days=3653"],
            &[("TF_VAR_audit_retention_days", "30")],
            &root
        ),
        vec![app]
    );
    let dir = tempfile::tempdir().unwrap();
    let var_file = dir.path().join("prod.tfvars");
    std::fs::write(&var_file, "audit_retention_days = 731\n").unwrap();
    assert_eq!(
        audit_retention(&["--var-file", var_file.to_str().unwrap()], &[], &root),
        vec![app, failing]
    );
}

#[test]
fn auto_loaded_tfvars_and_config_var_files_apply() {
    let dir = tempfile::tempdir().unwrap();
    let tf = "variable \"encrypt\" {}\nvariable \"days\" {}\nresource \"aws_efs_file_system\" \"f\" {\n  encrypted = var.encrypt\n}\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  retention_in_days = var.days\n}\n";
    common::write(dir.path(), "infra/main.tf", tf);
    common::write(dir.path(), "infra/terraform.tfvars", "encrypt = false\n");
    common::write(dir.path(), "infra/extra.auto.tfvars.json", "{\"days\": 90}");
    let output = check_selected(dir.path(), "aws-efs-encrypted,aws-cloudwatch-log-retention");
    assert_eq!(
        finding_lines(&json(&output)),
        vec![
            "infra/main.tf:4 aws-efs-encrypted fail aws_efs_file_system.f",
            "infra/main.tf:7 aws-cloudwatch-log-retention fail aws_cloudwatch_log_group.g",
        ]
    );
    // safeguard.toml's var-files apply after the module's own tfvars.
    common::write(
        dir.path(),
        "safeguard.toml",
        "var-files = [\"env/prod.tfvars\"]\n",
    );
    common::write(
        dir.path(),
        "env/prod.tfvars",
        "encrypt = true\ndays = 2192\n",
    );
    let output = check_selected(dir.path(), "aws-efs-encrypted,aws-cloudwatch-log-retention");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn for_each_instance_gets_the_finding_with_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let tf = "locals {\n  volumes = { billing = true, imaging = false }\n}\nresource \"aws_efs_file_system\" \"data\" {\n  for_each  = local.volumes\n  encrypted = each.value\n}\nresource \"aws_efs_file_system\" \"none\" {\n  count = 0\n}\n";
    common::write(dir.path(), "main.tf", tf);
    let output = check_selected(dir.path(), "aws-efs-encrypted");
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        vec!["main.tf:6 aws-efs-encrypted fail aws_efs_file_system.data[\"imaging\"]"]
    );
    assert_eq!(report["summary"]["pass"], 1);
}
