//! Quoted strings, heredocs and the template language inside both:
//! literals, `${ }` interpolations and `%{ }` directives.

use super::{Parser, Result, whitespace};
use crate::ast::{
    Directive, Element, Expression, ForDirective, HeredocTemplate, IfDirective, Interpolation,
    Spanned, Strip, Template,
};
use crate::error::Error;

/// Where a template's text ends.
#[derive(Clone, Copy)]
enum Context<'a> {
    /// At an unescaped `"`. Backslash escapes apply.
    Quoted,
    /// At a line holding only the delimiter (after indentation).
    Heredoc(&'a str),
}

/// Keywords a directive may start with.
#[derive(PartialEq, Eq)]
enum Keyword {
    If,
    For,
    Else,
    EndIf,
    EndFor,
    Other,
}

impl<'a> Parser<'a> {
    /// `"..."`: a plain string when it holds no interpolation or directive.
    pub(super) fn quoted_string(&mut self) -> Result<Expression> {
        let start = self.pos;
        let elements = self.quoted_elements()?;
        let span = self.span_from(start);
        match plain(elements) {
            Ok(text) => Ok(Expression::String(Spanned::new(text, span))),
            Err(elements) => Ok(Expression::StringTemplate(Template { elements, span })),
        }
    }

    /// A quoted string that must be plain (a block label); `None` if it
    /// holds an interpolation or directive.
    pub(super) fn plain_string(&mut self) -> Result<Option<String>> {
        Ok(plain(self.quoted_elements()?).ok())
    }

    fn quoted_elements(&mut self) -> Result<Vec<Element>> {
        self.pos += 1;
        let mut elements = self.elements(Context::Quoted)?;
        self.expect(b'"', "invalid string; expected `\"`")?;
        whitespace::settle(&mut elements, whitespace::Cut::Runs, false);
        Ok(elements)
    }

    /// `<<EOT` or `<<-EOT`, a newline, lines of template, and `EOT` alone
    /// on its line.
    pub(super) fn heredoc(&mut self) -> Result<Expression> {
        let start = self.pos;
        if !self.starts_with(b"<<") {
            return Err(self.error("invalid expression; expected `<<`"));
        }
        self.pos += 2;
        let indented = self.peek() == Some(b'-');
        if indented {
            self.pos += 1;
        }
        let delimiter = self.ident("invalid heredoc; expected identifier")?;
        if !self.line_ending() {
            return Err(self.error("invalid heredoc; expected newline"));
        }
        let delim = &self.text[delimiter.span().range()];
        let template_start = self.pos;
        let mut elements = Vec::new();
        if !self.heredoc_ends_at(self.pos, delim) {
            elements = self.elements(Context::Heredoc(delim))?;
            // The line ending before the closing delimiter belongs to the text.
            let ending_start = self.pos;
            if !self.line_ending() {
                return Err(self.error("invalid heredoc; expected heredoc end delimiter"));
            }
            let ending = &self.text[ending_start..self.pos];
            match elements.last_mut() {
                Some(Element::Literal(literal)) => {
                    let span = literal.span().cover(self.span_from(ending_start));
                    let mut text = literal.value().clone();
                    text.push_str(ending);
                    *literal = Spanned::new(text, span);
                }
                _ => elements.push(Element::Literal(Spanned::new(
                    ending.to_owned(),
                    self.span_from(ending_start),
                ))),
            }
        }
        let template_span = self.span_from(template_start);
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        if !self.starts_with(delim.as_bytes()) {
            return Err(self.error("invalid heredoc; expected heredoc end delimiter"));
        }
        self.pos += delim.len();
        let indent = whitespace::settle(&mut elements, whitespace::Cut::Lines, indented);
        Ok(Expression::HeredocTemplate(Box::new(HeredocTemplate {
            delimiter,
            template: Template {
                elements,
                span: template_span,
            },
            indent,
            span: self.span_from(start),
        })))
    }

    /// Whether the line starting at `pos` is the heredoc's closing
    /// delimiter, after any indentation.
    fn heredoc_ends_at(&self, pos: usize, delim: &str) -> bool {
        let indent = self.bytes[pos..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let at = pos + indent;
        self.bytes[at..].starts_with(delim.as_bytes()) && !self.ident_continues_at(at + delim.len())
    }

    /// Elements up to the end of the context, or up to a directive keyword
    /// that closes an enclosing directive (`else`, `endif`, `endfor`).
    fn elements(&mut self, context: Context<'a>) -> Result<Vec<Element>> {
        let mut elements = Vec::new();
        loop {
            let literal_start = self.pos;
            let text = self.literal(context)?;
            if !text.is_empty() {
                elements.push(Element::Literal(Spanned::new(
                    text,
                    self.span_from(literal_start),
                )));
            }
            if self.starts_with(b"${") {
                elements.push(Element::Interpolation(self.interpolation()?));
            } else if self.starts_with(b"%{") {
                match self.directive_keyword() {
                    Keyword::If => {
                        elements.push(Element::Directive(Box::new(self.if_directive(context)?)))
                    }
                    Keyword::For => {
                        elements.push(Element::Directive(Box::new(self.for_directive(context)?)))
                    }
                    _ => return Ok(elements),
                }
            } else {
                return Ok(elements);
            }
        }
    }

    /// Text up to `${`, `%{` or the context's end, unescaped.
    fn literal(&mut self, context: Context<'a>) -> Result<String> {
        let mut text = String::new();
        let mut run_start = self.pos;
        while let Some(b) = self.peek() {
            match b {
                b'$' | b'%' if self.peek_at(1) == Some(b'{') => break,
                // `$${` and `%%{` are the literal `${` and `%{`.
                b'$' | b'%' if self.peek_at(1) == Some(b) && self.peek_at(2) == Some(b'{') => {
                    text.push_str(&self.text[run_start..self.pos]);
                    text.push(b as char);
                    text.push('{');
                    self.pos += 3;
                    run_start = self.pos;
                }
                b'"' if matches!(context, Context::Quoted) => break,
                b'\\' if matches!(context, Context::Quoted) => {
                    text.push_str(&self.text[run_start..self.pos]);
                    text.push(self.escape()?);
                    run_start = self.pos;
                }
                b'\n' | b'\r' => {
                    if let Context::Heredoc(delim) = context {
                        let ending = self.line_ending_at(self.pos);
                        if ending > 0 && self.heredoc_ends_at(self.pos + ending, delim) {
                            break;
                        }
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        text.push_str(&self.text[run_start..self.pos]);
        Ok(text)
    }

    /// A backslash escape in a quoted string.
    fn escape(&mut self) -> Result<char> {
        let start = self.pos;
        self.pos += 1;
        let Some(b) = self.peek() else {
            return Err(self.error("invalid escape sequence; expected a character after `\\`"));
        };
        self.pos += 1;
        Ok(match b {
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'\\' => '\\',
            b'"' => '"',
            b'u' => self.hex_escape(start, 4)?,
            b'U' => self.hex_escape(start, 8)?,
            _ => {
                return Err(Error::new(
                    start + 1,
                    "invalid escape sequence; expected `n`, `r`, `t`, `u`, `U`, `\\` or `\"`",
                ));
            }
        })
    }

    fn hex_escape(&mut self, start: usize, digits: usize) -> Result<char> {
        let hex = self.text.get(self.pos..self.pos + digits);
        let code = hex
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                self.pos += digits;
                Ok(c)
            }
            None => Err(Error::new(
                start,
                format!(
                    "invalid escape sequence; expected {digits} hexadecimal digits of a Unicode scalar value"
                ),
            )),
        }
    }

    /// `${ expr }`, with optional `~` strip markers.
    fn interpolation(&mut self) -> Result<Interpolation> {
        let start = self.pos;
        self.pos += 2;
        let strip_start = self.skip_strip_marker();
        self.skip_ws();
        let expr = self.nested(|p| p.expr(true))?;
        self.skip_ws();
        let strip_end = self.close_control("invalid interpolation; expected `}`")?;
        Ok(Interpolation {
            expr,
            strip: Strip {
                start: strip_start,
                end: strip_end,
            },
            span: self.span_from(start),
        })
    }

    /// The keyword after `%{` and an optional `~`, without consuming it.
    fn directive_keyword(&mut self) -> Keyword {
        let before = self.pos;
        self.pos += 2;
        self.skip_strip_marker();
        self.skip_ws();
        let keyword = if self.starts_with(b"if") {
            Keyword::If
        } else if self.starts_with(b"for") {
            Keyword::For
        } else if self.starts_with(b"else") {
            Keyword::Else
        } else if self.starts_with(b"endif") {
            Keyword::EndIf
        } else if self.starts_with(b"endfor") {
            Keyword::EndFor
        } else {
            Keyword::Other
        };
        self.pos = before;
        keyword
    }

    /// `%{`, `~`, whitespace and `keyword`; an error naming it when absent.
    /// Whether the `~` was there.
    fn open_directive(&mut self, keyword: &str) -> Result<bool> {
        self.pos += 2;
        let strip = self.skip_strip_marker();
        self.skip_ws();
        if !self.starts_with(keyword.as_bytes()) {
            return Err(self.error(&format!("invalid template directive; expected `{keyword}`")));
        }
        self.pos += keyword.len();
        Ok(strip)
    }

    /// Whitespace, an optional `~` and the `}` closing a sequence; whether
    /// the `~` was there.
    fn close_control(&mut self, message: &str) -> Result<bool> {
        self.skip_ws();
        let strip = self.skip_strip_marker();
        self.expect(b'}', message)?;
        Ok(strip)
    }

    fn skip_strip_marker(&mut self) -> bool {
        let found = self.peek() == Some(b'~');
        if found {
            self.pos += 1;
        }
        found
    }

    fn if_directive(&mut self, context: Context<'a>) -> Result<Directive> {
        let if_start = self.open_directive("if")?;
        self.skip_ws();
        let cond_expr = self.nested(|p| p.expr(false))?;
        let if_strip = Strip {
            start: if_start,
            end: self.close_control("invalid if directive; expected `}`")?,
        };
        let true_template = self.nested_template(context)?;
        let (else_strip, false_template) =
            if self.starts_with(b"%{") && self.directive_keyword() == Keyword::Else {
                let else_strip = Strip {
                    start: self.open_directive("else")?,
                    end: self.close_control("invalid else directive; expected `}`")?,
                };
                (else_strip, Some(self.nested_template(context)?))
            } else {
                (Strip::default(), None)
            };
        if !self.starts_with(b"%{") {
            return Err(self.error("invalid if directive; expected `%{ endif }`"));
        }
        let endif_strip = Strip {
            start: self.open_directive("endif")?,
            end: self.close_control("invalid endif directive; expected `}`")?,
        };
        Ok(Directive::If(IfDirective {
            cond_expr,
            true_template,
            false_template,
            if_strip,
            else_strip,
            endif_strip,
        }))
    }

    fn for_directive(&mut self, context: Context<'a>) -> Result<Directive> {
        let for_start = self.open_directive("for")?;
        let (key_var, value_var, collection_expr) = self.for_variables("for directive")?;
        let for_strip = Strip {
            start: for_start,
            end: self.close_control("invalid for directive; expected `}`")?,
        };
        let template = self.nested_template(context)?;
        if !self.starts_with(b"%{") {
            return Err(self.error("invalid for directive; expected `%{ endfor }`"));
        }
        let endfor_strip = Strip {
            start: self.open_directive("endfor")?,
            end: self.close_control("invalid endfor directive; expected `}`")?,
        };
        Ok(Directive::For(ForDirective {
            key_var,
            value_var,
            collection_expr,
            template,
            for_strip,
            endfor_strip,
        }))
    }

    fn nested_template(&mut self, context: Context<'a>) -> Result<Template> {
        let start = self.pos;
        let elements = self.nested(|p| p.elements(context))?;
        Ok(Template {
            elements,
            span: self.span_from(start),
        })
    }
}

/// The text of a template made of literals only; the elements otherwise.
fn plain(elements: Vec<Element>) -> std::result::Result<String, Vec<Element>> {
    match <[Element; 1]>::try_from(elements) {
        Ok([Element::Literal(literal)]) => Ok(literal.into_value()),
        Ok([other]) => Err(vec![other]),
        Err(elements) if elements.is_empty() => Ok(String::new()),
        Err(elements) => Err(elements),
    }
}
