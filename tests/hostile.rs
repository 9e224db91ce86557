//! The hostile-input suite (`testdata/hostile/`, plus cases too large or
//! too odd to commit, generated here into temporary directories): every
//! resource limit, every path escape, billion laughs, deep nesting, a 200 MB
//! file, invalid encodings and a self-referential Postfix parameter. Each
//! case must end in a located error and exit 2, without a panic, in under
//! 5 s and under 500 MB of peak resident memory, measured on the spawned
//! process (`VmHWM` in `/proc/PID/status`, polled until it exits). A mixed
//! tree must report every good file's findings exactly as a scan of the
//! good files alone does.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{error_lines, finding_lines, repo_root, write};

const TIME_LIMIT: Duration = Duration::from_secs(5);
const MEMORY_LIMIT_KB: u64 = 500 * 1024;

/// What one bounded run produced.
struct Run {
    code: Option<i32>,
    report: serde_json::Value,
    stderr: String,
    elapsed: Duration,
    /// Peak resident set in kB, when `/proc` shows it (Linux).
    peak_kb: Option<u64>,
}

fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `safeguard check ARGS --format json` in `dir`, watching time and
/// peak memory; kills the process at twice the time limit so a hang fails
/// the test instead of stalling it.
fn scan(dir: &Path, args: &[&str]) -> Run {
    // One measured scan at a time: the test harness runs tests in parallel,
    // and scans competing for the cores would measure each other.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_safeguard"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(common::cache_env())
        .args(["check", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak_kb = None;
    let status = loop {
        // VmHWM only grows, so the last reading before exit is the peak up
        // to that moment; polling often keeps the unseen tail short.
        if let Some(kb) = peak_rss_kb(pid) {
            peak_kb = Some(peak_kb.unwrap_or(0).max(kb));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > 2 * TIME_LIMIT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "safeguard {args:?} still running after {:?}",
                2 * TIME_LIMIT
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let stdout = std::fs::read(out.path()).unwrap();
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    let report = serde_json::from_slice(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}"));
    Run {
        code: status.code(),
        report,
        stderr,
        elapsed,
        peak_kb,
    }
}

/// Exit 2, no panic, within time and memory; returns the error lines.
fn assert_bounded_error(run: &Run, what: &str) -> Vec<String> {
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "{what}: {}",
        run.stderr
    );
    assert_eq!(run.code, Some(2), "{what}: {}", run.report);
    assert!(
        run.elapsed < TIME_LIMIT,
        "{what}: took {:?} (limit {TIME_LIMIT:?})",
        run.elapsed
    );
    if let Some(kb) = run.peak_kb {
        assert!(
            kb < MEMORY_LIMIT_KB,
            "{what}: peak RSS {kb} kB (limit {MEMORY_LIMIT_KB} kB)"
        );
    } else {
        // Only Linux has /proc; elsewhere memory is not measured.
        #[cfg(target_os = "linux")]
        panic!("{what}: no VmHWM read on Linux");
    }
    let errors = error_lines(&run.report);
    assert!(!errors.is_empty(), "{what}: no error");
    errors
}

fn hostile(case: &str) -> PathBuf {
    repo_root().join("testdata/hostile").join(case)
}

/// A committed case: scanned from its own directory as `.`.
fn committed(case: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["."];
    all.extend(args);
    let run = scan(&hostile(case), &all);
    assert_bounded_error(&run, case)
}

#[test]
fn count_over_the_instance_limit() {
    assert_eq!(
        committed("count-limit", &[]),
        vec![
            "main.tf:2:11 count = 100000000 is over the 10000-instance limit; the block is read as unknown"
        ]
    );
}

#[test]
fn for_each_over_the_configured_instance_limit() {
    assert_eq!(
        committed("for-each-limit", &[]),
        vec![
            "main.tf:2:14 for_each has 4 items, over the 3-instance limit; the block is read as unknown"
        ]
    );
}

#[test]
fn the_command_line_overrides_the_configured_limit() {
    let run = scan(&hostile("for-each-limit"), &[".", "--max-instances", "4"]);
    assert_eq!(error_lines(&run.report), Vec::<String>::new());
    assert_ne!(run.code, Some(2));
}

#[test]
fn modules_nested_beyond_the_configured_depth() {
    assert_eq!(
        committed("module-depth", &[]),
        vec!["m1/m2/main.tf:2:12 module.m3: modules nest deeper than 2 levels; not read"]
    );
    // The module cut off is still judged, on its own: nothing is lost.
    let run = scan(&hostile("module-depth"), &["."]);
    assert_eq!(run.report["skipped"], serde_json::json!([]));
    assert_eq!(run.report["summary"]["found"], 4);
    assert_eq!(run.report["summary"]["files"], 4);
}

#[test]
fn module_cycle() {
    assert_eq!(
        committed("module-cycle", &[]),
        vec![
            "a/main.tf:2:12 module.back calls `../`, which calls it back (a module cycle); not read",
            "main.tf:2:12 module.a calls `./a`, which calls it back (a module cycle); not read",
        ]
    );
}

#[test]
fn module_source_escaping_the_root() {
    let errors = committed("module-escape", &[]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "main.tf:2:12 module.etc: module source `../../../../../../../../../../etc` leaves the scanned root"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn dovecot_includes_outside_the_root() {
    let errors = committed("dovecot-include-escape", &[]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "dovecot.conf:2:10 !include /etc/dovecot/dovecot.conf: /etc/dovecot is outside the configuration root"
        ),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("dovecot.conf:3:10 !include ../../../../../../../../../etc/passwd:"),
        "{}",
        errors[1]
    );
}

#[test]
fn exim_include_outside_the_root() {
    let errors = committed("exim-include-escape", &[]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "exim.conf:2:1 .include /etc/passwd: /etc is outside the configuration root"
        ),
        "{}",
        errors[0]
    );
}

/// A lookup table whose path climbs out of `/etc/postfix` with `..` is
/// refused: a located error at the parameter's value, exit 2, and the file
/// is never opened. A plain absolute path elsewhere is not an error (a real
/// host keeps tables in many places): that lookup is unknown, with the
/// reason, at the parameter. A table that resolves outside the root through
/// a symlink is refused the same way.
#[test]
fn postfix_tables_outside_the_root_are_refused() {
    let run = scan(&hostile("postfix-table-escape"), &["."]);
    assert_eq!(
        assert_bounded_error(&run, "postfix-table-escape"),
        vec![
            "main.cf:3:27 hash:/etc/postfix/../../../../../../etc/shadow leaves /etc/postfix through `..`; refused, not read"
        ]
    );
    let text = run.report.to_string();
    assert!(!text.contains("root:"), "nothing of /etc/passwd is shown");
    let reasons: Vec<String> = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "postfix-relayhost-tls-enforced")
        .map(|f| {
            format!(
                "{}:{} {}",
                f["range"]["start"]["line"],
                f["range"]["start"]["column"],
                f["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        reasons.iter().any(|r| r
            == "2:24 `tls_enforced` cannot be known: hash:/etc/passwd: /etc/passwd is not mapped into the scanned tree (only /etc/postfix/… is, to the main.cf directory)"),
        "{reasons:?}"
    );

    // In a tree that mirrors the file system, `/etc/postfix/../policy`
    // would land on a file inside the scanned root; it is still refused,
    // and the file (which would say `none`) is not read. Through master.cf
    // `-o` and `$config_directory` too.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "etc/policy", "[smtp.example.com]:587 none\n");
    write(
        dir.path(),
        "etc/postfix/main.cf",
        "relayhost = [smtp.example.com]:587\nsmtp_tls_policy_maps = hash:/etc/postfix/../policy\nsmtp_tls_security_level = encrypt\n",
    );
    write(
        dir.path(),
        "etc/postfix/master.cf",
        "smtp      unix  -       -       y       -       -       smtp\n  -o smtp_tls_policy_maps=texthash:$config_directory/../policy\n",
    );
    let run = scan(dir.path(), &["."]);
    assert_eq!(
        assert_bounded_error(&run, "mirrored tree"),
        vec![
            "etc/postfix/main.cf:2:24 hash:/etc/postfix/../policy leaves /etc/postfix through `..`; refused, not read",
            "etc/postfix/master.cf:2:27 texthash:$config_directory/../policy leaves /etc/postfix through `..`; refused, not read",
        ]
    );
    let text = run.report.to_string();
    assert!(!text.contains("\"none\""), "the table was not read: {text}");
    assert!(
        !text.contains("etc/policy"),
        "the table joined no document: {text}"
    );

    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "policy", "[smtp.example.com]:587 none\n");
        write(
            dir.path(),
            "main.cf",
            "relayhost = [smtp.example.com]:587\nsmtp_tls_policy_maps = hash:/etc/postfix/policy\nsmtp_tls_security_level = encrypt\n",
        );
        std::os::unix::fs::symlink(outside.path().join("policy"), dir.path().join("policy"))
            .unwrap();
        let run = scan(dir.path(), &["."]);
        let text = run.report.to_string();
        assert!(
            text.contains("resolves outside the scanned root")
                || text.contains("outside the scanned root"),
            "{text}"
        );
        assert!(!text.contains("\"none\""), "the outside table was not read");
    }
}

#[test]
fn postfix_self_reference() {
    assert_eq!(
        committed("postfix-self-reference", &[]),
        vec!["main.cf:1:27 unreasonable macro call nesting: more than 100 levels at $a"]
    );
}

#[test]
fn invalid_encodings() {
    assert_eq!(
        committed("invalid-encoding", &[]),
        vec![
            "bad-utf16.tf invalid UTF-16 at byte offset 6: unpaired surrogate",
            "bad-utf8.tf:2:8 invalid UTF-8 at byte offset 16",
            "binary.tf:2:1 file looks binary (NUL byte at byte offset 20)",
        ]
    );
}

#[test]
fn billion_laughs_policy() {
    assert_eq!(
        committed("billion-laughs", &["--policies", "policies"]),
        vec!["policies/laughs.yaml:2:8 invalid YAML: YAML aliases are not supported"]
    );
}

#[test]
fn zero_limit_in_the_configuration() {
    assert_eq!(
        committed("config-limit-zero", &[]),
        vec!["safeguard.toml:2:17 limits.max-file-size must be at least 1"]
    );
}

/// 100,000 levels of nesting in each format with a parser: brackets and
/// blocks in HCL, arrays in a plan's JSON, a policy's YAML, Dovecot
/// sections and Exim conditionals.
#[test]
fn deep_nesting() {
    const N: usize = 100_000;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "main.tf",
            format!("locals {{\n  a = {}{}\n}}\n", "[".repeat(N), "]".repeat(N)),
            "main.tf:2:71 invalid HCL: invalid nesting depth; expected at most 64 nested levels",
        ),
        (
            "main.tf",
            format!(
                "resource \"x\" \"y\" {{\n{}{}}}\n",
                "a {\n".repeat(N),
                "}\n".repeat(N)
            ),
            "main.tf:65:3 invalid HCL: invalid nesting depth; expected at most 64 nested levels",
        ),
        (
            "main.tf",
            format!("locals {{\n  a = {}1{}\n}}\n", "(".repeat(N), ")".repeat(N)),
            "main.tf:2:71 invalid HCL: invalid nesting depth; expected at most 64 nested levels",
        ),
        (
            "plan.json",
            format!(
                "{{\"format_version\":\"1.0\",\"terraform_version\":\"1.5.0\",\"planned_values\":{}{}}}",
                "[".repeat(N),
                "]".repeat(N)
            ),
            "plan.json:1:581 invalid JSON: Maximum nesting depth exceeded",
        ),
        (
            "dovecot.conf",
            format!("{}{}", "a {\n".repeat(N), "}\n".repeat(N)),
            "dovecot.conf:33:1 sections nested more than 32 deep; the inner ones are not read",
        ),
        (
            "exim.conf",
            format!("{}{}", ".ifdef A\n".repeat(N), ".endif\n".repeat(N)),
            "exim.conf:11:1 .ifdef nested too deeply (Exim allows 10 levels)",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), name, text);
        let run = scan(dir.path(), &["."]);
        let errors = assert_bounded_error(&run, name);
        assert_eq!(errors, vec![expected.to_owned()], "{name}");
    }

    // A policy nested 100,000 deep.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policies/deep.yaml",
        format!("id: {}x{}\n", "[".repeat(N), "]".repeat(N)),
    );
    let run = scan(dir.path(), &[".", "--policies", "policies"]);
    let errors = assert_bounded_error(&run, "deep.yaml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("policies/deep.yaml:1:"),
        "{}",
        errors[0]
    );
}

/// A 200 MB file is reported at the size limit, not read. It is sparse, so
/// the test costs no disk; the limit is checked before any byte is read.
#[test]
fn two_hundred_megabyte_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.tf", "");
    let file = std::fs::File::create(dir.path().join("huge.tf")).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    drop(file);
    let run = scan(dir.path(), &["."]);
    assert_eq!(
        assert_bounded_error(&run, "huge.tf"),
        vec![
            "huge.tf file is 209715200 bytes, over the 67108864-byte limit (max-file-size); not checked"
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_and_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.tf",
        "resource \"aws_efs_file_system\" \"outside\" {}\n",
    );
    write(outside.path(), "dovecot.conf", "ssl = no\n");
    write(dir.path(), "good.tf", "");
    symlink(
        outside.path().join("secret.tf"),
        dir.path().join("escape.tf"),
    )
    .unwrap();
    symlink(outside.path(), dir.path().join("outdir")).unwrap();
    symlink("loop-b", dir.path().join("loop-a.tf")).unwrap();
    symlink("loop-a.tf", dir.path().join("loop-b")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    symlink("..", dir.path().join("sub/up")).unwrap();
    let run = scan(dir.path(), &["."]);
    let errors = assert_bounded_error(&run, "symlinks");
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(errors[0].starts_with("escape.tf symlink points outside the scanned root"));
    assert!(errors[1].starts_with("loop-a.tf cannot resolve symlink: "));
    assert!(errors[2].starts_with("loop-b cannot resolve symlink: "));
    assert!(errors[3].starts_with("outdir symlink points outside the scanned root"));
    assert!(errors[4].starts_with("sub/up symlink loop: points to its own ancestor"));
    assert!(
        !run.report.to_string().contains("outside\""),
        "nothing outside was read"
    );
}

/// Good files next to every committed hostile case: their findings are
/// exactly those of a scan of the good files alone.
#[test]
fn mixed_tree_keeps_good_findings() {
    let good = repo_root().join("testdata/clinic");
    let alone = tempfile::tempdir().unwrap();
    let mixed = tempfile::tempdir().unwrap();
    copy_tree(&good, &alone.path().join("good"));
    copy_tree(&good, &mixed.path().join("good"));
    for case in [
        "count-limit",
        "module-cycle",
        "module-escape",
        "dovecot-include-escape",
        "exim-include-escape",
        "postfix-self-reference",
        "invalid-encoding",
    ] {
        copy_tree(&hostile(case), &mixed.path().join("hostile").join(case));
    }
    write(
        mixed.path(),
        "hostile/deep/main.tf",
        format!(
            "locals {{\n  a = {}{}\n}}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    let alone_run = scan(alone.path(), &["."]);
    let mixed_run = scan(mixed.path(), &["."]);
    assert_bounded_error(&mixed_run, "mixed tree");
    let good_findings = |report: &serde_json::Value| -> Vec<String> {
        finding_lines(report)
            .into_iter()
            .filter(|l| l.starts_with("good/"))
            .collect()
    };
    let expected = good_findings(&alone_run.report);
    assert!(!expected.is_empty());
    assert_eq!(good_findings(&mixed_run.report), expected);
    assert_eq!(
        finding_lines(&alone_run.report).len(),
        expected.len(),
        "the good scan has only good findings"
    );
    let errors = error_lines(&mixed_run.report);
    assert!(
        errors.iter().all(|e| e.starts_with("hostile/")),
        "{errors:?}"
    );
    assert!(errors.len() >= 10, "{errors:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Inputs the fuzzer found (`testdata/hostile/fuzz/`, docs/robustness.md),
/// each scanned as the file it would be in a tree: no crash, no hang.
#[test]
fn fuzz_regressions() {
    let cases = [
        // `x.*.*.*…` 20,000 times overflowed the stack in evaluation; now an
        // evaluation error (over 32 splats), read as unknown.
        ("hcl-splat-chain.tf", "main.tf"),
        // `protocols = ima =  =  = …` made one protocol object per repeated
        // word, each searching the whole list: 230 s; now one per name.
        ("dovecot-repeated-protocols.conf", "dovecot.conf"),
        // An error inside a CIM instance in an `@()` array left recovery in
        // front of the array's `)`, and the statement loop never moved past
        // it: a hang; now the stray closer is stepped over.
        ("dsc-stray-closer.ps1", "M365TenantConfig.ps1"),
    ];
    for (input, name) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            repo_root().join("testdata/hostile/fuzz").join(input),
            dir.path().join(name),
        )
        .unwrap();
        let run = scan(dir.path(), &["."]);
        assert!(!run.stderr.contains("panicked"), "{input}: {}", run.stderr);
        assert!(matches!(run.code, Some(0..=2)), "{input}: {:?}", run.code);
        assert!(run.elapsed < TIME_LIMIT, "{input}: took {:?}", run.elapsed);
        if let Some(kb) = run.peak_kb {
            assert!(kb < MEMORY_LIMIT_KB, "{input}: peak RSS {kb} kB");
        }
    }
}
