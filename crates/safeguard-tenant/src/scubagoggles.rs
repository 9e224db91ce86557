//! Google Workspace settings into `gws.*` objects, one set per org unit:
//! from ScubaGoggles' `ScubaResults_*.json` (`Raw.policies`, keyed by org
//! unit), or from the Cloud Identity Policy API's own list of policies
//! (`policies[]{policyQuery, setting}`) that ScubaGoggles reduces. A child
//! unit lists only its overrides; everything else it inherits from the top
//! unit, and its findings name the child.

use std::collections::BTreeMap;

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use crate::builder::{ObjectBuilder, Sink, not_collected};
use crate::values::{self, lookup};

/// An `enforcedFrom` of the epoch means two-step verification is not enforced.
const NOT_ENFORCED: &str = "1970-01-01T00:00:00Z";

/// One org unit's settings: `setting name` → its value object.
struct OrgUnit<'a> {
    name: String,
    name_span: Span,
    span: Span,
    settings: Vec<(String, Span, &'a Node)>,
}

impl<'a> OrgUnit<'a> {
    fn get(&self, setting: &str) -> Option<(Span, &'a Node)> {
        self.settings
            .iter()
            .rev()
            .find(|(name, _, _)| name == setting)
            .map(|(_, span, node)| (*span, *node))
    }
}

/// Whether a parsed document is ScubaGoggles' `Raw` (or holds it).
pub(crate) fn raw_of(top: &Map) -> Option<&Map> {
    if lookup(top, "tenant_info").is_some()
        && lookup(top, "policies").is_some_and(|e| e.value.value.as_map().is_some())
    {
        return Some(top);
    }
    None
}

/// Whether a parsed document is a Policy API list (`policies[]{setting}`).
pub(crate) fn is_policy_api(top: &Map) -> bool {
    lookup(top, "policies")
        .and_then(|e| e.value.value.as_list())
        .is_some_and(|list| {
            list.iter().any(|p| {
                p.value
                    .as_map()
                    .is_some_and(|m| lookup(m, "setting").is_some())
            })
        })
}

pub(crate) fn read_raw(sink: &mut Sink, raw: &Map) {
    let top_name = lookup(raw, "tenant_info")
        .and_then(|e| e.value.value.as_map())
        .and_then(|info| lookup(info, "topLevelOU"))
        .and_then(|e| e.value.value.as_str())
        .map(str::to_owned);
    let Some(policies) = lookup(raw, "policies") else {
        return;
    };
    let Some(map) = policies.value.value.as_map() else {
        sink.error(
            policies.value.span,
            "ScubaGoggles `policies` is not an object keyed by org unit; not read",
        );
        return;
    };
    let mut units = Vec::new();
    for entry in &map.entries {
        let Some(settings) = entry.value.value.as_map() else {
            sink.error(
                entry.value.span,
                format!(
                    "org unit `{}` is not an object of settings; not read",
                    entry.key
                ),
            );
            continue;
        };
        units.push(OrgUnit {
            name: entry.key.clone(),
            name_span: entry.key_span,
            span: entry.value.span,
            settings: settings
                .entries
                .iter()
                .map(|s| (s.key.clone(), s.key_span, &s.value))
                .collect(),
        });
    }
    judge_units(sink, &units, top_name.as_deref(), "ScubaGoggles");
}

/// The Policy API's raw list: settings `settings/gmail.imap_access` become
/// `gmail_imap_access`, and per org unit and setting the policy with the
/// highest `sortOrder` wins, as ScubaGoggles reduces them.
pub(crate) fn read_policy_api(sink: &mut Sink, top: &Map) {
    let names: BTreeMap<String, (String, bool)> = lookup(top, "orgunits")
        .and_then(|e| e.value.value.as_map())
        .map(|units| {
            units
                .entries
                .iter()
                .filter_map(|e| {
                    let unit = e.value.value.as_map()?;
                    let name = lookup(unit, "name")?.value.value.as_str()?.to_owned();
                    let root =
                        lookup(unit, "path").and_then(|p| p.value.value.as_str()) == Some("/");
                    Some((e.key.clone(), (name, root)))
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(list) = lookup(top, "policies").and_then(|e| e.value.value.as_list()) else {
        return;
    };
    // (unit, setting) → (sort order, unit span, setting span, value)
    let mut chosen: BTreeMap<(String, String), (f64, Span, Span, &Node)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for policy in list {
        let Some(map) = policy.value.as_map() else {
            sink.error(
                policy.span,
                "a Policy API policy is not an object; not read",
            );
            continue;
        };
        let query = lookup(map, "policyQuery").and_then(|e| e.value.value.as_map());
        let unit_entry = query.and_then(|q| lookup(q, "orgUnit"));
        let setting = lookup(map, "setting").and_then(|e| e.value.value.as_map());
        let (Some(unit_entry), Some(setting)) = (unit_entry, setting) else {
            sink.error(
                policy.span,
                "a Policy API policy without `policyQuery.orgUnit` or `setting`; not read",
            );
            continue;
        };
        let (Some(unit), Some(kind), Some(value)) = (
            unit_entry.value.value.as_str(),
            lookup(setting, "type").and_then(|e| e.value.value.as_str()),
            lookup(setting, "value"),
        ) else {
            sink.error(
                policy.span,
                "a Policy API policy without a setting type or value; not read",
            );
            continue;
        };
        let id = unit.trim_start_matches("orgUnits/");
        let unit_name = names
            .get(id)
            .map_or_else(|| id.to_owned(), |(n, _)| n.clone());
        let name = kind.trim_start_matches("settings/").replace('.', "_");
        let sort = query
            .and_then(|q| lookup(q, "sortOrder"))
            .and_then(|e| match e.value.value {
                Value::Number(n) => Some(n),
                _ => None,
            })
            .unwrap_or(0.0);
        if !order.contains(&unit_name) {
            order.push(unit_name.clone());
        }
        let key = (unit_name, name);
        if chosen.get(&key).is_none_or(|(s, ..)| sort >= *s) {
            chosen.insert(
                key,
                (
                    sort,
                    unit_entry.value.span,
                    setting.entries.first().map_or(policy.span, |e| e.key_span),
                    &value.value,
                ),
            );
        }
    }
    let mut units: Vec<OrgUnit<'_>> = order
        .iter()
        .map(|name| OrgUnit {
            name: name.clone(),
            name_span: Span::default(),
            span: Span::default(),
            settings: Vec::new(),
        })
        .collect();
    for ((unit, setting), (_, unit_span, key_span, value)) in chosen {
        if let Some(u) = units.iter_mut().find(|u| u.name == unit) {
            if u.settings.is_empty() {
                u.name_span = unit_span;
                u.span = unit_span;
            }
            u.settings.push((setting, key_span, value));
        }
    }
    let top_name = names
        .values()
        .find(|(_, root)| *root)
        .map(|(n, _)| n.clone());
    judge_units(sink, &units, top_name.as_deref(), "the Policy API export");
}

/// Builds every kind for every org unit, inheriting from the top unit.
fn judge_units(sink: &mut Sink, units: &[OrgUnit<'_>], top_name: Option<&str>, source: &str) {
    let top = top_name.and_then(|name| units.iter().find(|u| u.name == name));
    for unit in units {
        let is_top = top.is_some_and(|t| t.name == unit.name);
        let lookup_setting = |setting: &str| -> Option<(Span, &Node)> {
            unit.get(setting).or_else(|| {
                if is_top {
                    None
                } else {
                    top.and_then(|t| t.get(setting))
                }
            })
        };
        let missing = |setting: &str| {
            not_collected(&format!(
                "{source} has no `{setting}` for org unit `{}`{}",
                unit.name,
                match (is_top, top_name) {
                    (true, _) => String::new(),
                    (false, Some(t)) => format!(" or the top unit `{t}`"),
                    (false, None) => " and names no top unit to inherit from".to_owned(),
                }
            ))
        };
        let new = |kind: &'static str| {
            let mut b = ObjectBuilder::new(
                kind,
                format!("{kind}[{:?}]", unit.name),
                unit.span,
                unit.name_span,
                not_collected(source),
            );
            b.set_value(
                "org_unit",
                unit.name_span,
                Value::String(unit.name.clone()),
                unit.name_span,
            );
            b
        };
        let field = |b: &mut ObjectBuilder,
                     sink: &mut Sink,
                     attr: &'static str,
                     setting: &str,
                     member: &str,
                     convert: &dyn Fn(&Node) -> Option<Value>| {
            match lookup_setting(setting) {
                Some((_, node)) => match node.value.as_map() {
                    Some(map) => {
                        if !b.take(sink, attr, map, member, "a setting value", convert) {
                            b.unknown(
                                attr,
                                not_collected(&format!("{source}'s `{setting}` has no `{member}`")),
                            );
                        }
                    }
                    None => {
                        sink.error(
                            node.span,
                            format!("`{setting}` is not an object of setting values; not read"),
                        );
                        b.unknown(
                            attr,
                            format!("cannot be read: `{setting}` is not an object"),
                        );
                    }
                },
                None => b.unknown(attr, missing(setting)),
            }
        };
        let boolean = &|n: &Node| values::boolean(&n.value).map(Value::Bool);
        let string = &|n: &Node| n.value.as_str().map(|s| Value::String(s.to_owned()));

        let mut b = new("gws.two_step");
        field(
            &mut b,
            sink,
            "enrollment_allowed",
            "security_two_step_verification_enrollment",
            "allowEnrollment",
            boolean,
        );
        field(
            &mut b,
            sink,
            "enforced",
            "security_two_step_verification_enforcement",
            "enforcedFrom",
            &|n| n.value.as_str().map(|s| Value::Bool(enforced(s))),
        );
        field(
            &mut b,
            sink,
            "enforced_from",
            "security_two_step_verification_enforcement",
            "enforcedFrom",
            string,
        );
        field(
            &mut b,
            sink,
            "allowed_factors",
            "security_two_step_verification_enforcement_factor",
            "allowedSignInFactorSet",
            string,
        );
        field(
            &mut b,
            sink,
            "device_trust_allowed",
            "security_two_step_verification_device_trust",
            "allowTrustingDevice",
            boolean,
        );
        sink.push(b);

        let mut b = new("gws.security");
        field(
            &mut b,
            sink,
            "less_secure_apps_allowed",
            "security_less_secure_apps",
            "allowLessSecureApps",
            boolean,
        );
        field(
            &mut b,
            sink,
            "session_duration_seconds",
            "security_session_controls",
            "webSessionDuration",
            &|n| values::seconds(&n.value).map(Value::Number),
        );
        sink.push(b);

        let mut b = new("gws.gmail");
        field(
            &mut b,
            sink,
            "external_smtp_allowed",
            "gmail_per_user_outbound_gateway",
            "allowUsersToUseExternalSmtpServers",
            boolean,
        );
        field(
            &mut b,
            sink,
            "auto_forwarding_enabled",
            "gmail_auto_forwarding",
            "enableAutoForwarding",
            boolean,
        );
        field(
            &mut b,
            sink,
            "imap_enabled",
            "gmail_imap_access",
            "enableImapAccess",
            boolean,
        );
        field(
            &mut b,
            sink,
            "pop_enabled",
            "gmail_pop_access",
            "enablePopAccess",
            boolean,
        );
        sink.push(b);

        let mut b = new("gws.sharing");
        field(
            &mut b,
            sink,
            "external_sharing_mode",
            "drive_and_docs_external_sharing",
            "externalSharingMode",
            string,
        );
        field(
            &mut b,
            sink,
            "default_file_access",
            "drive_and_docs_general_access_default",
            "defaultFileAccess",
            string,
        );
        sink.push(b);

        let mut b = new("gws.apps");
        field(
            &mut b,
            sink,
            "marketplace_access",
            "workspace_marketplace_apps_access_options",
            "accessLevel",
            string,
        );
        field(
            &mut b,
            sink,
            "unconfigured_third_party_apps_access",
            "api_controls_unconfigured_third_party_apps",
            "accessLevel",
            string,
        );
        sink.push(b);

        // Services: the unit's own statuses, then those it inherits.
        let mut services: Vec<(&str, Span, &Node)> = Vec::new();
        let sources = std::iter::once(unit).chain(top.filter(|_| !is_top));
        for source_unit in sources {
            for (name, span, node) in &source_unit.settings {
                if let Some(service) = name.strip_suffix("_service_status")
                    && !services.iter().any(|(s, ..)| *s == service)
                {
                    services.push((service, *span, node));
                }
            }
        }
        if services.is_empty() {
            let reason = not_collected(&format!(
                "{source} has no `*_service_status` for org unit `{}`",
                unit.name
            ));
            let mut b = ObjectBuilder::new(
                "gws.service",
                format!("gws.service[{:?}][not collected]", unit.name),
                unit.span,
                unit.name_span,
                reason.clone(),
            );
            b.set_value(
                "org_unit",
                unit.name_span,
                Value::String(unit.name.clone()),
                unit.name_span,
            );
            b.existence_unknown(&reason);
            sink.push(b);
        }
        for (service, key_span, node) in services {
            let mut b = ObjectBuilder::new(
                "gws.service",
                format!("gws.service[{:?}].{service}", unit.name),
                node.span,
                key_span,
                not_collected(&format!(
                    "{source}'s `{service}_service_status` has no serviceState"
                )),
            );
            b.set_value(
                "org_unit",
                unit.name_span,
                Value::String(unit.name.clone()),
                unit.name_span,
            );
            b.set_value(
                "service",
                key_span,
                Value::String(service.to_owned()),
                key_span,
            );
            match node.value.as_map() {
                Some(map) => {
                    b.take_string(sink, "state", map, "serviceState");
                }
                None => sink.error(
                    node.span,
                    format!("`{service}_service_status` is not an object; not read"),
                ),
            }
            sink.push(b);
        }
    }
}

/// `enforcedFrom`: the epoch means never; any other instant means enforced
/// from then. A date still in the future is not enforced yet.
fn enforced(from: &str) -> bool {
    if from == NOT_ENFORCED || from.starts_with("1970-01-01T00:00:00") {
        return false;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let now_date =
        crate::values::dotnet_date(&format!("/Date({})/", now * 1000)).unwrap_or_default();
    // ISO 8601 instants in UTC compare as text.
    from[..from.len().min(19)] <= now_date[..19.min(now_date.len())]
}
