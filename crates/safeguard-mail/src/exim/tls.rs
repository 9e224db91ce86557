//! The lowest TLS version an Exim configuration lets a connection use.
//!
//! Which setting decides depends on the TLS library Exim was built with,
//! and the configuration does not say which (only `.ifdef _HAVE_OPENSSL` /
//! `_HAVE_GNUTLS` branches hint at it):
//!
//! - OpenSSL: `openssl_options`, a space-separated list of `+name`/`-name`
//!   items applied to Exim's default `+no_sslv2 +no_sslv3 +single_dh_use
//!   +no_ticket +no_renegotiation`. `+no_tlsv1 +no_tlsv1_1` make TLS 1.2
//!   the floor. It applies to the server and every transport alike.
//! - GnuTLS: `tls_require_ciphers` is a priority string (main option for
//!   the server, transport option for the client), default `NORMAL`. Its
//!   keyword enables a set of versions (`NORMAL`, `SECURE*`, `PERFORMANCE`,
//!   `PFS`, `LEGACY`: TLS 1.0 and up; `SUITEB*`: TLS 1.2 and up; `NONE`:
//!   none) and `-VERS-TLS1.0`/`+VERS-TLS1.2`/`-VERS-ALL`/`-VERS-TLS-ALL`
//!   remove or add. `@SYSTEM` and other `@` keywords come from the host's
//!   crypto policy, so they are unknown.
//!
//! The result is the floor *the configuration* sets; the library or the
//! system policy may refuse more (OpenSSL 3 at its default security level
//! refuses TLS 1.0 and 1.1 on its own), which a configuration linter cannot
//! see.

use crate::protocols::TlsVersion;

/// Exim's `openssl_options` default (spec, main option `openssl_options`).
pub const OPENSSL_OPTIONS_DEFAULT: &str =
    "+no_sslv2 +no_sslv3 +single_dh_use +no_ticket +no_renegotiation";

/// Exim's GnuTLS priority when `tls_require_ciphers` is unset (tls-gnu.c).
pub const GNUTLS_PRIORITY_DEFAULT: &str = "NORMAL";

const OPENSSL_VERSIONS: [(&str, TlsVersion); 6] = [
    ("no_sslv2", TlsVersion::Ssl2),
    ("no_sslv3", TlsVersion::Ssl3),
    ("no_tlsv1", TlsVersion::Tls1),
    ("no_tlsv1_1", TlsVersion::Tls1_1),
    ("no_tlsv1_2", TlsVersion::Tls1_2),
    ("no_tlsv1_3", TlsVersion::Tls1_3),
];

/// The floor `openssl_options` leaves, or why it cannot be told.
pub fn openssl_floor(options: &str) -> Result<TlsVersion, String> {
    let mut disabled: Vec<TlsVersion> = Vec::new();
    for item in split_ws(OPENSSL_OPTIONS_DEFAULT).chain(split_ws(options)) {
        let (add, name) = match item.split_at_checked(1) {
            Some(("+", name)) => (true, name),
            Some(("-", name)) => (false, name),
            _ => {
                return Err(format!(
                    "openssl_options item `{item}` does not start with + or -"
                ));
            }
        };
        if name.contains('$') {
            return Err(format!("openssl_options item `{item}` is expanded"));
        }
        if let Some((_, version)) = OPENSSL_VERSIONS.iter().find(|(n, _)| *n == name) {
            disabled.retain(|v| v != version);
            if add {
                disabled.push(*version);
            }
        }
    }
    TlsVersion::ALL
        .into_iter()
        .find(|v| !disabled.contains(v))
        .ok_or_else(|| "openssl_options disables every TLS version".to_owned())
}

/// The floor a GnuTLS priority string leaves, or why it cannot be told.
pub fn gnutls_floor(priority: &str) -> Result<TlsVersion, String> {
    let from_tls1 = [
        TlsVersion::Tls1,
        TlsVersion::Tls1_1,
        TlsVersion::Tls1_2,
        TlsVersion::Tls1_3,
    ];
    let mut enabled: Vec<TlsVersion> = Vec::new();
    for (index, item) in priority.split(':').map(str::trim).enumerate() {
        if item.contains('$') {
            return Err(format!(
                "tls_require_ciphers `{priority}` is expanded at connection time"
            ));
        }
        if index == 0 {
            let keyword = item.to_ascii_uppercase();
            enabled = match keyword.as_str() {
                "NORMAL" | "PERFORMANCE" | "SECURE" | "SECURE128" | "SECURE192" | "SECURE256"
                | "PFS" | "LEGACY" => from_tls1.to_vec(),
                "SUITEB128" | "SUITEB192" => vec![TlsVersion::Tls1_2],
                "NONE" => Vec::new(),
                _ if keyword.starts_with('@') => {
                    return Err(format!(
                        "tls_require_ciphers starts with `{item}`, which the host's GnuTLS configuration defines"
                    ));
                }
                _ => {
                    return Err(format!(
                        "tls_require_ciphers `{priority}` does not start with a GnuTLS priority keyword"
                    ));
                }
            };
            continue;
        }
        let (add, name) = match item.split_at_checked(1) {
            Some(("+", name)) => (true, name),
            Some(("-" | "!", name)) => (false, name),
            _ => continue,
        };
        let versions: Vec<TlsVersion> = match name.to_ascii_uppercase().as_str() {
            "VERS-ALL" | "VERS-TLS-ALL" => from_tls1.to_vec(),
            "VERS-SSL3.0" => vec![TlsVersion::Ssl3],
            "VERS-TLS1.0" => vec![TlsVersion::Tls1],
            "VERS-TLS1.1" => vec![TlsVersion::Tls1_1],
            "VERS-TLS1.2" => vec![TlsVersion::Tls1_2],
            "VERS-TLS1.3" => vec![TlsVersion::Tls1_3],
            _ => continue,
        };
        enabled.retain(|v| !versions.contains(v));
        if add {
            enabled.extend(versions);
        }
    }
    enabled
        .into_iter()
        .min()
        .ok_or_else(|| format!("tls_require_ciphers `{priority}` enables no TLS version"))
}

fn split_ws(text: &str) -> impl Iterator<Item = &str> {
    text.split_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_options_set_the_floor() {
        assert_eq!(openssl_floor(OPENSSL_OPTIONS_DEFAULT), Ok(TlsVersion::Tls1));
        assert_eq!(
            openssl_floor("+no_tlsv1 +no_tlsv1_1"),
            Ok(TlsVersion::Tls1_2)
        );
        assert_eq!(openssl_floor("+no_tlsv1"), Ok(TlsVersion::Tls1_1));
        assert_eq!(
            openssl_floor("+no_tlsv1 +no_tlsv1_1 -no_tlsv1"),
            Ok(TlsVersion::Tls1)
        );
        assert_eq!(openssl_floor("-no_sslv3"), Ok(TlsVersion::Ssl3));
        assert_eq!(openssl_floor("+all -no_ticket"), Ok(TlsVersion::Tls1));
        assert!(openssl_floor("no_tlsv1").is_err());
    }

    #[test]
    fn gnutls_priority_strings_set_the_floor() {
        assert_eq!(gnutls_floor("NORMAL"), Ok(TlsVersion::Tls1));
        assert_eq!(
            gnutls_floor("SECURE192:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"),
            Ok(TlsVersion::Tls1_2)
        );
        assert_eq!(
            gnutls_floor("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"),
            Ok(TlsVersion::Tls1_2)
        );
        assert_eq!(
            gnutls_floor("NORMAL:%SERVER_PRECEDENCE:-VERS-TLS1.0"),
            Ok(TlsVersion::Tls1_1)
        );
        assert_eq!(gnutls_floor("SUITEB128"), Ok(TlsVersion::Tls1_2));
        assert!(gnutls_floor("@SYSTEM").is_err());
        assert!(gnutls_floor("HIGH:!aNULL").is_err());
        assert!(gnutls_floor("NONE").is_err());
    }
}
