use std::path::PathBuf;

use safeguard_source::{SourceFile, Span};

use crate::{Format, Object};

/// The unit a frontend hands to the engine: all the objects that can relate
/// to each other (a Terraform module directory, one tenant export, one mail
/// server's configuration tree), the files they came from, and the errors met
/// while reading them.
#[derive(Debug, Clone)]
pub struct Document {
    pub format: Format,
    /// A stable name for the document itself, used as the address of findings
    /// about the document as a whole (for Terraform, the module directory).
    pub address: String,
    pub files: Vec<SourceFile>,
    pub objects: Vec<Object>,
    pub errors: Vec<InputError>,
    /// Things worth knowing that are not errors and do not change the exit
    /// code (a remote Terraform module that was not read).
    pub notes: Vec<InputError>,
    /// Other directories this document read as part of itself (Terraform
    /// local modules), so they are not judged again as documents of their own.
    pub included_dirs: Vec<PathBuf>,
}

impl Document {
    #[must_use]
    pub fn new(format: Format, address: impl Into<String>) -> Self {
        Self {
            format,
            address: address.into(),
            files: Vec::new(),
            objects: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            included_dirs: Vec::new(),
        }
    }

    /// Adds a file and returns its index for [`Object::file`].
    pub fn add_file(&mut self, file: SourceFile) -> usize {
        self.files.push(file);
        self.files.len() - 1
    }
}

/// A file safeguard could not read or parse (fully). The scan goes on; the
/// run's exit code says an error happened.
#[derive(Debug, Clone)]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
    pub location: InputErrorLocation,
}

/// Where an input error is. Decoding errors happen before there is text to
/// span, so they carry a precomputed position instead.
#[derive(Debug, Clone)]
pub enum InputErrorLocation {
    None,
    Span { file: SourceFile, span: Span },
    Position { line: u32, column: u32 },
}

impl InputError {
    #[must_use]
    pub fn new(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        location: InputErrorLocation,
    ) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            location,
        }
    }

    #[must_use]
    pub fn at_span(file: &SourceFile, span: Span, message: impl Into<String>) -> Self {
        Self::new(
            file.path(),
            message,
            InputErrorLocation::Span {
                file: file.clone(),
                span,
            },
        )
    }
}
