//! main.cf: `name = value` logical lines, every definition kept with its
//! spans. The last definition of a name wins, as in Postfix; the earlier ones
//! stay visible through [`MainCf::duplicates`].

use std::collections::HashMap;

use safeguard_source::{SourceFile, Span};

use crate::logical::logical_lines;
use crate::syntax::{NameValueError, slice, split_nameval};

/// One `name = value` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub name_span: Span,
    /// The raw value: not expanded, continuation lines joined with a space.
    pub value: String,
    /// The value in the source; empty (just after the `=`) for an empty value.
    pub value_span: Span,
    /// The whole logical line.
    pub span: Span,
}

/// A line Postfix would not accept. `postconf` and the daemons stop at the
/// missing `=`; we report it and read on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MainCfError {
    #[error("logical line must not start with whitespace")]
    LeadingWhitespace { span: Span },
    #[error("missing attribute name")]
    MissingName { span: Span },
    #[error("missing '=' after attribute name")]
    MissingEquals { span: Span },
}

impl MainCfError {
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            MainCfError::LeadingWhitespace { span }
            | MainCfError::MissingName { span }
            | MainCfError::MissingEquals { span } => *span,
        }
    }
}

/// A name defined more than once: `earlier` is overridden by `later`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate<'a> {
    pub earlier: &'a Parameter,
    pub later: &'a Parameter,
}

/// A parsed main.cf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MainCf {
    definitions: Vec<Parameter>,
    /// Index of the winning definition of each name.
    last: HashMap<String, usize>,
    errors: Vec<MainCfError>,
}

impl MainCf {
    /// Every definition in source order, overridden ones included.
    #[must_use]
    pub fn definitions(&self) -> &[Parameter] {
        &self.definitions
    }

    /// The definition in effect for `name`: the last one.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Parameter> {
        self.last.get(name).and_then(|&i| self.definitions.get(i))
    }

    /// The raw value in effect for `name`.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|p| p.value.as_str())
    }

    /// The definitions in effect, one per name, in the source order of the
    /// winning definitions.
    #[must_use]
    pub fn parameters(&self) -> Vec<&Parameter> {
        self.definitions
            .iter()
            .enumerate()
            .filter(|(i, p)| self.last.get(&p.name) == Some(i))
            .map(|(_, p)| p)
            .collect()
    }

    /// Each overridden definition with the one that overrides it next (so a
    /// name defined three times gives two pairs). Postfix warns "overriding
    /// earlier entry" only when the values differ; we report every repeat.
    #[must_use]
    pub fn duplicates(&self) -> Vec<Duplicate<'_>> {
        // Walk backwards remembering the next definition of each name.
        let mut next: HashMap<&str, &Parameter> = HashMap::new();
        let mut pairs = Vec::new();
        for earlier in self.definitions.iter().rev() {
            if let Some(later) = next.insert(earlier.name.as_str(), earlier) {
                pairs.push(Duplicate { earlier, later });
            }
        }
        pairs.reverse();
        pairs
    }

    #[must_use]
    pub fn errors(&self) -> &[MainCfError] {
        &self.errors
    }
}

/// Reads main.cf the way Postfix does. An indented line continues the
/// previous value (joined with one space, as `postconf -n` shows it), even
/// after comment or blank lines; a `#` later in a line is data.
#[must_use]
pub fn parse_main_cf(file: &SourceFile) -> MainCf {
    let (lines, rejected) = logical_lines(file.text());
    let mut main = MainCf {
        definitions: Vec::new(),
        last: HashMap::new(),
        errors: rejected
            .into_iter()
            .map(|span| MainCfError::LeadingWhitespace { span })
            .collect(),
    };
    for line in lines {
        let text = line.text.as_str();
        match split_nameval(text, 0..text.len()) {
            Ok(parts) => {
                let name = slice(text, parts.name.clone()).to_owned();
                main.last.insert(name.clone(), main.definitions.len());
                main.definitions.push(Parameter {
                    name,
                    name_span: line.span(parts.name.clone()),
                    value: slice(text, parts.value.clone()).to_owned(),
                    value_span: line.span(parts.value.clone()),
                    span: line.span(parts.name.start..parts.value.end.max(parts.name.end)),
                });
            }
            Err(NameValueError::MissingName) => main.errors.push(MainCfError::MissingName {
                span: line.full_span(),
            }),
            Err(NameValueError::MissingEquals) => main.errors.push(MainCfError::MissingEquals {
                span: line.full_span(),
            }),
        }
    }
    main.errors.sort_by_key(|e| e.span().start);
    main
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SourceFile, MainCf) {
        let file = SourceFile::new("main.cf", text);
        let main = parse_main_cf(&file);
        (file, main)
    }

    #[test]
    fn values_keep_hashes_and_spans() {
        let (file, main) = parse("relayhost = [smtp.example.com]:587 # x\n");
        let p = main.get("relayhost").unwrap();
        assert_eq!(p.value, "[smtp.example.com]:587 # x");
        assert_eq!(file.slice(p.name_span), "relayhost");
        assert_eq!(file.slice(p.value_span), "[smtp.example.com]:587 # x");
    }

    #[test]
    fn empty_value_has_an_empty_span_after_the_equals() {
        let (_, main) = parse("relayhost =\nx=1\n");
        let p = main.get("relayhost").unwrap();
        assert_eq!(p.value, "");
        assert_eq!(p.value_span, Span::new(11, 11));
    }

    #[test]
    fn later_definitions_win_and_duplicates_are_listed() {
        let (file, main) = parse("a = 1\nb = 2\na = 3\na = 4\n");
        assert_eq!(main.value("a"), Some("4"));
        let names: Vec<&str> = main.parameters().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["b", "a"]);
        let dups = main.duplicates();
        assert_eq!(dups.len(), 2);
        assert_eq!(file.slice(dups[0].earlier.span), "a = 1");
        assert_eq!(file.slice(dups[0].later.span), "a = 3");
        assert_eq!(file.slice(dups[1].later.span), "a = 4");
    }

    #[test]
    fn bad_lines_are_errors_and_skipped() {
        let (file, main) = parse("  lead = 1\nok = 1\nnoequals\n= v\n");
        assert_eq!(main.definitions().len(), 1);
        let errors: Vec<(String, &str)> = main
            .errors()
            .iter()
            .map(|e| (e.to_string(), file.slice(e.span())))
            .collect();
        assert_eq!(
            errors,
            vec![
                (
                    "logical line must not start with whitespace".to_owned(),
                    "  lead = 1"
                ),
                ("missing '=' after attribute name".to_owned(), "noequals"),
                ("missing attribute name".to_owned(), "= v"),
            ]
        );
    }
}
