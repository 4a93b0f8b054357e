//! Why a session could not be encoded ([`EncodeError`]) or a record decoded ([`DecodeError`]).

use crate::error::{Error, ErrorKind};
use core::fmt;

/// A string field of a [`Session`](crate::Session), named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// [`Session::access_token`](crate::Session::access_token).
    AccessToken,
    /// [`Session::id_token`](crate::Session::id_token).
    IdToken,
    /// [`Session::refresh_token`](crate::Session::refresh_token).
    RefreshToken,
    /// [`Session::token_type`](crate::Session::token_type).
    TokenType,
    /// [`Session::auth_method`](crate::Session::auth_method).
    AuthMethod,
    /// [`Session::user_id`](crate::Session::user_id).
    UserId,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AccessToken => "access token",
            Self::IdToken => "id token",
            Self::RefreshToken => "refresh token",
            Self::TokenType => "token type",
            Self::AuthMethod => "auth method",
            Self::UserId => "user id",
        })
    }
}

/// Why a session could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string is longer than [`MAX_FIELD_LEN`](crate::MAX_FIELD_LEN). Recovery: none; such a
    /// session cannot be stored.
    FieldTooLong {
        /// Which field.
        field: Field,
        /// Its length in bytes.
        len: usize,
    },
    /// The output buffer is shorter than the record. Recovery: encode into `needed` bytes.
    BufferTooSmall {
        /// The record's length.
        needed: usize,
    },
}

impl EncodeError {
    /// [`ErrorKind::TooLarge`] or [`ErrorKind::BufferTooSmall`].
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::FieldTooLong { .. } => ErrorKind::TooLarge,
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
        }
    }
}

impl Error for EncodeError {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldTooLong { field, len } => {
                write!(f, "{field} is {len} bytes, more than {} allowed", crate::MAX_FIELD_LEN)
            }
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the record needs {needed} bytes")
            }
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why bytes are not a session record this crate can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Shorter than the record's declared length, or too short to hold a record at all.
    Truncated {
        /// How many bytes there were.
        len: usize,
    },
    /// The first four bytes are not [`MAGIC`](crate::codec::MAGIC).
    BadMagic,
    /// Longer than the record's declared (or actual) length.
    TrailingBytes {
        /// How many bytes there were.
        len: usize,
        /// How long the record is.
        record_len: usize,
    },
    /// The CRC does not match the content.
    CrcMismatch,
    /// An intact record of a version this crate does not read.
    UnsupportedVersion(u8),
    /// An intact version-1 record with flag bits this crate does not know.
    UnknownFlags(u8),
    /// A length prefix points past the end of the record.
    FieldOverrun,
    /// A string is longer than [`MAX_FIELD_LEN`](crate::MAX_FIELD_LEN).
    FieldTooLong {
        /// Which field.
        field: Field,
        /// Its declared length.
        len: usize,
    },
    /// A string is not UTF-8.
    InvalidUtf8 {
        /// Which field.
        field: Field,
    },
}

impl DecodeError {
    /// [`ErrorKind::UnsupportedVersion`] for [`Self::UnsupportedVersion`] and
    /// [`Self::UnknownFlags`], [`ErrorKind::Corrupt`] for the rest.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::UnsupportedVersion(_) | Self::UnknownFlags(_) => ErrorKind::UnsupportedVersion,
            _ => ErrorKind::Corrupt,
        }
    }
}

impl Error for DecodeError {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { len } => write!(f, "session record truncated ({len} bytes)"),
            Self::BadMagic => f.write_str("not a session record (bad magic)"),
            Self::TrailingBytes { len, record_len } => {
                write!(f, "{len} bytes where the session record has {record_len}")
            }
            Self::CrcMismatch => f.write_str("session record crc mismatch"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported session record version {v}"),
            Self::UnknownFlags(flags) => write!(f, "unknown session record flags {flags:#04x}"),
            Self::FieldOverrun => f.write_str("session record field runs past its end"),
            Self::FieldTooLong { field, len } => {
                write!(f, "{field} is {len} bytes, more than {} allowed", crate::MAX_FIELD_LEN)
            }
            Self::InvalidUtf8 { field } => write!(f, "{field} is not utf-8"),
        }
    }
}

impl core::error::Error for DecodeError {}
