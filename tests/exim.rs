//! Exim configurations through the CLI: the compliant smarthost fixture in
//! `testdata/exim/` (see its README for provenance) and scratch trees with
//! findings, unknowns and located errors.

mod common;

use common::{check_selected, error_lines, finding_lines, json, repo_root, safeguard, write};

const EXIM_POLICIES: &str = "exim-smarthost-tls-required,exim-auth-only-after-tls,\
exim-tls-certificate-configured,exim-tls12-minimum,exim-smtp-transport-tls12-minimum,\
exim-smtp-transport-no-avoid-tls";

fn check(dir: &std::path::Path) -> (serde_json::Value, Option<i32>) {
    let output = check_selected(dir, EXIM_POLICIES);
    (json(&output), output.status.code())
}

#[test]
fn the_smarthost_fixture_is_compliant() {
    let output = safeguard(&repo_root())
        .args([
            "check",
            "testdata/exim",
            "--format",
            "json",
            "--select",
            EXIM_POLICIES,
        ])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(error_lines(&report), Vec::<String>::new());
    assert_eq!(output.status.code(), Some(0));
    // main (certificate, TLS floor), the smarthost router, the smtp
    // transport (floor, no avoided TLS), PLAIN and LOGIN.
    assert_eq!(report["summary"]["pass"], 7);
    assert_eq!(report["summary"]["files"], 2);
}

const LEAKY: &str = "\
primary_hostname = mx.clinic.example
.ifdef _HAVE_OPENSSL
openssl_options = +no_tlsv1 +no_tlsv1_1
.endif

begin routers
smarthost:
  driver = manualroute
  transport = remote_smtp
  route_list = * smtp.relay-provider.example::587

begin transports
remote_smtp:
  driver = smtp
  hosts_avoid_tls = legacy.partner.example

begin authenticators
PLAIN:
  driver = plaintext
  server_prompts = :
  server_condition = ${if pam{$auth2:$auth3}}
";

#[test]
fn findings_point_at_the_lines_responsible() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "etc/exim/exim.conf", LEAKY);
    let (report, code) = check(dir.path());
    assert_eq!(
        finding_lines(&report),
        vec![
            "etc/exim/exim.conf:1 exim-tls-certificate-configured fail exim.main",
            "etc/exim/exim.conf:3 exim-tls12-minimum unknown exim.main",
            "etc/exim/exim.conf:10 exim-smarthost-tls-required fail exim.router[smarthost]",
            "etc/exim/exim.conf:13 exim-smtp-transport-tls12-minimum unknown exim.transport[remote_smtp]",
            "etc/exim/exim.conf:15 exim-smtp-transport-no-avoid-tls fail exim.transport[remote_smtp]",
            "etc/exim/exim.conf:18 exim-auth-only-after-tls fail exim.authenticator[PLAIN]",
        ]
    );
    // OpenSSL builds get the floor, GnuTLS builds (Debian's) do not: unknown, saying so.
    assert_eq!(
        report["findings"][1]["reason"],
        "`min_tls_version` cannot be known: TLSv1.2 if Exim is built with OpenSSL (openssl_options), TLSv1 with GnuTLS (tls_require_ciphers); the configuration does not say which library this Exim uses"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn bad_input_is_located_and_the_rest_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.conf", "tls_certificate = /stolen\n");
    write(
        dir.path(),
        "scan/exim/exim4.conf",
        "tls_certificate = /etc/exim/mx.crt\n\
         .include ../../secret.conf\n\
         tls_certificate = /etc/exim/other.crt\n\
         .include_if_exists local.conf\n\
         .ifdef NEVER\n",
    );
    // An autoconf script named `configure` is not Exim's and is not read.
    write(
        dir.path(),
        "scan/src/configure",
        "#! /bin/sh\nas_nl='\n'\nexit 0\n",
    );
    // A `configure` that is Exim's is.
    write(
        dir.path(),
        "scan/exim-src/configure",
        "begin transports\nremote_smtp:\n  driver = smtp\n",
    );
    let output = safeguard(dir.path())
        .args([
            "check",
            "scan",
            "--format",
            "json",
            "--select",
            EXIM_POLICIES,
        ])
        .output()
        .unwrap();
    let report = json(&output);
    let errors = error_lines(&report);
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors[0].starts_with("scan/exim/exim4.conf:2:1 .include ../../secret.conf: "));
    assert!(errors[0].contains("is outside the configuration root"));
    assert_eq!(
        errors[1..],
        [
            "scan/exim/exim4.conf:3:1 `tls_certificate` option set for the second time",
            "scan/exim/exim4.conf:4:1 .include specifies a non-absolute path `local.conf`",
            "scan/exim/exim4.conf:5:1 unexpected end of configuration file: .endif missing",
        ]
    );
    assert_eq!(
        finding_lines(&report),
        vec![
            "scan/exim-src/configure:1 exim-tls-certificate-configured fail exim.main",
            "scan/exim-src/configure:1 exim-tls12-minimum fail exim.main",
            "scan/exim-src/configure:2 exim-smtp-transport-tls12-minimum fail exim.transport[remote_smtp]",
            "scan/exim/exim4.conf:1 exim-tls12-minimum fail exim.main",
        ]
    );
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(output.status.code(), Some(2));
}
