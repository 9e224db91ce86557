//! The settings in effect for an SMTP server (`smtpd`) or client (`smtp`)
//! service, as attribute maps, plus the values Postfix derives from them.
//!
//! Server logic follows `smtpd.c` (3.7): with `smtpd_tls_wrappermode = yes`
//! the security level is ignored and TLS is enforced; otherwise a non-empty
//! `smtpd_tls_security_level` decides (`fingerprint`, `verify` and `secure`
//! act as `encrypt`; anything else stops smtpd) and the legacy
//! `smtpd_use_tls`/`smtpd_enforce_tls` apply only when it is empty. Enforced
//! TLS implies `smtpd_tls_auth_only` and selects the *mandatory* protocol
//! list. The client (`smtp_tls_policy.c`) maps an empty level to the legacy
//! `smtp_enforce_tls` (`verify` with `smtp_tls_enforce_peername`, else
//! `encrypt`) or `smtp_use_tls` (`may`).

use std::collections::HashMap;

use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_source::Span;

use crate::expand::ExpandError;
use crate::protocols::{TlsVersion, minimum_version};
use crate::scope::{Origin, Scope};

/// The server parameters each `postfix.smtpd` object carries.
pub const SMTPD_PARAMETERS: [&str; 41] = [
    "smtpd_tls_security_level",
    "smtpd_use_tls",
    "smtpd_enforce_tls",
    "smtpd_tls_wrappermode",
    "smtpd_tls_auth_only",
    "smtpd_tls_protocols",
    "smtpd_tls_mandatory_protocols",
    "smtpd_tls_ciphers",
    "smtpd_tls_mandatory_ciphers",
    "smtpd_tls_exclude_ciphers",
    "smtpd_tls_mandatory_exclude_ciphers",
    "smtpd_tls_cert_file",
    "smtpd_tls_key_file",
    "smtpd_tls_chain_files",
    "smtpd_tls_eccert_file",
    "smtpd_tls_eckey_file",
    "smtpd_tls_dcert_file",
    "smtpd_tls_dkey_file",
    "smtpd_tls_CAfile",
    "smtpd_tls_CApath",
    "smtpd_tls_ask_ccert",
    "smtpd_tls_req_ccert",
    "smtpd_tls_loglevel",
    "smtpd_tls_received_header",
    "smtpd_sasl_auth_enable",
    "smtpd_sasl_type",
    "smtpd_sasl_path",
    "smtpd_sasl_security_options",
    "smtpd_sasl_tls_security_options",
    "smtpd_sasl_authenticated_header",
    "smtpd_client_restrictions",
    "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",
    "smtpd_recipient_restrictions",
    "tls_high_cipherlist",
    "tls_medium_cipherlist",
    "tls_low_cipherlist",
    "tls_export_cipherlist",
    "tls_null_cipherlist",
    "tls_ssl_options",
    "tls_preempt_cipherlist",
];

/// The client parameters each `postfix.smtp_client` object carries.
pub const CLIENT_PARAMETERS: [&str; 31] = [
    "smtp_tls_security_level",
    "smtp_use_tls",
    "smtp_enforce_tls",
    "smtp_tls_enforce_peername",
    "smtp_tls_wrappermode",
    "smtp_tls_protocols",
    "smtp_tls_mandatory_protocols",
    "smtp_tls_ciphers",
    "smtp_tls_mandatory_ciphers",
    "smtp_tls_exclude_ciphers",
    "smtp_tls_mandatory_exclude_ciphers",
    "smtp_tls_policy_maps",
    "smtp_tls_CAfile",
    "smtp_tls_CApath",
    "smtp_tls_cert_file",
    "smtp_tls_key_file",
    "smtp_tls_loglevel",
    "smtp_dns_support_level",
    "smtp_sasl_auth_enable",
    "smtp_sasl_password_maps",
    "smtp_sasl_security_options",
    "smtp_sasl_tls_security_options",
    "smtp_sasl_tls_verified_security_options",
    "smtp_sasl_mechanism_filter",
    "tls_high_cipherlist",
    "tls_medium_cipherlist",
    "tls_low_cipherlist",
    "tls_export_cipherlist",
    "tls_null_cipherlist",
    "tls_ssl_options",
    "tls_preempt_cipherlist",
];

/// Routing parameters, read by the queue manager rather than by smtp(8):
/// only the main `postfix.client` object carries them.
pub const ROUTING_PARAMETERS: [&str; 5] = [
    "relayhost",
    "transport_maps",
    "sender_dependent_relayhost_maps",
    "default_transport",
    "relay_transport",
];

/// A value a derived attribute is computed from: known text, or the reason
/// it is unknown.
#[derive(Debug, Clone)]
struct Known {
    value: Result<String, String>,
    at: At,
}

/// Where a value is written: a span in the object's file (`origin: None`)
/// or in another file of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) span: Span,
    pub(crate) origin: Option<u32>,
}

impl At {
    pub(crate) fn here(span: Span) -> Self {
        Self { span, origin: None }
    }
}

/// The document file indexes of main.cf and master.cf.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Files {
    pub(crate) main: u32,
    pub(crate) master: Option<u32>,
}

/// An expansion error met while computing a setting, with where it is.
#[derive(Debug, Clone)]
pub(crate) struct SettingError<'a> {
    pub(crate) origin: Origin<'a>,
    pub(crate) error: ExpandError,
}

/// Builds an object's attributes: parameters, their `sources`, derived values.
pub(crate) struct AttrBuilder<'a> {
    pub(crate) attrs: Map,
    sources: Map,
    /// Where values with no text of their own (defaults) point, and the
    /// keys of values written in another file: the start of the service
    /// line, or of main.cf.
    fallback: Span,
    /// Whether the object lives in master.cf (else main.cf).
    in_master: bool,
    files: Files,
    pub(crate) errors: Vec<SettingError<'a>>,
}

impl<'a> AttrBuilder<'a> {
    pub(crate) fn new(fallback: Span, in_master: bool, files: Files) -> Self {
        Self {
            attrs: Map::default(),
            sources: Map::default(),
            fallback,
            in_master,
            files,
            errors: Vec::new(),
        }
    }

    /// Adds an attribute written at `at`. A key has no file of its own, so
    /// the key of a value from another file points where a default would.
    pub(crate) fn insert(&mut self, key: &str, value: Value, at: At) {
        let key_span = if at.origin.is_none() {
            at.span
        } else {
            self.fallback
        };
        self.attrs.insert(
            key,
            key_span,
            Node {
                value,
                span: at.span,
                origin: at.origin,
            },
        );
    }

    /// Adds the parameter in effect (expanded) and returns it for derivations.
    fn setting(&mut self, scope: &Scope<'a>, name: &str) -> Known {
        let fallback = At::here(self.fallback);
        let Some(setting) = scope.setting(name) else {
            let reason = format!("the built-in default of {name} is not modeled");
            self.insert(name, unknown(&reason), fallback);
            return Known {
                value: Err(reason),
                at: fallback,
            };
        };
        let (key_span, at) = self.place(setting.origin);
        let expansion = setting.expansion;
        let value = if let Some(error) = expansion.error {
            self.errors.push(SettingError {
                origin: setting.origin,
                error: error.clone(),
            });
            Err(format!("{name}: {error}"))
        } else if !expansion.unknown.is_empty() {
            let names: Vec<String> = expansion.unknown.iter().map(|n| format!("${n}")).collect();
            Err(format!(
                "{name} depends on the built-in default of {} (known only to the running Postfix)",
                names.join(", ")
            ))
        } else {
            Ok(expansion.text)
        };
        let node_value = match &value {
            // Inline SASL passwords never reach the model.
            Ok(text) if name == "smtp_sasl_password_maps" => {
                Value::String(crate::tables::redact_value(text))
            }
            Ok(text) => Value::String(text.clone()),
            Err(reason) => unknown(reason),
        };
        self.attrs.insert(
            name,
            key_span,
            Node {
                value: node_value,
                span: at.span,
                origin: at.origin,
            },
        );
        self.sources.insert(
            name,
            key_span,
            Node {
                value: Value::String(setting.origin.label().to_owned()),
                span: at.span,
                origin: at.origin,
            },
        );
        Known { value, at }
    }

    /// The key span and value location of a setting's origin: the
    /// override's text, else main.cf's, else (a default) the fallback.
    fn place(&self, origin: Origin<'_>) -> (Span, At) {
        let (master, main) = (self.files.master, Some(self.files.main));
        let (key, value, file) = match origin {
            Origin::Service(entry) => (entry.name.span, entry.name.span, master),
            Origin::Override(o) => (o.name_span, o.value_span, master),
            Origin::Main(p) => (p.name_span, p.value_span, main),
            Origin::Declared | Origin::Default => return (self.fallback, At::here(self.fallback)),
        };
        let in_own_file = match origin {
            Origin::Main(_) => !self.in_master,
            _ => self.in_master,
        };
        match file {
            Some(_) if in_own_file => (key, At::here(value)),
            Some(index) => (
                self.fallback,
                At {
                    span: value,
                    origin: Some(index),
                },
            ),
            None => (self.fallback, At::here(self.fallback)),
        }
    }

    /// Adds the parameters in list order; returns them by name.
    fn settings(
        &mut self,
        scope: &Scope<'a>,
        names: &[&'static str],
    ) -> HashMap<&'static str, Known> {
        names
            .iter()
            .map(|&name| (name, self.setting(scope, name)))
            .collect()
    }

    /// Finishes: the `sources` map goes last.
    pub(crate) fn finish(mut self, header: Span) -> (Map, Vec<SettingError<'a>>) {
        let sources = std::mem::take(&mut self.sources);
        self.insert("sources", Value::Map(sources), At::here(header));
        (self.attrs, self.errors)
    }

    /// The effective `compatibility_level`.
    pub(crate) fn compatibility_level(&mut self, scope: &Scope<'a>) {
        self.setting(scope, "compatibility_level");
    }

    /// Every server parameter and the derived server attributes.
    pub(crate) fn smtpd(&mut self, scope: &Scope<'a>) {
        let values = self.settings(scope, &SMTPD_PARAMETERS);
        let get = |name: &str| known(&values, name, self.fallback);
        let level = get("smtpd_tls_security_level");
        let use_tls = get("smtpd_use_tls");
        let enforce_tls = get("smtpd_enforce_tls");
        let wrappermode = get("smtpd_tls_wrappermode");
        let auth_only = get("smtpd_tls_auth_only");
        let protocols = get("smtpd_tls_protocols");
        let mandatory = get("smtpd_tls_mandatory_protocols");
        let cert_file = get("smtpd_tls_cert_file");
        let chain_files = get("smtpd_tls_chain_files");
        let eccert_file = get("smtpd_tls_eccert_file");
        let dcert_file = get("smtpd_tls_dcert_file");
        let sasl = get("smtpd_sasl_auth_enable");

        let wrapper = flag(&wrappermode, "smtpd_tls_wrappermode");
        let (base_enforce, base_use, decider) = if wrapper == Ok(true) {
            // Postfix skips the level (even an invalid one) in wrapper mode.
            (Ok(false), Ok(false), wrappermode.at)
        } else {
            match &level.value {
                Ok(text) if !text.is_empty() => {
                    let decided = match text.to_ascii_lowercase().as_str() {
                        "none" => Ok((false, false)),
                        "may" => Ok((false, true)),
                        "encrypt" | "fingerprint" | "verify" | "secure" => Ok((true, true)),
                        _ => Err(format!(
                            "smtpd_tls_security_level = {text:?} is not a server TLS level (smtpd will not start)"
                        )),
                    };
                    match decided {
                        Ok((enforce, offer)) => (Ok(enforce), Ok(offer), level.at),
                        Err(reason) => (Err(reason.clone()), Err(reason), level.at),
                    }
                }
                Ok(_) => {
                    let enforce = flag(&enforce_tls, "smtpd_enforce_tls");
                    let offer = flag(&use_tls, "smtpd_use_tls");
                    let span = if enforce == Ok(true) {
                        enforce_tls.at
                    } else if offer == Ok(true) {
                        use_tls.at
                    } else {
                        level.at
                    };
                    (enforce, offer, span)
                }
                Err(reason) => (Err(reason.clone()), Err(reason.clone()), level.at),
            }
        };
        let enforced = any(&wrapper, &base_enforce);
        let offered = any(&base_use, &enforced);
        let auth_only_flag = flag(&auth_only, "smtpd_tls_auth_only");
        let auth = any(&auth_only_flag, &enforced);
        let auth_span = if auth_only_flag == Ok(true) {
            auth_only.at
        } else {
            decider
        };

        let level_name = match (&enforced, &offered) {
            (Ok(true), _) => Ok("encrypt".to_owned()),
            (Ok(false), Ok(true)) => Ok("may".to_owned()),
            (Ok(false), Ok(false)) => Ok("none".to_owned()),
            (Err(reason), _) | (_, Err(reason)) => Err(reason.clone()),
        };
        self.derived_text("tls_level", level_name, decider);
        self.derived_bool("tls_enforced", &enforced, decider);
        self.derived_bool("tls_offered", &offered, decider);
        self.derived_bool("auth_only", &auth, auth_span);
        self.derived_bool(
            "sasl_enabled",
            &flag(&sasl, "smtpd_sasl_auth_enable"),
            sasl.at,
        );
        self.derived_bool("wrappermode", &wrapper, wrappermode.at);
        self.min_tls_version(
            &offered,
            &enforced,
            (&protocols, "smtpd_tls_protocols"),
            (&mandatory, "smtpd_tls_mandatory_protocols"),
        );
        // Any one certificate is enough, so a known one outweighs an unknown
        // one (a three-valued "or", not a short-circuit on the unknown).
        let mut certificate = Ok(false);
        for file in [&cert_file, &eccert_file, &dcert_file, &chain_files] {
            let present = match &file.value {
                // `none` means "run without a certificate" (anonymous only).
                Ok(text) => Ok(!text.is_empty() && !text.eq_ignore_ascii_case("none")),
                Err(reason) => Err(reason.clone()),
            };
            certificate = any(&certificate, &present);
        }
        let cert_span = if chain_files.value.as_ref().is_ok_and(|t| !t.is_empty()) {
            chain_files.at
        } else {
            cert_file.at
        };
        self.derived_bool("tls_certificate_configured", &certificate, cert_span);
    }

    /// Every client parameter and the derived client attributes.
    pub(crate) fn smtp_client(&mut self, scope: &Scope<'a>, routing: bool) {
        let values = self.settings(scope, &CLIENT_PARAMETERS);
        if routing {
            self.settings(scope, &ROUTING_PARAMETERS);
        }
        let get = |name: &str| known(&values, name, self.fallback);
        let level = get("smtp_tls_security_level");
        let use_tls = get("smtp_use_tls");
        let enforce_tls = get("smtp_enforce_tls");
        let peername = get("smtp_tls_enforce_peername");
        let protocols = get("smtp_tls_protocols");
        let mandatory = get("smtp_tls_mandatory_protocols");
        let sasl = get("smtp_sasl_auth_enable");

        let (tls_level, decider) = match &level.value {
            Ok(text) if !text.is_empty() => {
                let lower = text.to_ascii_lowercase();
                let valid = [
                    "none",
                    "may",
                    "encrypt",
                    "fingerprint",
                    "dane",
                    "dane-only",
                    "verify",
                    "secure",
                ];
                if valid.contains(&lower.as_str()) {
                    (Ok(lower), level.at)
                } else {
                    (
                        Err(format!(
                            "smtp_tls_security_level = {text:?} is not a client TLS level"
                        )),
                        level.at,
                    )
                }
            }
            Ok(_) => {
                let enforce = flag(&enforce_tls, "smtp_enforce_tls");
                match enforce {
                    Ok(true) => match flag(&peername, "smtp_tls_enforce_peername") {
                        Ok(true) => (Ok("verify".to_owned()), enforce_tls.at),
                        Ok(false) => (Ok("encrypt".to_owned()), enforce_tls.at),
                        Err(reason) => (Err(reason), peername.at),
                    },
                    Ok(false) => match flag(&use_tls, "smtp_use_tls") {
                        Ok(true) => (Ok("may".to_owned()), use_tls.at),
                        Ok(false) => (Ok("none".to_owned()), level.at),
                        Err(reason) => (Err(reason), use_tls.at),
                    },
                    Err(reason) => (Err(reason), enforce_tls.at),
                }
            }
            Err(reason) => (Err(reason.clone()), level.at),
        };
        let enforced = tls_level
            .as_ref()
            .map(|l| {
                matches!(
                    l.as_str(),
                    "encrypt" | "fingerprint" | "verify" | "secure" | "dane-only"
                )
            })
            .map_err(Clone::clone);
        self.derived_text("tls_level", tls_level.clone(), decider);
        self.derived_bool("tls_enforced", &enforced, decider);
        self.derived_bool(
            "sasl_enabled",
            &flag(&sasl, "smtp_sasl_auth_enable"),
            sasl.at,
        );
        let protocols = (&protocols, "smtp_tls_protocols");
        let mandatory = (&mandatory, "smtp_tls_mandatory_protocols");
        match tls_level.as_deref() {
            Ok("none") => self.no_tls(decider),
            // `dane` falls back to `may` without DNSSEC-signed TLSA records:
            // either list can apply, so report the weaker.
            Ok("dane") => {
                let weaker = [protocols, mandatory]
                    .into_iter()
                    .map(|(known, name)| (minimum(known), known.at, name))
                    .min_by_key(|(min, _, _)| min.as_ref().ok().copied().flatten());
                if let Some((min, span, name)) = weaker {
                    self.version_attrs(min, span, name);
                }
            }
            Ok("may") => self.version_attrs(minimum(protocols.0), protocols.0.at, protocols.1),
            Ok(_) => self.version_attrs(minimum(mandatory.0), mandatory.0.at, mandatory.1),
            Err(reason) => self.unknown_versions(reason, decider),
        }
    }

    fn min_tls_version(
        &mut self,
        offered: &Result<bool, String>,
        enforced: &Result<bool, String>,
        protocols: (&Known, &str),
        mandatory: (&Known, &str),
    ) {
        match (offered, enforced) {
            (Ok(false), _) => self.no_tls(protocols.0.at),
            (_, Ok(true)) => self.version_attrs(minimum(mandatory.0), mandatory.0.at, mandatory.1),
            (Ok(true), Ok(false)) => {
                self.version_attrs(minimum(protocols.0), protocols.0.at, protocols.1)
            }
            (Err(reason), _) | (_, Err(reason)) => {
                // Whether TLS is enforced is unknown; if both lists agree the
                // minimum is known anyway.
                let (a, b) = (minimum(protocols.0), minimum(mandatory.0));
                match (&a, &b) {
                    (Ok(x), Ok(y)) if x == y && offered.is_ok() => {
                        self.version_attrs(a.clone(), protocols.0.at, protocols.1);
                    }
                    _ => self.unknown_versions(reason, protocols.0.at),
                }
            }
        }
    }

    /// TLS is off: no protocol applies.
    fn no_tls(&mut self, at: At) {
        self.insert("min_tls_version", Value::Null, at);
        self.insert("tls_protocols_parameter", Value::Null, at);
    }

    fn unknown_versions(&mut self, reason: &str, at: At) {
        self.insert("min_tls_version", unknown(reason), at);
        self.insert("tls_protocols_parameter", unknown(reason), at);
    }

    fn version_attrs(&mut self, min: Result<Option<TlsVersion>, String>, at: At, parameter: &str) {
        let value = match min {
            Ok(Some(version)) => Value::String(version.as_str().to_owned()),
            Ok(None) => unknown(&format!("{parameter} enables no TLS protocol version")),
            Err(reason) => unknown(&reason),
        };
        self.insert("min_tls_version", value, at);
        self.insert(
            "tls_protocols_parameter",
            Value::String(parameter.to_owned()),
            at,
        );
    }

    fn derived_bool(&mut self, key: &str, value: &Result<bool, String>, at: At) {
        let value = match value {
            Ok(b) => Value::Bool(*b),
            Err(reason) => unknown(reason),
        };
        self.insert(key, value, at);
    }

    fn derived_text(&mut self, key: &str, value: Result<String, String>, at: At) {
        let value = match value {
            Ok(text) => Value::String(text),
            Err(reason) => unknown(&reason),
        };
        self.insert(key, value, at);
    }
}

/// A setting collected by [`AttrBuilder::settings`].
fn known(values: &HashMap<&'static str, Known>, name: &str, fallback: Span) -> Known {
    values.get(name).cloned().unwrap_or_else(|| Known {
        value: Err(format!("{name} was not collected")),
        at: At::here(fallback),
    })
}

pub(crate) fn unknown(reason: &str) -> Value {
    Value::Unknown(Unknown {
        reason: reason.to_owned(),
        ..Unknown::default()
    })
}

/// A Postfix boolean: `yes` or `no`, any case; anything else stops the daemon.
fn flag(known: &Known, name: &str) -> Result<bool, String> {
    match &known.value {
        Ok(text) if text.eq_ignore_ascii_case("yes") => Ok(true),
        Ok(text) if text.eq_ignore_ascii_case("no") => Ok(false),
        Ok(text) => Err(format!(
            "{name} = {text:?} is not a Postfix boolean (yes or no)"
        )),
        Err(reason) => Err(reason.clone()),
    }
}

/// Three-valued "or": true wins over unknown.
fn any(a: &Result<bool, String>, b: &Result<bool, String>) -> Result<bool, String> {
    match (a, b) {
        (Ok(true), _) | (_, Ok(true)) => Ok(true),
        (Ok(false), Ok(false)) => Ok(false),
        (Err(reason), _) | (_, Err(reason)) => Err(reason.clone()),
    }
}

fn minimum(known: &Known) -> Result<Option<TlsVersion>, String> {
    match &known.value {
        Ok(list) => minimum_version(list).map_err(|e| format!("{e}: Postfix disables TLS")),
        Err(reason) => Err(reason.clone()),
    }
}
