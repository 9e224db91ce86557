//! One Dovecot configuration tree as a safeguard [`Document`]: the global
//! settings as written, and one object per protocol with the settings in
//! effect for it and the connection filters that weaken them.

use safeguard_model::{Document, Format, InputError, Map, Node, Object, Unknown, Value};
use safeguard_source::{SourceFile, Span};

use crate::dovecot::error::{DovecotError, DovecotErrorKind, Loc};
use crate::dovecot::eval::read_dovecot;
use crate::dovecot::include::IncludeLoader;
use crate::dovecot::model::{DovecotConfig, Section, Setting, ValueForm};
use crate::dovecot::protocol::{
    Effective, Found, KNOWN_PROTOCOLS, ProtocolScope, cert_path, cert_setting,
    cleartext_allowed_by, cleartext_setting, is_plaintext_mechanism, login_service,
    min_protocol_rank, ssl_rank,
};
use crate::dovecot::schema::parse_bool;

/// `<file` settings whose path is what matters (certificates, keys, CA and
/// DH parameters); any other `<file` value is unknown.
const PATH_SETTINGS: [&str; 8] = [
    "ssl_cert",
    "ssl_key",
    "ssl_alt_cert",
    "ssl_alt_key",
    "ssl_ca",
    "ssl_dh",
    "ssl_client_cert",
    "ssl_client_key",
];

/// Builds the document for one Dovecot configuration: `main` and, through
/// `loader`, the files it includes (see [`crate::IncludeLoader`]).
///
/// Objects (format `dovecot`): `dovecot.config` (address
/// `dovecot.config`) with every global setting in effect, and
/// `dovecot.protocol` (address `dovecot.protocol[NAME]`) for each protocol
/// `protocols` lists or a `protocol NAME { }` filter names. Reading errors
/// become [`InputError`]s. A value written in another file than its
/// object's has [`Node::origin`] set to that file's index in
/// [`Document::files`] (the same indices as [`DovecotConfig::files`]).
#[must_use]
pub fn dovecot_document(
    address: &str,
    main: SourceFile,
    loader: Option<&dyn IncludeLoader>,
) -> Document {
    let config = read_dovecot(main, loader);
    let mut document = Document::new(Format::Dovecot, address);
    for file in &config.files {
        document.add_file(file.clone());
    }
    for error in &config.errors {
        push_error(&mut document, &config, error);
    }
    document.objects.push(config_object(&config));
    let listed: std::collections::HashSet<String> =
        ProtocolScope::listed(&config).into_iter().collect();
    for protocol in protocol_names(&config) {
        let (object, errors) = protocol_object(&config, &protocol, &listed);
        document.objects.push(object);
        for error in &errors {
            push_error(&mut document, &config, error);
        }
    }
    document
}

fn push_error(document: &mut Document, config: &DovecotConfig, error: &DovecotError) {
    if let Some(file) = config.files.get(error.at.file) {
        document
            .errors
            .push(InputError::at_span(file, error.at.span, error.to_string()));
    }
}

fn whole(config: &DovecotConfig, file: usize) -> Span {
    Span::from_range(0..config.files.get(file).map_or(0, |f| f.text().len()))
}

fn origin(value_file: usize, object_file: usize) -> Option<u32> {
    (value_file != object_file).then(|| u32::try_from(value_file).unwrap_or(u32::MAX))
}

fn node_at(value: Value, at: Loc, object_file: usize) -> Node {
    Node {
        value,
        span: at.span,
        origin: origin(at.file, object_file),
    }
}

fn unknown(reason: String) -> Value {
    Value::Unknown(Unknown {
        reason,
        ..Unknown::default()
    })
}

fn version_attrs(config: &DovecotConfig, attrs: &mut Map, span: Span) {
    attrs.insert(
        "dovecot_version",
        span,
        Node::new(Value::String(config.version.to_string()), span),
    );
    attrs.insert(
        "dovecot_version_assumed",
        span,
        Node::new(Value::Bool(config.version_assumed), span),
    );
}

/// The global settings as written (last definition wins), `<file` values
/// unknown except for certificate-like paths.
fn config_object(config: &DovecotConfig) -> Object {
    let mut attrs = Map::default();
    let header = Span::empty_at(0);
    if let Some(global) = config.global() {
        for setting in global.settings.effective() {
            let value = match setting.form {
                ValueForm::File if !PATH_SETTINGS.contains(&setting.name.as_str()) => unknown(
                    format!("read from {} at runtime", setting.file_path().unwrap_or("")),
                ),
                ValueForm::File => Value::String(setting.file_path().unwrap_or("").to_owned()),
                _ => Value::String(setting.value.clone()),
            };
            // A key written in an included file points at the `!include`
            // line of the main file that brought it in.
            let key_span = if setting.name_at.file == 0 {
                setting.name_at.span
            } else {
                config
                    .include_chain_root(setting.name_at.file)
                    .map_or(header, |at| at.span)
            };
            attrs.insert(
                setting.name.clone(),
                key_span,
                node_at(value, setting.value_at, 0),
            );
        }
    }
    version_attrs(config, &mut attrs, header);
    Object {
        format: Format::Dovecot,
        kind: "dovecot.config".to_owned(),
        address: "dovecot.config".to_owned(),
        file: 0,
        span: whole(config, 0),
        header_span: header,
        attrs,
        existence_unknown: None,
    }
}

/// `protocols` first (in its order), then protocols with filters.
fn protocol_names(config: &DovecotConfig) -> Vec<String> {
    // A name listed twice is one protocol (and one object): without this,
    // `protocols = imap imap …` repeated made one object per word, each
    // searching the whole list — minutes for a 60 KB line (found by fuzzing).
    let mut seen = std::collections::HashSet::new();
    let mut names: Vec<String> = ProtocolScope::listed(config)
        .into_iter()
        .filter(|name| seen.insert(name.clone()))
        .collect();
    for filter in &config.filters {
        if let Some(name) = filter.spec.protocol.as_deref()
            && KNOWN_PROTOCOLS.contains(&name)
            && seen.insert(name.to_owned())
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// Builds one protocol object's attributes.
struct Attrs<'a> {
    config: &'a DovecotConfig,
    /// The object's file and header.
    file: usize,
    header: Span,
    map: Map,
    sources: Map,
    conditional: Vec<Node>,
}

impl<'a> Attrs<'a> {
    /// Where a value's key points: its own name when written in the
    /// object's file, else the object's header.
    fn key_span(&self, at: Option<Loc>) -> Span {
        match at {
            Some(at) if at.file == self.file => at.span,
            _ => self.header,
        }
    }

    fn node(&self, value: Value, at: Option<Loc>) -> Node {
        match at {
            Some(at) => node_at(value, at, self.file),
            None => Node::new(value, Span::empty_at(self.header.start)),
        }
    }

    fn insert(&mut self, key: &str, value: Value, at: Option<Loc>) {
        let key_span = self.key_span(at);
        let node = self.node(value, at);
        self.map.insert(key, key_span, node);
    }

    fn source(&mut self, attribute: &str, effective: &Effective<'_>) {
        let at = effective.found.map(|f| f.setting.value_at);
        let node = self.node(Value::String(effective.source()), at);
        self.sources.insert(attribute, self.key_span(at), node);
    }

    /// Records a connection filter that sets a value behind `attribute`.
    fn condition(&mut self, attribute: &str, found: &Found<'_>) {
        let at = found.setting.value_at;
        let key_span = self.key_span(Some(at));
        let mut entry = Map::default();
        for (key, value) in [
            ("filter", found.filter.spec.describe()),
            ("attribute", attribute.to_owned()),
            ("setting", found.setting.name.clone()),
            ("value", found.setting.value.clone()),
        ] {
            entry.insert(key, key_span, node_at(Value::String(value), at, self.file));
        }
        self.conditional
            .push(node_at(Value::Map(entry), at, self.file));
    }
}

fn protocol_object(
    config: &DovecotConfig,
    protocol: &str,
    listed: &std::collections::HashSet<String>,
) -> (Object, Vec<DovecotError>) {
    let header_at = config
        .filters
        .iter()
        .find(|f| f.spec.protocol.as_deref() == Some(protocol) && !f.spec.is_conditional())
        .map(|f| f.header_at);
    let (file, header) = header_at.map_or((0, Span::empty_at(0)), |at| (at.file, at.span));
    let span = if header_at.is_some() {
        header
    } else {
        whole(config, 0)
    };
    let mut attrs = Attrs {
        config,
        file,
        header,
        map: Map::default(),
        sources: Map::default(),
        conditional: Vec::new(),
    };
    let scope = ProtocolScope { config, protocol };
    let mut errors = Vec::new();
    let mut effective = |name| {
        let (value, found_errors) = scope.effective(name);
        errors.extend(found_errors);
        value
    };
    let ssl = effective("ssl");
    let min_protocol = effective("ssl_min_protocol");
    let cleartext = effective(cleartext_setting(config.version));
    let mechanisms = effective("auth_mechanisms");
    let cert = effective(cert_setting(config.version));

    attrs.insert("protocol", Value::String(protocol.to_owned()), None);
    let enabled = enabled(config, protocol, listed);
    attrs.insert(
        "enabled",
        enabled,
        config.setting("protocols").map(|s| s.value_at),
    );
    version_attrs(config, &mut attrs.map, Span::empty_at(header.start));

    let ssl_value = ssl_attr(&mut attrs, &ssl);
    min_protocol_attr(&mut attrs, &min_protocol);
    let mechanism_list = mechanisms_attr(&mut attrs, &mechanisms);
    cleartext_attr(&mut attrs, &cleartext, &ssl_value, &mechanism_list);
    cert_attr(&mut attrs, &cert);
    let listeners = listeners(&attrs, protocol);
    attrs.insert("listeners", Value::List(listeners), None);

    let conditional = std::mem::take(&mut attrs.conditional);
    attrs.insert("conditional", Value::List(conditional), None);
    let sources = std::mem::take(&mut attrs.sources);
    attrs.insert("sources", Value::Map(sources), None);
    let object = Object {
        format: Format::Dovecot,
        kind: "dovecot.protocol".to_owned(),
        address: format!("dovecot.protocol[{protocol}]"),
        file,
        span,
        header_span: header,
        attrs: attrs.map,
        existence_unknown: None,
    };
    (object, errors)
}

/// Whether `protocols` lists the protocol; unknown when an include that may
/// add to it was not read.
fn enabled(
    config: &DovecotConfig,
    protocol: &str,
    listed: &std::collections::HashSet<String>,
) -> Value {
    if listed.contains(protocol) {
        return Value::Bool(true);
    }
    let unread = config.errors.iter().any(|e| {
        matches!(
            e.kind,
            DovecotErrorKind::IncludeFailed { .. }
                | DovecotErrorKind::IncludeNotRead { .. }
                | DovecotErrorKind::TooManyIncludes { .. }
        )
    });
    if unread {
        unknown("protocols may be extended in an included file that was not read".to_owned())
    } else {
        Value::Bool(false)
    }
}

/// `ssl`: the weakest of the value in effect and the connection filters'
/// values; a global `ssl = no` overrides every filter (Dovecot warns and
/// ignores them).
fn ssl_attr(attrs: &mut Attrs<'_>, ssl: &Effective<'_>) -> String {
    let global_no = attrs.config.setting("ssl").is_some_and(|s| s.value == "no");
    let mut value = ssl.value().to_owned();
    let mut at = ssl.found.map(|f| f.setting.value_at);
    if global_no {
        value = "no".to_owned();
        at = attrs.config.setting("ssl").map(|s| s.value_at);
    } else {
        for found in &ssl.conditional {
            attrs.condition("ssl", found);
            if ssl_rank(&found.setting.value) < ssl_rank(&value) {
                value.clone_from(&found.setting.value);
                at = Some(found.setting.value_at);
            }
        }
    }
    attrs.insert("ssl", Value::String(value.clone()), at);
    attrs.source("ssl", ssl);
    value
}

fn min_protocol_attr(attrs: &mut Attrs<'_>, min: &Effective<'_>) {
    let mut value = min.value().to_owned();
    let mut at = min.found.map(|f| f.setting.value_at);
    for found in &min.conditional {
        attrs.condition("ssl_min_protocol", found);
        if min_protocol_rank(&found.setting.value) < min_protocol_rank(&value) {
            value.clone_from(&found.setting.value);
            at = Some(found.setting.value_at);
        }
    }
    attrs.insert("ssl_min_protocol", Value::String(value), at);
    attrs.source("ssl_min_protocol", min);
}

fn mechanisms_attr(attrs: &mut Attrs<'_>, mechanisms: &Effective<'_>) -> Vec<String> {
    let at = mechanisms.found.map(|f| f.setting.value_at);
    let names: Vec<String> = mechanisms
        .value()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let list = names
        .iter()
        .map(|n| attrs.node(Value::String(n.clone()), at))
        .collect();
    attrs.insert("auth_mechanisms", Value::List(list), at);
    attrs.source("auth_mechanisms", mechanisms);
    names
}

/// `cleartext_auth_allowed`: a plaintext mechanism (PLAIN, LOGIN) is
/// enabled, the version's setting allows it without TLS, and `ssl` is not
/// `required` (which refuses any authentication before TLS). Connection
/// filters count as if one connection could match all of them.
fn cleartext_attr(
    attrs: &mut Attrs<'_>,
    cleartext: &Effective<'_>,
    ssl: &str,
    mechanisms: &[String],
) {
    let version = attrs.config.version;
    let mut allowed = cleartext_allowed_by(version, cleartext.value());
    let mut at = cleartext.found.map(|f| f.setting.value_at);
    for found in &cleartext.conditional {
        attrs.condition("cleartext_auth_allowed", found);
        if let (Some(false), Some(true)) =
            (allowed, cleartext_allowed_by(version, &found.setting.value))
        {
            allowed = Some(true);
            at = Some(found.setting.value_at);
        }
    }
    let plaintext = mechanisms.iter().any(|m| is_plaintext_mechanism(m));
    let value = match allowed {
        Some(allowed) => Value::Bool(allowed && plaintext && ssl != "required"),
        None => unknown(format!(
            "{} = {:?} is not a boolean",
            cleartext.name,
            cleartext.value()
        )),
    };
    attrs.insert("cleartext_auth_allowed", value, at);
    attrs.source("cleartext_auth_allowed", cleartext);
}

fn cert_attr(attrs: &mut Attrs<'_>, cert: &Effective<'_>) {
    for found in &cert.conditional {
        attrs.condition("ssl_cert", found);
    }
    let at = cert.found.map(|f| f.setting.value_at);
    let path = cert.found.map(|f| cert_path(f.setting).to_owned());
    let configured = path.as_deref().is_some_and(|p| !p.trim().is_empty());
    attrs.insert("ssl_cert_configured", Value::Bool(configured), at);
    let value = match path {
        Some(path) if configured => Value::String(path),
        _ => Value::Null,
    };
    attrs.insert("ssl_cert", value, at);
    attrs.source("ssl_cert", cert);
}

/// The inet listeners of the protocol's login service: built-in ones
/// merged with the global `service NAME { inet_listener NAME { } }`
/// sections, by listener name.
fn listeners(attrs: &Attrs<'_>, protocol: &str) -> Vec<Node> {
    let Some((service_name, defaults)) = login_service(protocol) else {
        return Vec::new();
    };
    let service = attrs
        .config
        .global()
        .and_then(|g| g.section("service", service_name));
    let configured: Vec<&Section> = service
        .map(|s| {
            s.sections
                .iter()
                .filter(|l| l.kind == "inet_listener")
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for &(name, port, ssl) in defaults {
        let section = configured.iter().copied().find(|l| l.name == name);
        out.push(listener(
            attrs,
            service_name,
            name,
            Some((port, ssl)),
            section,
        ));
    }
    for section in configured {
        if !defaults.iter().any(|(name, _, _)| *name == section.name) {
            out.push(listener(
                attrs,
                service_name,
                &section.name,
                None,
                Some(section),
            ));
        }
    }
    out
}

fn listener(
    attrs: &Attrs<'_>,
    service: &str,
    name: &str,
    default: Option<(u16, bool)>,
    section: Option<&Section>,
) -> Node {
    let get = |key: &str| section.and_then(|s| s.settings.get(key));
    let at = |setting: Option<&Setting>| setting.map(|s| s.value_at);
    let mut map = Map::default();
    let mut put = |key: &str, value: Value, loc: Option<Loc>| {
        let loc = loc.or_else(|| section.map(|s| s.header_at));
        map.insert(key, attrs.key_span(loc), attrs.node(value, loc));
    };
    put("service", Value::String(service.to_owned()), None);
    put("name", Value::String(name.to_owned()), None);
    let port = match get("port") {
        Some(s) => match s.value.parse::<u16>() {
            Ok(n) => Value::Number(f64::from(n)),
            Err(_) => unknown(format!("port {:?} is not a port number", s.value)),
        },
        None => default.map_or(Value::Number(0.0), |(p, _)| Value::Number(f64::from(p))),
    };
    let enabled = match &port {
        Value::Number(n) => Value::Bool(*n != 0.0),
        other => other.clone(),
    };
    put("port", port, at(get("port")));
    put("enabled", enabled, at(get("port")));
    let ssl = match get("ssl") {
        Some(s) => parse_bool(&s.value).map_or_else(
            || unknown(format!("ssl = {:?} is not a boolean", s.value)),
            Value::Bool,
        ),
        None => Value::Bool(default.is_some_and(|(_, ssl)| ssl)),
    };
    put("ssl", ssl, at(get("ssl")));
    let address = get("address").map_or(Value::Null, |s| Value::String(s.value.clone()));
    put("address", address, at(get("address")));
    let loc = section.map(|s| s.header_at);
    attrs.node(Value::Map(map), loc)
}
