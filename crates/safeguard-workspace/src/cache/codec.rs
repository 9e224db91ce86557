//! The bytes of a cache entry: little-endian integers and length-prefixed
//! strings, written by [`Writer`] and read back by [`Reader`], whose every
//! read is bounds-checked and returns `None` on truncated or malformed
//! input (a bad entry is a miss, never a panic). [`Fingerprint`] is the
//! same framing fed to SHA-256, for the content hashes the entries hold.

use std::path::{Path, PathBuf};

use safeguard_model::{InputError, InputErrorLocation};
use safeguard_source::{SourceEncoding, SourceFile, Span};
use sha2::{Digest as _, Sha256};

pub(crate) type Hash = [u8; 32];

#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A length; `None` when it does not fit the format (the entry is then
    /// not written).
    pub(crate) fn len(&mut self, len: usize) -> Option<()> {
        self.u32(u32::try_from(len).ok()?);
        Some(())
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Option<()> {
        self.len(bytes.len())?;
        self.bytes.extend_from_slice(bytes);
        Some(())
    }

    pub(crate) fn str(&mut self, text: &str) -> Option<()> {
        self.bytes(text.as_bytes())
    }

    /// Paths that are not UTF-8 are not cached (the unit is computed anew).
    pub(crate) fn path(&mut self, path: &Path) -> Option<()> {
        self.str(path.to_str()?)
    }

    pub(crate) fn hash(&mut self, hash: &Hash) {
        self.bytes.extend_from_slice(hash);
    }

    pub(crate) fn span(&mut self, span: Span) {
        self.u32(span.start);
        self.u32(span.end);
    }

    /// An unsigned LEB128 integer: line starts, stored as deltas, are
    /// mostly one byte each.
    pub(crate) fn varint(&mut self, mut value: u32) {
        while value >= 0x80 {
            // Truncation intended: the low seven bits, with the high bit set.
            self.bytes.push((value & 0x7f) as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    /// A line index: the text's length, whether it is ASCII, and its line
    /// starts as deltas.
    pub(crate) fn line_index(&mut self, index: &safeguard_source::LineIndex) -> Option<()> {
        self.u32(index.text_len());
        self.bool(index.is_ascii());
        let starts = index.line_starts();
        self.len(starts.len())?;
        let mut previous = 0;
        for &start in starts {
            self.varint(start - previous);
            previous = start;
        }
        Some(())
    }

    pub(crate) fn opt_str(&mut self, text: Option<&str>) -> Option<()> {
        match text {
            None => self.u8(0),
            Some(text) => {
                self.u8(1);
                self.str(text)?;
            }
        }
        Some(())
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    /// 0 or 1; anything else is malformed.
    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A count of items that follow; bounded by the bytes left, so a forged
    /// count cannot make the reader reserve memory it will never fill.
    pub(crate) fn len(&mut self) -> Option<usize> {
        let len = usize::try_from(self.u32()?).ok()?;
        (len <= self.bytes.len()).then_some(len)
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.len()?;
        self.take(len)
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    pub(crate) fn path(&mut self) -> Option<PathBuf> {
        self.str().map(PathBuf::from)
    }

    pub(crate) fn hash(&mut self) -> Option<Hash> {
        self.take(32)?.try_into().ok()
    }

    pub(crate) fn span(&mut self) -> Option<Span> {
        let (start, end) = (self.u32()?, self.u32()?);
        (start <= end).then_some(Span { start, end })
    }

    pub(crate) fn varint(&mut self) -> Option<u32> {
        let mut value: u32 = 0;
        for shift in [0, 7, 14, 21, 28] {
            let byte = self.u8()?;
            value |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                // A fifth byte may carry only the top four bits.
                return (shift < 28 || byte <= 0x0f).then_some(value);
            }
        }
        None
    }

    pub(crate) fn line_index(&mut self) -> Option<safeguard_source::LineIndex> {
        let len = self.u32()?;
        let ascii = self.bool()?;
        let count = self.len()?;
        let mut starts = Vec::with_capacity(count);
        let mut previous: u32 = 0;
        for _ in 0..count {
            previous = previous.checked_add(self.varint()?)?;
            starts.push(previous);
        }
        safeguard_source::LineIndex::from_parts(starts, ascii, len)
    }

    pub(crate) fn opt_string(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.string()?)),
            _ => None,
        }
    }
}

pub(crate) fn encoding_tag(encoding: SourceEncoding) -> u8 {
    match encoding {
        SourceEncoding::Utf8 => 0,
        SourceEncoding::Utf8Bom => 1,
        SourceEncoding::Utf16Le => 2,
        SourceEncoding::Utf16Be => 3,
    }
}

pub(crate) fn encoding_from_tag(tag: u8) -> Option<SourceEncoding> {
    Some(match tag {
        0 => SourceEncoding::Utf8,
        1 => SourceEncoding::Utf8Bom,
        2 => SourceEncoding::Utf16Le,
        3 => SourceEncoding::Utf16Be,
        _ => return None,
    })
}

/// SHA-256 over length-prefixed fields, so two different sequences of
/// fields never hash alike by running into each other.
pub(crate) struct Fingerprint(Sha256);

impl Fingerprint {
    pub(crate) fn new(domain: &str) -> Self {
        let mut fingerprint = Self(Sha256::new());
        fingerprint.str(domain);
        fingerprint
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub(crate) fn str(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    pub(crate) fn path(&mut self, path: &Path) -> &mut Self {
        self.bytes(path.as_os_str().as_encoded_bytes())
    }

    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.0.update(value.to_le_bytes());
        self
    }

    pub(crate) fn source(&mut self, file: &SourceFile) -> &mut Self {
        self.path(file.path())
            .u64(u64::from(encoding_tag(file.encoding())))
            .str(file.text())
    }

    pub(crate) fn input_error(&mut self, error: &InputError) -> &mut Self {
        self.path(&error.path).str(&error.message);
        match &error.location {
            InputErrorLocation::None => self.u64(0),
            InputErrorLocation::Span { file, span } => self
                .u64(1)
                .path(file.path())
                .u64(u64::from(span.start))
                .u64(u64::from(span.end)),
            InputErrorLocation::Position { line, column } => {
                self.u64(2).u64(u64::from(*line)).u64(u64::from(*column))
            }
        }
    }

    pub(crate) fn finish(&mut self) -> Hash {
        self.0.finalize_reset().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_refuses_truncation() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(70_000);
        w.u64(u64::MAX);
        w.str("héllo").unwrap();
        w.opt_str(None).unwrap();
        w.opt_str(Some("x")).unwrap();
        w.span(Span { start: 3, end: 9 });
        let mut r = Reader::new(&w.bytes);
        assert_eq!(r.u8(), Some(7));
        assert_eq!(r.u32(), Some(70_000));
        assert_eq!(r.u64(), Some(u64::MAX));
        assert_eq!(r.str(), Some("héllo"));
        assert_eq!(r.opt_string(), Some(None));
        assert_eq!(r.opt_string(), Some(Some("x".to_owned())));
        assert_eq!(r.span(), Some(Span { start: 3, end: 9 }));
        assert!(r.is_empty());
        for cut in 0..w.bytes.len() {
            let mut r = Reader::new(&w.bytes[..cut]);
            let all = (|| {
                r.u8()?;
                r.u32()?;
                r.u64()?;
                r.str()?;
                r.opt_string()?;
                r.opt_string()?;
                r.span()
            })();
            assert!(all.is_none(), "a read past {cut} bytes succeeded");
        }
    }

    #[test]
    fn varints_and_line_indexes_read_back_and_refuse_nonsense() {
        let mut w = Writer::default();
        for value in [0, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            w.varint(value);
        }
        let text = "a\n\nbé\nlast";
        let index = safeguard_source::LineIndex::new(text);
        w.line_index(&index).unwrap();
        let mut r = Reader::new(&w.bytes);
        for value in [0, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            assert_eq!(r.varint(), Some(value));
        }
        let back = r.line_index().unwrap();
        assert!(r.is_empty());
        assert_eq!(back.line_starts(), index.line_starts());
        assert_eq!((back.is_ascii(), back.text_len()), (false, 11));
        // A sixth continuation byte, and a fifth carrying too many bits.
        assert_eq!(Reader::new(&[0xff; 6]).varint(), None);
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f]).varint(), None);
        // Line starts that do not grow, or pass the text's end.
        let mut w = Writer::default();
        w.u32(3);
        w.u8(1);
        w.len(3).unwrap();
        for delta in [0, 2, 0] {
            w.varint(delta);
        }
        assert!(Reader::new(&w.bytes).line_index().is_none());
        let mut w = Writer::default();
        w.u32(3);
        w.u8(1);
        w.len(2).unwrap();
        for delta in [0, 9] {
            w.varint(delta);
        }
        assert!(Reader::new(&w.bytes).line_index().is_none());
    }

    #[test]
    fn a_forged_length_is_refused_without_allocating() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
        assert_eq!(r.len(), None);
    }

    #[test]
    fn fingerprints_separate_fields() {
        let ab = Fingerprint::new("t").str("ab").str("c").finish();
        let a = Fingerprint::new("t").str("a").str("bc").finish();
        assert_ne!(ab, a);
    }
}
