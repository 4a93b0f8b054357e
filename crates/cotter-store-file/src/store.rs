//! [`FileStore`]: one session in one file, replaced atomically.

use crate::error::{FileStoreError, Step};
use crate::fsio;
use cotter_store::{ErrorType, MAX_ENCODED_LEN, Session, TokenStore, codec};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
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
/// On non-unix platforms the file modes are not set (the platform's default ACL applies) and
/// the directory is not fsynced.
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
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    /// `.<name>.lock` and `.<name>.tmp`; `None` when `path` has no file name.
    sidecars: Option<(PathBuf, PathBuf)>,
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
        Self { path, sidecars }
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

    /// Removes a temporary file left by a save that was killed (it may hold a session).
    fn remove_stale(temp: &Path) -> Result<(), FileStoreError> {
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
        let _guard = fsio::lock_shared(lock)?;
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(FileStoreError::io(Step::Open, &self.path, e)),
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
        fsio::create_dir(self.dir())?;
        let _guard = fsio::lock_exclusive(lock)?;
        self.replace_with(temp, &bytes)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        let (lock, temp) = self.sidecars()?;
        let _guard = match fsio::lock_exclusive(lock) {
            Ok(guard) => guard,
            // No directory: nothing to clear.
            Err(FileStoreError::Io { step: Step::OpenLock, ref source, .. })
                if source.kind() == io::ErrorKind::NotFound && !self.dir().exists() =>
            {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        // A temporary file from a killed save may hold a session too; best effort.
        let _ = fsio::wipe_and_remove(temp);
        if fsio::wipe_and_remove(&self.path)? {
            fsio::sync_dir(self.dir())?;
        }
        Ok(())
    }
}
