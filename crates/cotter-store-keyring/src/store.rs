//! [`KeyringStore`]: one session in the OS keyring, as one entry or a head plus chunks.

use crate::error::{Damage, KeyringStoreError};
use crate::format::{self, Bank, FormatError, Head};
use core::fmt;
use cotter_store::{ErrorType, Session, TokenStore, codec};
use keyring_core::{CredentialStore, Entry};
use std::sync::Arc;
use zeroize::Zeroizing;

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
/// Concurrent saves from several processes are not serialised (keyrings have no locks); a load
/// that runs into another process' save starts over, up to three times. Secrets read from or
/// written to the keyring pass through buffers that are zeroized after use.
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

    /// The keyring entry `(service, name)`.
    fn entry(&self, name: &str) -> Result<Entry, KeyringStoreError> {
        let built = match &self.backend {
            Backend::Platform => {
                if let Err(e) = keyring::Entry::store_status() {
                    // keyring keeps the first failure for the life of the process; carry its
                    // text (the error itself is not `Clone`).
                    let why = keyring_core::Error::PlatformFailure(e.to_string().into());
                    return Err(KeyringStoreError::Unavailable(why));
                }
                keyring::Entry::new(&self.service, name).map(|e| e.inner)
            }
            Backend::Store(store) => Entry::new_in_store(store, &self.service, name),
        };
        built.map_err(KeyringStoreError::from_keyring)
    }

    /// The secret of entry `name`; `None` when it does not exist.
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyringStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(KeyringStoreError::from_keyring(e)),
        }
    }

    fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyringStoreError> {
        self.entry(name)?.set_secret(secret).map_err(KeyringStoreError::from_keyring)
    }

    /// Deletes entry `name`; `false` when it did not exist.
    fn delete(&self, name: &str) -> Result<bool, KeyringStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(KeyringStoreError::from_keyring(e)),
        }
    }

    /// Deletes chunks `from`, `from + 1`, … of `bank` up to the first that does not exist.
    /// Chunks are always written from 1 upwards, so there are no gaps to miss.
    fn delete_chunks(&self, bank: Bank, from: u16) -> Result<(), KeyringStoreError> {
        for index in from..=u16::MAX {
            if !self.delete(&format::chunk_name(&self.user, bank, index))? {
                break;
            }
        }
        Ok(())
    }

    /// The current head, `None` when there is none. A head that does not parse counts as none
    /// when `lenient` (a save may overwrite it), and as an error otherwise.
    fn head(&self, lenient: bool) -> Result<Option<HeadEntry>, KeyringStoreError> {
        let Some(secret) = self.get(&self.user)? else { return Ok(None) };
        match Head::parse(&secret) {
            Ok((head, _)) => Ok(Some((head, secret))),
            Err(_) if lenient => Ok(None),
            Err(FormatError::UnsupportedVersion(v)) => {
                Err(KeyringStoreError::UnsupportedVersion(v))
            }
            Err(_) => Err(KeyringStoreError::Corrupt(Damage::BadHead)),
        }
    }

    /// One attempt at reading the record into `buf`; returns its length, or `None`.
    fn read_record(&self, buf: &mut [u8]) -> Result<Option<usize>, KeyringStoreError> {
        let Some((head, secret)) = self.head(false)? else { return Ok(None) };
        let (_, first) =
            Head::parse(&secret).map_err(|_| KeyringStoreError::Corrupt(Damage::BadHead))?;
        let total = usize::try_from(head.record_len)
            .map_err(|_| KeyringStoreError::Corrupt(Damage::BadHead))?;
        let out =
            buf.get_mut(..total).ok_or(KeyringStoreError::BufferTooSmall { needed: total })?;
        out[..first.len()].copy_from_slice(first);
        let mut at = first.len();
        for index in 1..head.parts {
            let name = format::chunk_name(&self.user, head.bank, index);
            let chunk = self
                .get(&name)?
                .ok_or(KeyringStoreError::Corrupt(Damage::MissingChunk { index }))?;
            let data = format::parse_chunk(&chunk, head.generation)
                .map_err(|_| KeyringStoreError::Corrupt(Damage::StaleChunk { index }))?;
            let dst = out
                .get_mut(at..at + data.len())
                .ok_or(KeyringStoreError::Corrupt(Damage::LengthMismatch))?;
            dst.copy_from_slice(data);
            at += data.len();
        }
        if at != total {
            return Err(KeyringStoreError::Corrupt(Damage::LengthMismatch));
        }
        Ok(Some(total))
    }
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("KeyringStore");
        d.field("service", &self.service).field("user", &self.user);
        d.field("chunk_size", &self.chunk_size);
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
        self.delete(&self.user)?;
        let a = self.delete_chunks(Bank::A, 1);
        let b = self.delete_chunks(Bank::B, 1);
        a.and(b)
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
