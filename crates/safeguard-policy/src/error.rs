use std::fmt;
use std::path::{Path, PathBuf};

use safeguard_source::{ColumnUnit, SourceFile, Span};
use thiserror::Error;

/// A mistake in a policy file (or a policy folder that cannot be read),
/// located where it is written, with a hint how to fix it where one helps.
#[derive(Debug, Clone, Error)]
pub struct PolicyError {
    pub path: PathBuf,
    /// The policy file's text and the span of the mistake, when there is one.
    pub location: Option<(SourceFile, Span)>,
    pub message: String,
    pub hint: Option<String>,
}

impl PolicyError {
    #[must_use]
    pub fn at(file: &SourceFile, span: Span, message: impl Into<String>) -> Self {
        Self {
            path: file.path().to_path_buf(),
            location: Some((file.clone(), span)),
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn without_location(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            location: None,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The 1-based line and character column of the mistake.
    #[must_use]
    pub fn line_column(&self) -> Option<(u32, u32)> {
        self.location.as_ref().map(|(file, span)| {
            let lc = file
                .line_index()
                .line_column(span.start, file.text(), ColumnUnit::Chars);
            (lc.line, lc.column)
        })
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_column() {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            )?,
            None => write!(f, "{}: {}", self.path.display(), self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}
