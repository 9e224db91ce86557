//! Microsoft 365 settings shared by the ScubaGear and Microsoft365DSC
//! readers: both carry the Exchange, Teams and Entra cmdlets' property names
//! (`RequireTls`, `AllowDropBox`, `SmtpClientAuthenticationDisabled`), so one
//! filler per kind maps them, and each reader handles only where its
//! encoding differs.

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use crate::builder::{ObjectBuilder, Sink};
use crate::values::{self, lookup};

/// A mail connector: inbound connectors require TLS with `RequireTls`;
/// outbound ones with `TlsSettings` (null is opportunistic TLS).
pub(crate) fn fill_connector(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map, inbound: bool) {
    let _ =
        b.take_string(sink, "name", map, "Identity") || b.take_string(sink, "name", map, "Name");
    b.set_value(
        "direction",
        b.header(),
        Value::String(if inbound { "inbound" } else { "outbound" }.to_owned()),
        b.header(),
    );
    b.take_bool(sink, "enabled", map, "Enabled");
    b.take(
        sink,
        "connector_type",
        map,
        "ConnectorType",
        "a connector type",
        &|n| {
            n.value
                .as_str()
                .map(|s| Value::String(s.to_ascii_lowercase()))
        },
    );
    b.take(
        sink,
        "partner",
        map,
        "ConnectorType",
        "a connector type",
        &|n| {
            n.value
                .as_str()
                .map(|s| Value::Bool(s.eq_ignore_ascii_case("partner")))
        },
    );
    if inbound {
        b.take_bool(sink, "require_tls", map, "RequireTls");
        b.set_value("tls_mode", b.header(), Value::Null, b.header());
        b.take_string(sink, "tls_domain", map, "TlsSenderCertificateName");
        b.set_value(
            "smart_hosts",
            b.header(),
            Value::List(Vec::new()),
            b.header(),
        );
        b.take_hosts(sink, "domains", map, "SenderDomains");
    } else {
        let tls = &|n: &Node| tls_mode(&n.value).map(|m| Value::String(m.to_owned()));
        let null_is_opportunistic = &|n: &Node| match &n.value {
            Value::Null => Some(Value::String("opportunistic".to_owned())),
            _ => tls(n),
        };
        if let Some(entry) = lookup(map, "TlsSettings")
            && (entry.value.value == Value::Null
                || entry.value.value == Value::String(String::new()))
        {
            b.set_value(
                "tls_mode",
                entry.key_span,
                Value::String("opportunistic".to_owned()),
                entry.value.span,
            );
            b.set_value(
                "require_tls",
                entry.key_span,
                Value::Bool(false),
                entry.value.span,
            );
        }
        b.take(
            sink,
            "tls_mode",
            map,
            "TlsSettings",
            "EncryptionOnly, CertificateValidation or DomainValidation",
            null_is_opportunistic,
        );
        b.take(
            sink,
            "require_tls",
            map,
            "TlsSettings",
            "EncryptionOnly, CertificateValidation or DomainValidation",
            &|n| tls(n).map(|_| Value::Bool(true)),
        );
        b.take_string(sink, "tls_domain", map, "TlsDomain");
        b.take_hosts(sink, "smart_hosts", map, "SmartHosts");
        b.take_hosts(sink, "domains", map, "RecipientDomains");
    }
}

fn tls_mode(value: &Value) -> Option<&'static str> {
    match value.as_str()?.to_ascii_lowercase().as_str() {
        "encryptiononly" => Some("encryption_only"),
        "certificatevalidation" => Some("certificate_validation"),
        "domainvalidation" => Some("domain_validation"),
        _ => None,
    }
}

pub(crate) fn fill_transport(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    b.take_bool(
        sink,
        "smtp_client_auth_disabled",
        map,
        "SmtpClientAuthenticationDisabled",
    );
    b.take_bool(
        sink,
        "allow_legacy_tls_clients",
        map,
        "AllowLegacyTLSClients",
    );
    b.take_hosts(
        sink,
        "tls_send_domain_secure_list",
        map,
        "TLSSendDomainSecureList",
    );
}

pub(crate) fn fill_transport_rule(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    let _ =
        b.take_string(sink, "name", map, "Name") || b.take_string(sink, "name", map, "Identity");
    let _ =
        b.take_bool(sink, "enabled", map, "State") || b.take_bool(sink, "enabled", map, "Enabled");
    b.take_bool(
        sink,
        "route_outbound_require_tls",
        map,
        "RouteMessageOutboundRequireTls",
    );
    let _ = b.take_bool(sink, "applies_encryption", map, "ApplyOME")
        || b.take(
            sink,
            "applies_encryption",
            map,
            "ApplyRightsProtectionTemplate",
            "a template name",
            &|n| match &n.value {
                Value::String(s) => Some(Value::Bool(!s.is_empty())),
                _ => None,
            },
        );
    if !b.has("route_outbound_require_tls") && lookup(map, "Name").is_some() {
        // A rule that does not set it does not require TLS.
        let span = b.header();
        b.set_value("route_outbound_require_tls", span, Value::Bool(false), span);
    }
}

pub(crate) fn fill_federation(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    b.take_bool(sink, "allow_federated_users", map, "AllowFederatedUsers");
    b.take(
        sink,
        "allowed_domains",
        map,
        "AllowedDomains",
        "a list of domains",
        &|n| allowed_domains(n).map(Value::List),
    );
    b.take_bool(sink, "allow_teams_consumer", map, "AllowTeamsConsumer");
    b.take_bool(
        sink,
        "allow_teams_consumer_inbound",
        map,
        "AllowTeamsConsumerInbound",
    );
}

/// Teams' `AllowedDomains`: a list of names, `Domain=x` entries, or
/// ScubaGear's `{"AllowedDomain": "Domain=x"}` (one or a list). An empty
/// value, or `AllowAllKnownDomains`, is no allow-list.
fn allowed_domains(node: &Node) -> Option<Vec<Node>> {
    let clean = |n: &Node| -> Option<Node> {
        let s = n.value.as_str()?;
        if s.eq_ignore_ascii_case("AllowAllKnownDomains") {
            return None;
        }
        let name = s.strip_prefix("Domain=").unwrap_or(s);
        Some(Node::new(Value::String(values::clean_host(name)), n.span))
    };
    match &node.value {
        Value::Map(map) => match map.entries.first() {
            None => Some(Vec::new()),
            Some(entry) if entry.key.eq_ignore_ascii_case("AllowedDomain") => Some(
                values::strings(&entry.value)?
                    .iter()
                    .filter_map(clean)
                    .collect(),
            ),
            Some(_) => Some(Vec::new()),
        },
        _ => Some(values::strings(node)?.iter().filter_map(clean).collect()),
    }
}

pub(crate) fn fill_teams_client(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    b.take_bool(sink, "allow_dropbox", map, "AllowDropBox");
    b.take_bool(sink, "allow_box", map, "AllowBox");
    b.take_bool(sink, "allow_google_drive", map, "AllowGoogleDrive");
    b.take_bool(sink, "allow_sharefile", map, "AllowShareFile");
    b.take_bool(sink, "allow_egnyte", map, "AllowEgnyte");
    b.take_bool(
        sink,
        "allow_email_into_channel",
        map,
        "AllowEmailIntoChannel",
    );
}

pub(crate) fn fill_remote_domain(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    let _ =
        b.take_string(sink, "name", map, "Identity") || b.take_string(sink, "name", map, "Name");
    b.take_string(sink, "domain", map, "DomainName");
    b.take_bool(sink, "auto_forward_enabled", map, "AutoForwardEnabled");
}

pub(crate) fn fill_session(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    b.take_bool(
        sink,
        "idle_timeout_enabled",
        map,
        "ActivityBasedAuthenticationTimeoutEnabled",
    );
    b.take(
        sink,
        "idle_timeout_seconds",
        map,
        "ActivityBasedAuthenticationTimeoutInterval",
        "a TimeSpan such as 06:00:00",
        &|n| values::seconds(&n.value).map(Value::Number),
    );
}

pub(crate) fn fill_owa(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    let _ =
        b.take_string(sink, "name", map, "Identity") || b.take_string(sink, "name", map, "Name");
    b.take_bool(
        sink,
        "additional_storage_providers_available",
        map,
        "AdditionalStorageProvidersAvailable",
    );
}

pub(crate) fn fill_alert(b: &mut ObjectBuilder, sink: &mut Sink, map: &Map) {
    let _ =
        b.take_string(sink, "name", map, "Name") || b.take_string(sink, "name", map, "Identity");
    b.take_negated(sink, "enabled", map, "Disabled");
    b.take(sink, "severity", map, "Severity", "a severity", &|n| {
        n.value
            .as_str()
            .map(|s| Value::String(s.to_ascii_lowercase()))
    });
    if !b.has("enabled") {
        // Alert policies are enabled unless `Disabled` says otherwise.
        let span = b.header();
        b.set_value("enabled", span, Value::Bool(true), span);
    }
}

/// The unified audit log retention: the longest enabled policy.
pub(crate) fn fill_audit_retention(
    b: &mut ObjectBuilder,
    sink: &mut Sink,
    policies: &[(&Map, Span)],
) {
    let mut best: Option<(f64, &safeguard_model::Entry)> = None;
    for (map, _) in policies {
        let enabled = lookup(map, "Enabled").and_then(|e| values::boolean(&e.value.value));
        if enabled == Some(false) {
            continue;
        }
        if lookup(map, "Ensure")
            .and_then(|e| e.value.value.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("Absent"))
        {
            continue;
        }
        let Some(entry) = lookup(map, "RetentionDuration") else {
            continue;
        };
        match &entry.value.value {
            Value::String(s) => match values::retention_days(s) {
                Some(days) if best.is_none_or(|(d, _)| days > d) => best = Some((days, entry)),
                Some(_) => {}
                None => sink.error(
                    entry.value.span,
                    format!("`RetentionDuration` is {s:?}; expected a value such as SevenYears"),
                ),
            },
            Value::Unknown(_) => {
                b.set("retention", entry.key_span, entry.value.clone());
                b.set("retention_days", entry.key_span, entry.value.clone());
            }
            _ => {}
        }
    }
    if let Some((days, entry)) = best {
        b.set("retention", entry.key_span, entry.value.clone());
        b.set_value(
            "retention_days",
            entry.key_span,
            Value::Number(days),
            entry.value.span,
        );
    }
}

/// DLP policy workloads from its `*Location` properties: a location list
/// that is not empty puts the workload in scope.
pub(crate) fn workloads(map: &Map, keys: &[(&str, &'static str)]) -> Option<(Vec<Node>, Span)> {
    let mut found = false;
    let mut out = Vec::new();
    let mut span = None;
    for (key, workload) in keys {
        let Some(entry) = lookup(map, key) else {
            continue;
        };
        found = true;
        span = Some(span.map_or(entry.key_span, |s: Span| s.cover(entry.key_span)));
        let in_scope = match &entry.value.value {
            Value::List(items) => items.iter().any(|i| i.value != Value::Null),
            Value::String(s) => !s.is_empty(),
            Value::Unknown(_) => true,
            _ => false,
        };
        if in_scope {
            out.push(Node::new(
                Value::String((*workload).to_owned()),
                entry.value.span,
            ));
        }
    }
    found.then(|| (out, span.unwrap_or_default()))
}

/// The sensitive information types a DLP rule looks for, from ScubaGear's
/// `AdvancedRule` (JSON inside a string) or a rule's
/// `ContentContainsSensitiveInformation`, located at that property.
pub(crate) fn sensitive_types(map: &Map) -> Vec<Node> {
    let mut out = Vec::new();
    if let Some(entry) = lookup(map, "AdvancedRule")
        && let Value::String(text) = &entry.value.value
    {
        collect_type_names(text, entry.value.span, &mut out);
    }
    if let Some(entry) = lookup(map, "ContentContainsSensitiveInformation") {
        walk_names(&entry.value, &mut out);
    }
    out
}

/// Finds `"Name": "…"` members inside the JSON text of `AdvancedRule`'s
/// `Sensitivetypes` arrays. The text is parsed as JSON, not executed.
fn collect_type_names(text: &str, span: Span, out: &mut Vec<Node>) {
    let file = safeguard_source::SourceFile::new("AdvancedRule", text);
    let Ok(root) = safeguard_json::parse_json(&file) else {
        return;
    };
    fn walk(node: &Node, inside: bool, span: Span, out: &mut Vec<Node>) {
        match &node.value {
            Value::Map(map) => {
                for entry in &map.entries {
                    let key = entry.key.to_ascii_lowercase();
                    if inside
                        && key == "name"
                        && let Value::String(s) = &entry.value.value
                    {
                        out.push(Node::new(Value::String(s.clone()), span));
                    }
                    walk(&entry.value, inside || key == "sensitivetypes", span, out);
                }
            }
            Value::List(items) => items.iter().for_each(|i| walk(i, inside, span, out)),
            _ => {}
        }
    }
    walk(&root, false, span, out);
}

/// `name` members of DSC's nested `MSFT_SCDLPSensitiveInformation` instances.
fn walk_names(node: &Node, out: &mut Vec<Node>) {
    match &node.value {
        Value::Map(map) => {
            for entry in &map.entries {
                if entry.key.eq_ignore_ascii_case("name")
                    && let Value::String(_) = &entry.value.value
                {
                    out.push(entry.value.clone());
                }
                walk_names(&entry.value, out);
            }
        }
        Value::List(items) => items.iter().for_each(|i| walk_names(i, out)),
        _ => {}
    }
}

/// Phishing-resistant methods (ScubaGear's `IsPhishingResistantMFA`).
const PHISHING_RESISTANT: [&str; 3] = [
    "windowsHelloForBusiness",
    "fido2",
    "x509CertificateMultiFactor",
];

/// The grant of a Conditional Access policy, from its built-in controls and
/// authentication strength (ScubaGear: the strength's allowed combinations;
/// Microsoft365DSC: the strength's display name).
pub(crate) fn fill_grant(
    b: &mut ObjectBuilder,
    sink: &mut Sink,
    controls: Option<&Map>,
    controls_span: Span,
    built_in: &str,
    operator: &str,
    strength: &str,
) {
    let Some(map) = controls else {
        // No grant controls: the policy grants nothing and blocks nothing.
        for attr in ["mfa", "phishing_resistant", "block"] {
            b.set_value(attr, controls_span, Value::Bool(false), controls_span);
        }
        b.set_value(
            "built_in_controls",
            controls_span,
            Value::List(Vec::new()),
            controls_span,
        );
        b.set_value("grant_operator", controls_span, Value::Null, controls_span);
        b.set_value(
            "authentication_strength",
            controls_span,
            Value::Null,
            controls_span,
        );
        return;
    };
    b.take_strings(sink, "built_in_controls", map, built_in);
    b.take_string(sink, "grant_operator", map, operator);
    let controls: Vec<String> = lookup(map, built_in)
        .and_then(|e| values::strings(&e.value))
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.value.as_str().map(str::to_ascii_lowercase))
        .collect();
    let span = lookup(map, built_in).map_or(controls_span, |e| e.value.span);
    let strength_entry = lookup(map, strength).filter(|e| e.value.value != Value::Null);
    let (has_strength, phishing) = match strength_entry.map(|e| &e.value.value) {
        None => (false, false),
        Some(Value::String(name)) => (
            !name.is_empty(),
            name.to_ascii_lowercase().contains("phishing"),
        ),
        Some(Value::Map(strength)) => {
            let combos: Vec<String> = lookup(strength, "AllowedCombinations")
                .and_then(|e| values::strings(&e.value))
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.value.as_str().map(str::to_owned))
                .collect();
            let phishing = !combos.is_empty()
                && combos
                    .iter()
                    .all(|c| PHISHING_RESISTANT.contains(&c.as_str()));
            b.set(
                "authentication_strength",
                strength_entry.map_or(span, |e| e.key_span),
                Node::new(
                    Value::List(
                        combos
                            .into_iter()
                            .map(|c| Node::new(Value::String(c), span))
                            .collect(),
                    ),
                    strength_entry.map_or(span, |e| e.value.span),
                ),
            );
            (true, phishing)
        }
        Some(Value::Unknown(_)) => {
            let e = strength_entry.expect("matched");
            for attr in ["mfa", "phishing_resistant"] {
                b.set(attr, e.key_span, e.value.clone());
            }
            (false, false)
        }
        Some(_) => (false, false),
    };
    if let Some(e) = strength_entry
        && let Value::String(_) = &e.value.value
    {
        b.set("authentication_strength", e.key_span, e.value.clone());
    }
    let strength_span = strength_entry.map_or(span, |e| e.value.span);
    let mfa_span = if has_strength { strength_span } else { span };
    b.set_value(
        "mfa",
        mfa_span,
        Value::Bool(has_strength || controls.iter().any(|c| c == "mfa")),
        mfa_span,
    );
    b.set_value(
        "phishing_resistant",
        strength_span,
        Value::Bool(phishing),
        strength_span,
    );
    b.set_value(
        "block",
        span,
        Value::Bool(controls.iter().any(|c| c == "block")),
        span,
    );
    if !has_strength {
        b.set_value("authentication_strength", span, Value::Null, span);
    }
}

/// Every excluded user, group and role, in one list the finding can show.
pub(crate) fn exclusions(map: &Map, keys: &[&str]) -> Option<(Vec<Node>, Span)> {
    let mut out = Vec::new();
    let mut span: Option<Span> = None;
    for key in keys {
        let Some(entry) = lookup(map, key) else {
            continue;
        };
        span = Some(span.map_or(entry.value.span, |s| s.cover(entry.value.span)));
        if let Some(items) = values::strings(&entry.value) {
            out.extend(
                items
                    .into_iter()
                    .filter(|n| !matches!(&n.value, Value::String(s) if s.is_empty())),
            );
        }
    }
    span.map(|s| (out, s))
}

/// The stand-in for connectors of one direction that were not collected:
/// the direction is known, so policies about the other direction skip it.
pub(crate) fn connector_placeholder(direction: &str, span: Span, reason: &str) -> ObjectBuilder {
    let mut b = ObjectBuilder::new(
        "m365.mail_connector",
        format!("m365.mail_connector.{direction}[not collected]"),
        span,
        span,
        reason,
    );
    b.set_value("direction", span, Value::String(direction.to_owned()), span);
    b.existence_unknown(reason);
    b
}

/// A list's items as one comma-separated text, so a finding's reason can
/// show them all (`exclusions_text`); an unknown item makes it unknown.
pub(crate) fn joined(list: &[Node]) -> Value {
    let mut parts = Vec::new();
    for item in list {
        match &item.value {
            Value::String(s) => parts.push(s.clone()),
            Value::Unknown(u) => return Value::Unknown(u.clone()),
            other => parts.push(other.to_string()),
        }
    }
    Value::String(parts.join(", "))
}
