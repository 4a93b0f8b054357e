//! [`KeyringStore`]: one session in the OS keyring, as one entry or a head plus chunks.

use crate::error::{Damage, KeyringStoreError};
use crate::format::{self, Bank, Head};
use crate::lock::Lock;
use core::fmt;
use cotter_store::{ErrorType, Session, TokenStore, codec};
use keyring_core::CredentialStore;
use std::path::PathBuf;
use std::sync::Arc;
use zeroize::Zeroizing;

mod entries;
#[cfg(test)]
mod tests;

/// The chunk size used unless [`KeyringStore::with_chunk_size`] says otherwise: the most bytes
/// one keyring entry holds. Windows' Credential Manager stores at most 2560 bytes per
/// credential (`CRED_MAX_CREDENTIAL_BLOB_SIZE`), so there it is 2048 and a Cotter session
/// (about 2–5 KiB) takes two or three entries; elsewhere it is 16 KiB, below the Linux kernel
/// keyring's 32 KiB per key, and a session takes one entry.
pub const DEFAULT_CHUNK_SIZE: usize = if cfg!(windows) { 2048 } else { 16 * 1024 };

/// The smallest chunk size [`KeyringStore::with_chunk_size`] accepts.
pub const MIN_CHUNK_SIZE: usize = 64;

/// A parsed head and the secret it came from.
type HeadEntry = (Head, Zeroizing<Vec<u8>>);

/// How many times a load starts over when a save by another process changed the entries under
/// it.
const LOAD_ATTEMPTS: usize = 3;

/// Which credential store the entries live in.
#[derive(Clone)]
enum Backend {
    /// The platform store keyring 4 sets up on first use (its default store).
    Platform,
    /// A store the caller built.
    Store(Arc<CredentialStore>),
}

/// A [`TokenStore`] that keeps the session in the OS keyring through
/// [keyring 4](https://crates.io/crates/keyring): the Secret Service on Linux and the BSDs,
/// Keychain on macOS, Credential Manager on Windows.
///
/// The [record](cotter_store::codec) goes into the entry (`service`, `user`) behind a 16-byte
/// head. When it is larger than the chunk size ([`DEFAULT_CHUNK_SIZE`] per platform) the rest
/// goes into entries `user#a1`, `user#a2`, … (or `user#b1`, … on alternate saves): a save writes
/// the new chunks first, then the head, then deletes the old chunks, so a save interrupted at
/// any point leaves the previous session readable. `clear` deletes the head first (a later
/// `load` is `None`) and then every chunk. See [`format`](mod@crate::format) for the layout.
///
/// No credential store (a headless box without a Secret Service) is
/// [`KeyringStoreError::Unavailable`], never a panic and never a plaintext fallback.
///
/// # Sharing an entry: the lock
///
/// Keyrings have no locks, so the store locks a file beside the user's data instead, one per
/// entry (`$XDG_RUNTIME_DIR/cotter-rs/keyring-<service>+<user>.lock`, else under the platform
/// cache directory: see [`lock_path`](Self::lock_path) for the rule, or name the file with
/// [`with_lock_file`](Self::with_lock_file)). [`lock`](TokenStore::lock) takes it exclusively
/// until [`unlock`](TokenStore::unlock) or drop; while held, this value's `load`, `save` and
/// `clear` run without waiting for it. Otherwise `save` and `clear` take it exclusively and
/// `load` takes it shared for their own duration, so saves from several processes (or several
/// values) run one after the other, and a load never sees half of a save: it waits while
/// another value holds the lock, a refresh included. A clone of a locked store is not locked.
/// When there is no place for the lock file every operation fails with
/// [`KeyringStoreError::NoLockLocation`]; the store never runs without its lock.
///
/// Secrets read from or written to the keyring pass through buffers that are zeroized after
/// use.
///
/// ```no_run
/// use cotter_store::{ErrorKind, Session, TokenStore};
/// use cotter_store_keyring::KeyringStore;
///
/// let mut store = KeyringStore::new("com.example.app", "alice");
/// match store.save(&Session::new("access", "id", "refresh", 1_700_000_000)) {
///     Ok(()) => {}
///     // Headless Linux without gnome-keyring: the message says what to do.
///     Err(e) if e.kind() == ErrorKind::Unavailable => eprintln!("{e}"),
///     Err(e) => return Err(e.into()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeyringStore {
    service: String,
    user: String,
    chunk_size: usize,
    backend: Backend,
    lock: Lock,
}

impl KeyringStore {
    /// A store for entry `(service, user)` in the platform's credential store, with
    /// [`DEFAULT_CHUNK_SIZE`]. Nothing is contacted until the first operation.
    ///
    /// keyring 4 starts the platform store once per process, on first use; when that fails
    /// (no Secret Service yet) every operation returns
    /// [`Unavailable`](KeyringStoreError::Unavailable) until the process restarts. Use
    /// [`with_credential_store`](Self::with_credential_store) to retry with a fresh store.
    #[must_use]
    pub fn new(service: &str, user: &str) -> Self {
        Self {
            service: service.into(),
            user: user.into(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            backend: Backend::Platform,
            lock: Lock::default(),
        }
    }

    /// A store for entry `(service, user)` in a credential store the caller built, e.g.
    /// `zbus_secret_service_keyring_store::Store::new()?` or the Linux kernel keyring's
    /// `linux_keyutils_keyring_store::Store::new()?`.
    #[must_use]
    pub fn with_credential_store(store: Arc<CredentialStore>, service: &str, user: &str) -> Self {
        Self { backend: Backend::Store(store), ..Self::new(service, user) }
    }

    /// The same store with at most `chunk_size` bytes per keyring entry. Records written with
    /// another chunk size still load.
    ///
    /// # Errors
    ///
    /// [`KeyringStoreError::InvalidChunkSize`] below [`MIN_CHUNK_SIZE`].
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Result<Self, KeyringStoreError> {
        if chunk_size < MIN_CHUNK_SIZE {
            return Err(KeyringStoreError::InvalidChunkSize { chunk_size, min: MIN_CHUNK_SIZE });
        }
        self.chunk_size = chunk_size;
        Ok(self)
    }

    /// The same store, locking the file at `path` instead of the default location. Every
    /// process sharing the entry must name the same file; its directory must be private to the
    /// user (see [`lock_path`](Self::lock_path)), so not `/tmp`. A lock held by this value is
    /// released.
    #[must_use]
    pub fn with_lock_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.lock = Lock::at(path.into());
        self
    }

    /// The lock file of this store: the one named with [`with_lock_file`](Self::with_lock_file),
    /// else the default, `<dir>/cotter-rs/keyring-<service>+<user>.lock`, where `<dir>` is the
    /// first of:
    ///
    /// 1. `$XDG_RUNTIME_DIR` (on any platform): per user, private, local and emptied at logout,
    ///    the place the XDG base directory spec gives to locks;
    /// 2. the platform's cache directory: `%LOCALAPPDATA%` on Windows, `$HOME/Library/Caches`
    ///    on macOS, `$XDG_CACHE_HOME` or else `$HOME/.cache` on other unix systems.
    ///
    /// A variable that is unset, empty or not an absolute path does not count (as the XDG spec
    /// says). With none, there is no default and every operation fails with
    /// [`KeyringStoreError::NoLockLocation`]. Processes that share an entry must agree on the
    /// file: one with `XDG_RUNTIME_DIR` and one without (a cron job, `su` without a login)
    /// would lock two different files, so such set-ups name the file in every process.
    ///
    /// `<service>` and `<user>` are escaped into one safe file name: ASCII letters, digits, `-`
    /// and `_` stay, a `.` stays between two of those (`com.example.app`), any other byte
    /// becomes `%XX` (`alice%40example.com`). No `/`, `\`, `..`, leading or trailing dot gets
    /// through, and distinct entries get distinct files. An escaped `<service>+<user>` longer
    /// than 120 bytes is cut to 111 and followed by `~` and the CRC-32 of the whole, in hex;
    /// two such names that collide share one lock, which only makes them wait for each other.
    ///
    /// When the lock is taken, missing directories are created (mode 0700 on unix), and the
    /// lock file's directory must be the user's and writable by no one else
    /// ([`check_dir`](cotter_store::lockfile::check_dir)); the file is created with mode 0600,
    /// never through a symbolic link, and must be a regular file of the user's
    /// ([`LockFile`](cotter_store::lockfile::LockFile)). It is never deleted: deleting a lock
    /// file lets two processes lock two different files.
    ///
    /// # Errors
    ///
    /// [`KeyringStoreError::NoLockLocation`] when there is no default location.
    pub fn lock_path(&self) -> Result<PathBuf, KeyringStoreError> {
        self.lock.path(&self.service, &self.user)
    }

    /// Whether this value holds the lock taken by [`lock`](TokenStore::lock).
    #[must_use]
    pub const fn is_locked(&self) -> bool {
        self.lock.is_held()
    }

    /// The service name of every entry.
    #[must_use]
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The user name of the head entry; chunks append `#a1`, `#b1`, …
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The most bytes written to one entry.
    #[must_use]
    pub const fn chunk_size(&self) -> usize {
        self.chunk_size
    }
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("KeyringStore");
        d.field("service", &self.service).field("user", &self.user);
        d.field("chunk_size", &self.chunk_size);
        d.field("lock_file", &self.lock_path().ok()).field("locked", &self.is_locked());
        match &self.backend {
            Backend::Platform => d.field("store", &"platform default"),
            Backend::Store(s) => d.field("store", s),
        };
        d.finish()
    }
}

impl ErrorType for KeyringStore {
    type Error = KeyringStoreError;
}

impl TokenStore for KeyringStore {
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error> {
        self.reachable()?;
        let _shared = self.lock.for_read(&self.service, &self.user)?;
        // Saves through this crate run under the exclusive lock, so with it a load meets no
        // save. The retries remain for writers that do not share the lock (older versions,
        // another lock file) and for a first save, which creates the lock file after this load
        // found none.
        let mut attempt = 0;
        let len = loop {
            attempt += 1;
            match self.read_record(buf) {
                Err(KeyringStoreError::Corrupt(
                    Damage::MissingChunk { .. } | Damage::StaleChunk { .. },
                )) if attempt < LOAD_ATTEMPTS => {}
                Ok(None) => return Ok(None),
                Ok(Some(len)) => break len,
                Err(e) => return Err(e),
            }
        };
        let buf: &'b [u8] = buf;
        codec::decode(&buf[..len]).map(Some).map_err(KeyringStoreError::Decode)
    }

    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error> {
        let len = codec::encoded_len(session).map_err(KeyringStoreError::Encode)?;
        let mut record = Zeroizing::new(vec![0u8; len]);
        codec::encode(session, &mut record).map_err(KeyringStoreError::Encode)?;
        let parts = u16::try_from(format::parts(len, self.chunk_size)).map_err(|_| {
            KeyringStoreError::Encode(codec::EncodeError::BufferTooSmall { needed: len })
        })?;
        let record_len = u32::try_from(len).map_err(|_| {
            KeyringStoreError::Encode(codec::EncodeError::BufferTooSmall { needed: len })
        })?;

        self.reachable()?;
        // Without the lock two saves would both read the same head, write the same bank and
        // generation, and could leave the chunks of two records mixed.
        let _exclusive = self.lock.for_write(&self.service, &self.user)?;
        let old = self.head(true)?.map(|(head, _)| head);
        let bank = old.map_or(Bank::A, |h| h.bank.flip());
        let generation = old.map_or_else(fresh_generation, |h| h.generation.wrapping_add(1));
        let (first, rest) = format::split(&record, self.chunk_size);

        // 1. The new chunks, into the bank the current head does not use.
        let mut scratch = Zeroizing::new(Vec::with_capacity(self.chunk_size));
        for (index, data) in (1..parts).zip(rest) {
            scratch.clear();
            scratch.extend_from_slice(&format::chunk_header(generation));
            scratch.extend_from_slice(data);
            self.set(&format::chunk_name(&self.user, bank, index), &scratch)?;
        }
        // 2. The head: from here on `load` sees the new session.
        scratch.clear();
        scratch.extend_from_slice(&Head { bank, parts, generation, record_len }.to_bytes());
        scratch.extend_from_slice(first);
        self.set(&self.user, &scratch)?;
        // 3. Best effort: chunks no head points to (the old bank, and this bank past the new
        //    record's end). A failure leaves fragments that the next save or clear removes.
        let _ = self.delete_chunks(bank, parts);
        let _ = self.delete_chunks(bank.flip(), 1);
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.reachable()?;
        let _exclusive = self.lock.for_write(&self.service, &self.user)?;
        self.delete(&self.user)?;
        let a = self.delete_chunks(Bank::A, 1);
        let b = self.delete_chunks(Bank::B, 1);
        a.and(b)
    }

    /// Takes the lock file's exclusive lock (see [Sharing an entry](Self#sharing-an-entry-the-lock)),
    /// waiting for other processes and values; does nothing when this value holds it already.
    ///
    /// # Errors
    ///
    /// [`Unavailable`](KeyringStoreError::Unavailable) without a credential store (no file is
    /// created then), [`NoLockLocation`](KeyringStoreError::NoLockLocation) and
    /// [`LockFile`](KeyringStoreError::LockFile).
    fn lock(&mut self) -> Result<(), Self::Error> {
        if !self.lock.is_held() {
            self.reachable()?;
        }
        self.lock.acquire(&self.service, &self.user)
    }

    fn unlock(&mut self) {
        self.lock.release();
    }
}

/// A generation for the first save under a name: time-derived, so chunks left by an earlier,
/// interrupted life of the entry are unlikely to match it.
fn fresh_generation() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32))
}
