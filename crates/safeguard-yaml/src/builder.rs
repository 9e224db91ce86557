//! Builds the spanned tree from one pass over saphyr's parser events.
//!
//! saphyr's own loader reads the text a second time (through a slower
//! character iterator), builds its own tree and leaves a conversion to do:
//! three passes where one serves. Loading the 176 bundled policies was 76%
//! YAML, and every check, language-server start and `safeguard test` pays
//! it. This builder gives the trees, spans and errors the loader-based one
//! gave (the tests in `reference.rs` hold it to them), with two differences:
//! - a scalar under a custom tag (`!custom value`) keeps its own span, where
//!   the loader gave it an empty one at the start of the file;
//! - a key its core tag cannot read (`!!int abc: 1`) is refused, where the
//!   loader dropped the entry and took its value for the next key.

use std::borrow::Cow;
use std::collections::HashSet;

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;
use saphyr::Scalar;
use saphyr_parser::{Event, ScalarStyle, Tag};

use crate::{CharOffsets, MAX_DEPTH, YamlError, trim_span};

pub(crate) fn documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder {
        text,
        offsets: CharOffsets::new(text),
        stack: Vec::new(),
        keys_open: 0,
        root: None,
        documents: Vec::new(),
        duplicate: None,
        unreadable: None,
        collections: 0,
    };
    for event in saphyr_parser::Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| YamlError {
            message: err.info().to_owned(),
            span: Span::empty_at(builder.offsets.byte(err.marker().index())),
        })?;
        let span = Span::new(
            builder.offsets.byte(span.start.index()),
            builder.offsets.byte(span.end.index()),
        );
        builder.event(event, span)?;
    }
    // saphyr's loader found duplicated keys while loading, and conversion
    // found the rest afterwards; the first of each kind is reported in
    // that order.
    match (builder.duplicate, builder.unreadable) {
        (Some(error), _) | (None, Some(error)) => Err(error),
        (None, None) => Ok(builder.documents),
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets,
    /// The open collections, innermost last; never deeper than [`MAX_DEPTH`].
    stack: Vec<Frame<'t>>,
    /// How many open collections are mapping keys (`? [a, b]: c`). Nothing
    /// inside a key is read as a value, so nothing there is reported as
    /// unreadable: the key as a whole is refused.
    keys_open: usize,
    /// The current document's finished root.
    root: Option<Node>,
    documents: Vec<Node>,
    duplicate: Option<YamlError>,
    unreadable: Option<YamlError>,
    /// Collections finished so far: each one used as a key is a key of its
    /// own (such keys are refused anyway).
    collections: usize,
}

enum Frame<'t> {
    Sequence {
        start: u32,
        is_key: bool,
        items: Vec<Node>,
    },
    Mapping {
        start: u32,
        is_key: bool,
        map: Map,
        /// The key read, waiting for its value.
        key: Option<(AsKey<'t>, Span)>,
        seen: HashSet<Identity<'t>>,
    },
}

/// A finished node as a mapping key.
struct AsKey<'t> {
    /// Its name in the tree; `None` when it cannot name an entry.
    name: Option<String>,
    identity: Identity<'t>,
    /// Where a duplicate of it is reported (where saphyr reported it).
    mark: u32,
}

/// What saphyr compared to find a duplicated key: the YAML value, so the
/// integer `1` and the string `"1"` are different keys.
#[derive(PartialEq, Eq, Hash)]
enum Identity<'t> {
    Scalar(Scalar<'t>),
    Tagged(Cow<'t, Tag>, Scalar<'t>),
    Unreadable,
    Collection(usize),
}

impl<'t> Builder<'t> {
    fn event(&mut self, event: Event<'t>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::Alias(_) => {
                return Err(YamlError {
                    message: "YAML aliases are not supported".into(),
                    span,
                });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span,
                    });
                }
                let is_key = self.next_is_key();
                self.keys_open += usize::from(is_key);
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence {
                            start: span.start,
                            is_key,
                            items: Vec::new(),
                        }
                    } else {
                        Frame::Mapping {
                            start: span.start,
                            is_key,
                            map: Map::default(),
                            key: None,
                            seen: HashSet::new(),
                        }
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (start, is_key, value) = match frame {
                    Frame::Sequence {
                        start,
                        is_key,
                        items,
                    } => (start, is_key, Value::List(items)),
                    Frame::Mapping {
                        start, is_key, map, ..
                    } => (start, is_key, Value::Map(map)),
                };
                self.keys_open -= usize::from(is_key);
                // A collection ends where the token after it starts.
                let node_span = trim_span(Span::new(start, span.start.max(start)), self.text);
                self.collections += 1;
                let as_key = AsKey {
                    name: None,
                    identity: Identity::Collection(self.collections),
                    mark: span.start,
                };
                self.insert(Node::new(value, node_span), as_key);
            }
            Event::Scalar(text, style, _anchor, tag) => self.scalar(text, style, tag, span),
            Event::DocumentEnd => match self.root.take() {
                Some(root) => self.documents.push(root),
                None => self.unreadable(trim_span(span, self.text)),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {}
        }
        Ok(())
    }

    /// Whether the next finished node is a key of the innermost mapping.
    fn next_is_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }))
    }

    fn scalar(
        &mut self,
        text: Cow<'t, str>,
        style: ScalarStyle,
        tag: Option<Cow<'t, Tag>>,
        span: Span,
    ) {
        let node_span = trim_span(span, self.text);
        // A tag outside the core schema is kept and the text read as if
        // untagged; a core tag (`!!int`) says how the text must read.
        let (scalar, custom) = match tag {
            Some(tag) if !tag.is_yaml_core_schema() => (
                Scalar::parse_from_cow_and_metadata(text, style, None),
                Some(tag),
            ),
            tag => (
                Scalar::parse_from_cow_and_metadata(text, style, tag.as_ref()),
                None,
            ),
        };
        let (value, as_key) = match (scalar, custom) {
            (Some(scalar), None) => (
                scalar_value(&scalar),
                AsKey {
                    name: Some(scalar_key(&scalar)),
                    identity: Identity::Scalar(scalar),
                    mark: span.start,
                },
            ),
            (Some(scalar), Some(tag)) => (
                scalar_value(&scalar),
                AsKey {
                    name: None,
                    identity: Identity::Tagged(tag, scalar),
                    mark: span.start,
                },
            ),
            (None, _) => {
                if !self.next_is_key() && self.keys_open == 0 {
                    self.unreadable(node_span);
                }
                (
                    Value::Null,
                    AsKey {
                        name: None,
                        identity: Identity::Unreadable,
                        mark: span.start,
                    },
                )
            }
        };
        self.insert(Node::new(value, node_span), as_key);
    }

    fn insert(&mut self, node: Node, as_key: AsKey<'t>) {
        let keys_open = self.keys_open;
        let refused = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Mapping { map, key, seen, .. }) => match key.take() {
                None => {
                    let span = node.span;
                    let refused = as_key.name.is_none() && keys_open == 0;
                    *key = Some((as_key, span));
                    refused.then_some(span)
                }
                Some((as_key, key_span)) => {
                    if !seen.insert(as_key.identity) && self.duplicate.is_none() {
                        self.duplicate = Some(YamlError {
                            message: "duplicated key in mapping".into(),
                            span: Span::empty_at(as_key.mark),
                        });
                    }
                    map.insert(as_key.name.unwrap_or_default(), key_span, node);
                    None
                }
            },
        };
        if let Some(span) = refused {
            self.refuse(span, "mapping keys must be plain scalars");
        }
    }

    fn unreadable(&mut self, span: Span) {
        self.refuse(span, "invalid YAML value");
    }

    fn refuse(&mut self, span: Span, message: &str) {
        if self.unreadable.is_none() {
            self.unreadable = Some(YamlError {
                message: message.into(),
                span,
            });
        }
    }
}

pub(crate) fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        #[allow(clippy::cast_precision_loss)] // config integers are far below 2^53
        Scalar::Integer(i) => Value::Number(*i as f64),
        Scalar::FloatingPoint(f) => Value::Number(f.into_inner()),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

pub(crate) fn scalar_key(scalar: &Scalar<'_>) -> String {
    match scalar {
        Scalar::Null => "null".to_owned(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    }
}
