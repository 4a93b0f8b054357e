//! [`FileStoreError`]: why a [`FileStore`](crate::FileStore) operation failed, and which step.

use core::fmt;
use cotter_store::lockfile::Refusal;
use cotter_store::{DecodeError, EncodeError, Error, ErrorKind};
use std::io;
use std::path::PathBuf;

/// The file-system step that failed, named in [`FileStoreError::Io`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Creating the directory that holds the session file (mode 0700).
    CreateDir,
    /// Reading the owner and mode of the directory that holds the session file.
    CheckDir,
    /// Opening (or creating, mode 0600) the lock file beside the session file and taking the
    /// advisory lock on it.
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
            Self::CheckDir => "check directory",
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
    /// A file or directory of the store is not safe to use, so the store did not read or
    /// write through it: the session directory is another user's or writable by its group or
    /// others (checked by `save`, `load`, `clear` and `lock`); the session file (on `load`), the
    /// lock file or the temporary file is a symbolic link, not a regular file, or another
    /// user's. The file a link points to is never touched. Recovery: fix what `reason` names
    /// (`chmod go-w` the directory, `chown` or remove the file, remove the link); retrying as
    /// is will not help.
    Insecure {
        /// The refused file or directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: Refusal,
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
            Self::Insecure { .. } => ErrorKind::Insecure,
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

    /// [`Insecure`](Self::Insecure) when `source` is a refusal of
    /// [`cotter_store::lockfile`], else an [`Io`](Self::Io) error.
    pub(crate) fn checked(step: Step, path: impl Into<PathBuf>, source: io::Error) -> Self {
        match Refusal::from_io_error(&source) {
            Some(reason) => Self::Insecure { path: path.into(), reason },
            None => Self::io(step, path, source),
        }
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
            Self::Insecure { path, reason } => {
                write!(f, "refusing {}: it {reason}", path.display())
            }
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
            Self::Insecure { .. }
            | Self::InvalidPath { .. }
            | Self::BufferTooSmall { .. }
            | Self::Oversized { .. } => None,
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

    #[test]
    fn insecure_names_path_and_reason() {
        let e = FileStoreError::Insecure {
            path: "/x".into(),
            reason: Refusal::Owner { owner: 65534, euid: 1000 },
        };
        assert_eq!(
            e.to_string(),
            "refusing /x: it is owned by uid 65534, not by the effective uid 1000"
        );
        assert_eq!(e.kind(), ErrorKind::Insecure);
        // Only refusals of `cotter_store::lockfile` become `Insecure`.
        let plain =
            FileStoreError::checked(Step::Open, "/x", io::ErrorKind::PermissionDenied.into());
        assert!(matches!(plain, FileStoreError::Io { step: Step::Open, .. }), "{plain:?}");
    }
}
