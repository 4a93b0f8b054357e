//! Percent-encoding (RFC 3986 §2.1) of URL components, and decoding of query values.

use crate::Error;
use crate::bump::Bump;
use crate::sink::Sink;

/// RFC 3986 §2.3 unreserved characters: `A–Z a–z 0–9 - . _ ~`.
pub(crate) const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes `text` with every byte outside the unreserved set as `%XX` (upper-case hex, UTF-8
/// bytes), so the result is safe as a path segment, a query key or a query value.
pub(crate) fn encode<S: Sink>(text: &str, out: &mut S) -> Result<(), Error> {
    for b in text.bytes() {
        if is_unreserved(b) {
            out.put_char(char::from(b))?;
        } else {
            out.put_char('%')?;
            out.put_char(char::from(HEX[usize::from(b >> 4)]))?;
            out.put_char(char::from(HEX[usize::from(b & 0x0f)]))?;
        }
    }
    Ok(())
}

fn hex_value(b: Option<u8>) -> Result<u8, Error> {
    match b {
        Some(d @ b'0'..=b'9') => Ok(d - b'0'),
        Some(d @ b'a'..=b'f') => Ok(d - b'a' + 10),
        Some(d @ b'A'..=b'F') => Ok(d - b'A' + 10),
        _ => Err(Error::InvalidPercentEncoding),
    }
}

/// Calls `emit` with each decoded byte of a query value (`%XX` → byte, `+` → space).
fn walk(text: &str, mut emit: impl FnMut(u8)) -> Result<(), Error> {
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        emit(match b {
            b'%' => hex_value(bytes.next())? << 4 | hex_value(bytes.next())?,
            b'+' => b' ',
            other => other,
        });
    }
    Ok(())
}

/// Decodes a query key or value with `application/x-www-form-urlencoded` rules (`+` is a
/// space): borrowed from `text` when nothing needs decoding, otherwise copied into `scratch`.
///
/// # Errors
///
/// [`Error::InvalidPercentEncoding`] for `%` not followed by two hex digits,
/// [`Error::InvalidUtf8`] when the decoded bytes are not UTF-8, [`Error::BufferTooSmall`]
/// when `scratch` is full.
pub(crate) fn decode<'a>(text: &'a str, scratch: &mut Bump<'a>) -> Result<&'a str, Error> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(text);
    }
    let mut len = 0usize;
    walk(text, |_| len += 1)?;
    let out = scratch.take(len).ok_or(Error::BufferTooSmall)?;
    let mut pos = 0usize;
    walk(text, |b| {
        if let Some(slot) = out.get_mut(pos) {
            *slot = b;
        }
        pos += 1;
    })?;
    let out: &'a [u8] = out;
    core::str::from_utf8(out).map_err(|_| Error::InvalidUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encoded(text: &str) -> heapless::String<512> {
        let mut out = heapless::String::new();
        encode(text, &mut out).unwrap();
        out
    }

    #[test]
    fn keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(encoded("aZ09-._~"), "aZ09-._~");
        assert_eq!(encoded("+1 555/é?&=#%"), "%2B1%20555%2F%C3%A9%3F%26%3D%23%25");
        assert_eq!(encoded("user@example.com"), "user%40example.com");
    }

    #[test]
    fn decodes_form_values() {
        let mut buf = [0u8; 64];
        let mut bump = Bump::new(&mut buf);
        assert_eq!(decode("plain", &mut bump).unwrap(), "plain");
        assert_eq!(decode("a+b%20c%2B", &mut bump).unwrap(), "a b c+");
        assert_eq!(decode("caf%C3%A9", &mut bump).unwrap(), "café");
        assert_eq!(decode("%zz", &mut bump), Err(Error::InvalidPercentEncoding));
        assert_eq!(decode("%4", &mut bump), Err(Error::InvalidPercentEncoding));
        assert_eq!(decode("%", &mut bump), Err(Error::InvalidPercentEncoding));
        assert_eq!(decode("%C3", &mut bump), Err(Error::InvalidUtf8));
        let mut tiny = [0u8; 2];
        assert_eq!(decode("%41%42%43", &mut Bump::new(&mut tiny)), Err(Error::BufferTooSmall));
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(text in "\\PC{0,40}") {
            let enc = encoded(&text);
            prop_assert!(enc.bytes().all(|b| is_unreserved(b) || b == b'%'));
            let mut buf = [0u8; 256];
            prop_assert_eq!(decode(&enc, &mut Bump::new(&mut buf)).unwrap(), text.as_str());
        }

        #[test]
        fn decode_never_panics(text in "\\PC{0,40}|[%+0-9a-fA-F]{0,12}", cap in 0usize..64) {
            let mut buf = [0u8; 64];
            let mut bump = Bump::new(&mut buf[..cap]);
            if let Ok(out) = decode(&text, &mut bump) {
                prop_assert!(out.len() <= text.len());
            }
        }
    }
}
