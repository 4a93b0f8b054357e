//! The lock behind [`TokenStore::lock`](cotter_store::TokenStore::lock): keyrings have no
//! locks, so a [`KeyringStore`](crate::KeyringStore) takes an advisory lock on a file beside the
//! user's data, one file per entry `(service, user)`.
//!
//! Where the lock file is and how its name is escaped is documented, for users, on
//! [`KeyringStore::lock_path`](crate::KeyringStore::lock_path); [`default_dir`] and
//! [`file_name`] implement it.

#[cfg(test)]
mod tests;

use crate::error::KeyringStoreError;
use core::fmt::Write;
use cotter_store::crc::crc32;
use cotter_store::lockfile::{self, LockFile};
use std::ffi::OsString;
use std::fs::DirBuilder;
use std::io;
use std::path::{Path, PathBuf};

/// The directory under the runtime or cache directory that holds the lock files.
const DIR_NAME: &str = "cotter-rs";

/// Longest escaped `<service>+<user>` kept whole in a lock file name.
const MAX_STEM: usize = 120;

/// Mode of a directory the store creates for its lock file: owner only.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// Where a store's lock file is, and the lock a store value holds.
#[derive(Debug, Default)]
pub(crate) struct Lock {
    /// The lock file named by `with_lock_file`; `None` for the default location.
    chosen: Option<PathBuf>,
    /// The exclusive lock taken by `lock()`, until `unlock()` or drop.
    held: Option<LockFile>,
}

impl Clone for Lock {
    /// The same lock file, not held: a lock belongs to the value that took it.
    fn clone(&self) -> Self {
        Self { chosen: self.chosen.clone(), held: None }
    }
}

impl Lock {
    /// A lock on the file at `path` instead of the default location.
    pub(crate) fn at(path: PathBuf) -> Self {
        Self { chosen: Some(path), held: None }
    }

    /// The lock file for entry `(service, user)`.
    pub(crate) fn path(&self, service: &str, user: &str) -> Result<PathBuf, KeyringStoreError> {
        match &self.chosen {
            Some(path) => Ok(path.clone()),
            None => default_dir(|name| std::env::var_os(name))
                .map(|dir| dir.join(file_name(service, user)))
                .ok_or(KeyringStoreError::NoLockLocation),
        }
    }

    /// Whether this value holds the lock.
    pub(crate) const fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Takes the exclusive lock until [`release`](Self::release); nothing when already held.
    pub(crate) fn acquire(&mut self, service: &str, user: &str) -> Result<(), KeyringStoreError> {
        if self.held.is_none() {
            self.held = Some(exclusive(&self.path(service, user)?)?);
        }
        Ok(())
    }

    /// Drops the exclusive lock, if held.
    pub(crate) fn release(&mut self) {
        self.held = None;
    }

    /// For a save or clear: the exclusive lock for the duration of the returned guard, or
    /// `None` when this value already holds it.
    pub(crate) fn for_write(
        &self,
        service: &str,
        user: &str,
    ) -> Result<Option<LockFile>, KeyringStoreError> {
        if self.held.is_some() {
            return Ok(None);
        }
        exclusive(&self.path(service, user)?).map(Some)
    }

    /// For a load: a shared lock for the duration of the returned guard, so that no save runs
    /// under the load. `None` when this value holds the exclusive lock, or when the lock file
    /// does not exist yet (nothing was ever saved with it; a load creates no files).
    pub(crate) fn for_read(
        &self,
        service: &str,
        user: &str,
    ) -> Result<Option<LockFile>, KeyringStoreError> {
        if self.held.is_some() {
            return Ok(None);
        }
        let path = self.path(service, user)?;
        let failed = |source| KeyringStoreError::LockFile { path: path.clone(), source };
        match check_parent(&path) {
            // No directory, so no lock file: nothing was ever saved with it.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            checked => checked.map_err(failed)?,
        }
        LockFile::shared(&path).map_err(failed)
    }
}

/// Checks that the lock file's directory is private to the user (see
/// [`lockfile::check_dir`]): no one else can then swap the lock file or hold it forever.
fn check_parent(path: &Path) -> io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => lockfile::check_dir(dir),
        None => lockfile::check_dir(Path::new(".")),
    }
}

/// Creates the lock file's directory (0700) if missing, then waits for an exclusive lock.
fn exclusive(path: &Path) -> Result<LockFile, KeyringStoreError> {
    let failed = |source| KeyringStoreError::LockFile { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
        builder.create(dir).map_err(failed)?;
    }
    check_parent(path).map_err(failed)?;
    LockFile::exclusive(path).map_err(failed)
}

/// The default directory of the lock files (see `KeyringStore::lock_path`), reading
/// environment variables through `var`; `None` when there is none.
pub(crate) fn default_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = match absolute("XDG_RUNTIME_DIR") {
        Some(runtime) => runtime,
        None if cfg!(windows) => absolute("LOCALAPPDATA")?,
        None if cfg!(target_os = "macos") => absolute("HOME")?.join("Library").join("Caches"),
        None if cfg!(unix) => {
            absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?
        }
        None => return None,
    };
    Some(base.join(DIR_NAME))
}

/// Bytes of a service or user name that appear as themselves in a lock file name.
const fn kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Appends `part` to `out`, escaped as `KeyringStore::lock_path` says: letters, digits, `-`,
/// `_` and a `.` between two of those stay, anything else becomes `%XX`. Decoding `%XX` back
/// gives `part` again, so the escaping is injective; `+`, `%` and `~` never stay, which keeps
/// the `+` between service and user and the `~` of a cut name unambiguous.
fn escape(part: &str, out: &mut String) {
    let bytes = part.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| bytes.get(j));
        let after = bytes.get(i + 1);
        let inner_dot =
            b == b'.' && before.is_some_and(|&c| kept(c)) && after.is_some_and(|&c| kept(c));
        if kept(b) || inner_dot {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// The lock file name for entry `(service, user)`: `keyring-<service>+<user>.lock`, escaped,
/// cut with a CRC-32 when long (see `KeyringStore::lock_path`).
pub(crate) fn file_name(service: &str, user: &str) -> String {
    let mut stem = String::new();
    escape(service, &mut stem);
    stem.push('+');
    escape(user, &mut stem);
    if stem.len() > MAX_STEM {
        let crc = crc32(stem.as_bytes());
        // The stem is ASCII: any length is a char boundary.
        stem.truncate(MAX_STEM - 9);
        let _ = write!(stem, "~{crc:08x}");
    }
    format!("keyring-{stem}.lock")
}
