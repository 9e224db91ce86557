//! No network and no execution: a scan inside a network namespace with no
//! interfaces up (`unshare -rn`) gives byte-identical output to a normal
//! scan, over the repository's test data and a tree that names remote
//! modules, URLs, run-time lookup tables and programs; and nothing named in
//! the scanned tree is ever run. Without `unshare` (or user namespaces) the
//! namespace half is skipped with a message, except when `CI=true`, where it
//! must run.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{repo_root, write};

/// A tree whose every line invites a fetch or a run.
fn tempting_tree(dir: &Path) {
    let marker = dir.join("ran");
    let script = format!("#!/bin/sh\ntouch {}\n", marker.display());
    write(dir, "mark.sh", &script);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("mark.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    write(
        dir,
        "infra/main.tf",
        "module \"vpc\" {\n  source = \"git::https://example.com/vpc.git\"\n}\n\
         module \"registry\" {\n  source  = \"terraform-aws-modules/s3-bucket/aws\"\n  version = \"4.0.0\"\n}\n\
         data \"external\" \"run\" {\n  program = [\"../mark.sh\"]\n}\n\
         data \"http\" \"fetch\" {\n  url = \"https://example.com/policy.json\"\n}\n\
         resource \"aws_s3_bucket\" \"b\" {\n  bucket = file(\"https://example.com/x\")\n}\n\
         resource \"null_resource\" \"exec\" {\n  provisioner \"local-exec\" {\n    command = \"../mark.sh\"\n  }\n}\n",
    );
    write(
        dir,
        "postfix/main.cf",
        "relayhost = [smtp.example.com]:587\n\
         smtp_tls_policy_maps = ldap:/etc/postfix/ldap.cf, tcp:example.com:1234, socketmap:inet:example.com:5\n\
         smtp_tls_security_level = encrypt\n",
    );
    write(
        dir,
        "postfix/master.cf",
        "smtp inet n - y - - smtpd\nrun unix - n n - - pipe flags=F user=nobody argv=../mark.sh\n",
    );
    write(
        dir,
        "exim/exim.conf",
        "primary_hostname = ${run{../mark.sh}}\n\
         tls_certificate = ${readsocket{inet:example.com:80}{GET /}}\n\
         acl_smtp_rcpt = ${lookup dnsdb{a=example.com}}\n",
    );
    write(
        dir,
        "dovecot/dovecot.conf",
        "ssl = required\nssl_cert = <../mark.sh\nimport_environment = PATH\n",
    );
    write(
        dir,
        "plan.json",
        "{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.0\",\"configuration\":{\"root_module\":{\"module_calls\":{\"m\":{\"source\":\"https://example.com/m.zip\"}}}}}\n",
    );
}

fn scan(dir: &Path, through: Option<&[&str]>) -> Output {
    let binary = env!("CARGO_BIN_EXE_safeguard");
    let mut command = match through {
        Some(prefix) => {
            let mut command = Command::new(prefix[0]);
            command.args(&prefix[1..]).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(common::cache_env())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap()
}

/// Whether `unshare -rn` works here (user namespaces may be disabled).
fn unshare_works() -> bool {
    Command::new("unshare")
        .args(["-rn", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn nothing_in_the_tree_is_run() {
    let dir = tempfile::tempdir().unwrap();
    tempting_tree(dir.path());
    let output = scan(dir.path(), None);
    assert!(matches!(output.status.code(), Some(0..=2)));
    assert!(
        !dir.path().join("ran").exists(),
        "a program from the tree ran"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let notes = report["notes"].to_string();
    assert!(notes.contains("which is never fetched"), "{notes}");
}

#[test]
fn scan_without_network_is_identical() {
    if !unshare_works() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true: `unshare -rn` must work for the no-network test"
        );
        eprintln!("skipped: `unshare -rn` is not available here (set CI=true to require it)");
        return;
    }
    let prefix: &[&str] = &["unshare", "-rn"];
    let tempting = tempfile::tempdir().unwrap();
    tempting_tree(tempting.path());
    for dir in [repo_root().join("testdata"), tempting.path().to_path_buf()] {
        let online = scan(&dir, None);
        let offline = scan(&dir, Some(prefix));
        assert_eq!(
            offline.status.code(),
            online.status.code(),
            "{}",
            dir.display()
        );
        assert!(!offline.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&offline.stdout),
            String::from_utf8_lossy(&online.stdout),
            "{}",
            dir.display()
        );
        assert_eq!(offline.stderr, online.stderr);
    }
    assert!(!tempting.path().join("ran").exists());
}
