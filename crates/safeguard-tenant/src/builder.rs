//! Building normalized objects. Every kind has a fixed attribute list; an
//! attribute the export did not carry is filled in as unknown with the reason
//! ("not collected by this export (…)"), so a policy reading it answers
//! unknown instead of failing on an absent value.

use safeguard_model::{Map, Node, Object, Unknown, Value};
use safeguard_source::Span;

use crate::kinds::attrs_of;

/// The reason every not-collected value carries.
pub(crate) fn not_collected(context: &str) -> String {
    format!("not collected by this export ({context})")
}

/// An unknown whose presence is unknown too: `exists` tests on it are
/// unknown as well, since the export cannot say whether it is set.
pub(crate) fn unknown_node(reason: impl Into<String>, span: Span) -> Node {
    Node::new(
        Value::Unknown(Unknown {
            reason: reason.into(),
            references: Vec::new(),
            presence_unknown: true,
            ..Unknown::default()
        }),
        span,
    )
}

/// One normalized object under construction.
pub(crate) struct ObjectBuilder {
    kind: &'static str,
    address: String,
    span: Span,
    header_span: Span,
    attrs: Map,
    /// Said of every attribute left unset at [`ObjectBuilder::finish`].
    missing: String,
    existence_unknown: Option<String>,
}

impl ObjectBuilder {
    pub(crate) fn new(
        kind: &'static str,
        address: impl Into<String>,
        span: Span,
        header_span: Span,
        missing: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            address: address.into(),
            span,
            header_span,
            attrs: Map::default(),
            missing: missing.into(),
            existence_unknown: None,
        }
    }

    /// The stand-in for a collection the export did not collect: every
    /// attribute unknown, and whether any such object exists unknown too.
    pub(crate) fn placeholder(
        kind: &'static str,
        address: impl Into<String>,
        span: Span,
        reason: &str,
    ) -> Object {
        let mut builder = Self::new(kind, address, span, span, reason);
        builder.existence_unknown = Some(reason.to_owned());
        builder.finish()
    }

    /// Makes this object a stand-in whose existence is unknown (a
    /// collection not collected), keeping the attributes already known.
    pub(crate) fn existence_unknown(&mut self, reason: &str) {
        self.existence_unknown = Some(reason.to_owned());
    }

    pub(crate) fn has(&self, attr: &str) -> bool {
        self.attrs.get(attr).is_some()
    }

    /// Sets an attribute; the first setting wins (a later source of the same
    /// attribute is a fallback).
    pub(crate) fn set(&mut self, attr: &'static str, key_span: Span, value: Node) {
        debug_assert!(
            attrs_of(self.kind).contains(&attr),
            "{attr} is not an attribute of {}",
            self.kind
        );
        if !self.has(attr) {
            self.attrs.insert(attr, key_span, value);
        }
    }

    pub(crate) fn set_value(
        &mut self,
        attr: &'static str,
        key_span: Span,
        value: Value,
        span: Span,
    ) {
        self.set(attr, key_span, Node::new(value, span));
    }

    /// Marks an attribute unknown with a specific reason (a named gap).
    pub(crate) fn unknown(&mut self, attr: &'static str, reason: impl Into<String>) {
        let span = self.header_span;
        self.set(attr, span, unknown_node(reason, span));
    }

    pub(crate) fn finish(mut self) -> Object {
        let mut attrs = Map::default();
        for &name in attrs_of(self.kind) {
            match self.attrs.entries.iter().position(|e| e.key == name) {
                Some(index) => attrs.entries.push(self.attrs.entries.swap_remove(index)),
                None => attrs.insert(
                    name,
                    self.header_span,
                    unknown_node(self.missing.clone(), self.header_span),
                ),
            }
        }
        Object {
            format: crate::kinds::format_of(self.kind),
            kind: self.kind.to_owned(),
            address: self.address,
            file: 0,
            span: self.span,
            header_span: self.header_span,
            attrs,
            existence_unknown: self.existence_unknown,
        }
    }
}

/// How a source value becomes a normalized one; `None` when it cannot.
pub(crate) type Convert<'a> = &'a dyn Fn(&Node) -> Option<Value>;

impl ObjectBuilder {
    /// Sets `attr` from `map[key]` (case-insensitive) through `convert`.
    /// A missing key or a null leaves the attribute to `finish` (unknown);
    /// an unknown (an unresolved DSC variable) is kept; a value of the wrong
    /// shape is a located problem and leaves the attribute unknown. True
    /// when the attribute was set.
    pub(crate) fn take(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
        what: &str,
        convert: Convert<'_>,
    ) -> bool {
        let Some(entry) = crate::values::lookup(map, key) else {
            return false;
        };
        let node = &entry.value;
        match &node.value {
            Value::Unknown(_) => {
                self.set(attr, entry.key_span, node.clone());
                true
            }
            _ => match convert(node) {
                Some(value) => {
                    self.set_value(attr, entry.key_span, value, node.span);
                    true
                }
                None if node.value == Value::Null => false,
                None => {
                    let message = format!(
                        "`{}` is {} {}; expected {what}",
                        entry.key,
                        article(node.value.type_name()),
                        node.value
                    );
                    sink.error(node.span, message.clone());
                    self.set(
                        attr,
                        entry.key_span,
                        unknown_node(format!("cannot be read: {message}"), node.span),
                    );
                    true
                }
            },
        }
    }

    pub(crate) fn take_bool(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a boolean", &|n| {
            crate::values::boolean(&n.value).map(Value::Bool)
        })
    }

    /// A boolean whose source says the opposite (`AuditDisabled`, `Disabled`).
    pub(crate) fn take_negated(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a boolean", &|n| {
            crate::values::boolean(&n.value).map(|b| Value::Bool(!b))
        })
    }

    pub(crate) fn take_string(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a string", &|n| match &n.value {
            Value::String(s) => Some(Value::String(s.clone())),
            Value::Number(_) | Value::Bool(_) => Some(Value::String(n.value.to_string())),
            _ => None,
        })
    }

    pub(crate) fn take_number(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a number", &|n| match &n.value {
            Value::Number(x) => Some(Value::Number(*x)),
            Value::String(s) => s.trim().parse::<f64>().ok().map(Value::Number),
            _ => None,
        })
    }

    pub(crate) fn take_strings(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a list of strings", &|n| {
            crate::values::strings(n).map(Value::List)
        })
    }

    pub(crate) fn take_hosts(
        &mut self,
        sink: &mut Sink,
        attr: &'static str,
        map: &Map,
        key: &str,
    ) -> bool {
        self.take(sink, attr, map, key, "a list of host names", &|n| {
            crate::values::hosts(n).map(Value::List)
        })
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "unknown" => "unknown:".to_owned(),
        "list" | "map" => format!("a {type_name}"),
        other => format!("the {other}"),
    }
}

/// What a reader collects: the objects and the located problems of one file.
pub(crate) struct Sink {
    pub file: safeguard_source::SourceFile,
    pub objects: Vec<Object>,
    pub errors: Vec<safeguard_model::InputError>,
}

impl Sink {
    pub(crate) fn new(file: safeguard_source::SourceFile) -> Self {
        Self {
            file,
            objects: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(safeguard_model::InputError::at_span(
            &self.file, span, message,
        ));
    }

    pub(crate) fn push(&mut self, builder: ObjectBuilder) {
        self.objects.push(builder.finish());
    }
}

impl ObjectBuilder {
    pub(crate) fn header(&self) -> Span {
        self.header_span
    }
}
