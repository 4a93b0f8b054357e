//! [`LockFile`]: the advisory lock file behind [`TokenStore::lock`](crate::TokenStore::lock)
//! for every store that several processes can reach (a file, the OS keyring), and the checked
//! open that such stores use for their own files too.
//!
//! A store's files live where other users or programs may have planted something: a symbolic
//! link to a file the user can write (so that a save or a lock clobbers it), a file owned by
//! someone else (so that the store reads a session the attacker wrote). So every file is opened
//! the same checked way, [`open_checked`]:
//!
//! - with `O_NOFOLLOW`: a symbolic link as the last path component is refused, never followed
//!   (nor created through, for a dangling link);
//! - with `O_NONBLOCK`, so that a FIFO in the file's place is refused below instead of blocking
//!   the open (on regular files `O_NONBLOCK` does nothing);
//! - then the *opened descriptor* is checked (`fstat`, so no one can swap the file between the
//!   check and the use): it must be a regular file owned by the effective user.
//!
//! [`check_dir`] checks the directory that holds such files: a directory owned by the effective
//! user that neither its group nor others can write, so no one else can add, replace or rename
//! files in it.
//!
//! A refusal is an [`io::Error`] of kind [`PermissionDenied`](io::ErrorKind::PermissionDenied)
//! whose message names the path and the reason; [`Refusal::from_io_error`] recovers the
//! reason for stores that report it in a typed error.
//!
//! # Platforms
//!
//! On unix (except ESP-IDF, Horizon, Solaris and Vita, which lack `flock` or `O_NOFOLLOW`) the
//! lock is `flock(2)`, through [`rustix`], which is what [`File::lock`] does there: a lock
//! taken by an older release that used `File::lock` still excludes this one. Elsewhere (Windows)
//! the lock is [`File::lock`] (`LockFileEx`), which needs Rust 1.89, there is no `O_NOFOLLOW`
//! and no owner or mode check: only the regular-file check applies. Where the platform has no
//! advisory locks at all ([`io::ErrorKind::Unsupported`]) a `LockFile` is returned unlocked:
//! saves that replace a file atomically stay whole, they are only not serialised.

use core::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Mode of a lock file this module creates: owner read/write only.
#[cfg(unix)]
const LOCK_FILE_MODE: u32 = 0o600;

/// An open lock file holding an advisory lock (exclusive or shared), released when it is
/// dropped.
///
/// Advisory locks belong to the open file: a second `LockFile` on the same path waits for this
/// one even within the same process, so a store that holds one must not take another for its
/// own operations (it would wait for itself forever).
///
/// The lock file itself is never deleted: deleting a lock file lets two processes lock two
/// different files.
///
/// ```
/// use cotter_store::lockfile::LockFile;
///
/// let dir = std::env::temp_dir().join(format!("cotter-lockfile-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("store.lock");
/// assert!(LockFile::shared(&path)?.is_none(), "a shared lock never creates the file");
/// {
///     let _held = LockFile::exclusive(&path)?;
///     // Saves through any other holder wait here.
/// }
/// assert!(LockFile::shared(&path)?.is_some());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct LockFile {
    /// The open lock file; closing it releases the lock.
    _file: File,
}

impl LockFile {
    /// Opens (creating with mode 0600, never following a symlink: `O_NOFOLLOW`) the lock file
    /// at `path`, checks the opened descriptor is a regular file owned by the effective user,
    /// and waits for an exclusive advisory lock. Released on drop.
    ///
    /// # Errors
    ///
    /// The open's or the lock's [`io::Error`]; a refused file (a symbolic link, not a regular
    /// file, another user's) is [`PermissionDenied`](io::ErrorKind::PermissionDenied) with a
    /// [`Refusal`] inside. The parent directory must exist; it is not checked here (see
    /// [`check_dir`]).
    pub fn exclusive(path: &Path) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, LOCK_FILE_MODE);
        let file = open_checked(path, &options)?;
        sys::lock(&file, Access::Exclusive)?;
        Ok(Self { _file: file })
    }

    /// The same with a shared lock, without creating the file: `Ok(None)` when it does not
    /// exist (nothing was ever locked exclusively there, or the directory is missing).
    ///
    /// # Errors
    ///
    /// As for [`exclusive`](Self::exclusive), except that a missing file is `Ok(None)`.
    pub fn shared(path: &Path) -> io::Result<Option<Self>> {
        let mut options = OpenOptions::new();
        options.read(true);
        let file = match open_checked(path, &options) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        sys::lock(&file, Access::Shared)?;
        Ok(Some(Self { _file: file }))
    }
}

/// Opens `path` with `options` plus `O_NOFOLLOW | O_NONBLOCK` (on unix), then checks that the
/// opened descriptor is a regular file owned by the effective user (see the
/// [module docs](self)). Any `custom_flags` already set on `options` are replaced.
///
/// With `create_new` (`O_EXCL`) a symbolic link in the way is refused too, never followed.
///
/// # Errors
///
/// The open's [`io::Error`] (e.g. [`NotFound`](io::ErrorKind::NotFound)); a symbolic link,
/// anything but a regular file, or another user's file is
/// [`PermissionDenied`](io::ErrorKind::PermissionDenied) with a [`Refusal`] inside. A refused
/// file is closed again, unread and unwritten (one that `options` just created stays, empty).
pub fn open_checked(path: &Path, options: &OpenOptions) -> io::Result<File> {
    let mut options = options.clone();
    sys::no_follow(&mut options);
    let file = options.open(path).map_err(|e| {
        // The error for a link under O_NOFOLLOW differs by system (ELOOP, EMLINK, EFTYPE; EEXIST
        // with O_EXCL), so look at what is there instead.
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() && e.kind() != io::ErrorKind::NotFound => {
                refused(path, Refusal::Symlink)
            }
            _ => e,
        }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(path, Refusal::NotRegularFile));
    }
    sys::check_owner(&meta).map_err(|reason| refused(path, reason))?;
    Ok(file)
}

/// Checks that `path` is a directory owned by the effective user that neither its group nor
/// others can write (on unix; elsewhere only that it is a directory). A symbolic link to such a
/// directory passes: what matters is who can change the directory the files are in. Only
/// `path` itself is checked, not its parents.
///
/// # Errors
///
/// The `stat`'s [`io::Error`] ([`NotFound`](io::ErrorKind::NotFound) when it does not exist);
/// anything else but such a directory is [`PermissionDenied`](io::ErrorKind::PermissionDenied)
/// with a [`Refusal`] inside.
pub fn check_dir(path: &Path) -> io::Result<()> {
    let meta = fs::metadata(path)?;
    if !meta.is_dir() {
        return Err(refused(path, Refusal::NotDirectory));
    }
    sys::check_owner(&meta)
        .and_then(|()| sys::check_dir_mode(&meta))
        .map_err(|reason| refused(path, reason))
}

/// Why [`open_checked`], [`check_dir`] or a [`LockFile`] refused a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The path is a symbolic link; it is never followed. Recovery: remove the link.
    Symlink,
    /// The path is not a regular file (a directory, a FIFO, a device, a socket). Recovery:
    /// move it away.
    NotRegularFile,
    /// The path is not a directory. Recovery: move it away, or configure another directory.
    NotDirectory,
    /// The file or directory belongs to another user, who could change it (a file left by a
    /// run under `sudo` is owned by root). Recovery: `chown` it to the user, or remove it.
    Owner {
        /// Its owner's uid.
        owner: u32,
        /// The effective uid of this process.
        euid: u32,
    },
    /// The directory is writable by its group or by others, who could replace the files in
    /// it. Recovery: `chmod go-w` it, or configure a private directory.
    Writable {
        /// Its permission bits.
        mode: u32,
    },
}

impl Refusal {
    /// The refusal inside an [`io::Error`] returned by this module; `None` for any other error
    /// (the file system's own, such as [`NotFound`](io::ErrorKind::NotFound)).
    #[must_use]
    pub fn from_io_error(err: &io::Error) -> Option<Self> {
        err.get_ref()?.downcast_ref::<Refused>().map(|r| r.reason)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Symlink => f.write_str("is a symbolic link"),
            Self::NotRegularFile => f.write_str("is not a regular file"),
            Self::NotDirectory => f.write_str("is not a directory"),
            Self::Owner { owner, euid } => {
                write!(f, "is owned by uid {owner}, not by the effective uid {euid}")
            }
            Self::Writable { mode } => {
                write!(f, "is writable by its group or others (mode {:04o})", mode & 0o7777)
            }
        }
    }
}

impl core::error::Error for Refusal {}

/// The error inside the [`io::Error`] of a refusal: the path and the reason.
#[derive(Debug)]
struct Refused {
    path: PathBuf,
    reason: Refusal,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refusing {}: it {}", self.path.display(), self.reason)
    }
}

impl core::error::Error for Refused {}

fn refused(path: &Path, reason: Refusal) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, Refused { path: path.to_path_buf(), reason })
}

/// Which advisory lock to take.
#[derive(Clone, Copy, Debug)]
enum Access {
    Shared,
    Exclusive,
}

/// Unix: `flock`, `O_NOFOLLOW`, owner and mode checks, through rustix (no `unsafe` here).
#[cfg(all(
    unix,
    not(any(
        target_os = "espidf",
        target_os = "horizon",
        target_os = "solaris",
        target_os = "vita"
    ))
))]
mod sys {
    use super::{Access, Refusal};
    use rustix::fs::{FlockOperation, OFlags};
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};

    pub(super) fn no_follow(options: &mut OpenOptions) {
        options.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits().cast_signed());
    }

    pub(super) fn lock(file: &File, access: Access) -> io::Result<()> {
        let op = match access {
            Access::Shared => FlockOperation::LockShared,
            Access::Exclusive => FlockOperation::LockExclusive,
        };
        match rustix::io::retry_on_intr(|| rustix::fs::flock(file, op)) {
            Ok(()) => Ok(()),
            Err(e) => match io::Error::from(e) {
                // No advisory locks here (some network file systems): see the module docs.
                e if e.kind() == io::ErrorKind::Unsupported => Ok(()),
                e => Err(e),
            },
        }
    }

    pub(super) fn check_owner(meta: &Metadata) -> Result<(), Refusal> {
        let euid = rustix::process::geteuid().as_raw();
        match meta.uid() {
            owner if owner == euid => Ok(()),
            owner => Err(Refusal::Owner { owner, euid }),
        }
    }

    pub(super) fn check_dir_mode(meta: &Metadata) -> Result<(), Refusal> {
        match meta.mode() {
            mode if mode & 0o022 == 0 => Ok(()),
            mode => Err(Refusal::Writable { mode }),
        }
    }
}

/// Elsewhere: `File::lock` and the regular-file check only (see the module docs).
#[cfg(not(all(
    unix,
    not(any(
        target_os = "espidf",
        target_os = "horizon",
        target_os = "solaris",
        target_os = "vita"
    ))
)))]
mod sys {
    use super::{Access, Refusal};
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;

    pub(super) fn no_follow(_options: &mut OpenOptions) {}

    pub(super) fn lock(file: &File, access: Access) -> io::Result<()> {
        let locked = match access {
            Access::Shared => file.lock_shared(),
            Access::Exclusive => file.lock(),
        };
        match locked {
            Err(e) if e.kind() != io::ErrorKind::Unsupported => Err(e),
            _ => Ok(()),
        }
    }

    pub(super) fn check_owner(_meta: &Metadata) -> Result<(), Refusal> {
        Ok(())
    }

    pub(super) fn check_dir_mode(_meta: &Metadata) -> Result<(), Refusal> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
