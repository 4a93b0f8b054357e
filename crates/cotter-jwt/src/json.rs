//! A strict, zero-copy JSON reader for JWS headers, claims and JWKs.
//!
//! It reads one object's members without building a tree: strings are returned raw (still
//! escaped, already validated) as [`JsonStr`], nested objects and arrays as validated raw text.
//! Nothing is allocated and nothing panics; nesting deeper than [`MAX_DEPTH`] is an error.
//!
//! Why not `serde-json-core`: it cannot deserialize a value whose type is known only at run
//! time (`deserialize_any`), which `aud` (string or array) and generic claim access need, and it
//! unescapes only into a second buffer. This reader keeps strings borrowed and decodes escapes
//! on demand (comparisons, `Display`, [`JsonStr::unescape_into`]).

use core::fmt;

/// How deep objects and arrays may nest inside a header, claims set or JWK.
pub const MAX_DEPTH: usize = 32;

/// Why a JSON text was rejected, with the byte offset where reading stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonError {
    /// What was wrong.
    pub kind: JsonErrorKind,
    /// Byte offset into the JSON text.
    pub offset: usize,
}

/// The kinds of [`JsonError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A byte that the grammar does not allow here.
    UnexpectedByte,
    /// The top-level value is not an object.
    NotAnObject,
    /// An invalid backslash escape or a lone UTF-16 surrogate.
    InvalidEscape,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacter,
    /// A number that does not follow the JSON grammar.
    InvalidNumber,
    /// Objects or arrays nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Non-whitespace after the top-level object.
    TrailingCharacters,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            JsonErrorKind::UnexpectedEnd => "unexpected end of input",
            JsonErrorKind::UnexpectedByte => "unexpected character",
            JsonErrorKind::NotAnObject => "not a JSON object",
            JsonErrorKind::InvalidEscape => "invalid string escape",
            JsonErrorKind::ControlCharacter => "control character in string",
            JsonErrorKind::InvalidNumber => "invalid number",
            JsonErrorKind::TooDeep => "nesting too deep",
            JsonErrorKind::TrailingCharacters => "trailing characters after the object",
        };
        write!(f, "{what} at byte {}", self.offset)
    }
}

impl core::error::Error for JsonError {}

/// A JSON string as it appears in the text, between the quotes, with escapes still in place.
///
/// The reader has validated it, so decoding never fails. Compare with [`JsonStr::eq_str`]
/// (decodes escapes), print with `Display` (decoded), or copy out with
/// [`JsonStr::unescape_into`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    // Crate-visible for the verified-token cache, which keeps validated raw text.
    pub(crate) raw: &'a str,
}

impl<'a> JsonStr<'a> {
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
        self.raw.as_bytes().contains(&b'\\')
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
const fn utf8(c: char, out: &mut [u8; 4]) -> usize {
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

fn simple_escape(e: u8) -> Option<char> {
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
fn decode_unicode_escape(bytes: &[u8]) -> Option<(char, usize)> {
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

/// One member value as read: scalars decoded, containers as validated raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonValue<'a> {
    /// A string.
    Str(JsonStr<'a>),
    /// A number, as its text (grammar checked).
    Number(JsonNumber<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object, as its raw text including the braces.
    Object(&'a str),
    /// An array, as its raw text including the brackets.
    Array(&'a str),
}

/// A JSON number as its text, checked against the JSON grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonNumber<'a> {
    raw: &'a str,
}

impl<'a> JsonNumber<'a> {
    /// The number's text.
    #[must_use]
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value as whole seconds, for NumericDate claims (`exp`, `nbf`, `iat`).
    ///
    /// A fraction is rounded down (RFC 7519 allows non-integer NumericDates). `None` for an
    /// exponent or a value outside `i64`.
    #[must_use]
    pub fn as_seconds(&self) -> Option<i64> {
        let s = self.raw;
        if s.bytes().any(|b| b == b'e' || b == b'E') {
            return None;
        }
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let whole: i64 = int.parse().ok()?;
        let has_fraction = frac.bytes().any(|b| b != b'0');
        if has_fraction && whole <= 0 && int.starts_with('-') {
            whole.checked_sub(1)
        } else {
            Some(whole)
        }
    }

    /// The value when it is an integer that fits `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        self.raw.parse().ok()
    }
}

/// Reads the members of the JSON object `text` in order, calling `f` for each.
///
/// The whole text is checked, including what follows the object, before this returns `Ok`;
/// `f` may see members of a text that later turns out malformed, so callers must not act on
/// them until this returns.
///
/// # Errors
/// A [`JsonError`] for malformed JSON, or whatever `f` returns.
pub fn for_each_member<'a, E: From<JsonError>>(
    text: &'a str,
    mut f: impl FnMut(JsonStr<'a>, JsonValue<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let mut r = Reader { text, pos: 0 };
    r.ws();
    if r.peek() != Some(b'{') {
        return Err(r
            .err(if r.peek().is_none() {
                JsonErrorKind::UnexpectedEnd
            } else {
                JsonErrorKind::NotAnObject
            })
            .into());
    }
    r.pos += 1;
    r.ws();
    if r.peek() == Some(b'}') {
        r.pos += 1;
    } else {
        loop {
            r.ws();
            let key = r.string()?;
            r.ws();
            r.expect(b':')?;
            r.ws();
            let value = r.value(1)?;
            f(key, value)?;
            r.ws();
            match r.bump()? {
                b',' => {}
                b'}' => break,
                _ => return Err(r.err_back(JsonErrorKind::UnexpectedByte).into()),
            }
        }
    }
    r.ws();
    if r.pos != text.len() {
        return Err(r.err(JsonErrorKind::TrailingCharacters).into());
    }
    Ok(())
}

/// Reads the elements of the JSON array `text` (as returned in [`JsonValue::Array`]).
///
/// # Errors
/// A [`JsonError`] for malformed JSON, or whatever `f` returns.
pub fn for_each_element<'a, E: From<JsonError>>(
    text: &'a str,
    mut f: impl FnMut(JsonValue<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let mut r = Reader { text, pos: 0 };
    r.ws();
    r.expect(b'[')?;
    r.ws();
    if r.peek() == Some(b']') {
        r.pos += 1;
    } else {
        loop {
            r.ws();
            let value = r.value(1)?;
            f(value)?;
            r.ws();
            match r.bump()? {
                b',' => {}
                b']' => break,
                _ => return Err(r.err_back(JsonErrorKind::UnexpectedByte).into()),
            }
        }
    }
    r.ws();
    if r.pos != text.len() {
        return Err(r.err(JsonErrorKind::TrailingCharacters).into());
    }
    Ok(())
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Result<u8, JsonError> {
        let b = self.peek().ok_or(self.err(JsonErrorKind::UnexpectedEnd))?;
        self.pos += 1;
        Ok(b)
    }

    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError { kind, offset: self.pos }
    }

    fn err_back(&self, kind: JsonErrorKind) -> JsonError {
        JsonError { kind, offset: self.pos.saturating_sub(1) }
    }

    fn expect(&mut self, want: u8) -> Result<(), JsonError> {
        if self.bump()? == want {
            Ok(())
        } else {
            Err(self.err_back(JsonErrorKind::UnexpectedByte))
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn slice(&self, start: usize) -> &'a str {
        self.text.get(start..self.pos).unwrap_or("")
    }

    fn value(&mut self, depth: usize) -> Result<JsonValue<'a>, JsonError> {
        match self.peek() {
            None => Err(self.err(JsonErrorKind::UnexpectedEnd)),
            Some(b'"') => self.string().map(JsonValue::Str),
            Some(b'{' | b'[') => {
                let start = self.pos;
                let object = self.peek() == Some(b'{');
                self.container(depth)?;
                let raw = self.slice(start);
                Ok(if object { JsonValue::Object(raw) } else { JsonValue::Array(raw) })
            }
            Some(b't') => self.literal("true", JsonValue::Bool(true)),
            Some(b'f') => self.literal("false", JsonValue::Bool(false)),
            Some(b'n') => self.literal("null", JsonValue::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(JsonValue::Number),
            Some(_) => Err(self.err(JsonErrorKind::UnexpectedByte)),
        }
    }

    fn literal(&mut self, word: &str, v: JsonValue<'a>) -> Result<JsonValue<'a>, JsonError> {
        let end = self.pos + word.len();
        match self.text.get(self.pos..end) {
            Some(s) if s == word => {
                self.pos = end;
                Ok(v)
            }
            _ => Err(self.err(JsonErrorKind::UnexpectedByte)),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsonNumber<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 || (n > 1 && self.text.as_bytes().get(int_start) == Some(&b'0')) {
            return Err(self.err(JsonErrorKind::InvalidNumber));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::InvalidNumber));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::InvalidNumber));
            }
        }
        Ok(JsonNumber { raw: self.slice(start) })
    }

    /// Reads a string starting at its opening quote; validates escapes and control characters.
    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        self.expect(b'"')?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        loop {
            self.skip_plain_string_bytes();
            let b = *bytes.get(self.pos).ok_or(self.err(JsonErrorKind::UnexpectedEnd))?;
            match b {
                b'"' => {
                    let raw = self.slice(start);
                    self.pos += 1;
                    return Ok(JsonStr { raw });
                }
                b'\\' => {
                    let rest = bytes.get(self.pos..).unwrap_or(&[]);
                    let used = match rest.get(1) {
                        Some(b'u') => decode_unicode_escape(rest).map(|(_, n)| n),
                        Some(&e) => simple_escape(e).map(|_| 2),
                        None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
                    };
                    self.pos += used.ok_or(self.err(JsonErrorKind::InvalidEscape))?;
                }
                0..=0x1f => return Err(self.err(JsonErrorKind::ControlCharacter)),
                _ => self.pos += 1,
            }
        }
    }

    /// Advances over string bytes that need no attention (not `"`, `\\`, or a control
    /// character) eight at a time, stopping at the first one that does.
    fn skip_plain_string_bytes(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let bytes = self.text.as_bytes();
        while let Some(chunk) = bytes.get(self.pos..self.pos + 8) {
            let mut lanes = [0u8; 8];
            lanes.copy_from_slice(chunk);
            let w = u64::from_le_bytes(lanes);
            // Classic "has zero byte" tests; the lowest flagged lane is always exact.
            let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
            let special = zero(w ^ (ONES * u64::from(b'"')))
                | zero(w ^ (ONES * u64::from(b'\\')))
                | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
            if special != 0 {
                self.pos += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
    }

    /// Skips an object or array starting at its opening bracket, validating everything inside.
    fn container(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        let object = self.bump()? == b'{';
        let close = if object { b'}' } else { b']' };
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if object {
                self.string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
            }
            self.value(depth + 1)?;
            self.ws();
            match self.bump()? {
                b',' => {}
                b if b == close => return Ok(()),
                _ => return Err(self.err_back(JsonErrorKind::UnexpectedByte)),
            }
        }
    }
}

#[cfg(test)]
mod tests;
