//! The text of a lookup table: the `postmap` source format (also what
//! `texthash:` reads) and the `inline:{ … }` form written in a parameter.
//!
//! Source format (postmap(1)): a logical line is `key whitespace value`; a
//! line starting with whitespace continues the previous one; blank lines
//! and lines whose first non-blank character is `#` are ignored. A line
//! without a value is skipped, as postmap skips it with a warning. Keys are
//! folded to lower case, as postmap (without `-f`) stores them and as the
//! daemons query them. A repeated key keeps its first value: the daemons
//! open tables with `DICT_FLAG_DUP_WARN`, and Berkeley DB `put` does not
//! overwrite.

use safeguard_source::{SourceFile, Span};

use crate::logical::logical_lines;
use crate::syntax::{COMMA_BLANKS, is_space, slice, split_grouped, split_nameval, strip_group};

/// One `key value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Folded to lower case.
    pub(crate) key: String,
    pub(crate) value: String,
    /// The whole logical line in the table file; `None` for an entry
    /// written inline in a parameter (it points at the parameter instead).
    pub(crate) line: Option<Span>,
}

/// The entries of a `postmap` source file, first definition of a key first.
pub(crate) fn parse_source(file: &SourceFile) -> Vec<Entry> {
    let (lines, _rejected) = logical_lines(file.text());
    let mut entries: Vec<Entry> = Vec::new();
    for line in lines {
        let text = line.text.as_str();
        let key_end = text.bytes().position(is_space).unwrap_or(text.len());
        let value = text
            .get(key_end..)
            .unwrap_or("")
            .trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
        if value.is_empty() {
            continue;
        }
        push(
            &mut entries,
            Entry {
                key: slice(text, 0..key_end).to_ascii_lowercase(),
                value: value.to_owned(),
                line: Some(line.full_span()),
            },
        );
    }
    entries
}

/// The entries of an `inline:{ key=value, { key = text, with commas } }`
/// table; `name` is what follows `inline:`. Errors (a missing brace, an
/// entry without `=`) are returned as Postfix words them.
pub(crate) fn parse_inline(name: &str) -> Result<Vec<Entry>, String> {
    let (inner, error) = strip_group(name, 0..name.len());
    if error.is_some() {
        return Err(format!(
            "inline table {name:?}: expected a {{ }} group enclosing the entries"
        ));
    }
    let mut entries = Vec::new();
    for token in split_grouped(name, inner, COMMA_BLANKS) {
        let range = if name.as_bytes().get(token.start) == Some(&b'{') {
            let (inside, error) = strip_group(name, token.clone());
            if error.is_some() {
                return Err(format!(
                    "inline table entry {:?}: unbalanced {{ }}",
                    slice(name, token)
                ));
            }
            inside
        } else {
            token
        };
        let parts = split_nameval(name, range.clone()).map_err(|_| {
            format!(
                "inline table entry {:?}: expected key=value",
                slice(name, range.clone())
            )
        })?;
        push(
            &mut entries,
            Entry {
                key: slice(name, parts.name).to_ascii_lowercase(),
                value: slice(name, parts.value).to_owned(),
                line: None,
            },
        );
    }
    Ok(entries)
}

fn push(entries: &mut Vec<Entry>, entry: Entry) {
    if !entries.iter().any(|e| e.key == entry.key) {
        entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(entries: &[Entry]) -> Vec<(&str, &str)> {
        entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect()
    }

    #[test]
    fn source_format_comments_continuations_and_first_wins() {
        let file = SourceFile::new(
            "tls_policy",
            "# comment\n[SMTP.example.com]:587  encrypt\n    protocols=>=TLSv1.2\n\nexample.org may\nexample.org none\nlonely\n  # indented comment\n.example.net\tsecure match=.example.net\n",
        );
        let entries = parse_source(&file);
        assert_eq!(
            pairs(&entries),
            vec![
                ("[smtp.example.com]:587", "encrypt protocols=>=TLSv1.2"),
                ("example.org", "may"),
                (".example.net", "secure match=.example.net"),
            ]
        );
        assert_eq!(
            file.slice(entries[0].line.unwrap()),
            "[SMTP.example.com]:587  encrypt\n    protocols=>=TLSv1.2"
        );
    }

    #[test]
    fn inline_tables_with_groups_and_commas() {
        let entries = parse_inline("{ a=1, { B = text with, commas }, c={ x y } }").unwrap();
        assert_eq!(
            pairs(&entries),
            vec![("a", "1"), ("b", "text with, commas"), ("c", "{ x y }")]
        );
        assert!(parse_inline("{ a=1, oops }").is_err());
        // Outside braces, Postfix splits at blanks: `a = 1` is three tokens.
        assert!(parse_inline("{ a = 1 }").is_err());
        assert!(parse_inline("a=1").is_err());
        assert_eq!(parse_inline("{ }").unwrap(), Vec::new());
    }
}
