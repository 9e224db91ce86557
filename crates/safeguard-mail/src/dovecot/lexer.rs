//! One Dovecot configuration file as lines, the way 2.3's
//! `config_parse_line()` cuts and classifies them.
//!
//! Per physical line: leading blanks (space, tab) are skipped; a line that
//! is then empty or starts with `#` is skipped, and it also throws away a
//! value being continued (doveconf does the same: `a = b \` followed by a
//! comment line loses `a`). A `#` outside quotes starts a comment anywhere
//! (unlike Postfix); quotes protect it, backslashes escape inside quotes.
//! Trailing blanks go; a final `\` continues the line: the pieces are
//! joined with one space. The logical line is then `key = value`,
//! `!include[_try] pattern`, `kind [name] {`, or `}`.

use std::ops::Range;

use safeguard_source::Span;

use crate::dovecot::error::DovecotErrorKind;
use crate::dovecot::model::ValueForm;
use crate::pieces::PieceMap;

/// One logical line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) kind: LineKind,
    /// The whole logical line, continuation lines included.
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    Setting {
        key: String,
        key_span: Span,
        value: RawValue,
    },
    Open {
        kind: String,
        kind_span: Span,
        /// Empty for an unnamed section (`passdb {`).
        name: String,
        name_span: Span,
    },
    Close,
    Include {
        optional: bool,
        pattern: String,
        pattern_span: Span,
    },
    Error(DovecotErrorKind),
}

/// A value as written, classified as doveconf classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawValue {
    pub(crate) form: ValueForm,
    /// Plain: as written. Quoted: quotes stripped, backslashes undone.
    /// File: the path after `<`. Variable: as written (expanded later).
    pub(crate) text: String,
    /// The value in the source, quotes and `<` included; empty (right
    /// after `=`) for an empty value.
    pub(crate) span: Span,
}

/// Dovecot's `IS_WHITE`: only space and tab.
pub(crate) fn is_white(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// The logical lines of one file.
pub(crate) fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut pending: Option<Joined> = None;
    for range in physical_lines(text) {
        let Some(content) = content(text, range) else {
            // A blank or comment line ends (and drops) a continued line.
            pending = None;
            continue;
        };
        let joined = pending.get_or_insert_with(Joined::default);
        let bytes = text.as_bytes();
        if content.end > content.start && bytes.get(content.end - 1) == Some(&b'\\') {
            let mut end = content.end - 1;
            while end > content.start && bytes.get(end - 1).is_some_and(|&b| is_white(b)) {
                end -= 1;
            }
            if end > content.start {
                joined.push(text, content.start..end);
                joined.text.push(' ');
            }
            continue;
        }
        joined.push(text, content);
        if let Some(joined) = pending.take() {
            out.push(joined.classify());
        }
    }
    // A continuation at the end of the file has nothing to join; doveconf
    // would carry it into the including file, we drop it.
    out
}

/// Byte ranges of the physical lines without `\n` (and without the `\r` of
/// CRLF). A NUL ends the line, as it ends doveconf's C string.
fn physical_lines(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let newline = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map(|i| start + i);
        let (mut end, next) = match newline {
            Some(i) => (i, i + 1),
            None => (bytes.len(), bytes.len()),
        };
        if newline.is_some() && end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        if let Some(nul) = bytes
            .get(start..end)
            .and_then(|line| line.iter().position(|&b| b == 0))
        {
            end = start + nul;
        }
        lines.push(start..end);
        start = next;
    }
    lines
}

/// What a physical line contributes: without leading blanks, comment and
/// trailing blanks. `None` for a line doveconf skips.
fn content(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut start = range.start;
    while start < range.end && bytes.get(start).is_some_and(|&b| is_white(b)) {
        start += 1;
    }
    if start >= range.end || bytes.get(start) == Some(&b'#') {
        return None;
    }
    let mut end = range.end;
    let mut p = start;
    while p < range.end {
        match bytes.get(p) {
            Some(&quote @ (b'\'' | b'"')) => {
                p += 1;
                while p < range.end && bytes.get(p) != Some(&quote) {
                    if bytes.get(p) == Some(&b'\\') && p + 1 < range.end {
                        p += 1;
                    }
                    p += 1;
                }
                if p >= range.end {
                    // Unterminated quote: no comment can follow.
                    break;
                }
            }
            Some(b'#') => {
                end = p;
                break;
            }
            _ => {}
        }
        p += 1;
    }
    while end > start && bytes.get(end - 1).is_some_and(|&b| is_white(b)) {
        end -= 1;
    }
    Some(start..end)
}

/// A logical line: the joined text and the way back to source offsets.
#[derive(Debug, Default)]
struct Joined {
    text: String,
    pieces: PieceMap,
}

impl Joined {
    fn push(&mut self, source: &str, range: Range<usize>) {
        let Some(piece) = source.get(range.clone()) else {
            return;
        };
        self.pieces
            .record(self.text.len(), range.start, piece.len());
        self.text.push_str(piece);
    }

    /// The source span of a byte range of the joined text. A join space
    /// belongs to no source text: a range starting there starts at the next
    /// piece, one ending there ends with the previous piece.
    fn span(&self, range: Range<usize>) -> Span {
        self.pieces.span(range)
    }

    fn text_of(&self, range: Range<usize>) -> String {
        self.text.get(range).unwrap_or("").to_owned()
    }

    /// `config_parse_line()` after the comment and continuation handling.
    fn classify(self) -> Line {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let span = self.span(0..len);
        let skip_white = |mut i: usize| {
            while i < len && bytes.get(i).is_some_and(|&b| is_white(b)) {
                i += 1;
            }
            i
        };
        let mut key_end = 0;
        while key_end < len
            && bytes
                .get(key_end)
                .is_some_and(|&b| !is_white(b) && b != b'=')
        {
            key_end += 1;
        }
        let key = self.text_of(0..key_end);
        let key_span = self.span(0..key_end);
        let rest = skip_white(key_end);
        let kind = if key == "!include" || key == "!include_try" {
            LineKind::Include {
                optional: key == "!include_try",
                pattern: self.text_of(rest..len),
                pattern_span: self.span(rest..len),
            }
        } else if bytes.get(rest) == Some(&b'=') {
            let start = skip_white(rest + 1);
            LineKind::Setting {
                key,
                key_span,
                value: self.value(start),
            }
        } else if key == "}" && rest == len {
            LineKind::Close
        } else {
            self.section(key, key_span, rest)
        };
        Line { kind, span }
    }

    fn value(&self, start: usize) -> RawValue {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let span = self.span(start..len);
        let first = bytes.get(start).copied();
        if first == Some(b'<') {
            let mut path = start + 1;
            while path < len && bytes.get(path).is_some_and(|&b| is_white(b)) {
                path += 1;
            }
            return RawValue {
                form: ValueForm::File,
                text: self.text_of(path..len),
                span,
            };
        }
        let raw = self.text_of(start..len);
        let quoted = matches!(first, Some(b'"' | b'\''));
        if !quoted && raw.contains('$') {
            return RawValue {
                form: ValueForm::Variable,
                text: raw,
                span,
            };
        }
        if quoted && bytes.last().copied() == first && len > start {
            // doveconf strips the outer quotes even when the opening quote
            // is also the closing one (a lone `"` gives an empty value).
            let inner = self.text.get(start + 1..len - 1).unwrap_or("");
            return RawValue {
                form: ValueForm::Quoted,
                text: unescape(inner),
                span,
            };
        }
        RawValue {
            form: ValueForm::Plain,
            text: raw,
            span,
        }
    }

    fn section(&self, kind: String, kind_span: Span, rest: usize) -> LineKind {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let error = |e| LineKind::Error(e);
        let (name, name_span, brace) = match bytes.get(rest) {
            Some(b'{') => (String::new(), self.span(rest..rest), rest),
            Some(b'"') => {
                let open = rest + 1;
                let Some(close) = bytes
                    .get(open..)
                    .and_then(|t| t.iter().position(|&b| b == b'"'))
                    .map(|i| open + i)
                else {
                    return error(DovecotErrorKind::ExpectingBrace);
                };
                let mut after = close + 1;
                while after < len && bytes.get(after).is_some_and(|&b| is_white(b)) {
                    after += 1;
                }
                let inner = self.text.get(open..close).unwrap_or("");
                (unescape(inner), self.span(rest..close + 1), after)
            }
            _ => {
                let mut end = rest;
                while end < len && bytes.get(end).is_some_and(|&b| !is_white(b)) {
                    end += 1;
                }
                let mut after = end;
                while after < len && bytes.get(after).is_some_and(|&b| is_white(b)) {
                    after += 1;
                }
                (self.text_of(rest..end), self.span(rest..end), after)
            }
        };
        if bytes.get(brace) != Some(&b'{') {
            return error(DovecotErrorKind::ExpectingBrace);
        }
        if brace + 1 != len {
            return error(DovecotErrorKind::GarbageAfterBrace);
        }
        LineKind::Open {
            kind,
            kind_span,
            name,
            name_span,
        }
    }
}

/// Dovecot's `str_unescape()`: a backslash keeps the next character
/// literally; a final lone backslash disappears.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<LineKind> {
        lines(text).into_iter().map(|l| l.kind).collect()
    }

    fn setting(text: &str) -> (String, RawValue) {
        match kinds(text).into_iter().next() {
            Some(LineKind::Setting { key, value, .. }) => (key, value),
            other => panic!("not a setting: {other:?}"),
        }
    }

    #[test]
    fn a_hash_after_a_value_starts_a_comment() {
        let (key, value) = setting("ssl = yes # no\n");
        assert_eq!(key, "ssl");
        assert_eq!(value.text, "yes");
        assert_eq!(value.form, ValueForm::Plain);
        // Even without a blank before it (doveconf warns, then agrees).
        assert_eq!(setting("a = b#c").1.text, "b");
    }

    #[test]
    fn quotes_protect_a_hash_and_are_stripped() {
        let text = "ssl_cipher_list = \"HIGH#x\" # note\n";
        let (_, value) = setting(text);
        assert_eq!(value.text, "HIGH#x");
        assert_eq!(value.form, ValueForm::Quoted);
        assert_eq!(&text[value.span.range()], "\"HIGH#x\"");
        assert_eq!(setting("a = 'x \\' y'").1.text, "x ' y");
        assert_eq!(setting("a = \"").1.text, "");
        // An unterminated quote: the rest is data, `#` included.
        assert_eq!(setting("a = \"x # y").1.text, "\"x # y");
    }

    #[test]
    fn continuation_joins_with_one_space_and_maps_spans() {
        let text = "ssl_cipher_list = HIGH: \\\n   !aNULL\nnext = 1\n";
        let all = lines(text);
        let LineKind::Setting { value, .. } = &all[0].kind else {
            panic!("{all:?}");
        };
        assert_eq!(value.text, "HIGH: !aNULL");
        assert_eq!(&text[value.span.range()], "HIGH: \\\n   !aNULL");
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn a_comment_line_drops_a_continued_value() {
        let all = kinds("postmaster_address = a \\\n# comment\nssl = no\n");
        assert_eq!(all.len(), 1);
        assert!(matches!(&all[0], LineKind::Setting { key, .. } if key == "ssl"));
    }

    #[test]
    fn value_forms() {
        let (_, file) = setting("ssl_cert = <  /etc/ssl/cert.pem");
        assert_eq!(
            (file.form, file.text.as_str()),
            (ValueForm::File, "/etc/ssl/cert.pem")
        );
        let (_, var) = setting("mail_plugins = $mail_plugins quota");
        assert_eq!(var.form, ValueForm::Variable);
        let (_, quoted) = setting("mail_plugins = \"$mail_plugins quota\"");
        assert_eq!(
            (quoted.form, quoted.text.as_str()),
            (ValueForm::Quoted, "$mail_plugins quota")
        );
        let (key, empty) = setting("key=");
        assert_eq!((key.as_str(), empty.text.as_str()), ("key", ""));
    }

    #[test]
    fn sections_includes_and_errors() {
        assert_eq!(
            kinds("service imap-login {\n}\n")[0],
            LineKind::Open {
                kind: "service".into(),
                kind_span: Span::new(0, 7),
                name: "imap-login".into(),
                name_span: Span::new(8, 18),
            }
        );
        assert!(matches!(
            &kinds("mailbox \"Sent Messages\" {")[0],
            LineKind::Open { name, .. } if name == "Sent Messages"
        ));
        assert!(matches!(&kinds("passdb {")[0], LineKind::Open { name, .. } if name.is_empty()));
        assert_eq!(kinds("  }  # end")[0], LineKind::Close);
        assert_eq!(
            kinds("plugin{")[0],
            LineKind::Error(DovecotErrorKind::ExpectingBrace)
        );
        assert_eq!(
            kinds("service x { port = 1 }")[0],
            LineKind::Error(DovecotErrorKind::GarbageAfterBrace)
        );
        assert!(matches!(
            &kinds("!include_try conf.d/*.conf # x")[0],
            LineKind::Include { optional: true, pattern, .. } if pattern == "conf.d/*.conf"
        ));
    }

    #[test]
    fn crlf_nul_and_odd_input_do_not_panic() {
        assert_eq!(setting("a = 1\r\n").1.text, "1");
        assert_eq!(setting("a = 1\0junk\n").1.text, "1");
        for text in [
            "\\",
            "\\\n\\\n",
            "\"",
            "'",
            "=",
            "= =",
            "{",
            "}",
            "é = ü # ö",
            "\r\r\n",
        ] {
            let _ = lines(text);
        }
    }
}
