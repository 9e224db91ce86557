//! Dovecot 2.3 and 2.4: how a configuration says which one it is
//! (`dovecot_config_version`, required as the first setting by 2.4), the
//! settings 2.4 renamed, and the defaults of the settings policies read.
//!
//! 2.3 defaults are doveconf 2.3.19.1's (`settings_2_3.txt`, checked
//! against the installed `doveconf -d` by the differential test); the 2.4
//! ones are from the 2.4.1 sources (`ssl-settings.c`, `login-settings.c`,
//! `auth-settings.c`), since no 2.4 doveconf is at hand.

use std::fmt;

use crate::dovecot::schema;

/// A Dovecot major.minor release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DovecotVersion {
    pub major: u32,
    pub minor: u32,
}

impl DovecotVersion {
    pub const V2_3: DovecotVersion = DovecotVersion { major: 2, minor: 3 };
    pub const V2_4: DovecotVersion = DovecotVersion { major: 2, minor: 4 };

    /// The version a configuration without `dovecot_config_version` is
    /// read as: 2.4 refuses such a file.
    pub const ASSUMED: DovecotVersion = DovecotVersion::V2_3;

    /// `2.4.0` → 2.4. `None` for text that is not `MAJOR.MINOR[...]`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Self { major, minor })
    }

    /// True for 2.4 and later: the renamed settings apply.
    #[must_use]
    pub fn is_2_4(self) -> bool {
        self >= DovecotVersion::V2_4
    }
}

impl fmt::Display for DovecotVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// 2.3 name → 2.4 name, for the settings 2.4 renamed that we know of.
/// `disable_plaintext_auth` became `auth_allow_cleartext` with the meaning
/// inverted; the certificate settings take a plain path instead of `<path`.
pub(crate) const RENAMED: [(&str, &str); 8] = [
    ("disable_plaintext_auth", "auth_allow_cleartext"),
    ("ssl_cert", "ssl_server_cert_file"),
    ("ssl_key", "ssl_server_key_file"),
    ("ssl_dh", "ssl_server_dh_file"),
    ("ssl_ca", "ssl_server_ca_file"),
    ("ssl_alt_cert", "ssl_server_alt_cert_file"),
    ("ssl_alt_key", "ssl_server_alt_key_file"),
    ("ssl_prefer_server_ciphers", "ssl_server_prefer_ciphers"),
];

/// For a setting that does not exist in `version` but does in the other
/// major version: the name `version` uses and the version label.
pub(crate) fn renamed(name: &str, version: DovecotVersion) -> Option<(&'static str, &'static str)> {
    RENAMED.iter().find_map(|&(old, new)| {
        if version.is_2_4() && name == old {
            Some((new, "2.4"))
        } else if !version.is_2_4() && name == new {
            Some((old, "2.3"))
        } else {
            None
        }
    })
}

/// The defaults of 2.4 settings we evaluate (2.4.1 sources).
const DEFAULTS_2_4: [(&str, &str); 5] = [
    ("ssl", "yes"),
    ("ssl_min_protocol", "TLSv1.2"),
    ("auth_allow_cleartext", "no"),
    ("auth_mechanisms", "plain"),
    ("protocols", ""),
];

/// The built-in default of a top-level setting in `version`, when known.
/// (`protocols` is empty by default in both: Debian adds its protocols from
/// `/usr/share/dovecot/protocols.d`.)
#[must_use]
pub fn dovecot_default_value(name: &str, version: DovecotVersion) -> Option<&'static str> {
    if version.is_2_4() {
        DEFAULTS_2_4
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
    } else {
        schema::lookup(name)
            .filter(|d| !d.name.contains('/'))
            .map(|d| d.default.as_str())
    }
}

/// The names of the 2.3 top-level settings with known defaults.
pub fn dovecot_default_names() -> impl Iterator<Item = &'static str> {
    schema::top_level().map(|d| d.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_renames() {
        assert_eq!(DovecotVersion::parse("2.4.0"), Some(DovecotVersion::V2_4));
        assert_eq!(DovecotVersion::parse("2.3"), Some(DovecotVersion::V2_3));
        assert_eq!(DovecotVersion::parse("two"), None);
        assert_eq!(DovecotVersion::V2_4.to_string(), "2.4");
        assert_eq!(
            renamed("disable_plaintext_auth", DovecotVersion::V2_4),
            Some(("auth_allow_cleartext", "2.4"))
        );
        assert_eq!(
            renamed("ssl_server_cert_file", DovecotVersion::V2_3),
            Some(("ssl_cert", "2.3"))
        );
        assert_eq!(renamed("ssl_cert", DovecotVersion::V2_3), None);
        assert_eq!(
            dovecot_default_value("ssl", DovecotVersion::V2_3),
            Some("yes")
        );
        assert_eq!(
            dovecot_default_value("auth_allow_cleartext", DovecotVersion::V2_4),
            Some("no")
        );
        assert_eq!(
            dovecot_default_value("disable_plaintext_auth", DovecotVersion::V2_3),
            Some("yes")
        );
    }
}
