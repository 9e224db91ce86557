//! Reading a JSON export's collections the way PowerShell wrote them: a
//! collection may be one object or an array of objects, `[null]` is empty,
//! and anything else is a located shape error that leaves the collection
//! uncollected rather than stopping the file.

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use crate::builder::Sink;
use crate::values::lookup;

/// One item of a collection: its properties and where it is.
#[derive(Clone, Copy)]
pub(crate) struct Item<'a> {
    pub map: &'a Map,
    pub span: Span,
    /// The collection's key, where a finding about a missing property points.
    pub key_span: Span,
}

pub(crate) enum Collection<'a> {
    /// The export has no such key.
    Missing,
    /// The key holds something that is not a collection (reported).
    Unreadable(Span),
    Items {
        key_span: Span,
        span: Span,
        items: Vec<Item<'a>>,
    },
}

impl<'a> Collection<'a> {
    pub(crate) fn first(&self) -> Option<Item<'a>> {
        match self {
            Collection::Items { items, .. } => items.first().copied(),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[Item<'a>] {
        match self {
            Collection::Items { items, .. } => items,
            _ => &[],
        }
    }

    pub(crate) fn collected(&self) -> bool {
        matches!(self, Collection::Items { .. })
    }

    /// Where to point a finding about the whole collection.
    pub(crate) fn span_or(&self, fallback: Span) -> Span {
        match self {
            Collection::Items { key_span, .. } => *key_span,
            Collection::Unreadable(span) => *span,
            Collection::Missing => fallback,
        }
    }
}

pub(crate) fn collection<'a>(
    sink: &mut Sink,
    top: &'a Map,
    key: &str,
    source: &str,
) -> Collection<'a> {
    let Some(entry) = lookup(top, key) else {
        return Collection::Missing;
    };
    let mut items = Vec::new();
    let mut push = |node: &'a Node, sink: &mut Sink| -> bool {
        match &node.value {
            Value::Map(map) => {
                items.push(Item {
                    map,
                    span: node.span,
                    key_span: entry.key_span,
                });
                true
            }
            Value::Null => true,
            other => {
                sink.error(
                    node.span,
                    format!(
                        "{source} `{key}` holds {} where an object is expected; `{key}` is not read",
                        describe(other)
                    ),
                );
                false
            }
        }
    };
    let ok = match &entry.value.value {
        Value::List(list) => list.iter().all(|node| push(node, sink)),
        Value::Map(_) => push(&entry.value, sink),
        Value::Null => true,
        other => {
            sink.error(
                entry.value.span,
                format!(
                    "{source} `{key}` is {} where an object or an array of objects is expected; it is not read",
                    describe(other)
                ),
            );
            false
        }
    };
    if !ok {
        return Collection::Unreadable(entry.value.span);
    }
    Collection::Items {
        key_span: entry.key_span,
        span: entry.value.span,
        items,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {s:?}"),
        Value::Number(_) => format!("the number {value}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::List(_) => "an array".to_owned(),
        Value::Map(_) => "an object".to_owned(),
        Value::Null => "null".to_owned(),
        Value::Unknown(_) => "an unknown value".to_owned(),
    }
}

/// A nested map (`GrantControls`, `Conditions.Users`), if present.
pub(crate) fn child<'a>(map: &'a Map, key: &str) -> Option<&'a Map> {
    lookup(map, key).and_then(|e| e.value.value.as_map())
}

/// A string property, for names and identities.
pub(crate) fn text<'a>(map: &'a Map, key: &str) -> Option<&'a str> {
    lookup(map, key).and_then(|e| e.value.value.as_str())
}
