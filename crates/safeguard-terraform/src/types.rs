//! Variable type constraints (`type = map(object({ a = optional(bool,
//! false) }))`), applied to the value a variable receives as Terraform
//! applies them. Since Terraform 1.3 modules read `var.x.attr` for optional
//! attributes their callers never write (terraform-aws-modules/eks, every
//! Azure Verified Module): an object gets each missing or null optional
//! attribute as its default (or null) and loses the attributes its type
//! does not declare; collections and tuples convert element by element;
//! primitives convert where Terraform converts them (`"true"` to a bool, `5`
//! to `"5"`). Without this, each such read was an evaluation error, and the
//! objects built from it unknown.
//!
//! A value that does not fit its type is left as given: Terraform would
//! refuse the configuration, and what was written is the better thing to
//! judge. A type expression not understood converts nothing.

use safeguard_hcl::{Expression, ObjectKey};
use safeguard_model::{Map, Node, Value};

/// A parsed type constraint; defaults stay expressions until they are needed.
pub(crate) enum TypeConstraint<'a> {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint<'a>>),
    Set(Box<TypeConstraint<'a>>),
    Map(Box<TypeConstraint<'a>>),
    Tuple(Vec<TypeConstraint<'a>>),
    Object(Vec<ObjectAttribute<'a>>),
}

pub(crate) struct ObjectAttribute<'a> {
    name: String,
    constraint: TypeConstraint<'a>,
    optional: bool,
    /// `optional(T, default)`'s default.
    default: Option<&'a Expression>,
    /// The `optional(…)` call, where a filled-in attribute was written.
    span: safeguard_source::Span,
}

impl<'a> TypeConstraint<'a> {
    /// The constraint `expr` writes, or `None` when it is not one.
    pub(crate) fn parse(expr: &'a Expression) -> Option<Self> {
        match expr {
            Expression::Variable(ident) => match ident.as_str() {
                "any" => Some(Self::Any),
                "string" => Some(Self::String),
                "number" => Some(Self::Number),
                "bool" => Some(Self::Bool),
                _ => None,
            },
            Expression::Parenthesis(inner) => Self::parse(inner.inner()),
            Expression::FuncCall(call) if call.name.namespace.is_empty() => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let element = |t: &'a Expression| Self::parse(t).map(Box::new);
                match (call.name.name.as_str(), args.as_slice()) {
                    ("list", [t]) => Some(Self::List(element(t)?)),
                    ("set", [t]) => Some(Self::Set(element(t)?)),
                    ("map", [t]) => Some(Self::Map(element(t)?)),
                    ("tuple", [Expression::Array(items)]) => Some(Self::Tuple(
                        items.iter().map(Self::parse).collect::<Option<_>>()?,
                    )),
                    ("object", [Expression::Object(object)]) => {
                        let mut attributes = Vec::new();
                        for (key, value) in object.iter() {
                            let name = match key {
                                ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                ObjectKey::Expression(_) => return None,
                            };
                            // A repeated name: the last one, as HCL's object
                            // constructor keeps it (and one value is taken
                            // once below).
                            attributes.retain(|a: &ObjectAttribute<'_>| a.name != name);
                            attributes.push(ObjectAttribute::parse(name, value)?);
                        }
                        Some(Self::Object(attributes))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `node` converted to this type. `default` evaluates an `optional`
    /// default (a constant, written in file `declared_in`).
    pub(crate) fn convert(
        &self,
        node: Node,
        default: &dyn Fn(&Expression) -> Node,
        declared_in: Option<u32>,
    ) -> Node {
        // The value is taken apart and rebuilt, not cloned: a module's map
        // of objects is converted for every call.
        let Node {
            value,
            span,
            origin,
        } = node;
        let keep = |value: Value| Node {
            value,
            span,
            origin,
        };
        let convert = |constraint: &TypeConstraint<'_>, item: Node| {
            constraint.convert(item, default, declared_in)
        };
        match (self, value) {
            (_, value @ (Value::Unknown(_) | Value::Null)) | (Self::Any, value) => keep(value),
            (Self::String | Self::Number | Self::Bool, value) => self.primitive(keep(value)),
            (Self::List(element), Value::List(items)) => keep(Value::List(
                items
                    .into_iter()
                    .map(|item| convert(element, item))
                    .collect(),
            )),
            // A set holds each element once, strings in order: `for_each`
            // over `["b", "a", "b"]` given to a `set(string)` has two keys.
            (Self::Set(element), Value::List(items)) => keep(Value::List(crate::eval::as_set(
                items
                    .into_iter()
                    .map(|item| convert(element, item))
                    .collect(),
            ))),
            (Self::Tuple(elements), Value::List(items)) if elements.len() == items.len() => {
                keep(Value::List(
                    elements
                        .iter()
                        .zip(items)
                        .map(|(constraint, item)| convert(constraint, item))
                        .collect(),
                ))
            }
            (Self::Map(element), Value::Map(mut map)) => {
                for entry in &mut map.entries {
                    let value = std::mem::replace(&mut entry.value, Node::new(Value::Null, span));
                    entry.value = convert(element, value);
                }
                keep(Value::Map(map))
            }
            (Self::Object(attributes), Value::Map(mut map)) => {
                // The last entry of a key is its value (see `Map::get`).
                // An optional attribute given null takes its default.
                let given = |map: &Map, attribute: &ObjectAttribute<'_>| {
                    map.entries
                        .iter()
                        .rposition(|e| e.key == attribute.name)
                        .filter(|&i| {
                            !(attribute.optional
                                && matches!(map.entries[i].value.value, Value::Null))
                        })
                };
                // A required attribute missing: Terraform refuses the
                // value; judge it as written.
                if attributes
                    .iter()
                    .any(|a| !a.optional && given(&map, a).is_none())
                {
                    return keep(Value::Map(map));
                }
                let mut converted = Map::default();
                for attribute in attributes {
                    match given(&map, attribute) {
                        Some(index) => {
                            let entry = &mut map.entries[index];
                            let value =
                                std::mem::replace(&mut entry.value, Node::new(Value::Null, span));
                            converted.insert(
                                attribute.name.clone(),
                                entry.key_span,
                                convert(&attribute.constraint, value),
                            );
                        }
                        None => {
                            let mut filled = match attribute.default {
                                Some(expr) => convert(&attribute.constraint, default(expr)),
                                None => Node::new(Value::Null, attribute.span),
                            };
                            if filled.origin.is_none() {
                                filled.origin = declared_in;
                            }
                            converted.insert(attribute.name.clone(), attribute.span, filled);
                        }
                    }
                }
                keep(Value::Map(converted))
            }
            (_, value) => keep(value),
        }
    }

    /// Terraform's conversions between primitives; anything else is kept.
    fn primitive(&self, node: Node) -> Node {
        let converted = match (self, &node.value) {
            (Self::Number, Value::String(_)) => {
                crate::eval::to_number(&node.value).ok().map(Value::Number)
            }
            (Self::Bool, Value::String(_)) => {
                crate::eval::to_bool(&node.value).ok().map(Value::Bool)
            }
            (Self::String, Value::Number(_) | Value::Bool(_)) => {
                Some(Value::String(crate::eval::display(&node.value)))
            }
            _ => None,
        };
        match converted {
            Some(value) => {
                let mut node = node;
                node.value = value;
                node
            }
            None => node,
        }
    }
}

impl<'a> ObjectAttribute<'a> {
    fn parse(name: String, value: &'a Expression) -> Option<Self> {
        if let Expression::FuncCall(call) = value
            && call.name.namespace.is_empty()
            && call.name.name.as_str() == "optional"
        {
            let args: Vec<&Expression> = call.args.iter().collect();
            let (constraint, default) = match args.as_slice() {
                [t] => (TypeConstraint::parse(t)?, None),
                [t, d] => (TypeConstraint::parse(t)?, Some(*d)),
                _ => return None,
            };
            return Some(Self {
                name,
                constraint,
                optional: true,
                default,
                span: value.span(),
            });
        }
        Some(Self {
            name,
            constraint: TypeConstraint::parse(value)?,
            optional: false,
            default: None,
            span: value.span(),
        })
    }
}
