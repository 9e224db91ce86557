use thiserror::Error;

/// What the bytes on disk were, before they became UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// Why a file's bytes are not text safeguard can read.
///
/// Offsets are byte offsets into the file as it is on disk, so a user can
/// find the bad byte with a hex editor; `line` and `column` (1-based, column in
/// characters) locate it for humans.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("invalid UTF-8 at byte offset {offset}")]
    InvalidUtf8 {
        offset: usize,
        line: u32,
        column: u32,
    },
    #[error("file looks binary (NUL byte at byte offset {offset})")]
    Binary {
        offset: usize,
        line: u32,
        column: u32,
    },
    #[error("invalid UTF-16 at byte offset {offset}: {detail}")]
    InvalidUtf16 { offset: usize, detail: &'static str },
}

impl DecodeError {
    /// The 1-based line and character column of the offending byte, where known.
    #[must_use]
    pub fn position(&self) -> Option<(u32, u32)> {
        match *self {
            DecodeError::InvalidUtf8 { line, column, .. }
            | DecodeError::Binary { line, column, .. } => Some((line, column)),
            DecodeError::InvalidUtf16 { .. } => None,
        }
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Decodes a file's bytes into text.
///
/// Accepts UTF-8 (a leading BOM is dropped), and UTF-16LE/BE when the file
/// starts with the matching BOM, as Windows tools (Microsoft365DSC exports,
/// editors saving "Unicode") write them. CRLF line endings are kept as they
/// are; the [`crate::LineIndex`] understands them. A NUL byte in UTF-8 input
/// marks the file as binary.
///
/// # Errors
/// [`DecodeError`] when the bytes are not valid text in the detected encoding.
pub fn decode(bytes: &[u8]) -> Result<(String, SourceEncoding), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return decode_utf8(rest, UTF8_BOM.len()).map(|s| (s, SourceEncoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes).map(|s| (s, SourceEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes).map(|s| (s, SourceEncoding::Utf16Be));
    }
    decode_utf8(bytes, 0).map(|s| (s, SourceEncoding::Utf8))
}

/// [`decode`] for bytes the caller owns: plain UTF-8 (the common case, and
/// large exports) becomes the text without a copy.
///
/// # Errors
/// As [`decode`].
pub fn decode_owned(bytes: Vec<u8>) -> Result<(String, SourceEncoding), DecodeError> {
    if bytes.starts_with(UTF8_BOM)
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
    {
        return decode(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok((text, SourceEncoding::Utf8)),
        // Invalid or binary: the borrowed path locates the problem.
        Ok(text) => decode(text.as_bytes()),
        Err(err) => decode(err.as_bytes()),
    }
}

fn decode_utf8(bytes: &[u8], skipped: usize) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            if let Some(nul) = text.find('\0') {
                let (line, column) = position_in_valid(&text[..nul]);
                return Err(DecodeError::Binary {
                    offset: nul + skipped,
                    line,
                    column,
                });
            }
            Ok(text.to_owned())
        }
        Err(err) => {
            let valid_up_to = err.valid_up_to();
            // The prefix before the error is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
            let (line, column) = position_in_valid(prefix);
            // A NUL before the invalid byte means binary, which says more.
            if let Some(nul) = prefix.find('\0') {
                let (line, column) = position_in_valid(&prefix[..nul]);
                return Err(DecodeError::Binary {
                    offset: nul + skipped,
                    line,
                    column,
                });
            }
            Err(DecodeError::InvalidUtf8 {
                offset: valid_up_to + skipped,
                line,
                column,
            })
        }
    }
}

/// Line and character column of the position right after `prefix`.
fn position_in_valid(prefix: &str) -> (u32, u32) {
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let line = prefix.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = prefix[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    const BOM_LEN: usize = 2;
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::InvalidUtf16 {
            offset: BOM_LEN + bytes.len() - 1,
            detail: "odd number of bytes",
        });
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for (index, decoded) in char::decode_utf16(units).enumerate() {
        match decoded {
            Ok('\0') => {
                return Err(DecodeError::InvalidUtf16 {
                    offset: BOM_LEN + index * 2,
                    detail: "NUL character",
                });
            }
            Ok(c) => text.push(c),
            Err(_) => {
                // `enumerate` counts decoded items, not units; recompute the
                // unit offset from what has been decoded so far.
                let units_before: usize = text.chars().map(char::len_utf16).sum();
                return Err(DecodeError::InvalidUtf16 {
                    offset: BOM_LEN + units_before * 2,
                    detail: "unpaired surrogate",
                });
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn owned_bytes_decode_like_borrowed_ones() {
        for bytes in [
            b"plain".to_vec(),
            b"\xEF\xBB\xBFbom".to_vec(),
            vec![0xFF, 0xFE, b'a', 0],
            b"bad \xFF".to_vec(),
            b"nul \0".to_vec(),
        ] {
            assert_eq!(
                format!("{:?}", decode_owned(bytes.clone())),
                format!("{:?}", decode(&bytes))
            );
        }
    }

    #[test]
    fn plain_utf8() {
        assert_eq!(
            decode(b"a = 1\n").unwrap(),
            ("a = 1\n".to_owned(), SourceEncoding::Utf8)
        );
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let (text, enc) = decode(b"\xEF\xBB\xBFa = 1").unwrap();
        assert_eq!(text, "a = 1");
        assert_eq!(enc, SourceEncoding::Utf8Bom);
    }

    #[test]
    fn utf16le_with_bom_and_crlf() {
        let (text, enc) = decode(&utf16le("a = \"é😀\"\r\nb = 2\r\n")).unwrap();
        assert_eq!(text, "a = \"é😀\"\r\nb = 2\r\n");
        assert_eq!(enc, SourceEncoding::Utf16Le);
    }

    #[test]
    fn utf16be_with_bom() {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend("x = 1".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&bytes).unwrap().0, "x = 1");
    }

    #[test]
    fn invalid_utf8_reports_offset_line_and_column() {
        let err = decode(b"a = 1\nb = \"\xff\"\n").unwrap_err();
        assert_eq!(
            err,
            DecodeError::InvalidUtf8 {
                offset: 11,
                line: 2,
                column: 6
            }
        );
        assert_eq!(err.to_string(), "invalid UTF-8 at byte offset 11");
    }

    #[test]
    fn binary_is_reported_at_first_nul() {
        let err = decode(b"\x7fELF\x02\x01\x01\x00\x00").unwrap_err();
        assert_eq!(
            err,
            DecodeError::Binary {
                offset: 7,
                line: 1,
                column: 8
            }
        );
    }

    #[test]
    fn odd_utf16_is_an_error() {
        let mut bytes = utf16le("ab");
        bytes.push(0x41);
        assert!(matches!(
            decode(&bytes),
            Err(DecodeError::InvalidUtf16 { offset: 6, .. })
        ));
    }

    #[test]
    fn unpaired_surrogate_is_an_error() {
        let bytes = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0];
        assert_eq!(
            decode(&bytes),
            Err(DecodeError::InvalidUtf16 {
                offset: 4,
                detail: "unpaired surrogate"
            })
        );
    }
}
