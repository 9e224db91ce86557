//! The normalized model: one value per setting whichever export encoded it,
//! every attribute located at its source value, unknowns with reasons, and
//! each reader recognised by content.

use safeguard_model::{Document, Format, Object, Value};
use safeguard_source::SourceFile;
use safeguard_tenant::{TenantSource, source_of, tenant_document};

fn read(name: &str, text: &str) -> Document {
    tenant_document(SourceFile::new(name, text))
}

fn object<'a>(doc: &'a Document, address: &str) -> &'a Object {
    doc.objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| {
            panic!(
                "no {address} in {:?}",
                doc.objects.iter().map(|o| &o.address).collect::<Vec<_>>()
            )
        })
}

fn attr(doc: &Document, address: &str, name: &str) -> (Value, String) {
    let o = object(doc, address);
    let entry = o.attrs.get(name).unwrap();
    let text = doc.files[0].slice(entry.value.span).to_owned();
    (entry.value.value.clone(), text)
}

const SCUBAGEAR: &str = r#"{"module_version": "1.8.0",
 "SPO_tenant": [{"SharingCapability": 2, "ODBSharingCapability": 3, "DefaultSharingLinkType": 1}],
 "admin_audit_log_config": {"UnifiedAuditLogIngestionEnabled": true, "AdminAuditLogAgeLimit": "90.00:00:00"},
 "outbound_connectors": [{"Name": "Relay", "Enabled": true, "ConnectorType": "Partner", "TlsSettings": null, "SmartHosts": ["SMTP.SendGrid.NET."]}],
 "spf_records": [{"domain": "clinic.example", "rdata": ["v=spf1 include:SPF.Protection.Outlook.com include:sendgrid.net ~all"]}]
}"#;

const DSC: &str = r#"Configuration M365TenantConfig
{
    Import-DscResource -ModuleName 'Microsoft365DSC'
    Node localhost
    {
        SPOSharingSettings 'SharingSettings'
        {
            IsSingleInstance        = 'Yes'
            SharingCapability       = 'ExternalUserAndGuestSharing'
            MySiteSharingCapability = "ExistingExternalUserSharingOnly"
            DefaultSharingLinkType  = "Direct"
            TenantId                = $ConfigurationData.NonNodeData.TenantId
        }
        O365AdminAuditLogConfig 'AuditLog'
        {
            IsSingleInstance                = 'Yes'
            UnifiedAuditLogIngestionEnabled = "Enabled"
        }
        EXOOutboundConnector 'Relay'
        {
            Identity      = "Relay"
            Enabled       = $True
            ConnectorType = "Partner"
            SmartHosts    = @("smtp.sendgrid.net")
        }
    }
}
"#;

const DSC_REPORT: &str = r#"[
  {"ResourceName": "SPOSharingSettings", "ResourceInstanceName": "SharingSettings", "SharingCapability": "ExternalUserAndGuestSharing", "MySiteSharingCapability": "ExistingExternalUserSharingOnly", "DefaultSharingLinkType": "Direct"},
  {"ResourceName": "O365AdminAuditLogConfig", "ResourceInstanceName": "AuditLog", "UnifiedAuditLogIngestionEnabled": "Enabled"}
]"#;

#[test]
fn one_value_per_setting_across_encodings() {
    let sg = read("ProviderSettingsExport.json", SCUBAGEAR);
    let dsc = read("M365TenantConfig.ps1", DSC);
    let report = read("report.json", DSC_REPORT);
    assert_eq!(source_of(&sg), Some(TenantSource::ScubaGear));
    assert_eq!(source_of(&dsc), Some(TenantSource::DscScript));
    assert_eq!(source_of(&report), Some(TenantSource::DscReport));
    for doc in [&sg, &dsc, &report] {
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.format, Format::M365);
        assert_eq!(
            attr(doc, "m365.sharing", "sharepoint_level").0,
            Value::String("anyone".into())
        );
        assert_eq!(
            attr(doc, "m365.sharing", "onedrive_level").0,
            Value::String("existing_guests".into())
        );
        assert_eq!(
            attr(doc, "m365.sharing", "default_link_type").0,
            Value::String("specific_people".into())
        );
        assert_eq!(
            attr(doc, "m365.audit", "unified_log_enabled").0,
            Value::Bool(true)
        );
    }
    // Each value is located at its source.
    assert_eq!(attr(&sg, "m365.sharing", "sharepoint_level").1, "2");
    assert_eq!(
        attr(&dsc, "m365.sharing", "sharepoint_level").1,
        "'ExternalUserAndGuestSharing'"
    );
    assert_eq!(
        attr(&dsc, "m365.audit", "unified_log_enabled").1,
        "\"Enabled\""
    );
    assert_eq!(
        attr(&sg, "m365.audit", "admin_audit_log_age_limit_days").0,
        Value::Number(90.0)
    );
}

#[test]
fn hosts_are_clean_lowercase_lists() {
    let sg = read("ProviderSettingsExport.json", SCUBAGEAR);
    let dsc = read("M365TenantConfig.ps1", DSC);
    let hosts = |doc: &Document, address: &str| attr(doc, address, "smart_hosts").0.to_string();
    assert_eq!(
        hosts(&sg, "m365.mail_connector.outbound[\"Relay\"]"),
        "[\"smtp.sendgrid.net\"]"
    );
    assert_eq!(
        hosts(&dsc, "m365.mail_connector.outbound[\"Relay\"]"),
        "[\"smtp.sendgrid.net\"]"
    );
    // A null TlsSettings is opportunistic TLS.
    assert_eq!(
        attr(&sg, "m365.mail_connector.outbound[\"Relay\"]", "tls_mode").0,
        Value::String("opportunistic".into())
    );
    let spf = object(&sg, "m365.spf_record[\"clinic.example\"]");
    let includes = &spf.attrs.get("includes").unwrap().value;
    assert_eq!(
        includes.value.to_string(),
        "[\"spf.protection.outlook.com\", \"sendgrid.net\"]"
    );
    let first = &includes.value.as_list().unwrap()[0];
    assert_eq!(
        sg.files[0].slice(first.span),
        "include:SPF.Protection.Outlook.com"
    );
    assert_eq!(
        spf.attrs.get("all").unwrap().value.value,
        Value::String("~all".into())
    );
}

#[test]
fn dsc_variables_are_unknown_and_absent_resources_not_collected() {
    let dsc = read("M365TenantConfig.ps1", DSC);
    let transport = object(&dsc, "m365.transport");
    match &transport
        .attrs
        .get("smtp_client_auth_disabled")
        .unwrap()
        .value
        .value
    {
        Value::Unknown(u) => assert_eq!(
            u.reason,
            "not collected by this export (the configuration has no EXOTransportConfig resource)"
        ),
        other => panic!("{other:?}"),
    }
    let placeholder = object(&dsc, "m365.conditional_access_policy[not collected]");
    assert!(placeholder.existence_unknown.is_some());
}

#[test]
fn scubagoggles_children_inherit_from_the_top_unit() {
    let doc = read(
        "ScubaResults.json",
        r#"{"Raw": {"tenant_info": {"topLevelOU": "Clinic"}, "policies": {
            "Clinic": {"gmail_auto_forwarding": {"enableAutoForwarding": false},
                       "security_two_step_verification_enforcement": {"enforcedFrom": "2024-01-01T00:00:00Z"}},
            "Clinic (group Contractors)": {"security_two_step_verification_enforcement": {"enforcedFrom": "1970-01-01T00:00:00Z"}}}}}"#,
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(doc.format, Format::GoogleWorkspace);
    assert_eq!(
        attr(&doc, "gws.two_step[\"Clinic\"]", "enforced").0,
        Value::Bool(true)
    );
    assert_eq!(
        attr(
            &doc,
            "gws.two_step[\"Clinic (group Contractors)\"]",
            "enforced"
        )
        .0,
        Value::Bool(false)
    );
    // Inherited: the value and its span are the top unit's.
    let (value, text) = attr(
        &doc,
        "gws.gmail[\"Clinic (group Contractors)\"]",
        "auto_forwarding_enabled",
    );
    assert_eq!(value, Value::Bool(false));
    assert_eq!(text, "false");
    assert_eq!(
        attr(
            &doc,
            "gws.gmail[\"Clinic (group Contractors)\"]",
            "org_unit"
        )
        .0,
        Value::String("Clinic (group Contractors)".into())
    );
}

#[test]
fn native_yaml_and_its_mistakes() {
    let doc = read(
        "tenant.yaml",
        "safeguard-tenant: m365\nobjects:\n  m365.transport:\n    smtp_client_auth_disabled: true\n    smtp_auth: false\n  m365.bogus: {}\n",
    );
    assert_eq!(source_of(&doc), Some(TenantSource::Native));
    let messages: Vec<&str> = doc.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("unknown kind `m365.bogus`"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("unknown attribute `smtp_auth` of m365.transport"),
        "{messages:?}"
    );
    assert_eq!(
        attr(&doc, "m365.transport", "smtp_client_auth_disabled").0,
        Value::Bool(true)
    );
}

#[test]
fn unrecognised_json_is_a_located_error() {
    let doc = read("other.json", "{\"name\": \"package\"}");
    assert_eq!(doc.errors.len(), 1);
    assert!(doc.objects.is_empty());
}
