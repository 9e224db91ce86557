//! One Postfix configuration (main.cf and master.cf) as a safeguard
//! [`Document`]: the raw main.cf, the default SMTP client, and one object
//! per SMTP server and per customised SMTP client service, each holding the
//! settings in effect there.

use std::collections::HashSet;

use safeguard_model::{Document, Format, InputError, InputErrorLocation, Map, Node, Object, Value};
use safeguard_source::{SourceFile, Span};

use crate::main_cf::{MainCf, parse_main_cf};
use crate::master_cf::{MasterCf, ServiceEntry, parse_master_cf};
use crate::nexthop::{self, add_next_hops};
use crate::ports::{PortNumber, endpoint};
use crate::scope::{Origin, Scope};
use crate::services::{At, AttrBuilder, Files, SettingError, unknown};
use crate::tables::{self, TableLoader, redact_value};
use crate::version::{CompatLevel, PostfixVersion};

/// What safeguard is told about the installation (from safeguard.toml).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostfixOptions {
    /// The Postfix release, `(major, minor)`. When absent we assume 3.7
    /// (Debian 12) and say so in every effective-settings object.
    pub version: Option<(u32, u32)>,
    /// Replaces main.cf's `compatibility_level` when given.
    pub compatibility_level: Option<String>,
}

/// Builds the document for one Postfix configuration directory.
///
/// Objects: `postfix.main` (every main.cf parameter, raw), `postfix.client`
/// (the client defaults from main.cf), `postfix.service[NAME/TYPE]` for each
/// smtpd service (kind `postfix.smtpd`) and for each `smtp` client
/// transport with `-o` overrides (kind `postfix.smtp_client`). Without
/// master.cf there are no service objects. Reading errors, and expansion
/// errors in settings we evaluate, become [`InputError`]s.
///
/// A setting's span is where its value is written: the `-o` value in
/// master.cf, else the main.cf value (for a service object, with
/// [`Node::origin`] naming main.cf's file index, and the key pointing at the
/// service line), else, for a built-in default, an empty span at the start
/// of the service line (of main.cf for `postfix.client`). Each object's
/// `sources` map says, per setting, `master.cf`, `main.cf`, `default` or
/// `declared`.
#[must_use]
pub fn postfix_document(
    address: &str,
    main: SourceFile,
    master: Option<SourceFile>,
    options: &PostfixOptions,
) -> Document {
    postfix_document_with_tables(address, main, master, options, None)
}

/// [`postfix_document`], with lookup tables in files read through `loader`
/// (without one, only tables written in the parameters are read). Adds a
/// `postfix.next_hop` object per SMTP next hop and a
/// `postfix.duplicate_parameter` object per overridden main.cf definition;
/// table files that hops or their TLS policies come from join the
/// document's files.
#[must_use]
pub fn postfix_document_with_tables(
    address: &str,
    main: SourceFile,
    master: Option<SourceFile>,
    options: &PostfixOptions,
    loader: Option<&dyn TableLoader>,
) -> Document {
    let mut document = Document::new(Format::Postfix, address);
    let main_index = document.add_file(main.clone());
    let master_index = master.as_ref().map(|file| document.add_file(file.clone()));
    let main_cf = parse_main_cf(&main);
    let master_cf = master.as_ref().map(parse_master_cf);
    for error in main_cf.errors() {
        document
            .errors
            .push(InputError::at_span(&main, error.span(), error.to_string()));
    }
    if let (Some(file), Some(parsed)) = (&master, &master_cf) {
        for error in parsed.errors() {
            document
                .errors
                .push(InputError::at_span(file, error.span(), error.to_string()));
        }
    }

    let builder = Builder {
        files: Files {
            main: index_u32(main_index),
            master: master_index.map(index_u32),
        },
        main: &main,
        master: master.as_ref(),
        main_cf: &main_cf,
        master_cf: master_cf.as_ref(),
        version: options
            .version
            .map_or(PostfixVersion::ASSUMED, |(major, minor)| {
                PostfixVersion::new(major, minor)
            }),
        version_assumed: options.version.is_none(),
        declared_compat: options.compatibility_level.as_deref(),
    };
    let mut reported = HashSet::new();
    builder.check_compat(&mut document, &mut reported);
    builder.check_table_paths(&mut document, &mut reported);
    document.objects.push(builder.main_object(main_index));
    let (client, errors) = builder.default_client(main_index);
    document.objects.push(client);
    builder.report(&mut document, &mut reported, errors);
    if let (Some(parsed), Some(file)) = (&master_cf, master_index) {
        for entry in parsed.services() {
            let built = match entry.process_name() {
                "smtpd" => Some(builder.smtpd(entry, file)),
                "smtp" if entry.kind.text == "unix" && !entry.overrides.is_empty() => {
                    Some(builder.service_client(entry, file))
                }
                _ => None,
            };
            if let Some((object, errors)) = built {
                document.objects.push(object);
                builder.report(&mut document, &mut reported, errors);
            }
        }
    }
    add_next_hops(
        &nexthop::Context {
            scope: builder.scope(None),
            files: builder.files,
            loader,
        },
        &mut document,
    );
    builder.duplicates(main_index, &mut document);
    document
}

struct Builder<'a> {
    files: Files,
    main: &'a SourceFile,
    master: Option<&'a SourceFile>,
    main_cf: &'a MainCf,
    master_cf: Option<&'a MasterCf>,
    version: PostfixVersion,
    version_assumed: bool,
    declared_compat: Option<&'a str>,
}

impl<'a> Builder<'a> {
    fn scope(&self, service: Option<&'a ServiceEntry>) -> Scope<'a> {
        Scope {
            main: self.main_cf,
            master: self.master_cf,
            service,
            version: self.version,
            declared_compat: self.declared_compat,
        }
    }

    fn whole(file: &SourceFile) -> Span {
        Span::from_range(0..file.text().len())
    }

    fn object(
        &self,
        kind: &str,
        address: String,
        file: usize,
        span: Span,
        header_span: Span,
        attrs: Map,
    ) -> Object {
        Object {
            format: Format::Postfix,
            kind: kind.to_owned(),
            address,
            file,
            span,
            header_span,
            attrs,
            existence_unknown: None,
        }
    }

    fn main_object(&self, file: usize) -> Object {
        let mut attrs = Map::default();
        for p in self.main_cf.parameters() {
            // Inline SASL passwords never reach the model.
            let value = if p.name == "smtp_sasl_password_maps" {
                redact_value(&p.value)
            } else {
                p.value.clone()
            };
            attrs.insert(
                p.name.clone(),
                p.name_span,
                Node::new(Value::String(value), p.value_span),
            );
        }
        // The services master.cf defines (`name/type`), for policies about
        // services main.cf depends on (`maillog_file` needs `postlog`).
        let services = match self.master_cf {
            Some(master) => Value::List(
                master
                    .services()
                    .into_iter()
                    .map(|entry| Node {
                        // Written in master.cf, not in main.cf.
                        origin: self.files.master,
                        ..Node::new(Value::String(entry.key()), entry.header_span())
                    })
                    .collect(),
            ),
            None => Value::Unknown(safeguard_model::Unknown {
                reason: "no master.cf beside main.cf, so its services are unknown".to_owned(),
                ..safeguard_model::Unknown::default()
            }),
        };
        // A finding about a missing service points at master.cf, where the
        // service has to be added.
        let at = match self.master {
            Some(_) => Node {
                origin: self.files.master,
                ..Node::new(services, Span::empty_at(0))
            },
            None => Node::new(services, Span::empty_at(0)),
        };
        attrs.insert("master_services", Span::empty_at(0), at);
        let whole = Self::whole(self.main);
        self.object(
            "postfix.main",
            "postfix.main".to_owned(),
            file,
            whole,
            Span::empty_at(0),
            attrs,
        )
    }

    /// One object per overridden main.cf definition, at the overridden
    /// line; its address names the line that wins.
    fn duplicates(&self, file: usize, document: &mut Document) {
        let line = |span: Span| {
            self.main
                .line_index()
                .line_column(
                    span.start,
                    self.main.text(),
                    safeguard_source::ColumnUnit::Chars,
                )
                .line
        };
        for pair in self.main_cf.duplicates() {
            let (earlier, later) = (line(pair.earlier.span), line(pair.later.span));
            let mut attrs = Map::default();
            let at = pair.earlier.span;
            attrs.insert(
                "parameter",
                pair.earlier.name_span,
                Node::new(
                    Value::String(pair.earlier.name.clone()),
                    pair.earlier.name_span,
                ),
            );
            attrs.insert("line", at, Node::new(Value::Number(f64::from(earlier)), at));
            attrs.insert(
                "overridden_by_line",
                at,
                // At the overridden line too: the finding underlines it
                // alone (the address names the winning line).
                Node::new(Value::Number(f64::from(later)), at),
            );
            document.objects.push(self.object(
                "postfix.duplicate_parameter",
                format!(
                    "postfix.main[{} on line {earlier}, overridden by line {later}]",
                    pair.earlier.name
                ),
                file,
                at,
                at,
                attrs,
            ));
        }
    }

    fn version_attrs(&self, builder: &mut AttrBuilder<'a>, span: Span) {
        builder.insert(
            "postfix_version",
            Value::String(self.version.to_string()),
            At::here(span),
        );
        builder.insert(
            "postfix_version_assumed",
            Value::Bool(self.version_assumed),
            At::here(span),
        );
    }

    /// The default client settings: main.cf and built-in defaults. (A
    /// transport's `-o` overrides, `smtp/unix` included, make their own
    /// object.)
    fn default_client(&self, file: usize) -> (Object, Vec<SettingError<'a>>) {
        let scope = self.scope(None);
        let header = Span::empty_at(0);
        let mut builder = AttrBuilder::new(header, false, self.files);
        self.version_attrs(&mut builder, header);
        builder.compatibility_level(&scope);
        builder.smtp_client(&scope, true);
        let (attrs, errors) = builder.finish(header);
        let whole = Self::whole(self.main);
        let object = self.object(
            "postfix.smtp_client",
            "postfix.client".to_owned(),
            file,
            whole,
            header,
            attrs,
        );
        (object, errors)
    }

    fn service_attrs(&self, builder: &mut AttrBuilder<'a>, entry: &ServiceEntry) {
        for (key, field) in [
            ("service_name", &entry.name),
            ("service_type", &entry.kind),
            ("command", &entry.command),
        ] {
            builder.insert(key, Value::String(field.text.clone()), At::here(field.span));
        }
    }

    fn smtpd(&self, entry: &'a ServiceEntry, file: usize) -> (Object, Vec<SettingError<'a>>) {
        let scope = self.scope(Some(entry));
        let header = entry.header_span();
        let mut builder = AttrBuilder::new(Span::empty_at(header.start), true, self.files);
        self.service_attrs(&mut builder, entry);
        let (port, host) = self.port(entry);
        builder.insert("port", port, At::here(entry.name.span));
        if let Some(host) = host {
            builder.insert(
                "listen_host",
                Value::String(host),
                At::here(entry.name.span),
            );
        }
        self.version_attrs(&mut builder, Span::empty_at(header.start));
        builder.compatibility_level(&scope);
        builder.smtpd(&scope);
        let (attrs, errors) = builder.finish(header);
        let address = format!("postfix.service[{}]", entry.key());
        (
            self.object("postfix.smtpd", address, file, entry.span, header, attrs),
            errors,
        )
    }

    fn service_client(
        &self,
        entry: &'a ServiceEntry,
        file: usize,
    ) -> (Object, Vec<SettingError<'a>>) {
        let scope = self.scope(Some(entry));
        let header = entry.header_span();
        let mut builder = AttrBuilder::new(Span::empty_at(header.start), true, self.files);
        self.service_attrs(&mut builder, entry);
        self.version_attrs(&mut builder, Span::empty_at(header.start));
        builder.compatibility_level(&scope);
        builder.smtp_client(&scope, false);
        let (attrs, errors) = builder.finish(header);
        let address = format!("postfix.service[{}]", entry.key());
        (
            self.object(
                "postfix.smtp_client",
                address,
                file,
                entry.span,
                header,
                attrs,
            ),
            errors,
        )
    }

    /// The `port` attribute: a number for an `inet` service, the ports of
    /// the postscreen listeners that hand over to a `pass` service (a list
    /// when there are several), null for local (unix, fifo) services.
    fn port(&self, entry: &ServiceEntry) -> (Value, Option<String>) {
        match entry.kind.text.as_str() {
            "inet" => {
                let ep = endpoint(&entry.name.text, &self.known_tcp_ports());
                (port_value(&ep.port), ep.host)
            }
            "pass" => {
                let mut ports = Vec::new();
                for listener in self.master_cf.map(MasterCf::services).unwrap_or_default() {
                    if listener.kind.text != "inet" || listener.process_name() != "postscreen" {
                        continue;
                    }
                    let target = self
                        .scope(Some(listener))
                        .setting("smtpd_service_name")
                        .map(|s| s.expansion.text);
                    if target.as_deref() == Some(entry.name.text.as_str()) {
                        let ep = endpoint(&listener.name.text, &self.known_tcp_ports());
                        ports.push(Node::new(port_value(&ep.port), listener.name.span));
                    }
                }
                match ports.len() {
                    0 => (Value::Null, None),
                    1 => (ports.remove(0).value, None),
                    _ => (Value::List(ports), None),
                }
            }
            _ => (Value::Null, None),
        }
    }

    fn known_tcp_ports(&self) -> String {
        self.scope(None)
            .setting("known_tcp_ports")
            .map(|s| s.expansion.text)
            .unwrap_or_default()
    }

    /// A malformed compatibility level makes every level-dependent default
    /// unknown; say why once.
    fn check_compat(
        &self,
        document: &mut Document,
        reported: &mut HashSet<(String, Span, String)>,
    ) {
        let Some(setting) = self.scope(None).setting("compatibility_level") else {
            return;
        };
        if !setting.expansion.is_exact() || CompatLevel::parse(&setting.expansion.text).is_some() {
            return;
        }
        let message = format!(
            "malformed compatibility level syntax: {:?}",
            setting.expansion.text
        );
        match setting.origin {
            Origin::Main(p) => self.push(document, reported, self.main, p.value_span, message),
            _ => document.errors.push(InputError::new(
                self.main.path(),
                format!("declared {message}"),
                InputErrorLocation::None,
            )),
        }
    }

    /// A file table whose path climbs out of its directory with `..` is an
    /// error at the value that names it, in main.cf or a master.cf `-o`,
    /// whether or not a lookup would reach it (the loader refuses it too,
    /// without opening anything). Values are checked as Postfix expands
    /// them, so `$config_directory/../x` counts.
    fn check_table_paths(
        &self,
        document: &mut Document,
        reported: &mut HashSet<(String, Span, String)>,
    ) {
        let main_scope = self.scope(None);
        for parameter in self.main_cf.parameters() {
            let value = main_scope
                .setting(&parameter.name)
                .filter(|s| matches!(s.origin, Origin::Main(_)))
                .map_or_else(|| parameter.value.clone(), |s| s.expansion.text);
            for message in tables::escaping(&value) {
                self.push(document, reported, self.main, parameter.value_span, message);
            }
        }
        let (Some(master), Some(file)) = (self.master_cf, self.master) else {
            return;
        };
        for entry in master.entries() {
            let scope = self.scope(Some(entry));
            for o in &entry.overrides {
                let value = crate::expand::expand(&o.value, &scope).text;
                for message in tables::escaping(&value) {
                    self.push(document, reported, file, o.value_span, message);
                }
            }
        }
    }

    fn report(
        &self,
        document: &mut Document,
        reported: &mut HashSet<(String, Span, String)>,
        errors: Vec<SettingError<'_>>,
    ) {
        for error in errors {
            let message = error.error.to_string();
            match error.origin {
                Origin::Main(p) => self.push(document, reported, self.main, p.value_span, message),
                Origin::Override(o) => {
                    if let Some(file) = self.master {
                        self.push(document, reported, file, o.value_span, message);
                    }
                }
                Origin::Declared | Origin::Service(_) | Origin::Default => {}
            }
        }
    }

    fn push(
        &self,
        document: &mut Document,
        reported: &mut HashSet<(String, Span, String)>,
        file: &SourceFile,
        span: Span,
        message: String,
    ) {
        let key = (file.path().display().to_string(), span, message.clone());
        if reported.insert(key) {
            document
                .errors
                .push(InputError::at_span(file, span, message));
        }
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

fn port_value(port: &PortNumber) -> Value {
    match port {
        PortNumber::Known(number) => Value::Number(f64::from(*number)),
        PortNumber::Unresolved(name) => unknown(&format!(
            "service name {name:?} is resolved through /etc/services on the host"
        )),
    }
}
