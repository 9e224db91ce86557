//! The settings in effect for one protocol (imap, pop3, ...), as Dovecot
//! decides them: the most specific filter that sets a value wins (a
//! `protocol` filter over the global scope; two matching `protocol` filters
//! setting the same value conflict), else the version's default. Filters on
//! the connection (`local`, `remote`, `local_name`) are kept apart as
//! conditions: their values apply only to some connections.

use crate::dovecot::error::{DovecotError, DovecotErrorKind};
use crate::dovecot::model::{DovecotConfig, Filter, Setting, ValueForm};
use crate::dovecot::schema::parse_bool;
use crate::dovecot::version::{DovecotVersion, dovecot_default_value};

/// Protocols that get an object when a `protocol NAME { }` filter exists,
/// even when `protocols` does not list them. (`sieve` is ManageSieve.)
pub(crate) const KNOWN_PROTOCOLS: [&str; 6] =
    ["imap", "pop3", "submission", "lmtp", "lda", "sieve"];

/// Where a protocol's value comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    pub(crate) filter: &'a Filter,
    pub(crate) setting: &'a Setting,
}

/// The value of one setting for one protocol, and the connection filters
/// that change it.
#[derive(Debug, Clone)]
pub(crate) struct Effective<'a> {
    pub(crate) name: &'static str,
    /// `None`: the default.
    pub(crate) found: Option<Found<'a>>,
    pub(crate) default: &'static str,
    pub(crate) conditional: Vec<Found<'a>>,
}

impl Effective<'_> {
    pub(crate) fn value(&self) -> &str {
        self.found
            .map_or(self.default, |f| f.setting.value.as_str())
    }

    /// `default`, `global` or the filter (`protocol imap`).
    pub(crate) fn source(&self) -> String {
        match self.found {
            None => "default".to_owned(),
            Some(f) => f.filter.spec.describe(),
        }
    }
}

/// Reads settings for one protocol.
pub(crate) struct ProtocolScope<'a> {
    pub(crate) config: &'a DovecotConfig,
    pub(crate) protocol: &'a str,
}

impl<'a> ProtocolScope<'a> {
    /// The value of top-level setting `name` for this protocol, plus
    /// conflicts between equally specific filters.
    pub(crate) fn effective(&self, name: &'static str) -> (Effective<'a>, Vec<DovecotError>) {
        let default = dovecot_default_value(name, self.config.version).unwrap_or("");
        let mut global = None;
        let mut specific: Vec<Found<'a>> = Vec::new();
        let mut conditional = Vec::new();
        for filter in &self.config.filters {
            let spec = &filter.spec;
            if !spec.matches_protocol(self.protocol) {
                continue;
            }
            let Some(setting) = filter.settings.get(name) else {
                continue;
            };
            let found = Found { filter, setting };
            if spec.is_conditional() {
                conditional.push(found);
            } else if spec.protocol.is_some() {
                specific.push(found);
            } else {
                global = Some(found);
            }
        }
        let errors = specific
            .iter()
            .skip(1)
            .map(|later| {
                DovecotError::new(
                    later.setting.name_at,
                    DovecotErrorKind::FilterConflict {
                        name: name.to_owned(),
                        filter: later.filter.spec.describe(),
                    },
                )
            })
            .collect();
        let effective = Effective {
            name,
            found: specific.first().copied().or(global),
            default,
            conditional,
        };
        (effective, errors)
    }

    /// The protocols `protocols` lists (global scope), `none` left out.
    pub(crate) fn listed(config: &DovecotConfig) -> Vec<String> {
        let value = config.setting("protocols").map_or_else(
            || dovecot_default_value("protocols", config.version).unwrap_or(""),
            |s| s.value.as_str(),
        );
        value
            .split_whitespace()
            .filter(|p| *p != "none")
            .map(str::to_owned)
            .collect()
    }
}

/// `ssl` values from weakest to strongest.
pub(crate) fn ssl_rank(value: &str) -> u8 {
    match value {
        "required" => 2,
        "yes" => 1,
        // "no", and anything Dovecot would refuse.
        _ => 0,
    }
}

/// `ssl_min_protocol` values from weakest to strongest; an unknown name
/// ranks lowest.
pub(crate) fn min_protocol_rank(value: &str) -> u8 {
    match value {
        "ANY" => 1,
        "SSLv3" => 2,
        "TLSv1" => 3,
        "TLSv1.1" => 4,
        "TLSv1.2" => 5,
        "TLSv1.3" => 6,
        "LATEST" => 7,
        _ => 0,
    }
}

/// The setting that allows or forbids cleartext authentication in a
/// version, and whether its value allows it (`None`: not a boolean).
pub(crate) fn cleartext_setting(version: DovecotVersion) -> &'static str {
    if version.is_2_4() {
        "auth_allow_cleartext"
    } else {
        "disable_plaintext_auth"
    }
}

pub(crate) fn cleartext_allowed_by(version: DovecotVersion, value: &str) -> Option<bool> {
    let b = parse_bool(value)?;
    Some(if version.is_2_4() { b } else { !b })
}

/// The certificate setting of a version and the path it names: `<path` in
/// 2.3 (a plain value there is the PEM text itself, kept as written), a
/// plain path in 2.4.
pub(crate) fn cert_setting(version: DovecotVersion) -> &'static str {
    if version.is_2_4() {
        "ssl_server_cert_file"
    } else {
        "ssl_cert"
    }
}

pub(crate) fn cert_path(setting: &Setting) -> &str {
    match setting.form {
        ValueForm::File => setting.file_path().unwrap_or(""),
        _ => setting.value.as_str(),
    }
}

/// A plaintext SASL mechanism (the password crosses the wire as sent).
pub(crate) fn is_plaintext_mechanism(name: &str) -> bool {
    name.eq_ignore_ascii_case("plain") || name.eq_ignore_ascii_case("login")
}

/// A built-in inet listener: name, port, implicit TLS.
pub(crate) type BuiltInListener = (&'static str, u16, bool);

/// The login service that accepts a protocol's clients, and its built-in
/// inet listeners (2.3.19 `doveconf -d`; Pigeonhole for sieve).
pub(crate) fn login_service(protocol: &str) -> Option<(&'static str, &'static [BuiltInListener])> {
    Some(match protocol {
        "imap" => ("imap-login", &[("imap", 143, false), ("imaps", 993, true)]),
        "pop3" => ("pop3-login", &[("pop3", 110, false), ("pop3s", 995, true)]),
        "submission" => ("submission-login", &[("submission", 587, false)]),
        "sieve" => ("managesieve-login", &[("sieve", 4190, false)]),
        "lmtp" => ("lmtp", &[]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::dovecot::eval::read_dovecot;

    fn config(text: &str) -> DovecotConfig {
        read_dovecot(SourceFile::new("dovecot.conf", text), None)
    }

    #[test]
    fn a_protocol_filter_overrides_only_its_protocol() {
        let c = config("ssl = required\nprotocol pop3 {\n  ssl = no\n}\n");
        let imap = ProtocolScope {
            config: &c,
            protocol: "imap",
        }
        .effective("ssl")
        .0;
        let pop3 = ProtocolScope {
            config: &c,
            protocol: "pop3",
        }
        .effective("ssl")
        .0;
        assert_eq!(
            (imap.value(), imap.source().as_str()),
            ("required", "global")
        );
        assert_eq!(
            (pop3.value(), pop3.source().as_str()),
            ("no", "protocol pop3")
        );
    }

    #[test]
    fn negated_protocols_connection_filters_and_conflicts() {
        let c = config(
            "protocol !pop3 {\n  ssl = required\n}\nprotocol imap {\n  ssl = yes\n}\nremote 10.0.0.0/8 {\n  ssl = no\n}\n",
        );
        let (imap, errors) = ProtocolScope {
            config: &c,
            protocol: "imap",
        }
        .effective("ssl");
        assert_eq!(imap.value(), "required");
        assert_eq!(errors.len(), 1);
        assert_eq!(imap.conditional.len(), 1);
        let (pop3, errors) = ProtocolScope {
            config: &c,
            protocol: "pop3",
        }
        .effective("ssl");
        assert_eq!((pop3.value(), errors.len()), ("yes", 0));
        assert_eq!(pop3.found.map(|f| f.filter.spec.describe()), None);
    }
}
