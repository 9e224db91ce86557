use safeguard_hcl::{Directive, Element, Template};
use safeguard_model::{Node, Value};
use safeguard_source::Span;

use super::ops::{to_string, truthy};
use super::partial_text::PartialText;
use super::{EvalResult, Evaluator, Frame, first_unknown, key_value_pairs};

impl Evaluator<'_> {
    /// Renders a template. A `<<-` heredoc's literals were dedented by the
    /// parser, which alone knows where its lines start.
    pub(super) fn template(&self, template: &Template, frame: &Frame, span: Span) -> EvalResult {
        let mut text = PartialText::default();
        if let Some(unknown) = self.render(template, frame, span, &mut text)? {
            return Ok(unknown);
        }
        Ok(text.into_node(span))
    }

    /// Appends the rendering to `out`, an unknown interpolation as a gap
    /// (see [`PartialText`]); `Some(unknown)` when a directive's condition
    /// or collection is unknown, which leaves nothing of the text certain.
    fn render(
        &self,
        template: &Template,
        frame: &Frame,
        span: Span,
        out: &mut PartialText,
    ) -> Result<Option<Node>, String> {
        for element in template.iter() {
            match element {
                Element::Literal(literal) => out.push_str(literal.value()),
                Element::Interpolation(interpolation) => {
                    let node = self.eval(&interpolation.expr, frame)?;
                    match &node.value {
                        Value::Unknown(unknown) => out.push_unknown(unknown),
                        Value::Null => return Err("cannot interpolate null".to_owned()),
                        value => out.push_str(&to_string(value)?),
                    }
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        let condition = self.eval(&if_directive.cond_expr, frame)?;
                        if let Some(unknown) = first_unknown([&condition], span) {
                            return Ok(Some(unknown));
                        }
                        if truthy(&condition.value)? {
                            if let Some(u) =
                                self.render(&if_directive.true_template, frame, span, out)?
                            {
                                return Ok(Some(u));
                            }
                        } else if let Some(false_template) = &if_directive.false_template
                            && let Some(u) = self.render(false_template, frame, span, out)?
                        {
                            return Ok(Some(u));
                        }
                    }
                    Directive::For(for_directive) => {
                        let collection = self.eval(&for_directive.collection_expr, frame)?;
                        if let Some(unknown) = first_unknown([&collection], span) {
                            return Ok(Some(unknown));
                        }
                        let items = key_value_pairs(&collection.value).ok_or_else(|| {
                            format!("cannot iterate over a {}", collection.value.type_name())
                        })?;
                        for (key, value) in items {
                            let mut inner = frame.clone();
                            if let Some(key_var) = &for_directive.key_var {
                                inner.names.push((key_var.as_str().to_owned(), key));
                            }
                            inner
                                .names
                                .push((for_directive.value_var.as_str().to_owned(), value));
                            if let Some(u) =
                                self.render(&for_directive.template, &inner, span, out)?
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
