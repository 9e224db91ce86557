//! Postfix configurations through the CLI, on the real fixtures in
//! `../shared/fixtures/mail/` (see its README for provenance).

mod common;

use std::path::PathBuf;

use common::{check_selected, finding_lines, json, repo_root, write};

const POSTFIX_POLICIES: &str =
    "postfix-sasl-service-forces-tls,postfix-sasl-only-after-tls,postfix-smtpd-tls12-minimum";

fn fixture(name: &str) -> PathBuf {
    repo_root().join("../shared/fixtures/mail").join(name)
}

/// Copies a fixture's main.cf and master.cf into a scratch tree.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["main.cf", "master.cf"] {
        let text = std::fs::read(fixture(name).join(file)).unwrap();
        write(dir.path(), &format!("postfix/{file}"), text);
    }
    dir
}

#[test]
fn docker_mailserver_is_compliant_per_service() {
    // SASL is enabled only on its TLS-enforced submission services, in
    // master.cf; port 25 has no SASL and must not be flagged for it.
    let dir = copy_fixture("docker-mailserver");
    let output = check_selected(dir.path(), POSTFIX_POLICIES);
    let report = json(&output);
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(report["summary"]["pass"], 7);
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn debian_default_postfix_allows_tls_1_0_by_default() {
    let dir = copy_fixture("debian-bookworm-postfix");
    let output = check_selected(dir.path(), POSTFIX_POLICIES);
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        vec!["postfix/master.cf:12 postfix-smtpd-tls12-minimum fail postfix.service[smtp/inet]"]
    );
    assert_eq!(
        report["findings"][0]["reason"],
        "`min_tls_version` is \"TLSv1\", expected one of [\"TLSv1.2\", \"TLSv1.3\"]"
    );
}

#[test]
fn a_master_cf_override_is_where_the_finding_points() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mail/main.cf",
        "smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes\n",
    );
    write(
        dir.path(),
        "mail/master.cf",
        "smtp      inet  n       -       y       -       -       smtpd\nsubmission inet n       -       y       -       -       smtpd\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_tls_security_level=may\n",
    );
    let output = check_selected(dir.path(), "postfix-sasl-service-forces-tls");
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        vec![
            "mail/master.cf:4 postfix-sasl-service-forces-tls fail postfix.service[submission/inet]"
        ]
    );
    assert_eq!(
        report["findings"][0]["range"]["start"]["column"], 31,
        "the `-o` value `may`"
    );
}

const DOVECOT_POLICIES: &str =
    "dovecot-ssl-required,dovecot-no-cleartext-auth,dovecot-tls12-minimum";

#[test]
fn dovecot_tree_with_includes_and_a_protocol_override() {
    // docker-mailserver's real 10-ssl.conf (Dovecot 2.3) leaves `ssl` at its
    // default `yes`: TLS offered, not required. A pop3 section turns it off.
    let dir = tempfile::tempdir().unwrap();
    let ssl = std::fs::read(fixture("docker-mailserver").join("10-ssl.dovecot23.conf")).unwrap();
    write(
        dir.path(),
        "dovecot/dovecot.conf",
        "protocols = imap pop3\n!include conf.d/*.conf\n",
    );
    write(dir.path(), "dovecot/conf.d/10-ssl.conf", ssl);
    write(
        dir.path(),
        "dovecot/conf.d/20-pop3.conf",
        "protocol pop3 {\n  ssl = no # legacy devices\n}\n",
    );
    let output = check_selected(dir.path(), DOVECOT_POLICIES);
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        vec![
            "dovecot/conf.d/20-pop3.conf:2 dovecot-ssl-required fail dovecot.protocol[pop3]",
            "dovecot/dovecot.conf:1 dovecot-ssl-required fail dovecot.protocol[imap]",
        ]
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["summary"]["files"], 3);
}
