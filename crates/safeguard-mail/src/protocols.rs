//! TLS protocol lists (`smtpd_tls_protocols` and friends), read as
//! Postfix's `tls_proto_mask_lims()` reads them, reduced to the versions
//! they leave enabled.
//!
//! Items are separated by blanks, commas or colons. `>=V` and `<=V` set a
//! floor and a ceiling (`V` a name or a hex number: `0x0303` and `303` are
//! TLS 1.2, `None` or empty means no bound); `!name` excludes a protocol;
//! a bare name is an *include* list, which excludes every protocol it does
//! not name. Names match case-insensitively. Any other item makes the whole
//! list invalid, and Postfix then disables TLS.
//!
//! The minimum is the lowest version left enabled. With a gap (say
//! `!TLSv1.1` alone) OpenSSL keeps only the range below the gap, so TLS 1.0
//! stays the minimum either way: reporting the lowest enabled version is the
//! conservative answer. The library may refuse more than the configuration
//! does (OpenSSL 3 has no SSLv2 or SSLv3); we report the configuration.

use std::fmt;

use crate::syntax::is_space;

/// A protocol version Postfix can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Ssl2,
    Ssl3,
    Tls1,
    Tls1_1,
    Tls1_2,
    Tls1_3,
}

impl TlsVersion {
    pub const ALL: [TlsVersion; 6] = [
        TlsVersion::Ssl2,
        TlsVersion::Ssl3,
        TlsVersion::Tls1,
        TlsVersion::Tls1_1,
        TlsVersion::Tls1_2,
        TlsVersion::Tls1_3,
    ];

    /// The name Postfix (and OpenSSL) use: `TLSv1.2`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TlsVersion::Ssl2 => "SSLv2",
            TlsVersion::Ssl3 => "SSLv3",
            TlsVersion::Tls1 => "TLSv1",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        }
    }

    /// The version number on the wire (`0x0303` for TLS 1.2).
    #[must_use]
    pub fn wire(self) -> u32 {
        match self {
            TlsVersion::Ssl2 => 0x0002,
            TlsVersion::Ssl3 => 0x0300,
            TlsVersion::Tls1 => 0x0301,
            TlsVersion::Tls1_1 => 0x0302,
            TlsVersion::Tls1_2 => 0x0303,
            TlsVersion::Tls1_3 => 0x0304,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(name))
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A list item Postfix does not accept; Postfix then disables TLS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid TLS protocol list item {item:?}")]
pub struct ProtocolError {
    pub item: String,
}

/// The protocol versions a list leaves enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolSet {
    enabled: u8,
}

impl ProtocolSet {
    #[must_use]
    pub fn contains(self, version: TlsVersion) -> bool {
        self.enabled & version.bit() != 0
    }

    /// The lowest enabled version; `None` when the list enables nothing.
    #[must_use]
    pub fn minimum(self) -> Option<TlsVersion> {
        TlsVersion::ALL.into_iter().find(|&v| self.contains(v))
    }

    /// The highest enabled version; `None` when the list enables nothing.
    #[must_use]
    pub fn maximum(self) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .rev()
            .find(|&v| self.contains(v))
    }
}

/// Parses a protocol list.
pub fn parse_protocols(list: &str) -> Result<ProtocolSet, ProtocolError> {
    let mut floor = 0u32;
    let mut ceiling = 0u32;
    let mut exclude = 0u8;
    let mut include = 0u8;
    let items = list
        .split(|c: char| c == ',' || c == ':' || (c.is_ascii() && is_space(c as u8)))
        .filter(|item| !item.is_empty());
    for item in items {
        let invalid = || ProtocolError {
            item: item.to_owned(),
        };
        if let Some(bound) = item.strip_prefix(">=") {
            floor = parse_bound(bound).ok_or_else(invalid)?;
        } else if let Some(bound) = item.strip_prefix("<=") {
            ceiling = parse_bound(bound).ok_or_else(invalid)?;
        } else if let Some(name) = item.strip_prefix('!') {
            exclude |= TlsVersion::from_name(name).ok_or_else(invalid)?.bit();
        } else {
            include |= TlsVersion::from_name(item).ok_or_else(invalid)?.bit();
        }
    }
    let mut enabled = 0u8;
    for version in TlsVersion::ALL {
        let excluded =
            exclude & version.bit() != 0 || (include != 0 && include & version.bit() == 0);
        let above_floor = floor == 0 || version.wire() >= floor;
        let below_ceiling = ceiling == 0 || version.wire() <= ceiling;
        if !excluded && above_floor && below_ceiling {
            enabled |= version.bit();
        }
    }
    Ok(ProtocolSet { enabled })
}

/// The minimum version a list allows, or `None` when it allows none.
pub fn minimum_version(list: &str) -> Result<Option<TlsVersion>, ProtocolError> {
    parse_protocols(list).map(ProtocolSet::minimum)
}

/// A bound: a version name (`None` is 0, no bound) or a hex number, as
/// `strtoul(…, 16)` reads it (an empty bound is 0 too).
fn parse_bound(text: &str) -> Option<u32> {
    if text.eq_ignore_ascii_case("None") {
        return Some(0);
    }
    if let Some(version) = TlsVersion::from_name(text) {
        return Some(version.wire());
    }
    let digits = text.strip_prefix('+').unwrap_or(text);
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    if digits.is_empty() {
        // strtoul("") and strtoul("0x") both give 0.
        return Some(0);
    }
    let value = u64::from_str_radix(digits, 16).ok()?;
    u32::try_from(value)
        .ok()
        .filter(|&v| i32::try_from(v).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(list: &str) -> Option<&'static str> {
        minimum_version(list).unwrap().map(TlsVersion::as_str)
    }

    #[test]
    fn floors_and_ceilings() {
        assert_eq!(min(">=TLSv1.2"), Some("TLSv1.2"));
        assert_eq!(min(">=TLSv1"), Some("TLSv1"));
        assert_eq!(min(">=0x0303"), Some("TLSv1.2"));
        assert_eq!(min(">=303"), Some("TLSv1.2"));
        assert_eq!(min(">=0x0304, <=TLSv1.3"), Some("TLSv1.3"));
        assert_eq!(min("<=TLSv1.3"), Some("SSLv2"));
        assert_eq!(min(">=None"), Some("SSLv2"));
        assert_eq!(min(">="), Some("SSLv2"));
        assert_eq!(min(">=tlsv1.1"), Some("TLSv1.1"));
        assert_eq!(min(">=TLSv1.3 <=TLSv1.2"), None);
        let set = parse_protocols(">=TLSv1.1 <=TLSv1.2").unwrap();
        assert_eq!(set.maximum(), Some(TlsVersion::Tls1_2));
    }

    #[test]
    fn exclusions_with_any_separator() {
        assert_eq!(min("!SSLv2,!SSLv3,!TLSv1,!TLSv1.1"), Some("TLSv1.2"));
        assert_eq!(min("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"), Some("TLSv1.2"));
        assert_eq!(min("!SSLv2 !SSLv3 !TLSv1 !TLSv1.1"), Some("TLSv1.2"));
        assert_eq!(min("!SSLv2:!SSLv3:!TLSv1:!TLSv1.1"), Some("TLSv1.2"));
        assert_eq!(min("!SSLv2, !SSLv3"), Some("TLSv1"));
        assert_eq!(min("!SSLv2"), Some("SSLv3"));
        assert_eq!(min(""), Some("SSLv2"));
    }

    #[test]
    fn a_gap_does_not_raise_the_minimum() {
        assert_eq!(min("!SSLv2, !SSLv3, !TLSv1.1"), Some("TLSv1"));
    }

    #[test]
    fn include_lists_exclude_the_rest() {
        assert_eq!(min("TLSv1.2 TLSv1.3"), Some("TLSv1.2"));
        assert_eq!(min("TLSv1.3"), Some("TLSv1.3"));
        assert_eq!(min("TLSv1.2, !TLSv1.2"), None);
    }

    #[test]
    fn unknown_items_invalidate_the_list() {
        for bad in [
            "TLSv1.4",
            "!None",
            ">=TLSv9",
            ">=0xzz",
            ">=-1",
            "SSL",
            ">=0x1ffffffff",
        ] {
            assert_eq!(
                minimum_version(bad),
                Err(ProtocolError {
                    item: bad.to_owned()
                }),
                "{bad}"
            );
        }
    }
}
