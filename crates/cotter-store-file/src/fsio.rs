//! The file-system steps a save, load and clear are made of, each mapping its failure to a
//! [`FileStoreError`] that names the step.

use crate::error::{FileStoreError, Step};
use cotter_store::lockfile::{self, LockFile};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Mode of the session file and its temporary file: owner read/write only (the lock file gets
/// the same from [`LockFile`]).
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// Mode of a directory the store creates: owner only.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// Creates `dir` and any missing parents with mode 0700 (on unix); an existing directory is
/// left as it is.
pub(crate) fn create_dir(dir: &Path) -> Result<(), FileStoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir).map_err(|e| FileStoreError::io(Step::CreateDir, dir, e))
}

/// Checks the session directory: owned by the effective user, not writable by its group or
/// others (on unix; see [`lockfile::check_dir`]). `Ok(false)` when it does not exist.
pub(crate) fn check_dir(dir: &Path) -> Result<bool, FileStoreError> {
    match lockfile::check_dir(dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileStoreError::checked(Step::CheckDir, dir, e)),
    }
}

/// Takes the exclusive lock on the lock file, creating it (mode 0600) if needed.
pub(crate) fn lock_exclusive(path: &Path) -> Result<LockFile, FileStoreError> {
    LockFile::exclusive(path).map_err(|e| FileStoreError::checked(Step::Lock, path, e))
}

/// Takes a shared lock on the lock file if it exists, without creating it (a load never
/// creates files). `None` when there is no lock file: nothing was ever saved through a
/// `FileStore`, or the directory does not exist.
pub(crate) fn lock_shared(path: &Path) -> Result<Option<LockFile>, FileStoreError> {
    LockFile::shared(path).map_err(|e| FileStoreError::checked(Step::Lock, path, e))
}

/// Opens the session file for reading the checked way (no symbolic link, a regular file of
/// the effective user). `None` when it does not exist.
pub(crate) fn open_session(path: &Path) -> Result<Option<File>, FileStoreError> {
    match lockfile::open_checked(path, OpenOptions::new().read(true)) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileStoreError::checked(Step::Open, path, e)),
    }
}

/// Creates `path` exclusively with mode 0600 (never through a symbolic link), writes `bytes`,
/// and fsyncs it.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), FileStoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = lockfile::open_checked(path, &options)
        .map_err(|e| FileStoreError::checked(Step::CreateTemp, path, e))?;
    file.write_all(bytes).map_err(|e| FileStoreError::io(Step::Write, path, e))?;
    file.sync_all().map_err(|e| FileStoreError::io(Step::Sync, path, e))
}

/// Renames `from` over `to` (atomic on POSIX file systems).
pub(crate) fn rename(from: &Path, to: &Path) -> Result<(), FileStoreError> {
    fs::rename(from, to).map_err(|e| FileStoreError::io(Step::Rename, to, e))
}

/// Makes a rename or unlink in `dir` durable by fsyncing the directory (unix only; elsewhere
/// a no-op, as directories cannot be opened as files).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), FileStoreError> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| FileStoreError::io(Step::SyncDir, dir, e))?;
        d.sync_all().map_err(|e| FileStoreError::io(Step::SyncDir, dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Overwrites a regular file with zeros, fsyncs it, then unlinks it. Returns `false` when there
/// was nothing at `path`. A symbolic link (or anything else that is not a regular file) is only
/// unlinked, so a link never makes the store zero a file elsewhere; the file is opened the
/// checked way, so a link put in its place after the `lstat` is refused, and so is another
/// user's file ([`Insecure`](FileStoreError::Insecure), nothing removed).
///
/// On SSDs (wear levelling) and copy-on-write file systems (btrfs, ZFS, APFS) the overwrite may
/// land in fresh blocks and leave the old ones readable to someone with raw access to the
/// device: it is best-effort.
pub(crate) fn wipe_and_remove(path: &Path) -> Result<bool, FileStoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(FileStoreError::io(Step::Open, path, e)),
    };
    if meta.file_type().is_file() {
        let mut file = lockfile::open_checked(path, OpenOptions::new().write(true))
            .map_err(|e| FileStoreError::checked(Step::Wipe, path, e))?;
        let zeros = [0u8; 4096];
        let mut left = meta.len();
        while left > 0 {
            let n = usize::try_from(left).map_or(zeros.len(), |l| l.min(zeros.len()));
            file.write_all(&zeros[..n]).map_err(|e| FileStoreError::io(Step::Wipe, path, e))?;
            left -= n as u64;
        }
        file.sync_all().map_err(|e| FileStoreError::io(Step::Sync, path, e))?;
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileStoreError::io(Step::Remove, path, e)),
    }
}
