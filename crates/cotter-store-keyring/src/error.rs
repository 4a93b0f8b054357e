//! [`KeyringStoreError`]: why a [`KeyringStore`](crate::KeyringStore) operation failed, and
//! what to do about it.

use core::fmt;
use cotter_store::lockfile::Refusal;
use cotter_store::{DecodeError, EncodeError, Error, ErrorKind};
use std::io;
use std::path::PathBuf;

/// What is wrong with a stored record's entries, in [`KeyringStoreError::Corrupt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// The head entry (named after the user) is not a session head.
    BadHead,
    /// A chunk entry the head counts on is missing.
    MissingChunk {
        /// The chunk's number, from 1.
        index: u16,
    },
    /// A chunk entry is too short, or belongs to another save (a save by another process ran
    /// during this load; loading again usually succeeds).
    StaleChunk {
        /// The chunk's number, from 1.
        index: u16,
    },
    /// The chunks do not add up to the record length in the head.
    LengthMismatch,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadHead => f.write_str("the head entry is not a session head"),
            Self::MissingChunk { index } => write!(f, "chunk {index} is missing"),
            Self::StaleChunk { index } => write!(f, "chunk {index} belongs to another save"),
            Self::LengthMismatch => f.write_str("the chunks do not add up to the record"),
        }
    }
}

/// Why a [`KeyringStore`](crate::KeyringStore) operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyringStoreError {
    /// There is no credential store to talk to: on Linux no Secret Service on the D-Bus session
    /// bus (headless box, no `gnome-keyring-daemon`, no session bus at all). Nothing was read
    /// or written, and nothing falls back to a plaintext file. Recovery: start a Secret Service
    /// (see the message), or store the session with `cotter-store-file` instead.
    Unavailable(keyring_core::Error),
    /// The credential store is there but refuses access: the keyring is locked and cannot
    /// prompt, or access is denied. Recovery: unlock the keyring and retry.
    Locked(keyring_core::Error),
    /// Any other failure the credential store reported (a D-Bus error, an invalid service or
    /// user name, two items matching one entry). Its [`kind`](Self::kind) follows the
    /// underlying error.
    Keyring(keyring_core::Error),
    /// The chunk size is too small to hold a head (from
    /// [`KeyringStore::with_chunk_size`](crate::KeyringStore::with_chunk_size)).
    InvalidChunkSize {
        /// The size asked for.
        chunk_size: usize,
        /// The smallest size allowed.
        min: usize,
    },
    /// The session cannot be encoded (a field over the codec's limit). Nothing was written.
    Encode(EncodeError),
    /// The entries are damaged. Recovery: clear the store and sign in again.
    Corrupt(Damage),
    /// The head was written by a newer version of this crate. Recovery: upgrade, or clear.
    UnsupportedVersion(u8),
    /// The record decodes to no session (its CRC, version or fields). Recovery: as for
    /// [`Corrupt`](Self::Corrupt).
    Decode(DecodeError),
    /// The caller's buffer is shorter than the stored record. Recovery: load again with at
    /// least `needed` bytes.
    BufferTooSmall {
        /// The record's length.
        needed: usize,
    },
    /// There is no place for the lock file: none of `XDG_RUNTIME_DIR`, the platform's cache
    /// directory (`XDG_CACHE_HOME`, `HOME`, `LOCALAPPDATA`) is set to an absolute path, and
    /// no file was named with [`KeyringStore::with_lock_file`](crate::KeyringStore::with_lock_file).
    /// Nothing was read or written: the store never runs without its lock. Recovery: set one of
    /// those variables, or name a lock file (the same in every process sharing the entry).
    NoLockLocation,
    /// The lock file could not be used: its directory could not be created, or the file could
    /// not be opened or locked. Nothing was read or written. When the file or its directory
    /// was refused as unsafe (a symbolic link, not a regular file, another user's, a directory
    /// others can write: [`Refusal::from_io_error`] on the source says which) the
    /// [`kind`](Self::kind) is [`ErrorKind::Insecure`], otherwise [`ErrorKind::Io`]. Recovery:
    /// see the [`source`](core::error::Error::source); fix the ownership or permissions,
    /// remove what is in the way, or name another lock file.
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

/// The kind of a keyring-core error, for [`KeyringStoreError::Keyring`].
fn keyring_kind(e: &keyring_core::Error) -> ErrorKind {
    use keyring_core::Error as K;
    match e {
        K::NoStorageAccess(_) | K::NoDefaultStore => ErrorKind::Unavailable,
        K::PlatformFailure(_) => ErrorKind::Io,
        K::BadEncoding(_) | K::BadDataFormat(..) | K::BadStoreFormat(_) => ErrorKind::Corrupt,
        K::TooLong(..) => ErrorKind::TooLarge,
        _ => ErrorKind::Other,
    }
}

impl KeyringStoreError {
    /// Sorts a keyring-core error into [`Locked`](Self::Locked), [`Unavailable`](Self::Unavailable)
    /// or [`Keyring`](Self::Keyring).
    pub(crate) fn from_keyring(e: keyring_core::Error) -> Self {
        match e {
            keyring_core::Error::NoStorageAccess(_) => Self::Locked(e),
            keyring_core::Error::NoDefaultStore => Self::Unavailable(e),
            _ => Self::Keyring(e),
        }
    }

    /// The [`ErrorKind`] of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable(_) | Self::Locked(_) => ErrorKind::Unavailable,
            Self::Keyring(e) => keyring_kind(e),
            Self::InvalidChunkSize { .. } => ErrorKind::Other,
            Self::Encode(e) => e.kind(),
            Self::Corrupt(_) => ErrorKind::Corrupt,
            Self::UnsupportedVersion(_) => ErrorKind::UnsupportedVersion,
            Self::Decode(e) => e.kind(),
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::NoLockLocation => ErrorKind::Other,
            Self::LockFile { source, .. } => match Refusal::from_io_error(source) {
                Some(_) => ErrorKind::Insecure,
                None => ErrorKind::Io,
            },
        }
    }
}

impl Error for KeyringStoreError {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

/// What to do when there is no credential store, per platform.
const UNAVAILABLE_HINT: &str = if cfg!(target_os = "macos") {
    "no keychain available: run in a logged-in user session, or use cotter-store-file"
} else if cfg!(windows) {
    "windows credential manager unavailable: run in a user session, or use cotter-store-file"
} else if cfg!(all(unix, not(any(target_os = "ios", target_os = "android")))) {
    "no secret service: start a session bus and an unlocked keyring \
     (`dbus-run-session` + `gnome-keyring-daemon --unlock --components=secrets`), \
     or use cotter-store-file"
} else {
    "no credential store on this platform: use cotter-store-file"
};

impl fmt::Display for KeyringStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(_) => f.write_str(UNAVAILABLE_HINT),
            Self::Locked(_) => f.write_str(
                "keyring is locked or denies access: unlock it (e.g. `gnome-keyring-daemon --unlock`) and retry",
            ),
            Self::Keyring(_) => f.write_str("keyring operation failed"),
            Self::InvalidChunkSize { chunk_size, min } => {
                write!(f, "chunk size {chunk_size} is below the minimum of {min} bytes")
            }
            Self::Encode(_) => f.write_str("session cannot be encoded"),
            Self::Corrupt(d) => write!(f, "stored session is corrupt: {d}"),
            Self::UnsupportedVersion(v) => {
                write!(f, "stored session head has unsupported version {v}")
            }
            Self::Decode(e) => match e.kind() {
                ErrorKind::UnsupportedVersion => {
                    f.write_str("stored session was written by a newer version")
                }
                _ => f.write_str("stored session is corrupt"),
            },
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the stored session needs {needed} bytes")
            }
            Self::NoLockLocation => f.write_str(
                "no place for the lock file: set XDG_RUNTIME_DIR or HOME (LOCALAPPDATA on \
                 windows), or name one with KeyringStore::with_lock_file",
            ),
            Self::LockFile { path, .. } => {
                write!(f, "cannot take the lock file {}", path.display())
            }
        }
    }
}

impl core::error::Error for KeyringStoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Unavailable(e) | Self::Locked(e) | Self::Keyring(e) => Some(e),
            Self::Encode(e) => Some(e),
            Self::Decode(e) => Some(e),
            Self::LockFile { source, .. } => Some(source),
            Self::InvalidChunkSize { .. }
            | Self::NoLockLocation
            | Self::Corrupt(_)
            | Self::UnsupportedVersion(_)
            | Self::BufferTooSmall { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_messages() {
        let e = KeyringStoreError::from_keyring(keyring_core::Error::NoDefaultStore);
        assert!(matches!(e, KeyringStoreError::Unavailable(_)));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.to_string().contains("cotter-store-file"), "{e}");
        let locked =
            KeyringStoreError::from_keyring(keyring_core::Error::NoStorageAccess("locked".into()));
        assert!(matches!(locked, KeyringStoreError::Locked(_)));
        assert_eq!(locked.kind(), ErrorKind::Unavailable);
        let io = KeyringStoreError::from_keyring(keyring_core::Error::PlatformFailure("x".into()));
        assert_eq!(io.kind(), ErrorKind::Io);
        assert!(core::error::Error::source(&io).is_some());
        let long =
            KeyringStoreError::from_keyring(keyring_core::Error::TooLong("secret".into(), 9));
        assert_eq!(long.kind(), ErrorKind::TooLarge);
        assert_eq!(
            KeyringStoreError::Corrupt(Damage::MissingChunk { index: 2 }).to_string(),
            "stored session is corrupt: chunk 2 is missing"
        );
        assert_eq!(KeyringStoreError::UnsupportedVersion(2).kind(), ErrorKind::UnsupportedVersion);
        let none = KeyringStoreError::NoLockLocation;
        assert_eq!(none.kind(), ErrorKind::Other);
        assert!(none.to_string().contains("with_lock_file"), "{none}");
        let lock = KeyringStoreError::LockFile {
            path: "/run/user/1000/cotter-rs/x.lock".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(lock.kind(), ErrorKind::Io);
        assert_eq!(lock.to_string(), "cannot take the lock file /run/user/1000/cotter-rs/x.lock");
        assert!(core::error::Error::source(&lock).is_some());
    }
}
