//! [`JsonStr`]: a string as it appears in the JSON text, escapes decoded on demand.

use core::fmt;

use crate::JsonError;
use crate::reader::Reader;

/// A JSON string as it appears in the text, between the quotes, with escapes still in place.
///
/// The reader has validated it, so decoding never fails. Compare with [`JsonStr::eq_str`]
/// (decodes escapes), print with `Display` (decoded), or copy out with
/// [`JsonStr::unescape_into`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    pub(crate) raw: &'a str,
}

impl<'a> JsonStr<'a> {
    /// Checks that `raw` is the inside of a JSON string (valid escapes, no raw control
    /// character, no unescaped `"`) and wraps it: for text kept from [`JsonStr::raw`].
    ///
    /// # Errors
    /// A [`JsonError`] of the reader's, with the offset into `raw`, when `raw` could not stand
    /// between the quotes of a JSON string.
    pub fn from_raw(raw: &'a str) -> Result<Self, JsonError> {
        Reader::new(raw).string_contents().map(|raw| Self { raw })
    }

    /// The raw text between the quotes, escapes not decoded.
    #[must_use]
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The text itself when it contains no escapes (the common case), borrowing the input.
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        if self.has_escapes() { None } else { Some(self.raw) }
    }

    /// Whether the raw text contains a backslash escape.
    #[must_use]
    pub fn has_escapes(&self) -> bool {
        // On 32-bit targets (microcontrollers) a plain scan: `<[u8]>::contains` brings the
        // word-at-a-time `memchr`, 144 bytes of flash for strings a few dozen bytes long. On
        // 64-bit hosts `memchr` stays (the verified-token cache's hits compare `kid`s).
        if cfg!(target_pointer_width = "64") {
            self.raw.as_bytes().contains(&b'\\')
        } else {
            self.raw.bytes().any(|b| b == b'\\')
        }
    }

    /// The decoded characters.
    #[must_use]
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw }
    }

    /// Whether the decoded text equals `other`.
    #[must_use]
    pub fn eq_str(&self, other: &str) -> bool {
        if self.has_escapes() { self.chars().eq(other.chars()) } else { self.raw == other }
    }

    /// Length of the decoded text in UTF-8 bytes.
    #[must_use]
    pub fn decoded_len(&self) -> usize {
        if self.has_escapes() { self.chars().map(char::len_utf8).sum() } else { self.raw.len() }
    }

    /// Decodes the text into `buf` and returns it.
    ///
    /// # Errors
    /// [`BufferTooSmall`] when `buf` is shorter than [`JsonStr::decoded_len`].
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        let mut len = 0;
        for c in self.chars() {
            // UTF-8 by hand: `char::encode_utf8` would link its "buffer too small" panic and
            // that panic's formatting on a microcontroller, though the length is checked here.
            let mut bytes = [0u8; 4];
            let n = utf8(c, &mut bytes);
            let dst = buf.get_mut(len..len + n).ok_or(BufferTooSmall)?;
            for (d, b) in dst.iter_mut().zip(bytes) {
                *d = b;
            }
            len += n;
        }
        let written = buf.get(..len).ok_or(BufferTooSmall)?;
        core::str::from_utf8(written).map_err(|_| BufferTooSmall)
    }
}

/// The UTF-8 encoding of `c` in `out`; returns its length (1 to 4).
pub(crate) const fn utf8(c: char, out: &mut [u8; 4]) -> usize {
    let c = c as u32;
    if c < 0x80 {
        out[0] = c as u8;
        1
    } else if c < 0x800 {
        out[0] = 0xc0 | (c >> 6) as u8;
        out[1] = 0x80 | (c & 0x3f) as u8;
        2
    } else if c < 0x1_0000 {
        out[0] = 0xe0 | (c >> 12) as u8;
        out[1] = 0x80 | ((c >> 6) & 0x3f) as u8;
        out[2] = 0x80 | (c & 0x3f) as u8;
        3
    } else {
        out[0] = 0xf0 | (c >> 18) as u8;
        out[1] = 0x80 | ((c >> 12) & 0x3f) as u8;
        out[2] = 0x80 | ((c >> 6) & 0x3f) as u8;
        out[3] = 0x80 | (c & 0x3f) as u8;
        4
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => f.write_str(s),
            None => self.chars().try_for_each(|c| fmt::Write::write_char(f, c)),
        }
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.raw)
    }
}

/// `buf` was too small for the decoded text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall;

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("buffer too small")
    }
}

impl core::error::Error for BufferTooSmall {}

/// Iterator over the decoded characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: &'a str,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        if c != '\\' {
            self.rest = it.as_str();
            return Some(c);
        }
        let bytes = self.rest.as_bytes();
        let (decoded, used) = match bytes.get(1) {
            Some(b'u') => decode_unicode_escape(bytes).unwrap_or((char::REPLACEMENT_CHARACTER, 2)),
            Some(&e) => (simple_escape(e).unwrap_or(char::REPLACEMENT_CHARACTER), 2),
            None => (char::REPLACEMENT_CHARACTER, 1),
        };
        self.rest = self.rest.get(used..).unwrap_or("");
        Some(decoded)
    }
}

/// The character a one-letter escape (`\n`, `\"`, …) stands for.
pub(crate) fn simple_escape(e: u8) -> Option<char> {
    Some(match e {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

fn hex4(bytes: &[u8]) -> Option<u32> {
    let digits = bytes.get(..4)?;
    digits.iter().try_fold(0u32, |acc, &b| Some(acc << 4 | char::from(b).to_digit(16)?))
}

/// Decodes `\uXXXX` (and a following low surrogate) at the start of `bytes`; returns the
/// character and the number of bytes used, or `None` if invalid.
pub(crate) fn decode_unicode_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let first = hex4(bytes.get(2..)?)?;
    match first {
        0xD800..=0xDBFF => {
            if bytes.get(6..8)? != b"\\u" {
                return None;
            }
            let second = hex4(bytes.get(8..)?)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            Some((char::from_u32(c)?, 12))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(first)?, 6)),
    }
}
