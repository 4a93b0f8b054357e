//! Encoding request bodies into, and decoding response bodies from, caller buffers — no heap.
//!
//! Responses are read by `cotter-json`'s strict zero-copy JSON reader (the one `cotter-jwt`
//! reads tokens with, so the SDK has a single JSON parser), with a hand-written reader per
//! response type ([`Decode`]). Strings are borrowed from the body when they hold no escape, and
//! decoded into the caller's `scratch` buffer when they do (`"a\/b"` becomes `a/b`,
//! `"caf\u00e9"` becomes `café`, surrogate pairs are joined), so a `&'a str` field always holds
//! the real text. Members the type does not know are skipped; a known member with the wrong
//! JSON type, or seen twice, is an error. Request bodies are written by `serde-json-core`'s
//! serializer.
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

mod read;
mod types;

use serde::Serialize;

pub use read::Decode;

use cotter_json::{JsonError, JsonErrorKind};

use crate::Error;

/// The deepest nesting of arrays and objects [`decode`] accepts, the body's own object and
/// skipped members included (`cotter-json`'s reader allows 32 levels inside the object).
pub const MAX_DEPTH: usize = cotter_json::MAX_DEPTH + 1;

/// Decodes `body` into `T`, borrowing strings from `body` or, when they hold escapes, from
/// `scratch`.
///
/// `scratch` needs room for the decoded text of every escaped string the type keeps (skipped
/// members cost nothing); `&mut []` is enough for bodies without escapes, and a scratch as
/// long as the body always suffices. 256 bytes covers typical Cotter responses.
///
/// # Errors
///
/// [`Error::Json`] with the [`JsonError`] and, when known, the object and member that failed:
/// malformed JSON or invalid UTF-8 (with the byte offset), a wrong type, a missing or repeated
/// member, trailing characters, nesting deeper than [`MAX_DEPTH`], or
/// [`JsonErrorKind::BufferTooSmall`] for a `scratch` too small.
pub fn decode<'a, T: Decode<'a>>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<T, Error> {
    let text = core::str::from_utf8(body)
        .map_err(|e| JsonError::at(JsonErrorKind::InvalidUtf8, e.valid_up_to()))?;
    let value = read::top_level(text)?;
    let mut scratch = read::Scratch::new(scratch);
    <T as read::Value<'a>>::decode_value(value, &mut scratch)
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
        .map_err(|e| JsonError::at(JsonErrorKind::InvalidUtf8, e.valid_up_to()).into())
}

#[cfg(test)]
#[cfg(all(feature = "alloc", feature = "serde"))]
mod diff_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
