//! A real pre-commit run: pre-commit (from PyPI) installs this repository's
//! `safeguard-system` hook from `.pre-commit-hooks.yaml` into a throwaway git
//! repository; committing a non-compliant .tf file is refused with the
//! finding, and the fixed file commits. Skipped with a message when
//! pre-commit or git is missing, unless CI is set (then it fails): .ci/run
//! installs pre-commit with pip. The `language: rust` hook is run for real
//! by scripts/precommit-rust-hook (a release build, too slow for here); this
//! file checks that it shares the system hook's command and files, and that
//! the `files` pattern is what `safeguard check FILE` reads.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo_root, write};

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    // The hook runs the binary under test: put its directory first on PATH.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_safeguard"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&path));
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("NO_COLOR", "1")
        .envs(common::cache_env())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn pre_commit_refuses_a_non_compliant_tf_file_and_accepts_the_fix() {
    let missing: Vec<&str> = ["git", "pre-commit"]
        .into_iter()
        .filter(|p| !available(p))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} not installed but CI is set: .ci/run installs pre-commit with pip",
            missing.join(" and ")
        );
        eprintln!(
            "{} not installed: skipping the real pre-commit run",
            missing.join(" and ")
        );
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let hooks: PathBuf = scratch.path().join("hooks");
    let project: PathBuf = scratch.path().join("project");
    let home: PathBuf = scratch.path().join("pre-commit-home");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    let env = [("PRE_COMMIT_HOME", home.as_path())];

    // The hook repository: this repository's hook definitions, committed.
    std::fs::copy(
        repo_root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &["commit", "-q", "-m", "hooks"],
    ] {
        let output = run(&hooks, "git", args, &env);
        assert!(output.status.success(), "{}", text(&output));
    }
    let rev = String::from_utf8(run(&hooks, "git", &["rev-parse", "HEAD"], &env).stdout).unwrap();

    write(
        &project,
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: safeguard-system\n        args: [--select, aws-rds-instance-storage-encrypted]\n",
            hooks.display(),
            rev.trim()
        ),
    );
    write(
        &project,
        "db.tf",
        "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted = false\n}\n",
    );
    assert!(run(&project, "git", &["init", "-q"], &env).status.success());
    let install = run(&project, "pre-commit", &["install"], &env);
    assert!(install.status.success(), "{}", text(&install));
    assert!(run(&project, "git", &["add", "."], &env).status.success());

    let refused = run(
        &project,
        "git",
        &["commit", "-m", "unencrypted database"],
        &env,
    );
    let output = text(&refused);
    assert!(
        !refused.status.success(),
        "the commit must be refused:\n{output}"
    );
    assert!(output.contains("- hook id: safeguard-system"), "{output}");
    assert!(
        output.contains("aws-rds-instance-storage-encrypted"),
        "{output}"
    );
    assert!(
        output.contains("[high] aws_db_instance.db stores its data unencrypted"),
        "{output}"
    );
    assert!(output.contains("╭─[db.tf:2:3]"), "{output}");
    let log = run(
        &project,
        "git",
        &["rev-parse", "--verify", "-q", "HEAD"],
        &env,
    );
    assert!(!log.status.success(), "nothing was committed");

    write(
        &project,
        "db.tf",
        "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted = true\n}\n",
    );
    assert!(
        run(&project, "git", &["add", "db.tf"], &env)
            .status
            .success()
    );
    let accepted = run(
        &project,
        "git",
        &["commit", "-m", "encrypted database"],
        &env,
    );
    let output = text(&accepted);
    assert!(
        accepted.status.success(),
        "the fixed commit must pass:\n{output}"
    );
    assert!(
        output.contains("safeguard (HIPAA compliance-as-code)"),
        "{output}"
    );
    assert!(output.contains("Passed"), "{output}");
}

/// The hooks of .pre-commit-hooks.yaml, in order: each `- id:` item with
/// its `key: value` lines (the only shape that file uses; values unquoted).
fn manifest_hooks() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    let mut hooks: Vec<BTreeMap<String, String>> = Vec::new();
    for line in text.lines() {
        let (item, rest) = match line.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => match line.strip_prefix("  ") {
                Some(rest) if !rest.starts_with(' ') => (false, rest),
                _ => continue,
            },
        };
        let Some((key, value)) = rest.split_once(": ") else {
            continue;
        };
        if item {
            hooks.push(BTreeMap::new());
        }
        let value = value.trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(value);
        hooks
            .last_mut()
            .expect("a key after the first item")
            .insert(key.to_owned(), value.to_owned());
    }
    hooks
}

#[test]
fn the_rust_and_system_hooks_run_the_same_command_on_the_same_files() {
    let hooks = manifest_hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["safeguard", "safeguard-system"]);
    assert_eq!(hooks[0]["language"], "rust");
    assert_eq!(hooks[1]["language"], "system");
    for key in ["entry", "files", "args", "require_serial", "name"] {
        assert_eq!(hooks[0].get(key), hooks[1].get(key), "{key}");
    }
    assert_eq!(hooks[0]["entry"], "safeguard check");
    assert_eq!(hooks[0]["require_serial"], "true");
}

#[test]
fn the_hook_files_pattern_is_what_safeguard_check_reads() {
    let files = manifest_hooks()[0]["files"].clone();
    // pre-commit applies `files` with Python's re.search; this pattern uses
    // only syntax Python and the regex crate read alike.
    let pattern = regex::Regex::new(&files).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let refused = "not a file safeguard reads";
    let tf = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
    let read = [
        ("db.tf", tf),
        ("envs/prod/main.tf", tf),
        ("plan.json", "{}\n"),
        ("vars.tfvars.json", "{}\n"),
        ("tenant.ps1", "Write-Host hi\n"),
        ("tenant.yaml", "a: 1\n"),
        ("tenant.yml", "a: 1\n"),
        ("etc/postfix/main.cf", "myhostname = mx.example.org\n"),
        // Read with the main.cf beside it (alone, it is an error).
        ("etc/postfix/master.cf", "smtp inet n - y - - smtpd\n"),
        ("dovecot.conf", "protocols = imap\n"),
        ("exim.conf", "primary_hostname = mx.example.org\n"),
        ("exim4.conf", "primary_hostname = mx.example.org\n"),
        ("exim4.conf.template", "primary_hostname = mx.example.org\n"),
        ("configure", "#!/bin/sh\n"),
    ];
    for (name, contents) in read {
        assert!(pattern.is_match(name), "{name} must match {files}");
        write(dir.path(), name, contents);
        let output = common::safeguard(dir.path())
            .args(["check", name])
            .output()
            .unwrap();
        assert!(
            !text(&output).contains(refused),
            "{name}: {}",
            text(&output)
        );
        assert_ne!(output.status.code(), Some(2), "{name}: {}", text(&output));
    }
    let not_read = [
        ("terraform.tfvars", "region = \"us-east-1\"\n"),
        ("conf.d/10-ssl.conf", "ssl = required\n"),
        ("main.cf.orig", "myhostname = mx.example.org\n"),
        ("README.md", "notes\n"),
    ];
    for (name, contents) in not_read {
        assert!(!pattern.is_match(name), "{name} must not match {files}");
        write(dir.path(), name, contents);
        let output = common::safeguard(dir.path())
            .args(["check", name])
            .output()
            .unwrap();
        assert!(text(&output).contains(refused), "{name}: {}", text(&output));
        assert_eq!(output.status.code(), Some(2), "{name}");
    }
}

#[test]
fn since_checks_only_files_changed_since_a_revision() {
    if !available("git") {
        assert!(
            std::env::var_os("CI").is_none(),
            "git is not installed but CI is set"
        );
        eprintln!("git not installed: skipping --since");
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let env: [(&str, &Path); 0] = [];
    let bad = "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted = false\n}\n";
    write(repo.path(), "old.tf", bad);
    write(repo.path(), "README.md", "notes\n");
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &["commit", "-q", "-m", "base"],
    ] {
        assert!(run(repo.path(), "git", args, &env).status.success());
    }
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--select",
            "aws-rds-instance-storage-encrypted",
        ];
        args.extend(extra);
        run(repo.path(), env!("CARGO_BIN_EXE_safeguard"), &args, &env)
    };
    // Nothing changed: nothing checked, exit 0.
    let none = check(&["--since", "HEAD"]);
    assert_eq!(none.status.code(), Some(0), "{}", text(&none));
    let report: serde_json::Value = serde_json::from_slice(&none.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 0);
    // A new file (staged) and an edited README: only the .tf file is checked.
    write(repo.path(), "new.tf", bad.replace("\"db\"", "\"db2\""));
    write(repo.path(), "README.md", "more notes\n");
    assert!(
        run(repo.path(), "git", &["add", "new.tf"], &env)
            .status
            .success()
    );
    let changed = check(&["--since", "HEAD"]);
    assert_eq!(changed.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&changed.stdout).unwrap();
    assert_eq!(
        common::finding_lines(&report),
        ["new.tf:2 aws-rds-instance-storage-encrypted fail aws_db_instance.db2"]
    );
    let bad_rev = check(&["--since", "no-such-rev"]);
    assert_eq!(bad_rev.status.code(), Some(2));
    assert!(
        text(&bad_rev).contains("git diff no-such-rev failed"),
        "{}",
        text(&bad_rev)
    );
}
