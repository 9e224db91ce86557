use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::{LineIndex, SourceEncoding, Span};

/// A decoded source file: its path and text, shared cheaply between the
/// frontend that parsed it, the findings that point into it and the emitters.
///
/// The line index is built lazily, once, the first time a position is needed,
/// so files without findings never pay for it.
#[derive(Clone)]
pub struct SourceFile {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    // Owned, not `Arc<str>`: a file read from disk becomes its text
    // without a copy (the handle itself is already shared).
    text: String,
    encoding: SourceEncoding,
    line_index: OnceLock<LineIndex>,
}

impl SourceFile {
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self::with_encoding(path, text, SourceEncoding::Utf8)
    }

    #[must_use]
    pub fn with_encoding(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        encoding: SourceEncoding,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                path: path.into(),
                text: text.into(),
                encoding,
                line_index: OnceLock::new(),
            }),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The encoding the bytes on disk were decoded from.
    #[must_use]
    pub fn encoding(&self) -> SourceEncoding {
        self.inner.encoding
    }

    #[must_use]
    pub fn line_index(&self) -> &LineIndex {
        self.inner
            .line_index
            .get_or_init(|| LineIndex::new(&self.inner.text))
    }

    /// The text a span covers; empty when the span lies outside the file.
    #[must_use]
    pub fn slice(&self, span: Span) -> &str {
        self.text().get(span.range()).unwrap_or("")
    }

    /// True when both handles point at the same file buffer.
    #[must_use]
    pub fn ptr_eq(&self, other: &SourceFile) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.inner.path)
            .field("len", &self.inner.text.len())
            .finish_non_exhaustive()
    }
}
