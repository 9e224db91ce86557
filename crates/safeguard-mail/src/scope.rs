//! Where a service finds a parameter's value, in the daemon's order: the
//! per-process read-only names (`service_name`, `process_name`), the
//! service's own `-o` overrides, main.cf, then the built-in default of the
//! Postfix release. A `compatibility_level` declared to safeguard replaces
//! main.cf's.

use std::borrow::Cow;

use crate::defaults::default_value;
use crate::expand::{Expansion, Lookup, Resolve, expand};
use crate::main_cf::{MainCf, Parameter};
use crate::master_cf::{MasterCf, Override, ServiceEntry};
use crate::registry;
use crate::version::PostfixVersion;

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin<'a> {
    /// Declared to safeguard (safeguard.toml), not read from a file.
    Declared,
    /// Set per process by master(8): `service_name`, `process_name`.
    Service(&'a ServiceEntry),
    Override(&'a Override),
    Main(&'a Parameter),
    /// Postfix's built-in default.
    Default,
}

impl Origin<'_> {
    /// The label policies see in an object's `sources` map.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Origin::Declared => "declared",
            Origin::Service(_) | Origin::Override(_) => "master.cf",
            Origin::Main(_) => "main.cf",
            Origin::Default => "default",
        }
    }
}

/// A value in effect, raw and expanded.
#[derive(Debug, Clone)]
pub(crate) struct Setting<'a> {
    pub(crate) origin: Origin<'a>,
    pub(crate) expansion: Expansion,
}

/// The parameter name space of one service, or of main.cf alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) main: &'a MainCf,
    pub(crate) master: Option<&'a MasterCf>,
    pub(crate) service: Option<&'a ServiceEntry>,
    pub(crate) version: PostfixVersion,
    pub(crate) declared_compat: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// The raw value in effect and its origin.
    pub(crate) fn raw(&self, name: &str) -> Option<(Cow<'a, str>, Origin<'a>)> {
        if name == "compatibility_level"
            && let Some(level) = self.declared_compat
        {
            return Some((Cow::Borrowed(level), Origin::Declared));
        }
        if let Some(service) = self.service {
            match name {
                "service_name" => {
                    return Some((Cow::Borrowed(&service.name.text), Origin::Service(service)));
                }
                "process_name" => {
                    return Some((
                        Cow::Borrowed(service.process_name()),
                        Origin::Service(service),
                    ));
                }
                _ => {}
            }
            if let Some(o) = service.override_for(name) {
                return Some((Cow::Borrowed(&o.value), Origin::Override(o)));
            }
        }
        // Postfix ignores main.cf assignments to per-process names.
        if !registry::is_read_only(name)
            && let Some(p) = self.main.get(name)
        {
            return Some((Cow::Borrowed(&p.value), Origin::Main(p)));
        }
        default_value(name, self.version).map(|v| (Cow::Borrowed(v), Origin::Default))
    }

    /// The value in effect, expanded unless Postfix keeps it raw.
    pub(crate) fn setting(&self, name: &str) -> Option<Setting<'a>> {
        let (raw, origin) = self.raw(name)?;
        let expansion = if registry::is_raw(name) {
            Expansion {
                text: raw.into_owned(),
                ..Expansion::default()
            }
        } else {
            expand(&raw, self)
        };
        Some(Setting { origin, expansion })
    }

    /// A `<transport>_<suffix>` parameter of some master.cf service.
    pub(crate) fn is_service_parameter(&self, name: &str) -> bool {
        self.master.is_some_and(|master| {
            master.entries().iter().any(|entry| {
                name.strip_prefix(entry.name.text.as_str())
                    .is_some_and(|suffix| {
                        registry::service_suffixes(&entry.command.text).any(|s| s == suffix)
                    })
            })
        })
    }
}

impl Resolve for Scope<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        match self.raw(name) {
            Some((value, _)) => Lookup::Value(value),
            None if registry::is_builtin(name) || self.is_service_parameter(name) => {
                Lookup::Unknown
            }
            None => Lookup::Undefined,
        }
    }
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::{parse_main_cf, parse_master_cf};

    #[test]
    fn lookup_order_is_readonly_override_main_default() {
        let main = parse_main_cf(&SourceFile::new(
            "main.cf",
            "a = main\nservice_name = ignored\nsmtpd_tls_security_level = $a\nbanner = $myhostname\n",
        ));
        let master = parse_master_cf(&SourceFile::new(
            "master.cf",
            "sub inet n - y - - /usr/lib/postfix/smtpd -o a=override -o service_name=x\n\
             relay unix - - y - - smtp\n",
        ));
        let scope = Scope {
            main: &main,
            master: Some(&master),
            service: master.entries().first(),
            version: PostfixVersion::ASSUMED,
            declared_compat: Some("3.6"),
        };
        let text = |name: &str| scope.setting(name).map(|s| s.expansion.text);
        assert_eq!(text("service_name").as_deref(), Some("sub"));
        assert_eq!(text("process_name").as_deref(), Some("smtpd"));
        assert_eq!(
            text("smtpd_tls_security_level").as_deref(),
            Some("override")
        );
        assert_eq!(text("compatibility_level").as_deref(), Some("3.6"));
        assert_eq!(
            text("smtpd_relay_restrictions").as_deref(),
            Some("permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination")
        );
        assert_eq!(text("undefined_thing"), None);
        let banner = scope.setting("banner").unwrap();
        assert_eq!(banner.expansion.unknown, vec!["myhostname".to_owned()]);
        assert_eq!(
            scope.lookup("relay_destination_concurrency_limit"),
            Lookup::Unknown
        );
        assert_eq!(scope.lookup("relay_nonsense"), Lookup::Undefined);
        let main_only = Scope {
            service: None,
            ..scope
        };
        assert_eq!(main_only.raw("service_name"), None);
        assert!(matches!(main_only.raw("a"), Some((_, Origin::Main(_)))));
    }
}
