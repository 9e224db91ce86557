//! Postfix next hops, lookup tables in the scanned tree, duplicate
//! parameters and the `[postfix]`/`[[mail.paths]]` settings, through the CLI.

mod common;

use common::{error_lines, finding_lines, json, safeguard, write};

const RELAY: &str = "relayhost = [smtp.example.net]:587\nsmtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n";

fn check(dir: &std::path::Path, select: &str) -> (serde_json::Value, Option<i32>) {
    let output = safeguard(dir)
        .args(["check", ".", "--format", "json", "--select", select])
        .output()
        .unwrap();
    (json(&output), output.status.code())
}

#[test]
fn a_hash_policy_map_is_read_from_its_source_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postfix/main.cf", RELAY);
    write(
        dir.path(),
        "postfix/tls_policy",
        "# TLS policy per next hop\n[smtp.example.net]:587 may\nexample.org encrypt\n",
    );
    let (report, code) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(
        finding_lines(&report),
        vec![
            "postfix/tls_policy:2 postfix-relayhost-tls-enforced fail postfix.next_hop[relay:[smtp.example.net]:587]",
            "postfix/tls_policy:2 postfix-relayhost-tls-enforced fail postfix.next_hop[smtp:[smtp.example.net]:587]",
        ]
    );
    assert_eq!(
        report["findings"][0]["reason"],
        "`tls_enforced` is false, expected true"
    );
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(code, Some(1));

    // The entry enforcing TLS clears both legs.
    write(
        dir.path(),
        "postfix/tls_policy",
        "[smtp.example.net]:587 secure match=smtp.example.net\n",
    );
    let (report, code) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(report["summary"]["pass"], 2);
    assert_eq!(code, Some(0));
}

#[test]
fn a_hash_policy_map_without_its_source_file_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postfix/main.cf", RELAY);
    // The compiled table alone says nothing safeguard can read.
    write(dir.path(), "postfix/tls_policy.db", b"\0\x06\x15a\0binary");
    let (report, code) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(
        finding_lines(&report),
        vec![
            "postfix/main.cf:3 postfix-relayhost-tls-enforced unknown postfix.next_hop[relay:[smtp.example.net]:587]",
            "postfix/main.cf:3 postfix-relayhost-tls-enforced unknown postfix.next_hop[smtp:[smtp.example.net]:587]",
        ]
    );
    let reason = report["findings"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("`tls_enforced` cannot be known: hash:/etc/postfix/tls_policy: source file not in the scanned tree (looked for postfix/tls_policy)"),
        "{reason}"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn a_table_path_cannot_leave_the_scanned_root() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "tls_policy",
        "[smtp.example.net]:587 encrypt\n",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "postfix/main.cf", RELAY);
    std::os::unix::fs::symlink(
        outside.path().join("tls_policy"),
        dir.path().join("postfix/tls_policy"),
    )
    .unwrap();
    let (report, _) = check(dir.path(), "postfix-relayhost-tls-enforced");
    let reason = report["findings"][0]["reason"].as_str().unwrap();
    assert!(
        reason.ends_with("hash:/etc/postfix/tls_policy: postfix/tls_policy resolves outside the scanned root; not read"),
        "{reason}"
    );
    assert_eq!(report["findings"][0]["status"], "unknown");
}

#[test]
fn sasl_passwords_never_appear_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "relayhost = [smtp.example.net]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = may\n",
    );
    write(
        dir.path(),
        "postfix/sasl_passwd",
        "[smtp.example.net]:587 apikey:SG.Sup3rS3cretT0ken\n",
    );
    for format in ["json", "human"] {
        let output = safeguard(dir.path())
            .args(["check", ".", "--format", format])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!text.contains("Sup3rS3cret"), "{format}: {text}");
        assert!(text.contains("postfix-relayhost-tls-enforced"), "{format}");
        assert_eq!(output.status.code(), Some(1), "{format}");
    }
}

#[test]
fn a_duplicate_parameter_points_at_the_overridden_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "smtp_tls_security_level = encrypt\nrelayhost = [smtp.example.net]:587\nsmtp_tls_security_level = may\n",
    );
    let (report, code) = check(dir.path(), "postfix-no-duplicate-parameter");
    assert_eq!(
        finding_lines(&report),
        vec![
            "postfix/main.cf:1 postfix-no-duplicate-parameter fail postfix.main[smtp_tls_security_level on line 1, overridden by line 3]",
        ]
    );
    // Only the overridden line is underlined.
    assert_eq!(report["findings"][0]["range"]["end"]["line"], 1);
    assert_eq!(
        report["findings"][0]["message"],
        "postfix.main[smtp_tls_security_level on line 1, overridden by line 3]: the later definition is the one Postfix uses"
    );
    assert_eq!(report["findings"][0]["severity"], "low");
    assert_eq!(report["findings"][0]["citation"], "45 CFR 164.308(a)(8)");
    assert_eq!(code, Some(1));
}

#[test]
fn safeguard_toml_declares_the_postfix_version() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n",
    );
    write(
        dir.path(),
        "postfix/master.cf",
        "smtp inet n - y - - smtpd\n",
    );
    let (report, _) = check(dir.path(), "postfix-smtpd-tls12-minimum");
    assert_eq!(
        report["findings"][0]["reason"],
        "`min_tls_version` is \"TLSv1\", expected one of [\"TLSv1.2\", \"TLSv1.3\"]"
    );
    // Postfix 3.0 left every protocol enabled on opportunistic TLS.
    write(
        dir.path(),
        "safeguard.toml",
        "[postfix]\nversion = \"3.0\"\n",
    );
    let (report, _) = check(dir.path(), "postfix-smtpd-tls12-minimum");
    assert_eq!(
        report["findings"][0]["reason"],
        "`min_tls_version` is \"SSLv2\", expected one of [\"TLSv1.2\", \"TLSv1.3\"]"
    );
    write(
        dir.path(),
        "safeguard.toml",
        "[postfix]\nversion = \"three\"\n",
    );
    let (report, code) = check(dir.path(), "postfix-smtpd-tls12-minimum");
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        vec![
            "safeguard.toml:2:11 postfix version `three` is not MAJOR.MINOR (for example \"3.7\")"
        ]
    );
}

#[test]
fn mail_paths_override_detection() {
    let dir = tempfile::tempdir().unwrap();
    // Not named main.cf: found only through the mapping.
    write(
        dir.path(),
        "relay/relay-main.cf",
        "relayhost = [smtp.example.net]:587\nsmtp_tls_security_level = may\n",
    );
    let (report, _) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    write(
        dir.path(),
        "safeguard.toml",
        "[[mail.paths]]\npath = \"relay/relay-main.cf\"\nformat = \"postfix\"\n",
    );
    let (report, code) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(
        finding_lines(&report),
        vec![
            "relay/relay-main.cf:2 postfix-relayhost-tls-enforced fail postfix.next_hop[relay:[smtp.example.net]:587]",
            "relay/relay-main.cf:2 postfix-relayhost-tls-enforced fail postfix.next_hop[smtp:[smtp.example.net]:587]",
        ]
    );
    assert_eq!(code, Some(1));

    write(
        dir.path(),
        "safeguard.toml",
        "[[mail.paths]]\npath = \"relay\"\nformat = \"sendmail\"\n",
    );
    let (report, code) = check(dir.path(), "postfix-relayhost-tls-enforced");
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        vec!["safeguard.toml:3:10 unknown mail format `sendmail` (use postfix, dovecot or exim)"]
    );
}

#[test]
fn a_mail_path_can_name_an_exim_file_by_any_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mta/mailer.conf",
        "begin routers\nsmarthost:\n  driver = manualroute\n  transport = remote_smtp\n  route_list = * relay.clinic.example\nbegin transports\nremote_smtp:\n  driver = smtp\n",
    );
    let (report, _) = check(dir.path(), "exim-smarthost-tls-required");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    write(
        dir.path(),
        "safeguard.toml",
        "[[mail.paths]]\npath = \"mta/mailer.conf\"\nformat = \"exim\"\n",
    );
    let (report, code) = check(dir.path(), "exim-smarthost-tls-required");
    assert_eq!(
        finding_lines(&report),
        vec!["mta/mailer.conf:5 exim-smarthost-tls-required fail exim.router[smarthost]"]
    );
    assert_eq!(code, Some(1));
}

#[test]
fn a_log_file_needs_the_postlog_service() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "maillog_file = /var/log/postfix.log\n",
    );
    // Without master.cf the services are unknown, so is the verdict.
    let (report, code) = check(dir.path(), "postfix-maillog-file-has-postlog");
    assert_eq!(
        finding_lines(&report),
        vec!["postfix/main.cf:1 postfix-maillog-file-has-postlog unknown postfix.main"]
    );
    assert_eq!(code, Some(0));
    write(
        dir.path(),
        "postfix/master.cf",
        "smtp      inet  n       -       y       -       -       smtpd\n",
    );
    let (report, code) = check(dir.path(), "postfix-maillog-file-has-postlog");
    assert_eq!(
        finding_lines(&report),
        vec!["postfix/master.cf:1 postfix-maillog-file-has-postlog fail postfix.main"]
    );
    assert_eq!(code, Some(1));
    write(
        dir.path(),
        "postfix/master.cf",
        "smtp      inet  n       -       y       -       -       smtpd\npostlog   unix-dgram n  -       n       -       1       postlogd\n",
    );
    let (report, code) = check(dir.path(), "postfix-maillog-file-has-postlog");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(code, Some(0));
}
