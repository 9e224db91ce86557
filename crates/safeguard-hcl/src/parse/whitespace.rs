//! The whitespace a template's text loses, as Terraform's HCL removes it
//! (`hclsyntax/parser_template.go`): first what `~` strip markers trim, then,
//! in a `<<-` heredoc, the indentation its lines share.
//!
//! Both work on HCL's tokens, not on whole lines of text, and the results
//! differ where a token is shorter than a line:
//! - In a heredoc a text token ends at each line end. A `~` trims one token
//!   only: `%{~ if }` on an indented line trims that indentation, not the
//!   line end before it.
//! - The tokens of every nested directive body count, in the order they
//!   appear.
//! - `<<-` measures the tokens that start a line after the markers are
//!   applied; an empty one (its indentation trimmed away) has none, and
//!   then nothing is dedented. A line of whitespace only is not measured
//!   and keeps its whitespace.

use crate::ast::{Directive, Element, Spanned, Strip};

/// Where a literal's text is cut into tokens.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// A quoted string: its text between two sequences is one token.
    Runs,
    /// A heredoc: a token also ends after each line end.
    Lines,
}

/// A template in HCL's flat token order, the directives' bodies included.
enum Token {
    /// Part of the text of literal number `literal`.
    Text { literal: usize, text: String },
    /// A `${ }` or `%{ }` sequence.
    Sequence(Strip),
}

/// The template's literals (each one borrowed once) and its tokens.
struct Tokens<'t> {
    literals: Vec<&'t mut Spanned<String>>,
    tokens: Vec<Token>,
}

impl<'t> Tokens<'t> {
    fn of(elements: &'t mut [Element], cut: Cut) -> Self {
        let mut tokens = Tokens {
            literals: Vec::new(),
            tokens: Vec::new(),
        };
        tokens.push_elements(elements, cut);
        tokens
    }

    fn push_elements(&mut self, elements: &'t mut [Element], cut: Cut) {
        for element in elements {
            match element {
                Element::Literal(literal) => {
                    let index = self.literals.len();
                    let text = literal.value().as_str();
                    // An empty literal is still a token (one the markers emptied).
                    let pieces: Vec<&str> = match cut {
                        Cut::Lines if !text.is_empty() => text.split_inclusive('\n').collect(),
                        _ => vec![text],
                    };
                    self.tokens
                        .extend(pieces.into_iter().map(|piece| Token::Text {
                            literal: index,
                            text: piece.to_owned(),
                        }));
                    self.literals.push(literal);
                }
                Element::Interpolation(interpolation) => {
                    self.tokens.push(Token::Sequence(interpolation.strip));
                }
                Element::Directive(directive) => match directive.as_mut() {
                    Directive::If(directive) => {
                        self.tokens.push(Token::Sequence(directive.if_strip));
                        self.push_elements(&mut directive.true_template.elements, cut);
                        if let Some(otherwise) = &mut directive.false_template {
                            self.tokens.push(Token::Sequence(directive.else_strip));
                            self.push_elements(&mut otherwise.elements, cut);
                        }
                        self.tokens.push(Token::Sequence(directive.endif_strip));
                    }
                    Directive::For(directive) => {
                        self.tokens.push(Token::Sequence(directive.for_strip));
                        self.push_elements(&mut directive.template.elements, cut);
                        self.tokens.push(Token::Sequence(directive.endfor_strip));
                    }
                },
            }
        }
    }

    /// Writes the tokens back into their literals. A literal may become
    /// empty; it stays, as HCL keeps its empty token.
    fn write_back(self) {
        let mut texts = vec![String::new(); self.literals.len()];
        for token in self.tokens {
            if let Token::Text { literal, text } = token {
                texts[literal].push_str(&text);
            }
        }
        for (literal, text) in self.literals.into_iter().zip(texts) {
            if *literal.value() != text {
                *literal = Spanned::new(text, literal.span());
            }
        }
    }
}

/// Applies the template's `~` markers and, for `<<-` (`dedent`), removes
/// the indentation its lines share; returns the indentation removed.
pub(super) fn settle(elements: &mut [Element], cut: Cut, dedent: bool) -> Option<usize> {
    if !dedent && !has_strip_marker(elements) {
        return None;
    }
    let mut tokens = Tokens::of(elements, cut);
    apply_strip_markers(&mut tokens.tokens);
    let indent = if dedent {
        remove_indentation(&mut tokens.tokens)
    } else {
        None
    };
    tokens.write_back();
    indent
}

/// `${~` and `%{~` trim the whitespace that ends the token just before
/// them, if it is text; `~}` trims the whitespace that starts the token
/// just after it, if it is text.
fn apply_strip_markers(tokens: &mut [Token]) {
    let mut trim_next = false;
    for i in 0..tokens.len() {
        let trim_this = std::mem::take(&mut trim_next);
        let (before, rest) = tokens.split_at_mut(i);
        match &mut rest[0] {
            Token::Text { text, .. } => {
                if trim_this {
                    let kept = text.trim_start().len();
                    text.drain(..text.len() - kept);
                }
            }
            Token::Sequence(strip) => {
                if strip.start
                    && let Some(Token::Text { text, .. }) = before.last_mut()
                {
                    text.truncate(text.trim_end().len());
                }
                trim_next = strip.end;
            }
        }
    }
}

fn has_strip_marker(elements: &[Element]) -> bool {
    let marked = |strip: &Strip| strip.start || strip.end;
    elements.iter().any(|element| match element {
        Element::Literal(_) => false,
        Element::Interpolation(interpolation) => marked(&interpolation.strip),
        Element::Directive(directive) => match directive.as_ref() {
            Directive::If(d) => {
                marked(&d.if_strip)
                    || marked(&d.endif_strip)
                    || has_strip_marker(&d.true_template.elements)
                    || d.false_template
                        .as_ref()
                        .is_some_and(|f| marked(&d.else_strip) || has_strip_marker(&f.elements))
            }
            Directive::For(d) => {
                marked(&d.for_strip)
                    || marked(&d.endfor_strip)
                    || has_strip_marker(&d.template.elements)
            }
        },
    })
}

/// Removes a `<<-` heredoc's common indentation: the fewest leading
/// whitespace characters of the tokens that start a line is removed from
/// each of them. Returns that number, or `None` when it is zero (a line
/// starts with a sequence, with text that has no indentation, or with an
/// empty token) or when no line was measured.
fn remove_indentation(tokens: &mut [Token]) -> Option<usize> {
    let mut fewest = usize::MAX;
    let mut measured = Vec::new();
    let mut line_start = true;
    for (i, token) in tokens.iter().enumerate() {
        let Token::Text { text, .. } = token else {
            if line_start {
                fewest = 0;
            }
            line_start = false;
            continue;
        };
        if line_start {
            let indentation = text.chars().take_while(|c| c.is_whitespace()).count();
            let blank = text.ends_with('\n') && text.trim_start().is_empty();
            if !blank {
                fewest = fewest.min(indentation);
                measured.push(i);
            }
        }
        line_start = text.ends_with('\n');
    }
    if fewest == 0 || measured.is_empty() {
        return None;
    }
    for i in measured {
        if let Token::Text { text, .. } = &mut tokens[i] {
            let cut: usize = text.chars().take(fewest).map(char::len_utf8).sum();
            text.drain(..cut);
        }
    }
    Some(fewest)
}
