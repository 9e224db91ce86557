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
}

impl PartialText {
    pub(super) fn push_str(&mut self, text: &str) {
        match self.pieces.last_mut() {
            Some(Some(last)) => last.push_str(text),
            _ => self.pieces.push(Some(text.to_owned())),
        }
    }

    /// An unknown string's place in the text: its own known pieces, if it
    /// has any, as they are.
    pub(super) fn push_unknown(&mut self, unknown: &Unknown) {
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
            Value::String(s) => {
                self.push_str("\"");
                self.push_str(&json_escape(s));
                self.push_str("\"");
            }
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
            Value::Unknown(unknown) => match &unknown.known_text {
                Some(pieces) => {
                    self.push_str("\"");
                    self.push_pieces(pieces, |text| Cow::Owned(json_escape(text)));
                    self.push_str("\"");
                    self.note(unknown);
                }
                None => self.push_unknown(unknown),
            },
        }
    }

    fn push_json_object(&mut self, map: &Map) {
        let mut entries: Vec<_> = map.entries.iter().collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        self.push_str("{");
        for (i, entry) in entries.into_iter().enumerate() {
            if i > 0 {
                self.push_str(",");
            }
            self.push_str("\"");
            self.push_str(&json_escape(&entry.key));
            self.push_str("\":");
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
pub(super) fn json_escape(text: &str) -> String {
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
