//! Decoding the escapes of a JSON string (RFC 8259 §7), including UTF-16 surrogate pairs,
//! into a caller's scratch buffer.
//!
//! serde-json-core hands out the raw text between the quotes; its own unescaper rejects
//! surrogate pairs (`"\ud83d\ude00"`) and accepts `\u+041`, so this module does the decoding.

use crate::JsonErrorKind;
use crate::bump::Bump;

/// Returns the decoded text of `raw` (the bytes between the quotes of a JSON string):
/// `raw` itself when it holds no escape, otherwise a copy in `scratch`.
pub(crate) fn unescape<'a>(raw: &'a str, scratch: &mut Bump<'a>) -> Result<&'a str, JsonErrorKind> {
    if !raw.bytes().any(|b| b == b'\\' || b < 0x20) {
        return Ok(raw);
    }
    let mut len = 0usize;
    walk(raw, |piece| len = len.saturating_add(piece.len()))?;
    let out = scratch.take(len).ok_or(JsonErrorKind::ScratchTooSmall)?;
    let mut pos = 0usize;
    let mut fits = true;
    walk(raw, |piece| {
        let end = pos.saturating_add(piece.len());
        match out.get_mut(pos..end) {
            Some(dst) => dst.copy_from_slice(piece.as_bytes()),
            None => fits = false,
        }
        pos = end;
    })?;
    if !fits || pos != len {
        // Both passes see the same input, so they agree; this is a defensive check.
        return Err(JsonErrorKind::ScratchTooSmall);
    }
    let out: &'a [u8] = out;
    core::str::from_utf8(out).map_err(|_| JsonErrorKind::InvalidString)
}

/// Calls `emit` with each decoded piece of `raw`, in order.
///
/// # Errors
///
/// [`JsonErrorKind::InvalidString`] for a raw control character, an unknown escape, a `\u`
/// without four hex digits, or an unpaired surrogate.
pub(crate) fn walk(raw: &str, mut emit: impl FnMut(&str)) -> Result<(), JsonErrorKind> {
    const BAD: JsonErrorKind = JsonErrorKind::InvalidString;
    let bytes = raw.as_bytes();
    let mut i = 0usize;
    let mut run = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b < 0x20 {
            return Err(BAD);
        }
        if b != b'\\' {
            i += 1;
            continue;
        }
        // `i` and `run` sit on ASCII bytes or the ends, so they are char boundaries.
        emit(raw.get(run..i).ok_or(BAD)?);
        let simple = match bytes.get(i + 1) {
            Some(b'"') => "\"",
            Some(b'\\') => "\\",
            Some(b'/') => "/",
            Some(b'b') => "\u{8}",
            Some(b'f') => "\u{c}",
            Some(b'n') => "\n",
            Some(b'r') => "\r",
            Some(b't') => "\t",
            Some(b'u') => {
                let (c, used) = unicode_escape(bytes, i)?;
                emit(c.encode_utf8(&mut [0; 4]));
                i += used;
                run = i;
                continue;
            }
            _ => return Err(BAD),
        };
        emit(simple);
        i += 2;
        run = i;
    }
    emit(raw.get(run..).ok_or(BAD)?);
    Ok(())
}

/// Decodes the `\uXXXX` (or surrogate pair `\uD8xx\uDCxx`) starting at `bytes[at]`; returns
/// the character and the number of bytes consumed (6 or 12).
fn unicode_escape(bytes: &[u8], at: usize) -> Result<(char, usize), JsonErrorKind> {
    const BAD: JsonErrorKind = JsonErrorKind::InvalidString;
    let hi = hex4(bytes, at + 2)?;
    if (0xDC00..0xE000).contains(&hi) {
        return Err(BAD);
    }
    if !(0xD800..0xDC00).contains(&hi) {
        return char::from_u32(hi).map(|c| (c, 6)).ok_or(BAD);
    }
    if bytes.get(at + 6) != Some(&b'\\') || bytes.get(at + 7) != Some(&b'u') {
        return Err(BAD);
    }
    let lo = hex4(bytes, at + 8)?;
    if !(0xDC00..0xE000).contains(&lo) {
        return Err(BAD);
    }
    let code = 0x1_0000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    char::from_u32(code).map(|c| (c, 12)).ok_or(BAD)
}

/// Four hex digits at `bytes[at..at + 4]` (no sign, no prefix).
fn hex4(bytes: &[u8], at: usize) -> Result<u32, JsonErrorKind> {
    let digits = bytes.get(at..at + 4).ok_or(JsonErrorKind::InvalidString)?;
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(JsonErrorKind::InvalidString),
        };
        Ok(acc << 4 | u32::from(v))
    })
}
