//! Bad input never panics and never stops a scan: each bad file gives an
//! error at file:line:column, the good file beside it is still checked, and
//! the exit code is 2.

mod common;

use std::path::Path;

use common::{error_lines, finding_lines, json, safeguard, write};

/// A module with one non-compliant EFS file system, so every test can see
/// that scanning went on.
const GOOD: &str = "resource \"aws_efs_file_system\" \"scans\" {\n  encrypted = false\n}\n";
const GOOD_FINDING: &str = "good.tf:2 aws-efs-encrypted fail aws_efs_file_system.scans";

fn scan(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let output = safeguard(dir)
        .args(["check", ".", "--format", "json"])
        // The mechanics under test do not depend on the pack: judge with two
        // bundled policies so the pack can grow without touching these tests.
        .args([
            "--select",
            "aws-efs-encrypted,aws-rds-cluster-storage-encrypted",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), json(&output))
}

fn module_with(name: &str, contents: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.tf", GOOD);
    write(dir.path(), name, contents);
    dir
}

#[test]
fn invalid_hcl() {
    let dir = module_with(
        "bad.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n",
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(2));
    let errors = error_lines(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("bad.tf:2:12 invalid HCL: invalid expression; expected"),
        "{}",
        errors[0]
    );
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

#[test]
fn invalid_utf8() {
    let dir = module_with("bad.tf", b"locals {\n  a = \"\xff\"\n}\n");
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        vec!["bad.tf:2:8 invalid UTF-8 at byte offset 16"]
    );
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

#[test]
fn utf16le_with_bom_parses_like_utf8() {
    let text = "# é 日本\r\nresource \"aws_rds_cluster\" \"claims\" {\r\n  storage_encrypted = false\r\n}\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = module_with("utf16.tf", bytes);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(1), "findings, no error");
    assert_eq!(error_lines(&report), Vec::<String>::new());
    assert_eq!(
        finding_lines(&report),
        vec![
            GOOD_FINDING,
            "utf16.tf:3 aws-rds-cluster-storage-encrypted fail aws_rds_cluster.claims"
        ]
    );
    let finding = &report["findings"][1];
    assert_eq!(finding["range"]["start"]["column"], 3);
    assert_eq!(finding["range"]["end"]["column"], 28);
}

#[test]
fn empty_file_is_valid_terraform() {
    // Terraform accepts an empty .tf file; reporting an error would be a false alarm.
    let dir = module_with("empty.tf", "");
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(error_lines(&report), Vec::<String>::new());
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn binary_file_named_tf() {
    let dir = module_with("bad.tf", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00");
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        vec!["bad.tf:1:8 file looks binary (NUL byte at byte offset 7)"]
    );
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

const POLICY: &str = "id: extra-efs-check\ntitle: Extra\nsafeguard: encryption-at-rest\ncitation: 45 CFR 164.312(a)(2)(iv)\nseverity: low\napplies-to:\n  format: terraform\n  type: aws_efs_file_system\nrequire:\n  attr: encrypted\n  equals: true\nmessage: \"{address}\"\nremediation: Fix.\nexamples:\n  pass: ['resource \"aws_efs_file_system\" \"a\" { encrypted = true }']\n  fail: ['resource \"aws_efs_file_system\" \"a\" {}']\n";

#[test]
fn policy_with_unknown_key() {
    let dir = module_with(
        "policies/bad.yaml",
        POLICY.replace("remediation:", "remedy:"),
    );
    let (code, report) = scan(dir.path(), &["--policies", "policies"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        vec![
            "policies/bad.yaml:13:1 unknown key `remedy` in a policy (hint: expected one of: id, title, description, safeguard, citation, severity, applies-to, when, require, message, remediation, fix, examples, docs)",
            "policies/bad.yaml:1:1 missing required field `remediation` in the policy",
        ]
    );
    assert_eq!(
        finding_lines(&report),
        vec![GOOD_FINDING],
        "bundled policies still run"
    );
}

#[test]
fn policy_with_unknown_operator() {
    let dir = module_with(
        "policies/bad.yaml",
        POLICY.replace("  equals: true", "  greater: 1"),
    );
    let (code, report) = scan(dir.path(), &["--policies", "policies"]);
    assert_eq!(code, Some(2));
    let errors = error_lines(&report);
    assert_eq!(
        errors[0],
        "policies/bad.yaml:11:3 unknown operator `greater` (hint: operators are: exists, equals, not-equals, in, not-in, matches, gte, lte, contains, any-item, all-items, vendor-baa)"
    );
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

#[test]
fn valid_extra_policy_runs_beside_the_bundled_ones() {
    let dir = module_with("policies/extra.yaml", POLICY);
    let (code, report) = scan(
        dir.path(),
        &["--policies", "policies", "--select", "extra-efs-check"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        finding_lines(&report),
        vec![
            GOOD_FINDING,
            "good.tf:2 extra-efs-check fail aws_efs_file_system.scans"
        ]
    );
    assert_eq!(report["summary"]["policies"], 3);
}

#[test]
fn config_with_unknown_key() {
    let dir = module_with(
        "safeguard.toml",
        "fail-on = \"high\"\nexlude = [\"legacy/**\"]\n",
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(2));
    let errors = error_lines(&report);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("safeguard.toml:2:1 unknown field `exlude`, expected one of"),
        "{}",
        errors[0]
    );
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

#[test]
fn config_excludes_and_fail_on_apply() {
    let dir = module_with(
        "legacy/main.tf",
        "resource \"aws_efs_file_system\" \"old\" {}\n",
    );
    write(
        dir.path(),
        "safeguard.toml",
        "fail-on = \"critical\"\nexclude = [\"legacy/**\"]\n",
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(0), "high finding is below fail-on = critical");
    assert_eq!(
        finding_lines(&report),
        vec![GOOD_FINDING],
        "legacy/ excluded"
    );
}

#[test]
fn gitignored_and_terraform_cache_dirs_are_skipped() {
    let dir = module_with(
        ".terraform/modules/x/main.tf",
        "resource \"aws_efs_file_system\" \"cached\" {}\n",
    );
    write(
        dir.path(),
        "generated/main.tf",
        "resource \"aws_efs_file_system\" \"generated\" {}\n",
    );
    write(dir.path(), ".gitignore", "generated/\n");
    let (_, report) = scan(dir.path(), &[]);
    assert_eq!(finding_lines(&report), vec![GOOD_FINDING]);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_escapes_are_errors_not_hangs() {
    use std::os::unix::fs::symlink;
    let dir = module_with("sub/inner.tf", "");
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.tf",
        "resource \"aws_efs_file_system\" \"outside\" {}\n",
    );
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink("self.tf", dir.path().join("self.tf")).unwrap();
    symlink(
        outside.path().join("secret.tf"),
        dir.path().join("escape.tf"),
    )
    .unwrap();
    symlink("good.tf", dir.path().join("alias.tf")).unwrap();
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, Some(2));
    let errors = error_lines(&report);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].starts_with("escape.tf symlink points outside the scanned root"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("self.tf cannot resolve symlink: "),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("sub/up symlink loop: points to its own ancestor"),
        "{}",
        errors[2]
    );
    // A link to a file inside the root is read like the file.
    assert_eq!(
        finding_lines(&report),
        vec![
            "alias.tf:2 aws-efs-encrypted fail aws_efs_file_system.scans",
            GOOD_FINDING
        ]
    );
}

#[test]
fn missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = safeguard(dir.path())
        .args(["check", "nope", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let errors = error_lines(&json(&output));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("nope cannot read: "), "{}", errors[0]);
}
