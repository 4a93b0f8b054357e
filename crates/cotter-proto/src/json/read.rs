//! Reading response bodies with `cotter-json`'s strict zero-copy JSON reader: the [`Decode`]
//! trait, the caller's scratch buffer, and the member values every response type is built
//! from (strings, integers, booleans, `UnixSeconds`, string lists).
//!
//! A struct reads its object's members in one pass: members it does not know are skipped
//! (the reader has validated them), a known member seen twice is rejected, `null` means absent
//! only where the member is optional, and any other JSON type than the expected one is an
//! error. The first error found is located at the innermost struct and member.

use cotter_json::{self as reader, JsonStr, JsonValue};

use crate::bump::Bump;
use crate::{JsonError, JsonErrorKind};

/// A type that [`decode`](super::decode) can build from a JSON body: every response type of
/// the crate, their owned variants (feature `alloc`), and `Option` of them (for `null`). The
/// member types (`&str`, `u64`, `bool`, `UnixSeconds`, `StrList`) implement it too, but a
/// body is always an object or `null`, so decoding one of them alone fails.
///
/// The trait is sealed: the decoding itself is done by the crate, with `cotter-json`'s
/// reader, and is not part of the public API.
pub trait Decode<'a>: Sized + sealed::Value<'a> {}

impl<'a, T: sealed::Value<'a>> Decode<'a> for T {}

pub(crate) mod sealed {
    use super::{JsonError, JsonValue, Scratch};

    /// Builds `Self` from one JSON value (containers as validated raw text).
    #[allow(unreachable_pub, reason = "sealed trait: public in a private module")]
    pub trait Value<'a>: Sized {
        /// Decodes `value`; errors are located at the innermost struct and member that
        /// failed, or left unlocated for the caller to locate.
        fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>)
        -> Result<Self, JsonError>;
    }
}

pub(crate) use sealed::Value;

/// The caller's scratch buffer, from which strings with escapes are borrowed once decoded.
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the sealed trait")]
pub struct Scratch<'a>(Bump<'a>);

impl<'a> Scratch<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self(Bump::new(buf))
    }

    /// The text of `s`: borrowed from the body without escapes, else decoded into scratch.
    fn text(&mut self, s: JsonStr<'a>) -> Result<&'a str, JsonError> {
        if let Some(text) = s.as_str() {
            return Ok(text);
        }
        let too_small = || JsonError::new(JsonErrorKind::ScratchTooSmall);
        let buf = self.0.take(s.decoded_len()).ok_or_else(too_small)?;
        s.unescape_into(buf).map_err(|_| too_small())
    }
}

const fn err(kind: JsonErrorKind) -> JsonError {
    JsonError::new(kind)
}

const fn located(e: &JsonError) -> bool {
    e.object().is_some() || e.field().is_some()
}

/// Maps a reader error to this crate's kinds.
pub(crate) fn kind_of(e: reader::JsonError) -> JsonErrorKind {
    use reader::JsonErrorKind as K;
    match e.kind() {
        K::UnexpectedEnd => JsonErrorKind::Eof,
        K::NotAnObject => JsonErrorKind::InvalidType,
        K::InvalidEscape | K::ControlCharacter => JsonErrorKind::InvalidString,
        K::InvalidNumber => JsonErrorKind::InvalidNumber,
        K::TooDeep => JsonErrorKind::TooDeep,
        K::TrailingCharacters => JsonErrorKind::TrailingCharacters,
        _ => JsonErrorKind::Syntax,
    }
}

/// An error of a member callback or of the reader itself.
struct Fail(JsonError);

impl From<reader::JsonError> for Fail {
    fn from(e: reader::JsonError) -> Self {
        Self(err(kind_of(e)))
    }
}

/// Calls `f` with the (decoded) name and the value of each member of the object `value`.
///
/// A name that needs more than 32 bytes once decoded is passed as `""`: no member this crate
/// reads is that long (or empty).
pub(crate) fn members<'a>(
    value: JsonValue<'a>,
    object: &'static str,
    // `dyn`: one copy of the reader's member loop serves every struct.
    f: &mut dyn FnMut(&str, JsonValue<'a>) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    let JsonValue::Object(text) = value else {
        return Err(err(JsonErrorKind::InvalidType));
    };
    reader::for_each_member(text, |key, v| {
        let mut buf = [0u8; 32];
        let name = match key.as_str() {
            Some(name) => name,
            None => key.unescape_into(&mut buf).unwrap_or(""),
        };
        f(name, v).map_err(Fail)
    })
    .map_err(|Fail(e)| if located(&e) { e } else { JsonError::at(e.kind(), Some(object), None) })
}

/// One member of a struct being read: not seen yet, seen as `null`, or seen with a value.
pub(crate) enum Slot<T> {
    Absent,
    Null,
    Value(T),
}

impl<'a, T: Value<'a>> Slot<T> {
    /// Records the member `field` of `object`; a second occurrence is an error.
    pub(crate) fn fill(
        &mut self,
        value: JsonValue<'a>,
        scratch: &mut Scratch<'a>,
        object: &'static str,
        field: &'static str,
    ) -> Result<(), JsonError> {
        let at = |e: JsonError| {
            if located(&e) { e } else { JsonError::at(e.kind(), Some(object), Some(field)) }
        };
        if !matches!(self, Self::Absent) {
            return Err(at(err(JsonErrorKind::InvalidValue)));
        }
        *self = match value {
            JsonValue::Null => Self::Null,
            v => Self::Value(T::decode_value(v, scratch).map_err(at)?),
        };
        Ok(())
    }

    /// A required member: absent is [`JsonErrorKind::MissingField`], `null` is
    /// [`JsonErrorKind::InvalidType`].
    pub(crate) fn required(
        self,
        object: &'static str,
        field: &'static str,
    ) -> Result<T, JsonError> {
        match self {
            Self::Value(v) => Ok(v),
            Self::Absent => Err(JsonError::at(JsonErrorKind::MissingField, Some(object), None)),
            Self::Null => Err(JsonError::at(JsonErrorKind::InvalidType, Some(object), Some(field))),
        }
    }

    /// An optional member: absent or `null` is `None`.
    #[allow(clippy::unnecessary_wraps, reason = "same shape as the other modes")]
    pub(crate) fn optional(self, _: &'static str, _: &'static str) -> Result<Option<T>, JsonError> {
        Ok(match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        })
    }

    /// A member with a default: absent is `T::default()`, `null` is
    /// [`JsonErrorKind::InvalidType`] (serde's `#[serde(default)]`).
    pub(crate) fn or_default(
        self,
        object: &'static str,
        field: &'static str,
    ) -> Result<T, JsonError>
    where
        T: Default,
    {
        match self {
            Self::Absent => Ok(T::default()),
            other => other.required(object, field),
        }
    }
}

/// Implements [`Value`] for a struct whose members are read by name; each member is
/// `required`, `optional` (absent or `null` is `None`) or `or_default`.
macro_rules! decode_struct {
    ($ty:ident { $($field:ident: $mode:ident $name:literal,)* }) => {
        impl<'a> $crate::json::read::Value<'a> for $ty<'a> {
            fn decode_value(
                value: cotter_json::JsonValue<'a>,
                scratch: &mut $crate::json::read::Scratch<'a>,
            ) -> Result<Self, $crate::JsonError> {
                use $crate::json::read::Slot;
                const OBJECT: &str = stringify!($ty);
                $(let mut $field = Slot::Absent;)*
                $crate::json::read::members(value, OBJECT, &mut |name, v| match name {
                    $($name => $field.fill(v, scratch, OBJECT, $name),)*
                    _ => Ok(()),
                })?;
                Ok(Self { $($field: $field.$mode(OBJECT, $name)?,)* })
            }
        }
    };
}
pub(crate) use decode_struct;

impl<'a> Value<'a> for &'a str {
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, JsonError> {
        match value {
            JsonValue::Str(s) => scratch.text(s),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for u64 {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, JsonError> {
        match value {
            // The reader checked the grammar, so `+`, spaces and the like cannot occur;
            // a sign, fraction, exponent or overflow fails here.
            JsonValue::Number(n) => n.raw().parse().map_err(|_| err(JsonErrorKind::InvalidNumber)),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for bool {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, JsonError> {
        match value {
            JsonValue::Bool(b) => Ok(b),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for crate::UnixSeconds {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, JsonError> {
        let JsonValue::Str(s) = value else {
            return Err(err(JsonErrorKind::InvalidType));
        };
        // Decoded on the stack: escapes are legal JSON, and the canonical text is short.
        let mut buf = [0u8; Self::MAX_TEXT_LEN];
        let text = s.unescape_into(&mut buf).map_err(|_| err(JsonErrorKind::InvalidValue))?;
        Self::parse(text).ok_or(err(JsonErrorKind::InvalidValue))
    }
}

impl<'a> Value<'a> for crate::StrList<'a> {
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, JsonError> {
        let JsonValue::Array(text) = value else {
            return Err(err(JsonErrorKind::InvalidType));
        };
        let mut list = Self::new();
        reader::for_each_element(text, |item| {
            let item = <&str>::decode_value(item, scratch).map_err(Fail)?;
            list.push(item).map_err(|_| Fail(err(JsonErrorKind::InvalidValue)))
        })
        .map_err(|Fail(e)| e)?;
        Ok(list)
    }
}

impl<'a, T: Value<'a>> Value<'a> for Option<T> {
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, JsonError> {
        match value {
            JsonValue::Null => Ok(None),
            v => T::decode_value(v, scratch).map(Some),
        }
    }
}

/// The top-level value of `text`: the whole text for an object (the reader checks it, what
/// follows included, when the type reads it), `null`, or an error for anything else.
pub(crate) fn top_level(text: &str) -> Result<JsonValue<'_>, JsonError> {
    // Bytes, not `str::trim_matches`: no pattern machinery in the firmware.
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_ws(b)).map_or(start, |i| i + 1);
    let t = bytes.get(start..end).unwrap_or_default();
    let kind = match t.first() {
        None => JsonErrorKind::Eof,
        Some(b'{') => return Ok(JsonValue::Object(text)),
        Some(b'n') if t == b"null" => return Ok(JsonValue::Null),
        Some(b'n') if t.starts_with(b"null") => JsonErrorKind::TrailingCharacters,
        Some(b'n') if b"null".starts_with(t) => JsonErrorKind::Eof,
        Some(b'n') => JsonErrorKind::Syntax,
        Some(_) => JsonErrorKind::InvalidType,
    };
    Err(err(kind))
}
