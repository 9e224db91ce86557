//! The YAML adapter owns reading YAML (through `saphyr`, which marks every
//! node) into safeguard's spanned value tree, so policy files and YAML inputs
//! are walked like any other document. saphyr counts positions in
//! characters; this crate converts them to byte offsets once, here.
//!
//! Aliases are refused rather than expanded: policy files have no use for
//! them, and expanding them is how "billion laughs" documents exhaust memory.

use safeguard_model::{Map, Node, Value};
use safeguard_source::{SourceFile, Span};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use saphyr_parser::Event;
use thiserror::Error;

/// A YAML text that could not be read, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

/// Parses every document of a YAML file.
///
/// # Errors
/// [`YamlError`] on a syntax error, an alias, or a non-scalar mapping key.
pub fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    let offsets = CharOffsets::new(file.text());
    check_events(file.text(), &offsets)?;
    let docs = MarkedYaml::load_from_str(file.text()).map_err(|err| {
        let index = offsets.byte(err.marker().index());
        YamlError {
            message: err.info().to_owned(),
            span: Span::empty_at(index),
        }
    })?;
    docs.iter()
        .map(|doc| convert(doc, &offsets, file.text()))
        .collect()
}

/// The deepest nesting of sequences and mappings accepted. Real policies and
/// exports stay far below it; the limit keeps conversion's recursion bounded.
pub const MAX_DEPTH: usize = 128;

/// Walks the event stream once before building any tree, refusing aliases
/// (saphyr's loader would copy the anchored node at every use) and nesting
/// deeper than [`MAX_DEPTH`].
fn check_events(text: &str, offsets: &CharOffsets) -> Result<(), YamlError> {
    let mut depth = 0usize;
    for event in saphyr_parser::Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| YamlError {
            message: err.info().to_owned(),
            span: Span::empty_at(offsets.byte(err.marker().index())),
        })?;
        let at = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        match event {
            Event::Alias(_) => {
                return Err(YamlError {
                    message: "YAML aliases are not supported".into(),
                    span: at,
                });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(YamlError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span: at,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Maps saphyr's character indices to byte offsets. ASCII text (the common
/// case) needs no table.
struct CharOffsets {
    table: Option<Vec<u32>>,
    len: u32,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let table = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect()
        });
        Self { table, len }
    }

    fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len),
            Some(table) => table.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

fn node_span(node: &MarkedYaml<'_>, offsets: &CharOffsets, text: &str) -> Span {
    let start = offsets.byte(node.span.start.index());
    let end = offsets.byte(node.span.end.index()).max(start);
    trim_span(Span::new(start, end), text)
}

/// saphyr ends block collections at the start of the next token, which can
/// take trailing blank lines and comments along; trim trailing whitespace so a
/// span covers only the node's own text.
fn trim_span(span: Span, text: &str) -> Span {
    let slice = text.get(span.range()).unwrap_or("");
    let trimmed = slice.trim_end().len();
    Span::new(span.start, span.start + u32::try_from(trimmed).unwrap_or(0))
}

fn convert(node: &MarkedYaml<'_>, offsets: &CharOffsets, text: &str) -> Result<Node, YamlError> {
    let span = node_span(node, offsets, text);
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        YamlData::Representation(raw, _, _) => Value::String(raw.to_string()),
        YamlData::Sequence(items) => Value::List(
            items
                .iter()
                .map(|item| convert(item, offsets, text))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(mapping) => {
            let mut map = Map::default();
            for (key, value) in mapping {
                let key_span = node_span(key, offsets, text);
                let name = match &key.data {
                    YamlData::Value(scalar) => scalar_key(scalar),
                    YamlData::Representation(raw, _, _) => raw.to_string(),
                    _ => {
                        return Err(YamlError {
                            message: "mapping keys must be plain scalars".into(),
                            span: key_span,
                        });
                    }
                };
                map.insert(name, key_span, convert(value, offsets, text)?);
            }
            Value::Map(map)
        }
        YamlData::Tagged(_, inner) => return convert(inner, offsets, text),
        YamlData::Alias(_) => {
            return Err(YamlError {
                message: "YAML aliases are not supported".into(),
                span,
            });
        }
        YamlData::BadValue => {
            return Err(YamlError {
                message: "invalid YAML value".into(),
                span,
            });
        }
    };
    Ok(Node::new(value, span))
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        #[allow(clippy::cast_precision_loss)] // config integers are far below 2^53
        Scalar::Integer(i) => Value::Number(*i as f64),
        Scalar::FloatingPoint(f) => Value::Number(f.into_inner()),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

fn scalar_key(scalar: &Scalar<'_>) -> String {
    match scalar {
        Scalar::Null => "null".to_owned(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node, YamlError> {
        let file = SourceFile::new("t.yaml", text);
        parse_documents(&file).map(|mut docs| docs.remove(0))
    }

    #[test]
    fn mapping_with_spans_in_bytes() {
        let text = "title: \"é\"\nid: x-y\nlist: [1, true, null]\n";
        let node = parse(text).unwrap();
        let map = node.value.as_map().unwrap();
        let id = map.get("id").unwrap();
        assert_eq!(&text[id.key_span.range()], "id");
        assert_eq!(&text[id.value.span.range()], "x-y");
        assert_eq!(id.value.value, Value::String("x-y".into()));
        let list = map.get("list").unwrap().value.value.to_string();
        assert_eq!(list, "[1, true, null]");
    }

    #[test]
    fn syntax_error_is_located() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.span.start > 0, "{err:?}");
    }

    #[test]
    fn aliases_are_refused() {
        let err = parse("a: &x [1]\nb: *x\n").unwrap_err();
        assert_eq!(err.message, "YAML aliases are not supported");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 128 levels");
        assert_eq!(err.span.start, 128);
        // Far deeper input trips the parser's own limit first: still an error, no overflow.
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse(&text).unwrap_err().message,
            "recursion limit exceeded"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert!(parse("a: 1\na: 2\n").is_err());
    }
}
