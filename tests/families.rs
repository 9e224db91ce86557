//! One fixture per Terraform policy family under `testdata/`, each with the
//! tricky forms real modules use (for_each over maps, conditional values
//! from variables, dynamic blocks, `count = 0`, split resources, provider
//! version defaults, report-only policies). Each test pins every finding.

mod common;

use common::{finding_lines, json, repo_root, safeguard};

fn check(path: &str) -> (Option<i32>, Vec<String>) {
    let output = safeguard(&repo_root())
        .args(["check", path, "--format", "json"])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    (output.status.code(), finding_lines(&report))
}

#[test]
fn azure_family() {
    let (code, findings) = check("testdata/azure");
    assert_eq!(
        findings,
        vec![
            // Only the for_each instance with TLS 1.0.
            "testdata/azure/main.tf:8 azure-storage-min-tls fail azurerm_storage_account.data[\"imaging\"]",
            // The auditing policy is its own resource.
            "testdata/azure/main.tf:30 azure-sql-auditing-retention fail azurerm_mssql_server_extended_auditing_policy.ehr",
            "testdata/azure/main.tf:36 azure-database-firewall-not-internet fail azurerm_mssql_firewall_rule.everyone",
            // Unset minimum under `azurerm ~> 4.0`: the 4.x default, TLS 1.0.
            "testdata/azure/main.tf:41 azure-redis-tls fail azurerm_redis_cache.sessions",
            "testdata/azure/main.tf:50 azure-key-vault-diagnostic-logs fail azurerm_key_vault.keys",
            "testdata/azure/main.tf:50 azure-key-vault-purge-protection fail azurerm_key_vault.keys",
        ]
    );
    assert_eq!(code, Some(1));
}

#[test]
fn google_family() {
    let (code, findings) = check("testdata/google");
    assert_eq!(
        findings,
        vec![
            "testdata/google/main.tf:1 google-sql-cmek fail google_sql_database_instance.reporting",
            "testdata/google/main.tf:12 google-sql-no-public-ip fail google_sql_database_instance.reporting",
            // Inside the dynamic block, from the variable's default.
            "testdata/google/main.tf:18 google-sql-no-public-authorized-networks fail google_sql_database_instance.reporting",
            "testdata/google/main.tf:53 google-data-access-audit-logs fail google_project_iam_audit_config.all",
        ]
    );
    // The replica is not judged for backups, and the public IAM member has
    // count = 0, so it does not exist.
    assert_eq!(code, Some(1));
}

#[test]
fn identity_family() {
    let (code, findings) = check("testdata/identity");
    assert_eq!(
        findings,
        vec![
            // Report-only MFA counts for nothing, at the document level too.
            "testdata/identity/entra.tf:2 azuread-conditional-access-mfa-all-users fail testdata/identity",
            "testdata/identity/entra.tf:4 azuread-conditional-access-mfa-enforced fail azuread_conditional_access_policy.mfa_everyone",
            "testdata/identity/okta.tf:11 okta-signon-rule-mfa fail okta_policy_rule_signon.clinic_network",
        ]
    );
    assert_eq!(code, Some(1));
}
