//! The configuration tree as Dovecot holds it after reading: settings per
//! filter (the global scope is the filter without conditions), plain
//! sections (`service`, `namespace`, `passdb`, `plugin`, ...) nested under
//! them, and for every value where it was written.

use safeguard_source::SourceFile;

use crate::dovecot::error::{DovecotError, Loc};
use crate::dovecot::version::DovecotVersion;

/// How a value was written, which decides how Dovecot treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueForm {
    /// `key = value`.
    Plain,
    /// `key = "value"` or `'value'`: quotes stripped, never expanded.
    Quoted,
    /// `key = <path`: the contents of a file, read when Dovecot starts.
    File,
    /// An unquoted value with `$`: `$key` naming the setting itself is
    /// expanded (as doveconf does); other references stay as text.
    Variable,
}

/// One `key = value` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    /// The value as doveconf keeps it: quotes stripped, `$name` of the
    /// setting itself expanded, and `<path` for [`ValueForm::File`].
    pub value: String,
    pub form: ValueForm,
    pub name_at: Loc,
    pub value_at: Loc,
}

impl Setting {
    /// The path of a `<file` value.
    #[must_use]
    pub fn file_path(&self) -> Option<&str> {
        match self.form {
            ValueForm::File => self.value.strip_prefix('<'),
            _ => None,
        }
    }
}

/// Definitions in source order; the last one of a name is in effect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub definitions: Vec<Setting>,
}

impl Settings {
    /// The definition in effect for `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.definitions.iter().rev().find(|s| s.name == name)
    }

    /// The definitions in effect, one per name, in the source order of the
    /// winning definitions.
    #[must_use]
    pub fn effective(&self) -> Vec<&Setting> {
        let mut seen = std::collections::HashSet::new();
        let mut winners: Vec<&Setting> = self
            .definitions
            .iter()
            .rev()
            .filter(|s| seen.insert(s.name.as_str()))
            .collect();
        winners.reverse();
        winners
    }

    pub(crate) fn push(&mut self, setting: Setting) {
        self.definitions.push(setting);
    }
}

/// How Dovecot files the sections of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionList {
    /// Sections with the same name are one (`service`, `namespace`,
    /// `mailbox`, listeners, ...); doveconf -n prints what is set in them.
    Unique,
    /// Every section is a new entry (`passdb`, `userdb`); doveconf -n
    /// prints what differs from the defaults.
    Repeated,
    /// Free-form `key = value` lists (`plugin`, `dict`), printed as set.
    Strings,
}

impl SectionList {
    #[must_use]
    pub fn of(kind: &str) -> Self {
        match kind {
            "passdb" | "userdb" => SectionList::Repeated,
            "plugin" | "dict" => SectionList::Strings,
            _ => SectionList::Unique,
        }
    }
}

/// A plain (non-filter) section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: String,
    /// Empty for an unnamed section.
    pub name: String,
    /// The first `kind [name] {` line of this section.
    pub header_at: Loc,
    pub settings: Settings,
    pub sections: Vec<Section>,
}

impl Section {
    /// The child section of this kind and name.
    #[must_use]
    pub fn section(&self, kind: &str, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.kind == kind && s.name == name)
    }
}

/// What a filter matches: `protocol NAME`, `local ADDR`, `local_name
/// NAME`, `remote ADDR`, nested. All `None`: the global scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSpec {
    /// A protocol name, or `!name` for every protocol but that one.
    pub protocol: Option<String>,
    pub local: Option<String>,
    pub local_name: Option<String>,
    pub remote: Option<String>,
}

impl FilterSpec {
    #[must_use]
    pub fn is_global(&self) -> bool {
        *self == FilterSpec::default()
    }

    /// Conditions on the connection (local or remote address, server
    /// name), known only when a client connects.
    #[must_use]
    pub fn is_conditional(&self) -> bool {
        self.local.is_some() || self.local_name.is_some() || self.remote.is_some()
    }

    /// Whether the filter applies to a protocol (ignoring connection
    /// conditions).
    #[must_use]
    pub fn matches_protocol(&self, protocol: &str) -> bool {
        match self.protocol.as_deref() {
            None => true,
            Some(spec) => match spec.strip_prefix('!') {
                Some(excluded) => excluded != protocol,
                None => spec == protocol,
            },
        }
    }

    /// The filter as one line: `remote 10.0.0.0/8 protocol imap`.
    #[must_use]
    pub fn describe(&self) -> String {
        let parts = [
            ("local", &self.local),
            ("local_name", &self.local_name),
            ("remote", &self.remote),
            ("protocol", &self.protocol),
        ];
        let mut out = Vec::new();
        for (word, value) in parts {
            if let Some(value) = value {
                out.push(format!("{word} {value}"));
            }
        }
        if out.is_empty() {
            "global".to_owned()
        } else {
            out.join(" ")
        }
    }
}

/// The settings and sections of one filter. Blocks of the same filter are
/// merged, as Dovecot merges them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub spec: FilterSpec,
    /// The first block opening this filter (start of the main file for the
    /// global scope).
    pub header_at: Loc,
    pub settings: Settings,
    pub sections: Vec<Section>,
}

impl Filter {
    /// The top-level section of this kind and name.
    #[must_use]
    pub fn section(&self, kind: &str, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.kind == kind && s.name == name)
    }
}

/// A Dovecot configuration tree, read.
#[derive(Debug, Clone)]
pub struct DovecotConfig {
    /// The main file first, then every included file once, in the order
    /// first read.
    pub files: Vec<SourceFile>,
    /// For each file, the `!include` line that first read it (`None` for
    /// the main file).
    pub included_at: Vec<Option<Loc>>,
    /// `filters[0]` is the global scope; the others in the order first
    /// opened.
    pub filters: Vec<Filter>,
    pub version: DovecotVersion,
    /// True when no `dovecot_config_version` said which version this is.
    pub version_assumed: bool,
    pub errors: Vec<DovecotError>,
}

impl DovecotConfig {
    /// The global scope.
    #[must_use]
    pub fn global(&self) -> Option<&Filter> {
        self.filters.first()
    }

    /// The `!include` line in the main file through which `file` was read
    /// (following nested includes back), `None` for the main file itself.
    #[must_use]
    pub fn include_chain_root(&self, file: usize) -> Option<Loc> {
        let mut current = self.included_at.get(file).copied().flatten()?;
        // Each step moves to an earlier file, so this ends; the bound is
        // for safety only.
        for _ in 0..self.files.len() {
            match self.included_at.get(current.file).copied().flatten() {
                Some(parent) => current = parent,
                None => break,
            }
        }
        Some(current)
    }

    /// The global definition in effect for `name`.
    #[must_use]
    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.global().and_then(|g| g.settings.get(name))
    }
}
