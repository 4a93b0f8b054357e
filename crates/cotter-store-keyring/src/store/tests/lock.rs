//! The lock behind `TokenStore::lock` between store values (threads here; processes in
//! `tests/`), against the in-memory credential store of the parent module.

use super::*;
use core::time::Duration;
use std::path::Path;
use std::sync::mpsc;
use std::thread;

/// Runs `f` on a thread; fails the test instead of hanging when it does not finish in time
/// (a store waiting for a lock it holds itself).
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(f()));
    rx.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("{what}: still waiting"))
}

/// Starts `op` on a clone of `ks` on another thread; returns what it sends when done.
fn start<T: Send + 'static>(
    ks: &KeyringStore,
    op: impl FnOnce(&mut KeyringStore) -> T + Send + 'static,
) -> mpsc::Receiver<T> {
    let mut other = ks.clone();
    assert!(!other.is_locked(), "a clone of a locked store is not locked");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(op(&mut other)));
    rx
}

/// How long another value's operation is given to (wrongly) finish while the lock is held.
const HELD: Duration = Duration::from_millis(300);

#[test]
fn while_locked_own_operations_do_not_wait() {
    let (mut ks, mem) = setup(128);
    ks = within("own operations under the lock", move || {
        ks.lock().expect("lock");
        assert!(ks.is_locked());
        ks.lock().expect("locking again does nothing");
        ks.save(&session(1000, 20).as_session()).expect("save under the lock");
        assert_eq!(load(&mut ks).expect("load"), Some(20));
        ks.clear().expect("clear under the lock");
        ks.save(&session(10, 21).as_session()).expect("save under the lock");
        ks.unlock();
        assert!(!ks.is_locked());
        ks.unlock();
        ks
    });
    assert_eq!(load(&mut ks).expect("load"), Some(21));
    assert_eq!(names(&mem), ["alice"]);
}

#[test]
fn other_values_wait_for_unlock() {
    let (mut ks, _) = setup(128);
    ks.save(&session(500, 22).as_session()).expect("save");
    ks.lock().expect("lock");

    let saved = start(&ks, |other| other.save(&session(700, 23).as_session()));
    assert!(saved.recv_timeout(HELD).is_err(), "another value saved while the lock was held");
    assert_eq!(load(&mut ks).expect("own load"), Some(22));
    ks.unlock();
    saved.recv_timeout(Duration::from_secs(10)).expect("save after unlock").expect("save");
    assert_eq!(load(&mut ks).expect("load"), Some(23));

    // A load waits too (a shared lock), and a clear.
    ks.lock().expect("lock");
    let loaded = start(&ks, load);
    assert!(loaded.recv_timeout(HELD).is_err(), "another value loaded while the lock was held");
    ks.unlock();
    assert_eq!(loaded.recv_timeout(Duration::from_secs(10)).expect("load").expect("ok"), Some(23));

    ks.lock().expect("lock");
    let cleared = start(&ks, |other| other.clear());
    assert!(cleared.recv_timeout(HELD).is_err(), "another value cleared while the lock was held");
    assert_eq!(load(&mut ks).expect("own load"), Some(23));
    // Dropping the locked value releases the lock.
    drop(ks);
    cleared.recv_timeout(Duration::from_secs(10)).expect("clear after drop").expect("clear");
}

#[test]
fn another_lock_waits_and_with_lock_file_releases() {
    let (mut ks, _) = setup(128);
    ks.lock().expect("lock");
    let locked = start(&ks, |other| other.lock().map(|()| other.is_locked()));
    assert!(locked.recv_timeout(HELD).is_err(), "two values held the lock at once");
    // Naming another lock file releases the one held.
    let other = Scratch::new();
    let ks = ks.with_lock_file(&other.0);
    assert!(!ks.is_locked());
    assert!(locked.recv_timeout(Duration::from_secs(10)).expect("lock").expect("ok"));
}

#[cfg(unix)]
#[test]
fn lock_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    let path = scratch.0.join("deeper").join("x.lock");
    let (ks, _) = setup(128);
    let mut ks = ks.with_lock_file(&path);
    assert_eq!(ks.lock_path().expect("path"), path);
    ks.save(&session(10, 24).as_session()).expect("save");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("dir")) & 0o077, 0);
    // The lock file stays: deleting it would let two processes lock two files.
    ks.clear().expect("clear");
    assert!(path.exists());
}

#[test]
fn unusable_lock_file_is_an_error_and_nothing_is_written() {
    let (ks, mem) = setup(128);
    // The lock file's directory would have to be inside a regular file.
    let blocker = Scratch::new();
    std::fs::write(&blocker.0, b"").expect("file");
    let mut ks = ks.with_lock_file(blocker.0.join("x.lock"));
    let err = ks.save(&session(10, 25).as_session()).expect_err("no lock, no save");
    assert!(matches!(&err, KeyringStoreError::LockFile { path, .. } if path.ends_with("x.lock")));
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(core::error::Error::source(&err).is_some());
    assert!(names(&mem).is_empty(), "saved without the lock");
    let err = ks.lock().expect_err("lock");
    assert!(matches!(err, KeyringStoreError::LockFile { .. }), "{err:?}");
    assert!(!ks.is_locked());
    assert!(matches!(ks.clear(), Err(KeyringStoreError::LockFile { .. })));

    // A directory where the lock file should be is no lock file either.
    let dir = Scratch::new();
    std::fs::create_dir(&dir.0).expect("dir");
    let mut ks = ks.with_lock_file(&dir.0);
    let err = ks.lock().expect_err("a directory");
    assert!(matches!(err, KeyringStoreError::LockFile { .. }), "{err:?}");
    assert!(names(&mem).is_empty());
}

#[cfg(unix)]
#[test]
fn unsafe_lock_files_are_refused() {
    use cotter_store::lockfile::Refusal;
    use std::os::unix::fs::PermissionsExt;
    let refusal = |e: &KeyringStoreError| match e {
        KeyringStoreError::LockFile { source, .. } => Refusal::from_io_error(source),
        _ => None,
    };
    let (ks, mem) = setup(128);
    let scratch = Scratch::new();
    let dir = &scratch.0;
    std::fs::create_dir(dir).expect("dir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");

    // A symbolic link where the lock file should be: never followed.
    let target = dir.join("target");
    std::fs::write(&target, b"precious").expect("target");
    std::os::unix::fs::symlink(&target, dir.join("link.lock")).expect("symlink");
    let mut ks = ks.with_lock_file(dir.join("link.lock"));
    let err = ks.save(&session(10, 26).as_session()).expect_err("symlink");
    assert_eq!(refusal(&err), Some(Refusal::Symlink), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Insecure);
    assert_eq!(std::fs::read(&target).expect("target"), b"precious");
    assert!(matches!(load(&mut ks), Err(KeyringStoreError::LockFile { .. })));

    // A directory others can write: they could swap the lock file.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let mut ks = ks.with_lock_file(dir.join("ok.lock"));
    let err = ks.lock().expect_err("shared directory");
    assert!(matches!(refusal(&err), Some(Refusal::Writable { .. })), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Insecure);
    assert!(names(&mem).is_empty(), "wrote without a safe lock");

    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    ks.save(&session(10, 27).as_session()).expect("private directory");
    assert_eq!(load(&mut ks).expect("load"), Some(27));
}
