//! Inline `safeguard:ignore` comments, found by scanning a file's text line
//! by line. This is deliberately format-agnostic: any input whose comments
//! start with `#` (Postfix, Dovecot, HCL, PowerShell DSC, YAML) or `//`
//! (HCL) can carry them, and a new frontend needs no code for it.

use safeguard_model::{InputError, InputErrorLocation};
use safeguard_source::{SourceFile, Span};

const MARKER: &str = "safeguard:ignore";

/// One `# safeguard:ignore <rule>[,<rule>] [until=YYYY-MM-DD] -- <reason>`.
#[derive(Debug, Clone)]
pub(crate) struct Directive {
    pub file: SourceFile,
    /// From the marker to the end of the comment, for meta-findings.
    pub span: Span,
    /// 1-based line of the comment.
    pub line: u32,
    /// 1-based line it covers: its own line for a trailing comment, else the
    /// first line below that is not itself a comment.
    pub target: u32,
    pub rules: Vec<String>,
    pub until: Option<String>,
    /// Empty when none was written.
    pub reason: String,
}

/// Whether a file's text has the marker a suppression comment starts with.
pub(crate) fn may_hold_directive(file: &SourceFile) -> bool {
    file.text().contains(MARKER)
}

/// Every directive in a file. A malformed one (no rule, a bad date, an
/// unknown option) is a located input error and suppresses nothing.
pub(crate) fn scan(file: &SourceFile, errors: &mut Vec<InputError>) -> Vec<Directive> {
    if !may_hold_directive(file) {
        return Vec::new();
    }
    let text = file.text();
    let lines: Vec<(usize, &str)> = line_starts(text);
    let comment_only = |line: &str| {
        let trimmed = line.trim_start();
        trimmed.starts_with('#') || trimmed.starts_with("//")
    };
    let mut directives = Vec::new();
    for (index, &(start, line)) in lines.iter().enumerate() {
        let Some(at) = marker_in_comment(line) else {
            continue;
        };
        let body_start = at + MARKER.len();
        let body = line[body_start..].trim_end();
        let span = Span::from_range(start + at..start + body_start + body.len());
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let target = if comment_only(line) {
            lines[index + 1..]
                .iter()
                .position(|(_, l)| !comment_only(l))
                .map_or(line_number, |offset| {
                    line_number + u32::try_from(offset + 1).unwrap_or(0)
                })
        } else {
            line_number
        };
        match parse(body) {
            Ok((rules, until, reason)) => directives.push(Directive {
                file: file.clone(),
                span,
                line: line_number,
                target,
                rules,
                until,
                reason,
            }),
            Err(message) => errors.push(InputError {
                path: file.path().to_path_buf(),
                message,
                location: InputErrorLocation::Span {
                    file: file.clone(),
                    span,
                },
            }),
        }
    }
    directives
}

/// `(byte offset, line without its end)` for each line.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let line = piece.trim_end_matches('\n').trim_end_matches('\r');
        lines.push((start, line));
        start += piece.len();
    }
    lines
}

/// The byte offset of the marker when it opens a comment: only whitespace
/// between it and a `#` or `//`, and not a longer word (`safeguard:ignored`).
fn marker_in_comment(line: &str) -> Option<usize> {
    let at = line.find(MARKER)?;
    let before = line[..at].trim_end();
    let opens_comment = before.ends_with('#') || before.ends_with("//");
    let after = &line[at + MARKER.len()..];
    let word_ends = after.is_empty() || after.starts_with(char::is_whitespace);
    (opens_comment && word_ends).then_some(at)
}

type Parsed = (Vec<String>, Option<String>, String);

/// `<rules> [until=DATE] -- <reason>`; the reason may be missing (that is
/// reported as a finding, not an error, so the run still names the rule).
fn parse(body: &str) -> Result<Parsed, String> {
    let (head, reason) = match body.find("--") {
        Some(at) => (&body[..at], body[at + 2..].trim()),
        None => (body, ""),
    };
    // `a, b` is read as `a,b`: people put spaces after commas.
    let head = head.replace(", ", ",").replace(" ,", ",");
    let mut rules = Vec::new();
    let mut until = None;
    for token in head.split_whitespace() {
        if let Some(date) = token.strip_prefix("until=") {
            if !safeguard_policy::is_iso_date(date) {
                return Err(format!(
                    "`until={date}` in a safeguard:ignore comment is not a date written YYYY-MM-DD"
                ));
            }
            until = Some(date.to_owned());
        } else if token.contains('=') {
            return Err(format!(
                "unknown option `{token}` in a safeguard:ignore comment (only `until=YYYY-MM-DD`)"
            ));
        } else {
            rules.extend(
                token
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    if rules.is_empty() {
        return Err(
            "a safeguard:ignore comment names no rule: write `safeguard:ignore <rule-id> -- <reason>`"
                .to_owned(),
        );
    }
    Ok((rules, until, reason.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(text: &str) -> (Vec<Directive>, Vec<InputError>) {
        let file = SourceFile::new("main.tf", text);
        let mut errors = Vec::new();
        (scan(&file, &mut errors), errors)
    }

    #[test]
    fn reads_rules_until_and_reason() {
        let (found, errors) = directives(
            "# safeguard:ignore a-rule, b-rule until=2030-01-31 -- legacy bucket, ticket 12\nresource \"x\" \"y\" {}\n",
        );
        assert!(errors.is_empty());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rules, ["a-rule", "b-rule"]);
        assert_eq!(found[0].until.as_deref(), Some("2030-01-31"));
        assert_eq!(found[0].reason, "legacy bucket, ticket 12");
        assert_eq!((found[0].line, found[0].target), (1, 2));
    }

    #[test]
    fn trailing_comment_covers_its_line_and_stacked_comments_the_next_code_line() {
        let (found, _) = directives(
            "a = 1\n// safeguard:ignore r1 -- one\n# safeguard:ignore r2 -- two\nb = 2 # safeguard:ignore r3\n",
        );
        let targets: Vec<_> = found.iter().map(|d| (d.line, d.target)).collect();
        assert_eq!(targets, [(2, 4), (3, 4), (4, 4)]);
        assert_eq!(found[2].reason, "");
    }

    #[test]
    fn marker_outside_a_comment_or_inside_a_word_is_ignored() {
        let (found, errors) =
            directives("name = \"safeguard:ignore x -- y\"\n# safeguard:ignored x -- y\n");
        assert!(found.is_empty());
        assert!(errors.is_empty());
    }

    #[test]
    fn bad_date_and_missing_rule_are_located_errors() {
        let (found, errors) =
            directives("# safeguard:ignore r until=2030-13-45 -- x\n# safeguard:ignore -- x\n");
        assert!(found.is_empty());
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("until=2030-13-45"));
        assert!(errors[1].message.contains("names no rule"));
    }
}
