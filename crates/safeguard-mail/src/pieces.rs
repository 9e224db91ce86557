//! The way back from a logical line to its source. Postfix and Dovecot both
//! join a value continued over several physical lines (Postfix by
//! indentation, Dovecot by a trailing `\`) into one text; a `PieceMap`
//! records which stretches of that text were copied from where, so any byte
//! range of the joined text maps to the span it came from. Text the join
//! adds (a joining space) belongs to no source.

use std::ops::Range;

use safeguard_source::Span;

#[derive(Debug, Clone, Default)]
pub(crate) struct PieceMap {
    pieces: Vec<Piece>,
}

/// A stretch of the joined text copied unchanged from the source.
#[derive(Debug, Clone, Copy)]
struct Piece {
    text_start: usize,
    source_start: usize,
    len: usize,
}

impl PieceMap {
    /// Records that joined text at `text_start` holds `len` bytes copied from
    /// the source at `source_start`.
    pub(crate) fn record(&mut self, text_start: usize, source_start: usize, len: usize) {
        self.pieces.push(Piece {
            text_start,
            source_start,
            len,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The source span of a byte range of the joined text. A range starting
    /// in a joining space starts at the next piece; one ending there ends
    /// with the previous piece.
    pub(crate) fn span(&self, range: Range<usize>) -> Span {
        let start = self.source_start_of(range.start);
        if range.end <= range.start {
            return Span::from_range(start..start);
        }
        let end = self.source_end_of(range.end).max(start);
        Span::from_range(start..end)
    }

    fn source_start_of(&self, offset: usize) -> usize {
        for piece in &self.pieces {
            if offset < piece.text_start + piece.len {
                return piece.source_start + offset.saturating_sub(piece.text_start);
            }
        }
        self.pieces
            .last()
            .map_or(0, |piece| piece.source_start + piece.len)
    }

    fn source_end_of(&self, offset: usize) -> usize {
        let last = offset.saturating_sub(1);
        let mut previous_end = None;
        for piece in &self.pieces {
            if last < piece.text_start {
                break;
            }
            if last < piece.text_start + piece.len {
                return piece.source_start + (last - piece.text_start) + 1;
            }
            previous_end = Some(piece.source_start + piece.len);
        }
        previous_end.unwrap_or(0)
    }
}
