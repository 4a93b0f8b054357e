//! [`FileStoreError`]: why a [`FileStore`](crate::FileStore) operation failed, and which step.

use core::fmt;
use cotter_store::{DecodeError, EncodeError, Error, ErrorKind};
use std::io;
use std::path::PathBuf;

/// The file-system step that failed, named in [`FileStoreError::Io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Creating the directory that holds the session file (mode 0700).
    CreateDir,
    /// Opening (or creating) the lock file beside the session file.
    OpenLock,
    /// Taking the advisory lock on the lock file.
    Lock,
    /// Removing a temporary file left behind by a save that was killed.
    RemoveStale,
    /// Creating the temporary file (mode 0600, exclusive create).
    CreateTemp,
    /// Writing the record to the temporary file.
    Write,
    /// `fsync` of a file.
    Sync,
    /// Renaming the temporary file over the session file.
    Rename,
    /// `fsync` of the directory after a rename or unlink.
    SyncDir,
    /// Opening the session file.
    Open,
    /// Reading the session file.
    Read,
    /// Overwriting the session file with zeros before removing it.
    Wipe,
    /// Removing the session file.
    Remove,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CreateDir => "create directory",
            Self::OpenLock => "open lock file",
            Self::Lock => "lock",
            Self::RemoveStale => "remove stale temporary file",
            Self::CreateTemp => "create temporary file",
            Self::Write => "write",
            Self::Sync => "fsync",
            Self::Rename => "rename temporary file onto",
            Self::SyncDir => "fsync directory",
            Self::Open => "open",
            Self::Read => "read",
            Self::Wipe => "overwrite",
            Self::Remove => "remove",
        })
    }
}

/// Why a [`FileStore`](crate::FileStore) operation failed.
///
/// Every variant leaves the session file as it was before the call (for `save`: the previous
/// session), except an [`Io`](Self::Io) error from `clear`, which may leave the file zeroed
/// (a later `load` then reports [`Decode`](Self::Decode) and a later `clear` finishes the job).
#[derive(Debug)]
#[non_exhaustive]
pub enum FileStoreError {
    /// A file-system call failed. Recovery: depends on the cause (see
    /// [`source`](core::error::Error::source)): fix permissions or free space and retry.
    Io {
        /// Which step failed.
        step: Step,
        /// The file or directory it acted on.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The store's path has no file name (e.g. `/` or `..`). Recovery: configure a file path.
    InvalidPath {
        /// The path given to [`FileStore::new`](crate::FileStore::new).
        path: PathBuf,
    },
    /// The session cannot be encoded (a field over the codec's limit). Recovery: none; nothing
    /// was written.
    Encode(EncodeError),
    /// The session file does not decode: damaged ([`ErrorKind::Corrupt`]) or written by a newer
    /// version ([`ErrorKind::UnsupportedVersion`]). The file is left in place for inspection.
    /// Recovery: [`clear`](cotter_store::TokenStore::clear) and sign in again, or upgrade.
    Decode(DecodeError),
    /// The caller's buffer is shorter than the session file. Recovery: load again with at least
    /// `needed` bytes.
    BufferTooSmall {
        /// The file's length.
        needed: usize,
    },
    /// The session file is longer than any record can be
    /// ([`MAX_ENCODED_LEN`](cotter_store::MAX_ENCODED_LEN)), so it is not a session record.
    /// Recovery: as for [`Decode`](Self::Decode).
    Oversized {
        /// The file's length.
        len: u64,
    },
}

impl FileStoreError {
    /// The [`ErrorKind`] of this error.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { .. } => ErrorKind::Io,
            Self::InvalidPath { .. } => ErrorKind::Other,
            Self::Encode(e) => e.kind(),
            Self::Decode(e) => e.kind(),
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::Oversized { .. } => ErrorKind::Corrupt,
        }
    }

    /// Builds an [`Io`](Self::Io) error.
    pub(crate) fn io(step: Step, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io { step, path: path.into(), source }
    }
}

impl Error for FileStoreError {
    fn kind(&self) -> ErrorKind {
        Self::kind(self)
    }
}

impl fmt::Display for FileStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { step, path, .. } => write!(f, "cannot {step} {}", path.display()),
            Self::InvalidPath { path } => {
                write!(f, "session file path {} has no file name", path.display())
            }
            Self::Encode(_) => f.write_str("session cannot be encoded"),
            Self::Decode(e) => match e.kind() {
                ErrorKind::UnsupportedVersion => {
                    f.write_str("session file was written by a newer version")
                }
                _ => f.write_str("session file is corrupt"),
            },
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the session file has {needed} bytes")
            }
            Self::Oversized { len } => {
                write!(f, "session file is corrupt: {len} bytes is longer than any record")
            }
        }
    }
}

impl core::error::Error for FileStoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Encode(e) => Some(e),
            Self::Decode(e) => Some(e),
            Self::InvalidPath { .. } | Self::BufferTooSmall { .. } | Self::Oversized { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_step_and_path_and_chains_source() {
        let e = FileStoreError::io(
            Step::CreateTemp,
            "/x/.s.tmp",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.to_string(), "cannot create temporary file /x/.s.tmp");
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(core::error::Error::source(&e).is_some());
        let v = FileStoreError::Decode(DecodeError::UnsupportedVersion(9));
        assert_eq!(v.kind(), ErrorKind::UnsupportedVersion);
        assert_eq!(v.to_string(), "session file was written by a newer version");
        let c = FileStoreError::Decode(DecodeError::CrcMismatch);
        assert_eq!(c.kind(), ErrorKind::Corrupt);
        assert_eq!(FileStoreError::Oversized { len: 1 << 20 }.kind(), ErrorKind::Corrupt);
    }
}
