//! Byte offsets ↔ LSP positions in the negotiated encoding, and findings
//! and input errors → LSP diagnostics. Offsets are the truth everywhere else;
//! columns exist only here, computed by `safeguard_source::LineIndex`.

use std::str::FromStr;

use safeguard_engine::{Finding, Status};
use safeguard_model::{InputError, InputErrorLocation};
use safeguard_policy::{Policy, Severity};
use safeguard_source::{ColumnUnit, LineColumn, LineIndex, Span};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Position,
    PositionEncodingKind, Range, Uri,
};

/// Where the project's policies are published; bundled policies link to
/// their file there.
const POLICY_BASE: &str = "https://github.com/safeguard-hipaa/safeguard/blob/main/policies/";

/// The diagnostic `source` of everything safeguard publishes.
pub const SOURCE: &str = "safeguard";

/// The column unit the client and server agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion, exact bytes),
    /// otherwise UTF-16, which every client must support.
    #[must_use]
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        if offered.is_some_and(|list| list.contains(&PositionEncodingKind::UTF8)) {
            Self::Utf8
        } else {
            Self::Utf16
        }
    }

    #[must_use]
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn unit(self) -> ColumnUnit {
        match self {
            Self::Utf8 => ColumnUnit::Utf8,
            Self::Utf16 => ColumnUnit::Utf16,
        }
    }
}

/// A text with its line index, for conversions.
pub struct Text<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
}

impl Text<'_> {
    #[must_use]
    pub fn position(&self, offset: u32, encoding: Encoding) -> Position {
        let lc = self.index.line_column(offset, self.text, encoding.unit());
        Position::new(lc.line - 1, lc.column - 1)
    }

    #[must_use]
    pub fn range(&self, span: Span, encoding: Encoding) -> Range {
        Range::new(
            self.position(span.start, encoding),
            self.position(span.end, encoding),
        )
    }

    /// The byte offset of a position, clamped as LSP says: a character
    /// past its line's end is the line's end, a line past the last is the
    /// end of the text (the client's numbers can be anything, `u32::MAX`
    /// included).
    #[must_use]
    pub fn offset(&self, position: Position, encoding: Encoding) -> u32 {
        self.index.offset(
            LineColumn {
                line: position.line.saturating_add(1),
                column: position.character.saturating_add(1),
            },
            self.text,
            encoding.unit(),
        )
    }
}

/// Applies one ranged edit of `didChange` to `text`. Out-of-range ends are
/// clamped (see [`Text::offset`]) and an inverted range is read with its
/// ends swapped, as the reference client library does; either way the
/// returned note says so, for the client's log.
pub fn apply_edit(
    text: &mut String,
    range: Range,
    new_text: &str,
    encoding: Encoding,
) -> Option<String> {
    let index = LineIndex::new(text);
    let current = Text {
        text: text.as_str(),
        index: &index,
    };
    let mut start = current.offset(range.start, encoding);
    let mut end = current.offset(range.end, encoding);
    let clamped = current.position(start, encoding) != range.start
        || current.position(end, encoding) != range.end;
    let inverted = start > end;
    if inverted {
        std::mem::swap(&mut start, &mut end);
    }
    text.replace_range(start as usize..end as usize, new_text);
    let describe = |p: Position| format!("{}:{}", p.line, p.character);
    let problem = match (clamped, inverted) {
        (false, false) => return None,
        (true, false) => "reaches past the document and was clamped to it",
        (false, true) => "ends before it starts and was applied with its ends swapped",
        (true, true) => {
            "ends before it starts and reaches past the document; applied swapped and clamped"
        }
    };
    Some(format!(
        "edit range {}-{} {problem}",
        describe(range.start),
        describe(range.end)
    ))
}

fn severity(policy: &Policy) -> DiagnosticSeverity {
    match policy.severity {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium => DiagnosticSeverity::WARNING,
        Severity::Low | Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The page that documents a policy: its file in the project for bundled
/// policies, the local file for the user's own.
#[must_use]
pub fn policy_link(policy: &Policy) -> Option<Uri> {
    let path = policy.source.path();
    match path.strip_prefix("<bundled>") {
        Ok(rel) => Uri::from_str(&format!("{POLICY_BASE}{}", rel.display())).ok(),
        Err(_) => {
            let absolute = std::path::absolute(path).ok()?;
            Uri::from_file_path(absolute)
        }
    }
}

/// A failure or unknown as a diagnostic: the rule id as its code, a link
/// to the rule, the citation in the message; unknowns are hints that say
/// why the value cannot be known.
#[must_use]
pub fn finding_diagnostic(finding: &Finding, encoding: Encoding) -> Diagnostic {
    let file = &finding.file;
    let text = Text {
        text: file.text(),
        index: file.line_index(),
    };
    let policy = &finding.policy;
    let (severity, message) = match finding.status {
        Status::Unknown => (
            DiagnosticSeverity::HINT,
            format!(
                "unknown: {} ({}): {}",
                finding.message,
                policy.citation,
                finding
                    .reason
                    .as_deref()
                    .unwrap_or("the value cannot be known")
            ),
        ),
        _ => {
            let mut message = format!("{} ({})", finding.message, policy.citation);
            if let Some(reason) = &finding.reason {
                message.push_str(": ");
                message.push_str(reason);
            }
            (severity(policy), message)
        }
    };
    Diagnostic {
        range: text.range(finding.label_span, encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(policy.id.clone())),
        code_description: policy_link(policy).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message,
        data: Some(serde_json::json!({ "rule": policy.id, "object": finding.object })),
        ..Diagnostic::default()
    }
}

/// A parse or read error as an error diagnostic at its location.
#[must_use]
pub fn error_diagnostic(error: &InputError, current: &Text<'_>, encoding: Encoding) -> Diagnostic {
    let range = match &error.location {
        InputErrorLocation::Span { file, span } => Text {
            text: file.text(),
            index: file.line_index(),
        }
        .range(*span, encoding),
        InputErrorLocation::Position { line, column } => {
            // Precomputed in characters (decoding errors): convert through the text.
            let offset = current.index.offset(
                LineColumn {
                    line: *line,
                    column: *column,
                },
                current.text,
                ColumnUnit::Chars,
            );
            let p = current.position(offset, encoding);
            Range::new(p, p)
        }
        InputErrorLocation::None => Range::default(),
    };
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("input-error".to_owned())),
        source: Some(SOURCE.to_owned()),
        message: error.message.clone(),
        ..Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_clamped_and_inverted_ranges_swapped() {
        let edit = |text: &str, (l1, c1): (u32, u32), (l2, c2): (u32, u32), new: &str| {
            let mut text = text.to_owned();
            let range = Range::new(Position::new(l1, c1), Position::new(l2, c2));
            let note = apply_edit(&mut text, range, new, Encoding::Utf16);
            (text, note)
        };
        assert_eq!(
            edit("ab\ncd\n", (1, 1), (1, 2), "X"),
            ("ab\ncX\n".into(), None)
        );
        assert_eq!(
            edit("ab\ncd\n", (0, 99), (0, 99), "!"),
            (
                "ab!\ncd\n".into(),
                Some("edit range 0:99-0:99 reaches past the document and was clamped to it".into())
            )
        );
        assert_eq!(
            edit("ab\ncd\n", (100, 0), (u32::MAX, u32::MAX), "end"),
            (
                "ab\ncd\nend".into(),
                Some("edit range 100:0-4294967295:4294967295 reaches past the document and was clamped to it".into())
            )
        );
        assert_eq!(
            edit("ab\ncd\n", (1, 0), (0, 1), ""),
            (
                "acd\n".into(),
                Some("edit range 1:0-0:1 ends before it starts and was applied with its ends swapped".into())
            )
        );
        // 😀 is two UTF-16 units: a position inside it moves to its end.
        assert_eq!(edit("😀x", (0, 2), (0, 3), "y").0, "😀y");
    }

    #[test]
    fn columns_follow_the_encoding() {
        // "é" is 2 bytes and 1 UTF-16 unit; "😀" 4 bytes and 2 units.
        let text = "é😀x\n";
        let index = LineIndex::new(text);
        let t = Text {
            text,
            index: &index,
        };
        let x = text.find('x').unwrap() as u32;
        assert_eq!(t.position(x, Encoding::Utf8), Position::new(0, 6));
        assert_eq!(t.position(x, Encoding::Utf16), Position::new(0, 3));
        assert_eq!(t.offset(Position::new(0, 3), Encoding::Utf16), x);
        assert_eq!(t.offset(Position::new(0, 6), Encoding::Utf8), x);
    }

    #[test]
    fn prefers_utf8() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])),
            Encoding::Utf16
        );
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
