//! The parser: a cursor over the text's bytes, with one method per grammar
//! rule. Rules for bodies, expressions and templates live in their own
//! files; this one holds what they share: trivia, identifiers and the
//! nesting limits.

mod body;
mod collection;
mod expr;
mod seen;
mod template;
mod whitespace;

use safeguard_source::Span;

use crate::ast::{Body, Expression, Ident};
use crate::error::Error;

pub(crate) type Result<T> = std::result::Result<T, Error>;

/// How deep expressions, templates and blocks may nest. Root expressions
/// (attribute values) do not count. The same limit as `hcl-edit`'s, so a
/// file one accepts the other accepts.
const MAX_NESTING_DEPTH: usize = 64;

/// How many binary operators any path through an expression tree may
/// hold. A chain of operators is parsed in a loop but builds one tree level
/// per operator, and evaluation walks the tree recursively.
const MAX_OPERATOR_DEPTH: usize = 128;

pub(crate) struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Operators on the deepest path parsed so far in the current scope.
    operator_depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            operator_depth: 0,
        }
    }

    pub(crate) fn parse_file(mut self) -> Result<Body> {
        let body = self.body()?;
        if self.pos < self.bytes.len() {
            return Err(self.error(
                "invalid structure; expected an attribute, a block or the end of the file",
            ));
        }
        Ok(body)
    }

    pub(crate) fn parse_lone_expr(mut self) -> Result<Expression> {
        self.skip_ws();
        let expr = self.operator_scope(|p| p.expr(false))?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.error("invalid expression; expected the end of the text"));
        }
        Ok(expr)
    }

    // --- cursor -----------------------------------------------------------

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(prefix)
    }

    fn span_from(&self, start: usize) -> Span {
        span(start, self.pos)
    }

    fn error(&self, message: &str) -> Error {
        Error::new(self.pos, message)
    }

    fn expect(&mut self, byte: u8, message: &str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    // --- trivia -----------------------------------------------------------

    /// Spaces, tabs and `/* */` comments: what may sit between tokens where
    /// a newline would end the construct.
    fn skip_sp(&mut self) {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            if !self.skip_inline_comment() {
                return;
            }
        }
    }

    /// Whitespace including newlines, and comments of every kind.
    fn skip_ws(&mut self) {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                self.pos += 1;
            }
            if !(self.skip_line_comment() || self.skip_inline_comment()) {
                return;
            }
        }
    }

    /// Newlines are insignificant inside brackets, parentheses and
    /// interpolations, and end the expression elsewhere.
    fn ws_or_sp(&mut self, newlines: bool) {
        if newlines {
            self.skip_ws();
        } else {
            self.skip_sp();
        }
    }

    fn skip_inline_comment(&mut self) -> bool {
        if !self.starts_with(b"/*") {
            return false;
        }
        // An unterminated comment is left in place for the caller to reject.
        match find(&self.bytes[self.pos + 2..], b"*/") {
            Some(end) => {
                self.pos += 2 + end + 2;
                true
            }
            None => false,
        }
    }

    /// A `#` or `//` comment, up to but not including its line ending.
    fn skip_line_comment(&mut self) -> bool {
        if self.peek() == Some(b'#') || self.starts_with(b"//") {
            while self.pos < self.bytes.len() && self.line_ending_at(self.pos) == 0 {
                self.pos += 1;
            }
            true
        } else {
            false
        }
    }

    /// Consumes `\n` or `\r\n`.
    fn line_ending(&mut self) -> bool {
        let len = self.line_ending_at(self.pos);
        self.pos += len;
        len > 0
    }

    /// The length of the line ending at `pos`: 1 for `\n`, 2 for `\r\n`,
    /// 0 for anything else (a lone `\r` is text).
    fn line_ending_at(&self, pos: usize) -> usize {
        match (self.bytes.get(pos), self.bytes.get(pos + 1)) {
            (Some(b'\n'), _) => 1,
            (Some(b'\r'), Some(b'\n')) => 2,
            _ => 0,
        }
    }

    // --- identifiers --------------------------------------------------------

    fn at_ident_start(&self) -> bool {
        match self.peek() {
            Some(b) if b.is_ascii() => b.is_ascii_alphabetic() || b == b'_',
            Some(_) => self.char_here().is_some_and(unicode_ident::is_xid_start),
            None => false,
        }
    }

    fn char_here(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// An identifier: a letter or `_`, then letters, digits, `_` and `-`.
    fn ident_str(&mut self) -> Option<&'a str> {
        if !self.at_ident_start() {
            return None;
        }
        let start = self.pos;
        while self.ident_continues_at(self.pos) {
            self.pos += if self.bytes[self.pos].is_ascii() {
                1
            } else {
                self.char_here().map_or(1, char::len_utf8)
            };
        }
        Some(&self.text[start..self.pos])
    }

    fn ident(&mut self, message: &str) -> Result<Ident> {
        let start = self.pos;
        match self.ident_str() {
            Some(name) => Ok(Ident::new(name, self.span_from(start))),
            None => Err(self.error(message)),
        }
    }

    /// Whether the character at `pos` may continue an identifier: `EOTX`
    /// is not the end of an `EOT` heredoc.
    fn ident_continues_at(&self, pos: usize) -> bool {
        match self.bytes.get(pos) {
            Some(b) if b.is_ascii() => b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-',
            Some(_) => self.text[pos..]
                .chars()
                .next()
                .is_some_and(unicode_ident::is_xid_continue),
            None => false,
        }
    }

    // --- limits -------------------------------------------------------------

    /// Runs `rule` one nesting level deeper, in its own operator scope.
    fn nested<T>(&mut self, rule: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(self.error("invalid nesting depth; expected at most 64 nested levels"));
        }
        self.depth += 1;
        let result = self.operator_scope(rule);
        self.depth -= 1;
        result
    }

    /// Runs `rule` with its own count of chained operators, so that the
    /// operators of sibling expressions do not add up.
    fn operator_scope<T>(&mut self, rule: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let outer = self.operator_depth;
        self.operator_depth = 0;
        let result = rule(self);
        self.operator_depth = outer.max(self.operator_depth);
        result
    }
}

fn span(start: usize, end: usize) -> Span {
    // Texts are capped far below 4 GiB before they reach a parser.
    Span::new(
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
