use std::fmt::{self, Write};

use safeguard_source::Span;

/// A value with the span of the text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// The index in [`crate::Document::files`] of the file the value was
    /// written in, when that is not the file of the object holding it (a
    /// Terraform module argument, written in the caller). `None`: the span is
    /// in the object's own file.
    pub origin: Option<u32>,
}

/// The format-neutral value tree.
///
/// Numbers are `f64`: policies compare them, they never do integer
/// arithmetic, and every configuration number we read fits exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Node>),
    Map(Map),
    /// A value the tool cannot know, never a guess.
    Unknown(Unknown),
}

/// Why a value is unknown, and which other objects it refers to.
///
/// `references` lets relations work before values can be computed: the
/// expression `aws_s3_bucket.phi.id` is unknown, but it certainly names
/// `aws_s3_bucket.phi`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unknown {
    pub reason: String,
    pub references: Vec<String>,
    /// True when even the attribute's presence is unknown (a Terraform
    /// `dynamic` block may generate no block at all). Otherwise the attribute
    /// is certainly set and only its value is unknown.
    pub presence_unknown: bool,
    /// What can be known of an unknown string's text: its pieces in order,
    /// `None` for each part that cannot (`"${aws_s3_bucket.b.arn}/*"`, or a
    /// `jsonencode`d policy naming a computed ARN). A pattern found inside
    /// a known piece is certainly in the text. Only an operation that keeps
    /// the text as it is may carry it on; any other makes a new unknown.
    /// (Boxed: it is rare, and every value is as large as its largest
    /// kind; deep documents are read recursively.)
    pub known_text: Option<Box<Vec<Option<String>>>>,
    /// The known text is JSON as Go's `encoding/json` writes it (by
    /// `jsonencode`, or the provider's policy documents), and each gap in
    /// it holds a whole JSON value or escaped characters inside a string:
    /// then the text can be read back as JSON with unknown values in it. A
    /// template's gap may hold anything (a quote, a comma), so its text
    /// never can.
    pub known_text_json: bool,
}

impl Unknown {
    /// Forgets what is known of the text, for an unknown that stands for
    /// something else than that text (a step into it, a collection built
    /// around it, a value a gap could hold).
    pub fn forget_text(&mut self) {
        self.known_text = None;
        self.known_text_json = false;
    }
}

/// An ordered map whose keys keep their spans. Order is the source order, so
/// output and evaluation are deterministic.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Entry {
    /// The span from the key to the end of the value: the whole `key = value`.
    #[must_use]
    pub fn span(&self) -> Span {
        self.key_span.cover(self.value.span)
    }
}

impl Map {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Entry> {
        // Later definitions win, as in HCL bodies and most config formats.
        self.entries.iter().rev().find(|e| e.key == key)
    }

    pub fn insert(&mut self, key: impl Into<String>, key_span: Span, value: Node) {
        self.entries.push(Entry {
            key: key.into(),
            key_span,
            value,
        });
    }

    /// Drops every entry whose key comes again later, so each key is
    /// left once, with its last value: HCL's object constructor lets a
    /// later key replace an earlier one (`{ a = 1, a = 2 }` is `{ a = 2 }`).
    pub fn keep_last_of_each_key(&mut self) {
        let repeated = if self.entries.len() <= 16 {
            self.entries
                .iter()
                .enumerate()
                .any(|(i, e)| self.entries[i + 1..].iter().any(|later| later.key == e.key))
        } else {
            let mut seen = std::collections::HashSet::with_capacity(self.entries.len());
            !self.entries.iter().all(|e| seen.insert(e.key.as_str()))
        };
        if !repeated {
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(self.entries.len());
        let mut kept: Vec<Entry> = Vec::with_capacity(self.entries.len());
        for entry in self.entries.drain(..).rev() {
            if seen.insert(entry.key.clone()) {
                kept.push(entry);
            }
        }
        kept.reverse();
        self.entries = kept;
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl Node {
    #[must_use]
    pub fn new(value: Value, span: Span) -> Self {
        Self {
            value,
            span,
            origin: None,
        }
    }

    #[must_use]
    pub fn unknown(reason: impl Into<String>, span: Span) -> Self {
        Self::new(
            Value::Unknown(Unknown {
                reason: reason.into(),
                ..Unknown::default()
            }),
            span,
        )
    }
}

impl Value {
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown(_) => "unknown",
        }
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_list(&self) -> Option<&[Node]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
}

/// Renders a value compactly for messages: `true`, `"HTTPS"`, `[1, 2]`,
/// `{a = 1}`, `(unknown: var.x)`. Long renderings are cut with an ellipsis.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 80;
        let mut out = String::new();
        render(self, &mut out);
        if out.chars().count() > LIMIT {
            let cut: String = out.chars().take(LIMIT - 1).collect();
            write!(f, "{cut}…")
        } else {
            f.write_str(&out)
        }
    }
}

fn render(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{}", format_number(*n));
        }
        Value::String(s) => {
            let _ = write!(out, "{s:?}");
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(&item.value, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, entry) in map.entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{} = ", entry.key);
                render(&entry.value.value, out);
            }
            out.push('}');
        }
        Value::Unknown(u) => {
            let _ = write!(out, "(unknown: {})", u.reason);
        }
    }
}

/// Formats a number the way people wrote it: `2190`, not `2190.0`.
#[must_use]
pub fn format_number(n: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // guarded by the range and fract checks
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(value: Value) -> Node {
        Node::new(value, Span::default())
    }

    #[test]
    fn display_is_compact() {
        let list = Value::List(vec![
            node(Value::Number(1.0)),
            node(Value::String("a".into())),
        ]);
        assert_eq!(list.to_string(), "[1, \"a\"]");
        assert_eq!(Value::Number(2.5).to_string(), "2.5");
        let unknown = Value::Unknown(Unknown {
            reason: "var.x".into(),
            ..Unknown::default()
        });
        assert_eq!(unknown.to_string(), "(unknown: var.x)");
    }

    #[test]
    fn later_map_entries_win() {
        let mut map = Map::default();
        map.insert("a", Span::default(), node(Value::Bool(false)));
        map.insert("a", Span::default(), node(Value::Bool(true)));
        assert_eq!(map.get("a").unwrap().value.value, Value::Bool(true));
    }

    #[test]
    fn long_values_are_cut() {
        let long = Value::String("x".repeat(200));
        assert_eq!(long.to_string().chars().count(), 80);
    }
}
