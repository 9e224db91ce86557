//! The JSON adapter owns reading strict JSON (through `jsonc-parser`'s token
//! scanner, which gives every token its byte range) into safeguard's spanned
//! value tree, built directly without an intermediate syntax tree, so
//! findings on a plan or an export point at the exact value. Comments,
//! trailing commas and the other JSON5 leniencies are refused: the inputs
//! are machine-written JSON, and accepting more would hide a corrupt file.
//! Nesting deeper than the parser's limit (512) is an error, not a crash.

use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};
use safeguard_model::{Map, Node, Value};
use safeguard_source::{SourceFile, Span};
use thiserror::Error;

/// A JSON text that could not be read, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct JsonError {
    pub message: String,
    pub span: Span,
}

/// Nesting deeper than this is an error, not a stack overflow.
const MAX_DEPTH: usize = 512;

fn strict() -> ScannerOptions {
    ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses a JSON file into a spanned node.
///
/// The tree is built straight from `jsonc-parser`'s token scanner rather
/// than from its AST: a tenant export can be 50 MB, and holding a second
/// full tree of it doubled the memory and most of the time.
///
/// # Errors
/// [`JsonError`] on a syntax error, an empty file, or nesting over the limit.
pub fn parse_json(file: &SourceFile) -> Result<Node, JsonError> {
    let mut parser = Parser {
        scanner: Scanner::new(file.text(), &strict()),
        depth: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    let Some(first) = parser.next()? else {
        return Err(JsonError {
            message: "empty JSON file".to_owned(),
            span: Span::default(),
        });
    };
    let root = parser.value(first)?;
    if parser.next()?.is_some() {
        return Err(parser.error(ParseErrorKind::MultipleRootJsonValues));
    }
    Ok(root)
}

struct Parser<'a> {
    scanner: Scanner<'a>,
    depth: usize,
    /// Members of the objects and arrays being read, innermost last: each
    /// container takes its own off the top, into a vector of exactly its
    /// size, instead of growing one vector per container.
    entries: Vec<safeguard_model::Entry>,
    items: Vec<Node>,
}

impl<'a> Parser<'a> {
    fn span(&self) -> Span {
        Span::from_range(self.scanner.token_start()..self.scanner.token_end())
    }

    fn error(&self, kind: ParseErrorKind) -> JsonError {
        JsonError {
            message: kind.to_string(),
            span: self.span(),
        }
    }

    /// The next token; comments are refused (strict JSON).
    fn next(&mut self) -> Result<Option<Token<'a>>, JsonError> {
        match self.scanner.scan() {
            Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => {
                Err(self.error(ParseErrorKind::CommentsNotAllowed))
            }
            Ok(token) => Ok(token),
            Err(err) => {
                let range = err.range();
                Err(JsonError {
                    message: err.kind().to_string(),
                    span: Span::from_range(range.start..range.end),
                })
            }
        }
    }

    fn value(&mut self, token: Token<'a>) -> Result<Node, JsonError> {
        let span = self.span();
        let value = match token {
            Token::String(s) => Value::String(s.into_owned()),
            Token::Number(n) => n
                .parse::<f64>()
                .map_or_else(|_| Value::String(n.to_owned()), Value::Number),
            Token::Boolean(b) => Value::Bool(b),
            Token::Null => Value::Null,
            Token::OpenBrace => return self.nested(span, true),
            Token::OpenBracket => return self.nested(span, false),
            Token::Word(_) => return Err(self.error(ParseErrorKind::UnexpectedWord)),
            Token::CloseBrace => return Err(self.error(ParseErrorKind::UnexpectedCloseBrace)),
            Token::CloseBracket => {
                return Err(self.error(ParseErrorKind::UnexpectedCloseBracket));
            }
            Token::Comma => return Err(self.error(ParseErrorKind::UnexpectedComma)),
            Token::Colon => return Err(self.error(ParseErrorKind::UnexpectedColon)),
            Token::CommentLine(_) | Token::CommentBlock(_) => {
                return Err(self.error(ParseErrorKind::CommentsNotAllowed));
            }
        };
        Ok(Node::new(value, span))
    }

    /// An object or an array, from its opening bracket.
    fn nested(&mut self, open: Span, object: bool) -> Result<Node, JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonError {
                message: ParseErrorKind::NestingDepthExceeded.to_string(),
                span: open,
            });
        }
        let unterminated = || JsonError {
            message: if object {
                ParseErrorKind::UnterminatedObject
            } else {
                ParseErrorKind::UnterminatedArray
            }
            .to_string(),
            span: open,
        };
        let entries_start = self.entries.len();
        let items_start = self.items.len();
        let mut first = true;
        loop {
            let Some(token) = self.next()? else {
                return Err(unterminated());
            };
            let closes = if object {
                matches!(token, Token::CloseBrace)
            } else {
                matches!(token, Token::CloseBracket)
            };
            if closes && first {
                break;
            }
            if !first {
                // After an item: `,` then the next item, or the close.
                if closes {
                    break;
                }
                if !matches!(token, Token::Comma) {
                    return Err(self.error(ParseErrorKind::ExpectedComma));
                }
            }
            let token = if first {
                token
            } else {
                match self.next()? {
                    Some(Token::CloseBrace | Token::CloseBracket) => {
                        return Err(self.error(ParseErrorKind::TrailingCommasNotAllowed));
                    }
                    Some(token) => token,
                    None => return Err(unterminated()),
                }
            };
            first = false;
            if object {
                let key_span = self.span();
                let Token::String(key) = token else {
                    return Err(self.error(ParseErrorKind::ExpectedStringObjectProperty));
                };
                if !matches!(self.next()?, Some(Token::Colon)) {
                    return Err(self.error(ParseErrorKind::ExpectedColonAfterObjectKey));
                }
                let Some(token) = self.next()? else {
                    return Err(self.error(ParseErrorKind::ExpectedObjectValue));
                };
                let value = self.value(token)?;
                self.entries.push(safeguard_model::Entry {
                    key: key.into_owned(),
                    key_span,
                    value,
                });
            } else {
                let item = self.value(token)?;
                self.items.push(item);
            }
        }
        self.depth -= 1;
        let span = open.cover(self.span());
        let value = if object {
            let mut entries = Vec::with_capacity(self.entries.len() - entries_start);
            entries.extend(self.entries.drain(entries_start..));
            Value::Map(Map { entries })
        } else {
            let mut items = Vec::with_capacity(self.items.len() - items_start);
            items.extend(self.items.drain(items_start..));
            Value::List(items)
        };
        Ok(Node::new(value, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node, JsonError> {
        parse_json(&SourceFile::new("t.json", text))
    }

    #[test]
    fn values_keep_byte_spans() {
        let text = "{\"a\": [1, true, null], \"é\": \"x\"}";
        let node = parse(text).unwrap();
        let map = node.value.as_map().unwrap();
        let a = map.get("a").unwrap();
        assert_eq!(&text[a.value.span.range()], "[1, true, null]");
        assert_eq!(a.value.value.to_string(), "[1, true, null]");
        let accent = map.get("é").unwrap();
        assert_eq!(&text[accent.key_span.range()], "\"é\"");
        assert_eq!(&text[accent.value.span.range()], "\"x\"");
    }

    #[test]
    fn leniencies_and_syntax_errors_are_located_errors() {
        let err = parse("{\"a\": 1,}").unwrap_err();
        assert!(err.span.start >= 7, "{err:?}");
        assert!(parse("{\"a\": 1 // c\n}").is_err());
        assert_eq!(parse("").unwrap_err().message, "empty JSON file");
    }

    #[test]
    fn structural_errors_are_located() {
        let cases = [
            (
                "{\"a\" 1}",
                "Expected colon after the string or word in object property",
                5,
            ),
            ("[1 2]", "Expected comma", 3),
            ("{\"a\": [1, 2}", "Expected comma", 11),
            ("{\"a\": [1, 2", "Unterminated array", 6),
            ("{\"a\": tr", "Unexpected word", 6),
            ("{a: 1}", "Expected string for object property", 1),
            ("[1] [2]", "Text cannot contain more than one JSON value", 4),
        ];
        for (text, message, start) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(
                (err.message.as_str(), err.span.start),
                (message, start),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text).is_err());
    }
}
