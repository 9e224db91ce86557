//! Logical lines, as Postfix's `readllines()` builds them for main.cf and
//! master.cf alike.
//!
//! A line that starts with whitespace continues the previous logical line.
//! Comment lines (first non-blank character `#`) and blank lines are dropped
//! *without* ending the logical line, so a value can continue after them. A
//! `#` anywhere else is data. We join the pieces with one space, which is
//! what `postconf -n` shows; Postfix itself keeps the continuation line's
//! indentation, a difference only visible in whitespace-preserving texts
//! such as `smtpd_banner`.

use std::ops::Range;

use safeguard_source::Span;

use crate::pieces::PieceMap;

use crate::syntax::is_space;

/// One logical line: its joined text and the way back to source offsets.
#[derive(Debug, Clone)]
pub(crate) struct LogicalLine {
    pub(crate) text: String,
    pieces: PieceMap,
}

impl LogicalLine {
    /// The source span of a byte range of [`Self::text`]. The space inserted
    /// at a join belongs to no source text: a range starting there starts at
    /// the next piece, one ending there ends with the previous piece.
    pub(crate) fn span(&self, range: Range<usize>) -> Span {
        self.pieces.span(range)
    }

    /// The whole logical line in the source, continuation lines included.
    pub(crate) fn full_span(&self) -> Span {
        self.span(0..self.text.len())
    }
}

/// The logical lines of a file, plus the spans of logical lines Postfix
/// ignores because they start with whitespace (only possible before the
/// first real line: later, such a line is a continuation).
pub(crate) fn logical_lines(text: &str) -> (Vec<LogicalLine>, Vec<Span>) {
    let physical = physical_lines(text);
    let mut lines = Vec::new();
    let mut rejected = Vec::new();
    let mut next = 0;
    while next < physical.len() {
        let mut line = LogicalLine {
            text: String::new(),
            pieces: PieceMap::default(),
        };
        while let Some(range) = physical.get(next).cloned() {
            next += 1;
            let content = trimmed_content(text, range.clone());
            if let Some(content) = content {
                add_piece(&mut line, text, content);
            }
            if line.pieces.is_empty() {
                continue;
            }
            // Postfix peeks at the first byte of the next physical line: a
            // blank or `#` keeps the logical line open.
            let continues = physical
                .get(next)
                .and_then(|r| text.as_bytes().get(r.start))
                .is_some_and(|&b| b == b'#' || is_space(b));
            if !continues {
                break;
            }
        }
        if line.pieces.is_empty() {
            break;
        }
        if line.text.as_bytes().first().is_some_and(|&b| is_space(b)) {
            rejected.push(line.full_span());
        } else {
            lines.push(line);
        }
    }
    (lines, rejected)
}

/// Byte ranges of the physical lines, without their `\n`. A final newline
/// does not start another line.
fn physical_lines(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            lines.push(start..i);
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push(start..text.len());
    }
    lines
}

/// The part of a physical line that joins the logical line: `None` for a
/// blank or comment line; trailing blanks dropped (the `\r` of CRLF too).
fn trimmed_content(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let first = (range.start..range.end).find(|&i| bytes.get(i).is_some_and(|&b| !is_space(b)))?;
    if bytes.get(first) == Some(&b'#') {
        return None;
    }
    let mut end = range.end;
    while end > first && bytes.get(end - 1).is_some_and(|&b| is_space(b)) {
        end -= 1;
    }
    Some(range.start..end)
}

fn add_piece(line: &mut LogicalLine, text: &str, range: Range<usize>) {
    // A continuation joins with one space, its indentation dropped; the first
    // piece keeps its leading blanks so the caller can reject it.
    let range = if line.pieces.is_empty() {
        range
    } else {
        line.text.push(' ');
        let bytes = text.as_bytes();
        let mut start = range.start;
        while start < range.end && bytes.get(start).is_some_and(|&b| is_space(b)) {
            start += 1;
        }
        start..range.end
    };
    let Some(piece_text) = text.get(range.clone()) else {
        return;
    };
    line.pieces
        .record(line.text.len(), range.start, piece_text.len());
    line.text.push_str(piece_text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        logical_lines(source)
            .0
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn indented_lines_continue_even_after_comments_and_blanks() {
        let source = "a = 1\n  b = 2\n# c\n\n\t3\nd = 4 # data\n";
        assert_eq!(texts(source), vec!["a = 1 b = 2 3", "d = 4 # data"]);
    }

    #[test]
    fn a_leading_indented_line_is_rejected_with_its_continuations() {
        let source = "# head\n  x = 1\n  y\nz = 2";
        let (lines, rejected) = logical_lines(source);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "z = 2");
        assert_eq!(&source[rejected[0].range()], "  x = 1\n  y");
    }

    #[test]
    fn spans_map_back_across_joins() {
        let source = "key = one\n    two\r\n";
        let (lines, _) = logical_lines(source);
        let line = &lines[0];
        assert_eq!(line.text, "key = one two");
        let value = 6..line.text.len();
        assert_eq!(&source[line.span(value).range()], "one\n    two");
        // A range that starts on the inserted space starts at the next piece.
        assert_eq!(&source[line.span(9..13).range()], "two");
        // One that ends on it ends with the previous piece.
        assert_eq!(&source[line.span(6..10).range()], "one");
        assert_eq!(line.span(9..9), Span::new(14, 14));
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(texts("a = 1\r\nb = 2"), vec!["a = 1", "b = 2"]);
        assert!(texts("").is_empty());
        assert!(texts("\n\n# only\n").is_empty());
    }
}
