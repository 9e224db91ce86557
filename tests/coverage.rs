//! Nothing lost: every file found is reported as checked, skipped (with the
//! reason) or failed, in the summary and in every output format; `--strict`
//! makes a skipped file an error (exit 2); unreadable files and directories
//! are errors.

mod common;

use std::path::Path;

use common::{check_selected, error_lines, json, safeguard, stdout, write};

const GOOD: &str = "resource \"aws_efs_file_system\" \"scans\" {\n  encrypted = false\n}\n";

/// A module, a JSON file that is no plan, an autoconf `configure`, a
/// master.cf without its main.cf and a YAML file that is no tenant file.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.tf", GOOD);
    write(dir.path(), "package.json", "{\"name\": \"x\"}\n");
    write(dir.path(), "configure", "#!/bin/sh\necho configuring\n");
    write(dir.path(), "mail/master.cf", "smtp inet n - y - - smtpd\n");
    write(dir.path(), "k8s/deploy.yaml", "kind: Deployment\n");
    dir
}

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = safeguard(dir)
        .args(["check", ".", "--select", "aws-efs-encrypted"])
        .args(args)
        .output()
        .unwrap();
    (output.status.code(), stdout(&output))
}

#[test]
fn json_reports_found_checked_skipped_and_failed() {
    let dir = tree();
    write(dir.path(), "bad.tf", "resource \"x\" {\n");
    let output = check_selected(dir.path(), "aws-efs-encrypted");
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(
        report["skipped"],
        serde_json::json!([
            { "file": "configure", "reason": "`configure` that is not an Exim configuration" },
            { "file": "k8s/deploy.yaml", "reason": "YAML that is not a native tenant file" },
            { "file": "mail/master.cf", "reason": "master.cf without a main.cf beside it" },
            { "file": "package.json", "reason": "JSON that is not a Terraform plan, state or tenant export" },
        ])
    );
    let summary = &report["summary"];
    assert_eq!(
        (
            &summary["found"],
            &summary["files"],
            &summary["skipped"],
            &summary["failed"]
        ),
        // bad.tf failed to parse and is also counted as checked: its module
        // was read, and the error is located in it.
        (
            &serde_json::json!(6),
            &serde_json::json!(2),
            &serde_json::json!(4),
            &serde_json::json!(1)
        )
    );
}

#[test]
fn every_format_names_the_skipped_files() {
    let dir = tree();
    let (code, human) = check(dir.path(), &[]);
    assert_eq!(code, Some(1), "skips alone do not fail the run");
    assert!(
        human.contains(
            "skipped: package.json: JSON that is not a Terraform plan, state or tenant export\n"
        ),
        "{human}"
    );
    assert!(
        human.contains("Of 5 files found: 4 skipped, 0 with errors."),
        "{human}"
    );

    let (_, sarif) = check(dir.path(), &["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["properties"]["filesFound"], 5);
    assert_eq!(invocation["properties"]["filesSkipped"], 4);
    let notes: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"skipped: master.cf without a main.cf beside it"));

    let (_, junit) = check(dir.path(), &["--format", "junit"]);
    assert!(
        junit.contains(
            "<testcase name=\"configure\" classname=\"configure\">\n      <skipped message=\"`configure` that is not an Exim configuration\"/>"
        ),
        "{junit}"
    );
    roxmltree::Document::parse(&junit).unwrap();

    let (_, github) = check(dir.path(), &["--format", "github"]);
    assert!(
        github.contains("::notice file=package.json,title=safeguard skipped file::JSON that is not a Terraform plan, state or tenant export\n"),
        "{github}"
    );

    let (_, gitlab) = check(dir.path(), &["--format", "gitlab"]);
    let gitlab: serde_json::Value = serde_json::from_str(&gitlab).unwrap();
    let skipped: Vec<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["check_name"] == "safeguard-skipped-file")
        .map(|i| i["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        vec![
            "configure",
            "k8s/deploy.yaml",
            "mail/master.cf",
            "package.json"
        ]
    );

    let (_, checkstyle) = check(dir.path(), &["--format", "checkstyle"]);
    roxmltree::Document::parse(&checkstyle).unwrap();
    assert!(
        checkstyle.contains("<file name=\"package.json\">\n    <error line=\"1\" column=\"1\" severity=\"info\" message=\"not checked: JSON that is not a Terraform plan, state or tenant export\" source=\"safeguard.skipped-file\"/>"),
        "{checkstyle}"
    );
}

#[test]
fn strict_turns_skipped_files_into_errors() {
    let dir = tree();
    let output = safeguard(dir.path())
        .args(["check", ".", "--format", "json", "--strict"])
        .args(["--select", "aws-efs-encrypted"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        error_lines(&json(&output)),
        vec![
            "configure skipped: `configure` that is not an Exim configuration (--strict)",
            "k8s/deploy.yaml skipped: YAML that is not a native tenant file (--strict)",
            "mail/master.cf skipped: master.cf without a main.cf beside it (--strict)",
            "package.json skipped: JSON that is not a Terraform plan, state or tenant export (--strict)",
        ]
    );
    // An exclusion is the way to accept a file on purpose under --strict.
    write(
        dir.path(),
        "safeguard.toml",
        "exclude = [\"package.json\", \"configure\", \"mail/**\", \"k8s/**\"]\n",
    );
    let (code, _) = check(dir.path(), &["--strict"]);
    assert_eq!(code, Some(1));
}

/// Permissions are not enforced for root. Run as root (as in some CI
/// containers), the scan is repeated as `nobody` through `setpriv` when it is
/// installed; without it the test says so and asserts nothing rather than
/// pass falsely.
#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_errors() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.tf", GOOD);
    write(dir.path(), "locked.tf", GOOD);
    write(dir.path(), "closed/main.tf", GOOD);
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    mode(dir.path(), 0o755);
    let locked = dir.path().join("locked.tf");
    let closed = dir.path().join("closed");
    mode(&locked, 0o000);
    mode(&closed, 0o000);
    let as_root = std::fs::read(&locked).is_ok();
    let binary = env!("CARGO_BIN_EXE_safeguard");
    let mut command = if as_root {
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let Some(setpriv) = setpriv else {
            eprintln!("skipped: running as root (permissions not enforced) and no setpriv");
            mode(&closed, 0o755);
            return;
        };
        let mut command = std::process::Command::new(setpriv);
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", binary]);
        command
    } else {
        std::process::Command::new(binary)
    };
    let output = command
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .envs(common::cache_env())
        .args([
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "aws-efs-encrypted",
        ])
        .output()
        .unwrap();
    mode(&closed, 0o755);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = json(&output);
    assert_eq!(
        error_lines(&report),
        vec![
            "closed cannot read: Permission denied (os error 13)",
            "locked.tf cannot read: Permission denied (os error 13)",
        ]
    );
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["summary"]["files"], 1);
}
