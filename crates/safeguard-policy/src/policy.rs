use safeguard_model::{Format, Object, Value};
use safeguard_source::{SourceFile, Span};

use crate::{Condition, Safeguard, Severity};

/// A validated policy, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    /// Where the id is written, for duplicate-id errors.
    pub id_span: Span,
    pub title: String,
    /// Why the setting matters, in prose (shown by `explain` and hovers).
    pub description: Option<String>,
    pub safeguard: Safeguard,
    pub citation: String,
    pub severity: Severity,
    pub applies_to: AppliesTo,
    pub when: Option<Condition>,
    pub require: Condition,
    pub message: MessageTemplate,
    pub remediation: String,
    pub fix: Option<Fix>,
    pub examples: Examples,
    /// The policy file, for `explain` and for locating example failures.
    pub source: SourceFile,
}

/// Which objects a policy judges.
#[derive(Debug, Clone)]
pub struct AppliesTo {
    pub format: Format,
    pub types: Vec<String>,
    pub scope: Scope,
    /// Judge only objects marked as holding PHI, when the configuration
    /// names the tag that marks them (`[phi]` in safeguard.toml); without
    /// one, every object of the types is in scope.
    pub phi_only: bool,
    /// `phi-only: tagged`: judge only objects the configured tag marks, and
    /// none when no tag is configured (for checks that are meaningless on
    /// objects not known to hold PHI).
    pub phi_tagged_only: bool,
}

/// `object`: evaluated on each object of the listed types. `document`:
/// evaluated once per document that holds at least one object of the listed
/// types, for requirements about the document as a whole ("a module with EBS
/// volumes must enable default encryption").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Object,
    Document,
}

/// Attribute values that make an object comply, for editors' quick fixes.
#[derive(Debug, Clone)]
pub struct Fix {
    pub set: Vec<(String, Value)>,
    /// `safe: true`: applying the values changes nothing but the setting
    /// (no resource replacement, no lost access), so `safeguard check --fix`
    /// applies it unattended. Unsafe fixes are offered only in editors.
    pub safe: bool,
}

#[derive(Debug, Clone)]
pub struct Examples {
    pub pass: Vec<Example>,
    pub fail: Vec<Example>,
}

/// An input snippet in the policy's format, with where it is written.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub span: Span,
}

/// A finding message with `{address}`, `{type}` and `{name}` placeholders.
#[derive(Debug, Clone)]
pub struct MessageTemplate {
    parts: Vec<MessagePart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum MessagePart {
    Literal(String),
    Address,
    Type,
    Name,
}

impl MessageTemplate {
    pub const PLACEHOLDERS: [&'static str; 3] = ["address", "type", "name"];

    /// Parses a template; `{{` and `}}` are literal braces.
    ///
    /// # Errors
    /// The byte offset in `text` and a message, for an unknown or unclosed placeholder.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let Some(close) = text[i..].find('}') else {
                        return Err((i, "unclosed `{` in message".to_owned()));
                    };
                    let name = &text[i + 1..i + close];
                    let part = match name {
                        "address" => MessagePart::Address,
                        "type" => MessagePart::Type,
                        "name" => MessagePart::Name,
                        _ => {
                            return Err((
                                i,
                                format!("unknown placeholder `{{{name}}}` in message"),
                            ));
                        }
                    };
                    if !literal.is_empty() {
                        parts.push(MessagePart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    while chars.peek().is_some_and(|&(j, _)| j <= i + close) {
                        chars.next();
                    }
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(MessagePart::Literal(literal));
        }
        Ok(Self { parts })
    }

    /// The message for one object.
    #[must_use]
    pub fn render(&self, address: &str, kind: &str) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                MessagePart::Literal(text) => out.push_str(text),
                MessagePart::Address => out.push_str(address),
                MessagePart::Type => out.push_str(kind),
                MessagePart::Name => out.push_str(address.rsplit('.').next().unwrap_or(address)),
            }
        }
        out
    }

    #[must_use]
    pub fn render_for(&self, object: &Object) -> String {
        self.render(&object.address, &object.kind)
    }
}

impl Policy {
    /// True when the policy judges objects of this format and type.
    #[must_use]
    pub fn applies_to_kind(&self, format: Format, kind: &str) -> bool {
        self.applies_to.format == format
            && self.applies_to.types.iter().any(|t| type_matches(t, kind))
    }
}

/// `aws_*` names every type starting `aws_`; any other pattern one type.
#[must_use]
pub fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders() {
        let t = MessageTemplate::parse("{address} ({type}) named {name} {{literal}}").unwrap();
        assert_eq!(
            t.render("aws_db_instance.main", "aws_db_instance"),
            "aws_db_instance.main (aws_db_instance) named main {literal}"
        );
    }

    #[test]
    fn rejects_unknown_placeholders() {
        assert_eq!(
            MessageTemplate::parse("x {adress}").unwrap_err(),
            (2, "unknown placeholder `{adress}` in message".into())
        );
        assert!(MessageTemplate::parse("x {address").is_err());
    }
}
