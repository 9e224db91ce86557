//! Tenant exports end to end: the real samples in `../shared/fixtures/tenant`
//! give exactly the findings pinned here, a UTF-16LE Microsoft365DSC export
//! gives the same findings as its UTF-8 form, malformed exports are located
//! errors that do not stop the scan, and every tenant policy answers unknown,
//! never fail, on an export that did not collect its setting.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{error_lines, finding_lines, json, repo_root, safeguard, write};

fn fixtures() -> PathBuf {
    repo_root().join("../shared/fixtures/tenant")
}

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let output = safeguard(dir)
        .args(["check"])
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), json(&output))
}

/// The findings that are not passes.
fn not_passing(report: &serde_json::Value) -> Vec<String> {
    finding_lines(report)
        .into_iter()
        .filter(|line| !line.contains(" pass "))
        .collect()
}

#[test]
fn scubagear_sample_findings() {
    let (code, report) = check(
        &fixtures(),
        &["scubagear-ProviderSettingsExport.slice.json"],
    );
    assert_eq!(code, Some(1));
    assert!(report["errors"].as_array().unwrap().is_empty());
    let f = "scubagear-ProviderSettingsExport.slice.json";
    let expected: Vec<String> = [
        "3 m365-alert-policies-enabled unknown scubagear-ProviderSettingsExport.slice.json",
        "3 m365-auth-methods-no-sms-voice-email unknown m365.auth_methods",
        "3 m365-ca-phishing-resistant-admins fail scubagear-ProviderSettingsExport.slice.json",
        "3 m365-dlp-detects-health-identifiers unknown scubagear-ProviderSettingsExport.slice.json",
        "3 m365-owa-no-third-party-storage unknown m365.owa_policy[not collected]",
        "3 m365-retention-policy-covers-phi-workloads unknown scubagear-ProviderSettingsExport.slice.json",
        "3 m365-rms-enabled unknown m365.encryption",
        "3 m365-transport-rule-requires-outbound-tls unknown scubagear-ProviderSettingsExport.slice.json",
        "447 m365-admin-consent-workflow unknown m365.app_consent",
        "450 m365-user-consent-off fail m365.app_consent",
        "474 m365-audit-log-retention-six-years unknown m365.audit",
        // Its SPF record includes Microsoft 365, whose BAA is not registered here.
        "572 m365-spf-include-baa-vendor fail m365.spf_record[\"tqhjy.onmicrosoft.com\"]",
        "606 m365-transport-no-legacy-tls-clients unknown m365.transport",
        "1296 m365-teams-no-dropbox-storage fail m365.teams_client",
        "1297 m365-teams-no-box-storage fail m365.teams_client",
        "1298 m365-teams-no-google-drive-storage fail m365.teams_client",
        "1299 m365-teams-no-sharefile-storage fail m365.teams_client",
        "1300 m365-teams-no-egnyte-storage fail m365.teams_client",
    ]
    .iter()
    .map(|line| format!("{f}:{line}"))
    .collect();
    assert_eq!(not_passing(&report), expected);
    // The settings this sample carries and gets right pass (passes are
    // only counted in the JSON report): no finding names them.
    // 16, and the second domain's SPF record (`include:outlook.com` names no
    // catalogued vendor).
    assert_eq!(report["summary"]["pass"], 17);
    for rule in [
        "m365-inbound-partner-connector-requires-tls",
        "m365-smtp-auth-disabled",
        "m365-ca-mfa-all-users",
        "m365-ca-legacy-auth-blocked",
        "m365-ca-mfa-exclusions",
        "m365-unified-audit-log-enabled",
        "m365-mailbox-audit-enabled",
        "m365-sharepoint-sharing-not-anyone",
        "m365-onedrive-sharing-not-anyone",
        "m365-default-link-specific-people",
        "m365-sharepoint-legacy-auth-off",
        "m365-guest-invitations-limited",
        "m365-teams-federation-allowlisted",
        "m365-teams-consumer-chat-off",
        "m365-remote-domain-no-auto-forward",
        "m365-idle-session-timeout",
    ] {
        assert!(
            !expected.iter().any(|l| l.contains(&format!(" {rule} "))),
            "{rule} passes"
        );
    }
}

#[test]
fn scubagear_gaps_are_named_in_the_reason() {
    let (_, report) = check(
        &fixtures(),
        &["scubagear-ProviderSettingsExport.slice.json"],
    );
    let reason = |rule: &str| -> String {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason("m365-owa-no-third-party-storage").contains(
        "not collected by this export (ScubaGear does not export OWA mailbox policies (no Get-OwaMailboxPolicy call)"
    ));
    assert!(reason("m365-retention-policy-covers-phi-workloads").contains(
        "not collected by this export (ScubaGear does not export Purview retention policies (no Get-RetentionCompliancePolicy call))"
    ));
    assert_eq!(
        reason("m365-rms-enabled"),
        "`rms_enabled` cannot be known: not collected by this export (ScubaGear does not export IRM/OME configuration (no Get-IRMConfiguration call))"
    );
    // The sample lags the 1.8.0 provider: no audit retention policies.
    assert!(reason("m365-audit-log-retention-six-years").contains(
        "not collected by this export (ScubaGear export has no `unified_audit_log_retention_policies`"
    ));
}

#[test]
fn scubagoggles_sample_names_the_org_unit() {
    let (code, report) = check(
        &fixtures(),
        &["scubagoggles-ScubaResults.Raw.policies.slice.json"],
    );
    assert_eq!(code, Some(1));
    assert!(report["errors"].as_array().unwrap().is_empty());
    let f = "scubagoggles-ScubaResults.Raw.policies.slice.json";
    let expected: Vec<String> = [
        "99 gws-services-outside-baa-disabled fail gws.service[\"2SV Exempt\"].blogger",
        "99 gws-services-outside-baa-disabled fail gws.service[\"Cool Example Org\"].blogger",
        "209 gws-services-outside-baa-disabled fail gws.service[\"2SV Exempt\"].photos",
        "209 gws-services-outside-baa-disabled fail gws.service[\"Cool Example Org\"].photos",
        // Inherited from the top unit: the finding names the child and points at the top unit's value.
        "216 gws-less-secure-apps-off fail gws.security[\"2SV Exempt\"]",
        "216 gws-less-secure-apps-off fail gws.security[\"Cool Example Org\"]",
        "245 gws-2sv-factors-not-all fail gws.two_step[\"Cool Example Org\"]",
        "260 gws-services-outside-baa-disabled fail gws.service[\"2SV Exempt\"].takeout",
        "260 gws-services-outside-baa-disabled fail gws.service[\"Cool Example Org\"].takeout",
        "278 gws-services-outside-baa-disabled fail gws.service[\"2SV Exempt\"].youtube",
        "278 gws-services-outside-baa-disabled fail gws.service[\"Cool Example Org\"].youtube",
        "294 gws-2sv-factors-not-all fail gws.two_step[\"2SV Exempt\"]",
        // `enforcedFrom` 1970-01-01T00:00:00Z: not enforced in the exempt unit only.
        "297 gws-2sv-enforced fail gws.two_step[\"2SV Exempt\"]",
    ]
    .iter()
    .map(|line| format!("{f}:{line}"))
    .collect();
    assert_eq!(not_passing(&report), expected);
    // 2-Step Verification is enforced in the top unit, among the passes.
    assert_eq!(report["summary"]["pass"], 11);
}

#[test]
fn policy_api_list_reads_without_errors() {
    let (code, report) = check(&fixtures(), &["scubagoggles-policyapi_reducer1.json"]);
    assert_eq!(code, Some(0), "unknowns do not fail the run");
    assert!(report["errors"].as_array().unwrap().is_empty());
    let lines = not_passing(&report);
    assert_eq!(lines.len(), 9, "{lines:#?}");
    assert!(lines.iter().all(|l| l.contains(" unknown ")), "{lines:#?}");
}

#[test]
fn dsc_samples_findings() {
    let (code, report) = check(
        &fixtures(),
        &["m365dsc-example-TeamsClientConfiguration.ps1"],
    );
    assert_eq!(code, Some(1));
    assert!(report["errors"].as_array().unwrap().is_empty());
    let fails: Vec<String> = finding_lines(&report)
        .into_iter()
        .filter(|l| l.contains(" fail "))
        .collect();
    assert_eq!(
        fails,
        [
            "m365dsc-example-TeamsClientConfiguration.ps1:19 m365-teams-no-box-storage fail m365.teams_client",
            "m365dsc-example-TeamsClientConfiguration.ps1:20 m365-teams-no-dropbox-storage fail m365.teams_client",
            "m365dsc-example-TeamsClientConfiguration.ps1:22 m365-teams-no-google-drive-storage fail m365.teams_client",
            "m365dsc-example-TeamsClientConfiguration.ps1:27 m365-teams-no-sharefile-storage fail m365.teams_client",
        ]
    );
    // The example sets no AllowEgnyte: unknown, not a failure.
    let egnyte = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "m365-teams-no-egnyte-storage")
        .unwrap();
    assert_eq!(egnyte["status"], "unknown");
    assert_eq!(
        egnyte["reason"],
        "`allow_egnyte` cannot be known: not collected by this export (the TeamsClientConfiguration resource does not set it)"
    );

    // The outbound connector example is disabled (`Enabled = $False`): not judged.
    let (code, report) = check(&fixtures(), &["m365dsc-example-EXOOutboundConnector.ps1"]);
    assert_eq!(code, Some(0));
    assert!(report["errors"].as_array().unwrap().is_empty());
    assert!(
        !finding_lines(&report)
            .iter()
            .any(|l| l.contains("m365-outbound-partner-connector-validates-tls")),
        "a disabled connector is not judged"
    );
}

/// UTF-16LE with a BOM and CRLF line ends, as Windows PowerShell 5.1 writes.
fn utf16le_crlf(text: &str) -> Vec<u8> {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in crlf.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

#[test]
fn utf16le_dsc_export_gives_the_same_findings_as_utf8() {
    for name in [
        "m365dsc-example-TeamsClientConfiguration.ps1",
        "m365dsc-example-EXOOutboundConnector.ps1",
    ] {
        let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &format!("utf8/{name}"), &text);
        write(dir.path(), &format!("utf16/{name}"), utf16le_crlf(&text));
        let (code8, utf8) = check(dir.path(), &["utf8"]);
        let (code16, utf16) = check(dir.path(), &["utf16"]);
        assert_eq!(code8, code16);
        assert!(
            utf16["errors"].as_array().unwrap().is_empty(),
            "{:?}",
            utf16["errors"]
        );
        let strip = |report: &serde_json::Value, dir: &str| -> Vec<String> {
            finding_lines(report)
                .into_iter()
                .map(|l| l.replace(&format!("{dir}/"), ""))
                .collect()
        };
        let lines = strip(&utf8, "utf8");
        assert!(lines.len() > 30, "{lines:#?}");
        assert_eq!(lines, strip(&utf16, "utf16"));
        // Columns too: the same range for every finding.
        let ranges = |r: &serde_json::Value| -> Vec<String> {
            r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["range"].to_string())
                .collect()
        };
        assert_eq!(ranges(&utf8), ranges(&utf16));
    }
}

const TEAMS_OPEN: &str = "{\"module_version\": \"1.8.0\", \"client_configuration\": [{\"Identity\": \"Global\", \"AllowDropBox\": true}]}\n";

#[test]
fn malformed_exports_are_located_errors_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", TEAMS_OPEN);
    // Truncated JSON.
    write(
        dir.path(),
        "truncated.json",
        "{\"module_version\": \"1.8.0\",\n \"transport_config\": [{\"SmtpClientAuthenticationDisabled\": tr",
    );
    // A string where ScubaGear writes an object; the rest of the file is read.
    write(
        dir.path(),
        "shape.json",
        "{\"module_version\": \"1.8.0\",\n \"transport_config\": \"Transport Settings\",\n \"client_configuration\": [{\"Identity\": \"Global\", \"AllowBox\": true}]}\n",
    );
    // A DSC configuration with an unbalanced brace.
    write(
        dir.path(),
        "unbalanced.ps1",
        "Configuration M365\n{\n    Import-DscResource -ModuleName Microsoft365DSC\n    Node localhost\n    {\n        EXOTransportConfig 'Transport'\n        {\n            SmtpClientAuthenticationDisabled = $False\n    }\n}\n",
    );
    let (code, report) = check(dir.path(), &["."]);
    assert_eq!(code, Some(2), "input errors exit 2");
    assert_eq!(
        error_lines(&report),
        vec![
            "shape.json:2:22 ScubaGear `transport_config` is the string \"Transport Settings\" where an object or an array of objects is expected; it is not read",
            "truncated.json:2:60 invalid JSON: Unexpected word",
            // The configuration's brace: the resource and node blocks close.
            "unbalanced.ps1:2:1 `{` is never closed",
        ]
    );
    let fails: Vec<String> = finding_lines(&report)
        .into_iter()
        .filter(|l| l.contains(" fail "))
        .collect();
    assert_eq!(
        fails,
        [
            "good.json:1 m365-teams-no-dropbox-storage fail m365.teams_client",
            "shape.json:3 m365-teams-no-box-storage fail m365.teams_client",
        ]
    );
    // The unreadable transport settings are unknown, not failed.
    let smtp: Vec<String> = finding_lines(&report)
        .into_iter()
        .filter(|l| l.starts_with("shape.json") && l.contains("m365-smtp-auth-disabled"))
        .collect();
    assert_eq!(
        smtp,
        ["shape.json:2 m365-smtp-auth-disabled unknown m365.transport"]
    );
}

/// Exports that collected nothing a policy reads, one per source format.
const EMPTY: [(&str, &str, &str); 5] = [
    (
        "m365",
        "scubagear.json",
        "{\"module_version\": \"1.8.0\", \"aad_successful_commands\": []}\n",
    ),
    (
        "m365",
        "m365dsc.ps1",
        "Configuration M365TenantConfig\n{\n    Import-DscResource -ModuleName 'Microsoft365DSC'\n    Node localhost\n    {\n    }\n}\n",
    ),
    (
        "m365",
        "native-m365.yaml",
        "safeguard-tenant: m365\nobjects: {}\n",
    ),
    (
        "gws",
        "scubagoggles.json",
        "{\"tenant_info\": {\"topLevelOU\": \"Top\"}, \"policies\": {\"Top\": {}}}\n",
    ),
    (
        "gws",
        "native-gws.yaml",
        "safeguard-tenant: google-workspace\nobjects: {}\n",
    ),
];

#[test]
fn every_tenant_policy_is_unknown_when_its_setting_was_not_collected() {
    let dir = tempfile::tempdir().unwrap();
    for (_, name, text) in EMPTY {
        write(dir.path(), name, text);
    }
    let (code, report) = check(dir.path(), &["."]);
    assert_eq!(code, Some(0), "{:?}", report["errors"]);
    let mut by_file_rule: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        by_file_rule
            .entry((
                f["file"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
            ))
            .or_default()
            .push((
                f["status"].as_str().unwrap().to_owned(),
                f["reason"].as_str().unwrap_or("").to_owned(),
            ));
    }
    let mut checked = 0;
    for pack in ["m365", "gws"] {
        let folder = repo_root().join("policies/tenant").join(pack);
        let mut ids: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        for id in &ids {
            for (format, file, _) in EMPTY.iter().filter(|(f, ..)| *f == pack) {
                let findings = by_file_rule
                    .get(&((*file).to_owned(), id.clone()))
                    .unwrap_or_else(|| panic!("{id} gives no finding on {file}"));
                for (status, reason) in findings {
                    assert_eq!(status, "unknown", "{id} on {file} ({format}): {reason}");
                    assert!(
                        reason.contains("not collected by this export"),
                        "{id} on {file}: {reason}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 38 * 3 + 9 * 2);
}

#[test]
fn safeguard_toml_maps_an_export_detection_would_miss() {
    let dir = tempfile::tempdir().unwrap();
    let sample =
        std::fs::read(fixtures().join("scubagear-ProviderSettingsExport.slice.json")).unwrap();
    write(dir.path(), "exports/tenant-2026-11.txt", &sample);
    let select = ["--select", "m365-teams-no-dropbox-storage"];
    let (code, report) = check(dir.path(), &[&["."][..], &select].concat());
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(code, Some(0));

    write(
        dir.path(),
        "safeguard.toml",
        "[[tenant.paths]]\npath = \"exports/tenant-2026-11.txt\"\nformat = \"m365\"\n",
    );
    let (code, report) = check(dir.path(), &[&["."][..], &select].concat());
    assert_eq!(
        finding_lines(&report),
        vec![
            "exports/tenant-2026-11.txt:1296 m365-teams-no-dropbox-storage fail m365.teams_client"
        ]
    );
    assert_eq!(code, Some(1));

    write(
        dir.path(),
        "safeguard.toml",
        "[[tenant.paths]]\npath = \"exports/tenant-2026-11.txt\"\nformat = \"google-workspace\"\n",
    );
    let (code, report) = check(dir.path(), &[&["."][..], &select].concat());
    assert_eq!(
        error_lines(&report),
        vec![
            "exports/tenant-2026-11.txt safeguard.toml maps this file to `google-workspace`, but it is a `m365` export"
        ]
    );
    assert_eq!(code, Some(2));
}
