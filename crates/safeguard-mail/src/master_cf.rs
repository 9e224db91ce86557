//! master.cf: one service per logical line, eight fields
//! `service type private unpriv chroot wakeup maxproc command` and the
//! command's arguments. A service is named by its name *and* type (`smtp
//! inet` is the SMTP server, `smtp unix` the client); when the pair repeats,
//! master(8) uses the last line.
//!
//! `-o name=value` overrides are read the way the daemon sees them: master(8)
//! strips `{ }` from any argument that starts with `{`, then the daemon's
//! getopt reads options up to the first non-option, so `-o x=y`, `-ox=y`,
//! `-vo x=y` and `-o { x = y }` all work and an `-o` after a plain argument
//! is not an option. (`postconf -P` normalizes differently; see
//! [`crate::render`].)

use std::collections::HashMap;
use std::ops::Range;

use safeguard_source::{SourceFile, Span};

use crate::logical::{LogicalLine, logical_lines};
use crate::syntax::{
    BLANKS, GroupError, NameValueError, slice, split_grouped, split_nameval, strip_group,
};

/// The service types master(8) accepts.
const SERVICE_TYPES: [&str; 5] = ["unix", "fifo", "inet", "pass", "unix-dgram"];

/// Daemon options that take a value (the common getopt string of Postfix's
/// `single_server`, `multi_server` and `trigger_server`).
const OPTIONS_WITH_VALUE: &[u8] = b"imnorst";

/// A field or argument with its source span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub span: Span,
}

/// One `-o name=value`, in whichever spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    /// Empty (just after the `=`) for an empty value.
    pub value_span: Span,
    /// From the `-o` to the end of the value (or closing `}`).
    pub span: Span,
}

/// One master.cf line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    pub name: Field,
    /// The service type: `inet`, `unix`, `unix-dgram`, `fifo` or `pass`.
    pub kind: Field,
    pub private: Field,
    pub unprivileged: Field,
    pub chroot: Field,
    pub wakeup: Field,
    pub max_process: Field,
    pub command: Field,
    /// The arguments after the command, as written (braces kept).
    pub args: Vec<Field>,
    /// The `-o` overrides the daemon receives, in order.
    pub overrides: Vec<Override>,
    /// The whole logical line.
    pub span: Span,
}

impl ServiceEntry {
    /// `name/type`, as `postconf -P` and safeguard addresses spell it.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}/{}", self.name.text, self.kind.text)
    }

    /// The span of `name type`, where findings about the service point.
    #[must_use]
    pub fn header_span(&self) -> Span {
        self.name.span.cover(self.kind.span)
    }

    /// The override in effect for `name`: the daemon applies `-o` options in
    /// order, so the last one wins.
    #[must_use]
    pub fn override_for(&self, name: &str) -> Option<&Override> {
        self.overrides.iter().rev().find(|o| o.name == name)
    }

    /// The program name (`process_name`): the command's last path component.
    #[must_use]
    pub fn process_name(&self) -> &str {
        self.command
            .text
            .rsplit('/')
            .next()
            .unwrap_or(&self.command.text)
    }
}

/// Something master(8) or the daemon would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MasterCfError {
    #[error("logical line must not start with whitespace")]
    LeadingWhitespace { span: Span },
    #[error("bad field count: a service needs 8 fields, found {found}")]
    FieldCount { span: Span, found: usize },
    #[error("invalid service type field {value:?}")]
    ServiceType { span: Span, value: String },
    #[error("invalid {field} field {value:?}")]
    FieldValue {
        span: Span,
        field: &'static str,
        value: String,
    },
    #[error("{message}")]
    Group { span: Span, message: &'static str },
    #[error("invalid \"-o\" option value {value:?}: {message}")]
    OverrideSyntax {
        span: Span,
        value: String,
        message: &'static str,
    },
    #[error("option -{option} requires a value")]
    MissingValue { span: Span, option: char },
}

impl MasterCfError {
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            MasterCfError::LeadingWhitespace { span }
            | MasterCfError::FieldCount { span, .. }
            | MasterCfError::ServiceType { span, .. }
            | MasterCfError::FieldValue { span, .. }
            | MasterCfError::Group { span, .. }
            | MasterCfError::OverrideSyntax { span, .. }
            | MasterCfError::MissingValue { span, .. } => *span,
        }
    }
}

/// A `name/type` defined on more than one line: `later` replaces `earlier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateService<'a> {
    pub earlier: &'a ServiceEntry,
    pub later: &'a ServiceEntry,
}

/// A parsed master.cf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterCf {
    entries: Vec<ServiceEntry>,
    errors: Vec<MasterCfError>,
}

impl MasterCf {
    /// Every entry in source order, replaced ones included.
    #[must_use]
    pub fn entries(&self) -> &[ServiceEntry] {
        &self.entries
    }

    /// The services in effect: one per `name/type` (the last line), in the
    /// order of those lines.
    #[must_use]
    pub fn services(&self) -> Vec<&ServiceEntry> {
        let mut last: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, entry) in self.entries.iter().enumerate() {
            last.insert((&entry.name.text, &entry.kind.text), i);
        }
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| last.get(&(e.name.text.as_str(), e.kind.text.as_str())) == Some(i))
            .map(|(_, e)| e)
            .collect()
    }

    /// The service in effect for `name` and `kind` (`"smtp"`, `"inet"`).
    #[must_use]
    pub fn service(&self, name: &str, kind: &str) -> Option<&ServiceEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.name.text == name && e.kind.text == kind)
    }

    /// Each replaced entry with the entry that replaces it next.
    #[must_use]
    pub fn duplicates(&self) -> Vec<DuplicateService<'_>> {
        let mut next: HashMap<(&str, &str), &ServiceEntry> = HashMap::new();
        let mut pairs = Vec::new();
        for earlier in self.entries.iter().rev() {
            if let Some(later) = next.insert((&earlier.name.text, &earlier.kind.text), earlier) {
                pairs.push(DuplicateService { earlier, later });
            }
        }
        pairs.reverse();
        pairs
    }

    #[must_use]
    pub fn errors(&self) -> &[MasterCfError] {
        &self.errors
    }
}

/// Reads master.cf. A line with fewer than eight fields or an unknown type
/// is reported and skipped; bad flag fields are reported and kept.
#[must_use]
pub fn parse_master_cf(file: &SourceFile) -> MasterCf {
    let (lines, rejected) = logical_lines(file.text());
    let mut master = MasterCf {
        entries: Vec::new(),
        errors: rejected
            .into_iter()
            .map(|span| MasterCfError::LeadingWhitespace { span })
            .collect(),
    };
    for line in &lines {
        if let Some(entry) = parse_entry(line, &mut master.errors) {
            master.entries.push(entry);
        }
    }
    master.errors.sort_by_key(|e| e.span().start);
    master
}

fn parse_entry(line: &LogicalLine, errors: &mut Vec<MasterCfError>) -> Option<ServiceEntry> {
    let text = line.text.as_str();
    let tokens = split_grouped(text, 0..text.len(), BLANKS);
    let field = |range: &Range<usize>| Field {
        text: slice(text, range.clone()).to_owned(),
        span: line.span(range.clone()),
    };
    let fields: Vec<Field> = tokens.iter().map(field).collect();
    let [
        name,
        kind,
        private,
        unprivileged,
        chroot,
        wakeup,
        max_process,
        command,
        args @ ..,
    ] = fields.as_slice()
    else {
        errors.push(MasterCfError::FieldCount {
            span: line.full_span(),
            found: fields.len(),
        });
        return None;
    };
    if !SERVICE_TYPES.contains(&kind.text.as_str()) {
        errors.push(MasterCfError::ServiceType {
            span: kind.span,
            value: kind.text.clone(),
        });
        return None;
    }
    for (label, flag) in [
        ("private", private),
        ("unpriv", unprivileged),
        ("chroot", chroot),
    ] {
        if !matches!(flag.text.as_str(), "y" | "n" | "-") {
            errors.push(field_error(label, flag));
        }
    }
    if !valid_wakeup(&wakeup.text) {
        errors.push(field_error("wakeup", wakeup));
    }
    if max_process.text != "-" && !max_process.text.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(field_error("maxproc", max_process));
    }
    let overrides = read_options(line, tokens.get(8..).unwrap_or(&[]), errors);
    Some(ServiceEntry {
        name: name.clone(),
        kind: kind.clone(),
        private: private.clone(),
        unprivileged: unprivileged.clone(),
        chroot: chroot.clone(),
        wakeup: wakeup.clone(),
        max_process: max_process.clone(),
        command: command.clone(),
        args: args.to_vec(),
        overrides,
        span: line.full_span(),
    })
}

fn field_error(field: &'static str, value: &Field) -> MasterCfError {
    MasterCfError::FieldValue {
        span: value.span,
        field,
        value: value.text.clone(),
    }
}

/// master(8)'s check: `-`, or digits with an optional trailing `?`.
fn valid_wakeup(text: &str) -> bool {
    let digits = text.strip_suffix('?').unwrap_or(text);
    digits == "-" || digits.bytes().all(|b| b.is_ascii_digit())
}

/// An argument after master(8) stripped a leading `{ }` group: the range the
/// daemon sees.
fn daemon_arg(
    line: &LogicalLine,
    token: &Range<usize>,
    errors: &mut Vec<MasterCfError>,
) -> Range<usize> {
    if line.text.as_bytes().get(token.start) != Some(&b'{') {
        return token.clone();
    }
    let (inner, error) = strip_group(&line.text, token.clone());
    if let Some(error) = error {
        let message = match error {
            GroupError::NoOpening => "no '{' at start of text",
            GroupError::MissingClose => "missing '}'",
            GroupError::TextAfterClose => "syntax error after '}'",
        };
        errors.push(MasterCfError::Group {
            span: line.span(token.clone()),
            message,
        });
    }
    inner
}

/// The daemon's getopt (`+` mode: options stop at the first non-option or
/// `--`), keeping only `-o`.
fn read_options(
    line: &LogicalLine,
    tokens: &[Range<usize>],
    errors: &mut Vec<MasterCfError>,
) -> Vec<Override> {
    let text = line.text.as_str();
    let bytes = text.as_bytes();
    let mut overrides = Vec::new();
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let arg = daemon_arg(line, token, errors);
        let arg_text = slice(text, arg.clone());
        if !arg_text.starts_with('-') || arg_text == "-" || arg_text == "--" {
            break;
        }
        for k in arg.start + 1..arg.end {
            let Some(&letter) = bytes.get(k) else { break };
            if !OPTIONS_WITH_VALUE.contains(&letter) {
                continue;
            }
            // The value is the rest of this argument, or the next argument.
            let (value, end) = if k + 1 < arg.end {
                (Some(k + 1..arg.end), token.end)
            } else {
                i += 1;
                match tokens.get(i) {
                    Some(next) => (Some(daemon_arg(line, next, errors)), next.end),
                    None => (None, token.end),
                }
            };
            let Some(value) = value else {
                errors.push(MasterCfError::MissingValue {
                    span: line.span(arg.clone()),
                    option: char::from(letter),
                });
                break;
            };
            if letter == b'o' {
                let whole = line.span(token.start..end);
                match split_nameval(text, value.clone()) {
                    Ok(parts) => overrides.push(Override {
                        name: slice(text, parts.name.clone()).to_owned(),
                        name_span: line.span(parts.name),
                        value: slice(text, parts.value.clone()).to_owned(),
                        value_span: line.span(parts.value),
                        span: whole,
                    }),
                    Err(error) => errors.push(MasterCfError::OverrideSyntax {
                        span: line.span(value.clone()),
                        value: slice(text, value).to_owned(),
                        message: match error {
                            NameValueError::MissingName => "missing attribute name",
                            NameValueError::MissingEquals => "missing '=' after attribute name",
                        },
                    }),
                }
            }
            break;
        }
        i += 1;
    }
    overrides
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SourceFile, MasterCf) {
        let file = SourceFile::new("master.cf", text);
        let master = parse_master_cf(&file);
        (file, master)
    }

    fn pairs(entry: &ServiceEntry) -> Vec<(&str, &str)> {
        entry
            .overrides
            .iter()
            .map(|o| (o.name.as_str(), o.value.as_str()))
            .collect()
    }

    #[test]
    fn every_override_spelling() {
        let (file, master) = parse(
            "submission inet n - y - - smtpd -o a=1 -ob=2 -vo c=3\n  -o { d = x y } -o {e=}\n",
        );
        assert!(master.errors().is_empty(), "{:?}", master.errors());
        let entry = &master.entries()[0];
        assert_eq!(
            pairs(entry),
            vec![("a", "1"), ("b", "2"), ("c", "3"), ("d", "x y"), ("e", "")]
        );
        let d = &entry.overrides[3];
        assert_eq!(file.slice(d.name_span), "d");
        assert_eq!(file.slice(d.value_span), "x y");
        assert_eq!(file.slice(d.span), "-o { d = x y }");
        assert_eq!(file.slice(entry.overrides[1].span), "-ob=2");
        assert_eq!(file.slice(entry.overrides[1].value_span), "2");
    }

    #[test]
    fn options_stop_at_the_first_plain_argument() {
        let (_, master) = parse("465 inet n - y - - smtpd -v -o a=1 foo -o b=2\n");
        assert_eq!(pairs(&master.entries()[0]), vec![("a", "1")]);
        let (_, master) = parse("x unix - - n - - pipe -- -o a=1\n");
        assert!(master.entries()[0].overrides.is_empty());
    }

    #[test]
    fn services_are_keyed_by_name_and_type() {
        let (_, master) = parse(
            "smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\nsmtp inet n - y - - smtpd -o x=1\n",
        );
        let keys: Vec<String> = master.services().iter().map(|s| s.key()).collect();
        assert_eq!(keys, vec!["smtp/unix", "smtp/inet"]);
        assert_eq!(
            pairs(master.service("smtp", "inet").unwrap()),
            vec![("x", "1")]
        );
        assert_eq!(master.duplicates().len(), 1);
    }

    #[test]
    fn bad_entries_are_reported() {
        let (_, master) =
            parse("a inet n - y\nb tcp n - y - - smtpd\nc inet q - y x? 1a smtpd -o novalue -o\n");
        let messages: Vec<String> = master.errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "bad field count: a service needs 8 fields, found 5",
                "invalid service type field \"tcp\"",
                "invalid private field \"q\"",
                "invalid wakeup field \"x?\"",
                "invalid maxproc field \"1a\"",
                "invalid \"-o\" option value \"novalue\": missing '=' after attribute name",
                "option -o requires a value",
            ]
        );
        assert_eq!(master.entries().len(), 1);
    }

    #[test]
    fn process_name_is_the_command_basename() {
        let (_, master) = parse("x unix - - n - - /usr/lib/postfix/sbin/smtp\n");
        assert_eq!(master.entries()[0].process_name(), "smtp");
    }
}
