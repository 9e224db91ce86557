//! Small readers over the spanned YAML tree that record located errors
//! instead of stopping at the first one.

use safeguard_model::{Entry, Map, Node, Value};
use safeguard_source::{SourceFile, Span};

use crate::PolicyError;

/// Collects every mistake found while compiling one policy file.
pub(crate) struct Ctx<'a> {
    pub file: &'a SourceFile,
    pub errors: Vec<PolicyError>,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a SourceFile) -> Self {
        Self {
            file,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(PolicyError::at(self.file, span, message));
    }

    pub fn error_hint(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.errors
            .push(PolicyError::at(self.file, span, message).with_hint(hint));
    }

    /// Reports every key of `map` not in `allowed`, suggesting the closest.
    pub fn reject_unknown_keys(&mut self, map: &Map, allowed: &[&str], context: &str) {
        for entry in &map.entries {
            if !allowed.contains(&entry.key.as_str()) {
                let message = format!("unknown key `{}` in {context}", entry.key);
                match did_you_mean(&entry.key, allowed) {
                    Some(close) => {
                        self.error_hint(entry.key_span, message, format!("did you mean `{close}`?"))
                    }
                    None => self.error_hint(
                        entry.key_span,
                        message,
                        format!("expected one of: {}", allowed.join(", ")),
                    ),
                }
            }
        }
    }

    pub fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n Map> {
        match &node.value {
            Value::Map(map) => Some(map),
            other => {
                self.error(
                    node.span,
                    format!("{what} must be a mapping, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.error(node.span, format!("{what} must not be empty"));
                None
            }
            other => {
                self.error(
                    node.span,
                    format!("{what} must be a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::List(items) if !items.is_empty() => Some(items),
            Value::List(_) => {
                self.error(node.span, format!("{what} must not be empty"));
                None
            }
            other => {
                self.error(
                    node.span,
                    format!("{what} must be a list, found {}", other.type_name()),
                );
                None
            }
        }
    }

    /// A string or a list of strings, as `type: aws_s3_bucket` or `type: [a, b]`.
    pub fn string_or_list(&mut self, node: &Node, what: &str) -> Option<Vec<String>> {
        match &node.value {
            Value::String(_) => self.string(node, what).map(|s| vec![s]),
            Value::List(_) => {
                let items = self.list(node, what)?;
                let strings: Vec<Option<String>> =
                    items.iter().map(|item| self.string(item, what)).collect();
                strings.into_iter().collect()
            }
            other => {
                self.error(
                    node.span,
                    format!(
                        "{what} must be a string or a list of strings, found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    /// A required field; a missing one is reported at `parent_span`.
    pub fn required<'m>(
        &mut self,
        map: &'m Map,
        key: &str,
        parent_span: Span,
        context: &str,
    ) -> Option<&'m Entry> {
        let entry = map.get(key);
        if entry.is_none() {
            let header = Span::new(parent_span.start, parent_span.start);
            self.error(
                header,
                format!("missing required field `{key}` in {context}"),
            );
        }
        entry
    }
}

/// The allowed word closest to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'w>(word: &str, allowed: &[&'w str]) -> Option<&'w str> {
    allowed
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|&(distance, candidate)| distance <= 2.max(candidate.len() / 4))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(did_you_mean("equal", &["equals", "exists"]), Some("equals"));
        assert_eq!(
            did_you_mean("remediaton", &["remediation", "message"]),
            Some("remediation")
        );
        assert_eq!(did_you_mean("banana", &["equals", "exists"]), None);
    }
}
