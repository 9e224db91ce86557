use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::{ColumnUnit, LineColumn, LineIndex, SourceEncoding, Span};

/// Reads a deferred file's text when it is first needed.
pub type TextLoader = Arc<dyn Fn(&Path) -> String + Send + Sync>;

/// A decoded source file: its path and text, shared cheaply between the
/// frontend that parsed it, the findings that point into it and the emitters.
///
/// The line index is built lazily, once, the first time a position is needed,
/// so files without findings never pay for it. A file whose findings came
/// from the result cache may be *deferred*: its line index is known and its
/// text is read only if something asks for it (a snippet), so a cached run
/// need not read every file it reports on.
#[derive(Clone)]
pub struct SourceFile {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    // Owned, not `Arc<str>`: a file read from disk becomes its text
    // without a copy (the handle itself is already shared).
    text: OnceLock<String>,
    encoding: SourceEncoding,
    line_index: OnceLock<LineIndex>,
    /// Set for a deferred file: how to read its text.
    loader: Option<TextLoader>,
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
                text: OnceLock::from(text.into()),
                encoding,
                line_index: OnceLock::new(),
                loader: None,
            }),
        }
    }

    /// A file known by its line index, whose text `loader` reads on first
    /// use.
    #[must_use]
    pub fn deferred(
        path: impl Into<PathBuf>,
        encoding: SourceEncoding,
        line_index: LineIndex,
        loader: TextLoader,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                path: path.into(),
                text: OnceLock::new(),
                encoding,
                line_index: OnceLock::from(line_index),
                loader: Some(loader),
            }),
        }
    }

    /// The same file without its text, when its line index alone places
    /// every position (ASCII text): a report that only needs positions
    /// holds the index, not the file. `loader` reads the text again if
    /// anything asks for it. `None` when the text is not ASCII or is not
    /// held anyway.
    #[must_use]
    pub fn without_text(&self, loader: TextLoader) -> Option<SourceFile> {
        if !self.holds_text() {
            return None;
        }
        let index = self.line_index();
        index.is_ascii().then(|| {
            SourceFile::deferred(
                self.inner.path.clone(),
                self.inner.encoding,
                index.clone(),
                loader,
            )
        })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The text; a deferred file is read here, the first time.
    #[must_use]
    pub fn text(&self) -> &str {
        self.inner.text.get_or_init(|| {
            self.inner
                .loader
                .as_ref()
                .map(|load| load(&self.inner.path))
                .unwrap_or_default()
        })
    }

    /// Whether the text is held (read, or never deferred).
    #[must_use]
    pub fn holds_text(&self) -> bool {
        self.inner.text.get().is_some()
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
            .get_or_init(|| LineIndex::new(self.text()))
    }

    /// The position of a byte offset, reading a deferred file's text only
    /// when its index alone cannot tell (text that is not ASCII).
    #[must_use]
    pub fn line_column(&self, offset: u32, unit: ColumnUnit) -> LineColumn {
        let index = self.line_index();
        index
            .ascii_line_column(offset)
            .unwrap_or_else(|| index.line_column(offset, self.text(), unit))
    }

    /// The text a span covers; empty when the span lies outside the file.
    #[must_use]
    pub fn slice(&self, span: Span) -> &str {
        self.text().get(span.range()).unwrap_or("")
    }

    /// The file buffer's identity: equal for two handles exactly when
    /// [`ptr_eq`](Self::ptr_eq) is true, while both are alive.
    #[must_use]
    pub fn buffer_id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// True when both handles point at the same file buffer.
    #[must_use]
    pub fn ptr_eq(&self, other: &SourceFile) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = match self.inner.text.get() {
            Some(text) => text.len(),
            None => self.line_index().text_len() as usize,
        };
        f.debug_struct("SourceFile")
            .field("path", &self.inner.path)
            .field("len", &len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_deferred_file_places_ascii_positions_and_reads_its_text_once_when_asked() {
        let text = "ab\ncd\n";
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&reads);
        let loader: TextLoader = Arc::new(move |path: &Path| {
            assert_eq!(path, Path::new("x.tf"));
            counter.fetch_add(1, Ordering::Relaxed);
            "ab\ncd\n".to_owned()
        });
        let file = SourceFile::deferred("x.tf", SourceEncoding::Utf8, LineIndex::new(text), loader);
        let eager = SourceFile::new("x.tf", text);
        assert_eq!(
            file.line_column(4, ColumnUnit::Chars),
            eager.line_column(4, ColumnUnit::Chars)
        );
        assert_eq!(reads.load(Ordering::Relaxed), 0);
        assert_eq!(file.slice(Span { start: 3, end: 5 }), "cd");
        assert_eq!(file.text(), text);
        assert_eq!(reads.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_file_without_its_text_places_positions_alike_and_reads_the_text_only_when_asked() {
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&reads);
        let loader: TextLoader = Arc::new(move |_: &Path| {
            counter.fetch_add(1, Ordering::Relaxed);
            "ab\ncd\n".to_owned()
        });
        let file = SourceFile::new("x.tf", "ab\ncd\n");
        let released = file.without_text(Arc::clone(&loader)).expect("ASCII");
        for offset in 0..6 {
            assert_eq!(
                released.line_column(offset, ColumnUnit::Utf16),
                file.line_column(offset, ColumnUnit::Utf16)
            );
        }
        assert_eq!(reads.load(Ordering::Relaxed), 0);
        // Nothing to release in a file whose text was not read again.
        assert!(released.without_text(Arc::clone(&loader)).is_none());
        assert_eq!(released.slice(Span { start: 3, end: 5 }), "cd");
        assert_eq!(reads.load(Ordering::Relaxed), 1);
        // Not ASCII: its columns need the text, which stays.
        assert!(SourceFile::new("y", "é").without_text(loader).is_none());
    }

    #[test]
    fn a_deferred_file_that_is_not_ascii_reads_its_text_for_columns() {
        let text = "é\nx";
        let loader: TextLoader = Arc::new(|_: &Path| "é\nx".to_owned());
        let file = SourceFile::deferred("y", SourceEncoding::Utf8, LineIndex::new(text), loader);
        // After `é` (two bytes): the second character, not the third byte.
        let at = file.line_column(2, ColumnUnit::Chars);
        assert_eq!((at.line, at.column), (1, 2));
        let at = file.line_column(3, ColumnUnit::Chars);
        assert_eq!((at.line, at.column), (2, 1));
    }
}
