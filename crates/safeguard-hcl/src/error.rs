//! Parse errors: where the text stopped making sense, and what was expected.

/// The first syntax error in a text. Parsing stops there: HCL has no
/// reliable resynchronisation point, and a half-read body would give
/// findings on a guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    offset: usize,
    message: String,
}

impl Error {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        Error {
            offset,
            message: message.into(),
        }
    }

    /// Byte offset of the error in the parsed text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong, in the form "invalid <construct>; expected <tokens>".
    pub fn message(&self) -> &str {
        &self.message
    }
}
