//! The reader: [`for_each_member`] and [`for_each_element`] over validated text.

use crate::string::{decode_unicode_escape, simple_escape};
use crate::{JsonError, JsonErrorKind, JsonNumber, JsonStr, JsonValue};

/// How deep objects and arrays may nest inside the object or array being read (a JWS header,
/// a claims set, a JWK, a response body).
pub const MAX_DEPTH: usize = 32;

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
    // The loop itself is `members`, behind a `dyn` callback: one copy in a binary, whatever
    // the callers' closures and error types, where every struct, header, claims set and key
    // read had its own.
    let mut failed = None;
    let read = members(text, &mut |key, value| match f(key, value) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    match (failed, read) {
        (Some(e), _) => Err(e),
        (None, read) => Ok(read?),
    }
}

/// Reads the elements of the JSON array `text` (as returned in [`JsonValue::Array`]).
///
/// # Errors
/// A [`JsonError`] for malformed JSON, or whatever `f` returns.
pub fn for_each_element<'a, E: From<JsonError>>(
    text: &'a str,
    mut f: impl FnMut(JsonValue<'a>) -> Result<(), E>,
) -> Result<(), E> {
    // Inlined into its few callers, unlike `for_each_member`: behind a `dyn` callback, a
    // JWKS's key parsing ran in a frame of its own on top of the loop's (verify-only firmware:
    // 248 bytes less flash, but 100 bytes more peak stack).
    let mut r = Reader::new(text);
    r.ws();
    r.expect(b'[').map_err(|k| r.error(k))?;
    r.ws();
    if r.peek() == Some(b']') {
        r.pos += 1;
    } else {
        loop {
            r.ws();
            let value = r.value(1).map_err(|k| r.error(k))?;
            f(value)?;
            r.ws();
            if r.separator(b']').map_err(|k| r.error(k))? {
                break;
            }
        }
    }
    r.end()?;
    Ok(())
}

/// [`for_each_member`]'s loop; stops early, with `Ok`, when `f` returns `false`.
fn members<'a>(
    text: &'a str,
    f: &mut dyn FnMut(JsonStr<'a>, JsonValue<'a>) -> bool,
) -> Result<(), JsonError> {
    let mut r = Reader::new(text);
    r.ws();
    match r.peek() {
        Some(b'{') => r.pos += 1,
        None => return Err(r.error(JsonErrorKind::UnexpectedEnd)),
        Some(_) => return Err(r.error(JsonErrorKind::NotAnObject)),
    }
    r.ws();
    if r.peek() == Some(b'}') {
        r.pos += 1;
    } else {
        loop {
            r.ws();
            let key = r.string().map_err(|k| r.error(k))?;
            r.ws();
            r.expect(b':').map_err(|k| r.error(k))?;
            r.ws();
            let value = r.value(1).map_err(|k| r.error(k))?;
            if !f(key, value) {
                return Ok(());
            }
            r.ws();
            if r.separator(b'}').map_err(|k| r.error(k))? {
                break;
            }
        }
    }
    r.end()
}

/// The reader's position in a text. Its methods fail with the kind of error only, leaving the
/// position at the offending byte: the public functions add it as the offset ([`Reader::error`]).
/// A one-byte error keeps the reader's results in registers on 32-bit microcontrollers.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    /// The error of `kind` at the current position.
    const fn error(&self, kind: JsonErrorKind) -> JsonError {
        JsonError::at(kind, self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Steps over `want`; fails at the byte in its place.
    fn expect(&mut self, want: u8) -> Result<(), JsonErrorKind> {
        match self.peek() {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(JsonErrorKind::UnexpectedByte),
            None => Err(JsonErrorKind::UnexpectedEnd),
        }
    }

    /// After a member or element: steps over `,` (`Ok(false)`) or `close` (`Ok(true)`).
    fn separator(&mut self, close: u8) -> Result<bool, JsonErrorKind> {
        let last = match self.peek() {
            Some(b',') => false,
            Some(b) if b == close => true,
            Some(_) => return Err(JsonErrorKind::UnexpectedByte),
            None => return Err(JsonErrorKind::UnexpectedEnd),
        };
        self.pos += 1;
        Ok(last)
    }

    /// Only whitespace may follow the top-level value.
    fn end(&mut self) -> Result<(), JsonError> {
        self.ws();
        if self.pos == self.text.len() {
            Ok(())
        } else {
            Err(self.error(JsonErrorKind::TrailingCharacters))
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

    fn value(&mut self, depth: usize) -> Result<JsonValue<'a>, JsonErrorKind> {
        match self.peek() {
            None => Err(JsonErrorKind::UnexpectedEnd),
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
            Some(_) => Err(JsonErrorKind::UnexpectedByte),
        }
    }

    fn literal(&mut self, word: &str, v: JsonValue<'a>) -> Result<JsonValue<'a>, JsonErrorKind> {
        let end = self.pos + word.len();
        match self.text.get(self.pos..end) {
            Some(s) if s == word => {
                self.pos = end;
                Ok(v)
            }
            _ => Err(JsonErrorKind::UnexpectedByte),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsonNumber<'a>, JsonErrorKind> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 || (n > 1 && self.text.as_bytes().get(int_start) == Some(&b'0')) {
            return Err(JsonErrorKind::InvalidNumber);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JsonErrorKind::InvalidNumber);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JsonErrorKind::InvalidNumber);
            }
        }
        Ok(JsonNumber { raw: self.slice(start) })
    }

    /// Reads a string starting at its opening quote; validates escapes and control characters.
    fn string(&mut self) -> Result<JsonStr<'a>, JsonErrorKind> {
        self.expect(b'"')?;
        self.string_rest()
    }

    /// Checks the whole text as what stands between the quotes of a string, for
    /// [`JsonStr::from_raw`]: the reader's own string loop, which must run into the end of
    /// the text (where a string read from JSON would have its closing quote).
    pub(crate) fn string_contents(mut self) -> Result<&'a str, JsonError> {
        match self.string_rest() {
            Err(JsonErrorKind::UnexpectedEnd) if self.pos == self.text.len() => Ok(self.text),
            Err(kind) => Err(self.error(kind)),
            // An unescaped quote, which the loop stepped over.
            Ok(_) => Err(JsonError::at(JsonErrorKind::UnexpectedByte, self.pos.saturating_sub(1))),
        }
    }

    /// Reads the rest of a string after its opening quote, up to and including the closing
    /// quote.
    fn string_rest(&mut self) -> Result<JsonStr<'a>, JsonErrorKind> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        loop {
            self.skip_plain_string_bytes();
            let b = *bytes.get(self.pos).ok_or(JsonErrorKind::UnexpectedEnd)?;
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
                        None => return Err(JsonErrorKind::UnexpectedEnd),
                    };
                    self.pos += used.ok_or(JsonErrorKind::InvalidEscape)?;
                }
                0..=0x1f => return Err(JsonErrorKind::ControlCharacter),
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
    fn container(&mut self, depth: usize) -> Result<(), JsonErrorKind> {
        if depth > MAX_DEPTH {
            return Err(JsonErrorKind::TooDeep);
        }
        // `value` saw the opening bracket.
        let object = self.peek() == Some(b'{');
        self.pos += 1;
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
            if self.separator(close)? {
                return Ok(());
            }
        }
    }
}
