//! Encoding request bodies into, and decoding response bodies from, caller buffers — no heap.
//!
//! Parsing is done by `serde-json-core`; strings are handed to the target type borrowed from
//! the body when they hold no escape, and decoded into the caller's `scratch` buffer when they
//! do (`"a\/b"` becomes `a/b`, `"caf\u00e9"` becomes `café`, surrogate pairs are joined), so a
//! `&'a str` field always holds the real text. Members the type does not know are skipped;
//! a known member with the wrong JSON type is an error.
//!
//! ```
//! use cotter_proto::{OAuthToken, json};
//!
//! let body = br#"{"access_token":"a.b.c","auth_method":"OTP","expires_in":3600,
//!   "id_token":"d.e.f","refresh_token":"94:x\/y","token_type":"Bearer","new_field":[1]}"#;
//! let mut scratch = [0u8; 64];
//! let token: OAuthToken<'_> = json::decode(body, &mut scratch)?;
//! assert_eq!(token.refresh_token, Some("94:x/y"));
//! # Ok::<(), cotter_proto::Error>(())
//! ```

mod unescape;
mod wrap;

use serde::{Deserialize, Serialize};

use crate::{Error, JsonError, JsonErrorKind};

/// The deepest nesting of arrays and objects [`decode`] accepts, skipped members included. The
/// parser recurses once per level, so this bounds its stack use on hostile input.
pub const MAX_DEPTH: usize = 32;

/// Decodes `body` into `T`, borrowing strings from `body` or, when they hold escapes, from
/// `scratch`.
///
/// `scratch` needs room for the decoded text of every escaped string the type keeps (skipped
/// members cost nothing); `&mut []` is enough for bodies without escapes. 256 bytes covers
/// typical Cotter responses.
///
/// # Errors
///
/// [`Error::Json`] with the kind and, when known, the object and member that failed:
/// malformed JSON, a wrong type, a missing member, trailing characters, nesting deeper than
/// [`MAX_DEPTH`], a bad escape, or [`JsonErrorKind::ScratchTooSmall`].
pub fn decode<'a, T: Deserialize<'a>>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<T, Error> {
    let mut side = wrap::Side::new(scratch);
    let mut de = serde_json_core::de::Deserializer::new(body, None);
    let result = T::deserialize(wrap::De::new(&mut de, &mut side));
    let value = match result {
        Ok(value) => value,
        Err(e) => {
            let (kind, object, field) = side.detail();
            let kind = kind.unwrap_or_else(|| kind_of(&e));
            return Err(Error::Json(JsonError::at(kind, object, field)));
        }
    };
    de.end().map_err(|e| Error::Json(JsonError::new(kind_of(&e))))?;
    Ok(value)
}

/// Encodes `value` as compact JSON into `buf` and returns the text.
///
/// # Errors
///
/// [`Error::BufferTooSmall`] when the JSON does not fit in `buf`.
pub fn encode<'b, T: Serialize + ?Sized>(value: &T, buf: &'b mut [u8]) -> Result<&'b str, Error> {
    let len = serde_json_core::to_slice(value, buf).map_err(|_| Error::BufferTooSmall)?;
    let written: &'b [u8] = buf.get(..len).ok_or(Error::BufferTooSmall)?;
    // Every type of this crate serializes strings and numbers only, which are UTF-8; a foreign
    // type serializing raw bytes could produce something else.
    core::str::from_utf8(written)
        .map_err(|_| Error::Json(JsonError::new(JsonErrorKind::InvalidString)))
}

fn kind_of(e: &serde_json_core::de::Error) -> JsonErrorKind {
    use serde_json_core::de::Error as E;
    match e {
        E::EofWhileParsingList
        | E::EofWhileParsingObject
        | E::EofWhileParsingString
        | E::EofWhileParsingNumber
        | E::EofWhileParsingValue => JsonErrorKind::Eof,
        E::TrailingCharacters => JsonErrorKind::TrailingCharacters,
        E::InvalidNumber => JsonErrorKind::InvalidNumber,
        E::InvalidType => JsonErrorKind::InvalidType,
        E::InvalidUnicodeCodePoint | E::InvalidEscapeSequence | E::EscapedStringIsTooLong => {
            JsonErrorKind::InvalidString
        }
        E::AnyIsUnsupported | E::BytesIsUnsupported => JsonErrorKind::Unsupported,
        E::CustomError => JsonErrorKind::InvalidValue,
        _ => JsonErrorKind::Syntax,
    }
}

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
