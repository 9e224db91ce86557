//! Postfix release numbers and compatibility levels, the two inputs that
//! decide which built-in defaults apply.

use std::fmt;

/// A `compatibility_level` value: `0`, `2`, `3.6`, `3.6.1`. Missing parts
/// are zero, so `3.6` and `3.6.0` are equal, as in Postfix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CompatLevel {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl CompatLevel {
    #[must_use]
    pub fn new(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor,
            patch: 0,
        }
    }

    /// Postfix's `compat_level_from_string`: one to three dot-separated
    /// decimal numbers; anything else is malformed.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let mut number = || -> Option<Option<u32>> {
            match parts.next() {
                None => Some(None),
                Some(part) if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => {
                    part.parse().ok().map(Some)
                }
                Some(_) => None,
            }
        };
        let major = number()??;
        let minor = number()?.unwrap_or(0);
        let patch = number()?.unwrap_or(0);
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for CompatLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.minor, self.patch) {
            (0, 0) if self.major < 3 => write!(f, "{}", self.major),
            (_, 0) => write!(f, "{}.{}", self.major, self.minor),
            _ => write!(f, "{}.{}.{}", self.major, self.minor, self.patch),
        }
    }
}

/// A Postfix release, major and minor: `(3, 7)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostfixVersion {
    pub major: u32,
    pub minor: u32,
}

impl PostfixVersion {
    /// What we assume when nobody says: Debian 12's Postfix 3.7.
    pub const ASSUMED: PostfixVersion = PostfixVersion { major: 3, minor: 7 };

    #[must_use]
    pub fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    #[must_use]
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= PostfixVersion::new(major, minor)
    }
}

impl fmt::Display for PostfixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compat_levels_parse_and_order() {
        let level = |s| CompatLevel::parse(s).unwrap();
        assert!(level("3.6") < level("3.11"));
        assert!(level("3.10") < level("3.11"));
        assert_eq!(level("3.6"), level("3.6.0"));
        assert!(level("0") < level("1"));
        assert_eq!(level("2").to_string(), "2");
        assert_eq!(level("3.6").to_string(), "3.6");
        for bad in ["", "3.", ".3", "3.x", "3.6.1.1", "-1", "3 6", "99999999999"] {
            assert_eq!(CompatLevel::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn versions_compare() {
        assert!(PostfixVersion::new(3, 6).at_least(3, 6));
        assert!(!PostfixVersion::new(3, 5).at_least(3, 6));
        assert!(PostfixVersion::new(4, 0).at_least(3, 11));
    }
}
