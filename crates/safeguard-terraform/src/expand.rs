//! `count` and `for_each`: one block becomes zero or more instances, each
//! with Terraform's address (`aws_db_instance.r[1]`,
//! `aws_ebs_volume.data["billing"]`). An unknown count or for_each gives one
//! instance whose existence is unknown; it is never dropped.

use safeguard_hcl::{Block, BlockLabel, Body, Structure};
use safeguard_model::{Entry, InputError, Map, Node, Unknown, Value};
use safeguard_source::Span;

use crate::eval::{Evaluator, Frame, key_value_pairs, unknown};

/// The most instances one block may expand to; beyond it the block is judged
/// once, as unknown, rather than exhausting memory (`count = 100000000`).
pub const MAX_INSTANCES: usize = 10_000;

#[derive(Clone)]
pub(crate) enum Instances {
    Single(Map),
    Count(Vec<Map>),
    ForEach(Vec<(String, Map)>),
    /// The expansion could not be evaluated: one instance stands for all.
    Unknown {
        reason: String,
        attrs: Map,
    },
}

impl Instances {
    /// `(address suffix, attributes, why existence is unknown)` per instance.
    pub(crate) fn into_each(self) -> Vec<(String, Map, Option<String>)> {
        match self {
            Instances::Single(attrs) => vec![(String::new(), attrs, None)],
            Instances::Count(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, attrs)| (format!("[{i}]"), attrs, None))
                .collect(),
            Instances::ForEach(items) => items
                .into_iter()
                .map(|(key, attrs)| (format!("[{key:?}]"), attrs, None))
                .collect(),
            Instances::Unknown { reason, attrs } => vec![(String::new(), attrs, Some(reason))],
        }
    }
}

/// Expands a block by its `count` or `for_each`, evaluating each instance's body.
pub(crate) fn expand_block(
    evaluator: &Evaluator<'_>,
    block: &Block,
    file: usize,
    address: &str,
) -> Instances {
    let frame = Frame::in_file(file);
    if let Some(count) = block.body.get_attribute("count") {
        let value = evaluator.value(&count.value, &frame);
        return match &value.value {
            Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
                let n = *n as usize;
                let limit = instance_limit(evaluator);
                if n > limit {
                    let reason = format!("count = {n} is over the {limit}-instance limit");
                    limit_error(evaluator, file, count.value.span(), &reason);
                    return unknown_instances(evaluator, block, frame, reason);
                }
                let items = (0..n)
                    .map(|i| {
                        #[allow(clippy::cast_precision_loss)] // bounded by the instance limit
                        let index = Node::new(Value::Number(i as f64), value.span);
                        let frame = Frame {
                            count_index: Some(index),
                            ..frame.clone()
                        };
                        body_map(evaluator, &block.body, &frame)
                    })
                    .collect();
                Instances::Count(items)
            }
            Value::Unknown(u) => unknown_instances(
                evaluator,
                block,
                frame,
                format!("count depends on {}", u.reason),
            ),
            other => unknown_instances(
                evaluator,
                block,
                frame,
                format!("count = {other} is not a whole number ({address})"),
            ),
        };
    }
    if let Some(for_each) = block.body.get_attribute("for_each") {
        let value = evaluator.value(&for_each.value, &frame);
        let pairs: Vec<(String, Node)> = match &value.value {
            Value::Map(map) => map
                .entries
                .iter()
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect(),
            Value::List(items) => {
                let mut keys: Vec<(String, Node)> = Vec::new();
                for item in items {
                    match &item.value {
                        Value::String(s) => {
                            if !keys.iter().any(|(k, _)| k == s) {
                                keys.push((s.clone(), item.clone()));
                            }
                        }
                        Value::Unknown(u) => {
                            return unknown_instances(
                                evaluator,
                                block,
                                frame,
                                format!("for_each depends on {}", u.reason),
                            );
                        }
                        other => {
                            let reason =
                                format!("for_each over a set holding {other}, not strings");
                            return unknown_instances(evaluator, block, frame, reason);
                        }
                    }
                }
                // Terraform orders a set of strings lexically.
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                keys
            }
            Value::Unknown(u) => {
                return unknown_instances(
                    evaluator,
                    block,
                    frame,
                    format!("for_each depends on {}", u.reason),
                );
            }
            other => {
                return unknown_instances(
                    evaluator,
                    block,
                    frame,
                    format!("for_each = {other} is not a map or set"),
                );
            }
        };
        let limit = instance_limit(evaluator);
        if pairs.len() > limit {
            let reason = format!(
                "for_each has {} items, over the {limit}-instance limit",
                pairs.len()
            );
            limit_error(evaluator, file, for_each.value.span(), &reason);
            return unknown_instances(evaluator, block, frame, reason);
        }
        let items = pairs
            .into_iter()
            .map(|(key, value)| {
                let key_node = Node::new(Value::String(key.clone()), value.span);
                let frame = Frame {
                    each: Some((key_node, value)),
                    ..frame.clone()
                };
                (key, body_map(evaluator, &block.body, &frame))
            })
            .collect();
        return Instances::ForEach(items);
    }
    Instances::Single(body_map(evaluator, &block.body, &frame))
}

/// The `count`/`for_each` bound of the module tree being read.
fn instance_limit(evaluator: &Evaluator<'_>) -> usize {
    evaluator
        .scope
        .map_or(MAX_INSTANCES, |scope| scope.build.limits.max_instances)
}

/// A limit hit is an input error at the expression, besides the unknown
/// the block becomes: the user must see that part of the tree was not
/// expanded, and the run must not pass as if it had been.
fn limit_error(evaluator: &Evaluator<'_>, file: usize, span: Span, reason: &str) {
    if let (Some(scope), Some(source)) = (evaluator.scope, evaluator.file(file)) {
        scope.build.errors.borrow_mut().push(InputError::at_span(
            &source,
            span,
            format!("{reason}; the block is read as unknown"),
        ));
    }
}

fn unknown_instances(
    evaluator: &Evaluator<'_>,
    block: &Block,
    frame: Frame,
    reason: String,
) -> Instances {
    let marker = unknown(Span::default(), reason.clone(), Vec::new());
    let frame = Frame {
        count_index: Some(marker.clone()),
        each: Some((marker.clone(), marker)),
        ..frame
    };
    Instances::Unknown {
        reason,
        attrs: body_map(evaluator, &block.body, &frame),
    }
}

/// A block body as a map: attributes by name, nested blocks as lists of maps
/// (repeated blocks of one type collect into one list, in source order), and
/// `dynamic` blocks expanded into the blocks they generate.
pub(crate) fn body_map(evaluator: &Evaluator<'_>, body: &Body, frame: &Frame) -> Map {
    let mut map = Map::default();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key_span = attr.key.span();
                map.insert(
                    attr.key.as_str(),
                    key_span,
                    evaluator.value(&attr.value, frame),
                );
            }
            Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                dynamic_block(evaluator, &mut map, block, frame)
            }
            Structure::Block(block) => {
                let span = block.span();
                let key_span = block.ident.span();
                let item = Node::new(Value::Map(body_map(evaluator, &block.body, frame)), span);
                push_block(&mut map, block.ident.as_str(), key_span, item);
            }
        }
    }
    map
}

/// Appends a generated or written nested block to its type's list.
fn push_block(map: &mut Map, name: &str, key_span: Span, item: Node) {
    match map
        .entries
        .iter_mut()
        .find(|e| e.key == name && matches!(e.value.value, Value::List(_)))
    {
        Some(entry) => {
            entry.value.span = entry.value.span.cover(item.span);
            if let Value::List(items) = &mut entry.value.value {
                items.push(item);
            }
        }
        None => {
            let span = item.span;
            map.entries.push(Entry {
                key: name.to_owned(),
                key_span,
                value: Node::new(Value::List(vec![item]), span),
            });
        }
    }
}

/// `dynamic "x" { for_each = …, iterator = it, content { … } }`.
fn dynamic_block(evaluator: &Evaluator<'_>, map: &mut Map, block: &Block, frame: &Frame) {
    let Some(name) = block.labels.first().map(BlockLabel::as_str) else {
        return;
    };
    let span = block.span();
    let key_span = block
        .labels
        .first()
        .map_or(span, safeguard_hcl::BlockLabel::span);
    let iterator = block
        .body
        .get_attribute("iterator")
        .and_then(|a| match &a.value {
            safeguard_hcl::Expression::Variable(v) => Some(v.as_str().to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| name.to_owned());
    let content = block.body.get_blocks("content").next();
    let collection = block
        .body
        .get_attribute("for_each")
        .map(|a| evaluator.value(&a.value, frame));
    let pairs = collection.as_ref().and_then(|c| key_value_pairs(&c.value));
    let items: Vec<(Node, Node)> = match (pairs, collection.as_ref().map(|c| &c.value)) {
        (Some(pairs), _) => pairs,
        (None, Some(Value::Null)) => Vec::new(),
        (None, other) => {
            let (reason, references) = match other {
                Some(Value::Unknown(u)) => (
                    format!("dynamic \"{name}\" block: for_each depends on {}", u.reason),
                    u.references.clone(),
                ),
                _ => (
                    format!("dynamic \"{name}\" block without a usable for_each"),
                    Vec::new(),
                ),
            };
            map.insert(
                name,
                key_span,
                Node::new(
                    Value::Unknown(Unknown {
                        reason,
                        references,
                        presence_unknown: true,
                        ..Unknown::default()
                    }),
                    span,
                ),
            );
            return;
        }
    };
    let Some(content) = content else { return };
    for (key, value) in items {
        let mut iterator_value = Map::default();
        iterator_value.insert("key", key.span, key);
        iterator_value.insert("value", value.span, value);
        let inner = frame.with_name(&iterator, Node::new(Value::Map(iterator_value), span));
        let item = Node::new(Value::Map(body_map(evaluator, &content.body, &inner)), span);
        push_block(map, name, key_span, item);
    }
}
