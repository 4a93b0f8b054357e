//! [`FileStore`]: one session in one file, replaced atomically.

use crate::error::{FileStoreError, Step};
use crate::fsio;
use cotter_store::lockfile::{LockFile, Refusal};
use cotter_store::{ErrorType, MAX_ENCODED_LEN, Session, TokenStore, codec};
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A [`TokenStore`] that keeps the session record in one file.
///
/// - **save** encodes the session, takes an exclusive advisory lock on the lock file
///   `.<name>.lock` beside the session file, writes the record to the temporary file
///   `.<name>.tmp` (created with mode 0600 and `O_EXCL`, never `chmod`ed afterwards), fsyncs it,
///   renames it over the session file and fsyncs the directory. A process killed at any point
///   leaves either the previous file or the new one, whole; a failed save leaves the previous
///   file in place. A missing directory is created with mode 0700.
/// - **load** takes a shared lock (if the lock file exists), reads the file into the caller's
///   buffer and decodes it. No file is `None`; a damaged file is
///   [`ErrorKind::Corrupt`](cotter_store::ErrorKind::Corrupt) and stays on disk for inspection.
/// - **clear** takes the exclusive lock, overwrites the file with zeros, fsyncs, unlinks it and
///   fsyncs the directory. On SSDs and copy-on-write file systems (btrfs, ZFS, APFS) the old
///   blocks may survive the overwrite: it is best-effort, the unlink is what counts.
///
/// The lock serialises saves and clears of every process (and every `FileStore` value) that
/// uses the same path; the lock file is never deleted, since deleting a lock file lets two
/// processes lock two different files. The encoded record is zeroized after a save.
///
/// **[`lock`](TokenStore::lock)** takes that exclusive lock (creating the directory and the
/// lock file if needed) and holds it until [`unlock`](TokenStore::unlock) or drop: this value's
/// own `load`, `save` and `clear` then run without taking it again, while those of every other
/// value and process wait. A client that renews the session does so between the two, so no two
/// processes spend the same single-use refresh token. A clone of a locked store is not locked.
///
/// **Nothing is followed or trusted blindly** (on unix; see [`cotter_store::lockfile`]):
///
/// - every operation first checks the session directory: owned by the effective user and not
///   writable by its group or others, so no one else can swap the files in it; otherwise it
///   fails with [`Insecure`](FileStoreError::Insecure) and touches nothing;
/// - the session file (on `load`), the lock file and the temporary file are opened with
///   `O_NOFOLLOW`, and the opened descriptor must be a regular file owned by the effective
///   user: a symbolic link, a FIFO or another user's file is `Insecure`, and the file a link
///   points to is never read, created or written;
/// - a save replaces a symbolic link at the session path itself (the rename never follows it)
///   and `clear` only unlinks one.
///
/// Only the session directory is checked, not its parents: keep it in a directory that is
/// private all the way up (such as one under `$HOME`), not directly in `/tmp`.
///
/// On non-unix platforms the file modes are not set (the platform's default ACL applies), the
/// directory is not fsynced, and only the regular-file checks apply.
///
/// ```
/// use cotter_store::{Session, TokenStore};
/// use cotter_store_file::FileStore;
///
/// let dir = std::env::temp_dir().join(format!("cotter-doc-{}", std::process::id()));
/// let mut store = FileStore::new(dir.join("session.bin"));
/// store.save(&Session::new("access", "id", "refresh", 1_700_000_000))?;
///
/// let mut buf = vec![0u8; cotter_store::MAX_ENCODED_LEN];
/// assert_eq!(store.load(&mut buf)?.map(|s| s.refresh_token), Some("refresh"));
/// store.clear()?;
/// assert!(store.load(&mut buf)?.is_none());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cotter_store_file::FileStoreError>(())
/// ```
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// `.<name>.lock` and `.<name>.tmp`; `None` when `path` has no file name.
    sidecars: Option<(PathBuf, PathBuf)>,
    /// The exclusive lock taken by [`lock`](TokenStore::lock), until `unlock` or drop.
    held: Option<LockFile>,
}

impl Clone for FileStore {
    /// The same paths, not locked: a lock belongs to the value that took it.
    fn clone(&self) -> Self {
        Self { path: self.path.clone(), sidecars: self.sidecars.clone(), held: None }
    }
}

impl FileStore {
    /// A store for the session file at `path`. Nothing is touched until the first operation.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let sidecars = path.file_name().map(|name| {
            let sibling = |suffix: &str| {
                let mut n = OsString::from(".");
                n.push(name);
                n.push(suffix);
                path.with_file_name(n)
            };
            (sibling(".lock"), sibling(".tmp"))
        });
        Self { path, sidecars, held: None }
    }

    /// The session file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file beside the session file (`.<name>.lock`); `None` when the path has no
    /// file name.
    #[must_use]
    pub fn lock_path(&self) -> Option<&Path> {
        self.sidecars.as_ref().map(|(lock, _)| lock.as_path())
    }

    /// The temporary file a save writes before renaming it (`.<name>.tmp`); `None` when the
    /// path has no file name.
    #[must_use]
    pub fn temp_path(&self) -> Option<&Path> {
        self.sidecars.as_ref().map(|(_, temp)| temp.as_path())
    }

    /// The directory holding the session file (`.` for a bare file name).
    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    fn sidecars(&self) -> Result<(&Path, &Path), FileStoreError> {
        self.sidecars
            .as_ref()
            .map(|(lock, temp)| (lock.as_path(), temp.as_path()))
            .ok_or_else(|| FileStoreError::InvalidPath { path: self.path.clone() })
    }

    /// Whether this value holds the lock taken by [`lock`](TokenStore::lock).
    #[must_use]
    pub const fn is_locked(&self) -> bool {
        self.held.is_some()
    }

    /// For a save or clear: the exclusive lock for the duration of the returned guard, or
    /// `None` when this value holds it already (taking it again through a second descriptor
    /// would wait for ourselves forever).
    fn lock_for_write(&self, lock: &Path) -> Result<Option<LockFile>, FileStoreError> {
        match self.held {
            Some(_) => Ok(None),
            None => fsio::lock_exclusive(lock).map(Some),
        }
    }

    /// Creates the session directory if missing and checks it.
    fn ensure_dir(&self) -> Result<(), FileStoreError> {
        fsio::create_dir(self.dir())?;
        fsio::check_dir(self.dir()).map(drop)
    }

    /// Removes a temporary file left by a save that was killed (it may hold a session). A
    /// symbolic link there is no file of ours: it is refused, not removed.
    fn remove_stale(temp: &Path) -> Result<(), FileStoreError> {
        if fs::symlink_metadata(temp).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(FileStoreError::Insecure { path: temp.into(), reason: Refusal::Symlink });
        }
        fsio::wipe_and_remove(temp).map(drop).map_err(|e| match e {
            FileStoreError::Io { path, source, .. } => {
                FileStoreError::Io { step: Step::RemoveStale, path, source }
            }
            other => other,
        })
    }

    /// Writes `bytes` to the temporary file and renames it over the session file.
    fn replace_with(&self, temp: &Path, bytes: &[u8]) -> Result<(), FileStoreError> {
        Self::remove_stale(temp)?;
        let written =
            fsio::write_new_file(temp, bytes).and_then(|()| fsio::rename(temp, &self.path));
        if let Err(e) = written {
            // Best effort: the temporary file may hold the new session.
            let _ = fsio::wipe_and_remove(temp);
            return Err(e);
        }
        fsio::sync_dir(self.dir())
    }
}

impl ErrorType for FileStore {
    type Error = FileStoreError;
}

impl TokenStore for FileStore {
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error> {
        let (lock, _) = self.sidecars()?;
        if !fsio::check_dir(self.dir())? {
            return Ok(None);
        }
        let _guard = match self.held {
            Some(_) => None,
            None => fsio::lock_shared(lock)?,
        };
        let Some(mut file) = fsio::open_session(&self.path)? else {
            return Ok(None);
        };
        let len = file.metadata().map_err(|e| FileStoreError::io(Step::Read, &self.path, e))?.len();
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= MAX_ENCODED_LEN)
            .ok_or(FileStoreError::Oversized { len })?;
        let dst = buf.get_mut(..len).ok_or(FileStoreError::BufferTooSmall { needed: len })?;
        file.read_exact(dst).map_err(|e| FileStoreError::io(Step::Read, &self.path, e))?;
        let buf: &'b [u8] = buf;
        codec::decode(&buf[..len]).map(Some).map_err(FileStoreError::Decode)
    }

    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error> {
        let (lock, temp) = self.sidecars()?;
        let len = codec::encoded_len(session).map_err(FileStoreError::Encode)?;
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        codec::encode(session, &mut bytes).map_err(FileStoreError::Encode)?;
        self.ensure_dir()?;
        let _guard = self.lock_for_write(lock)?;
        self.replace_with(temp, &bytes)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        let (lock, temp) = self.sidecars()?;
        if !fsio::check_dir(self.dir())? {
            // No directory: nothing to clear.
            return Ok(());
        }
        let _guard = self.lock_for_write(lock)?;
        // A temporary file from a killed save may hold a session too; best effort.
        let _ = fsio::wipe_and_remove(temp);
        if fsio::wipe_and_remove(&self.path)? {
            fsio::sync_dir(self.dir())?;
        }
        Ok(())
    }

    /// Takes the exclusive lock on `.<name>.lock` (see the [type docs](FileStore)), creating
    /// the directory (0700) and the lock file (0600) if needed.
    ///
    /// # Errors
    ///
    /// [`Insecure`](FileStoreError::Insecure) for a directory or lock file that fails the
    /// checks, [`InvalidPath`](FileStoreError::InvalidPath), and
    /// [`Io`](FileStoreError::Io) at [`Step::CreateDir`], [`Step::CheckDir`] or [`Step::Lock`].
    fn lock(&mut self) -> Result<(), Self::Error> {
        if self.held.is_none() {
            let (lock, _) = self.sidecars()?;
            self.ensure_dir()?;
            self.held = Some(fsio::lock_exclusive(lock)?);
        }
        Ok(())
    }

    fn unlock(&mut self) {
        self.held = None;
    }
}
