//! What every store error has in common: an [`ErrorKind`] that generic code can act on.
//!
//! This follows `embedded-storage` and `embedded-hal`: each store has its own error type (often
//! generic over the error of the layer below it) and exposes [`Error::kind`], so code written
//! against [`TokenStore`](crate::TokenStore) can decide what to do without knowing the store.

use core::convert::Infallible;
use core::fmt;

/// The kind of a store error, and what a caller usually does about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The stored record is damaged (bad magic, CRC, length or UTF-8). Recovery: treat the
    /// session as lost, [`clear`](crate::TokenStore::clear) the store and sign in again.
    Corrupt,
    /// The record was written by a newer version of this crate. Recovery: upgrade, or clear the
    /// store and sign in again.
    UnsupportedVersion,
    /// The session does not fit: a field is longer than the codec allows or the record is larger
    /// than the store's capacity. Recovery: give the store more room; retrying will not help.
    TooLarge,
    /// The caller's buffer is too small for the stored record. Recovery: call again with a
    /// larger buffer (at most [`MAX_ENCODED_LEN`](crate::MAX_ENCODED_LEN) bytes).
    BufferTooSmall,
    /// The backing storage cannot be reached right now (a locked keyring, a busy or powered-down
    /// flash). Recovery: retry later; the stored session is unchanged.
    Unavailable,
    /// The backing storage reported an I/O failure. Recovery: retry; if it persists the medium
    /// may be failing.
    Io,
    /// The store refused its backing storage as unsafe to use: a symbolic link where a file
    /// should be, a file or directory owned by another user, a directory others can write.
    /// Recovery: fix the ownership or permissions the error names; retrying will not help, and
    /// the stored session (if any) was neither read nor changed.
    Insecure,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// A fixed, lowercase description (the [`Display`](fmt::Display) text), available without
    /// `core::fmt`: with [`Error::kind`], any store error can be reported this way.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Corrupt => "stored session is corrupt",
            Self::UnsupportedVersion => "stored session has an unsupported version",
            Self::TooLarge => "session is too large for the store",
            Self::BufferTooSmall => "buffer is too small for the stored session",
            Self::Unavailable => "token store is unavailable",
            Self::Io => "token store i/o error",
            Self::Insecure => "token store refused an unsafe file or directory",
            Self::Other => "token store error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl core::error::Error for ErrorKind {}

/// A store error: any `Debug` type that can say which [`ErrorKind`] it is.
pub trait Error: fmt::Debug {
    /// The kind of this error.
    fn kind(&self) -> ErrorKind;
}

impl Error for ErrorKind {
    fn kind(&self) -> ErrorKind {
        *self
    }
}

impl Error for Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

/// The error type of a store; the supertrait of [`TokenStore`](crate::TokenStore).
pub trait ErrorType {
    /// The error every operation of this store returns.
    type Error: Error;
}

impl<T: ErrorType + ?Sized> ErrorType for &mut T {
    type Error = T::Error;
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn kind_of_kind_is_itself() {
        assert_eq!(ErrorKind::Corrupt.kind(), ErrorKind::Corrupt);
        assert_eq!(ErrorKind::Io.to_string(), "token store i/o error");
    }
}
