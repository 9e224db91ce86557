//! `safeguard check --fix` and `--diff`: only safe fixes, exact edits,
//! nothing else in the file touched, and a second run changes nothing.

mod common;

use common::{check_selected, safeguard, stdout};

const BEFORE: &str = r#"# Keys for the PHI store.
resource "aws_kms_key" "k" {
  description         = "phi" # why
  enable_key_rotation = false
}

/* The audit trail. */
resource "aws_cloudtrail" "t" {
  name           = "trail"   # aligned by hand
  s3_bucket_name = "logs"
}

resource "aws_db_instance" "d" {
  storage_encrypted   = false
  deletion_protection = false # set by the fix
}
"#;

const AFTER: &str = r#"# Keys for the PHI store.
resource "aws_kms_key" "k" {
  description         = "phi" # why
  enable_key_rotation = true
}

/* The audit trail. */
resource "aws_cloudtrail" "t" {
  name           = "trail"   # aligned by hand
  s3_bucket_name = "logs"
  enable_log_file_validation = true
}

resource "aws_db_instance" "d" {
  storage_encrypted   = false
  deletion_protection = true # set by the fix
}
"#;

const RULES: &str = "aws-kms-key-rotation,aws-cloudtrail-log-file-validation,aws-rds-deletion-protection,aws-rds-instance-storage-encrypted";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), BEFORE).unwrap();
    dir
}

fn failing_rules(dir: &std::path::Path) -> Vec<String> {
    let output = check_selected(dir, RULES);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json["errors"],
        serde_json::json!([]),
        "the fixed file parses"
    );
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn fix_applies_safe_fixes_only_and_touches_nothing_else() {
    let dir = fixture();
    let output = safeguard(dir.path())
        .args(["check", ".", "--fix", "--select", RULES])
        .output()
        .unwrap();
    // The unsafe storage encryption (it replaces the database) remains: exit 1.
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.tf")).unwrap(),
        AFTER
    );
    assert_eq!(
        failing_rules(dir.path()),
        vec!["aws-rds-instance-storage-encrypted".to_owned()]
    );
}

#[test]
fn fix_is_idempotent() {
    let dir = fixture();
    for _ in 0..2 {
        safeguard(dir.path())
            .args(["check", ".", "--fix", "--select", RULES])
            .output()
            .unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.tf")).unwrap(),
        AFTER
    );
    let third = safeguard(dir.path())
        .args(["check", ".", "--fix", "--select", RULES])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&third.stderr).contains("fixed"),
        "nothing left to fix"
    );
    let diff = safeguard(dir.path())
        .args(["check", ".", "--diff", "--select", RULES])
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0));
    assert_eq!(stdout(&diff), "");
}

#[test]
fn diff_shows_the_fixes_without_writing() {
    let dir = fixture();
    let output = safeguard(dir.path())
        .args(["check", "main.tf", "--diff", "--select", RULES])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        r#"--- a/main.tf
+++ b/main.tf
@@ -1,16 +1,17 @@
 # Keys for the PHI store.
 resource "aws_kms_key" "k" {
   description         = "phi" # why
-  enable_key_rotation = false
+  enable_key_rotation = true
 }
 
 /* The audit trail. */
 resource "aws_cloudtrail" "t" {
   name           = "trail"   # aligned by hand
   s3_bucket_name = "logs"
+  enable_log_file_validation = true
 }
 
 resource "aws_db_instance" "d" {
   storage_encrypted   = false
-  deletion_protection = false # set by the fix
+  deletion_protection = true # set by the fix
 }
"#
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.tf")).unwrap(),
        BEFORE
    );
}

#[test]
fn fix_edits_mail_configuration_lines() {
    let dir = tempfile::tempdir().unwrap();
    let main_cf = "# Outbound relay\nsmtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 0   \n";
    std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
    safeguard(dir.path())
        .args([
            "check",
            ".",
            "--fix",
            "--select",
            "postfix-smtp-client-tls-loglevel",
        ])
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.cf")).unwrap(),
        "# Outbound relay\nsmtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 1   \n"
    );
    let output = safeguard(dir.path())
        .args(["check", ".", "--select", "postfix-smtp-client-tls-loglevel"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}
