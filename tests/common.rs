//! Helpers shared by the CLI tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The repository root (tests run the binary from there, so paths in output
/// are `testdata/...`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("repo root")
}

/// Where a test's runs keep the result cache and its key: Cargo's scratch
/// directory for tests (`target/tmp`), not the repository's `testdata` or
/// the user's `~/.cache`. `tests/cache.rs` asks for the default places.
pub fn cache_env() -> [(&'static str, PathBuf); 2] {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    [
        ("SAFEGUARD_CACHE_DIR", scratch.join("safeguard-cache")),
        ("XDG_CACHE_HOME", scratch.join("xdg-cache")),
    ]
}

/// The binary, run in `dir`, with its cache where [`cache_env`] says.
pub fn safeguard(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("safeguard").expect("binary built");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(cache_env())
        .env_remove("RUST_LOG");
    cmd
}

/// `safeguard check . --format json --select RULES` run in `dir`.
pub fn check_selected(dir: &Path, rules: &str) -> Output {
    safeguard(dir)
        .args(["check", ".", "--format", "json", "--select", rules])
        .output()
        .expect("safeguard ran")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("valid JSON on stdout")
}

pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(path, contents).expect("write fixture");
}

/// `file:line:column message` for every error of a JSON report.
pub fn error_lines(report: &serde_json::Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| {
            let at = match e["range"].as_object() {
                Some(r) => format!(":{}:{}", r["start"]["line"], r["start"]["column"]),
                None => String::new(),
            };
            format!(
                "{}{at} {}",
                e["file"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// `rule status object` for every finding of a JSON report.
pub fn finding_lines(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {} {}",
                f["file"].as_str().unwrap(),
                f["range"]["start"]["line"],
                f["rule"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect()
}
