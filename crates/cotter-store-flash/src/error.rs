//! [`Error`]: what can go wrong in a [`FlashStore`](crate::FlashStore), generic over the flash
//! driver's error, and [`GeometryError`] for a range the store cannot use.

use core::fmt;
use cotter_store::{DecodeError, EncodeError, ErrorKind};

/// Why a flash range cannot hold a [`FlashStore`](crate::FlashStore). Every variant is a
/// programming or configuration mistake; recovery is to pass another range or driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeometryError {
    /// The range does not start and end on erase-sector boundaries, or is empty.
    Misaligned,
    /// The range holds fewer than two erase sectors; the store needs one to fall back on.
    TooFewSectors {
        /// Sectors in the range.
        sectors: u32,
    },
    /// The range ends past the flash's capacity.
    OutOfBounds {
        /// End of the range.
        end: u32,
        /// The driver's capacity.
        capacity: usize,
    },
    /// `WRITE_SIZE` is not a power of two of at most [`MAX_WRITE_SIZE`](crate::MAX_WRITE_SIZE),
    /// or does not divide `ERASE_SIZE`.
    WriteSize(usize),
    /// `READ_SIZE` is not a power of two of at most [`MAX_WRITE_SIZE`](crate::MAX_WRITE_SIZE),
    /// or does not divide `ERASE_SIZE`.
    ReadSize(usize),
    /// An erase sector cannot hold even an empty record, or is larger than 2 GiB.
    EraseSize(usize),
}

impl GeometryError {
    /// A fixed, lowercase description of the error, without the numbers that
    /// [`Display`](fmt::Display) adds; it needs no `core::fmt`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Misaligned => "flash range is empty or not aligned to erase sectors",
            Self::TooFewSectors { .. } => "flash range has fewer than 2 erase sectors",
            Self::OutOfBounds { .. } => "flash range ends past the flash's capacity",
            Self::WriteSize(_) => "unsupported flash write size",
            Self::ReadSize(_) => "unsupported flash read size",
            Self::EraseSize(_) => "unsupported flash erase size",
        }
    }
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Misaligned => f.write_str(self.reason()),
            Self::TooFewSectors { sectors } => {
                write!(f, "flash range has {sectors} erase sectors, at least 2 are needed")
            }
            Self::OutOfBounds { end, capacity } => {
                write!(f, "flash range ends at {end:#x}, past the capacity of {capacity:#x}")
            }
            Self::WriteSize(n) => write!(f, "unsupported flash write size {n}"),
            Self::ReadSize(n) => write!(f, "unsupported flash read size {n}"),
            Self::EraseSize(n) => write!(f, "unsupported flash erase size {n}"),
        }
    }
}

impl core::error::Error for GeometryError {}

/// Why a [`FlashStore`](crate::FlashStore) operation failed; `E` is the flash driver's error.
///
/// Whatever the error, the store never loses the last session that was saved successfully: a
/// failed `save` leaves the previous session (or, if the new record was completed, the new
/// one); a failed `clear` leaves the session or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error<E> {
    /// The range or the driver's sizes are unusable (only from
    /// [`FlashStore::new`](crate::FlashStore::new)). Recovery: fix the configuration.
    Geometry(GeometryError),
    /// The session's record is larger than an erase sector. Recovery: none with this geometry;
    /// the previous session is still stored. Use larger sectors or shorter tokens.
    TooLarge {
        /// Bytes the record takes on flash, header and commit word included.
        needed: usize,
        /// The most a sector holds.
        max: usize,
    },
    /// The session cannot be encoded (a field over 8 KiB). Recovery: none; nothing was written.
    Encode(EncodeError),
    /// The buffer given to `load` is shorter than the stored record. Recovery: load again with
    /// `needed` bytes ([`FlashStore::record_len`](crate::FlashStore::record_len) tells it
    /// beforehand).
    BufferTooSmall {
        /// The record's length.
        needed: usize,
    },
    /// The newest complete record passed the flash CRC but does not decode: it was damaged
    /// after the store scanned it, or a newer version of the codec wrote it (then
    /// [`kind`](Self::kind) is [`ErrorKind::UnsupportedVersion`]). Recovery: `clear` and sign
    /// in again, or upgrade.
    Corrupt(DecodeError),
    /// What was programmed did not read back as written (a worn or failing sector). The
    /// incomplete record is never taken for valid and the store moves on to a fresh sector.
    /// Recovery: retry; if it keeps failing, the flash is worn out.
    Verify,
    /// The flash driver failed (or power was lost). The store forgets what it cached and scans
    /// the flash again on the next call. Recovery: retry.
    Flash(E),
}

impl<E> Error<E> {
    /// The [`ErrorKind`] of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Geometry(_) => ErrorKind::Other,
            Self::TooLarge { .. } => ErrorKind::TooLarge,
            Self::Encode(e) => e.kind(),
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::Corrupt(e) => e.kind(),
            Self::Verify | Self::Flash(_) => ErrorKind::Io,
        }
    }

    /// A fixed, lowercase description of the error, without the details that
    /// [`Display`](fmt::Display) adds (sizes, the driver's error); for
    /// [`Geometry`](Self::Geometry) it is the [`GeometryError`]'s own text.
    ///
    /// It needs no `core::fmt`: firmware that reports errors as text can print it and leave
    /// the formatting machinery out of its image.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Geometry(e) => e.reason(),
            Self::TooLarge { .. } => "session record larger than a flash sector",
            Self::Encode(_) => "session cannot be encoded",
            Self::BufferTooSmall { .. } => "buffer too small for the stored session",
            Self::Corrupt(_) => "stored session does not decode",
            Self::Verify => "flash did not read back what was programmed",
            Self::Flash(_) => "flash error",
        }
    }
}

impl<E: fmt::Debug> cotter_store::Error for Error<E> {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

impl<E> From<EncodeError> for Error<E> {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Geometry(_) => f.write_str("unusable flash geometry"),
            Self::TooLarge { needed, max } => {
                write!(f, "session record needs {needed} bytes of flash, a sector holds {max}")
            }
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the stored session needs {needed} bytes")
            }
            Self::Flash(e) => write!(f, "flash error: {e:?}"),
            _ => f.write_str(self.reason()),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Geometry(e) => Some(e),
            Self::Encode(e) => Some(e),
            Self::Corrupt(e) => Some(e),
            _ => None,
        }
    }
}
