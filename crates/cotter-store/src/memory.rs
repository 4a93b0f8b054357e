//! [`MemoryStore`]: a session kept in a fixed-size array, for tests and for devices that sign in
//! again after every reset.

use crate::codec::{self, DecodeError, EncodeError};
use crate::error::{Error, ErrorKind, ErrorType};
use crate::session::Session;
use crate::store::TokenStore;
use core::fmt;
use zeroize::Zeroize;

/// A [`TokenStore`] that keeps the encoded record in an `[u8; N]`, without a heap.
///
/// The bytes are zeroized when the store is cleared, when a shorter record replaces a longer
/// one (the tail) and when the store is dropped. A save that does not fit leaves the previous
/// session in place.
///
/// The store has a single owner (the value holds the bytes), so it has no lock:
/// [`TokenStore::lock`] is the trait's no-op.
///
/// ```
/// use cotter_store::{ErrorKind, MemoryStore, Session, TokenStore};
///
/// let mut store = MemoryStore::<256>::new();
/// let mut buf = [0u8; 256];
/// assert_eq!(store.load(&mut buf)?, None);
///
/// store.save(&Session::new("access", "id", "refresh", 1_700_000_000))?;
/// assert_eq!(store.load(&mut buf)?.map(|s| s.refresh_token), Some("refresh"));
///
/// let huge = "x".repeat(300);
/// let err = store.save(&Session::new(&huge, "", "", 0)).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::TooLarge);
/// assert_eq!(store.load(&mut buf)?.map(|s| s.access_token), Some("access"));
///
/// store.clear()?;
/// assert_eq!(store.load(&mut buf)?, None);
/// # Ok::<(), cotter_store::MemoryStoreError>(())
/// ```
pub struct MemoryStore<const N: usize> {
    bytes: [u8; N],
    /// Length of the stored record; 0 when empty.
    len: usize,
}

impl<const N: usize> MemoryStore<N> {
    /// An empty store.
    #[must_use]
    pub const fn new() -> Self {
        Self { bytes: [0; N], len: 0 }
    }

    /// Whether no session is stored.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The length of the stored record in bytes (0 when empty): the buffer size `load` needs.
    #[must_use]
    pub const fn record_len(&self) -> usize {
        self.len
    }

    /// The largest record the store holds, `N`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Default for MemoryStore<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Drop for MemoryStore<N> {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl<const N: usize> fmt::Debug for MemoryStore<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &N)
            .field("record_len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Why a [`MemoryStore`] operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemoryStoreError {
    /// The record is larger than the store. Recovery: use a larger `N`; the previous session is
    /// still stored.
    TooLarge {
        /// The record's length.
        needed: usize,
        /// The store's capacity, `N`.
        capacity: usize,
    },
    /// The session cannot be encoded at all (a field over the codec's limit). Recovery: none.
    Encode(EncodeError),
    /// The caller's buffer is shorter than the stored record. Recovery: load again with at
    /// least `needed` bytes.
    BufferTooSmall {
        /// The record's length.
        needed: usize,
    },
    /// The stored bytes do not decode (they were damaged in memory). Recovery: clear.
    Corrupt(DecodeError),
}

impl MemoryStoreError {
    /// The [`ErrorKind`] of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::TooLarge { .. } => ErrorKind::TooLarge,
            Self::Encode(e) => e.kind(),
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::Corrupt(e) => e.kind(),
        }
    }
}

impl Error for MemoryStoreError {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

impl fmt::Display for MemoryStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { needed, capacity } => {
                write!(f, "session needs {needed} bytes, the memory store holds {capacity}")
            }
            Self::Encode(_) => f.write_str("session cannot be encoded"),
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the stored session needs {needed} bytes")
            }
            Self::Corrupt(_) => f.write_str("stored session is corrupt"),
        }
    }
}

impl core::error::Error for MemoryStoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Encode(e) => Some(e),
            Self::Corrupt(e) => Some(e),
            _ => None,
        }
    }
}

impl<const N: usize> ErrorType for MemoryStore<N> {
    type Error = MemoryStoreError;
}

impl<const N: usize> TokenStore for MemoryStore<N> {
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error> {
        if self.len == 0 {
            return Ok(None);
        }
        let needed = self.len;
        let dst = buf.get_mut(..needed).ok_or(MemoryStoreError::BufferTooSmall { needed })?;
        dst.copy_from_slice(&self.bytes[..needed]);
        codec::decode(dst).map(Some).map_err(MemoryStoreError::Corrupt)
    }

    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error> {
        let needed = codec::encoded_len(session).map_err(MemoryStoreError::Encode)?;
        if needed > N {
            return Err(MemoryStoreError::TooLarge { needed, capacity: N });
        }
        let written = codec::encode(session, &mut self.bytes).map_err(MemoryStoreError::Encode)?;
        if written < self.len {
            self.bytes[written..self.len].zeroize();
        }
        self.len = written;
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.bytes.zeroize();
        self.len = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_record_zeroizes_the_tail() {
        let mut store = MemoryStore::<128>::new();
        store.save(&Session::new("aaaaaaaaaaaaaaaaaaaa", "", "", 1)).unwrap();
        let long = store.record_len();
        store.save(&Session::new("b", "", "", 2)).unwrap();
        assert!(store.record_len() < long);
        assert!(store.bytes[store.record_len()..].iter().all(|&b| b == 0));
        store.clear().unwrap();
        assert!(store.bytes.iter().all(|&b| b == 0));
        assert!(store.is_empty());
    }

    #[test]
    fn small_buffer_is_reported() {
        let mut store = MemoryStore::<128>::new();
        store.save(&Session::new("a", "b", "c", 1)).unwrap();
        let needed = store.record_len();
        let mut buf = [0u8; 8];
        assert_eq!(store.load(&mut buf), Err(MemoryStoreError::BufferTooSmall { needed }));
        assert_eq!(
            MemoryStoreError::BufferTooSmall { needed }.kind(),
            crate::ErrorKind::BufferTooSmall
        );
    }

    #[test]
    fn damaged_memory_is_corrupt() {
        let mut store = MemoryStore::<128>::new();
        store.save(&Session::new("a", "b", "c", 1)).unwrap();
        store.bytes[20] ^= 0x10;
        let mut buf = [0u8; 128];
        let err = store.load(&mut buf).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corrupt);
    }

    #[test]
    fn works_through_a_mutable_reference() {
        fn roundtrip<S: TokenStore>(mut s: S) -> bool {
            s.save(&Session::new("x", "y", "z", 3)).is_ok()
                && matches!(s.load(&mut [0u8; 128]), Ok(Some(v)) if v.id_token == "y")
        }
        let mut store = MemoryStore::<128>::new();
        assert!(roundtrip(&mut store));
        assert!(!store.is_empty());
    }
}
