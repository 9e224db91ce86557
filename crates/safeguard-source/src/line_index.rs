/// The unit a column is counted in.
///
/// Terminal and JSON output count Unicode characters; LSP clients count
/// UTF-16 code units unless they negotiate UTF-8 (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Chars,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    pub line: u32,
    pub column: u32,
}

/// Maps byte offsets to lines and columns and back.
///
/// Holds the byte offset of every line start; a lookup is a binary search plus
/// a scan of one line, so it stays cheap on huge files. Only `\n` ends a line:
/// in CRLF text the `\r` is the last character of its line, as editors and the
/// LSP specification see it.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    ascii: bool,
    /// The text's length in bytes, so positions in ASCII text need no text.
    len: u32,
}

impl LineIndex {
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        Self {
            line_starts,
            ascii: text.is_ascii(),
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    /// An index stored earlier (by the result cache) for a text not read
    /// now. `None` unless the parts could have come from [`LineIndex::new`].
    #[must_use]
    pub fn from_parts(line_starts: Vec<u32>, ascii: bool, len: u32) -> Option<Self> {
        let valid = line_starts.first() == Some(&0)
            && line_starts.windows(2).all(|pair| pair[0] < pair[1])
            && line_starts.last().is_some_and(|&last| last <= len);
        valid.then_some(Self {
            line_starts,
            ascii,
            len,
        })
    }

    /// The byte offset of every line's start, the first being 0.
    #[must_use]
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// Whether the text is ASCII, where every column unit counts bytes.
    #[must_use]
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// The text's length in bytes.
    #[must_use]
    pub fn text_len(&self) -> u32 {
        self.len
    }

    /// The position of `offset` when it can be known without the text:
    /// in ASCII text a column is a byte count. `None` otherwise.
    #[must_use]
    pub fn ascii_line_column(&self, offset: u32) -> Option<LineColumn> {
        if !self.ascii {
            return None;
        }
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let column = offset - self.line_starts[line];
        Some(LineColumn {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: column.saturating_add(1),
        })
    }

    #[must_use]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line containing `offset`.
    fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The position of `offset` in `text` (the text this index was built from).
    ///
    /// Offsets past the end clamp to the end; an offset inside a multi-byte
    /// character counts as that character's start.
    #[must_use]
    pub fn line_column(&self, offset: u32, text: &str, unit: ColumnUnit) -> LineColumn {
        if let Some(position) = self.ascii_line_column(offset) {
            return position;
        }
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line = self.line_of(offset);
        let line_start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[line_start..end];
        let column = if unit == ColumnUnit::Utf8 {
            before.len()
        } else if unit == ColumnUnit::Utf16 {
            before.chars().map(char::len_utf16).sum()
        } else {
            before.chars().count()
        };
        LineColumn {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a 1-based line and column, the inverse of
    /// [`LineIndex::line_column`]. A column past the end of its line clamps to
    /// the line end; a line past the end clamps to the end of the text.
    #[must_use]
    pub fn offset(&self, position: LineColumn, text: &str, unit: ColumnUnit) -> u32 {
        let line = position.line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(line) else {
            return u32::try_from(text.len()).unwrap_or(u32::MAX);
        };
        let line_end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next as usize - 1);
        let line_text = &text[start as usize..line_end];
        let wanted = position.column.saturating_sub(1) as usize;
        let mut counted = 0;
        for (byte, c) in line_text.char_indices() {
            if counted >= wanted {
                return start + u32::try_from(byte).unwrap_or(u32::MAX);
            }
            counted += match unit {
                ColumnUnit::Utf8 => c.len_utf8(),
                ColumnUnit::Utf16 => c.len_utf16(),
                ColumnUnit::Chars => 1,
            };
        }
        start + u32::try_from(line_text.len()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize, unit: ColumnUnit) -> (u32, u32) {
        let lc = LineIndex::new(text).line_column(offset as u32, text, unit);
        (lc.line, lc.column)
    }

    #[test]
    fn ascii_positions_need_no_text_and_agree_with_the_text() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        for offset in [0, 2, 3, 5, 6, 99] {
            for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Chars] {
                assert_eq!(
                    index.ascii_line_column(offset),
                    Some(index.line_column(offset, text, unit))
                );
            }
        }
        assert_eq!(LineIndex::new("é").ascii_line_column(0), None);
        let parts = LineIndex::from_parts(index.line_starts().to_vec(), true, 6).unwrap();
        assert_eq!(parts.ascii_line_column(4), index.ascii_line_column(4));
        assert!(LineIndex::from_parts(vec![1, 2], true, 6).is_none());
        assert!(LineIndex::from_parts(vec![0, 3, 3], true, 6).is_none());
        assert!(LineIndex::from_parts(vec![0, 7], true, 6).is_none());
    }

    #[test]
    fn ascii_lines_and_columns() {
        let text = "ab\ncd\n";
        assert_eq!(at(text, 0, ColumnUnit::Chars), (1, 1));
        assert_eq!(at(text, 2, ColumnUnit::Chars), (1, 3));
        assert_eq!(at(text, 3, ColumnUnit::Chars), (2, 1));
        assert_eq!(at(text, 6, ColumnUnit::Chars), (3, 1));
        assert_eq!(at(text, 99, ColumnUnit::Chars), (3, 1));
    }

    #[test]
    fn columns_in_each_unit_after_non_ascii() {
        // é is 2 bytes / 1 UTF-16 unit; 中 is 3 bytes / 1 unit; 😀 is 4 bytes / 2 units.
        let text = "x\né中😀z";
        let z = text.find('z').unwrap();
        assert_eq!(at(text, z, ColumnUnit::Utf8), (2, 10));
        assert_eq!(at(text, z, ColumnUnit::Utf16), (2, 5));
        assert_eq!(at(text, z, ColumnUnit::Chars), (2, 4));
    }

    #[test]
    fn crlf_keeps_carriage_return_on_its_line() {
        let text = "a\r\nb";
        assert_eq!(at(text, 1, ColumnUnit::Chars), (1, 2));
        assert_eq!(at(text, 3, ColumnUnit::Chars), (2, 1));
    }

    #[test]
    fn offset_inside_a_character_snaps_to_its_start() {
        let text = "é";
        assert_eq!(at(text, 1, ColumnUnit::Chars), (1, 1));
    }

    #[test]
    fn offset_round_trips_in_every_unit() {
        let text = "résumé = \"日本\"\r\n😀x = 1\n";
        let index = LineIndex::new(text);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Chars] {
            for (offset, _) in text.char_indices() {
                let lc = index.line_column(offset as u32, text, unit);
                assert_eq!(
                    index.offset(lc, text, unit),
                    offset as u32,
                    "{unit:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn offset_clamps_past_line_end() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(
            index.offset(
                LineColumn {
                    line: 1,
                    column: 40
                },
                text,
                ColumnUnit::Chars
            ),
            2
        );
        assert_eq!(
            index.offset(LineColumn { line: 9, column: 1 }, text, ColumnUnit::Chars),
            5
        );
    }
}
