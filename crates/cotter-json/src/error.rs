//! [`JsonError`]: why a JSON text was rejected, by the reader or by a decoder built on it.

use core::fmt;

/// Why a JSON text was rejected: what was wrong and, when known, the byte offset.
///
/// The reader reports malformed JSON with the offset into the text it was given where reading
/// stopped. A decoder built on the reader reports, with the same type, JSON that is well formed
/// but not what it expects ([`JsonErrorKind::InvalidType`], [`JsonErrorKind::MissingMember`],
/// …); it knows no offset then, and says where in its own terms (`cotter-proto`'s error names
/// the object and member, `cotter-jwt`'s the token segment).
///
/// It is four bytes, aligned as a word: the offset is kept in 24 bits, so an offset from
/// 16 MiB on is not kept. With a `usize` offset (eight bytes on a 32-bit microcontroller,
/// where results of more than four bytes go through memory) the full-client firmware of
/// `tests/firmware` was 1 928 bytes larger and the verify-only one 16 (`cargo xtask size`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(align(4))]
pub struct JsonError {
    kind: JsonErrorKind,
    /// Little-endian; [`NO_OFFSET`] when unknown.
    offset: [u8; 3],
}

/// The stored offset of an error without one, and the first offset not kept.
const NO_OFFSET: u32 = 0xFF_FFFF;

impl JsonError {
    /// An error of `kind` without an offset (a decoder's: the JSON was well formed).
    #[must_use]
    pub const fn new(kind: JsonErrorKind) -> Self {
        Self::at(kind, NO_OFFSET as usize)
    }

    /// An error of `kind` at byte `offset` of the text (not kept from 16 MiB on).
    #[must_use]
    pub const fn at(kind: JsonErrorKind, offset: usize) -> Self {
        let kept = if offset < NO_OFFSET as usize { offset as u32 } else { NO_OFFSET };
        let [a, b, c, _] = kept.to_le_bytes();
        Self { kind, offset: [a, b, c] }
    }

    /// What was wrong.
    #[must_use]
    pub const fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// The byte offset into the JSON text where reading stopped, when known: for the
    /// reader's errors in the first 16 MiB of a text, never for those a decoder reports about
    /// well-formed JSON.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        let [a, b, c] = self.offset;
        let offset = u32::from_le_bytes([a, b, c, 0]);
        if offset == NO_OFFSET { None } else { Some(offset as usize) }
    }
}

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonError")
            .field("kind", &self.kind)
            .field("offset", &self.offset())
            .finish()
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset() {
            Some(offset) => write!(f, "{} at byte {offset}", self.kind),
            None => fmt::Display::fmt(&self.kind, f),
        }
    }
}

impl core::error::Error for JsonError {}

/// The kinds of [`JsonError`].
///
/// The reader reports the first eight, for malformed JSON. The others are for decoders built on
/// the reader (the reader never reports them), about JSON that is well formed but not what the
/// decoder expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// A number that does not follow the JSON grammar; from a decoder, one it cannot take
    /// (negative where unsigned, a fraction where an integer, out of range).
    InvalidNumber,
    /// Objects or arrays nested deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
    /// Non-whitespace after the top-level value.
    TrailingCharacters,
    /// The text is not UTF-8 (the reader takes `&str`; a decoder of bytes checks first).
    InvalidUtf8,
    /// A value has the wrong JSON type (a number where a string is expected, `null` for a
    /// required member).
    InvalidType,
    /// A value has the right type but is not acceptable (a malformed timestamp, too many
    /// items, a member given twice).
    InvalidValue,
    /// A required member is absent.
    MissingMember,
    /// The caller's buffer for decoded strings is too small (what
    /// [`JsonStr::unescape_into`](crate::JsonStr::unescape_into) reports): retry with a larger
    /// one.
    BufferTooSmall,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnexpectedEnd => "unexpected end of input",
            Self::UnexpectedByte => "unexpected character",
            Self::NotAnObject => "not a JSON object",
            Self::InvalidEscape => "invalid string escape",
            Self::ControlCharacter => "control character in string",
            Self::InvalidNumber => "invalid number",
            Self::TooDeep => "nesting too deep",
            Self::TrailingCharacters => "trailing characters after the value",
            Self::InvalidUtf8 => "text is not utf-8",
            Self::InvalidType => "value of the wrong type",
            Self::InvalidValue => "unacceptable value",
            Self::MissingMember => "missing member",
            Self::BufferTooSmall => "buffer too small for the decoded strings",
        })
    }
}
