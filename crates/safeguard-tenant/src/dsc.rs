//! Microsoft365DSC resources (from a configuration script or a JSON report)
//! into `m365.*` objects. A resource type absent from the configuration is
//! not collected: DSC exports are often partial (one workload, a few
//! resources), so absence says nothing about the tenant.

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use crate::builder::{ObjectBuilder, Sink, not_collected};
use crate::m365;
use crate::ps1::Resource;
use crate::scubagear::{consent_policies, fill_dlp};
use crate::values::{self, lookup};

/// Turns the resources of one configuration into objects.
pub(crate) fn read(sink: &mut Sink, resources: &[Resource], source: &str, file_span: Span) {
    // Resources with `Ensure = "Absent"` are being removed: not configured.
    let present: Vec<&Resource> = resources
        .iter()
        .filter(|r| {
            !lookup(&r.props, "Ensure")
                .and_then(|e| e.value.value.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("absent"))
        })
        .collect();
    let of = |kind: &str| -> Vec<&Resource> {
        present
            .iter()
            .copied()
            .filter(|r| r.kind.eq_ignore_ascii_case(kind))
            .collect()
    };
    let header = present
        .first()
        .map_or(Span::new(file_span.start, file_span.start), |r| {
            r.header_span
        });
    let missing = |kind: &str| not_collected(&format!("the configuration has no {kind} resource"));
    let unset = |kind: &str| not_collected(&format!("the {kind} resource does not set it"));

    let mut tenant = ObjectBuilder::new(
        "m365.tenant",
        "m365.tenant",
        file_span,
        header,
        not_collected("a DSC configuration does not name its tenant"),
    );
    tenant.set_value("source", header, Value::String(source.to_owned()), header);
    sink.push(tenant);

    let inbound = of("EXOInboundConnector");
    let outbound = of("EXOOutboundConnector");
    for (list, direction, kind) in [
        (&inbound, "inbound", "EXOInboundConnector"),
        (&outbound, "outbound", "EXOOutboundConnector"),
    ] {
        if list.is_empty() {
            sink.push(m365::connector_placeholder(
                direction,
                header,
                &missing(kind),
            ));
        }
    }
    each(
        sink,
        &inbound,
        "m365.mail_connector",
        "m365.mail_connector.inbound",
        header,
        &missing("EXOInboundConnector"),
        &unset("EXOInboundConnector"),
        |b, sink, r| {
            m365::fill_connector(b, sink, &r.props, true);
        },
    );
    each(
        sink,
        &outbound,
        "m365.mail_connector",
        "m365.mail_connector.outbound",
        header,
        &missing("EXOOutboundConnector"),
        &unset("EXOOutboundConnector"),
        |b, sink, r| {
            m365::fill_connector(b, sink, &r.props, false);
        },
    );

    single(
        sink,
        &of("EXOTransportConfig"),
        "m365.transport",
        header,
        &missing("EXOTransportConfig"),
        &unset("EXOTransportConfig"),
        |b, sink, r| {
            m365::fill_transport(b, sink, &r.props);
        },
    );
    each(
        sink,
        &of("EXOTransportRule"),
        "m365.transport_rule",
        "m365.transport_rule",
        header,
        &missing("EXOTransportRule"),
        &unset("EXOTransportRule"),
        |b, sink, r| {
            m365::fill_transport_rule(b, sink, &r.props);
        },
    );

    audit(
        sink,
        &of("O365AdminAuditLogConfig"),
        &of("EXOOrganizationConfig"),
        &of("SCUnifiedAuditLogRetentionPolicy"),
        header,
    );
    each(
        sink,
        &of("SCProtectionAlert"),
        "m365.alert_policy",
        "m365.alert_policy",
        header,
        &missing("SCProtectionAlert"),
        &unset("SCProtectionAlert"),
        |b, sink, r| {
            m365::fill_alert(b, sink, &r.props);
        },
    );
    each(
        sink,
        &of("AADConditionalAccessPolicy"),
        "m365.conditional_access_policy",
        "m365.conditional_access_policy",
        header,
        &missing("AADConditionalAccessPolicy"),
        &unset("AADConditionalAccessPolicy"),
        |b, sink, r| {
            let map = &r.props;
            b.take_string(sink, "name", map, "DisplayName");
            b.take_string(sink, "state", map, "State");
            b.take_strings(sink, "include_users", map, "IncludeUsers");
            b.take_strings(sink, "include_groups", map, "IncludeGroups");
            b.take_strings(sink, "include_roles", map, "IncludeRoles");
            match m365::exclusions(map, &["ExcludeUsers", "ExcludeGroups", "ExcludeRoles"]) {
                Some((list, span)) => {
                    b.set_value("exclusions_text", span, m365::joined(&list), span);
                    b.set_value("exclusions", span, Value::List(list), span);
                }
                // Microsoft365DSC writes every property it exported; none set is none excluded.
                None => {
                    let span = b.header();
                    b.set_value("exclusions_text", span, Value::String(String::new()), span);
                    b.set_value("exclusions", span, Value::List(Vec::new()), span);
                }
            }
            b.take_strings(sink, "include_applications", map, "IncludeApplications");
            b.take_strings(sink, "client_app_types", map, "ClientAppTypes");
            m365::fill_grant(
                b,
                sink,
                Some(map),
                r.header_span,
                "BuiltInControls",
                "GrantControlOperator",
                "AuthenticationStrength",
            );
        },
    );

    auth_methods(sink, &present, header);
    sharing(
        sink,
        &of("SPOSharingSettings"),
        &of("SPOTenantSettings"),
        &of("AADAuthorizationPolicy"),
        header,
    );
    single(
        sink,
        &of("TeamsFederationConfiguration"),
        "m365.teams_federation",
        header,
        &missing("TeamsFederationConfiguration"),
        &unset("TeamsFederationConfiguration"),
        |b, sink, r| {
            m365::fill_federation(b, sink, &r.props);
        },
    );
    single(
        sink,
        &of("TeamsClientConfiguration"),
        "m365.teams_client",
        header,
        &missing("TeamsClientConfiguration"),
        &unset("TeamsClientConfiguration"),
        |b, sink, r| {
            m365::fill_teams_client(b, sink, &r.props);
        },
    );
    each(
        sink,
        &of("EXOOwaMailboxPolicy"),
        "m365.owa_policy",
        "m365.owa_policy",
        header,
        &missing("EXOOwaMailboxPolicy"),
        &unset("EXOOwaMailboxPolicy"),
        |b, sink, r| {
            m365::fill_owa(b, sink, &r.props);
        },
    );
    app_consent(
        sink,
        &of("AADAuthorizationPolicy"),
        &of("AADAdminConsentRequestPolicy"),
        header,
    );
    each(
        sink,
        &of("EXORemoteDomain"),
        "m365.remote_domain",
        "m365.remote_domain",
        header,
        &missing("EXORemoteDomain"),
        &unset("EXORemoteDomain"),
        |b, sink, r| {
            m365::fill_remote_domain(b, sink, &r.props);
        },
    );
    single(
        sink,
        &of("EXOOrganizationConfig"),
        "m365.session",
        header,
        &missing("EXOOrganizationConfig"),
        &unset("EXOOrganizationConfig"),
        |b, sink, r| {
            m365::fill_session(b, sink, &r.props);
        },
    );
    single(
        sink,
        &of("EXOIRMConfiguration"),
        "m365.encryption",
        header,
        &missing("EXOIRMConfiguration"),
        &unset("EXOIRMConfiguration"),
        |b, sink, r| {
            b.take_bool(sink, "rms_enabled", &r.props, "AzureRMSLicensingEnabled");
        },
    );
    let rules = of("SCRetentionComplianceRule");
    each(
        sink,
        &of("SCRetentionCompliancePolicy"),
        "m365.retention_policy",
        "m365.retention_policy",
        header,
        &missing("SCRetentionCompliancePolicy"),
        &unset("SCRetentionCompliancePolicy"),
        |b, sink, r| {
            retention_policy(b, sink, r, &rules);
        },
    );
    let dlp_rules: Vec<&Map> = of("SCDLPComplianceRule").iter().map(|r| &r.props).collect();
    each(
        sink,
        &of("SCDLPCompliancePolicy"),
        "m365.dlp_policy",
        "m365.dlp_policy",
        header,
        &missing("SCDLPCompliancePolicy"),
        &unset("SCDLPCompliancePolicy"),
        |b, sink, r| {
            fill_dlp(b, sink, &r.props, &dlp_rules, "Policy");
        },
    );
    // Microsoft365DSC has no DNS resources: SPF records are not collected.
    sink.objects.push(ObjectBuilder::placeholder(
        "m365.spf_record",
        "m365.spf_record[not collected]",
        header,
        &not_collected("Microsoft365DSC does not read DNS records"),
    ));
}

/// A kind with one object per tenant, from the first resource of its type.
fn single(
    sink: &mut Sink,
    resources: &[&Resource],
    kind: &'static str,
    header: Span,
    missing: &str,
    unset: &str,
    fill: impl FnOnce(&mut ObjectBuilder, &mut Sink, &Resource),
) {
    match resources.first() {
        Some(r) => {
            let mut b = ObjectBuilder::new(kind, kind, r.span, r.header_span, unset);
            fill(&mut b, sink, r);
            sink.push(b);
        }
        None => sink.push(ObjectBuilder::new(kind, kind, header, header, missing)),
    }
}

/// One object per resource, addressed by the instance name; a placeholder
/// when the configuration has none of this type.
#[allow(clippy::too_many_arguments)] // one private helper, every argument distinct
fn each(
    sink: &mut Sink,
    resources: &[&Resource],
    kind: &'static str,
    prefix: &str,
    header: Span,
    missing: &str,
    unset: &str,
    mut fill: impl FnMut(&mut ObjectBuilder, &mut Sink, &Resource),
) {
    if resources.is_empty() {
        // Connectors get their own stand-ins, which know their direction.
        if kind != "m365.mail_connector" {
            sink.objects.push(ObjectBuilder::placeholder(
                kind,
                format!("{prefix}[not collected]"),
                header,
                missing,
            ));
        }
        return;
    }
    for r in resources {
        let mut b = ObjectBuilder::new(
            kind,
            format!("{prefix}[{:?}]", r.name),
            r.span,
            r.header_span,
            unset,
        );
        fill(&mut b, sink, r);
        sink.push(b);
    }
}

fn audit(
    sink: &mut Sink,
    config: &[&Resource],
    org: &[&Resource],
    retention: &[&Resource],
    header: Span,
) {
    let span = config.first().map_or(header, |r| r.header_span);
    let mut b = ObjectBuilder::new(
        "m365.audit",
        "m365.audit",
        span,
        span,
        not_collected("the resource does not set it"),
    );
    match config.first() {
        Some(r) => {
            b.take_bool(
                sink,
                "unified_log_enabled",
                &r.props,
                "UnifiedAuditLogIngestionEnabled",
            );
            b.unknown(
                "admin_audit_log_age_limit_days",
                not_collected("O365AdminAuditLogConfig has no AdminAuditLogAgeLimit"),
            );
        }
        None => {
            let why = not_collected("the configuration has no O365AdminAuditLogConfig resource");
            b.unknown("unified_log_enabled", why.clone());
            b.unknown("admin_audit_log_age_limit_days", why);
        }
    }
    match org.first() {
        Some(r) => {
            b.take_negated(sink, "mailbox_audit_enabled", &r.props, "AuditDisabled");
        }
        None => b.unknown(
            "mailbox_audit_enabled",
            not_collected("the configuration has no EXOOrganizationConfig resource"),
        ),
    }
    if retention.is_empty() {
        let why =
            not_collected("the configuration has no SCUnifiedAuditLogRetentionPolicy resource");
        b.unknown("retention", why.clone());
        b.unknown("retention_days", why);
    } else {
        let policies: Vec<(&Map, Span)> = retention.iter().map(|r| (&r.props, r.span)).collect();
        m365::fill_audit_retention(&mut b, sink, &policies);
    }
    sink.push(b);
}

/// `AADAuthenticationMethodPolicySms`/`Voice`/`Email` and their `State`.
fn auth_methods(sink: &mut Sink, present: &[&Resource], header: Span) {
    let mut b = ObjectBuilder::new(
        "m365.auth_methods",
        "m365.auth_methods",
        header,
        header,
        not_collected("the configuration has no AADAuthenticationMethodPolicy resource for it"),
    );
    for (kind, attr) in [
        ("AADAuthenticationMethodPolicySms", "sms_enabled"),
        ("AADAuthenticationMethodPolicyVoice", "voice_enabled"),
        ("AADAuthenticationMethodPolicyEmail", "email_enabled"),
    ] {
        if let Some(r) = present.iter().find(|r| r.kind.eq_ignore_ascii_case(kind)) {
            b.take_bool(sink, attr, &r.props, "State");
        }
    }
    sink.push(b);
}

fn sharing(
    sink: &mut Sink,
    spo: &[&Resource],
    tenant: &[&Resource],
    authz: &[&Resource],
    header: Span,
) {
    let span = spo.first().map_or(header, |r| r.header_span);
    let mut b = ObjectBuilder::new(
        "m365.sharing",
        "m365.sharing",
        span,
        span,
        not_collected("the configuration has no resource setting it"),
    );
    if let Some(r) = spo.first() {
        let level =
            &|n: &Node| values::sharing_level(&n.value).map(|s| Value::String(s.to_owned()));
        b.take(sink, "sharepoint_level", &r.props, "SharingCapability", "Disabled, ExistingExternalUserSharingOnly, ExternalUserSharingOnly or ExternalUserAndGuestSharing", level);
        b.take(sink, "onedrive_level", &r.props, "MySiteSharingCapability", "Disabled, ExistingExternalUserSharingOnly, ExternalUserSharingOnly or ExternalUserAndGuestSharing", level);
        b.take(
            sink,
            "default_link_type",
            &r.props,
            "DefaultSharingLinkType",
            "None, Direct, Internal or AnonymousAccess",
            &|n| values::link_type(&n.value).map(|s| Value::String(s.to_owned())),
        );
        b.take_number(
            sink,
            "anonymous_link_expiry_days",
            &r.props,
            "RequireAnonymousLinksExpireInDays",
        );
    }
    if let Some(r) = tenant.first() {
        b.take_bool(
            sink,
            "legacy_auth_protocols_enabled",
            &r.props,
            "LegacyAuthProtocolsEnabled",
        );
    }
    if let Some(r) = authz.first() {
        b.take_string(sink, "guest_invites_from", &r.props, "AllowInvitesFrom");
    }
    sink.push(b);
}

fn app_consent(sink: &mut Sink, authz: &[&Resource], admin: &[&Resource], header: Span) {
    let span = authz.first().map_or(header, |r| r.header_span);
    let mut b = ObjectBuilder::new(
        "m365.app_consent",
        "m365.app_consent",
        span,
        span,
        not_collected("the configuration has no AADAuthorizationPolicy resource"),
    );
    if let Some(r) = authz.first() {
        consent_policies(
            &mut b,
            sink,
            &r.props,
            "PermissionGrantPolicyIdsAssignedToDefaultUserRole",
        );
        b.take_bool(
            sink,
            "users_can_create_apps",
            &r.props,
            "DefaultUserRoleAllowedToCreateApps",
        );
    }
    match admin.first() {
        Some(r) => {
            b.take_bool(
                sink,
                "admin_consent_workflow_enabled",
                &r.props,
                "IsEnabled",
            );
        }
        None => b.unknown(
            "admin_consent_workflow_enabled",
            not_collected("the configuration has no AADAdminConsentRequestPolicy resource"),
        ),
    }
    sink.push(b);
}

/// A Purview retention policy with the duration of its rules (the longest;
/// `Unlimited` is kept as `unlimited`).
fn retention_policy(b: &mut ObjectBuilder, sink: &mut Sink, r: &Resource, rules: &[&Resource]) {
    let map = &r.props;
    b.take_string(sink, "name", map, "Name");
    b.take_bool(sink, "enabled", map, "Enabled");
    if !b.has("enabled") {
        let span = b.header();
        b.set_value("enabled", span, Value::Bool(true), span);
    }
    if let Some((list, span)) = m365::workloads(
        map,
        &[
            ("ExchangeLocation", "exchange"),
            ("SharePointLocation", "sharepoint"),
            ("OneDriveLocation", "onedrive"),
            ("TeamsChatLocation", "teams"),
            ("TeamsChannelLocation", "teams"),
        ],
    ) {
        b.set_value("workloads", span, Value::List(list), span);
    }
    let name = lookup(map, "Name")
        .and_then(|e| e.value.value.as_str())
        .unwrap_or(&r.name);
    for rule in rules.iter().filter(|rule| {
        lookup(&rule.props, "Policy").and_then(|e| e.value.value.as_str()) == Some(name)
    }) {
        let Some(entry) = lookup(&rule.props, "RetentionDuration") else {
            continue;
        };
        b.take_string(sink, "action", &rule.props, "RetentionComplianceAction");
        match &entry.value.value {
            Value::String(s) if s.eq_ignore_ascii_case("unlimited") => {
                b.set_value(
                    "unlimited",
                    entry.key_span,
                    Value::Bool(true),
                    entry.value.span,
                );
                b.set_value(
                    "duration_days",
                    entry.key_span,
                    Value::Null,
                    entry.value.span,
                );
            }
            _ => {
                if b.take_number(sink, "duration_days", &rule.props, "RetentionDuration") {
                    b.set_value(
                        "unlimited",
                        entry.key_span,
                        Value::Bool(false),
                        entry.value.span,
                    );
                }
            }
        }
    }
}

/// The resources of a `New-M365DSCReportFromConfiguration -Type JSON`
/// report: an array of `{ResourceName, ResourceInstanceName, …}`.
pub(crate) fn report_resources(sink: &mut Sink, root: &Node) -> Vec<Resource> {
    let mut out = Vec::new();
    let Some(items) = root.value.as_list() else {
        sink.error(
            root.span,
            "a Microsoft365DSC JSON report is an array of resources",
        );
        return out;
    };
    for item in items {
        let Some(map) = item.value.as_map() else {
            sink.error(
                item.span,
                "a Microsoft365DSC report entry is an object with ResourceName",
            );
            continue;
        };
        let Some(kind) = lookup(map, "ResourceName") else {
            sink.error(
                item.span,
                "a Microsoft365DSC report entry has no ResourceName",
            );
            continue;
        };
        let Some(kind_name) = kind.value.value.as_str() else {
            sink.error(kind.value.span, "ResourceName is not a string");
            continue;
        };
        let instance = lookup(map, "ResourceInstanceName");
        let mut props = Map::default();
        for entry in &map.entries {
            if entry.key != "ResourceName" && entry.key != "ResourceInstanceName" {
                props.entries.push(entry.clone());
            }
        }
        out.push(Resource {
            kind: kind_name.to_owned(),
            name: instance
                .and_then(|e| e.value.value.as_str())
                .unwrap_or("")
                .to_owned(),
            span: item.span,
            header_span: instance.map_or(kind.value.span, |e| kind.value.span.cover(e.value.span)),
            props,
        });
    }
    out
}
