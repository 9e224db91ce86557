use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};
use hcl_edit::visit::{Visit, visit_traversal};
use hcl_edit::{Ident, Span as _};
use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_source::{SourceFile, Span};

/// The longest expression text kept as an unknown's reason.
const REASON_LIMIT: usize = 120;

/// Converts an expression to a node: literals keep their values, anything
/// that needs evaluation is `Unknown` with the expression text as its reason.
pub(crate) fn expression_node(expr: &Expression, file: &SourceFile) -> Node {
    let span = span_of(expr.span());
    let value = match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => match n.as_f64() {
            Some(f) => Value::Number(f),
            None => return unknown(expr, file, span),
        },
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(array) => Value::List(
            array
                .iter()
                .map(|item| expression_node(item, file))
                .collect(),
        ),
        Expression::Object(object) => {
            let mut map = Map::default();
            for (key, value) in object.iter() {
                let (name, key_span) = match key {
                    ObjectKey::Ident(ident) => (ident.as_str().to_owned(), span_of(ident.span())),
                    ObjectKey::Expression(Expression::String(s)) => {
                        (s.value().clone(), span_of(s.span()))
                    }
                    // A computed key makes the whole object's shape unknown.
                    ObjectKey::Expression(_) => return unknown(expr, file, span),
                };
                map.insert(name, key_span, expression_node(value.expr(), file));
            }
            Value::Map(map)
        }
        Expression::StringTemplate(template) => match literal_template(template) {
            Some(text) => Value::String(text),
            None => return unknown(expr, file, span),
        },
        Expression::HeredocTemplate(heredoc) => {
            match (heredoc.indent(), literal_template(&heredoc.template)) {
                // `<<-` heredocs strip indentation, which this first cut does not model.
                (None, Some(text)) => Value::String(text),
                _ => return unknown(expr, file, span),
            }
        }
        Expression::Parenthesis(inner) => {
            let node = expression_node(inner.inner(), file);
            return Node::new(node.value, span);
        }
        Expression::UnaryOp(op) => {
            match (op.operator.value(), expression_node(&op.expr, file).value) {
                (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
                (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                _ => return unknown(expr, file, span),
            }
        }
        Expression::Variable(_)
        | Expression::Conditional(_)
        | Expression::FuncCall(_)
        | Expression::Traversal(_)
        | Expression::BinaryOp(_)
        | Expression::ForExpr(_) => return unknown(expr, file, span),
    };
    Node::new(value, span)
}

fn literal_template(template: &Template) -> Option<String> {
    let mut text = String::new();
    for element in template.iter() {
        match element {
            Element::Literal(literal) => text.push_str(literal.value()),
            Element::Interpolation(_) | Element::Directive(_) => return None,
        }
    }
    Some(text)
}

fn unknown(expr: &Expression, file: &SourceFile, span: Span) -> Node {
    let mut collector = ReferenceCollector::default();
    collector.visit_expr(expr);
    Node::new(
        Value::Unknown(Unknown {
            reason: reason_text(file.slice(span)),
            references: collector.references,
            presence_unknown: false,
        }),
        span,
    )
}

/// The expression text on one line, whitespace runs folded, cut if long.
fn reason_text(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > REASON_LIMIT {
        let cut: String = folded.chars().take(REASON_LIMIT - 1).collect();
        format!("{cut}…")
    } else {
        folded
    }
}

pub(crate) fn span_of(range: Option<std::ops::Range<usize>>) -> Span {
    range.map(Span::from_range).unwrap_or_default()
}

/// Collects the object addresses an expression names: `var.x`, `local.y`,
/// `data.t.n`, `module.m`, `aws_s3_bucket.b`.
#[derive(Default)]
struct ReferenceCollector {
    references: Vec<String>,
}

impl Visit for ReferenceCollector {
    fn visit_traversal(&mut self, node: &Traversal) {
        if let Some(address) = traversal_address(node)
            && !self.references.contains(&address)
        {
            self.references.push(address);
        }
        visit_traversal(self, node);
    }
}

fn traversal_address(node: &Traversal) -> Option<String> {
    let Expression::Variable(root) = &node.expr else {
        return None;
    };
    let attrs: Vec<&Ident> = node
        .operators
        .iter()
        .map_while(|op| match op.value() {
            TraversalOperator::GetAttr(ident) => Some(ident.value()),
            _ => None,
        })
        .collect();
    let root = root.as_str();
    let parts = match root {
        // Not references to objects: the iteration and path namespaces.
        "each" | "count" | "path" | "terraform" | "self" => return None,
        "var" | "local" | "module" => 1,
        "data" => 2,
        _ => 1,
    };
    if attrs.len() < parts {
        return None;
    }
    let mut address = root.to_owned();
    for ident in &attrs[..parts] {
        address.push('.');
        address.push_str(ident.as_str());
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(source: &str) -> Node {
        let text = format!("x = {source}\n");
        let file = SourceFile::new("t.tf", text.as_str());
        let body = hcl_edit::parser::parse_body(&text).unwrap();
        let attr = body.get_attribute("x").unwrap();
        expression_node(&attr.value, &file)
    }

    #[test]
    fn literals_keep_values_and_spans() {
        assert_eq!(node("true"), Node::new(Value::Bool(true), Span::new(4, 8)));
        assert_eq!(node("2190").value, Value::Number(2190.0));
        assert_eq!(node("-1").value, Value::Number(-1.0));
        assert_eq!(node("\"aws:kms\"").value, Value::String("aws:kms".into()));
        assert_eq!(node("(false)").value, Value::Bool(false));
    }

    #[test]
    fn collections_convert_recursively() {
        let Value::Map(map) = node("{ a = [1, \"b\"], \"c-d\" = null }").value else {
            panic!()
        };
        assert_eq!(map.get("a").unwrap().value.value.to_string(), "[1, \"b\"]");
        assert_eq!(map.get("c-d").unwrap().value.value, Value::Null);
    }

    #[test]
    fn expressions_are_unknown_with_text_and_references() {
        let Value::Unknown(u) = node("var.encrypted").value else {
            panic!()
        };
        assert_eq!(u.reason, "var.encrypted");
        assert_eq!(u.references, vec!["var.encrypted".to_owned()]);

        let Value::Unknown(u) = node("aws_s3_bucket.phi.id").value else {
            panic!()
        };
        assert_eq!(u.references, vec!["aws_s3_bucket.phi".to_owned()]);

        let Value::Unknown(u) = node("\"${data.aws_kms_key.k.arn}-${local.suffix}\"").value else {
            panic!()
        };
        assert_eq!(
            u.references,
            vec!["data.aws_kms_key.k".to_owned(), "local.suffix".to_owned()]
        );

        let Value::Unknown(u) = node("each.value.enabled ? 1 : 0").value else {
            panic!()
        };
        assert!(u.references.is_empty());
    }

    #[test]
    fn literal_templates_are_strings() {
        assert_eq!(node("\"plain\"").value, Value::String("plain".into()));
        assert_eq!(
            node("<<EOT\nline\nEOT\n").value,
            Value::String("line\n".into())
        );
    }
}
