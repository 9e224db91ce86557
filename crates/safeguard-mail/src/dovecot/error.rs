//! What can go wrong while reading a Dovecot configuration tree. Each error
//! is located in one of the files read ([`Loc`]); the messages follow
//! doveconf's wording where doveconf reports the same problem.

use safeguard_source::Span;

/// A place in one of the files of a configuration tree: the index of the
/// file in [`crate::DovecotConfig::files`] and a byte span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: usize,
    pub span: Span,
}

impl Loc {
    #[must_use]
    pub fn new(file: usize, span: Span) -> Self {
        Self { file, span }
    }
}

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct DovecotError {
    pub at: Loc,
    pub kind: DovecotErrorKind,
}

impl DovecotError {
    pub(crate) fn new(at: Loc, kind: DovecotErrorKind) -> Self {
        Self { at, kind }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DovecotErrorKind {
    #[error("Expecting '{{'")]
    ExpectingBrace,
    #[error("Garbage after '{{'")]
    GarbageAfterBrace,
    #[error("Unexpected '}}'")]
    UnexpectedClose,
    #[error("Missing '}}' for the section started here")]
    MissingClose,
    /// `!include` whose pattern matched nothing (`!include_try` is silent).
    #[error("!include {pattern}: No matches")]
    IncludeNoMatch { pattern: String },
    /// The loader refused or failed (outside the root, unreadable, ...).
    #[error("!include {pattern}: {message}")]
    IncludeFailed { pattern: String, message: String },
    /// No [`crate::IncludeLoader`] was given, so the settings in the
    /// included files are unknown.
    #[error("{directive} {pattern} was not read: no include loader")]
    IncludeNotRead { directive: String, pattern: String },
    #[error("Recursive include file: {path}")]
    IncludeCycle { path: String },
    #[error("include files nested more than {limit} deep")]
    IncludeTooDeep { limit: usize },
    /// The include budget is spent; later includes are not read.
    #[error("more than {limit} files read through includes; the rest are not read")]
    TooManyIncludes { limit: usize },
    #[error("sections nested more than {limit} deep; the inner ones are not read")]
    NestingTooDeep { limit: usize },
    /// A filter nested where Dovecot refuses it (doveconf's message).
    #[error("{message}")]
    FilterNesting { message: &'static str },
    /// Dovecot 2.3 accepts a filter inside a plain section and files its
    /// settings under the section path; we do not follow it there.
    #[error("{filter} {{ }} inside a {section} section is not read")]
    FilterInSection { filter: String, section: String },
    #[error("Auth settings not supported inside local/remote blocks: {name}")]
    AuthSettingInFilter { name: String },
    #[error("Unknown variable: ${name}")]
    UnknownVariable { name: String },
    /// A value Dovecot's settings parser refuses for the setting's type.
    #[error("{name}: {message}")]
    InvalidValue { name: String, message: String },
    /// A setting of the other major version: Dovecot stops with "Unknown
    /// setting".
    #[error("Unknown setting: {name} (Dovecot {version} calls it {replacement})")]
    RenamedSetting {
        name: String,
        version: &'static str,
        replacement: &'static str,
    },
    #[error("The first setting must be dovecot_config_version")]
    ConfigVersionNotFirst,
    #[error("dovecot_config_version value can't be changed once set")]
    ConfigVersionChanged,
    #[error(
        "Could not find a minimum ssl_min_protocol setting from ssl_protocols = {value}: {message}"
    )]
    SslProtocols { value: String, message: String },
    /// Two filters of the same specificity set one setting for the same
    /// connections (doveconf: "Conflict in setting").
    #[error("Conflict in setting {name} found from filter {filter}")]
    FilterConflict { name: String, filter: String },
}
