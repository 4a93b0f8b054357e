//! Reading response bodies with `cotter-json`'s strict zero-copy JSON reader: the [`Decode`]
//! trait, the caller's scratch buffer, and the member values every response type is built
//! from (strings, integers, booleans, `UnixSeconds`, string lists).
//!
//! A struct reads its object's members in one pass: members it does not know are skipped
//! (the reader has validated them), a known member seen twice is rejected, `null` means absent
//! only where the member is optional, and any other JSON type than the expected one is an
//! error. The first error found is located at the innermost struct and member.

use cotter_json::{self as reader, JsonError, JsonErrorKind, JsonStr, JsonValue};

use crate::Error;
use crate::bump::Bump;

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
    use super::{Error, JsonValue, Scratch};

    /// Builds `Self` from one JSON value (containers as validated raw text).
    #[allow(unreachable_pub, reason = "sealed trait: public in a private module")]
    pub trait Value<'a>: Sized {
        /// Decodes `value`; an [`Error::Json`] is located at the innermost struct and member
        /// that failed, or left unlocated for the caller to locate.
        fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, Error>;
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
    fn text(&mut self, s: JsonStr<'a>) -> Result<&'a str, Error> {
        if let Some(text) = s.as_str() {
            return Ok(text);
        }
        let too_small = || err(JsonErrorKind::BufferTooSmall);
        let buf = self.0.take(s.decoded_len()).ok_or_else(too_small)?;
        s.unescape_into(buf).map_err(|_| too_small())
    }
}

/// A decoding error of `kind`, not located yet.
const fn err(kind: JsonErrorKind) -> Error {
    Error::Json { error: JsonError::new(kind), object: None, member: None }
}

/// A decoding error of `kind` at `object` (and `member`).
const fn err_at(kind: JsonErrorKind, object: &'static str, member: Option<&'static str>) -> Error {
    Error::Json { error: JsonError::new(kind), object: Some(object), member }
}

/// Locates an unlocated JSON error at `object` (and `member`); an error an inner struct
/// located already, or any other error, is left as it is.
const fn locate(e: Error, object: &'static str, member: Option<&'static str>) -> Error {
    match e {
        Error::Json { error, object: None, member: None } => {
            Error::Json { error, object: Some(object), member }
        }
        other => other,
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
    f: &mut dyn FnMut(&str, JsonValue<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let JsonValue::Object(text) = value else {
        return Err(err(JsonErrorKind::InvalidType));
    };
    reader::for_each_member(text, |key, v| {
        let mut buf = [0u8; 32];
        let name = match key.as_str() {
            Some(name) => name,
            None => key.unescape_into(&mut buf).unwrap_or(""),
        };
        f(name, v)
    })
    // The reader's errors (malformed JSON) are located at the object, not at a member; the
    // callback's are located already.
    .map_err(|e| locate(e, object, None))
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
    ) -> Result<(), Error> {
        if !matches!(self, Self::Absent) {
            return Err(err_at(JsonErrorKind::InvalidValue, object, Some(field)));
        }
        *self = match value {
            JsonValue::Null => Self::Null,
            v => Self::Value(
                T::decode_value(v, scratch).map_err(|e| locate(e, object, Some(field)))?,
            ),
        };
        Ok(())
    }

    /// A required member: absent is [`JsonErrorKind::MissingMember`], `null` is
    /// [`JsonErrorKind::InvalidType`].
    pub(crate) fn required(self, object: &'static str, field: &'static str) -> Result<T, Error> {
        match self {
            Self::Value(v) => Ok(v),
            Self::Absent => Err(err_at(JsonErrorKind::MissingMember, object, None)),
            Self::Null => Err(err_at(JsonErrorKind::InvalidType, object, Some(field))),
        }
    }

    /// An optional member: absent or `null` is `None`.
    #[allow(clippy::unnecessary_wraps, reason = "same shape as the other modes")]
    pub(crate) fn optional(self, _: &'static str, _: &'static str) -> Result<Option<T>, Error> {
        Ok(match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        })
    }

    /// A member with a default: absent is `T::default()`, `null` is
    /// [`JsonErrorKind::InvalidType`] (serde's `#[serde(default)]`).
    pub(crate) fn or_default(self, object: &'static str, field: &'static str) -> Result<T, Error>
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
            ) -> Result<Self, $crate::Error> {
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
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, Error> {
        match value {
            JsonValue::Str(s) => scratch.text(s),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for u64 {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, Error> {
        match value {
            // The reader checked the grammar, so `+`, spaces and the like cannot occur;
            // a sign, fraction, exponent or overflow fails here.
            JsonValue::Number(n) => n.raw().parse().map_err(|_| err(JsonErrorKind::InvalidNumber)),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for bool {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, Error> {
        match value {
            JsonValue::Bool(b) => Ok(b),
            _ => Err(err(JsonErrorKind::InvalidType)),
        }
    }
}

impl<'a> Value<'a> for crate::UnixSeconds {
    fn decode_value(value: JsonValue<'a>, _: &mut Scratch<'a>) -> Result<Self, Error> {
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
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, Error> {
        let JsonValue::Array(text) = value else {
            return Err(err(JsonErrorKind::InvalidType));
        };
        let mut list = Self::new();
        reader::for_each_element(text, |item| {
            let item = <&str>::decode_value(item, scratch)?;
            list.push(item).map_err(|_| err(JsonErrorKind::InvalidValue))
        })?;
        Ok(list)
    }
}

impl<'a, T: Value<'a>> Value<'a> for Option<T> {
    fn decode_value(value: JsonValue<'a>, scratch: &mut Scratch<'a>) -> Result<Self, Error> {
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
        None => JsonErrorKind::UnexpectedEnd,
        Some(b'{') => return Ok(JsonValue::Object(text)),
        Some(b'n') if t == b"null" => return Ok(JsonValue::Null),
        Some(b'n') if t.starts_with(b"null") => JsonErrorKind::TrailingCharacters,
        Some(b'n') if b"null".starts_with(t) => JsonErrorKind::UnexpectedEnd,
        Some(b'n') => JsonErrorKind::UnexpectedByte,
        Some(_) => JsonErrorKind::InvalidType,
    };
    Err(JsonError::new(kind))
}
