#!/usr/bin/env python3
"""Generate a large, deterministic ScubaGear ProviderSettingsExport.json for benchmarking safeguard.

Usage:
    scripts/gen-scubagear.py --mb N --out FILE [--seed S]

The export has the shape ScubaGear 1.8.0 writes (PowerShell ConvertTo-Json,
PascalCase cmdlet properties, every collection an array, `[null]` for an
empty one, `/Date(ms)/` dates, .NET TimeSpans, integer SharePoint sharing
levels) and the keys safeguard reads: conditional_access_policies,
authorization_policies, authentication_method, admin_audit_log_config,
unified_audit_log_retention_policies, protection_alerts, transport_config,
transport_rule, org_config, inbound_connectors, outbound_connectors,
remote_domains, spf_records, SPO_tenant, federation_configuration,
client_configuration, dlp_compliance_policies and dlp_compliance_rules.

Size comes from what grows in real tenants: thousands of Conditional
Access policies, connectors, remote domains, transport rules, alert
policies and DLP rules (with their `AdvancedRule` JSON-in-a-string), each
carrying the bulky metadata the cmdlets return (distinguished names,
GUIDs, `WhenChanged` dates).  Collections are grown round-robin until the
file reaches about N MB.  About 20% of connectors and rules are
non-compliant.

Output is a pure function of (--mb, --seed): one random.Random(seed) drives
everything.  Python 3.11+ standard library only.  A one-line summary goes
to stderr.
"""

import argparse
import json
import random
import sys
import uuid

PHI_TYPES = [
    "U.S. Social Security Number (SSN)",
    "International Classification of Diseases (ICD-10-CM)",
    "International Classification of Diseases (ICD-9-CM)",
    "U.S. Driver's License Number",
]


def guid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def date(rng):
    return "/Date(%d)/" % rng.randrange(1_600_000_000_000, 1_780_000_000_000)


def metadata(rng, name, kind):
    return {
        "AdminDisplayName": "",
        "ExchangeVersion": "0.1 (8.0.535.0)",
        "Name": name,
        "DistinguishedName": f"CN={name},CN={kind},CN=Configuration,CN=contoso.onmicrosoft.com,CN=ConfigurationUnits,DC=NAMPR09A006,DC=PROD,DC=OUTLOOK,DC=COM",
        "Identity": name,
        "ObjectClass": ["top", f"msExch{kind.replace(' ', '')}"],
        "WhenChanged": date(rng),
        "WhenCreated": date(rng),
        "WhenChangedUTC": date(rng),
        "WhenCreatedUTC": date(rng),
        "ExchangeObjectId": guid(rng),
        "OrganizationId": "NAMPR09A006.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com",
        "Id": name,
        "Guid": guid(rng),
        "OriginatingServer": "BY1PR09A06DC005.NAMPR09A006.PROD.OUTLOOK.COM",
        "IsValid": True,
        "ObjectState": "Unchanged",
    }


def cap(rng, i):
    bad = rng.random() < 0.2
    return {
        "DeletedDateTime": None,
        "Conditions": {
            "ClientAppTypes": rng.choice([["all"], ["exchangeActiveSync", "other"], ["browser", "mobileAppsAndDesktopClients"]]),
            "Applications": {"ApplicationFilter": None, "IncludeAuthenticationContextClassReferences": [], "ExcludeApplications": [], "IncludeApplications": ["All"], "IncludeUserActions": []},
            "Users": {"ExcludeGroups": [guid(rng)] if bad else [], "ExcludeUsers": [guid(rng)] if rng.random() < 0.3 else [], "IncludeGuestsOrExternalUsers": None, "IncludeRoles": [], "ExcludeRoles": [], "IncludeUsers": ["All"], "IncludeGroups": [], "ExcludeGuestsOrExternalUsers": None},
            "SignInRiskLevels": [], "UserRiskLevels": [], "Platforms": None, "Locations": None, "Times": None, "Devices": None,
        },
        "DisplayName": f"CA{i:05d} Require MFA for workload {i}",
        "GrantControls": {"Operator": "OR", "BuiltInControls": ["mfa"] if not bad else ["compliantDevice"], "AuthenticationStrength": None, "TermsOfUse": [], "CustomAuthenticationFactors": []},
        "Id": guid(rng),
        "ModifiedDateTime": date(rng),
        "CreatedDateTime": date(rng),
        "State": "enabledForReportingButNotEnforced" if bad else "enabled",
        "SessionControls": None,
    }


def inbound(rng, i):
    d = {"Enabled": True, "ConnectorType": "Partner", "ConnectorSource": "AdminUI", "Comment": "", "SenderIPAddresses": [], "SenderDomains": [f"smtp:partner{i}.example.org;1"], "RequireTls": rng.random() >= 0.2, "TlsSenderCertificateName": None}
    d.update(metadata(rng, f"Inbound partner {i}", "Transport Settings"))
    return d


def outbound(rng, i):
    d = {"Enabled": True, "ConnectorType": "Partner", "ConnectorSource": "AdminUI", "TlsSettings": rng.choice(["DomainValidation", "CertificateValidation", "DomainValidation", "DomainValidation", None]), "TlsDomain": f"*.partner{i}.example.org", "SmartHosts": [f"SMTP.Partner{i}.example.org"], "RecipientDomains": [f"partner{i}.example.org"], "UseMXRecord": False}
    d.update(metadata(rng, f"Outbound partner {i}", "Transport Settings"))
    return d


def remote_domain(rng, i):
    d = {"DomainName": f"partner{i}.example.org", "AutoForwardEnabled": rng.random() < 0.2, "AutoReplyEnabled": True, "CharacterSet": "iso-8859-1"}
    d.update(metadata(rng, f"Partner {i}", "Remote Domain"))
    return d


def transport_rule(rng, i):
    d = {"State": "Enabled" if rng.random() >= 0.2 else "Disabled", "Priority": i, "RouteMessageOutboundRequireTls": rng.random() < 0.5, "ApplyOME": False, "Comments": f"Rule {i}", "SentToScope": "NotInOrganization"}
    d.update(metadata(rng, f"Rule {i}", "Transport Rule"))
    return d


def alert(rng, i):
    return {"Name": f"Alert {i}", "Disabled": rng.random() < 0.2, "Severity": rng.choice(["Low", "Medium", "High"]), "Category": "ThreatManagement", "Id": guid(rng), "NotifyUser": ["soc@contoso.com"], "CreatedTime": date(rng)}


def dlp_rule(rng, i):
    types = rng.sample(PHI_TYPES, 2)
    advanced = {"Version": "1.0", "Condition": {"Operator": "And", "SubConditions": [{"ConditionName": "ContentContainsSensitiveInformation", "Value": [{"groups": [{"Operator": "Or", "Name": "Default", "Sensitivetypes": [{"Name": t, "Id": guid(rng), "Mincount": 1, "Maxcount": -1, "Confidencelevel": "High"} for t in types]}]}]}]}}
    return {"Name": f"PHI rule {i}", "ParentPolicyName": f"PHI {i % 50}", "AdvancedRule": json.dumps(advanced), "Disabled": False, "Priority": i, "Guid": guid(rng)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    export = {
        "baseline_version": "1",
        "module_version": "1.8.0",
        "timestamp_zulu": "2026-05-04T17:15:48.307Z",
        "tenant_details": [{"DisplayName": "Contoso Clinic", "DomainName": "contoso.onmicrosoft.com"}],
        "conditional_access_policies": [],
        "authorization_policies": [{"AllowInvitesFrom": "adminsAndGuestInviters", "PermissionGrantPolicyIdsAssignedToDefaultUserRole": ["ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"], "DefaultUserRolePermissions": {"AllowedToCreateApps": False}}],
        "authentication_method": [{"authentication_method_feature_settings": [{"Id": "Sms", "State": "disabled"}, {"Id": "Voice", "State": "disabled"}, {"Id": "Email", "State": "enabled"}]}],
        "admin_audit_log_config": [{"UnifiedAuditLogIngestionEnabled": True, "AdminAuditLogAgeLimit": "90.00:00:00", "UnifiedAuditLogFirstOptInDate": date(rng)}],
        "unified_audit_log_retention_policies": [{"Name": "All activity", "Enabled": True, "RetentionDuration": "TwelveMonths", "Priority": 1}],
        "protection_alerts": [],
        "transport_config": [{"Name": "Transport Settings", "SmtpClientAuthenticationDisabled": True, "AllowLegacyTLSClients": False, "TLSSendDomainSecureList": [], "MaxDumpsterTime": "7.00:00:00"}],
        "transport_rule": [],
        "org_config": [{"Name": "contoso.onmicrosoft.com", "AuditDisabled": False, "ActivityBasedAuthenticationTimeoutEnabled": True, "ActivityBasedAuthenticationTimeoutInterval": "06:00:00"}],
        "inbound_connectors": [],
        "outbound_connectors": [],
        "remote_domains": [],
        "spf_records": [{"domain": "contoso.com", "rdata": ["v=spf1 include:spf.protection.outlook.com include:sendgrid.net -all"]}],
        "SPO_tenant": [{"SharingCapability": 1, "ODBSharingCapability": 0, "DefaultSharingLinkType": 1, "RequireAnonymousLinksExpireInDays": -1, "LegacyAuthProtocolsEnabled": False}],
        "federation_configuration": [{"Identity": "Global", "AllowFederatedUsers": True, "AllowedDomains": {"AllowedDomain": "Domain=partner0.example.org"}, "AllowTeamsConsumer": False, "AllowTeamsConsumerInbound": False}],
        "client_configuration": [{"Identity": "Global", "AllowDropBox": False, "AllowBox": False, "AllowGoogleDrive": True, "AllowShareFile": False, "AllowEgnyte": False, "AllowEmailIntoChannel": False}],
        "dlp_compliance_policies": [{"Name": f"PHI {i}", "Mode": "Enable", "ExchangeLocation": ["All"], "SharePointLocation": ["All"], "OneDriveLocation": ["All"], "TeamsLocation": ["All"] if i % 2 else []} for i in range(50)],
        "dlp_compliance_rules": [],
    }
    growers = [
        ("conditional_access_policies", cap),
        ("inbound_connectors", inbound),
        ("outbound_connectors", outbound),
        ("remote_domains", remote_domain),
        ("transport_rule", transport_rule),
        ("protection_alerts", alert),
        ("dlp_compliance_rules", dlp_rule),
    ]
    target = int(args.mb * 1024 * 1024)
    size = len(json.dumps(export, indent=2))
    i = 0
    while size < target:
        key, make = growers[i % len(growers)]
        item = make(rng, i)
        export[key].append(item)
        # Indented items cost about their compact size plus the indentation.
        size += len(json.dumps(item, indent=6)) + 2
        i += 1
    text = json.dumps(export, indent=2)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(text)
        out.write("\n")
    counts = ", ".join(f"{k} {len(export[k])}" for k, _ in growers)
    print(f"gen-scubagear: {args.out}: {len(text) / 1048576:.1f} MB, {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
