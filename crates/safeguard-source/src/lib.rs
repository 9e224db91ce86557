//! The source layer owns everything about a file's text before any format is
//! understood: decoding bytes into text (UTF-8 with or without a BOM, UTF-16
//! with a BOM), byte [`Span`]s, the shared [`SourceFile`] handle and the
//! [`LineIndex`] that turns byte offsets into 1-based lines and columns in
//! UTF-8, UTF-16 or Unicode characters. Everything inside safeguard speaks in
//! byte offsets; only the edges (terminal, JSON, SARIF, LSP) convert.

mod decode;
mod file;
mod line_index;
mod span;

pub use decode::{DecodeError, SourceEncoding, decode, decode_owned};
pub use file::{SourceFile, TextLoader};
pub use line_index::{ColumnUnit, LineColumn, LineIndex};
pub use span::Span;
