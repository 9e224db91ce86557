use hcl_edit::template::{Directive, Element, StringTemplate, Template};
use safeguard_model::{Node, Value};
use safeguard_source::Span;

use super::ops::{to_string, truthy};
use super::{EvalResult, Evaluator, Frame, first_unknown, key_value_pairs};

/// Anything a template can be built from.
pub(crate) trait TemplateSource {
    fn elements(&self) -> Vec<&Element>;
}

impl TemplateSource for StringTemplate {
    fn elements(&self) -> Vec<&Element> {
        self.iter().collect()
    }
}

impl TemplateSource for Template {
    fn elements(&self) -> Vec<&Element> {
        self.iter().collect()
    }
}

impl Evaluator<'_> {
    /// Renders a template; `indent` strips that many leading spaces from each
    /// line (a `<<-` heredoc).
    pub(super) fn template(
        &self,
        template: &dyn TemplateSource,
        frame: &Frame,
        span: Span,
        indent: Option<usize>,
    ) -> EvalResult {
        let mut text = String::new();
        if let Some(unknown) = self.render(template.elements(), frame, span, &mut text)? {
            return Ok(unknown);
        }
        if let Some(indent) = indent {
            text = text
                .split_inclusive('\n')
                .map(|line| {
                    let strip = line
                        .bytes()
                        .take(indent)
                        .take_while(|b| *b == b' ' || *b == b'\t')
                        .count();
                    &line[strip..]
                })
                .collect();
        }
        Ok(Node::new(Value::String(text), span))
    }

    /// Appends the rendering to `out`; `Some(unknown)` when any part is unknown.
    fn render(
        &self,
        elements: Vec<&Element>,
        frame: &Frame,
        span: Span,
        out: &mut String,
    ) -> Result<Option<Node>, String> {
        for element in elements {
            match element {
                Element::Literal(literal) => out.push_str(literal.value()),
                Element::Interpolation(interpolation) => {
                    let node = self.eval(&interpolation.expr, frame)?;
                    if let Some(unknown) = first_unknown([&node], span) {
                        return Ok(Some(unknown));
                    }
                    match &node.value {
                        Value::Null => return Err("cannot interpolate null".to_owned()),
                        value => out.push_str(&to_string(value)?),
                    }
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        let condition = self.eval(&if_directive.if_expr.cond_expr, frame)?;
                        if let Some(unknown) = first_unknown([&condition], span) {
                            return Ok(Some(unknown));
                        }
                        if truthy(&condition.value)? {
                            if let Some(u) = self.render(
                                if_directive.if_expr.template.elements(),
                                frame,
                                span,
                                out,
                            )? {
                                return Ok(Some(u));
                            }
                        } else if let Some(else_expr) = &if_directive.else_expr
                            && let Some(u) =
                                self.render(else_expr.template.elements(), frame, span, out)?
                        {
                            return Ok(Some(u));
                        }
                    }
                    Directive::For(for_directive) => {
                        let for_expr = &for_directive.for_expr;
                        let collection = self.eval(&for_expr.collection_expr, frame)?;
                        if let Some(unknown) = first_unknown([&collection], span) {
                            return Ok(Some(unknown));
                        }
                        let items = key_value_pairs(&collection.value).ok_or_else(|| {
                            format!("cannot iterate over a {}", collection.value.type_name())
                        })?;
                        for (key, value) in items {
                            let mut inner = frame.clone();
                            if let Some(key_var) = &for_expr.key_var {
                                inner.names.push((key_var.as_str().to_owned(), key));
                            }
                            inner
                                .names
                                .push((for_expr.value_var.as_str().to_owned(), value));
                            if let Some(u) =
                                self.render(for_expr.template.elements(), &inner, span, out)?
                            {
                                return Ok(Some(u));
                            }
                        }
                    }
                },
            }
        }
        Ok(None)
    }
}
