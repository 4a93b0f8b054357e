//! The [`TokenStore`] trait that the Cotter client saves its session through.

use crate::error::ErrorType;
use crate::session::Session;

/// Somewhere to keep one [`Session`] between runs: memory, a file, the OS keyring, NOR flash.
///
/// A store holds at most one session. `save` replaces it as a whole: after a failed `save`
/// (power cut, full disk) a store either still holds the previous session or holds the new
/// one, never a mix; stores document any weaker guarantee. `clear` removes it such that a later
/// `load` returns `None`.
///
/// # Sharing a store: the lock
///
/// Several clients may share one stored session: an app and its CLI, two processes, two
/// values of the same store type. A client that renews the session takes the store's lock
/// with [`lock`](Self::lock), reads the stored session again (another holder may have renewed
/// it already), saves the renewed one and only then calls [`unlock`](Self::unlock), so two
/// holders never both spend the same single-use refresh token. While a value holds the lock,
/// its own `load`, `save` and `clear` work as usual (they do not wait for the lock they hold);
/// saves and clears through any other value wait for it.
///
/// Stores that a single value owns (memory, a microcontroller's flash) need no lock: the
/// default methods do nothing, so such stores pay nothing for it. Stores that several values
/// or processes can reach (a file, the OS keyring) implement it.
///
/// Records are decoded into a buffer the caller owns, so a store needs no heap. A buffer of
/// [`MAX_ENCODED_LEN`](crate::MAX_ENCODED_LEN) bytes holds any session; real Cotter sessions
/// take about 2 KiB.
///
/// ```
/// use cotter_store::{MemoryStore, Session, TokenStore};
///
/// fn refresh_token_of<S: TokenStore>(store: &mut S, buf: &mut [u8]) -> Option<usize> {
///     let session = store.load(buf).ok()??;
///     Some(session.refresh_token.len())
/// }
///
/// let mut store = MemoryStore::<512>::new();
/// store.save(&Session::new("a", "i", "r-token", 1))?;
/// let mut buf = [0u8; 512];
/// assert_eq!(refresh_token_of(&mut store, &mut buf), Some(7));
/// # Ok::<(), cotter_store::MemoryStoreError>(())
/// ```
pub trait TokenStore: ErrorType {
    /// Reads the stored session, decoding it into `buf`; `None` when nothing is stored or the
    /// last operation was [`clear`](Self::clear).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BufferTooSmall`](crate::ErrorKind::BufferTooSmall) when `buf` cannot hold
    /// the record, [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) or
    /// [`ErrorKind::UnsupportedVersion`](crate::ErrorKind::UnsupportedVersion) when the record
    /// cannot be decoded, and the store's own I/O errors.
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error>;

    /// Replaces the stored session with `session`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) when the session does not fit, and
    /// the store's own I/O errors. After an error the store holds the previous session or the
    /// new one.
    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error>;

    /// Removes the stored session.
    ///
    /// # Errors
    ///
    /// The store's own I/O errors; after an error the store may still hold the session.
    fn clear(&mut self) -> Result<(), Self::Error>;

    /// Takes the store's exclusive lock, waiting for other holders, until
    /// [`unlock`](Self::unlock) (or until the value is dropped). Taking it again while held
    /// does nothing. The default does nothing: the store has a single owner.
    ///
    /// # Errors
    ///
    /// The store's own I/O errors; the lock is not held then.
    fn lock(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Releases the lock taken by [`lock`](Self::lock); does nothing when it is not held.
    fn unlock(&mut self) {}
}

impl<T: TokenStore + ?Sized> TokenStore for &mut T {
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error> {
        T::load(self, buf)
    }

    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error> {
        T::save(self, session)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        T::clear(self)
    }

    fn lock(&mut self) -> Result<(), Self::Error> {
        T::lock(self)
    }

    fn unlock(&mut self) {
        T::unlock(self);
    }
}
