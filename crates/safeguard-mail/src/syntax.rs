//! Postfix's small lexical helpers, reimplemented on byte ranges so every
//! piece of text keeps its position: C `isspace`, `split_nameval`,
//! `mystrtokq` (split on separators, never inside `{ }`) and `extpar`
//! (strip one `{ }` group).
//!
//! Every range returned starts and ends next to an ASCII byte or at the ends
//! of the input, so slicing the input with it never splits a character.

use std::ops::Range;

/// C `isspace` in the "C" locale, which Postfix uses (`ISSPACE`): unlike
/// [`u8::is_ascii_whitespace`] it includes the vertical tab.
pub(crate) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The separators Postfix calls `CHARS_SPACE` (and `PCF_SEPARATORS`).
pub(crate) const BLANKS: &[u8] = b" \t\r\n";

/// `CHARS_COMMA_SP`: list separators in parameter values.
pub(crate) const COMMA_BLANKS: &[u8] = b", \t\r\n";

/// `range` without leading and trailing [`is_space`] bytes.
pub(crate) fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let mut start = range.start.min(bytes.len());
    let mut end = range.end.min(bytes.len()).max(start);
    while start < end && bytes.get(start).is_some_and(|&b| is_space(b)) {
        start += 1;
    }
    while end > start && bytes.get(end - 1).is_some_and(|&b| is_space(b)) {
        end -= 1;
    }
    start..end
}

/// The slice for `range`, or `""` when the range does not fit.
pub(crate) fn slice(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or("")
}

/// A `name = value` split into its two trimmed parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameValue {
    pub(crate) name: Range<usize>,
    pub(crate) value: Range<usize>,
}

/// Why `split_nameval` refused a text; the messages are Postfix's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameValueError {
    MissingName,
    MissingEquals,
}

/// Postfix `split_nameval`: the name runs from the first non-blank to the
/// first blank or `=`; only blanks may sit between the name and `=`; the
/// value is what follows, trimmed. A value may itself contain `=`.
pub(crate) fn split_nameval(text: &str, range: Range<usize>) -> Result<NameValue, NameValueError> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let at = |i: usize| if i < end { bytes.get(i).copied() } else { None };
    let mut name_start = range.start.min(end);
    while at(name_start).is_some_and(is_space) {
        name_start += 1;
    }
    if matches!(at(name_start), None | Some(b'=')) {
        return Err(NameValueError::MissingName);
    }
    let mut name_end = name_start;
    while at(name_end).is_some_and(|b| !is_space(b) && b != b'=') {
        name_end += 1;
    }
    let mut equals = name_end;
    while at(equals).is_some_and(is_space) {
        equals += 1;
    }
    if at(equals) != Some(b'=') {
        return Err(NameValueError::MissingEquals);
    }
    Ok(NameValue {
        name: name_start..name_end,
        value: trim(text, equals + 1..end),
    })
}

/// Postfix `mystrtokq(…, separators, "{}")`: tokens separated by any of
/// `separators`, where a `{` anywhere in a token opens a group that
/// separators cannot split until its `}`. An unclosed group runs to the end.
pub(crate) fn split_grouped(
    text: &str,
    range: Range<usize>,
    separators: &[u8],
) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut tokens = Vec::new();
    let mut i = range.start.min(end);
    loop {
        while i < end && bytes.get(i).is_some_and(|b| separators.contains(b)) {
            i += 1;
        }
        if i >= end {
            return tokens;
        }
        let start = i;
        let mut level = 0usize;
        while let Some(&b) = bytes.get(i).filter(|_| i < end) {
            if b == b'{' {
                level += 1;
            } else if level > 0 && b == b'}' {
                level -= 1;
            } else if level == 0 && separators.contains(&b) {
                break;
            }
            i += 1;
        }
        tokens.push(start..i);
    }
}

/// What is wrong with a `{ }` group; the messages are Postfix's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupError {
    /// The text does not start with `{`.
    NoOpening,
    /// The `{` is never closed.
    MissingClose,
    /// Text follows the closing `}`.
    TextAfterClose,
}

/// Postfix `extpar(…, "{}", EXTPAR_FLAG_STRIP)`: the inside of the `{ }`
/// group that starts `range`, trimmed. On an error the best-effort inside is
/// still returned, as Postfix does after its warning.
pub(crate) fn strip_group(text: &str, range: Range<usize>) -> (Range<usize>, Option<GroupError>) {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let start = range.start.min(end);
    if bytes.get(start) != Some(&b'{') || start >= end {
        return (trim(text, start..end), Some(GroupError::NoOpening));
    }
    let mut level = 0usize;
    for i in start..end {
        match bytes.get(i) {
            Some(b'{') => level += 1,
            Some(b'}') => {
                level = level.saturating_sub(1);
                if level == 0 {
                    let error = (i + 1 < end).then_some(GroupError::TextAfterClose);
                    return (trim(text, start + 1..i), error);
                }
            }
            _ => {}
        }
    }
    (trim(text, start + 1..end), Some(GroupError::MissingClose))
}

/// The closing `}` that balances the `{` at `open`, if any.
pub(crate) fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut level = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => level += 1,
            b'}' => {
                level = level.saturating_sub(1);
                if level == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Collapses every run of Postfix separators (`" \t\r\n"`) to one space and
/// drops them at both ends: how `postconf` prints every line it shows.
pub(crate) fn normalize_blanks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_ascii() && BLANKS.contains(&(c as u8))) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Result<(&str, &str), NameValueError> {
        split_nameval(text, 0..text.len()).map(|nv| (&text[nv.name], &text[nv.value]))
    }

    #[test]
    fn nameval_trims_and_keeps_equals_in_value() {
        assert_eq!(parts("  a =  b = c  "), Ok(("a", "b = c")));
        assert_eq!(parts("a=b"), Ok(("a", "b")));
        assert_eq!(parts("a ="), Ok(("a", "")));
        assert_eq!(parts("= b"), Err(NameValueError::MissingName));
        assert_eq!(parts("   "), Err(NameValueError::MissingName));
        assert_eq!(parts("a b = c"), Err(NameValueError::MissingEquals));
        assert_eq!(parts("a"), Err(NameValueError::MissingEquals));
    }

    #[test]
    fn groups_are_not_split() {
        let text = "-o { a = b, c } x{ y z }w  last";
        let tokens: Vec<&str> = split_grouped(text, 0..text.len(), BLANKS)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(tokens, vec!["-o", "{ a = b, c }", "x{ y z }w", "last"]);
        let open = "a { b c";
        let tokens: Vec<&str> = split_grouped(open, 0..open.len(), BLANKS)
            .into_iter()
            .map(|r| &open[r])
            .collect();
        assert_eq!(tokens, vec!["a", "{ b c"]);
    }

    #[test]
    fn strip_group_reports_postfix_errors() {
        let text = "{ a = { b } }";
        let (inner, error) = strip_group(text, 0..text.len());
        assert_eq!((&text[inner], error), ("a = { b }", None));
        let text = "{ a } b";
        let (inner, error) = strip_group(text, 0..text.len());
        assert_eq!(
            (&text[inner], error),
            ("a", Some(GroupError::TextAfterClose))
        );
        let text = "{ a";
        let (inner, error) = strip_group(text, 0..text.len());
        assert_eq!((&text[inner], error), ("a", Some(GroupError::MissingClose)));
    }

    #[test]
    fn blanks_normalize_like_postconf() {
        assert_eq!(normalize_blanks("a  b\t\tc \r\n"), "a b c");
        assert_eq!(normalize_blanks("x = "), "x =");
        assert_eq!(normalize_blanks("é  ü"), "é ü");
    }

    #[test]
    fn vertical_tab_is_space_as_in_c() {
        assert!(is_space(0x0b));
        assert!(!0x0bu8.is_ascii_whitespace());
    }
}
