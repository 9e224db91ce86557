//! The SMTP client's next hops: every destination Postfix is configured to
//! hand mail to, with the TLS policy in force on that leg.
//!
//! Where hops come from (trivial-rewrite's resolution, `resolve.c`): each of
//! the two address classes that leave the host, `default_transport` (remote
//! domains) and `relay_transport` (`relay_domains`), sends to the nexthop
//! written in its own setting (`smtp:[relay.example]:587`) or, without one,
//! to `relayhost` (a list from Postfix 3.5) and to every value of
//! `sender_dependent_relayhost_maps`, through that class's transport.
//! `transport_maps` entries (`transport:nexthop`) add their own hops; an
//! entry with an empty transport uses its class's transport, which is known
//! only when both classes use the same one. Only transports that run
//! `smtp` (per master.cf; without master.cf, Postfix's stock `smtp` and
//! `relay`) make hops; `lmtp`, `local`, `error`, … do not leave over SMTP.
//!
//! The leg's TLS level is the `smtp_tls_policy_maps` entry for the
//! destination, looked up verbatim (`[smtp.example.com]:587`, brackets and
//! port included; a bare domain also by its parent domains, `.example.com`),
//! else the transport's effective `smtp_tls_security_level` (main.cf plus
//! its `-o` overrides, legacy switches applied). A policy entry's
//! `protocols=` replaces the protocol list the level would use.

mod destination;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use safeguard_model::{Document, Format, Map, Node, Object, Value};
use safeguard_source::{SourceFile, Span};

use crate::protocols::minimum_version;
use crate::scope::{Origin, Scope};
use crate::services::{AttrBuilder, Files, unknown};
use crate::syntax::{COMMA_BLANKS, slice, split_grouped, strip_group};
use crate::tables::{self, Entry, Found, Opened, TableLoader};
use destination::{Destination, destinations};

/// Levels at which the client refuses to send without TLS.
const ENFORCED: [&str; 5] = ["encrypt", "fingerprint", "verify", "secure", "dane-only"];
const LEVELS: [&str; 8] = [
    "none",
    "may",
    "encrypt",
    "fingerprint",
    "dane",
    "dane-only",
    "verify",
    "secure",
];

/// A place in the document: a file index and a span in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Loc {
    file: usize,
    span: Span,
}

/// What the next-hop builder needs from the document builder.
pub(crate) struct Context<'a> {
    /// main.cf's name space (no service).
    pub(crate) scope: Scope<'a>,
    pub(crate) files: Files,
    pub(crate) loader: Option<&'a dyn TableLoader>,
}

/// A hop before its transport is examined.
struct Candidate {
    transport: Result<String, String>,
    /// `Err`: the destination itself is unknown (an unreadable table); the
    /// string labels the hop.
    destination: Result<Destination, (String, String)>,
    source: &'static str,
    key: Option<String>,
    at: Loc,
}

/// Adds a `postfix.next_hop` object per hop, and the table files they were
/// read from, to the document.
pub(crate) fn add_next_hops(ctx: &Context<'_>, document: &mut Document) {
    let mut hops = Hops {
        ctx,
        document,
        file_indexes: HashMap::new(),
        tables: HashMap::new(),
        seen: HashSet::new(),
    };
    let candidates = hops.candidates();
    for candidate in candidates {
        hops.add(candidate);
    }
}

struct Hops<'c, 'a> {
    ctx: &'c Context<'a>,
    document: &'c mut Document,
    file_indexes: HashMap<PathBuf, usize>,
    /// Opened table lists by (parameter value, secret).
    tables: HashMap<(String, bool), Vec<Opened>>,
    seen: HashSet<String>,
}

fn main_index(files: Files) -> usize {
    files.main as usize
}

impl<'a> Hops<'_, 'a> {
    /// A main.cf parameter's expanded value and where it is written.
    fn param(&self, name: &str) -> (Result<String, String>, Loc) {
        let start = Loc {
            file: main_index(self.ctx.files),
            span: Span::empty_at(0),
        };
        let Some(setting) = self.ctx.scope.setting(name) else {
            return (Ok(String::new()), start);
        };
        let at = match setting.origin {
            Origin::Main(p) => Loc {
                file: start.file,
                span: p.value_span,
            },
            _ => start,
        };
        (expanded(name, setting.expansion), at)
    }

    fn open(&mut self, value: &str, secret: bool) -> Vec<Opened> {
        let loader = self.ctx.loader;
        self.tables
            .entry((value.to_owned(), secret))
            .or_insert_with(|| tables::open_all(value, loader, secret))
            .clone()
    }

    fn file_index(&mut self, file: &SourceFile) -> usize {
        if let Some(&index) = self.file_indexes.get(file.path()) {
            return index;
        }
        let index = self.document.add_file(file.clone());
        self.file_indexes.insert(file.path().to_path_buf(), index);
        index
    }

    /// Where a table entry is written: its line in a table file, else the
    /// parameter that holds the inline table.
    fn entry_loc(&mut self, table: &tables::Table, entry: Option<&Entry>, param: Loc) -> Loc {
        match (entry.and_then(|e| e.line), &table.file) {
            (Some(span), Some(file)) => Loc {
                file: self.file_index(file),
                span,
            },
            _ => param,
        }
    }

    /// The `(key, value, location)` of every entry of a parameter's tables;
    /// an unreadable table gives `Err((label, reason))`.
    #[allow(clippy::type_complexity)]
    fn table_entries(
        &mut self,
        name: &str,
    ) -> Vec<Result<(Option<String>, String, Loc), (String, String)>> {
        let (value, at) = self.param(name);
        let value = match value {
            Ok(value) => value,
            Err(reason) => return vec![Err((name.to_owned(), reason))],
        };
        let mut out = Vec::new();
        for opened in self.open(&value, false) {
            match opened {
                Opened::Unknown { reference, reason } => {
                    out.push(Err((format!("{name} {reference}"), reason)));
                }
                Opened::Known(table) => {
                    if let Some(every) = &table.every_key {
                        out.push(Ok((None, every.clone(), at)));
                    }
                    for entry in &table.entries {
                        let loc = self.entry_loc(&table, Some(entry), at);
                        out.push(Ok((Some(entry.key.clone()), entry.value.clone(), loc)));
                    }
                }
            }
        }
        out
    }

    fn candidates(&mut self) -> Vec<Candidate> {
        let mut out = Vec::new();
        let unknown_hop = |label: String, reason: String, source, at| Candidate {
            transport: Err(reason.clone()),
            destination: Err((label, reason)),
            source,
            key: None,
            at,
        };
        let (relayhost, relay_at) = self.param("relayhost");
        let sender_entries = self.table_entries("sender_dependent_relayhost_maps");
        let mut class_transports = Vec::new();
        for class in ["default_transport", "relay_transport"] {
            let (value, at) = self.param(class);
            let text = match value {
                Ok(text) => text,
                Err(reason) => {
                    class_transports.push(Err(reason.clone()));
                    out.push(unknown_hop(class.to_owned(), reason, class, at));
                    continue;
                }
            };
            let (transport, nexthop) = split_transport(&text);
            class_transports.push(Ok(transport.to_owned()));
            let push = |out: &mut Vec<Candidate>, list: &str, source, key: Option<String>, at| {
                for destination in destinations(list) {
                    out.push(Candidate {
                        transport: Ok(transport.to_owned()),
                        destination: Ok(destination),
                        source,
                        key: key.clone(),
                        at,
                    });
                }
            };
            if !nexthop.is_empty() {
                push(&mut out, nexthop, class, None, at);
                continue;
            }
            match &relayhost {
                Ok(list) => push(&mut out, list, "relayhost", None, relay_at),
                Err(reason) => out.push(unknown_hop(
                    "relayhost".to_owned(),
                    reason.clone(),
                    "relayhost",
                    relay_at,
                )),
            }
            for entry in &sender_entries {
                match entry {
                    Ok((key, value, at)) => {
                        push(
                            &mut out,
                            value,
                            "sender_dependent_relayhost_maps",
                            key.clone(),
                            *at,
                        );
                    }
                    Err((label, reason)) => out.push(unknown_hop(
                        label.clone(),
                        reason.clone(),
                        "sender_dependent_relayhost_maps",
                        Loc {
                            file: main_index(self.ctx.files),
                            span: Span::empty_at(0),
                        },
                    )),
                }
            }
        }
        let class_transport = match (class_transports.first(), class_transports.get(1)) {
            (Some(Ok(a)), Some(Ok(b))) if a == b => Ok(a.clone()),
            (Some(Err(reason)), _) | (_, Some(Err(reason))) => Err(reason.clone()),
            _ => Err(
                "an empty transport means default_transport's or relay_transport's, \
                      depending on whether the domain is a relay domain"
                    .to_owned(),
            ),
        };
        let transport_at = self.param("transport_maps").1;
        for entry in self.table_entries("transport_maps") {
            match entry {
                Ok((key, value, at)) => {
                    let (transport, nexthop) = split_transport(&value);
                    let transport = if transport.is_empty() {
                        class_transport.clone()
                    } else {
                        Ok(transport.to_owned())
                    };
                    for destination in destinations(nexthop) {
                        out.push(Candidate {
                            transport: transport.clone(),
                            destination: Ok(destination),
                            source: "transport_maps",
                            key: key.clone(),
                            at,
                        });
                    }
                }
                Err((label, reason)) => {
                    out.push(unknown_hop(label, reason, "transport_maps", transport_at));
                }
            }
        }
        out
    }

    /// The scope of an SMTP transport: `Ok(None)` when the transport does
    /// not run smtp(8) (no SMTP leg), `Err` when nothing says what it runs.
    fn transport_scope(&self, name: &str) -> Result<Option<(Scope<'a>, Loc, bool)>, String> {
        let main = Loc {
            file: main_index(self.ctx.files),
            span: Span::empty_at(0),
        };
        let Some(master) = self.ctx.scope.master else {
            return match name {
                "smtp" | "relay" => Ok(Some((self.ctx.scope, main, false))),
                "error" | "retry" | "discard" | "local" | "virtual" | "lmtp" => Ok(None),
                _ => Err(format!(
                    "transport {name:?}: without master.cf nothing says what it runs"
                )),
            };
        };
        match master.service(name, "unix") {
            Some(entry) if entry.process_name() == "smtp" => {
                let scope = Scope {
                    service: Some(entry),
                    ..self.ctx.scope
                };
                let at = Loc {
                    file: self.ctx.files.master.map_or(main.file, |i| i as usize),
                    span: Span::empty_at(entry.header_span().start),
                };
                Ok(Some((scope, at, true)))
            }
            Some(_) => Ok(None),
            None => Err(format!(
                "transport {name:?} is not defined in master.cf (Postfix defers this mail)"
            )),
        }
    }

    fn add(&mut self, candidate: Candidate) {
        let destination = match candidate.destination {
            Ok(destination) => destination,
            Err((label, reason)) => {
                return self.add_unknown(&label, &reason, candidate.source, candidate.at);
            }
        };
        let transport = match &candidate.transport {
            Ok(name) => name.clone(),
            Err(reason) => {
                let label = format!("?:{}", destination.verbatim);
                return self.add_unknown(&label, reason, candidate.source, candidate.at);
            }
        };
        let leg = match self.transport_scope(&transport) {
            Ok(Some(leg)) => Ok(leg),
            Ok(None) => return,
            Err(reason) => Err(reason),
        };
        let address = format!("postfix.next_hop[{transport}:{}]", destination.verbatim);
        if !self.seen.insert(address.clone()) {
            return;
        }
        let own = candidate.at;
        let mut attrs = Attrs {
            map: Map::default(),
            own,
        };
        attrs.put("nexthop", Value::String(destination.verbatim.clone()), own);
        attrs.put("host", Value::String(destination.host.clone()), own);
        let port = match &destination.port {
            None => Value::Number(25.0),
            Some(p) => p.parse::<u16>().map_or_else(
                |_| {
                    unknown(&format!(
                        "service name {p:?} is resolved through /etc/services on the host"
                    ))
                },
                |n| Value::Number(f64::from(n)),
            ),
        };
        attrs.put("port", port, own);
        attrs.put("mx_lookup", Value::Bool(destination.mx_lookup), own);
        attrs.put("transport", Value::String(transport.clone()), own);
        attrs.put("source", Value::String(candidate.source.to_owned()), own);
        if let Some(key) = &candidate.key {
            attrs.put("source_key", Value::String(key.clone()), own);
        }
        match leg {
            Ok((scope, fallback, in_master)) => {
                self.tls(&mut attrs, &destination, scope, fallback, in_master)
            }
            Err(reason) => {
                for key in [
                    "tls_security_level",
                    "tls_enforced",
                    "tls_min_version",
                    "sasl_credentials",
                ] {
                    attrs.put(key, unknown(&reason), own);
                }
            }
        }
        self.document.objects.push(Object {
            format: Format::Postfix,
            kind: "postfix.next_hop".to_owned(),
            address,
            file: own.file,
            span: own.span,
            header_span: own.span,
            attrs: attrs.map,
            existence_unknown: None,
        });
    }

    /// A hop whose destination or transport cannot be known.
    fn add_unknown(&mut self, label: &str, reason: &str, source: &str, own: Loc) {
        let address = format!("postfix.next_hop[{label}]");
        if !self.seen.insert(address.clone()) {
            return;
        }
        let mut attrs = Attrs {
            map: Map::default(),
            own,
        };
        for key in ["nexthop", "host", "port", "transport"] {
            attrs.put(key, unknown(reason), own);
        }
        attrs.put("source", Value::String(source.to_owned()), own);
        for key in [
            "tls_security_level",
            "tls_enforced",
            "tls_min_version",
            "sasl_credentials",
        ] {
            attrs.put(key, unknown(reason), own);
        }
        self.document.objects.push(Object {
            format: Format::Postfix,
            kind: "postfix.next_hop".to_owned(),
            address,
            file: own.file,
            span: own.span,
            header_span: own.span,
            attrs: attrs.map,
            existence_unknown: None,
        });
    }

    /// The TLS attributes of a leg through a transport.
    fn tls(
        &mut self,
        attrs: &mut Attrs,
        destination: &Destination,
        scope: Scope<'a>,
        fallback: Loc,
        in_master: bool,
    ) {
        let mut builder = AttrBuilder::new(fallback.span, in_master, self.ctx.files);
        builder.smtp_client(&scope, false);
        let service = builder.attrs;
        let node = |name: &str| -> (Value, Loc) {
            service.get(name).map_or_else(
                || (unknown(&format!("{name} was not computed")), fallback),
                |entry| {
                    let file = entry.value.origin.map_or(fallback.file, |i| i as usize);
                    (
                        entry.value.value.clone(),
                        Loc {
                            file,
                            span: entry.value.span,
                        },
                    )
                },
            )
        };
        let own = attrs.own;
        // A default has no text of its own: point at the hop.
        let or_own = |loc: Loc| if loc.span.is_empty() { own } else { loc };

        let (policy_maps, policy_at) = node("smtp_tls_policy_maps");
        let policy = match &policy_maps {
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => {
                let opened = self.open(text, false);
                let mut result = Ok(None);
                for key in destination.policy_keys() {
                    match tables::lookup(&opened, &key) {
                        Found::Nothing => {}
                        Found::Unknown(reason) => {
                            result = Err(reason.to_owned());
                            break;
                        }
                        Found::Value {
                            table,
                            entry,
                            value,
                        } => {
                            let table = table.clone();
                            let entry = entry.cloned();
                            let loc = self.entry_loc(&table, entry.as_ref(), policy_at);
                            result = Ok(Some((value.to_owned(), loc)));
                            break;
                        }
                    }
                }
                result
            }
            Value::Unknown(u) => Err(u.reason.clone()),
            other => Err(format!("smtp_tls_policy_maps is {}", other.type_name())),
        };

        let (level, level_at, protocols) = match policy {
            Ok(Some((text, loc))) => {
                let parsed = PolicyEntry::parse(&text);
                attrs.put("tls_policy", Value::String(text.clone()), loc);
                for (name, value) in &parsed.attributes {
                    if ["protocols", "ciphers", "exclude", "match"].contains(&name.as_str()) {
                        attrs.put(
                            &format!("tls_policy_{name}"),
                            Value::String(value.clone()),
                            loc,
                        );
                    }
                }
                let level = if LEVELS.contains(&parsed.level.as_str()) {
                    Ok(parsed.level.clone())
                } else {
                    Err(format!(
                        "smtp_tls_policy_maps gives {:?}, not a TLS security level (Postfix defers the mail)",
                        parsed.level
                    ))
                };
                let protocols = parsed
                    .attributes
                    .iter()
                    .find(|(n, _)| n == "protocols")
                    .map(|(_, v)| {
                        (
                            Value::String(v.clone()),
                            loc,
                            "protocols= in smtp_tls_policy_maps",
                        )
                    });
                (level, loc, protocols)
            }
            Ok(None) => {
                attrs.put("tls_policy", Value::Null, own);
                let (value, loc) = node("tls_level");
                let level = match value {
                    Value::String(s) => Ok(s),
                    Value::Unknown(u) => Err(u.reason),
                    other => Err(format!("tls_level is {}", other.type_name())),
                };
                (level, or_own(loc), None)
            }
            Err(reason) => {
                attrs.put("tls_policy", unknown(&reason), or_own(policy_at));
                (Err(reason), or_own(policy_at), None)
            }
        };
        let level_value = match &level {
            Ok(l) => Value::String(l.clone()),
            Err(reason) => unknown(reason),
        };
        attrs.put("tls_security_level", level_value, level_at);
        let enforced = match &level {
            Ok(l) => Value::Bool(ENFORCED.contains(&l.as_str())),
            Err(reason) => unknown(reason),
        };
        attrs.put("tls_enforced", enforced, level_at);

        let (min, min_at, parameter) = match level.as_deref() {
            Err(reason) => (unknown(reason), level_at, None),
            Ok("none") => (Value::Null, level_at, None),
            Ok(l) => {
                let (list, at, name) = protocols.unwrap_or_else(|| {
                    let opportunistic = node("smtp_tls_protocols");
                    let mandatory = node("smtp_tls_mandatory_protocols");
                    match l {
                        "may" => (opportunistic.0, opportunistic.1, "smtp_tls_protocols"),
                        // `dane` falls back to `may` without DNSSEC: the weaker list counts.
                        "dane"
                            if rank(&minimum(&opportunistic.0, "smtp_tls_protocols"))
                                <= rank(&minimum(&mandatory.0, "smtp_tls_mandatory_protocols")) =>
                        {
                            (opportunistic.0, opportunistic.1, "smtp_tls_protocols")
                        }
                        _ => (mandatory.0, mandatory.1, "smtp_tls_mandatory_protocols"),
                    }
                });
                (minimum(&list, name), or_own(at), Some(name))
            }
        };
        attrs.put("tls_min_version", min, min_at);
        attrs.put(
            "tls_protocols_parameter",
            parameter.map_or(Value::Null, |p| Value::String(p.to_owned())),
            min_at,
        );

        let (passwords, passwords_at) = node("smtp_sasl_password_maps");
        let credentials = match &passwords {
            Value::String(text) if text.trim().is_empty() => Value::Bool(false),
            Value::String(text) => {
                let opened = self.open(text, true);
                let mut result = Value::Bool(false);
                for key in [destination.verbatim.as_str(), destination.host.as_str()] {
                    match tables::lookup(&opened, key) {
                        Found::Nothing => {}
                        Found::Unknown(reason) => {
                            result = unknown(reason);
                            break;
                        }
                        Found::Value { .. } => {
                            result = Value::Bool(true);
                            break;
                        }
                    }
                }
                result
            }
            Value::Unknown(u) => unknown(&u.reason),
            other => unknown(&format!("smtp_sasl_password_maps is {}", other.type_name())),
        };
        attrs.put("sasl_credentials", credentials, or_own(passwords_at));
    }
}

/// The attribute map of one hop, with spans placed relative to its file.
struct Attrs {
    map: Map,
    own: Loc,
}

impl Attrs {
    /// Adds an attribute; the leg's level and minimum version also go
    /// under the names the `postfix.smtp_client` objects use (`tls_level`,
    /// `min_tls_version`), so one policy can judge clients and hops alike.
    fn put(&mut self, key: &str, value: Value, at: Loc) {
        let alias = match key {
            "tls_security_level" => Some("tls_level"),
            "tls_min_version" => Some("min_tls_version"),
            _ => None,
        };
        if let Some(alias) = alias {
            self.insert(alias, value.clone(), at);
        }
        self.insert(key, value, at);
    }

    fn insert(&mut self, key: &str, value: Value, at: Loc) {
        let (key_span, origin) = if at.file == self.own.file {
            (at.span, None)
        } else {
            (self.own.span, u32::try_from(at.file).ok())
        };
        self.map.insert(
            key,
            key_span,
            Node {
                value,
                span: at.span,
                origin,
            },
        );
    }
}

/// `transport:nexthop`; a value without `:` is a transport alone.
fn split_transport(value: &str) -> (&str, &str) {
    let value = value.trim();
    value.split_once(':').unwrap_or((value, ""))
}

fn expanded(name: &str, expansion: crate::expand::Expansion) -> Result<String, String> {
    if let Some(error) = expansion.error {
        Err(format!("{name}: {error}"))
    } else if !expansion.unknown.is_empty() {
        let names: Vec<String> = expansion.unknown.iter().map(|n| format!("${n}")).collect();
        Err(format!(
            "{name} depends on the built-in default of {} (known only to the running Postfix)",
            names.join(", ")
        ))
    } else {
        Ok(expansion.text)
    }
}

/// A `smtp_tls_policy_maps` value: a level, then `name=value` attributes
/// separated by blanks or commas (a `{ name = value }` group may hold
/// blanks).
struct PolicyEntry {
    level: String,
    attributes: Vec<(String, String)>,
}

impl PolicyEntry {
    fn parse(text: &str) -> Self {
        let mut tokens = split_grouped(text, 0..text.len(), COMMA_BLANKS).into_iter();
        let level = tokens
            .next()
            .map(|r| slice(text, r).to_ascii_lowercase())
            .unwrap_or_default();
        let attributes = tokens
            .filter_map(|range| {
                let range = if text.as_bytes().get(range.start) == Some(&b'{') {
                    strip_group(text, range).0
                } else {
                    range
                };
                let (name, value) = slice(text, range).split_once('=')?;
                Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            })
            .collect();
        PolicyEntry { level, attributes }
    }
}

/// The lowest enabled version of a protocol list, as a value.
fn minimum(list: &Value, name: &str) -> Value {
    match list {
        Value::String(text) => match minimum_version(text) {
            Ok(Some(version)) => Value::String(version.as_str().to_owned()),
            Ok(None) => unknown(&format!("{name} enables no TLS protocol version")),
            Err(error) => unknown(&format!("{name}: {error}: Postfix disables TLS")),
        },
        Value::Unknown(u) => unknown(&u.reason),
        other => unknown(&format!("{name} is {}", other.type_name())),
    }
}

/// Orders minimum versions, unknown lowest (the weaker side wins ties).
fn rank(value: &Value) -> Option<crate::protocols::TlsVersion> {
    value
        .as_str()
        .and_then(crate::protocols::TlsVersion::from_name)
}
