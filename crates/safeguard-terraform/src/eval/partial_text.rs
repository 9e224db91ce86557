//! Strings built around values that cannot be known: a template naming a
//! computed ARN (`"${aws_s3_bucket.b.arn}/*"`), or `jsonencode` of a bucket
//! policy that does. Terraform knows neither string until apply, so the
//! value stays unknown; but the text around the unknown parts is certain,
//! and a policy looking for `"aws:SecureTransport": "false"` in it can find
//! it there (see `Unknown::known_text`).

use std::borrow::Cow;

use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_source::Span;

use super::ops::format_number;

/// Text being built: known pieces, and a gap for each unknown part.
#[derive(Default)]
pub(super) struct PartialText {
    pieces: Vec<Option<String>>,
    /// The first unknown part's reason and every unknown part's references.
    unknown: Option<(String, Vec<String>)>,
    /// A gap was placed other than by `push_json` (see
    /// `Unknown::known_text_json`).
    gap_outside_json: bool,
}

impl PartialText {
    pub(super) fn push_str(&mut self, text: &str) {
        match self.pieces.last_mut() {
            Some(Some(last)) => last.push_str(text),
            _ => self.pieces.push(Some(text.to_owned())),
        }
    }

    /// An unknown string's place in the text: its own known pieces, if it
    /// has any, as they are. Its gaps may hold anything, so the text can
    /// no longer be read back as JSON.
    pub(super) fn push_unknown(&mut self, unknown: &Unknown) {
        self.gap_outside_json = true;
        self.push_unknown_value(unknown);
    }

    fn push_unknown_value(&mut self, unknown: &Unknown) {
        match &unknown.known_text {
            Some(pieces) => self.push_pieces(pieces, Cow::Borrowed),
            None => self.push_gap(),
        }
        self.note(unknown);
    }

    /// Known pieces, each as `write` renders it, and a gap for each other.
    fn push_pieces<'t>(
        &mut self,
        pieces: &'t [Option<String>],
        write: impl Fn(&'t str) -> Cow<'t, str>,
    ) {
        for piece in pieces {
            match piece {
                Some(text) => self.push_str(&write(text)),
                None => self.push_gap(),
            }
        }
    }

    fn push_gap(&mut self) {
        if !matches!(self.pieces.last(), Some(None)) {
            self.pieces.push(None);
        }
    }

    fn note(&mut self, unknown: &Unknown) {
        let (_, references) = self
            .unknown
            .get_or_insert_with(|| (unknown.reason.clone(), Vec::new()));
        for reference in &unknown.references {
            if !references.contains(reference) {
                references.push(reference.clone());
            }
        }
    }

    /// The string, or an unknown carrying what is known of it.
    pub(super) fn into_node(self, span: Span) -> Node {
        let value = match self.unknown {
            None => Value::String(self.pieces.into_iter().flatten().collect()),
            Some((reason, references)) => Value::Unknown(Unknown {
                reason,
                references,
                presence_unknown: false,
                known_text: Some(Box::new(self.pieces)),
                known_text_json: !self.gap_outside_json,
            }),
        };
        Node::new(value, span)
    }

    /// Appends `value` as Terraform's `jsonencode` writes it (Go's
    /// `encoding/json`: compact, object keys sorted, `<`, `>` and `&`
    /// escaped). An unknown string leaves its known pieces, quoted; any
    /// other unknown, a gap.
    pub(super) fn push_json(&mut self, value: &Value) {
        match value {
            Value::Null => self.push_str("null"),
            Value::Bool(b) => self.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.push_str(&json_number(*n)),
            Value::String(s) => self.push_quoted(s),
            Value::List(items) => {
                self.push_str("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.push_str(",");
                    }
                    self.push_json(&item.value);
                }
                self.push_str("]");
            }
            Value::Map(map) => self.push_json_object(map),
            Value::Unknown(unknown) => self.push_json_unknown(unknown),
        }
    }

    /// An unknown value as `jsonencode` writes it: a string's known pieces,
    /// quoted and escaped; a gap for any other.
    pub(super) fn push_json_unknown(&mut self, unknown: &Unknown) {
        match &unknown.known_text {
            Some(pieces) => {
                self.push_str("\"");
                self.push_pieces(pieces, |text| Cow::Owned(json_escape(text)));
                self.push_str("\"");
                self.note(unknown);
            }
            // A whole value: Go writes whatever it turns out to be.
            None => self.push_unknown_value(unknown),
        }
    }

    /// A JSON string: quoted, with Go's escapes.
    pub(super) fn push_quoted(&mut self, text: &str) {
        self.push_str("\"");
        self.push_str(&json_escape(text));
        self.push_str("\"");
    }

    fn push_json_object(&mut self, map: &Map) {
        let mut entries: Vec<_> = map.entries.iter().collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        self.push_str("{");
        for (i, entry) in entries.into_iter().enumerate() {
            if i > 0 {
                self.push_str(",");
            }
            self.push_quoted(&entry.key);
            self.push_str(":");
            self.push_json(&entry.value.value);
        }
        self.push_str("}");
    }
}

/// A number as `jsonencode` writes it: whole numbers without a fraction.
fn json_number(n: f64) -> String {
    if n.is_finite() {
        format_number(n)
    } else {
        "null".to_owned()
    }
}

/// A string's JSON escapes as Go's `encoding/json` writes them (Terraform
/// is built with Go 1.22 or later, which writes `\b` and `\f` short).
fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `replace(text, search, with)` on a text with gaps (or with an unknown
/// `with`, a gap for each replacement): what is certain of the result.
/// A match may begin in a gap and end in the known text after it, when
/// that text starts with the end of `search`; and for a pattern that
/// overlaps itself (`_X_` in `_X_X_`) such a match moves the matches after
/// it. A match may also begin in the known text and end in the gap after
/// it. The text those could reach is a gap; the rest is replaced as
/// `strings.Replace` does, leftmost first.
pub(super) fn replace_in_pieces(
    pieces: &[Option<String>],
    search: &str,
    with: Option<&str>,
) -> Vec<Option<String>> {
    let mut out = PartialText::default();
    let len = search.len();
    for (index, piece) in pieces.iter().enumerate() {
        let Some(text) = piece else {
            out.push_gap();
            continue;
        };
        let gap_before = index > 0 && pieces[index - 1].is_none();
        let gap_after = pieces.get(index + 1).is_some_and(Option::is_none);
        // Where the text stops depending on a match from the gap before:
        // after the longest start of it that ends `search`, and after
        // every occurrence (overlapping ones too) that begins before that.
        let mut start = 0;
        if gap_before {
            start = (1..len.min(text.len() + 1))
                .rev()
                .find(|&k| search.is_char_boundary(len - k) && text.starts_with(&search[len - k..]))
                .unwrap_or(0);
            for at in overlapping(text, search) {
                if at >= start {
                    break;
                }
                start = start.max(at + len);
            }
        }
        let start = start.min(text.len());
        // Leftmost matches from `start` on.
        let certain: Vec<usize> = text[start..]
            .match_indices(search)
            .map(|(at, _)| start + at)
            .collect();
        // Where a match into the gap after may begin: a place whose rest
        // starts `search`, not inside a match already taken.
        let mut end = text.len();
        if gap_after {
            end = (text.len().saturating_sub(len - 1).max(start)..text.len())
                .find(|&at| {
                    text.is_char_boundary(at)
                        && search.starts_with(&text[at..])
                        && !certain.iter().any(|&m| m < at && at < m + len)
                })
                .unwrap_or(text.len());
        }
        if start > 0 {
            out.push_gap();
        }
        let mut at = start;
        for &found in certain.iter().filter(|&&found| found + len <= end) {
            out.push_str(&text[at..found]);
            match with {
                Some(with) => out.push_str(with),
                None => out.push_gap(),
            }
            at = found + len;
        }
        if at < end {
            out.push_str(&text[at..end]);
        }
        if end < text.len() {
            out.push_gap();
        }
    }
    out.pieces
}

/// Every place `search` occurs, overlapping ones included.
fn overlapping<'t>(text: &'t str, search: &'t str) -> impl Iterator<Item = usize> + 't {
    text.char_indices()
        .map(|(at, _)| at)
        .filter(move |&at| text[at..].starts_with(search))
}

#[cfg(test)]
mod tests {
    use super::replace_in_pieces;

    fn pieces(parts: &[Option<&str>]) -> Vec<Option<String>> {
        parts.iter().map(|p| p.map(str::to_owned)).collect()
    }

    #[test]
    fn replacing_keeps_what_no_match_from_a_gap_can_reach() {
        type Case<'a> = (
            &'a [Option<&'a str>],
            Option<&'a str>,
            &'a [Option<&'a str>],
        );
        let cases: [Case<'_>; 6] = [
            // Nothing after the gap can end `_X_`: all of it is certain.
            (
                &[None, Some("/_X_/tail")],
                Some("id"),
                &[None, Some("/id/tail")],
            ),
            // `X_` may end a match begun in the gap.
            (&[None, Some("X_/x")], Some("id"), &[None, Some("/x")]),
            // A self-overlapping pattern: each overlap moves the next match.
            (&[None, Some("_X_X_y")], Some("id"), &[None, Some("y")]),
            // `_X` may begin a match that ends in the gap after it.
            (&[Some("a_X_b_X"), None], Some("id"), &[Some("aidb"), None]),
            // An unknown replacement is a gap where each match was.
            (&[Some("a_X_b")], None, &[Some("a"), None, Some("b")]),
            (
                &[Some("ab"), None, Some("cd")],
                Some("id"),
                &[Some("ab"), None, Some("cd")],
            ),
        ];
        for (text, with, expected) in cases {
            assert_eq!(
                replace_in_pieces(&pieces(text), "_X_", with),
                pieces(expected),
                "{text:?} with {with:?}"
            );
        }
    }
}
