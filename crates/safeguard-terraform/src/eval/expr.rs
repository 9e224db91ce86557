use safeguard_hcl::{Conditional, Element, Expression, ForExpr, ObjectKey, UnaryOperator};
use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use super::ops::{binary, truthy};
use super::{EvalResult, Evaluator, Frame, first_unknown, key_value_pairs, opaque, unknown};

impl Evaluator<'_> {
    pub(super) fn eval_expr(&self, expr: &Expression, frame: &Frame) -> EvalResult {
        let span = expr.span();
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(*n.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(array) => {
                let items = array
                    .iter()
                    .map(|item| self.eval(item, frame))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::List(items)
            }
            Expression::Object(object) => {
                let mut map = Map::default();
                for (key, value) in object.iter() {
                    let (name, key_span) = match key {
                        ObjectKey::Ident(ident) => (ident.as_str().to_owned(), ident.span()),
                        ObjectKey::Expression(key_expr) => {
                            let key_node = self.eval(key_expr, frame)?;
                            match &key_node.value {
                                Value::Unknown(_) => return Ok(opaque(key_node)),
                                other => (super::ops::to_string(other)?, key_node.span),
                            }
                        }
                    };
                    map.insert(name, key_span, self.eval(value, frame)?);
                }
                map.keep_last_of_each_key();
                Value::Map(map)
            }
            Expression::StringTemplate(template) => {
                // `"${x}"` alone is `x` itself, not its text (HCL's template
                // wrap): a list stays a list, `true` a bool, null null.
                if let [Element::Interpolation(only)] = template.elements() {
                    let node = self.eval(&only.expr, frame)?;
                    return Ok(Node::new(node.value, span));
                }
                return self.template(template, frame, span);
            }
            Expression::HeredocTemplate(heredoc) => {
                return self.template(&heredoc.template, frame, span);
            }
            Expression::Parenthesis(inner) => {
                let node = self.eval(inner.inner(), frame)?;
                return Ok(Node::new(node.value, span));
            }
            Expression::Variable(ident) => match frame.name(ident.as_str()) {
                Some(node) => return Ok(super::respan(node.clone(), span)),
                None => return Err(format!("unknown name `{}`", ident.as_str())),
            },
            Expression::Conditional(conditional) => {
                return self.conditional(conditional, frame, span);
            }
            Expression::FuncCall(call) => return self.call(call, frame, span),
            Expression::Traversal(traversal) => return self.traversal(traversal, frame, span),
            Expression::UnaryOp(op) => {
                let operand = self.eval(&op.expr, frame)?;
                if let Some(unknown) = first_unknown([&operand], span) {
                    return Ok(unknown);
                }
                match (op.operator.value(), &operand.value) {
                    (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOperator::Neg, other) => match super::ops::to_number(other) {
                        Ok(n) => Value::Number(-n),
                        Err(e) => return Err(e),
                    },
                    (UnaryOperator::Not, other) => Value::Bool(!truthy(other)?),
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, frame)?;
                // `&&` and `||` short-circuit on a known operand, as Terraform's
                // unknown-aware evaluation does.
                let rhs = self.eval(&op.rhs_expr, frame)?;
                return binary(*op.operator.value(), &lhs, &rhs, span);
            }
            Expression::ForExpr(for_expr) => return self.for_expr(for_expr, frame, span),
        };
        Ok(Node::new(value, span))
    }

    fn conditional(&self, conditional: &Conditional, frame: &Frame, span: Span) -> EvalResult {
        let condition = self.eval(&conditional.cond_expr, frame)?;
        match &condition.value {
            Value::Unknown(_) => {
                // Both branches equal: the condition does not matter.
                let yes = self.eval(&conditional.true_expr, frame)?;
                let no = self.eval(&conditional.false_expr, frame)?;
                if yes.value == no.value && !matches!(yes.value, Value::Unknown(_)) {
                    return Ok(Node::new(yes.value, span));
                }
                Ok(first_unknown([&condition], span)
                    .unwrap_or_else(|| unknown(span, "condition", Vec::new())))
            }
            other => {
                let branch = if truthy(other)? {
                    &conditional.true_expr
                } else {
                    &conditional.false_expr
                };
                let node = self.eval(branch, frame)?;
                Ok(node)
            }
        }
    }

    fn for_expr(&self, for_expr: &ForExpr, frame: &Frame, span: Span) -> EvalResult {
        let collection = self.eval(&for_expr.intro.collection_expr, frame)?;
        let items = match &collection.value {
            Value::Unknown(_) => return Ok(opaque(Node::new(collection.value, span))),
            Value::Null => return Err("cannot iterate over null".to_owned()),
            other => key_value_pairs(other)
                .ok_or_else(|| format!("cannot iterate over a {}", other.type_name()))?,
        };
        let key_var = for_expr
            .intro
            .key_var
            .as_ref()
            .map(|k| k.as_str().to_owned());
        let value_var = for_expr.intro.value_var.as_str().to_owned();
        let mut list = Vec::new();
        let mut map = Map::default();
        let mut unknowns = Vec::new();
        for (key, value) in items {
            let mut inner = frame.clone();
            if let Some(key_var) = &key_var {
                inner.names.push((key_var.clone(), key));
            }
            inner.names.push((value_var.clone(), value));
            if let Some(cond) = &for_expr.cond {
                let keep = self.eval(&cond.expr, &inner)?;
                match &keep.value {
                    Value::Unknown(_) => {
                        unknowns.push(keep);
                        continue;
                    }
                    other if !truthy(other)? => continue,
                    _ => {}
                }
            }
            let value = self.eval(&for_expr.value_expr, &inner)?;
            match &for_expr.key_expr {
                None => list.push(value),
                Some(key_expr) => {
                    let key = self.eval(key_expr, &inner)?;
                    if let Value::Unknown(_) = key.value {
                        unknowns.push(key);
                        continue;
                    }
                    let name = super::ops::to_string(&key.value)?;
                    if for_expr.grouping {
                        match map.entries.iter_mut().find(|e| e.key == name) {
                            Some(entry) => {
                                if let Value::List(items) = &mut entry.value.value {
                                    items.push(value);
                                }
                            }
                            None => map.insert(
                                name,
                                key.span,
                                Node::new(Value::List(vec![value]), span),
                            ),
                        }
                    } else if map.get(&name).is_some() {
                        return Err(format!("duplicate key `{name}` in a `for` expression"));
                    } else {
                        map.insert(name, key.span, value);
                    }
                }
            }
        }
        // An unknown filter or key leaves the collection's shape unknown.
        if let Some(unknown) = first_unknown(unknowns.iter(), span) {
            return Ok(unknown);
        }
        Ok(Node::new(
            if for_expr.key_expr.is_some() {
                Value::Map(map)
            } else {
                Value::List(list)
            },
            span,
        ))
    }
}
