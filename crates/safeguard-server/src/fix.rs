//! A policy's `fix` as text edits: the smallest change that sets the listed
//! values, leaving every other byte (comments, alignment, blank lines)
//! alone. Terraform blocks are located with safeguard-hcl; mail configurations
//! get a line edit. Shared by the code actions and `safeguard check --fix`.

use std::ops::Range;

use safeguard_engine::{Finding, Status};
use safeguard_hcl::{Block, Body, Expression};
use safeguard_model::{Format, Value};

/// Replace `range` (bytes of the finding's file) with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// The edits that apply the finding's policy fix to its file, or `None`
/// when the policy has no fix or it cannot be applied exactly here (the
/// value comes from a variable or a module argument, a nested path, a
/// block the file does not hold).
#[must_use]
pub fn fix_edits(finding: &Finding) -> Option<Vec<TextEdit>> {
    if finding.status != Status::Fail {
        return None;
    }
    let fix = finding.policy.fix.as_ref()?;
    let text = finding.file.text();
    let at = finding.label_span.start as usize;
    match finding.policy.applies_to.format {
        Format::Terraform => terraform_edits(text, at, &fix.set),
        Format::Postfix | Format::Dovecot => mail_edits(finding, &fix.set),
        _ => None,
    }
}

/// Applies non-overlapping edits to `text`.
#[must_use]
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for edit in sorted {
        if edit.range.start < pos || edit.range.end > text.len() {
            continue;
        }
        out.push_str(&text[pos..edit.range.start]);
        out.push_str(&edit.new_text);
        pos = edit.range.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// HCL text for a fix value; `None` for values a fix cannot write.
fn hcl_literal(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number(*n)),
        Value::String(s) => Some(serde_json::to_string(s).ok()?.replace("${", "$${")),
        _ => None,
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

fn terraform_edits(text: &str, at: usize, set: &[(String, Value)]) -> Option<Vec<TextEdit>> {
    let body = safeguard_hcl::parse_body(text).ok()?;
    let block = enclosing_block(&body, at)?;
    let block_span = block.span().range();
    let mut edits = Vec::new();
    let mut missing = Vec::new();
    for (key, value) in set {
        if key.contains('.') {
            return None;
        }
        let literal = hcl_literal(value)?;
        match block.body.get_attribute(key) {
            Some(attr) => {
                // Only a literal is ours to replace: `x = var.y` is decided elsewhere.
                let literal_now = matches!(
                    attr.value,
                    Expression::Null(_)
                        | Expression::Bool(_)
                        | Expression::Number(_)
                        | Expression::String(_)
                );
                if !literal_now {
                    return None;
                }
                let span = attr.value.span().range();
                if text.get(span.clone())? != literal {
                    edits.push(TextEdit {
                        range: span,
                        new_text: literal,
                    });
                }
            }
            None => missing.push(format!("{key} = {literal}")),
        }
    }
    if !missing.is_empty() {
        edits.push(insert_attributes(text, block, block_span, &missing)?);
    }
    Some(edits)
}

/// The top-level block whose text holds byte `at`.
fn enclosing_block(body: &Body, at: usize) -> Option<&Block> {
    body.blocks().find(|b| b.span().range().contains(&at))
}

/// Inserts attribute lines before the block's closing brace, indented like
/// the block's first attribute (or two spaces in from the block).
fn insert_attributes(
    text: &str,
    block: &Block,
    span: Range<usize>,
    lines: &[String],
) -> Option<TextEdit> {
    let block_text = text.get(span.clone())?;
    let close = span.start + block_text.rfind('}')?;
    let open = span.start + block_text.find('{')?;
    let block_indent = indentation(text, span.start);
    let indent = block
        .body
        .iter()
        .next()
        .map(|s| s.span().range())
        .map_or_else(
            || format!("{block_indent}  "),
            |s| indentation(text, s.start),
        );
    let inner = &text[open + 1..close];
    let joined: String = lines
        .iter()
        .map(|l| format!("{indent}{l}\n"))
        .collect::<String>();
    if !inner.contains('\n') {
        // `resource "x" "y" {}` or a one-line body: open it up.
        let existing = inner.trim();
        let existing = if existing.is_empty() {
            String::new()
        } else {
            format!("{indent}{existing}\n")
        };
        return Some(TextEdit {
            range: open + 1..close,
            new_text: format!("\n{existing}{joined}{block_indent}"),
        });
    }
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..close].trim().is_empty() {
        Some(TextEdit {
            range: line_start..line_start,
            new_text: joined,
        })
    } else {
        // `  last = 1 }`: break before the brace.
        Some(TextEdit {
            range: close..close,
            new_text: format!("\n{}\n{block_indent}", joined.trim_end_matches('\n')),
        })
    }
}

/// The leading whitespace of the line holding byte `at`.
fn indentation(text: &str, at: usize) -> String {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Mail configurations: a `name = value` line (main.cf, dovecot.conf) or a
/// `-o name=value` override (master.cf) gets its value replaced; a Postfix
/// parameter that is not set anywhere is appended to main.cf.
fn mail_edits(finding: &Finding, set: &[(String, Value)]) -> Option<Vec<TextEdit>> {
    let text = finding.file.text();
    let at = finding.label_span.start as usize;
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let mut edits = Vec::new();
    for (key, value) in set {
        let new_value = match value {
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            Value::Number(n) => number(*n),
            Value::String(s) if !s.contains('\n') => s.clone(),
            _ => return None,
        };
        if let Some(range) = setting_value(line, key) {
            edits.push(TextEdit {
                range: line_start + range.start..line_start + range.end,
                new_text: new_value,
            });
        } else if finding.policy.applies_to.format == Format::Postfix
            && !text.contains(&format!("{key}="))
            && !line_sets_other(line)
            && finding
                .file
                .path()
                .file_name()
                .is_some_and(|n| n == "main.cf")
        {
            let sep = if text.is_empty() || text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            edits.push(TextEdit {
                range: text.len()..text.len(),
                new_text: format!("{sep}{key} = {new_value}\n"),
            });
        } else {
            return None;
        }
    }
    Some(edits)
}

/// Whether the finding points at some other parameter's line (then an
/// append could be shadowed by it; be conservative).
fn line_sets_other(line: &str) -> bool {
    line.trim_start().starts_with("-o")
}

/// The byte range of `key`'s value on `line`: `key = value` or
/// `-o key=value`.
fn setting_value(line: &str, key: &str) -> Option<Range<usize>> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let (offset, rest) = match trimmed.strip_prefix("-o") {
        Some(after) => {
            let after_ws = after.trim_start();
            (indent + 2 + (after.len() - after_ws.len()), after_ws)
        }
        None => (indent, trimmed),
    };
    let after_key = rest.strip_prefix(key)?;
    let eq = after_key.find('=')?;
    if !after_key[..eq].trim().is_empty() {
        return None;
    }
    let value_part = &after_key[eq + 1..];
    let lead = value_part.len() - value_part.trim_start().len();
    let start = offset + key.len() + eq + 1 + lead;
    let value = value_part.trim();
    // A trailing comment is part of the value in Postfix; only Dovecot has none here either.
    Some(start..start + value.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tf(text: &str, at: &str, set: &[(&str, Value)]) -> Option<String> {
        let set: Vec<(String, Value)> = set.iter().map(|(k, v)| ((*k).into(), v.clone())).collect();
        let edits = terraform_edits(text, text.find(at).unwrap(), &set)?;
        Some(apply(text, &edits))
    }

    #[test]
    fn replaces_a_literal_keeping_comments() {
        let text = "# keep\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false # why\n  description         = \"x\"\n}\n";
        assert_eq!(
            tf(
                text,
                "resource",
                &[("enable_key_rotation", Value::Bool(true))]
            )
            .unwrap(),
            "# keep\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true # why\n  description         = \"x\"\n}\n"
        );
    }

    #[test]
    fn inserts_missing_attributes_before_the_brace() {
        let text = "resource \"aws_kms_key\" \"k\" {\n    description = \"x\"\n}\n";
        assert_eq!(
            tf(
                text,
                "resource",
                &[("enable_key_rotation", Value::Bool(true))]
            )
            .unwrap(),
            "resource \"aws_kms_key\" \"k\" {\n    description = \"x\"\n    enable_key_rotation = true\n}\n"
        );
    }

    #[test]
    fn opens_an_empty_block() {
        let text = "resource \"aws_kms_key\" \"k\" {}\n";
        assert_eq!(
            tf(
                text,
                "resource",
                &[("enable_key_rotation", Value::Bool(true))]
            )
            .unwrap(),
            "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n"
        );
    }

    #[test]
    fn leaves_references_alone() {
        let text = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n";
        assert_eq!(
            tf(
                text,
                "resource",
                &[("enable_key_rotation", Value::Bool(true))]
            ),
            None
        );
    }

    #[test]
    fn writes_strings_and_numbers() {
        let text = "resource \"x\" \"y\" {\n  a = \"old\"\n  n = 3\n}\n";
        assert_eq!(
            tf(
                text,
                "resource",
                &[
                    ("a", Value::String("new".into())),
                    ("n", Value::Number(24.0))
                ]
            )
            .unwrap(),
            "resource \"x\" \"y\" {\n  a = \"new\"\n  n = 24\n}\n"
        );
    }

    #[test]
    fn finds_mail_values() {
        assert_eq!(
            setting_value("smtp_tls_loglevel = 0", "smtp_tls_loglevel"),
            Some(20..21)
        );
        assert_eq!(
            setting_value("  -o smtp_tls_loglevel=0", "smtp_tls_loglevel"),
            Some(23..24)
        );
        assert_eq!(
            setting_value("smtp_tls_loglevel_x = 0", "smtp_tls_loglevel"),
            None
        );
    }
}
