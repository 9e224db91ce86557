//! One Exim configuration as a safeguard [`Document`]: the main options with
//! the defaults policies need, one object per router, transport and
//! authenticator, and the derived facts policies judge (TLS offered, the TLS
//! floor, AUTH before TLS, TLS required towards smarthosts).

use safeguard_model::{Document, Format, InputError, Map, Node, Object, Unknown, Value};
use safeguard_source::Span;

use crate::dovecot::{IncludeLoader, Loc};
use crate::exim::advertise::{tls_split, truthy};
use crate::exim::config::{Driver, EximConfig, OptionValue, Section, Setting, read_exim};
use crate::exim::hosts::{Route, RouteHost, host_in_list, parse_route_data, parse_route_list};
use crate::exim::lines::Tri;
use crate::exim::tls::{
    GNUTLS_PRIORITY_DEFAULT, OPENSSL_OPTIONS_DEFAULT, gnutls_floor, openssl_floor,
};
use crate::protocols::TlsVersion;

/// Main options whose documented defaults policies need.
const MAIN_DEFAULTS: [(&str, &str); 3] = [
    // Since 4.87 (ChangeLog JH/18).
    ("tls_advertise_hosts", "*"),
    ("auth_advertise_hosts", "*"),
    ("openssl_options", OPENSSL_OPTIONS_DEFAULT),
];

/// Built-in macro states under each TLS library; other built-ins stay unknown.
const OPENSSL_BUILD: [(&str, bool); 3] = [
    ("_HAVE_OPENSSL", true),
    ("_HAVE_GNUTLS", false),
    ("_HAVE_TLS", true),
];
const GNUTLS_BUILD: [(&str, bool); 3] = [
    ("_HAVE_OPENSSL", false),
    ("_HAVE_GNUTLS", true),
    ("_HAVE_TLS", true),
];

/// Builds the document for one Exim configuration: `main` and, through
/// `loader`, the files it includes (relative to the including file; the
/// loader decides what may be read). Objects, all format `exim`:
///
/// | kind | address |
/// |---|---|
/// | `exim.main` | `exim.main` |
/// | `exim.router` | `exim.router[NAME]` |
/// | `exim.transport` | `exim.transport[NAME]` |
/// | `exim.authenticator` | `exim.authenticator[NAME]` |
///
/// See the module documentation of [`crate::exim`] for the attributes.
#[must_use]
pub fn exim_document(
    address: &str,
    main: safeguard_source::SourceFile,
    loader: Option<&dyn IncludeLoader>,
) -> Document {
    let config = read_exim(main.clone(), loader, &[]);
    // The same text read as each TLS library's build sees it, for the
    // settings that only that library reads.
    let openssl = read_exim(main.clone(), loader, &OPENSSL_BUILD);
    let gnutls = read_exim(main, loader, &GNUTLS_BUILD);
    let mut document = Document::new(Format::Exim, address);
    for file in &config.files {
        document.add_file(file.clone());
    }
    for error in &config.errors {
        if let Some(file) = config.files.get(error.at.file) {
            document
                .errors
                .push(InputError::at_span(file, error.at.span, error.to_string()));
        }
    }
    let builder = Builder {
        config: &config,
        openssl: &openssl,
        gnutls: &gnutls,
    };
    document.objects.push(builder.main_object());
    for driver in &config.drivers {
        let object = match driver.section {
            Section::Routers => builder.router_object(driver),
            Section::Transports => builder.transport_object(driver),
            Section::Authenticators => builder.authenticator_object(driver),
            _ => continue,
        };
        document.objects.push(object);
    }
    document
}

struct Builder<'a> {
    config: &'a EximConfig,
    openssl: &'a EximConfig,
    gnutls: &'a EximConfig,
}

/// An object's attributes as they are built.
struct Attrs<'a> {
    config: &'a EximConfig,
    file: usize,
    header: Span,
    map: Map,
}

impl Attrs<'_> {
    /// Where a key written at `at` points from this object: itself in the
    /// object's file, else the `.include` line in the object's file that
    /// brought its file in, else the header.
    fn key_span(&self, at: Loc) -> Span {
        if at.file == self.file {
            return at.span;
        }
        let mut file = at.file;
        for _ in 0..self.config.files.len() {
            match self.config.included_at.get(file).copied().flatten() {
                Some(site) if site.file == self.file => return site.span,
                Some(site) => file = site.file,
                None => break,
            }
        }
        self.header
    }

    fn node(&self, value: Value, at: Loc) -> Node {
        Node {
            value,
            span: at.span,
            origin: (at.file != self.file).then(|| u32::try_from(at.file).unwrap_or(u32::MAX)),
        }
    }

    fn insert_at(&mut self, key: &str, value: Value, at: Loc) {
        let key_span = self.key_span(at);
        let node = self.node(value, at);
        self.map.insert(key, key_span, node);
    }

    /// A value with no source: it points at the object's header.
    fn insert_default(&mut self, key: &str, value: Value) {
        let at = Span::empty_at(self.header.start);
        self.map.insert(key, at, Node::new(value, at));
    }

    fn setting(&mut self, setting: &Setting) {
        let value = setting_value(setting);
        self.insert_at(&setting.name, value, setting.value_at);
    }

    /// `value` at `setting`'s place when there is one, else at the header.
    fn derived(&mut self, key: &str, value: Value, setting: Option<&Setting>) {
        match setting {
            Some(s) => self.insert_at(key, value, s.value_at),
            None => self.insert_default(key, value),
        }
    }

    fn into_object(
        self,
        kind: &str,
        address: String,
        span: Span,
        existence: Option<String>,
    ) -> Object {
        Object {
            format: Format::Exim,
            kind: kind.to_owned(),
            address,
            file: self.file,
            span,
            header_span: self.header,
            attrs: self.map,
            existence_unknown: existence,
        }
    }
}

fn unknown(reason: impl Into<String>) -> Value {
    Value::Unknown(Unknown {
        reason: reason.into(),
        ..Unknown::default()
    })
}

fn setting_value(setting: &Setting) -> Value {
    if let Some(reason) = &setting.unknown {
        return unknown(reason.clone());
    }
    match &setting.value {
        OptionValue::Flag(on) => Value::Bool(*on),
        OptionValue::Text(text) => Value::String(text.clone()),
    }
}

fn from_tri(tri: Tri) -> Value {
    match tri {
        Tri::Yes => Value::Bool(true),
        Tri::No => Value::Bool(false),
        Tri::Unknown(reason) => unknown(reason),
    }
}

/// A setting's text, or why it is not known.
fn known_text(setting: &Setting) -> Result<&str, String> {
    if let Some(reason) = &setting.unknown {
        return Err(reason.clone());
    }
    Ok(setting.value.text().unwrap_or(""))
}

impl Builder<'_> {
    fn attrs(&self, file: usize, header: Span) -> Attrs<'_> {
        Attrs {
            config: self.config,
            file,
            header,
            map: Map::default(),
        }
    }

    fn main_object(&self) -> Object {
        let config = self.config;
        let mut attrs = self.attrs(0, Span::empty_at(0));
        for setting in &config.main {
            // One entry per option: the one in effect.
            if config
                .main(&setting.name)
                .is_some_and(|s| std::ptr::eq(s, setting))
            {
                attrs.setting(setting);
            }
        }
        for (name, default) in MAIN_DEFAULTS {
            if config.main(name).is_none() {
                attrs.insert_default(name, Value::String(default.to_owned()));
            }
        }
        let advertise = config.main("tls_advertise_hosts");
        attrs.derived("tls_offered", tls_offered(advertise), advertise);
        let certificate = config.main("tls_certificate");
        let configured = match certificate.map(known_text) {
            None => Value::Bool(false),
            Some(Ok(text)) => Value::Bool(!text.trim().is_empty()),
            Some(Err(reason)) => unknown(reason),
        };
        attrs.derived("tls_certificate_configured", configured, certificate);
        let floor_at = config
            .main("openssl_options")
            .or_else(|| config.main("tls_require_ciphers"));
        floors(
            &mut attrs,
            self.openssl_floor(),
            main_gnutls_floor(self.gnutls),
            (
                config.main("openssl_options"),
                config.main("tls_require_ciphers"),
                floor_at,
            ),
        );
        let auth = config.main("auth_advertise_hosts");
        attrs.derived(
            "auth_advertised_without_tls",
            auth_hosts_without_tls(auth),
            auth,
        );
        let span = Span::from_range(0..config.files.first().map_or(0, |f| f.text().len()));
        attrs.into_object("exim.main", "exim.main".to_owned(), span, None)
    }

    fn openssl_floor(&self) -> Result<TlsVersion, String> {
        let options = match self.openssl.main("openssl_options") {
            Some(setting) => known_text(setting)?.to_owned(),
            None => String::new(),
        };
        openssl_floor(&options)
    }

    /// A driver's own settings, with its header and span.
    fn driver_attrs(&self, driver: &Driver) -> (Attrs<'_>, Span) {
        let file = driver.header_at.file;
        let mut attrs = self.attrs(file, driver.header_at.span);
        let mut span = driver.header_at.span;
        for setting in &driver.settings {
            if driver
                .get(&setting.name)
                .is_some_and(|s| std::ptr::eq(s, setting))
            {
                attrs.setting(setting);
            }
            if setting.value_at.file == file {
                span = span
                    .cover(setting.value_at.span)
                    .cover(setting.name_at.span);
            }
        }
        (attrs, span)
    }

    fn transport_object(&self, driver: &Driver) -> Object {
        let (mut attrs, span) = self.driver_attrs(driver);
        if driver.driver() == Some("smtp") {
            if driver.get("tls_tempfail_tryclear").is_none() {
                attrs.insert_default("tls_tempfail_tryclear", Value::Bool(true));
            }
            let gnutls = match find_driver(self.gnutls, Section::Transports, &driver.name) {
                Some(scenario) => transport_gnutls_floor(scenario),
                None => Err(format!(
                    "transport {} exists only in some builds of Exim",
                    driver.name
                )),
            };
            let own = driver.get("tls_require_ciphers");
            floors(&mut attrs, self.openssl_floor(), gnutls, (None, own, own));
        }
        let routers: Vec<Node> = self
            .config
            .drivers(Section::Routers)
            .filter(|router| {
                self.router_routes(router)
                    .iter()
                    .any(|(_, transport)| transport.as_deref() == Ok(driver.name.as_str()))
            })
            .map(|router| Node::new(Value::String(router.name.clone()), driver.header_at.span))
            .collect();
        attrs.insert_default("routers", Value::List(routers));
        let existence = driver.uncertain.clone();
        attrs.into_object(
            "exim.transport",
            format!("exim.transport[{}]", driver.name),
            span,
            existence,
        )
    }

    /// A router's routes and the transport each uses (or why unknown).
    fn router_routes(
        &self,
        router: &Driver,
    ) -> Vec<(Result<Route, String>, Result<String, String>)> {
        if router.driver() != Some("manualroute") {
            return Vec::new();
        }
        let transport = router.get("transport").map(|s| {
            known_text(s).and_then(|t| {
                if t.contains('$') {
                    Err(format!(
                        "the router's transport `{t}` is expanded per address"
                    ))
                } else {
                    Ok(t.trim().to_owned())
                }
            })
        });
        let transports: Vec<&str> = self
            .config
            .drivers(Section::Transports)
            .map(|d| d.name.as_str())
            .collect();
        // A transport named among a rule's options overrides the router's.
        let pick = |route: &Route| -> Result<String, String> {
            if let Some(name) = route
                .options
                .iter()
                .find(|o| transports.contains(&o.as_str()))
            {
                return Ok(name.clone());
            }
            transport
                .clone()
                .unwrap_or_else(|| Err(format!("router {} names no transport", router.name)))
        };
        if let Some(list) = router.get("route_list") {
            return match known_text(list) {
                Ok(text) => parse_route_list(text)
                    .into_iter()
                    .map(|route| {
                        let transport = pick(&route);
                        (Ok(route), transport)
                    })
                    .collect(),
                Err(reason) => vec![(
                    Err(reason.clone()),
                    transport.clone().unwrap_or(Err(reason)),
                )],
            };
        }
        if let Some(data) = router.get("route_data") {
            return match known_text(data) {
                Ok(text) if !text.contains('$') => {
                    let route = parse_route_data(text);
                    let transport = pick(&route);
                    vec![(Ok(route), transport)]
                }
                Ok(text) => vec![(
                    Err(format!("route_data `{text}` is expanded per address")),
                    transport.clone().unwrap_or_else(|| {
                        Err(format!("router {} names no transport", router.name))
                    }),
                )],
                Err(reason) => vec![(
                    Err(reason),
                    transport.clone().unwrap_or_else(|| {
                        Err(format!("router {} names no transport", router.name))
                    }),
                )],
            };
        }
        Vec::new()
    }

    fn router_object(&self, driver: &Driver) -> Object {
        let (mut attrs, span) = self.driver_attrs(driver);
        let routes = self.router_routes(driver);
        let routing = driver
            .get("route_list")
            .or_else(|| driver.get("route_data"));
        let mut hosts = Vec::new();
        let mut transports = Vec::new();
        let mut required = Tri::Yes;
        let mut smtp_routes = 0;
        for (route, transport) in &routes {
            let transport = match transport {
                Ok(name) => match find_driver(self.config, Section::Transports, name) {
                    Some(t) => Ok(t),
                    None => Err(format!("transport {name} is not defined")),
                },
                Err(reason) => Err(reason.clone()),
            };
            match &transport {
                Ok(t)
                    if t.driver() != Some("smtp")
                        && t.get("driver").is_some_and(|s| s.unknown.is_none()) =>
                {
                    continue;
                }
                Ok(t) => {
                    if !transports.contains(&t.name) {
                        transports.push(t.name.clone());
                    }
                }
                Err(_) => {}
            }
            smtp_routes += 1;
            if let Ok(route) = route {
                hosts.extend(route.hosts.iter().map(host_label));
            }
            let verdict = match (&transport, route) {
                (Err(reason), _) => Tri::Unknown(reason.clone()),
                (Ok(t), route) => self.tls_required(t, route.clone()),
            };
            required = and(required, verdict);
        }
        if smtp_routes > 0 {
            let to_values = |items: &[String]| {
                Value::List(
                    items
                        .iter()
                        .map(|h| {
                            Node::new(Value::String(h.clone()), Span::empty_at(attrs.header.start))
                        })
                        .collect(),
                )
            };
            let host_values = to_values(&hosts);
            let transport_values = to_values(&transports);
            attrs.derived("smarthosts", host_values, routing);
            attrs.derived("smarthost_transports", transport_values, routing);
            attrs.derived("smarthost_tls_required", from_tri(required), routing);
        }
        let existence = driver.uncertain.clone();
        attrs.into_object(
            "exim.router",
            format!("exim.router[{}]", driver.name),
            span,
            existence,
        )
    }

    /// Whether transport `t` requires TLS for every host of a route.
    fn tls_required(&self, t: &Driver, route: Result<Route, String>) -> Tri {
        let Some(list) = t.get("hosts_require_tls") else {
            return Tri::No;
        };
        let list = match known_text(list) {
            Ok(list) => list,
            Err(reason) => return Tri::Unknown(reason),
        };
        let hosts: Vec<RouteHost> = match route {
            Ok(route) => route.hosts,
            // Unknown hosts: only a list matching every host decides.
            Err(reason) => {
                return match host_in_list(self.config, list, "*.any.host.invalid") {
                    Tri::Yes if list.trim() == "*" => Tri::Yes,
                    _ => Tri::Unknown(reason),
                };
            }
        };
        hosts.iter().fold(Tri::Yes, |acc, host| {
            let verdict = if host.mx && list.trim() != "*" {
                Tri::Unknown(format!(
                    "{}/MX stands for the name's MX hosts, which only DNS knows",
                    host.host
                ))
            } else {
                host_in_list(self.config, list, &host.host)
            };
            and(acc, verdict)
        })
    }

    fn authenticator_object(&self, driver: &Driver) -> Object {
        let (mut attrs, span) = self.driver_attrs(driver);
        let public = driver.get("public_name");
        let public_name = match public.map(known_text) {
            Some(Ok(name)) => Ok(name.trim().to_owned()),
            Some(Err(reason)) => Err(reason),
            None => Ok(driver.name.clone()),
        };
        if public.is_none() {
            attrs.insert_default("public_name", Value::String(driver.name.clone()));
        }
        let plaintext = match &public_name {
            Ok(name) => Value::Bool(
                ["PLAIN", "LOGIN"]
                    .iter()
                    .any(|m| name.eq_ignore_ascii_case(m)),
            ),
            Err(reason) => unknown(reason.clone()),
        };
        attrs.derived("plaintext_mechanism", plaintext, public);
        let server = driver.settings.iter().any(|s| {
            s.name.starts_with("server_")
                && !matches!(
                    s.name.as_str(),
                    "server_advertise_condition" | "server_debug_print"
                )
        });
        attrs.insert_default("server", Value::Bool(server));
        let condition = driver.get("server_advertise_condition");
        let by_condition = match condition.map(known_text) {
            None => Tri::Yes,
            Some(Err(reason)) => Tri::Unknown(reason),
            Some(Ok(text)) => match tls_split(text) {
                Some(split) => tri(truthy(&split.without_tls)),
                None if text.contains('$') => Tri::Unknown(format!(
                    "server_advertise_condition `{text}` is expanded per session"
                )),
                None => tri(truthy(text)),
            },
        };
        let main = self.config.main("auth_advertise_hosts");
        let by_main = match auth_hosts_without_tls(main) {
            Value::Bool(true) => Tri::Yes,
            Value::Bool(false) => Tri::No,
            Value::Unknown(u) => Tri::Unknown(u.reason),
            _ => Tri::Yes,
        };
        let advertised = and(by_condition, by_main);
        attrs.derived("advertised_without_tls", from_tri(advertised), condition);
        let existence = driver.uncertain.clone();
        attrs.into_object(
            "exim.authenticator",
            format!("exim.authenticator[{}]", driver.name),
            span,
            existence,
        )
    }
}

fn tri(value: bool) -> Tri {
    if value { Tri::Yes } else { Tri::No }
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => Tri::Unknown(r),
    }
}

fn host_label(host: &RouteHost) -> String {
    let mut label = host.host.clone();
    if host.mx {
        label.push_str("/MX");
    }
    if let Some(port) = &host.port {
        label.push(':');
        label.push_str(port);
    }
    label
}

fn find_driver<'c>(config: &'c EximConfig, section: Section, name: &str) -> Option<&'c Driver> {
    config.drivers(section).filter(|d| d.name == name).last()
}

/// STARTTLS is advertised to some host: `tls_advertise_hosts` (default `*`)
/// is not empty.
fn tls_offered(setting: Option<&Setting>) -> Value {
    let Some(setting) = setting else {
        return Value::Bool(true);
    };
    match known_text(setting) {
        Err(reason) => unknown(reason),
        Ok(text) if text.contains('$') => unknown(format!(
            "tls_advertise_hosts `{text}` is expanded per connection"
        )),
        Ok(text) => {
            let items = crate::exim::hosts::split_list(text, ':');
            let none = items.is_empty()
                || items.iter().all(String::is_empty)
                || items
                    .first()
                    .is_some_and(|i| i.trim_start_matches('!').trim() == "*" && i.starts_with('!'));
            Value::Bool(!none)
        }
    }
}

/// AUTH is advertised to some client on a cleartext session, as far as
/// `auth_advertise_hosts` (default `*`) decides.
fn auth_hosts_without_tls(setting: Option<&Setting>) -> Value {
    let Some(setting) = setting else {
        return Value::Bool(true);
    };
    match known_text(setting) {
        Err(reason) => unknown(reason),
        Ok(text) => match tls_split(text) {
            Some(split) => Value::Bool(!split.without_tls.trim().is_empty()),
            None if text.contains('$') => unknown(format!(
                "auth_advertise_hosts `{text}` is expanded per connection"
            )),
            None => Value::Bool(!text.trim().is_empty()),
        },
    }
}

fn main_gnutls_floor(config: &EximConfig) -> Result<TlsVersion, String> {
    match config.main("tls_require_ciphers") {
        Some(setting) => gnutls_floor(known_text(setting)?),
        None => gnutls_floor(GNUTLS_PRIORITY_DEFAULT),
    }
}

fn transport_gnutls_floor(driver: &Driver) -> Result<TlsVersion, String> {
    match driver.get("tls_require_ciphers") {
        Some(setting) => gnutls_floor(known_text(setting)?),
        None => gnutls_floor(GNUTLS_PRIORITY_DEFAULT),
    }
}

/// `min_tls_version_openssl`, `min_tls_version_gnutls` and their
/// combination `min_tls_version`, each at the setting that decides it.
fn floors(
    attrs: &mut Attrs<'_>,
    openssl: Result<TlsVersion, String>,
    gnutls: Result<TlsVersion, String>,
    (openssl_at, gnutls_at, combined_at): (Option<&Setting>, Option<&Setting>, Option<&Setting>),
) {
    let single = |floor: &Result<TlsVersion, String>| match floor {
        Ok(version) => Value::String(version.as_str().to_owned()),
        Err(reason) => unknown(reason.clone()),
    };
    // A setting in another file than the object's is not where its key is.
    fn here(s: Option<&Setting>, file: usize) -> Option<&Setting> {
        s.filter(|s| s.value_at.file == file)
    }
    let file = attrs.file;
    let (o, g) = (single(&openssl), single(&gnutls));
    let (o_at, g_at, c_at) = (
        here(openssl_at, file),
        here(gnutls_at, file),
        here(combined_at, file),
    );
    attrs.derived("min_tls_version_openssl", o, o_at);
    attrs.derived("min_tls_version_gnutls", g, g_at);
    attrs.derived("min_tls_version", combine_floors(openssl, gnutls), c_at);
}

/// The floor when both libraries agree; otherwise unknown, saying why.
fn combine_floors(
    openssl: Result<TlsVersion, String>,
    gnutls: Result<TlsVersion, String>,
) -> Value {
    match (openssl, gnutls) {
        (Ok(a), Ok(b)) if a == b => Value::String(a.as_str().to_owned()),
        (Ok(a), Ok(b)) => unknown(format!(
            "{} if Exim is built with OpenSSL (openssl_options), {} with GnuTLS (tls_require_ciphers); the configuration does not say which library this Exim uses",
            a.as_str(),
            b.as_str()
        )),
        (Err(reason), _) => unknown(format!("with OpenSSL: {reason}")),
        (_, Err(reason)) => unknown(format!("with GnuTLS: {reason}")),
    }
}
