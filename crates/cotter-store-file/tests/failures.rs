//! Failure behaviour: missing, corrupt, foreign-version and oversized files on load; saves
//! that fail part-way leave the previous file intact and no temporary file behind.

mod common;

use common::{TempDir, check_record, record};
use cotter_store::{ErrorKind, MAX_ENCODED_LEN, Session, TokenStore, codec};
use cotter_store_file::{FileStore, FileStoreError, Step};
use std::fs;

fn buf() -> Vec<u8> {
    vec![0u8; MAX_ENCODED_LEN]
}

#[test]
fn missing_file_and_missing_directory_load_as_none() {
    let tmp = TempDir::new("missing");
    let mut b = buf();
    assert_eq!(FileStore::new(tmp.path().join("s")).load(&mut b).expect("load"), None);
    let deep = tmp.path().join("no").join("such").join("s");
    assert_eq!(FileStore::new(&deep).load(&mut b).expect("load"), None);
    assert!(!tmp.path().join("no").exists(), "load created a directory");
    // A load never creates the lock file either.
    assert_eq!(fs::read_dir(tmp.path()).expect("read_dir").count(), 0);
}

#[test]
fn corrupt_file_is_reported_and_kept() {
    let tmp = TempDir::new("corrupt");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(7).as_session()).expect("save");
    let mut bytes = fs::read(&path).expect("read");
    bytes[40] ^= 0x01;
    fs::write(&path, &bytes).expect("write");

    let mut b = buf();
    let err = store.load(&mut b).expect_err("corrupt file must not load");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(matches!(err, FileStoreError::Decode(codec::DecodeError::CrcMismatch)), "{err:?}");
    assert_eq!(fs::read(&path).expect("file kept"), bytes, "file changed by a failed load");

    // Empty and truncated files are corrupt too.
    fs::write(&path, b"").expect("write");
    assert_eq!(store.load(&mut b).expect_err("empty").kind(), ErrorKind::Corrupt);
    fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
    assert_eq!(store.load(&mut b).expect_err("truncated").kind(), ErrorKind::Corrupt);
    assert!(path.exists());

    // Saving over a corrupt file recovers.
    store.save(&record(8).as_session()).expect("save");
    assert_eq!(check_record(&store.load(&mut b).expect("load").expect("some")), 8);
}

#[test]
fn newer_version_is_unsupported_version() {
    let tmp = TempDir::new("version");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(9).as_session()).expect("save");
    let mut bytes = fs::read(&path).expect("read");
    // Version byte 4 := 2, then fix the trailing CRC so only the version is wrong.
    bytes[4] = 2;
    let body = bytes.len() - 4;
    let crc = cotter_store::crc::crc32(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
    fs::write(&path, &bytes).expect("write");

    let err = store.load(&mut buf()).expect_err("version 2");
    assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);
    assert!(matches!(err, FileStoreError::Decode(codec::DecodeError::UnsupportedVersion(2))));
    assert!(path.exists());
}

#[test]
fn oversized_file_and_small_buffer() {
    let tmp = TempDir::new("oversized");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    fs::write(&path, vec![b'x'; MAX_ENCODED_LEN + 1]).expect("write");
    let err = store.load(&mut buf()).expect_err("oversized");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(matches!(err, FileStoreError::Oversized { .. }));

    store.save(&record(10).as_session()).expect("save");
    let len = usize::try_from(fs::metadata(&path).expect("meta").len()).expect("len");
    let mut small = vec![0u8; len - 1];
    let err = store.load(&mut small).expect_err("small buffer");
    assert!(matches!(err, FileStoreError::BufferTooSmall { needed } if needed == len));
    let mut exact = vec![0u8; len];
    assert_eq!(check_record(&store.load(&mut exact).expect("load").expect("some")), 10);
}

#[test]
fn too_large_session_writes_nothing() {
    let tmp = TempDir::new("toolarge");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(11).as_session()).expect("save");
    let before = fs::read(&path).expect("read");
    let huge = "x".repeat(cotter_store::MAX_FIELD_LEN + 1);
    let err = store.save(&Session::new(&huge, "", "", 0)).expect_err("too large");
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(fs::read(&path).expect("read"), before);
}

#[test]
fn save_failing_before_the_rename_keeps_the_previous_file() {
    let tmp = TempDir::new("fail-temp");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(12).as_session()).expect("save");
    let before = fs::read(&path).expect("read");

    // Something that is not a file sits where the temporary file goes: the save cannot even
    // start writing.
    let temp = store.temp_path().expect("temp path").to_path_buf();
    fs::create_dir(&temp).expect("mkdir");
    fs::write(temp.join("keep"), b"x").expect("write");
    let err = store.save(&record(13).as_session()).expect_err("save must fail");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(matches!(err, FileStoreError::Io { step: Step::RemoveStale, .. }), "{err:?}");
    assert_eq!(fs::read(&path).expect("previous file"), before);
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 12);

    fs::remove_dir_all(&temp).expect("cleanup");
    store.save(&record(14).as_session()).expect("save after cleanup");
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 14);
}

#[test]
fn save_failing_at_the_rename_leaves_no_temporary_file() {
    let tmp = TempDir::new("fail-rename");
    let path = tmp.path().join("s");
    // The target is a non-empty directory: rename(2) refuses to replace it.
    fs::create_dir(&path).expect("mkdir");
    fs::write(path.join("inside"), b"precious").expect("write");
    let mut store = FileStore::new(&path);
    let err = store.save(&record(15).as_session()).expect_err("save must fail");
    assert!(matches!(err, FileStoreError::Io { step: Step::Rename, .. }), "{err:?}");
    assert_eq!(fs::read(path.join("inside")).expect("untouched"), b"precious");
    assert!(!store.temp_path().expect("temp").exists(), "temporary file with a session left");
}

#[cfg(unix)]
#[test]
fn save_into_a_read_only_directory_keeps_the_previous_file() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("fail-ro");
    let dir = tmp.path().join("ro");
    let path = dir.join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(16).as_session()).expect("save");
    let before = fs::read(&path).expect("read");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).expect("chmod");

    // Root (CAP_DAC_OVERRIDE) ignores directory permissions; the rename-failure and
    // occupied-temp tests above cover the failed save there.
    let probe = dir.join("probe");
    if fs::write(&probe, b"").is_ok() {
        let _ = fs::remove_file(&probe);
        eprintln!("privileged user: a 0500 directory is still writable, read-only case not run");
        return;
    }
    let err = store.save(&record(17).as_session()).expect_err("read-only directory");
    assert!(matches!(err, FileStoreError::Io { step: Step::CreateTemp, .. }), "{err:?}");
    assert_eq!(fs::read(&path).expect("previous file"), before);
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 16);
}

#[test]
fn clear_wipes_removes_and_is_idempotent() {
    let tmp = TempDir::new("clear");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.clear().expect("clear with nothing saved");
    store.save(&record(18).as_session()).expect("save");
    // A hard link shows the inode's content after the unlink: it must be zeros.
    let witness = tmp.path().join("witness");
    fs::hard_link(&path, &witness).expect("hard link");
    let len = fs::metadata(&path).expect("meta").len();
    store.clear().expect("clear");
    assert!(!path.exists());
    let left = fs::read(&witness).expect("witness");
    assert_eq!(left.len() as u64, len);
    assert!(left.iter().all(|&b| b == 0), "clear did not overwrite the record");
    assert_eq!(store.load(&mut buf()).expect("load"), None);
    store.clear().expect("clear again");
    FileStore::new(tmp.path().join("nodir").join("s")).clear().expect("clear, no directory");
    assert!(!tmp.path().join("nodir").exists());
}

#[test]
fn clear_also_removes_a_stale_temporary_file() {
    let tmp = TempDir::new("clear-stale");
    let mut store = FileStore::new(tmp.path().join("s"));
    store.save(&record(19).as_session()).expect("save");
    let temp = store.temp_path().expect("temp").to_path_buf();
    fs::write(&temp, b"half a session from a killed save").expect("write");
    store.clear().expect("clear");
    assert!(!temp.exists());
}

#[cfg(unix)]
#[test]
fn clear_does_not_zero_the_target_of_a_symlink() {
    let tmp = TempDir::new("clear-link");
    let elsewhere = tmp.path().join("elsewhere");
    fs::write(&elsewhere, b"not ours").expect("write");
    let path = tmp.path().join("s");
    std::os::unix::fs::symlink(&elsewhere, &path).expect("symlink");
    FileStore::new(&path).clear().expect("clear");
    assert!(fs::symlink_metadata(&path).is_err(), "link not removed");
    assert_eq!(fs::read(&elsewhere).expect("read"), b"not ours");
}

#[test]
fn path_without_file_name_is_an_error() {
    let mut store = FileStore::new("/");
    let err = store.save(&record(20).as_session()).expect_err("no file name");
    assert!(matches!(err, FileStoreError::InvalidPath { .. }));
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(store.lock_path().is_none());
}
