//! Local Terraform modules through the CLI: evaluated with each caller's
//! arguments, findings at the caller's argument, never read outside the
//! scanned root, and not judged a second time on their own.

mod common;

use common::{check_selected, error_lines, finding_lines, json, safeguard, write};

const DB: &str = "variable \"encrypted\" {\n  default = true\n}\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = var.encrypted\n}\n";

#[test]
fn a_module_called_twice_gives_one_finding_at_the_callers_argument() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infra/modules/db/main.tf", DB);
    write(
        dir.path(),
        "infra/main.tf",
        "module \"billing\" {\n  source    = \"./modules/db\"\n  encrypted = false\n}\n\nmodule \"clinical\" {\n  source = \"./modules/db\"\n}\n",
    );
    let output = check_selected(dir.path(), "aws-rds-instance-storage-encrypted");
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        vec![
            "infra/main.tf:3 aws-rds-instance-storage-encrypted fail module.billing.aws_db_instance.this"
        ]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["range"]["start"]["column"], 15);
    assert_eq!(
        finding["reason"],
        "`storage_encrypted` is false, expected true"
    );
    assert_eq!(report["summary"]["pass"], 1, "module.clinical passes");
    assert_eq!(report["summary"]["files"], 2, "each file counted once");
}

#[test]
fn a_module_directory_scanned_alone_is_judged_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "modules/db/main.tf",
        DB.replace("default = true", "default = false"),
    );
    let output = safeguard(dir.path())
        .args([
            "check",
            "modules/db",
            "--format",
            "json",
            "--select",
            "aws-rds-instance-storage-encrypted",
        ])
        .output()
        .unwrap();
    assert_eq!(
        finding_lines(&json(&output)),
        vec!["modules/db/main.tf:5 aws-rds-instance-storage-encrypted fail aws_db_instance.this"]
    );
}

#[test]
fn a_module_source_outside_the_scanned_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "shared/db/main.tf", DB);
    write(
        dir.path(),
        "infra/main.tf",
        "module \"db\" {\n  source = \"../shared/db\"\n}\n",
    );
    let output = safeguard(dir.path())
        .args([
            "check",
            "infra",
            "--format",
            "json",
            "--select",
            "aws-rds-instance-storage-encrypted",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let errors = error_lines(&json(&output));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "infra/main.tf:2:12 module.db: module source `../shared/db` leaves the scanned root"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn split_s3_resources_across_files_relate() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s3/buckets.tf",
        "resource \"aws_s3_bucket\" \"phi\" {\n  bucket = \"clinic-phi\"\n}\nresource \"aws_s3_bucket\" \"bare\" {\n  bucket = \"clinic-bare\"\n}\n",
    );
    write(
        dir.path(),
        "s3/encryption.tf",
        "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"phi\" {\n  bucket = aws_s3_bucket.phi.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n    }\n  }\n}\n",
    );
    let output = check_selected(dir.path(), "aws-s3-bucket-encryption");
    assert_eq!(
        finding_lines(&json(&output)),
        vec!["s3/buckets.tf:4 aws-s3-bucket-encryption fail aws_s3_bucket.bare"]
    );
}

#[test]
fn a_remote_module_not_installed_is_one_note_and_no_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "infra/main.tf",
        "module \"db\" {\n  source  = \"example-org/db/aws\"\n  version = \"1.2.0\"\n}\n",
    );
    let output = check_selected(dir.path(), "aws-rds-instance-storage-encrypted");
    assert_eq!(
        output.status.code(),
        Some(0),
        "a note does not fail the run"
    );
    let report = json(&output);
    assert_eq!(report["errors"], serde_json::json!([]));
    let notes = report["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["file"], "infra/main.tf");
    assert_eq!(
        notes[0]["range"]["start"],
        serde_json::json!({ "line": 2, "column": 13 })
    );
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("module.db comes from `example-org/db/aws`, which is never fetched")
    );
}

#[test]
fn a_remote_module_installed_by_terraform_init_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "infra/main.tf",
        "module \"db\" {\n  source    = \"example-org/db/aws\"\n  encrypted = false\n}\n",
    );
    write(dir.path(), "infra/.terraform/modules/db/main.tf", DB);
    write(
        dir.path(),
        "infra/.terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"db","Source":"registry.terraform.io/example-org/db/aws","Version":"1.2.0","Dir":".terraform/modules/db"}]}"#,
    );
    let output = check_selected(dir.path(), "aws-rds-instance-storage-encrypted");
    let report = json(&output);
    assert_eq!(report["notes"], serde_json::json!([]));
    assert_eq!(
        finding_lines(&report),
        vec![
            "infra/main.tf:3 aws-rds-instance-storage-encrypted fail module.db.aws_db_instance.this"
        ]
    );
}
