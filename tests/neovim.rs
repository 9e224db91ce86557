//! End-to-end with a real editor: headless Neovim runs `safeguard server`
//! on a Terraform file, the test reads back `vim.diagnostic.get()`, applies
//! the quick fix and sees the diagnostic go. Skipped (with a message) when
//! `nvim` is not installed, unless `CI=true`, where `.ci/run` installs it.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const MAIN_TF: &str = r#"# Keys for the PHI store.
resource "aws_kms_key" "k" {
  description         = "phi"
  enable_key_rotation = false
}

resource "aws_cloudtrail" "t" {
  name                  = "trail"
  s3_bucket_name        = "logs"
  is_multi_region_trail = true
}
"#;

fn nvim() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nvim"))
            .find(|p| p.is_file())
    })
}

#[test]
fn neovim_shows_diagnostics_and_applies_the_fix() {
    let Some(nvim) = nvim() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nvim is required in CI (.ci/run installs Debian's neovim)"
        );
        eprintln!(
            "SKIPPED: nvim is not installed (apt-get install neovim); the Neovim end-to-end test did not run"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("safeguard.toml"),
        "ignore = [\"baa-scope\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN_TF).unwrap();
    let out = dir.path().join("result.json");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors/neovim.lua");
    let mut child = Command::new(nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(dir.path())
        .env("SAFEGUARD_BIN", env!("CARGO_BIN_EXE_safeguard"))
        .env("SAFEGUARD_NVIM_OUT", &out)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("nvim wrote its result"))
            .unwrap();
    assert_eq!(result["error"], Value::Null, "{result}");
    assert_eq!(
        result["before"],
        json!([
            { "code": "aws-kms-key-rotation", "lnum": 3, "col": 2 },
            { "code": "aws-cloudtrail-log-file-validation", "lnum": 6, "col": 0 },
        ])
    );
    assert_eq!(result["fixed_line"], "  enable_key_rotation = true");
    assert_eq!(
        result["after"],
        json!([{ "code": "aws-cloudtrail-log-file-validation", "lnum": 6, "col": 0 }])
    );
}
