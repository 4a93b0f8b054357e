//! What the store refuses to read or write through: symbolic links at the session, lock and
//! temporary paths, FIFOs, other users' files, and a session directory that others can write
//! or that belongs to someone else. Each refusal is `Insecure`, names the path, and leaves
//! the link's target (and the stored session) as it was.
//!
//! The owner cases need to `chown` a file to another user (uid 65534, `nobody`, or 65533 when
//! that is us), so they run only as root (as CI does); elsewhere they print that they were
//! skipped.

#![cfg(unix)]

mod common;

use common::{TempDir, check_record, record, within};
use cotter_store::{ErrorKind, MAX_ENCODED_LEN, TokenStore};
use cotter_store_file::{FileStore, FileStoreError, Refusal};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

/// A uid that is not `euid`, for the owner tests to give files away to.
const fn other_uid(euid: u32) -> u32 {
    if euid == 65534 { 65533 } else { 65534 }
}

fn buf() -> Vec<u8> {
    vec![0u8; MAX_ENCODED_LEN]
}

/// Asserts that `err` refuses `path` for `reason`.
fn assert_refused(err: &FileStoreError, path: &Path, reason: Refusal) {
    assert_eq!(err.kind(), ErrorKind::Insecure, "{err:?}");
    match err {
        FileStoreError::Insecure { path: p, reason: r } => {
            assert_eq!((p.as_path(), *r), (path, reason), "{err}");
        }
        other => panic!("expected Insecure for {}, got {other:?}", path.display()),
    }
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
}

/// Gives `path` to `uid`; `false` (and a note) when this process may not.
fn give_away(path: &Path, uid: u32) -> bool {
    let given = std::os::unix::fs::chown(path, Some(uid), None).is_ok();
    if !given {
        eprintln!("not privileged: cannot chown {}, owner case not run", path.display());
    }
    given
}

/// The effective uid of this process: the owner of the directory it just created.
fn euid(tmp: &TempDir) -> u32 {
    fs::metadata(tmp.path()).expect("metadata").uid()
}

/// A file outside the store, holding `bytes`, that a link can point at.
fn bait(tmp: &TempDir, bytes: &[u8]) -> std::path::PathBuf {
    let target = tmp.path().join("elsewhere");
    fs::write(&target, bytes).expect("write bait");
    target
}

#[test]
fn load_refuses_a_symlinked_session_file() {
    let tmp = TempDir::new("link-session");
    // A valid record, so that following the link would load it.
    let target = tmp.path().join("planted");
    FileStore::new(&target).save(&record(1).as_session()).expect("plant");
    let planted = fs::read(&target).expect("read");
    let path = tmp.path().join("s");
    symlink(&target, &path).expect("symlink");

    let mut store = FileStore::new(&path);
    let err = store.load(&mut buf()).expect_err("a link must not be followed");
    assert_refused(&err, &path, Refusal::Symlink);
    assert_eq!(fs::read(&target).expect("read"), planted);

    // A save replaces the link itself; the target stays as it was.
    store.save(&record(2).as_session()).expect("save over the link");
    assert!(!fs::symlink_metadata(&path).expect("meta").file_type().is_symlink());
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 2);
    assert_eq!(fs::read(&target).expect("read"), planted);
}

#[test]
fn a_symlinked_lock_file_is_refused_and_never_created_through() {
    let tmp = TempDir::new("link-lock");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    let lock = store.lock_path().expect("lock path").to_path_buf();
    // Dangling: opening through it with O_CREAT would create the target.
    let target = tmp.path().join("created-through-the-link");
    symlink(&target, &lock).expect("symlink");

    assert_refused(
        &store.save(&record(3).as_session()).expect_err("save"),
        &lock,
        Refusal::Symlink,
    );
    assert_refused(&store.clear().expect_err("clear"), &lock, Refusal::Symlink);
    assert_refused(&store.lock().expect_err("lock"), &lock, Refusal::Symlink);
    assert!(!store.is_locked());
    assert!(!target.exists(), "the lock file was created through the link");
    assert!(!path.exists(), "a session was written without the lock");

    // Pointing at an existing file: a load's shared lock refuses it too.
    let target = bait(&tmp, b"not a lock file");
    fs::remove_file(&lock).expect("unlink");
    symlink(&target, &lock).expect("symlink");
    assert_refused(&store.load(&mut buf()).expect_err("load"), &lock, Refusal::Symlink);
    assert_eq!(fs::read(&target).expect("read"), b"not a lock file");
}

#[test]
fn a_symlinked_temporary_file_is_refused_and_its_target_untouched() {
    let tmp = TempDir::new("link-temp");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(4).as_session()).expect("save");
    let temp = store.temp_path().expect("temp path").to_path_buf();
    let target = bait(&tmp, b"precious");
    symlink(&target, &temp).expect("symlink");

    let err = store.save(&record(5).as_session()).expect_err("a link at the temporary path");
    assert_refused(&err, &temp, Refusal::Symlink);
    assert_eq!(fs::read(&target).expect("read"), b"precious");
    assert!(fs::symlink_metadata(&temp).expect("meta").file_type().is_symlink(), "link removed");
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 4);
}

#[test]
fn a_fifo_in_place_of_the_session_file_is_refused_without_blocking() {
    let tmp = TempDir::new("fifo");
    let path = tmp.path().join("s");
    match std::process::Command::new("mkfifo").arg(&path).status() {
        Ok(status) if status.success() => {}
        _ => {
            eprintln!("no mkfifo: FIFO case not run");
            return;
        }
    }
    let p = path.clone();
    let err = within(30, "load of a FIFO", move || {
        FileStore::new(&p).load(&mut buf()).expect_err("a FIFO is not a session file")
    });
    assert_refused(&err, &path, Refusal::NotRegularFile);
}

#[test]
fn another_users_session_file_is_refused() {
    let tmp = TempDir::new("owner-session");
    let path = tmp.path().join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(6).as_session()).expect("save");
    let before = fs::read(&path).expect("read");
    let euid = euid(&tmp);
    if !give_away(&path, other_uid(euid)) {
        return;
    }
    let owner = Refusal::Owner { owner: other_uid(euid), euid };
    assert_refused(&store.load(&mut buf()).expect_err("load"), &path, owner);
    // Clear does not zero another user's file either.
    assert_refused(&store.clear().expect_err("clear"), &path, owner);
    assert_eq!(fs::read(&path).expect("still there"), before);
    // A save replaces it with a file of our own (the directory is ours).
    store.save(&record(7).as_session()).expect("save");
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 7);
}

#[test]
fn another_users_lock_file_is_refused() {
    let tmp = TempDir::new("owner-lock");
    let mut store = FileStore::new(tmp.path().join("s"));
    store.save(&record(8).as_session()).expect("save");
    let lock = store.lock_path().expect("lock").to_path_buf();
    let euid = euid(&tmp);
    if !give_away(&lock, other_uid(euid)) {
        return;
    }
    let owner = Refusal::Owner { owner: other_uid(euid), euid };
    assert_refused(&store.save(&record(9).as_session()).expect_err("save"), &lock, owner);
    assert_refused(&store.load(&mut buf()).expect_err("load"), &lock, owner);
    assert_refused(&store.lock().expect_err("lock"), &lock, owner);
}

#[test]
fn a_directory_its_group_or_others_can_write_is_refused() {
    let tmp = TempDir::new("dir-writable");
    let dir = tmp.path().join("d");
    let path = dir.join("s");
    let mut store = FileStore::new(&path);
    store.save(&record(10).as_session()).expect("save");
    let before = fs::read(&path).expect("read");
    for mode in [0o770, 0o707, 0o777, 0o1777] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).expect("chmod");
        let writable = |e: &FileStoreError| match e {
            FileStoreError::Insecure { reason: Refusal::Writable { mode: m }, path: p } => {
                assert_eq!((m & 0o7777, p.as_path()), (mode, dir.as_path()), "{e}");
                assert!(e.to_string().contains("writable by its group or others"), "{e}");
            }
            other => panic!("mode {mode:o}: expected Insecure Writable, got {other:?}"),
        };
        writable(&store.load(&mut buf()).expect_err("load"));
        writable(&store.save(&record(11).as_session()).expect_err("save"));
        writable(&store.clear().expect_err("clear"));
        writable(&store.lock().expect_err("lock"));
        assert_eq!(fs::read(&path).expect("untouched"), before, "mode {mode:o}");
    }
    // Readable by others is fine (a 0755 directory, the usual umask's).
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(check_record(&store.load(&mut buf()).expect("load").expect("some")), 10);
}

#[test]
fn another_users_directory_is_refused() {
    let tmp = TempDir::new("dir-owner");
    let dir = tmp.path().join("d");
    let mut store = FileStore::new(dir.join("s"));
    store.save(&record(12).as_session()).expect("save");
    let euid = euid(&tmp);
    if !give_away(&dir, other_uid(euid)) {
        return;
    }
    let owner = Refusal::Owner { owner: other_uid(euid), euid };
    assert_refused(&store.load(&mut buf()).expect_err("load"), &dir, owner);
    assert_refused(&store.save(&record(13).as_session()).expect_err("save"), &dir, owner);
    assert_refused(&store.clear().expect_err("clear"), &dir, owner);
}
