//! Exim's line layer (readconf.c `get_config_line`): physical lines become
//! logical lines. Per physical line, in Exim's order: macro substitution,
//! `#` comment lines (after substitution, so a macro can make a comment),
//! the conditional directives, `.include`/`.include_if_exists`, then
//! continuation (a trailing `\` joins the next line with its leading white
//! space removed). Comment lines may sit inside a continuation; an empty
//! line ends it.
//!
//! Macro *definitions* are made by the section parser on logical lines
//! ([`LineReader::define_macro`]); substitution uses what is defined so
//! far, in definition order, as plain substring replacement (Exim's
//! `Ustrstr`: `AB` is replaced inside `XABY`). Exim's built-in macros
//! (`_HAVE_*`, `_DRIVER_*`, `_OPT_*`, ...) depend on how Exim was built,
//! so a line that would use one is *uncertain* (unknown, with the reason),
//! unless the caller assumes a value for it ([`Assumptions`]).
//! Conditionals are evaluated three-valued: a branch that depends on an
//! unknown condition is read, and everything in it is uncertain.

use std::path::{Path, PathBuf};

use safeguard_source::{SourceFile, Span};

use crate::dovecot::{IncludeLoader, Loc};
use crate::exim::error::{EximError, EximErrorKind};

/// Exim's own limit on `.ifdef` nesting (readconf.c `CSTATE_STACK_SIZE`).
pub const MAX_CONDITIONAL_DEPTH: usize = 10;
/// Include nesting safeguard follows; Exim has no limit of its own.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Files read through includes in one configuration, all told.
pub const MAX_INCLUDE_FILES: usize = 256;
/// Macros one configuration may define.
pub const MAX_MACROS: usize = 1024;
/// Longest logical line (after macro substitution) that is read.
pub const MAX_LINE: usize = 1 << 20;

/// Built-in macro name prefixes (spec, "Builtin macros"), plus the one
/// documented TLS quirk macro.
const BUILTIN_PREFIXES: [&str; 6] = ["_HAVE_", "_DRIVER_", "_EXP_", "_LOG_", "_OPT_", "_TLS_"];

/// Values assumed for built-in macros: name and whether it is defined.
/// Everything else a built-in names is unknown.
pub type Assumptions = [(&'static str, bool)];

/// A macro defined in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macro {
    pub name: String,
    pub value: String,
    pub defined_at: Loc,
    /// Why it is unknown whether (or with what value) the macro is defined:
    /// its definition sat in an uncertain branch or used uncertain text.
    pub uncertain: Option<String>,
}

/// A stretch of a logical line copied from one physical line.
#[derive(Debug, Clone, Copy)]
struct Piece {
    file: usize,
    text_start: usize,
    len: usize,
    /// The physical line's content (after its leading white space).
    source: Span,
    /// The text is the source byte for byte (no macro was substituted).
    exact: bool,
}

/// One logical line with the way back to its source.
#[derive(Debug, Clone)]
pub struct LogicalLine {
    /// Leading and trailing white space removed, continuations joined.
    pub text: String,
    pieces: Vec<Piece>,
    /// Why the line's content is unknown (an uncertain branch or macro), if it is.
    pub uncertain: Option<String>,
}

impl LogicalLine {
    /// The file and span of a byte range of the text. A range in text a
    /// macro produced points at the whole physical line. A range over
    /// several files is cut at the end of the first.
    #[must_use]
    pub fn loc(&self, range: std::ops::Range<usize>) -> Loc {
        let Some(first) = self
            .pieces
            .iter()
            .find(|p| range.start < p.text_start + p.len.max(1))
            .or(self.pieces.last())
        else {
            return Loc::default();
        };
        let start = source_offset(first, range.start, false);
        let last = self
            .pieces
            .iter()
            .rfind(|p| p.file == first.file && p.text_start < range.end.max(range.start + 1))
            .unwrap_or(first);
        let end = if range.end <= range.start {
            start
        } else {
            source_offset(last, range.end, true).max(start)
        };
        Loc::new(first.file, Span::from_range(start..end))
    }

    /// The whole line.
    #[must_use]
    pub fn whole(&self) -> Loc {
        self.loc(0..self.text.len())
    }
}

fn source_offset(piece: &Piece, offset: usize, end: bool) -> usize {
    let source = piece.source.range();
    if !piece.exact {
        return if end { source.end } else { source.start };
    }
    let within = offset.saturating_sub(piece.text_start).min(piece.len);
    (source.start + within).min(source.end)
}

/// One open `.ifdef` level.
#[derive(Debug, Clone)]
struct Frame {
    /// Whether the current branch is read.
    taken: Tri,
    /// Whether an earlier branch of this level was taken.
    done: Tri,
}

/// Three-valued truth with the reason for unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    Unknown(String),
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            unknown @ Tri::Unknown(_) => unknown,
        }
    }

    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => Tri::Unknown(r),
        }
    }

    fn or(self, other: Tri) -> Tri {
        self.not().and(other.not()).not()
    }
}

/// An open file and where reading is in it.
#[derive(Debug)]
struct Cursor {
    file: usize,
    pos: usize,
}

/// Reads logical lines from a main file and what it includes.
pub struct LineReader<'a> {
    pub files: Vec<SourceFile>,
    /// Per file, the `.include` line that brought it in (`None` for the main file).
    pub included_at: Vec<Option<Loc>>,
    pub macros: Vec<Macro>,
    pub errors: Vec<EximError>,
    stack: Vec<Cursor>,
    frames: Vec<Frame>,
    /// Conditionals opened beyond [`MAX_CONDITIONAL_DEPTH`]: reported once,
    /// then only counted, so their `.endif`s close them without a flood of
    /// errors (100,000 nested `.ifdef`s give one error, not 200,000).
    overflow: usize,
    loader: Option<&'a dyn IncludeLoader>,
    assumptions: &'a Assumptions,
    include_reads: usize,
    /// The last physical line read, for errors at the end of input.
    last_line: Loc,
}

/// A physical line after macro substitution.
struct Substituted {
    text: String,
    /// Offset of the first non-blank character in `text`.
    start: usize,
    found: Tri,
    /// Whether text changed (spans then point at the whole line).
    changed: bool,
    uncertain: Option<String>,
}

impl<'a> LineReader<'a> {
    #[must_use]
    pub fn new(
        main: SourceFile,
        loader: Option<&'a dyn IncludeLoader>,
        assumptions: &'a Assumptions,
    ) -> Self {
        Self {
            files: vec![main],
            included_at: vec![None],
            macros: Vec::new(),
            errors: Vec::new(),
            stack: vec![Cursor { file: 0, pos: 0 }],
            frames: Vec::new(),
            overflow: 0,
            loader,
            assumptions,
            include_reads: 0,
            last_line: Loc::default(),
        }
    }

    fn error(&mut self, at: Loc, kind: EximErrorKind) {
        self.errors.push(EximError::new(at, kind));
    }

    /// The next physical line: its file, start offset and text (without
    /// the line ending). Closes finished files.
    fn physical(&mut self) -> Option<(usize, usize, String)> {
        loop {
            let cursor = self.stack.last_mut()?;
            let text = self.files[cursor.file].text();
            if cursor.pos >= text.len() {
                self.stack.pop();
                continue;
            }
            let start = cursor.pos;
            let rest = &text[start..];
            let (line, advance) = match rest.find('\n') {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            cursor.pos += advance;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let file = cursor.file;
            self.last_line = Loc::new(file, Span::from_range(start..start + line.len()));
            return Some((file, start, line.to_owned()));
        }
    }

    /// Whether the lines being read now are read, and if only perhaps, why.
    fn active(&self) -> Tri {
        self.frames
            .iter()
            .fold(Tri::Yes, |acc, frame| acc.and(frame.taken.clone()))
    }

    /// The next logical line, or `None` at the end of the configuration.
    pub fn next_line(&mut self) -> Option<LogicalLine> {
        let mut line = LogicalLine {
            text: String::new(),
            pieces: Vec::new(),
            uncertain: None,
        };
        loop {
            let Some((file, start, raw)) = self.physical() else {
                if !self.frames.is_empty() {
                    let at = self.last_line;
                    self.frames.clear();
                    self.overflow = 0;
                    self.error(at, EximErrorKind::EndifMissing);
                }
                return (!line.text.is_empty()).then_some(line);
            };
            let sub = self.substitute(&raw, line.text.is_empty());
            let content = &sub.text[sub.start..];
            if content.starts_with('#') {
                continue;
            }
            let loc = Loc::new(
                file,
                Span::from_range(
                    start + leading_ws(&raw)..start + raw.trim_end().len().max(leading_ws(&raw)),
                ),
            );
            if content.starts_with('.') && self.conditional(content, sub.found.clone(), loc) {
                continue;
            }
            let active = self.active();
            if active == Tri::No {
                continue;
            }
            if let Some(path) = include_directive(content) {
                self.include(path, loc);
                continue;
            }
            if line.text.len() + content.len() > MAX_LINE {
                self.error(loc, EximErrorKind::LineTooLong { limit: MAX_LINE });
                // Stop reading this file: nothing after it can be trusted.
                if let Some(cursor) = self.stack.last_mut() {
                    cursor.pos = self.files[cursor.file].text().len();
                }
                continue;
            }
            if let Tri::Unknown(reason) = active {
                line.uncertain.get_or_insert(reason);
            }
            if let Some(reason) = sub.uncertain {
                line.uncertain.get_or_insert(reason);
            }
            let content = content.to_owned();
            line.pieces.push(Piece {
                file,
                text_start: line.text.len(),
                len: content.len(),
                source: loc.span,
                exact: !sub.changed,
            });
            line.text.push_str(&content);
            let trimmed = line.text.trim_end().len();
            line.text.truncate(trimmed);
            if line.text.is_empty() {
                line.pieces.clear();
                line.uncertain = None;
                continue;
            }
            if line.text.ends_with('\\') {
                line.text.pop();
                continue;
            }
            return Some(line);
        }
    }

    /// Substitutes macros in one physical line as Exim's `macros_expand`
    /// does. `line_start`: this is the first physical line of a logical
    /// line, where a `NAME =` definition's name is left alone.
    fn substitute(&self, raw: &str, line_start: bool) -> Substituted {
        let start = leading_ws(raw);
        let mut text = raw.to_owned();
        let mut scan = start;
        let bytes = raw.as_bytes();
        if line_start && bytes.get(start).is_some_and(u8::is_ascii_uppercase) {
            let mut i = start;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                i += 1;
            }
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if bytes.get(i) == Some(&b'=') {
                scan = i;
            }
        }
        let mut found = Tri::No;
        let mut uncertain = None;
        let mut changed = false;
        // Exim tries the built-ins only when the first character that can
        // start a macro name is `_` followed by an upper-case letter.
        let first = first_candidate(&text, scan);
        if first.is_some_and(|i| text.as_bytes()[i] == b'_') {
            let region = &text[scan..];
            let assumed_found = self
                .assumptions
                .iter()
                .any(|(name, defined)| *defined && region.contains(name));
            if assumed_found {
                found = Tri::Yes;
                changed = true;
                uncertain = Some(format!(
                    "the line uses an Exim built-in macro whose value safeguard does not know ({})",
                    self.assumptions
                        .iter()
                        .filter(|(name, defined)| *defined && region.contains(name))
                        .map(|(name, _)| *name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else if let Some(name) = builtin_tokens(region)
                .into_iter()
                .find(|token| !self.assumptions.iter().any(|(name, _)| name == token))
            {
                let reason = format!(
                    "`{name}` is an Exim built-in macro, defined or not depending on how Exim was built"
                );
                found = Tri::Unknown(reason.clone());
                uncertain = Some(reason);
            }
        }
        for m in &self.macros {
            if text.len() > MAX_LINE {
                // The caller reports the line as too long.
                break;
            }
            let mut t = scan;
            while t <= text.len() {
                let Some(p) = text[t..].find(&m.name) else {
                    break;
                };
                let p = t + p;
                text.replace_range(p..p + m.name.len(), &m.value);
                t = p + m.value.len();
                changed = true;
                found = match (&m.uncertain, found) {
                    (_, Tri::Yes) | (None, _) => Tri::Yes,
                    (Some(reason), _) => Tri::Unknown(reason.clone()),
                };
                if let Some(reason) = &m.uncertain {
                    uncertain.get_or_insert_with(|| reason.clone());
                }
                if text.len() > MAX_LINE {
                    break;
                }
            }
        }
        let start = leading_ws(&text);
        Substituted {
            text,
            start,
            found,
            changed,
            uncertain,
        }
    }

    /// Handles a conditional directive; false when `content` is not one.
    fn conditional(&mut self, content: &str, found: Tri, at: Loc) -> bool {
        const DIRECTIVES: [&str; 6] = ["ifdef", "ifndef", "elifdef", "elifndef", "else", "endif"];
        let rest = &content[1..];
        let Some(directive) = DIRECTIVES.iter().find(|d| {
            rest.starts_with(**d)
                && rest[d.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
        }) else {
            return false;
        };
        let directive = (*directive).to_owned();
        match directive.as_str() {
            "ifdef" | "ifndef" => {
                if self.frames.len() >= MAX_CONDITIONAL_DEPTH {
                    self.overflow += 1;
                    if self.overflow > 1 {
                        return true;
                    }
                    self.error(
                        at,
                        EximErrorKind::ConditionalTooDeep {
                            directive,
                            limit: MAX_CONDITIONAL_DEPTH,
                        },
                    );
                    // Read on as if the level were not there.
                    return true;
                }
                let cond = if directive == "ifdef" {
                    found
                } else {
                    found.not()
                };
                self.frames.push(Frame {
                    taken: cond.clone(),
                    done: cond,
                });
            }
            "endif" if self.overflow > 0 => self.overflow -= 1,
            // An `.else` or `.elifdef` of a level that was not opened.
            _ if self.overflow > 0 => {}
            "endif" => {
                if self.frames.pop().is_none() {
                    self.error(at, EximErrorKind::UnmatchedConditional { directive });
                }
            }
            _ => {
                let Some(frame) = self.frames.last_mut() else {
                    self.error(at, EximErrorKind::UnmatchedConditional { directive });
                    return true;
                };
                let cond = match directive.as_str() {
                    "elifdef" => found,
                    "elifndef" => found.not(),
                    _ => Tri::Yes,
                };
                let taken = frame.done.clone().not().and(cond.clone());
                frame.done = frame.done.clone().or(cond);
                frame.taken = taken;
            }
        }
        true
    }

    /// Reads an included file in place of its `.include` line.
    /// An include in an uncertain branch is read; its lines are uncertain.
    fn include(&mut self, (path, if_exists): (String, bool), at: Loc) {
        if if_exists && !path.starts_with('/') {
            self.error(at, EximErrorKind::IncludeIfExistsRelative { path });
            return;
        }
        let Some(loader) = self.loader else {
            self.error(at, EximErrorKind::IncludeNotRead { path });
            return;
        };
        if path.contains(['*', '?', '[']) {
            self.error(
                at,
                EximErrorKind::IncludeFailed {
                    path,
                    message: "Exim does not expand wildcards in file names; not read".to_owned(),
                },
            );
            return;
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH || self.include_reads >= MAX_INCLUDE_FILES {
            self.error(
                at,
                EximErrorKind::IncludeTooDeep {
                    path,
                    limit: MAX_INCLUDE_DEPTH,
                },
            );
            return;
        }
        let including = self.files[at.file].path().to_path_buf();
        let files = match loader.load(&including, &path) {
            Ok(files) => files,
            Err(message) => {
                self.error(at, EximErrorKind::IncludeFailed { path, message });
                return;
            }
        };
        let Some(file) = files.into_iter().next() else {
            if if_exists {
                // Exim requires an absolute path here: it names a file on
                // the host running Exim, which is outside what is scanned
                // unless the loader served it. Whatever it sets is unseen.
                self.error(
                    at,
                    EximErrorKind::IncludeFailed {
                        path,
                        message: "not found in the scanned tree; settings it may hold on the mail host are not seen".to_owned(),
                    },
                );
            } else {
                let shown = resolved(&including, &path);
                self.error(
                    at,
                    EximErrorKind::IncludeMissing {
                        path: shown.display().to_string(),
                    },
                );
            }
            return;
        };
        let open: Vec<&Path> = self
            .stack
            .iter()
            .map(|c| self.files[c.file].path())
            .collect();
        if open.contains(&file.path()) {
            self.error(at, EximErrorKind::IncludeLoop { path });
            return;
        }
        self.include_reads += 1;
        self.files.push(file);
        self.included_at.push(Some(at));
        self.stack.push(Cursor {
            file: self.files.len() - 1,
            pos: 0,
        });
    }

    /// Defines (`=`) or redefines (`==`) a macro from a logical line that
    /// starts with an upper-case letter (Exim's `macro_read_assignment`).
    pub fn define_macro(&mut self, line: &LogicalLine) {
        let text = &line.text;
        let bytes = text.as_bytes();
        let mut i = 0;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        let name = text[..i].to_owned();
        let mut j = i;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            self.error(
                line.whole(),
                EximErrorKind::MalformedMacro { line: text.clone() },
            );
            return;
        }
        j += 1;
        let redefine = bytes.get(j) == Some(&b'=');
        if redefine {
            j += 1;
        }
        let value = text[j..].trim().to_owned();
        let at = line.loc(0..i);
        let existing = self.macros.iter().position(|m| m.name == name);
        if existing.is_none()
            && let Some(previous) = self
                .macros
                .iter()
                .find(|m| m.name.len() < name.len() && name.contains(&m.name))
        {
            let previous = previous.name.clone();
            self.error(at, EximErrorKind::MacroSubstring { name, previous });
            return;
        }
        match (existing, redefine) {
            (Some(_), false) => self.error(at, EximErrorKind::MacroAlreadyDefined { name }),
            (None, true) => self.error(at, EximErrorKind::MacroNotDefined { name }),
            (Some(index), true) => {
                let m = &mut self.macros[index];
                m.value = value;
                m.defined_at = at;
                // A redefinition in an uncertain branch leaves the value uncertain.
                if line.uncertain.is_some() {
                    m.uncertain.clone_from(&line.uncertain);
                }
            }
            (None, false) => {
                if self.macros.len() >= MAX_MACROS {
                    self.error(at, EximErrorKind::TooManyMacros { limit: MAX_MACROS });
                    return;
                }
                self.macros.push(Macro {
                    name,
                    value,
                    defined_at: at,
                    uncertain: line.uncertain.clone(),
                });
            }
        }
    }
}

fn leading_ws(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// The first position at or after `from` where a macro name could start:
/// an upper-case letter, or `_` followed by one.
fn first_candidate(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..bytes.len()).find(|&i| {
        bytes[i].is_ascii_uppercase()
            || (bytes[i] == b'_' && bytes.get(i + 1).is_some_and(u8::is_ascii_uppercase))
    })
}

/// Names in `text` that look like Exim built-in macros (`_HAVE_OPENSSL`).
fn builtin_tokens(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' && BUILTIN_PREFIXES.iter().any(|p| text[i..].starts_with(p)) {
            let end = (i..bytes.len())
                .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
                .unwrap_or(bytes.len());
            tokens.push(text[i..end].to_owned());
            i = end;
        } else {
            i += 1;
        }
    }
    tokens
}

/// `.include PATH` / `.include_if_exists PATH` (quotes optional): the path
/// and whether it is the `_if_exists` form.
fn include_directive(content: &str) -> Option<(String, bool)> {
    let (rest, if_exists) = if let Some(rest) = content.strip_prefix(".include_if_exists") {
        (rest, true)
    } else {
        (content.strip_prefix(".include")?, false)
    };
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let path = rest.trim();
    let path = path
        .strip_prefix('"')
        .and_then(|p| p.strip_suffix('"'))
        .unwrap_or(path);
    Some((path.to_owned(), if_exists))
}

/// The path Exim opens: relative to the including file's directory.
fn resolved(including: &Path, path: &str) -> PathBuf {
    if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        including
            .parent()
            .map_or_else(|| PathBuf::from(path), |dir| dir.join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> (Vec<String>, Vec<String>) {
        let mut reader = LineReader::new(SourceFile::new("exim.conf", text), None, &[]);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            if line.text.starts_with(|c: char| c.is_ascii_uppercase()) {
                reader.define_macro(&line);
                continue;
            }
            out.push(match &line.uncertain {
                Some(reason) => format!("{} (unknown: {reason})", line.text),
                None => line.text.clone(),
            });
        }
        let errors = reader.errors.iter().map(ToString::to_string).collect();
        (out, errors)
    }

    #[test]
    fn continuation_drops_the_next_lines_leading_white_space() {
        let (out, _) = lines("tls_require_ciphers = NORMAL:\\\n    -VERS-TLS1.0\na = b \\\n  c\n");
        assert_eq!(
            out,
            vec!["tls_require_ciphers = NORMAL:-VERS-TLS1.0", "a = b c"]
        );
    }

    #[test]
    fn comments_only_at_line_start_and_inside_continuations() {
        let (out, _) =
            lines("a = x # not a comment\n  # comment\nb = uucp:\\\n  # skipped\n  mail\n");
        assert_eq!(out, vec!["a = x # not a comment", "b = uucp:mail"]);
    }

    #[test]
    fn an_empty_line_ends_a_continuation() {
        let (out, _) = lines("a = x \\\n\nb = y\n");
        assert_eq!(out, vec!["a = x", "b = y"]);
    }

    #[test]
    fn macros_substitute_textually_in_definition_order() {
        let (out, errors) = lines(
            "ABCD_XYZ = long\nABCD = short\nx = ABCD_XYZ ABCD XABCDY\nMAC = one\nMAC == MAC two\ny = MAC\n",
        );
        assert_eq!(out, vec!["x = long short XshortY", "y = one two"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn macro_definition_errors_are_exims() {
        let (_, errors) = lines("AB = 1\nAB = 2\nXAB = 3\nNEW == 4\nBAD\n");
        assert_eq!(
            errors,
            vec![
                "macro `AB` is already defined (use \"==\" if you want to redefine it)",
                "`XAB` cannot be defined as a macro because previously defined macro `AB` is a substring",
                "can't redefine an undefined macro `NEW`",
                "malformed macro definition `BAD`",
            ]
        );
    }

    #[test]
    fn ifdef_tests_for_any_substitution_and_builtins_are_unknown() {
        let (out, errors) = lines(
            "AAA = 1\n.ifdef AAA\na = 1\n.else\na = 2\n.endif\n.ifdef AA\nb = 1\n.endif\n\
             .ifndef NOPE\nc = 1\n.endif\n.ifdef _HAVE_OPENSSL\nd = 1\n.elifdef AAA\nd = 2\n.else\nd = 3\n.endif\n",
        );
        let reason = "`_HAVE_OPENSSL` is an Exim built-in macro, defined or not depending on how Exim was built";
        assert_eq!(
            out,
            vec![
                "a = 1".to_owned(),
                "c = 1".to_owned(),
                format!("d = 1 (unknown: {reason})"),
                format!("d = 2 (unknown: {reason})"),
            ]
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn assumed_builtins_decide_branches_by_substring() {
        let text = ".ifdef _HAVE_OPENSSL\na = ssl\n.endif\n.ifdef _HAVE_GNUTLS\na = gnu\n.endif\n.ifdef _HAVE_TLS_RESUME\nb = 1\n.endif\n";
        let assume = [
            ("_HAVE_OPENSSL", true),
            ("_HAVE_GNUTLS", false),
            ("_HAVE_TLS", true),
        ];
        let mut reader = LineReader::new(SourceFile::new("c", text), None, &assume);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            out.push((line.text.clone(), line.uncertain.is_some()));
        }
        // `_HAVE_TLS` is a substring of `_HAVE_TLS_RESUME`: Exim takes the branch.
        assert_eq!(
            out,
            vec![("a = ssl".to_owned(), false), ("b = 1".to_owned(), false)]
        );
    }

    #[test]
    fn unbalanced_and_deep_conditionals_are_errors_not_panics() {
        let (_, errors) = lines(".endif\n.else\n.ifdef X\n");
        assert_eq!(
            errors,
            vec![
                ".endif without matching .ifdef",
                ".else without matching .ifdef",
                "unexpected end of configuration file: .endif missing",
            ]
        );
        let deep = ".ifndef X\n".repeat(50) + "a = 1\n" + &".endif\n".repeat(50);
        let (out, errors) = lines(&deep);
        assert_eq!(out, vec!["a = 1"]);
        // One error for the first level too deep; the levels beyond it and
        // their `.endif`s are counted, not reported one by one.
        assert_eq!(
            errors,
            vec![".ifndef nested too deeply (Exim allows 10 levels)"]
        );
    }

    #[test]
    fn spans_point_into_the_source() {
        let text = "a = 1\nlong = x \\\n   y\n";
        let mut reader = LineReader::new(SourceFile::new("c", text), None, &[]);
        reader.next_line();
        let line = reader.next_line().unwrap();
        assert_eq!(line.text, "long = x y");
        let value = line.loc(7..10);
        assert_eq!(&text[value.span.range()], "x \\\n   y");
    }
}
