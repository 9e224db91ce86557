//! The YAML adapter owns reading YAML (through `saphyr`'s parser, which marks
//! every event) into safeguard's spanned value tree, so policy files and YAML
//! inputs are walked like any other document. saphyr counts positions in
//! characters; this crate converts them to byte offsets once, here.
//!
//! Aliases are refused rather than expanded: policy files have no use for
//! them, and expanding them is how "billion laughs" documents exhaust memory.

mod builder;
#[cfg(test)]
mod reference;

use safeguard_model::Node;
use safeguard_source::{SourceFile, Span};
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
/// [`YamlError`] on a syntax error, an alias, nesting deeper than
/// [`MAX_DEPTH`], a duplicated or non-scalar mapping key, or a scalar its
/// tag cannot read (`!!int abc`).
pub fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    builder::documents(file.text())
}

/// The deepest nesting of sequences and mappings accepted. Real policies and
/// exports stay far below it; the limit bounds the builder's stack and the
/// recursion of everything that later walks the tree.
pub const MAX_DEPTH: usize = 128;

/// Maps saphyr's character indices to byte offsets. ASCII text (the common
/// case) needs no table.
pub(crate) struct CharOffsets {
    table: Option<Vec<u32>>,
    len: u32,
}

impl CharOffsets {
    pub(crate) fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let table = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect()
        });
        Self { table, len }
    }

    pub(crate) fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len),
            Some(table) => table.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

/// saphyr ends block collections at the start of the next token, which can
/// take trailing blank lines and comments along; trim trailing whitespace so a
/// span covers only the node's own text.
pub(crate) fn trim_span(span: Span, text: &str) -> Span {
    let slice = text.get(span.range()).unwrap_or("");
    let trimmed = slice.trim_end().len();
    Span::new(span.start, span.start + u32::try_from(trimmed).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use safeguard_model::Value;

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
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.message, "duplicated key in mapping");
        assert_eq!(err.span, Span::empty_at(10));
        // Keys are compared as YAML values: the integer 1 is not the string "1".
        assert!(parse("1: x\n\"1\": y\n").is_ok());
    }

    #[test]
    fn a_key_its_tag_cannot_read_is_refused() {
        // saphyr's loader dropped the entry and took its value for the next key.
        let err = parse("!!int abc: 1\nb: 2\n").unwrap_err();
        assert_eq!(err.message, "mapping keys must be plain scalars");
        assert_eq!(err.span, Span::new(0, 9));
    }

    #[test]
    fn a_tagged_scalar_keeps_its_own_span() {
        // saphyr's loader gave the value inside a custom tag an empty span at
        // the start of the file.
        let text = "a: !custom value\n";
        let node = parse(text).unwrap();
        let a = node.value.as_map().unwrap().get("a").unwrap();
        assert_eq!(a.value.value, Value::String("value".into()));
        assert_eq!(&text[a.value.span.range()], "!custom value");
    }
}
