//! The JSON adapter owns reading strict JSON (through `jsonc-parser`, which
//! gives every node its byte range) into safeguard's spanned value tree, so
//! findings on a plan or an export point at the exact value. Comments,
//! trailing commas and the other JSON5 leniencies are refused: the inputs
//! are machine-written JSON, and accepting more would hide a corrupt file.
//! Nesting deeper than the parser's limit (512) is an error, not a crash.

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
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

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
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
/// # Errors
/// [`JsonError`] on a syntax error, an empty file, or nesting over the limit.
pub fn parse_json(file: &SourceFile) -> Result<Node, JsonError> {
    let result =
        parse_to_ast(file.text(), &CollectOptions::default(), &strict()).map_err(|err| {
            let range = err.range();
            JsonError {
                message: err.kind().to_string(),
                span: Span::from_range(range.start..range.end),
            }
        })?;
    let value = result.value.ok_or_else(|| JsonError {
        message: "empty JSON file".to_owned(),
        span: Span::default(),
    })?;
    Ok(convert(&value))
}

fn span(range: jsonc_parser::common::Range) -> Span {
    Span::from_range(range.start..range.end)
}

fn convert(value: &JsonValue<'_>) -> Node {
    match value {
        JsonValue::StringLit(s) => Node::new(Value::String(s.value.to_string()), span(s.range)),
        JsonValue::NumberLit(n) => {
            // Strict JSON numbers always parse; keep a malformed one as text.
            let number = n
                .value
                .parse::<f64>()
                .map_or_else(|_| Value::String(n.value.to_owned()), Value::Number);
            Node::new(number, span(n.range))
        }
        JsonValue::BooleanLit(b) => Node::new(Value::Bool(b.value), span(b.range)),
        JsonValue::NullKeyword(n) => Node::new(Value::Null, span(n.range)),
        JsonValue::Array(array) => Node::new(
            Value::List(array.elements.iter().map(convert).collect()),
            span(array.range),
        ),
        JsonValue::Object(object) => {
            let mut map = Map::default();
            for prop in &object.properties {
                let (key, key_span) = match &prop.name {
                    ObjectPropName::String(s) => (s.value.to_string(), span(s.range)),
                    ObjectPropName::Word(w) => (w.value.to_owned(), span(w.range)),
                };
                map.insert(key, key_span, convert(&prop.value));
            }
            Node::new(Value::Map(map), span(object.range))
        }
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
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text).is_err());
    }
}
