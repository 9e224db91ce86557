use std::fmt;

/// A dotted attribute path: `rule.apply_server_side_encryption_by_default`,
/// `ingress[*].cidr_blocks`, `default_action[0].type`. The path `.` is the
/// current value itself (useful inside `any-item` over a list of scalars).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub segments: Vec<PathSegment>,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A map key. Stepping a key into a list applies it to every item, so
    /// `rule.sse_algorithm` reads naturally over nested blocks.
    Key(String),
    Index(usize),
    /// `[*]`: every item of a list.
    Wildcard,
}

impl AttrPath {
    /// Parses a path.
    ///
    /// # Errors
    /// A message saying what is wrong with the path text.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "." {
            return Ok(Self {
                segments: Vec::new(),
                text: text.to_owned(),
            });
        }
        let mut segments = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty() && (segments.is_empty() || rest.is_empty()) {
                return Err(format!("empty segment in attribute path `{text}`"));
            }
            if !key.is_empty() {
                if !key
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '@' | '$'))
                {
                    return Err(format!("invalid key `{key}` in attribute path `{text}`"));
                }
                segments.push(PathSegment::Key(key.to_owned()));
            }
            while !rest.is_empty() {
                let Some(close) = rest.find(']') else {
                    return Err(format!("unclosed `[` in attribute path `{text}`"));
                };
                let inner = &rest[1..close];
                segments.push(match inner {
                    "*" => PathSegment::Wildcard,
                    _ => PathSegment::Index(inner.parse().map_err(|_| {
                        format!(
                            "`[{inner}]` in attribute path `{text}` must be `[*]` or a list index"
                        )
                    })?),
                });
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(format!("unexpected `{rest}` in attribute path `{text}`"));
                }
            }
        }
        Ok(Self {
            segments,
            text: text.to_owned(),
        })
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_indexes_and_wildcards() {
        let path = AttrPath::parse("a.b[*].c[0]").unwrap();
        assert_eq!(
            path.segments,
            vec![
                PathSegment::Key("a".into()),
                PathSegment::Key("b".into()),
                PathSegment::Wildcard,
                PathSegment::Key("c".into()),
                PathSegment::Index(0),
            ]
        );
        assert!(AttrPath::parse(".").unwrap().segments.is_empty());
    }

    #[test]
    fn rejects_malformed_paths() {
        assert!(AttrPath::parse("a..b").is_err());
        assert!(AttrPath::parse("a[x]").is_err());
        assert!(AttrPath::parse("a[0").is_err());
        assert!(AttrPath::parse("a b").is_err());
        assert!(AttrPath::parse("").is_err());
    }
}
