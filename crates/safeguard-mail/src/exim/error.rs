//! What can go wrong while reading an Exim configuration. Each error is
//! located in one of the files read; where Exim itself stops with a message
//! for the same problem, the wording follows Exim's.

use crate::dovecot::Loc;

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct EximError {
    pub at: Loc,
    pub kind: EximErrorKind,
}

impl EximError {
    pub(crate) fn new(at: Loc, kind: EximErrorKind) -> Self {
        Self { at, kind }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EximErrorKind {
    #[error("malformed macro definition `{line}`")]
    MalformedMacro { line: String },
    #[error("macro `{name}` is already defined (use \"==\" if you want to redefine it)")]
    MacroAlreadyDefined { name: String },
    #[error("can't redefine an undefined macro `{name}`")]
    MacroNotDefined { name: String },
    #[error(
        "`{name}` cannot be defined as a macro because previously defined macro `{previous}` is a substring"
    )]
    MacroSubstring { name: String, previous: String },
    #[error("more than {limit} macros; later definitions are not read")]
    TooManyMacros { limit: usize },
    #[error(".{directive} without matching .ifdef")]
    UnmatchedConditional { directive: String },
    #[error(".{directive} nested too deeply (Exim allows {limit} levels)")]
    ConditionalTooDeep { directive: String, limit: usize },
    #[error("unexpected end of configuration file: .endif missing")]
    EndifMissing,
    #[error("failed to open included configuration file {path}")]
    IncludeMissing { path: String },
    #[error(".include {path}: {message}")]
    IncludeFailed { path: String, message: String },
    #[error(".include specifies a non-absolute path `{path}`")]
    IncludeIfExistsRelative { path: String },
    #[error(".include {path} was not read: no include loader")]
    IncludeNotRead { path: String },
    #[error(".include {path} is already being read (an include loop); not read again")]
    IncludeLoop { path: String },
    #[error("includes nested more than {limit} deep; {path} is not read")]
    IncludeTooDeep { path: String, limit: usize },
    #[error("a logical line longer than {limit} bytes; the rest of the file is not read")]
    LineTooLong { limit: usize },
    #[error("`{name}` option set for the second time")]
    OptionSetTwice { name: String },
    #[error(
        "`{name}` option is not an option name (expected lower-case letters, digits and underscores)"
    )]
    BadOptionName { name: String },
    #[error("unknown configuration section `begin {name}`")]
    UnknownSection { name: String },
    #[error("`begin {name}` appears twice")]
    SectionTwice { name: String },
    #[error("there are two {class}s called `{name}`")]
    DuplicateDriver { class: &'static str, name: String },
    #[error("{class} name missing")]
    DriverNameMissing { class: &'static str },
    #[error("extra characters after driver name {name}: `{extra}`")]
    ExtraAfterDriverName { name: String, extra: String },
    #[error("option `{name}` unknown (\"driver\" must be specified before any private options)")]
    DriverNotFirst { name: String },
    #[error("no `driver` option in {class} `{name}`")]
    DriverMissing { class: &'static str, name: String },
    #[error("unknown ACL verb or malformed line `{line}`")]
    OutsideAcl { line: String },
}
