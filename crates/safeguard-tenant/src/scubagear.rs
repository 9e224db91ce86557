//! CISA ScubaGear's `ProviderSettingsExport.json` (or the `Raw` member of
//! `ScubaResults_*.json`) into `m365.*` objects. ScubaGear does not collect
//! OWA mailbox policies, Purview retention or IRM/OME; those are unknown
//! with that reason, never failures.

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use crate::builder::{ObjectBuilder, Sink, not_collected};
use crate::collect::{Collection, Item, child, collection, text};
use crate::m365;
use crate::values::{self, lookup};

const SOURCE: &str = "ScubaGear";

/// The named gaps of ScubaGear 1.8.0's providers.
const OWA_GAP: &str = "ScubaGear does not export OWA mailbox policies (no Get-OwaMailboxPolicy call), so `AdditionalStorageProvidersAvailable` is unknown";
const RETENTION_GAP: &str =
    "ScubaGear does not export Purview retention policies (no Get-RetentionCompliancePolicy call)";
const IRM_GAP: &str =
    "ScubaGear does not export IRM/OME configuration (no Get-IRMConfiguration call)";

/// Top-level keys only ScubaGear's providers write; any one marks an export.
pub(crate) const MARKERS: [&str; 26] = [
    "\"conditional_access_policies\"",
    "\"authorization_policies\"",
    "\"authentication_method\"",
    "\"admin_consent_policies\"",
    "\"transport_config\"",
    "\"transport_rule\"",
    "\"org_config\"",
    "\"inbound_connectors\"",
    "\"outbound_connectors\"",
    "\"remote_domains\"",
    "\"spf_records\"",
    "\"admin_audit_log_config\"",
    "\"unified_audit_log_retention_policies\"",
    "\"protection_alerts\"",
    "\"dlp_compliance_policies\"",
    "\"dlp_compliance_rules\"",
    "\"SPO_tenant\"",
    "\"federation_configuration\"",
    "\"client_configuration\"",
    "\"app_policies\"",
    "\"tenant_app_settings\"",
    "\"meeting_policies\"",
    "\"tenant_details\"",
    "\"aad_successful_commands\"",
    "\"exo_successful_commands\"",
    "\"teams_successful_commands\"",
];

/// Whether a parsed export's top level is ScubaGear's.
pub(crate) fn is_export(top: &Map) -> bool {
    MARKERS
        .iter()
        .any(|m| lookup(top, m.trim_matches('"')).is_some())
}

pub(crate) fn read(sink: &mut Sink, top: &Map, top_span: Span) {
    let header = lookup(top, "module_version")
        .map_or(Span::new(top_span.start, top_span.start + 1), |e| {
            e.key_span
        });
    // The export itself.
    let mut tenant = ObjectBuilder::new(
        "m365.tenant",
        "m365.tenant",
        top_span,
        header,
        not_collected(&format!("{SOURCE} export has no `tenant_details`")),
    );
    tenant.set_value(
        "source",
        header,
        Value::String("scubagear".to_owned()),
        header,
    );
    tenant.take_string(sink, "tool_version", top, "module_version");
    let details = collection(sink, top, "tenant_details", SOURCE);
    if let Some(item) = details.first() {
        let _ = tenant.take_string(sink, "tenant", item.map, "DisplayName")
            || tenant.take_string(sink, "tenant", item.map, "DomainName");
    }
    sink.push(tenant);

    connectors(sink, top, header, true);
    connectors(sink, top, header, false);

    let transport = collection(sink, top, "transport_config", SOURCE);
    singleton(
        sink,
        "m365.transport",
        &transport,
        header,
        "transport_config",
        |b, sink, item| {
            m365::fill_transport(b, sink, item.map);
        },
    );

    items(
        sink,
        top,
        "transport_rule",
        "m365.transport_rule",
        header,
        |b, sink, item| {
            m365::fill_transport_rule(b, sink, item.map);
        },
    );

    audit(sink, top, header);
    items(
        sink,
        top,
        "protection_alerts",
        "m365.alert_policy",
        header,
        |b, sink, item| {
            m365::fill_alert(b, sink, item.map);
        },
    );
    conditional_access(sink, top, header);
    auth_methods(sink, top, header);
    sharing(sink, top, header);

    let federation = collection(sink, top, "federation_configuration", SOURCE);
    singleton(
        sink,
        "m365.teams_federation",
        &federation,
        header,
        "federation_configuration",
        |b, sink, item| {
            m365::fill_federation(b, sink, item.map);
        },
    );
    let client = collection(sink, top, "client_configuration", SOURCE);
    singleton(
        sink,
        "m365.teams_client",
        &client,
        header,
        "client_configuration",
        |b, sink, item| {
            m365::fill_teams_client(b, sink, item.map);
        },
    );

    sink.objects.push(ObjectBuilder::placeholder(
        "m365.owa_policy",
        "m365.owa_policy[not collected]",
        header,
        &not_collected(OWA_GAP),
    ));
    app_consent(sink, top, header);
    items(
        sink,
        top,
        "remote_domains",
        "m365.remote_domain",
        header,
        |b, sink, item| {
            m365::fill_remote_domain(b, sink, item.map);
        },
    );
    let org = collection(sink, top, "org_config", SOURCE);
    singleton(
        sink,
        "m365.session",
        &org,
        header,
        "org_config",
        |b, sink, item| {
            m365::fill_session(b, sink, item.map);
        },
    );
    let mut encryption = ObjectBuilder::new(
        "m365.encryption",
        "m365.encryption",
        header,
        header,
        not_collected(IRM_GAP),
    );
    encryption.unknown("rms_enabled", not_collected(IRM_GAP));
    sink.push(encryption);
    sink.objects.push(ObjectBuilder::placeholder(
        "m365.retention_policy",
        "m365.retention_policy[not collected]",
        header,
        &not_collected(RETENTION_GAP),
    ));
    dlp(sink, top, header);
    spf(sink, top, header);
}

/// A kind with one object per tenant, from the first item of the
/// collection at `key`; every attribute unknown when the export did not
/// collect it.
fn singleton(
    sink: &mut Sink,
    kind: &'static str,
    collection: &Collection<'_>,
    header: Span,
    key: &str,
    fill: impl FnOnce(&mut ObjectBuilder, &mut Sink, Item<'_>),
) {
    match collection.first() {
        Some(item) => {
            // A property missing from the item: this ScubaGear version's
            // cmdlet output did not carry it.
            let missing = not_collected(&format!("{SOURCE} `{key}` has no such property"));
            let mut b = ObjectBuilder::new(kind, kind, item.span, item.key_span, missing);
            fill(&mut b, sink, item);
            sink.push(b);
        }
        None => {
            let span = collection.span_or(header);
            let reason = if collection.collected() {
                not_collected(&format!("{SOURCE} returned no settings for `{key}`"))
            } else {
                not_collected(&format!("{SOURCE} export has no `{key}`"))
            };
            sink.push(ObjectBuilder::new(kind, kind, span, span, reason));
        }
    }
}

/// One object per item of a collection, addressed by the item's name; a
/// placeholder when the collection was not collected.
fn items(
    sink: &mut Sink,
    top: &Map,
    key: &str,
    kind: &'static str,
    header: Span,
    mut fill: impl FnMut(&mut ObjectBuilder, &mut Sink, Item<'_>),
) {
    let list = collection(sink, top, key, SOURCE);
    if !list.collected() {
        sink.objects.push(ObjectBuilder::placeholder(
            kind,
            format!("{kind}[not collected]"),
            list.span_or(header),
            &not_collected(&format!("{SOURCE} export has no `{key}`")),
        ));
        return;
    }
    // Formatted once: a large export has thousands of items.
    let missing = not_collected(&format!("{SOURCE} `{key}` item has no such property"));
    for (index, item) in list.items().iter().enumerate() {
        let (address, header) = item_address(kind, item, index);
        let mut b = ObjectBuilder::new(kind, address, item.span, header, missing.clone());
        fill(&mut b, sink, *item);
        sink.push(b);
    }
}

/// An item's address (`kind["name"]`, or its index when it has no name)
/// and the span naming it, from the first name-like property present.
fn item_address(prefix: &str, item: &Item<'_>, index: usize) -> (String, Span) {
    let named = ["DisplayName", "Name", "Identity", "DomainName", "domain"]
        .iter()
        .find_map(|k| lookup(item.map, k).filter(|e| e.value.value.as_str().is_some()));
    match named {
        Some(entry) => {
            let name = entry.value.value.as_str().unwrap_or_default();
            (format!("{prefix}[{name:?}]"), entry.value.span)
        }
        None => (
            format!("{prefix}[{index}]"),
            Span::new(item.span.start, item.span.start + 1),
        ),
    }
}

fn connectors(sink: &mut Sink, top: &Map, header: Span, inbound: bool) {
    let key = if inbound {
        "inbound_connectors"
    } else {
        "outbound_connectors"
    };
    let direction = if inbound { "inbound" } else { "outbound" };
    let list = collection(sink, top, key, SOURCE);
    if !list.collected() {
        sink.push(crate::m365::connector_placeholder(
            direction,
            list.span_or(header),
            &not_collected(&format!("{SOURCE} export has no `{key}`")),
        ));
        return;
    }
    let missing = not_collected(&format!("{SOURCE} `{key}` item has no such property"));
    let kind = if inbound {
        "m365.mail_connector.inbound"
    } else {
        "m365.mail_connector.outbound"
    };
    for (index, item) in list.items().iter().enumerate() {
        let (address, header) = item_address(kind, item, index);
        let mut b = ObjectBuilder::new(
            "m365.mail_connector",
            address,
            item.span,
            header,
            missing.clone(),
        );
        m365::fill_connector(&mut b, sink, item.map, inbound);
        sink.push(b);
    }
}

fn audit(sink: &mut Sink, top: &Map, header: Span) {
    let config = collection(sink, top, "admin_audit_log_config", SOURCE);
    let org = collection(sink, top, "org_config", SOURCE);
    let retention = collection(sink, top, "unified_audit_log_retention_policies", SOURCE);
    let span = config.first().map_or(header, |i| i.span);
    let mut b = ObjectBuilder::new(
        "m365.audit",
        "m365.audit",
        span,
        config.span_or(header),
        not_collected("ScubaGear export has no such setting"),
    );
    if let Some(item) = config.first() {
        b.take_bool(
            sink,
            "unified_log_enabled",
            item.map,
            "UnifiedAuditLogIngestionEnabled",
        );
        b.take(
            sink,
            "admin_audit_log_age_limit_days",
            item.map,
            "AdminAuditLogAgeLimit",
            "a TimeSpan such as 90.00:00:00",
            &|n| values::seconds(&n.value).map(|s| Value::Number(s / 86_400.0)),
        );
    } else {
        let why = not_collected("ScubaGear export has no `admin_audit_log_config`");
        b.unknown("unified_log_enabled", why.clone());
        b.unknown("admin_audit_log_age_limit_days", why);
    }
    match org.first() {
        Some(item) => {
            b.take_negated(sink, "mailbox_audit_enabled", item.map, "AuditDisabled");
        }
        None => b.unknown(
            "mailbox_audit_enabled",
            not_collected("ScubaGear export has no `org_config`"),
        ),
    }
    match &retention {
        Collection::Items {
            key_span,
            span,
            items,
        } => {
            let policies: Vec<(&Map, Span)> = items.iter().map(|i| (i.map, i.span)).collect();
            m365::fill_audit_retention(&mut b, sink, &policies);
            if !b.has("retention_days") {
                // Collected, and no enabled policy: the default retention
                // (180 days, or one year with Audit Premium) applies.
                b.set_value("retention", *key_span, Value::Null, *span);
                b.set_value("retention_days", *key_span, Value::Null, *span);
            }
        }
        _ => {
            let why = not_collected(
                "ScubaGear export has no `unified_audit_log_retention_policies` (ScubaGear before 1.8.0 does not collect it)",
            );
            b.unknown("retention", why.clone());
            b.unknown("retention_days", why);
        }
    }
    sink.push(b);
}

fn conditional_access(sink: &mut Sink, top: &Map, header: Span) {
    items(
        sink,
        top,
        "conditional_access_policies",
        "m365.conditional_access_policy",
        header,
        |b, sink, item| {
            let map = item.map;
            b.take_string(sink, "name", map, "DisplayName");
            b.take_string(sink, "state", map, "State");
            let conditions = child(map, "Conditions");
            let users = conditions.and_then(|c| child(c, "Users"));
            let apps = conditions.and_then(|c| child(c, "Applications"));
            if let Some(users) = users {
                b.take_strings(sink, "include_users", users, "IncludeUsers");
                b.take_strings(sink, "include_groups", users, "IncludeGroups");
                b.take_strings(sink, "include_roles", users, "IncludeRoles");
                if let Some((list, span)) =
                    m365::exclusions(users, &["ExcludeUsers", "ExcludeGroups", "ExcludeRoles"])
                {
                    b.set_value("exclusions_text", span, crate::m365::joined(&list), span);
                    b.set_value("exclusions", span, Value::List(list), span);
                }
            }
            if let Some(apps) = apps {
                b.take_strings(sink, "include_applications", apps, "IncludeApplications");
            }
            if let Some(conditions) = conditions {
                b.take_strings(sink, "client_app_types", conditions, "ClientAppTypes");
            }
            let grant = lookup(map, "GrantControls");
            let span = grant.map_or(item.span, |e| e.value.span);
            m365::fill_grant(
                b,
                sink,
                grant.and_then(|e| e.value.value.as_map()),
                span,
                "BuiltInControls",
                "Operator",
                "AuthenticationStrength",
            );
        },
    );
}

/// `authentication_method[].authentication_method_feature_settings[]{Id, State}`.
fn auth_methods(sink: &mut Sink, top: &Map, header: Span) {
    let list = collection(sink, top, "authentication_method", SOURCE);
    let span = list.span_or(header);
    let mut b = ObjectBuilder::new(
        "m365.auth_methods",
        "m365.auth_methods",
        span,
        span,
        if list.collected() {
            not_collected("ScubaGear `authentication_method` lists no such method")
        } else {
            not_collected("ScubaGear export has no `authentication_method`")
        },
    );
    for item in list.items() {
        let Some(settings) = lookup(item.map, "authentication_method_feature_settings") else {
            continue;
        };
        let Some(entries) = settings.value.value.as_list() else {
            continue;
        };
        for setting in entries {
            let Some(map) = setting.value.as_map() else {
                continue;
            };
            let attr = match text(map, "Id").map(str::to_ascii_lowercase).as_deref() {
                Some("sms") => "sms_enabled",
                Some("voice") => "voice_enabled",
                Some("email") => "email_enabled",
                _ => continue,
            };
            b.take_bool(sink, attr, map, "State");
        }
    }
    sink.push(b);
}

fn sharing(sink: &mut Sink, top: &Map, header: Span) {
    let spo = collection(sink, top, "SPO_tenant", SOURCE);
    let authz = collection(sink, top, "authorization_policies", SOURCE);
    let span = spo.first().map_or(header, |i| i.span);
    let mut b = ObjectBuilder::new(
        "m365.sharing",
        "m365.sharing",
        span,
        spo.span_or(header),
        not_collected("ScubaGear `SPO_tenant` has no such property"),
    );
    match spo.first() {
        Some(item) => {
            let level =
                &|n: &Node| values::sharing_level(&n.value).map(|s| Value::String(s.to_owned()));
            b.take(
                sink,
                "sharepoint_level",
                item.map,
                "SharingCapability",
                "a sharing level 0-3",
                level,
            );
            b.take(
                sink,
                "onedrive_level",
                item.map,
                "ODBSharingCapability",
                "a sharing level 0-3",
                level,
            );
            b.take(
                sink,
                "default_link_type",
                item.map,
                "DefaultSharingLinkType",
                "a link type 0-3",
                &|n| values::link_type(&n.value).map(|s| Value::String(s.to_owned())),
            );
            b.take_number(
                sink,
                "anonymous_link_expiry_days",
                item.map,
                "RequireAnonymousLinksExpireInDays",
            );
            b.take_bool(
                sink,
                "legacy_auth_protocols_enabled",
                item.map,
                "LegacyAuthProtocolsEnabled",
            );
        }
        None => {
            let why = not_collected("ScubaGear export has no `SPO_tenant`");
            for attr in [
                "sharepoint_level",
                "onedrive_level",
                "default_link_type",
                "anonymous_link_expiry_days",
                "legacy_auth_protocols_enabled",
            ] {
                b.unknown(attr, why.clone());
            }
        }
    }
    match authz.first() {
        Some(item) => {
            b.take_string(sink, "guest_invites_from", item.map, "AllowInvitesFrom");
        }
        None => b.unknown(
            "guest_invites_from",
            not_collected("ScubaGear export has no `authorization_policies`"),
        ),
    }
    sink.push(b);
}

fn app_consent(sink: &mut Sink, top: &Map, header: Span) {
    let authz = collection(sink, top, "authorization_policies", SOURCE);
    let span = authz.span_or(header);
    let mut b = ObjectBuilder::new(
        "m365.app_consent",
        "m365.app_consent",
        span,
        span,
        not_collected("ScubaGear export has no `authorization_policies`"),
    );
    if let Some(item) = authz.first() {
        consent_policies(
            &mut b,
            sink,
            item.map,
            "PermissionGrantPolicyIdsAssignedToDefaultUserRole",
        );
        if let Some(defaults) = child(item.map, "DefaultUserRolePermissions") {
            b.take_bool(
                sink,
                "users_can_create_apps",
                defaults,
                "AllowedToCreateApps",
            );
        }
    }
    let admin = collection(sink, top, "admin_consent_policies", SOURCE);
    match admin.first() {
        Some(item) => {
            b.take_bool(
                sink,
                "admin_consent_workflow_enabled",
                item.map,
                "IsEnabled",
            );
        }
        None => b.unknown(
            "admin_consent_workflow_enabled",
            not_collected("ScubaGear export has no `admin_consent_policies`"),
        ),
    }
    sink.push(b);
}

/// The permission grant policies that let users consent for themselves
/// (`ManagePermissionGrantsForSelf.*`); any at all means user consent is on.
pub(crate) fn consent_policies(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map, key: &str) {
    let Some(entry) = lookup(map, key) else {
        return;
    };
    if let Value::Unknown(_) = entry.value.value {
        b.set("user_consent_policies", entry.key_span, entry.value.clone());
        b.set("user_consent_allowed", entry.key_span, entry.value.clone());
        return;
    }
    let Some(list) = values::strings(&entry.value) else {
        sink.error(
            entry.value.span,
            format!("`{key}` is not a list of policy ids"),
        );
        return;
    };
    let own: Vec<Node> = list
        .into_iter()
        .filter(|n| {
            n.value
                .as_str()
                .is_some_and(|s| s.starts_with("ManagePermissionGrantsForSelf."))
        })
        .collect();
    b.set_value(
        "user_consent_allowed",
        entry.key_span,
        Value::Bool(!own.is_empty()),
        entry.value.span,
    );
    b.set_value(
        "user_consent_policies",
        entry.key_span,
        Value::List(own),
        entry.value.span,
    );
}

fn dlp(sink: &mut Sink, top: &Map, header: Span) {
    let rules = collection(sink, top, "dlp_compliance_rules", SOURCE);
    let rule_items: Vec<Item<'_>> = rules.items().to_vec();
    items(
        sink,
        top,
        "dlp_compliance_policies",
        "m365.dlp_policy",
        header,
        |b, sink, item| {
            fill_dlp(
                b,
                sink,
                item.map,
                &rule_items.iter().map(|i| i.map).collect::<Vec<_>>(),
                "ParentPolicyName",
            );
        },
    );
}

pub(crate) fn fill_dlp(
    b: &mut ObjectBuilder,
    sink: &mut Sink,
    map: &Map,
    rules: &[&Map],
    parent_key: &str,
) {
    b.take_string(sink, "name", map, "Name");
    b.take_string(sink, "mode", map, "Mode");
    b.take_bool(sink, "enabled", map, "Enabled");
    if !b.has("enabled") {
        // A DLP policy enforces only in `Enable` mode; test modes do not block.
        b.take(sink, "enabled", map, "Mode", "a mode", &|n| {
            n.value
                .as_str()
                .map(|s| Value::Bool(s.eq_ignore_ascii_case("enable")))
        });
    }
    if let Some((list, span)) = m365::workloads(
        map,
        &[
            ("ExchangeLocation", "exchange"),
            ("SharePointLocation", "sharepoint"),
            ("OneDriveLocation", "onedrive"),
            ("TeamsLocation", "teams"),
        ],
    ) {
        b.set_value("workloads", span, Value::List(list), span);
    }
    let name = text(map, "Name");
    let mut types = Vec::new();
    for rule in rules {
        if name.is_some() && text(rule, parent_key).or_else(|| text(rule, "Policy")) == name {
            types.extend(m365::sensitive_types(rule));
        }
    }
    let span = b.header();
    b.set_value("sensitive_types", span, Value::List(types), span);
}

fn spf(sink: &mut Sink, top: &Map, header: Span) {
    items(
        sink,
        top,
        "spf_records",
        "m365.spf_record",
        header,
        |b, sink, item| {
            b.take_string(sink, "domain", item.map, "domain");
            let Some(entry) = lookup(item.map, "rdata") else {
                return;
            };
            let mut includes = Vec::new();
            let mut all = None;
            for record in values::strings(&entry.value).unwrap_or_default() {
                let Value::String(s) = &record.value else {
                    continue;
                };
                if !s.to_ascii_lowercase().starts_with("v=spf1") {
                    continue;
                }
                let raw = sink.file.slice(record.span).to_owned();
                let (found, qualifier) = values::spf_terms(s, record.span, &raw);
                includes.extend(found);
                if let Some(q) = qualifier {
                    all = Some(Node::new(Value::String(q), record.span));
                }
            }
            b.set_value(
                "includes",
                entry.key_span,
                Value::List(includes),
                entry.value.span,
            );
            match all {
                Some(node) => b.set("all", entry.key_span, node),
                None => b.set_value("all", entry.key_span, Value::Null, entry.value.span),
            }
        },
    );
}
