//! `--state FILE`: the state written after every change, atomically (a temporary file in the same
//! directory, `fsync`, `rename`, `fsync` of the directory), so that a `kill -9` at any moment leaves
//! either the previous complete file or the new one. The file is created `0600`: it holds private
//! signing keys and refresh-token secrets.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::string::String;
use std::sync::{Mutex, PoisonError};
use std::vec::Vec;

/// The state file and what was last written to it.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    /// The bytes last written (nothing is written when they have not changed).
    last: Mutex<Vec<u8>>,
}

impl StateFile {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path, last: Mutex::new(Vec::new()) }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes temporary files a killed emulator left beside the state file (`FILE.tmp-PID`).
    pub(crate) fn remove_stale_temporaries(&self) {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else { return };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let mut prefix = name.to_owned();
        prefix.push(".tmp-");
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            if file_name.as_encoded_bytes().starts_with(prefix.as_encoded_bytes()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The file's contents, or `None` when there is no file yet.
    ///
    /// # Errors
    ///
    /// When it exists but cannot be read.
    pub(crate) fn read(&self) -> io::Result<Option<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes `bytes` unless they are what the file holds already. `make` runs under the file's
    /// lock, so concurrent callers write in the order they read the state.
    ///
    /// # Errors
    ///
    /// When the temporary file cannot be written, synced or renamed.
    pub(crate) fn save(&self, make: impl FnOnce() -> Vec<u8>) -> io::Result<bool> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = make();
        if *last == bytes {
            return Ok(false);
        }
        write_atomically(&self.path, &bytes)?;
        *last = bytes;
        Ok(true)
    }
}

/// Writes `bytes` to `path` through `path.tmp-PID` in the same directory: write, `fsync`, `rename`,
/// then `fsync` the directory so that the rename itself is durable.
///
/// # Errors
///
/// Any I/O error; the temporary file is removed then.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut name = path.file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(name);
    let written =
        OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).and_then(
            |mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            },
        );
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    File::open(dir).and_then(|d| d.sync_all())
}

#[cfg(test)]
mod tests {
    use super::StateFile;

    #[test]
    fn writes_only_changes_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("cotter-statefile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = StateFile::new(dir.join("state.json"));
        assert_eq!(file.read().expect("read"), None);
        assert!(file.save(|| b"{}".to_vec()).expect("write"));
        assert!(!file.save(|| b"{}".to_vec()).expect("unchanged"));
        assert!(file.save(|| b"{\"a\":1}".to_vec()).expect("write"));
        assert_eq!(file.read().expect("read").as_deref(), Some("{\"a\":1}"));
        let names: Vec<_> =
            std::fs::read_dir(&dir).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("state.json")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
