//! `TokenStore::lock` within one process: the holder's own operations run (no deadlock on its
//! own lock), every other value waits until `unlock` or drop, and a clone is not locked.
//! `processes.rs` checks the same across processes.

mod common;

use common::{TempDir, check_record, record, within};
use core::time::Duration;
use cotter_store::{MAX_ENCODED_LEN, TokenStore};
use cotter_store_file::FileStore;
use std::path::Path;
use std::sync::mpsc;
use std::thread;

/// How long a waiting operation must stay blocked to count as waiting.
const BLOCKED: Duration = Duration::from_millis(400);
/// How long an operation may take once nothing stands in its way.
const DONE_SECS: u64 = 30;

fn buf() -> Vec<u8> {
    vec![0u8; MAX_ENCODED_LEN]
}

/// Saves `record(seq)` through `store` on another thread; the receiver gets the store back
/// once the save has returned.
fn save_in_background(mut store: FileStore, seq: u64) -> mpsc::Receiver<FileStore> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        store.save(&record(seq).as_session()).expect("background save");
        let _ = tx.send(store);
    });
    rx
}

/// Asserts that the background operation is still waiting.
fn assert_waiting<T>(rx: &mpsc::Receiver<T>, what: &str) {
    assert!(rx.recv_timeout(BLOCKED).is_err(), "{what} did not wait for the lock");
}

fn finished<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(Duration::from_secs(DONE_SECS))
        .unwrap_or_else(|_| panic!("{what} did not finish after the unlock"))
}

fn loaded(store: &mut FileStore) -> u64 {
    check_record(&store.load(&mut buf()).expect("load").expect("some"))
}

#[test]
fn the_holder_works_inside_its_lock_while_other_values_wait() {
    let tmp = TempDir::new("lock-holder");
    let path = tmp.path().join("s");
    let mut holder = FileStore::new(&path);
    holder.save(&record(1).as_session()).expect("save");
    holder.lock().expect("lock");
    assert!(holder.is_locked());

    let other = save_in_background(FileStore::new(&path), 100);
    // The refresh a client does under the lock: re-read, save, and clear and save again.
    // Each would wait forever for its own lock if it took the lock again.
    let mut holder = within(DONE_SECS, "load/save/clear inside lock()", move || {
        holder.lock().expect("lock again is a no-op");
        assert_eq!(loaded(&mut holder), 1);
        holder.save(&record(2).as_session()).expect("save inside the lock");
        assert_eq!(loaded(&mut holder), 2);
        holder.clear().expect("clear inside the lock");
        assert!(holder.load(&mut buf()).expect("load").is_none());
        holder.save(&record(3).as_session()).expect("save inside the lock");
        holder
    });
    assert_waiting(&other, "another value's save");
    assert_eq!(loaded(&mut holder), 3, "the other save ran inside the lock");

    holder.unlock();
    assert!(!holder.is_locked());
    let mut other = finished(&other, "another value's save");
    assert_eq!(loaded(&mut other), 100);
    holder.unlock();
}

#[test]
fn loads_and_clears_of_other_values_wait_too() {
    let tmp = TempDir::new("lock-others");
    let path = tmp.path().join("s");
    let mut holder = FileStore::new(&path);
    holder.save(&record(4).as_session()).expect("save");
    holder.lock().expect("lock");

    let (load_tx, load_rx) = mpsc::channel();
    let p = path.clone();
    thread::spawn(move || {
        let seq = FileStore::new(p).load(&mut buf()).expect("load").map(|s| check_record(&s));
        let _ = load_tx.send(seq);
    });
    let (clear_tx, clear_rx) = mpsc::channel();
    let p = path.clone();
    thread::spawn(move || {
        FileStore::new(p).clear().expect("clear");
        let _ = clear_tx.send(());
    });
    assert_waiting(&load_rx, "another value's load");
    assert_waiting(&clear_rx, "another value's clear");
    holder.save(&record(5).as_session()).expect("save inside the lock");
    holder.unlock();
    finished(&clear_rx, "another value's clear");
    // The load saw the state after the unlock (the renewed session, or none when the clear ran
    // first), never the one from before the lock.
    let seen = finished(&load_rx, "another value's load");
    assert!(matches!(seen, Some(5) | None), "load saw {seen:?}");
}

#[test]
fn a_clone_of_a_locked_store_is_not_locked() {
    let tmp = TempDir::new("lock-clone");
    let path = tmp.path().join("s");
    let mut holder = FileStore::new(&path);
    holder.lock().expect("lock");
    let clone = holder.clone();
    assert!(!clone.is_locked());
    assert_eq!(clone.path(), holder.path());

    let clone = save_in_background(clone, 6);
    assert_waiting(&clone, "a clone's save");
    holder.unlock();
    let mut clone = finished(&clone, "a clone's save");
    assert_eq!(loaded(&mut clone), 6);
}

#[test]
fn dropping_a_locked_store_releases_the_lock() {
    let tmp = TempDir::new("lock-drop");
    let path = tmp.path().join("s");
    let mut holder = FileStore::new(&path);
    holder.lock().expect("lock");
    let other = save_in_background(FileStore::new(&path), 7);
    assert_waiting(&other, "another value's save");
    drop(holder);
    let mut other = finished(&other, "another value's save");
    assert_eq!(loaded(&mut other), 7);
}

#[test]
fn lock_creates_a_private_directory_and_lock_file() {
    let tmp = TempDir::new("lock-create");
    let dir = tmp.path().join("new");
    let mut store = FileStore::new(dir.join("s"));
    store.lock().expect("lock");
    let lock = store.lock_path().expect("lock path").to_path_buf();
    assert!(lock.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&lock)), (0o700, 0o600));
    }
    // Nothing is stored yet.
    assert!(store.load(&mut buf()).expect("load").is_none());
    store.unlock();
}
