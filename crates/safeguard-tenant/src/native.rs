//! The native format (`docs/tenant-format.md`): YAML or JSON that names the
//! normalized objects directly, for settings no exporter collects or a
//! desired state written by hand.
//!
//! ```yaml
//! safeguard-tenant: m365          # or google-workspace
//! objects:
//!   m365.transport:
//!     smtp_client_auth_disabled: true
//!   m365.mail_connector:
//!     - {name: Partner, direction: outbound, enabled: true, partner: true, tls_mode: domain_validation}
//! ```
//!
//! A kind the file does not describe, and an attribute it does not set, are
//! not collected (unknown), exactly as in an exporter's file.

use safeguard_model::{Format, Map, Value};
use safeguard_source::Span;

use crate::builder::{ObjectBuilder, Sink, not_collected};
use crate::kinds::{KINDS, SINGLETONS, attrs_of, format_of};
use crate::values::lookup;

/// The key that marks a native file.
pub(crate) const MARKER: &str = "safeguard-tenant";

/// Reads a native document; returns its format.
pub(crate) fn read(sink: &mut Sink, top: &Map, top_span: Span) -> Format {
    let marker = lookup(top, MARKER).expect("checked by the caller");
    let format = match marker.value.value.as_str() {
        Some("m365") => Format::M365,
        Some("google-workspace") => Format::GoogleWorkspace,
        _ => {
            sink.error(
                marker.value.span,
                format!(
                    "`{MARKER}` is {}; expected m365 or google-workspace",
                    marker.value.value
                ),
            );
            return Format::M365;
        }
    };
    let prefix = if format == Format::M365 {
        "m365."
    } else {
        "gws."
    };
    for entry in &top.entries {
        if entry.key != MARKER && entry.key != "objects" {
            sink.error(
                entry.key_span,
                format!(
                    "unknown key `{}`; a native tenant file has `{MARKER}` and `objects`",
                    entry.key
                ),
            );
        }
    }
    let empty = Map::default();
    let objects = match lookup(top, "objects") {
        Some(entry) => match entry.value.value.as_map() {
            Some(map) => map,
            None => {
                sink.error(entry.value.span, "`objects` is not a map of kinds");
                &empty
            }
        },
        None => &empty,
    };
    for entry in &objects.entries {
        if attrs_of(&entry.key).is_empty() || format_of(&entry.key) != format {
            let kinds: Vec<&str> = KINDS
                .iter()
                .map(|(k, _)| *k)
                .filter(|k| k.starts_with(prefix))
                .collect();
            sink.error(
                entry.key_span,
                format!(
                    "unknown kind `{}`; expected one of {}",
                    entry.key,
                    kinds.join(", ")
                ),
            );
        }
    }
    let header = marker.key_span;
    for (kind, _) in KINDS.iter().filter(|(k, _)| k.starts_with(prefix)) {
        let kind: &'static str = kind;
        let given = lookup(objects, kind);
        let singleton = SINGLETONS.contains(&kind);
        match given.map(|e| (&e.value, e.key_span)) {
            None if kind == "m365.tenant" => {
                let mut b = ObjectBuilder::new(
                    kind,
                    kind,
                    top_span,
                    header,
                    not_collected("the native file does not set it"),
                );
                b.set_value("source", header, Value::String("native".to_owned()), header);
                sink.push(b);
            }
            None if singleton => sink.push(ObjectBuilder::new(
                kind,
                kind,
                header,
                header,
                not_collected(&format!("the native file does not describe {kind}")),
            )),
            None if kind == "m365.mail_connector" => {
                let reason = not_collected(&format!("the native file does not describe {kind}"));
                sink.push(crate::m365::connector_placeholder(
                    "inbound", header, &reason,
                ));
                sink.push(crate::m365::connector_placeholder(
                    "outbound", header, &reason,
                ));
            }
            None => sink.objects.push(ObjectBuilder::placeholder(
                kind,
                format!("{kind}[not collected]"),
                header,
                &not_collected(&format!("the native file does not describe {kind}")),
            )),
            Some((node, key_span)) => match &node.value {
                Value::Map(map) => object(sink, kind, kind.to_owned(), map, node.span, key_span),
                Value::List(items) if !singleton => {
                    for (index, item) in items.iter().enumerate() {
                        let Some(map) = item.value.as_map() else {
                            sink.error(
                                item.span,
                                format!("an item of `{kind}` is not a map of attributes"),
                            );
                            continue;
                        };
                        let name = ["name", "org_unit", "domain"]
                            .iter()
                            .find_map(|k| lookup(map, k).and_then(|e| e.value.value.as_str()));
                        let address = match (kind, name) {
                            ("gws.service", _) => format!(
                                "{kind}[{:?}].{}",
                                lookup(map, "org_unit")
                                    .and_then(|e| e.value.value.as_str())
                                    .unwrap_or(""),
                                lookup(map, "service")
                                    .and_then(|e| e.value.value.as_str())
                                    .unwrap_or("")
                            ),
                            (_, Some(name)) => format!("{kind}[{name:?}]"),
                            (_, None) => format!("{kind}[{index}]"),
                        };
                        let header = map.entries.first().map_or(item.span, |e| e.key_span);
                        object(sink, kind, address, map, item.span, header);
                    }
                }
                _ => sink.error(
                    node.span,
                    format!(
                        "`{kind}` is {}; expected {}",
                        node.value.type_name(),
                        if singleton {
                            "a map of attributes"
                        } else {
                            "a list of maps (or one map)"
                        }
                    ),
                ),
            },
        }
    }
    format
}

fn object(
    sink: &mut Sink,
    kind: &'static str,
    address: String,
    map: &Map,
    span: Span,
    header: Span,
) {
    let attrs = attrs_of(kind);
    let mut b = ObjectBuilder::new(
        kind,
        address,
        span,
        header,
        not_collected("the native file does not set it"),
    );
    for entry in &map.entries {
        match attrs.iter().find(|a| **a == entry.key) {
            Some(attr) => b.set(attr, entry.key_span, entry.value.clone()),
            None => sink.error(
                entry.key_span,
                format!(
                    "unknown attribute `{}` of {kind}; expected one of {}",
                    entry.key,
                    attrs.join(", ")
                ),
            ),
        }
    }
    sink.push(b);
}

/// Whether a top-level map is a native file.
pub(crate) fn is_native(top: &Map) -> bool {
    lookup(top, MARKER).is_some()
}
