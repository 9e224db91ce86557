//! Audited suppressions through the CLI: inline comments in HCL and
//! Postfix (including a master.cf service line), `[[exceptions]]` in
//! safeguard.toml for a JSON input without comments, and the findings about
//! suppressions themselves (no reason, expired, unused).

mod common;

use common::{error_lines, finding_lines, json, repo_root, safeguard, write};
use serde_json::Value;

const HCL: &str = r#"# safeguard:ignore aws-s3-bucket-versioning,aws-s3-bucket-object-lock -- scratch bucket, rebuilt nightly
resource "aws_s3_bucket" "scratch" {
  bucket = "scratch"
}

// safeguard:ignore aws-s3-bucket-access-logging
resource "aws_s3_bucket" "noreason" {
  bucket = "noreason"
}

# safeguard:ignore aws-s3-bucket-access-logging until=2020-01-01 -- waiting for the log bucket
resource "aws_s3_bucket" "expired" {
  bucket = "expired"
}

resource "aws_db_instance" "db" {
  storage_encrypted   = false // safeguard:ignore aws-rds-instance-storage-encrypted until=2999-12-31 -- synthetic test data only, SEC-12
  deletion_protection = true # safeguard:ignore aws-rds-deletion-protection -- was needed once
}
"#;

fn check(dir: &std::path::Path, extra: &[&str]) -> (Value, Option<i32>) {
    let output = safeguard(dir)
        .args(["check", ".", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (json(&output), output.status.code())
}

fn messages(report: &Value, rules: &[&str]) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| rules.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            format!(
                "{}:{} {} {} [{}]: {}",
                f["file"].as_str().unwrap(),
                f["range"]["start"]["line"],
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["safeguard"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

const META: [&str; 3] = [
    "suppression-without-reason",
    "suppression-expired",
    "unused-suppression",
];

#[test]
fn hcl_valid_reasonless_expired_and_unused_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", HCL);
    let (report, code) = check(
        dir.path(),
        &[
            "--select",
            "aws-s3-bucket-versioning,aws-s3-bucket-object-lock,aws-s3-bucket-access-logging,aws-rds-instance-storage-encrypted,aws-rds-deletion-protection,risk-management",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        finding_lines(&report),
        [
            // Access logging is not named in the scratch bucket's comment.
            "main.tf:2 aws-s3-bucket-access-logging fail aws_s3_bucket.scratch",
            "main.tf:6 suppression-without-reason fail safeguard:ignore aws-s3-bucket-access-logging",
            "main.tf:7 aws-s3-bucket-access-logging fail aws_s3_bucket.noreason",
            "main.tf:7 aws-s3-bucket-object-lock fail aws_s3_bucket.noreason",
            "main.tf:7 aws-s3-bucket-versioning fail aws_s3_bucket.noreason",
            "main.tf:11 suppression-expired fail safeguard:ignore aws-s3-bucket-access-logging",
            // The expired suppression no longer hides its finding.
            "main.tf:12 aws-s3-bucket-access-logging fail aws_s3_bucket.expired",
            "main.tf:12 aws-s3-bucket-object-lock fail aws_s3_bucket.expired",
            "main.tf:12 aws-s3-bucket-versioning fail aws_s3_bucket.expired",
            "main.tf:18 unused-suppression fail safeguard:ignore aws-rds-deletion-protection",
        ]
    );
    // scratch: versioning and object lock accepted (access logging is not
    // named); db: storage encryption accepted by the trailing `//` comment.
    assert_eq!(report["summary"]["suppressed"], 3);
    assert_eq!(
        messages(&report, &META),
        [
            "main.tf:6 suppression-without-reason medium [risk-management]: the suppression of aws-s3-bucket-access-logging on line 6 gives no reason, so it suppresses nothing",
            "main.tf:11 suppression-expired medium [risk-management]: the suppression of aws-s3-bucket-access-logging expired on 2020-01-01; its findings are reported again",
            "main.tf:18 unused-suppression low [risk-management]: the suppression of aws-rds-deletion-protection matches no failing or unknown finding on line 18; remove it",
        ]
    );
}

#[test]
fn show_suppressed_lists_them_with_the_reason_and_they_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", HCL);
    let select = ["--select", "aws-rds-instance-storage-encrypted"];
    let (hidden, code) = check(dir.path(), &select);
    assert_eq!(finding_lines(&hidden), Vec::<String>::new());
    assert_eq!(hidden["summary"]["suppressed"], 1);
    assert_eq!(code, Some(0));
    let (shown, code) = check(dir.path(), &[select[0], select[1], "--show-suppressed"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        finding_lines(&shown),
        ["main.tf:17 aws-rds-instance-storage-encrypted fail aws_db_instance.db"]
    );
    assert_eq!(
        shown["findings"][0]["suppressed"],
        serde_json::json!({
            "kind": "inSource",
            "reason": "synthetic test data only, SEC-12",
            "until": "2999-12-31",
            "approved-by": null,
            "file": "main.tf",
            "line": 17
        })
    );
    // Human output marks it and counts it.
    let human = safeguard(dir.path())
        .args(["check", ".", "--show-suppressed", select[0], select[1]])
        .output()
        .unwrap();
    let text = common::stdout(&human);
    assert!(
        text.contains("[high, suppressed: synthetic test data only, SEC-12] aws_db_instance.db"),
        "{text}"
    );
    assert!(
        text.contains(": 0 failed, 0 unknown, 1 suppressed, 0 passed, 0 errors."),
        "{text}"
    );
}

#[test]
fn suppression_checks_can_be_ignored_and_a_deselected_rule_is_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", HCL);
    let (report, _) = check(
        dir.path(),
        &[
            "--ignore",
            "unused-suppression,suppression-expired,suppression-without-reason",
        ],
    );
    assert_eq!(messages(&report, &META), Vec::<String>::new());
    // aws-rds-deletion-protection did not run: its suppression is not "unused".
    let (report, _) = check(
        dir.path(),
        &["--select", "aws-s3-bucket-versioning,unused-suppression"],
    );
    assert_eq!(messages(&report, &META), Vec::<String>::new());
}

#[test]
fn malformed_suppressions_are_located_errors_and_unknown_rules_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "# safeguard:ignore aws-s3-bucket-versioning until=2030-02-31x -- typo in the date\n# safeguard:ignore aws-s3-bucket-versionning -- misspelt\nresource \"aws_s3_bucket\" \"b\" {}\n",
    );
    let (report, code) = check(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        error_lines(&report),
        [
            "main.tf:1:3 `until=2030-02-31x` in a safeguard:ignore comment is not a date written YYYY-MM-DD"
        ]
    );
    assert_eq!(
        messages(&report, &META),
        [
            "main.tf:2 unused-suppression low [risk-management]: the suppression names `aws-s3-bucket-versionning`, which is no policy (did you mean `aws-s3-bucket-versioning`?)"
        ]
    );
}

#[test]
fn postfix_main_cf_settings_and_a_master_cf_service_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "smtpd_tls_security_level = may\n\
         # safeguard:ignore postfix-smtpd-tls-loglevel\n\
         smtpd_tls_loglevel = 0\n\
         smtp_tls_security_level = encrypt\n\
         smtp_tls_mandatory_protocols = >=TLSv1.2\n\
         smtp_tls_protocols = >=TLSv1.2\n\
         # safeguard:ignore postfix-smtp-client-tls-loglevel until=2020-06-30 -- vendor fix pending\n\
         smtp_tls_loglevel = 0\n\
         smtpd_tls_protocols = !SSLv2, !SSLv3\n",
    );
    write(
        dir.path(),
        "postfix/master.cf",
        "# safeguard:ignore postfix-smtpd-tls12-minimum -- lab analysers speak TLS 1.0 only; isolated VLAN, NET-7\n\
         smtp      inet  n       -       y       -       -       smtpd\n\
         # safeguard:ignore postfix-smtpd-tls-loglevel -- pickup is no smtpd\n\
         pickup    unix  n       -       y       60      1       pickup\n",
    );
    let (report, code) = check(
        dir.path(),
        &[
            "--select",
            "postfix-smtpd-tls12-minimum,postfix-smtpd-tls-loglevel,postfix-smtp-client-tls-loglevel,risk-management",
            "--show-suppressed",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        finding_lines(&report),
        [
            "postfix/main.cf:2 suppression-without-reason fail safeguard:ignore postfix-smtpd-tls-loglevel",
            "postfix/main.cf:3 postfix-smtpd-tls-loglevel fail postfix.service[smtp/inet]",
            "postfix/main.cf:7 suppression-expired fail safeguard:ignore postfix-smtp-client-tls-loglevel",
            "postfix/main.cf:8 postfix-smtp-client-tls-loglevel fail postfix.client",
            // The comment above the service line covers the service, though
            // the culprit setting is in main.cf.
            "postfix/main.cf:9 postfix-smtpd-tls12-minimum fail postfix.service[smtp/inet]",
            "postfix/master.cf:3 unused-suppression fail safeguard:ignore postfix-smtpd-tls-loglevel",
        ]
    );
    let suppressed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["suppressed"])
        .collect();
    assert_eq!(
        suppressed[4],
        &serde_json::json!({"kind": "inSource", "reason": "lab analysers speak TLS 1.0 only; isolated VLAN, NET-7", "until": null, "approved-by": null, "file": "postfix/master.cf", "line": 1})
    );
    assert!(
        suppressed
            .iter()
            .enumerate()
            .all(|(i, s)| i == 4 || s.is_null())
    );
}

#[test]
fn exceptions_in_safeguard_toml_cover_a_json_plan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("testdata/plan/tfplan.json"),
        dir.path().join("tfplan.json"),
    )
    .unwrap();
    write(
        dir.path(),
        "safeguard.toml",
        r#"[[exceptions]]
rule = "aws-rds-deletion-protection"
path = "tfplan.json"
object = "aws_db_instance.patients[*]"
reason = "replicas are recreated from the primary; RISK-9"
until = "2999-01-01"
approved-by = "Dana Reyes (security officer)"

[[exceptions]]
rule = "aws-s3-bucket-encryption"
object = "aws_s3_bucket.scans"
reason = "temporary"
until = "2020-01-01"

[[exceptions]]
rule = "aws-s3-bucket-versioning"
object = "aws_s3_bucket.archive"
reason = "archive bucket is write-once"

[[exceptions]]
rule = "aws-rds-log-exports"
object = "aws_db_instance.patients[0]"
"#,
    );
    let (report, code) = check(
        dir.path(),
        &[
            "--select",
            "aws-rds-deletion-protection,aws-s3-bucket-encryption,aws-s3-bucket-versioning,aws-rds-log-exports,risk-management",
            "--show-suppressed",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        finding_lines(&report),
        [
            "safeguard.toml:9 suppression-expired fail exceptions[1] aws-s3-bucket-encryption",
            "safeguard.toml:15 unused-suppression fail exceptions[2] aws-s3-bucket-versioning",
            "safeguard.toml:20 suppression-without-reason fail exceptions[3] aws-rds-log-exports",
            // Suppressed by exceptions[0] (listed with --show-suppressed).
            "tfplan.json:7 aws-rds-deletion-protection fail aws_db_instance.patients[0]",
            // exceptions[3] has no reason, so it does not suppress.
            "tfplan.json:7 aws-rds-log-exports fail aws_db_instance.patients[0]",
            "tfplan.json:33 aws-rds-deletion-protection fail aws_db_instance.patients[1]",
            "tfplan.json:33 aws-rds-log-exports fail aws_db_instance.patients[1]",
            "tfplan.json:59 aws-s3-bucket-versioning fail aws_s3_bucket.phi",
            // exceptions[1] expired.
            "tfplan.json:116 aws-s3-bucket-encryption fail aws_s3_bucket.scans",
            "tfplan.json:116 aws-s3-bucket-versioning fail aws_s3_bucket.scans",
        ]
    );
    assert_eq!(report["summary"]["suppressed"], 2);
    let accepted = serde_json::json!({"kind": "external", "reason": "replicas are recreated from the primary; RISK-9", "until": "2999-01-01", "approved-by": "Dana Reyes (security officer)", "file": "safeguard.toml", "line": 1});
    let suppressed: Vec<usize> = (0..10)
        .filter(|&i| !report["findings"][i]["suppressed"].is_null())
        .collect();
    assert_eq!(suppressed, [3, 5]);
    assert_eq!(report["findings"][3]["suppressed"], accepted);
    assert_eq!(report["findings"][5]["suppressed"], accepted);
}

#[test]
fn microsoft365dsc_valid_reasonless_expired_and_unused_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "M365TenantConfig.ps1",
        "Configuration M365TenantConfig\n\
         {\n\
         \x20   Import-DscResource -ModuleName Microsoft365DSC\n\
         \x20   Node localhost\n\
         \x20   {\n\
         \x20       TeamsClientConfiguration 'TeamsClientConfiguration'\n\
         \x20       {\n\
         \x20           # safeguard:ignore m365-teams-no-box-storage -- Box BAA signed 2025-02, contract C-118\n\
         \x20           AllowBox          = $True\n\
         \x20           # safeguard:ignore m365-teams-no-dropbox-storage\n\
         \x20           AllowDropBox      = $True\n\
         \x20           # safeguard:ignore m365-teams-no-google-drive-storage until=2021-01-31 -- migration window\n\
         \x20           AllowGoogleDrive  = $True\n\
         \x20           # safeguard:ignore m365-teams-no-egnyte-storage -- Egnyte is already off\n\
         \x20           AllowEgnyte       = $False\n\
         \x20           AllowShareFile    = $False\n\
         \x20           Identity          = \"Global\"\n\
         \x20       }\n\
         \x20   }\n\
         }\n",
    );
    let (report, code) = check(
        dir.path(),
        &[
            "--select",
            "m365-teams-no-box-storage,m365-teams-no-dropbox-storage,m365-teams-no-google-drive-storage,m365-teams-no-egnyte-storage,risk-management",
            "--show-suppressed",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        finding_lines(&report),
        [
            // Box: suppressed with a reason (listed by --show-suppressed).
            "M365TenantConfig.ps1:9 m365-teams-no-box-storage fail m365.teams_client",
            "M365TenantConfig.ps1:10 suppression-without-reason fail safeguard:ignore m365-teams-no-dropbox-storage",
            "M365TenantConfig.ps1:11 m365-teams-no-dropbox-storage fail m365.teams_client",
            "M365TenantConfig.ps1:12 suppression-expired fail safeguard:ignore m365-teams-no-google-drive-storage",
            "M365TenantConfig.ps1:13 m365-teams-no-google-drive-storage fail m365.teams_client",
            "M365TenantConfig.ps1:14 unused-suppression fail safeguard:ignore m365-teams-no-egnyte-storage",
        ]
    );
    let suppressed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["suppressed"])
        .collect();
    assert_eq!(
        suppressed[0]["reason"],
        "Box BAA signed 2025-02, contract C-118"
    );
    assert!(suppressed[1..].iter().all(|s| s.is_null()));
}
