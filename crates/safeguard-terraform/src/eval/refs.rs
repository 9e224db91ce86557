//! References: `var.*`, `local.*`, `each.*`, `count.index`, `path.*`,
//! resources and data sources, and the operators applied after them
//! (attribute access, indexing, splats).

use safeguard_hcl::{Expression, Traversal, TraversalOperator};
use safeguard_model::{Node, Value};
use safeguard_source::Span;

use super::ops::{format_number, to_number, to_string};
use super::{EvalResult, Evaluator, Frame, respan, unknown};
use crate::expand::Instances;
use crate::modules::ModuleCall;

/// The most splats (`.*`, `[*]`) one traversal may hold.
const MAX_SPLATS: usize = 32;

/// One operator of a traversal, with index expressions evaluated lazily.
enum Step<'e> {
    Attr(&'e str),
    Index(&'e Expression),
    LegacyIndex(u64),
    Splat,
}

impl Evaluator<'_> {
    pub(super) fn traversal(&self, traversal: &Traversal, frame: &Frame, span: Span) -> EvalResult {
        let steps: Vec<Step<'_>> = traversal
            .operators
            .iter()
            .map(|op| match op.value() {
                TraversalOperator::GetAttr(ident) => Step::Attr(ident.as_str()),
                TraversalOperator::Index(expr) => Step::Index(expr),
                TraversalOperator::LegacyIndex(index) => Step::LegacyIndex(*index),
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => Step::Splat,
            })
            .collect();
        let text = || {
            self.file(frame.file)
                .map(|f| fold(f.slice(span)))
                .unwrap_or_default()
        };

        let Expression::Variable(root) = &traversal.expr else {
            let base = self.eval(&traversal.expr, frame)?;
            return self.apply(base, &steps, frame, span);
        };
        let root = root.as_str();
        if let Some(value) = frame.name(root) {
            return self.apply(respan(value.clone(), span), &steps, frame, span);
        }
        match (root, steps.as_slice()) {
            ("var", [Step::Attr(name), rest @ ..]) => match self.variables.get(*name) {
                // A module argument keeps pointing at the caller's argument.
                Some(value) if value.origin.is_some() => {
                    self.apply_keeping_origin(value.clone(), rest, frame)
                }
                Some(value) => self.apply(respan(value.clone(), span), rest, frame, span),
                None => Err(format!("undeclared variable `var.{name}`")),
            },
            ("local", [Step::Attr(name), rest @ ..]) => {
                let value = self.local(name, span)?;
                self.apply(respan(value, span), rest, frame, span)
            }
            ("each", [Step::Attr(which), rest @ ..]) => {
                let Some((key, value)) = &frame.each else {
                    return Err("`each` is only available in a block with `for_each`".to_owned());
                };
                let node = match *which {
                    "key" => key.clone(),
                    "value" => value.clone(),
                    other => {
                        return Err(format!(
                            "`each.{other}` does not exist (use each.key or each.value)"
                        ));
                    }
                };
                // An element of a module argument, like the argument
                // itself, keeps pointing where the caller wrote it.
                if node.origin.is_some() {
                    return self.apply_keeping_origin(node, rest, frame);
                }
                self.apply(respan(node, span), rest, frame, span)
            }
            ("count", [Step::Attr("index"), rest @ ..]) => match &frame.count_index {
                Some(index) => self.apply(respan(index.clone(), span), rest, frame, span),
                None => Err("`count.index` is only available in a block with `count`".to_owned()),
            },
            ("path", [Step::Attr("module" | "root"), rest @ ..]) => self.apply(
                Node::new(Value::String(".".to_owned()), span),
                rest,
                frame,
                span,
            ),
            ("path", [Step::Attr("cwd"), ..]) => Ok(unknown(
                span,
                "path.cwd depends on where Terraform runs",
                Vec::new(),
            )),
            ("terraform", [Step::Attr("workspace"), ..]) => Ok(unknown(
                span,
                "terraform.workspace is chosen at run time",
                Vec::new(),
            )),
            ("data", [Step::Attr(kind), Step::Attr(name), rest @ ..]) => {
                let address = format!("data.{kind}.{name}");
                // Computed from its own arguments, without the provider's
                // help (see `policy_document`).
                if *kind == super::policy_document::DATA_SOURCE_TYPE
                    && self.config.resources.contains_key(&address)
                {
                    return self.resource_reference(&address, rest, frame, span, &text);
                }
                let address = self.absolute(&address);
                Ok(unknown(
                    span,
                    format!("{} is read from the provider at plan time", text()),
                    vec![address],
                ))
            }
            ("module", [Step::Attr(name), rest @ ..]) => {
                self.module_reference(name, rest, frame, span, &text)
            }
            ("self", _) => Ok(unknown(
                span,
                format!("{} refers to the object's own computed values", text()),
                Vec::new(),
            )),
            (kind, [Step::Attr(name), rest @ ..]) => {
                let address = format!("{kind}.{name}");
                if self.config.resources.contains_key(&address) {
                    self.resource_reference(&address, rest, frame, span, &text)
                } else {
                    Err(format!("reference to undeclared resource `{address}`"))
                }
            }
            _ => Err(format!("unsupported reference `{}`", text())),
        }
    }

    fn local(&self, name: &str, span: Span) -> EvalResult {
        if let Some(value) = self.locals.borrow().get(name) {
            return Ok(value.clone());
        }
        let Some(&(file, attr)) = self.config.locals.get(name) else {
            return Err(format!("undeclared local `local.{name}`"));
        };
        let key = format!("local.{name}");
        let value = self.guarded(
            &key,
            || {
                Ok(unknown(
                    span,
                    format!("local.{name} depends on itself (a cycle)"),
                    Vec::new(),
                ))
            },
            || self.eval(&attr.value, &Frame::in_file(file)),
        )?;
        // Carry the chain: an unknown reached through a local says so.
        let value = match value.value {
            Value::Unknown(mut u) if !u.reason.contains("(a cycle)") => {
                u.reason = format!("{} (via local.{name})", u.reason);
                Node::new(Value::Unknown(u), value.span)
            }
            other => Node::new(other, value.span),
        };
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), value.clone());
        Ok(value)
    }

    /// `aws_s3_bucket.logs.bucket`: an attribute the configuration sets is
    /// its value; anything else the provider computes.
    fn resource_reference(
        &self,
        address: &str,
        steps: &[Step<'_>],
        frame: &Frame,
        span: Span,
        text: &dyn Fn() -> String,
    ) -> EvalResult {
        let absolute = self.absolute(address);
        let Some(instances) = self.resource_instances(address) else {
            return Ok(unknown(
                span,
                format!("{} depends on itself (a cycle)", text()),
                vec![absolute.clone()],
            ));
        };
        // Select the instance the steps name.
        let (attrs, instance_address, rest) = match (&*instances, steps) {
            (Instances::Single(attrs), rest) => (attrs, absolute.clone(), rest),
            (Instances::Count(items), [Step::Index(expr), rest @ ..]) => {
                let index = self.eval(expr, frame)?;
                if let Value::Unknown(_) = index.value {
                    return Ok(unknown(
                        span,
                        format!("{}: the instance index is unknown", text()),
                        vec![absolute.clone()],
                    ));
                }
                let i = to_number(&index.value)?;
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked below
                let item = if i >= 0.0 && i.fract() == 0.0 {
                    items.get(i as usize)
                } else {
                    None
                };
                match item {
                    Some(attrs) => (attrs, format!("{absolute}[{}]", format_number(i)), rest),
                    None => {
                        return Err(format!("{address} has no instance [{}]", format_number(i)));
                    }
                }
            }
            (Instances::ForEach(items), [Step::Index(expr), rest @ ..]) => {
                let key = self.eval(expr, frame)?;
                if let Value::Unknown(_) = key.value {
                    return Ok(unknown(
                        span,
                        format!("{}: the instance key is unknown", text()),
                        vec![absolute.clone()],
                    ));
                }
                let key = to_string(&key.value)?;
                match items.iter().find(|(k, _)| *k == key) {
                    Some((_, attrs)) => (attrs, format!("{absolute}[{key:?}]"), rest),
                    None => return Err(format!("{address} has no instance [{key:?}]")),
                }
            }
            (Instances::Unknown { .. } | Instances::Count(_) | Instances::ForEach(_), _) => {
                // The whole collection, or an unknown expansion: not one object.
                let reason = format!(
                    "{} refers to instances that are not evaluated one by one",
                    text()
                );
                return Ok(unknown(span, reason, vec![absolute.clone()]));
            }
        };
        match rest {
            [] => Ok(unknown(
                span,
                format!("{} is the whole object", text()),
                vec![instance_address],
            )),
            [Step::Attr(attr), tail @ ..] => match attrs.get(attr) {
                Some(entry) if !matches!(entry.value.value, Value::Null) => {
                    self.apply(respan(entry.value.clone(), span), tail, frame, span)
                }
                _ => match super::policy_document::computed_attribute(
                    address,
                    attr,
                    attrs,
                    self.aws_provider_5(),
                    span,
                ) {
                    Some(Ok(node)) => self.apply(node, tail, frame, span),
                    Some(Err((reason, mut references))) => {
                        references.insert(0, instance_address);
                        Ok(unknown(span, format!("{}: {reason}", text()), references))
                    }
                    None => Ok(unknown(
                        span,
                        format!("{} is computed by the provider", text()),
                        vec![instance_address],
                    )),
                },
            },
            _ => Ok(unknown(
                span,
                format!("{} is computed by the provider", text()),
                vec![instance_address],
            )),
        }
    }

    /// `module.NAME.OUTPUT`: an output of a local module, evaluated with
    /// the call's arguments; unknown for remote or unreadable modules.
    fn module_reference(
        &self,
        name: &str,
        steps: &[Step<'_>],
        frame: &Frame,
        span: Span,
        text: &dyn Fn() -> String,
    ) -> EvalResult {
        let address = self.absolute(&format!("module.{name}"));
        let Some(call) = self.module_call(name) else {
            return Err(format!("reference to undeclared module `module.{name}`"));
        };
        let (outputs, rest) = match (&*call, steps) {
            (ModuleCall::Single(outputs), rest) => (outputs, rest),
            (ModuleCall::Count(items), [Step::Index(expr), rest @ ..]) => {
                let index = self.eval(expr, frame)?;
                if let Value::Unknown(_) = index.value {
                    return Ok(unknown(
                        span,
                        format!("{}: the module instance index is unknown", text()),
                        vec![address],
                    ));
                }
                let i = to_number(&index.value)?;
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked
                let item = if i >= 0.0 && i.fract() == 0.0 {
                    items.get(i as usize)
                } else {
                    None
                };
                (
                    item.ok_or_else(|| {
                        format!("module.{name} has no instance [{}]", format_number(i))
                    })?,
                    rest,
                )
            }
            (ModuleCall::ForEach(items), [Step::Index(expr), rest @ ..]) => {
                let key = self.eval(expr, frame)?;
                if let Value::Unknown(_) = key.value {
                    return Ok(unknown(
                        span,
                        format!("{}: the module instance key is unknown", text()),
                        vec![address],
                    ));
                }
                let key = to_string(&key.value)?;
                let item = items
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, outputs)| outputs);
                (
                    item.ok_or_else(|| format!("module.{name} has no instance [{key:?}]"))?,
                    rest,
                )
            }
            (ModuleCall::Unknown(reason), _) => {
                return Ok(unknown(span, reason.clone(), vec![address]));
            }
            (ModuleCall::Count(_) | ModuleCall::ForEach(_), _) => {
                return Ok(unknown(
                    span,
                    format!(
                        "{} refers to module instances not evaluated one by one",
                        text()
                    ),
                    vec![address],
                ));
            }
        };
        match rest {
            [Step::Attr(output), tail @ ..] => match outputs.get(output) {
                Some(entry) => self.apply(respan(entry.value.clone(), span), tail, frame, span),
                None => Err(format!("module.{name} has no output `{output}`")),
            },
            _ => Ok(unknown(
                span,
                format!("{} is the whole module", text()),
                vec![address],
            )),
        }
    }

    /// Applies steps to a value written elsewhere (a module argument),
    /// keeping its own location.
    fn apply_keeping_origin(&self, node: Node, steps: &[Step<'_>], frame: &Frame) -> EvalResult {
        let (span, origin) = (node.span, node.origin);
        let mut result = match self.reach(node, steps, frame, span)? {
            // A value the caller wrote inside the argument (`encrypted =
            // false` in one of a map's objects) points at itself, not at
            // the whole argument.
            Reached::End(node) if node.origin.is_some() => return Ok(node),
            Reached::End(node) => Node::new(node.value, span),
            Reached::Early(node) => node,
        };
        if result.origin.is_none() {
            result.origin = origin;
        }
        Ok(result)
    }

    /// Applies attribute access, indexing and splats to a value.
    fn apply(&self, node: Node, steps: &[Step<'_>], frame: &Frame, span: Span) -> EvalResult {
        Ok(match self.reach(node, steps, frame, span)? {
            Reached::End(node) => Node::new(node.value, span),
            Reached::Early(node) => node,
        })
    }

    /// The node `steps` lead to from `node`, as it was written, or what
    /// ended the traversal before the last step (see [`Reached`]).
    fn reach(
        &self,
        mut node: Node,
        steps: &[Step<'_>],
        frame: &Frame,
        span: Span,
    ) -> Result<Reached, String> {
        // Each splat applies the rest of the traversal per item, one call
        // deeper, and nests the result one list deeper: bound them, or
        // `x.*.*.*…` 20,000 times overflows the stack (found by fuzzing).
        let splats = steps.iter().filter(|s| matches!(s, Step::Splat)).count();
        if splats > MAX_SPLATS {
            return Err(format!(
                "{splats} splats in one traversal, over the limit of {MAX_SPLATS}"
            ));
        }
        for (i, step) in steps.iter().enumerate() {
            if let Value::Unknown(_) = node.value {
                // What is known of an unknown string's text is not what a
                // step into it would give.
                return Ok(Reached::Early(super::opaque(node)));
            }
            node = match step {
                Step::Attr(name) => match &node.value {
                    Value::Map(map) => match map.get(name) {
                        Some(entry) => entry.value.clone(),
                        None => return Err(format!("no attribute `{name}`")),
                    },
                    Value::Null => return Err(format!("attribute `{name}` of null")),
                    other => return Err(format!("a {} has no attributes", other.type_name())),
                },
                Step::Index(expr) => {
                    let key = self.eval(expr, frame)?;
                    if let Value::Unknown(_) = key.value {
                        return Ok(Reached::Early(key));
                    }
                    index(&node, &key.value)?
                }
                Step::LegacyIndex(i) => {
                    #[allow(clippy::cast_precision_loss)] // indexes are small
                    let key = Value::Number(*i as f64);
                    index(&node, &key)?
                }
                Step::Splat => {
                    let items = match node.value {
                        Value::List(items) => items,
                        Value::Null => Vec::new(),
                        other => vec![Node::new(other, node.span)],
                    };
                    let rest = &steps[i + 1..];
                    let mapped = items
                        .into_iter()
                        .map(|item| self.apply(item, rest, frame, span))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(Reached::Early(Node::new(Value::List(mapped), span)));
                }
            };
        }
        Ok(Reached::End(node))
    }
}

/// Where a traversal stopped: at its last step, on the value written there,
/// or before it, on a value already placed (an unknown, a splat's list).
enum Reached {
    End(Node),
    Early(Node),
}

fn index(node: &Node, key: &Value) -> EvalResult {
    match &node.value {
        Value::List(items) => {
            let i = to_number(key)?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked
            let item = if i >= 0.0 && i.fract() == 0.0 {
                items.get(i as usize)
            } else {
                None
            };
            item.cloned()
                .ok_or_else(|| format!("index {} out of range", format_number(i)))
        }
        Value::Map(map) => {
            let name = to_string(key)?;
            map.get(&name)
                .map(|e| e.value.clone())
                .ok_or_else(|| format!("no key \"{name}\""))
        }
        other => Err(format!("cannot index a {}", other.type_name())),
    }
}

/// Expression text on one line.
fn fold(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > 120 {
        format!("{}…", folded.chars().take(119).collect::<String>())
    } else {
        folded
    }
}
