//! The chunking and recovery logic against an in-memory credential store that can fail on
//! demand. The same behaviour against a real Secret Service is in `tests/secret_service.rs`.

mod lock;

use super::*;
use core::sync::atomic::{AtomicUsize, Ordering};
use cotter_store::{ErrorKind, OwnedSession};
use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{Credential, Entry, Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Entries by user name (one service), plus names whose next `set`, `get` or `delete` fails.
#[derive(Debug, Default)]
struct Mem {
    entries: BTreeMap<String, Vec<u8>>,
    /// Name → (accesses still allowed, then this error once).
    fail: HashMap<String, (usize, Error)>,
}

/// The credential store over a [`Mem`], and the lock file of the stores built on it (removed
/// when the last of them is dropped).
#[derive(Debug)]
struct MemStore {
    mem: Arc<Mutex<Mem>>,
    /// Kept only to be dropped with the store.
    _lock_file: Scratch,
}

#[derive(Debug)]
struct MemCred {
    mem: Arc<Mutex<Mem>>,
    user: String,
}

impl MemCred {
    fn op<T>(&self, f: impl FnOnce(&mut BTreeMap<String, Vec<u8>>) -> Result<T>) -> Result<T> {
        let mut mem = self.mem.lock().expect("lock");
        if let Some((skip, _)) = mem.fail.get_mut(&self.user) {
            if *skip == 0 {
                if let Some((_, e)) = mem.fail.remove(&self.user) {
                    return Err(e);
                }
            } else {
                *skip -= 1;
            }
        }
        f(&mut mem.entries)
    }
}

impl CredentialApi for MemCred {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        self.op(|m| {
            m.insert(self.user.clone(), secret.to_vec());
            Ok(())
        })
    }
    fn get_secret(&self) -> Result<Vec<u8>> {
        self.op(|m| m.get(&self.user).cloned().ok_or(Error::NoEntry))
    }
    fn delete_credential(&self) -> Result<()> {
        self.op(|m| m.remove(&self.user).map(drop).ok_or(Error::NoEntry))
    }
    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(("svc".into(), self.user.clone()))
    }
    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

impl CredentialStoreApi for MemStore {
    fn vendor(&self) -> String {
        "test".into()
    }
    fn id(&self) -> String {
        "mem".into()
    }
    fn build(&self, _: &str, user: &str, _: Option<&HashMap<&str, &str>>) -> Result<Entry> {
        Ok(Entry::new_with_credential(Arc::new(MemCred {
            mem: self.mem.clone(),
            user: user.into(),
        })))
    }
    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

/// A path of its own (for a lock file, or a directory of them) in a private directory under the
/// system's temp directory, so that tests neither share locks nor write to the user's runtime
/// or cache directory. Whatever is at the path is removed on drop.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let base = std::env::temp_dir().join("cotter-store-keyring-unit");
        let mut dir = std::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        dir.create(&base).expect("scratch directory");
        Self(base.join(format!("{}-{n}", std::process::id())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0).or_else(|_| std::fs::remove_dir_all(&self.0));
    }
}

fn setup(chunk: usize) -> (KeyringStore, Arc<Mutex<Mem>>) {
    let mem = Arc::new(Mutex::new(Mem::default()));
    let lock_file = Scratch::new();
    let path = lock_file.0.clone();
    let store: Arc<CredentialStore> =
        Arc::new(MemStore { mem: mem.clone(), _lock_file: lock_file });
    let ks = KeyringStore::with_credential_store(store, "svc", "alice")
        .with_chunk_size(chunk)
        .expect("chunk size")
        .with_lock_file(path);
    (ks, mem)
}

fn names(mem: &Mutex<Mem>) -> Vec<String> {
    mem.lock().expect("lock").entries.keys().cloned().collect()
}

/// Makes the access to `name` after `skip` successful ones fail with `e`.
fn fail_after(mem: &Mutex<Mem>, name: &str, skip: usize, e: Error) {
    mem.lock().expect("lock").fail.insert(name.into(), (skip, e));
}

fn session(n: usize, tag: u64) -> OwnedSession {
    let mut s = OwnedSession::from(&Session::new("", "id", "refresh", tag));
    s.access_token = "x".repeat(n);
    s
}

fn load(ks: &mut KeyringStore) -> core::result::Result<Option<u64>, KeyringStoreError> {
    let mut buf = vec![0u8; cotter_store::MAX_ENCODED_LEN];
    ks.load(&mut buf).map(|s| s.map(|s| s.expires_at))
}

#[test]
fn small_record_is_one_entry() {
    let (mut ks, mem) = setup(DEFAULT_CHUNK_SIZE);
    assert_eq!(load(&mut ks).expect("load"), None);
    ks.save(&session(100, 1).as_session()).expect("save");
    assert_eq!(names(&mem), ["alice"]);
    assert_eq!(load(&mut ks).expect("load"), Some(1));
}

#[test]
fn large_record_is_chunked_and_banks_alternate() {
    let (mut ks, mem) = setup(256);
    let big = session(1000, 2);
    ks.save(&big.as_session()).expect("save");
    assert_eq!(names(&mem), ["alice", "alice#a1", "alice#a2", "alice#a3", "alice#a4"]);
    assert!(mem.lock().expect("lock").entries.values().all(|v| v.len() <= 256));
    let mut buf = vec![0u8; 2000];
    assert_eq!(ks.load(&mut buf).expect("load").expect("some"), big.as_session());

    ks.save(&session(600, 3).as_session()).expect("save");
    assert_eq!(names(&mem), ["alice", "alice#b1", "alice#b2"]);
    assert_eq!(load(&mut ks).expect("load"), Some(3));

    ks.save(&session(10, 4).as_session()).expect("save");
    assert_eq!(names(&mem), ["alice"]);
    assert_eq!(load(&mut ks).expect("load"), Some(4));

    // Another chunk size reads it all the same.
    let mut other = ks.clone().with_chunk_size(DEFAULT_CHUNK_SIZE).expect("size");
    ks.save(&session(3000, 5).as_session()).expect("save");
    assert_eq!(load(&mut other).expect("load"), Some(5));
}

#[test]
fn failed_chunk_write_keeps_the_previous_session() {
    let (mut ks, mem) = setup(256);
    ks.save(&session(1000, 6).as_session()).expect("save");
    fail_after(&mem, "alice#b3", 0, Error::PlatformFailure("disk full".into()));
    let err = ks.save(&session(1000, 7).as_session()).expect_err("injected failure");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(load(&mut ks).expect("load"), Some(6));
    // The next save goes through and cleans the half-written bank.
    ks.save(&session(1000, 8).as_session()).expect("save");
    assert_eq!(load(&mut ks).expect("load"), Some(8));
    assert!(
        names(&mem).iter().all(|n| n == "alice" || n.starts_with("alice#b")),
        "{:?}",
        names(&mem)
    );
}

#[test]
fn failed_head_write_keeps_the_previous_session() {
    let (mut ks, mem) = setup(256);
    ks.save(&session(1000, 9).as_session()).expect("save");
    // The save reads the head (allowed), writes bank b, then fails writing the head.
    fail_after(&mem, "alice", 1, Error::PlatformFailure("boom".into()));
    let err = ks.save(&session(1000, 10).as_session()).expect_err("head write fails");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(load(&mut ks).expect("load"), Some(9));
    assert!(names(&mem).contains(&"alice#b1".to_string()), "new chunks were written first");
    // The next save succeeds and leaves no chunk behind.
    ks.save(&session(10, 11).as_session()).expect("save");
    assert_eq!(names(&mem), ["alice"]);

    fail_after(&mem, "alice", 0, Error::NoStorageAccess("locked".into()));
    let err = load(&mut ks).expect_err("locked");
    assert!(matches!(err, KeyringStoreError::Locked(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("unlock"), "{err}");
    assert_eq!(load(&mut ks).expect("load"), Some(11));
}

#[test]
fn damaged_entries_are_corrupt() {
    let (mut ks, mem) = setup(256);
    ks.save(&session(1000, 13).as_session()).expect("save");
    let set = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut m = mem.lock().expect("lock");
        f(m.entries.get_mut(name).expect("entry"));
    };

    let saved = mem.lock().expect("lock").entries.clone();
    mem.lock().expect("lock").entries.remove("alice#a2");
    let err = load(&mut ks).expect_err("missing chunk");
    assert!(
        matches!(err, KeyringStoreError::Corrupt(Damage::MissingChunk { index: 2 })),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Corrupt);

    mem.lock().expect("lock").entries = saved.clone();
    set("alice#a3", &|v| v[0] ^= 1);
    let err = load(&mut ks).expect_err("stale chunk");
    assert!(matches!(err, KeyringStoreError::Corrupt(Damage::StaleChunk { index: 3 })), "{err:?}");

    mem.lock().expect("lock").entries = saved.clone();
    set("alice#a1", &|v| v[10] ^= 1);
    let err = load(&mut ks).expect_err("crc");
    assert!(matches!(err, KeyringStoreError::Decode(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Corrupt);

    mem.lock().expect("lock").entries = saved.clone();
    set("alice#a4", &|v| v.push(0));
    assert!(matches!(load(&mut ks), Err(KeyringStoreError::Corrupt(Damage::LengthMismatch))));

    mem.lock().expect("lock").entries = saved.clone();
    set("alice", &|v| v[4] = 9);
    let err = load(&mut ks).expect_err("version");
    assert!(matches!(err, KeyringStoreError::UnsupportedVersion(9)));
    assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);

    mem.lock().expect("lock").entries = saved;
    set("alice", &|v| v.truncate(3));
    assert!(matches!(load(&mut ks), Err(KeyringStoreError::Corrupt(Damage::BadHead))));
    // A save replaces a damaged head.
    ks.save(&session(1000, 14).as_session()).expect("save over a bad head");
    assert_eq!(load(&mut ks).expect("load"), Some(14));
}

#[test]
fn clear_removes_head_and_every_chunk() {
    let (mut ks, mem) = setup(128);
    ks.save(&session(2000, 15).as_session()).expect("save");
    // Leftovers of an interrupted save in the other bank.
    mem.lock().expect("lock").entries.insert("alice#b1".into(), vec![1; 10]);
    mem.lock().expect("lock").entries.insert("alice#b2".into(), vec![1; 10]);
    mem.lock().expect("lock").entries.insert("bob".into(), vec![1; 10]);
    ks.clear().expect("clear");
    assert_eq!(names(&mem), ["bob"]);
    assert_eq!(load(&mut ks).expect("load"), None);
    ks.clear().expect("clear again");
}

#[test]
fn small_buffer_and_bad_chunk_size() {
    let (mut ks, _) = setup(256);
    ks.save(&session(1000, 16).as_session()).expect("save");
    let mut buf = vec![0u8; 100];
    assert!(matches!(ks.load(&mut buf), Err(KeyringStoreError::BufferTooSmall { needed })
            if needed > 1000));
    let err =
        KeyringStore::new("s", "u").with_chunk_size(MIN_CHUNK_SIZE - 1).expect_err("too small");
    assert!(matches!(err, KeyringStoreError::InvalidChunkSize { .. }));
    let huge = "x".repeat(cotter_store::MAX_FIELD_LEN + 1);
    let err = ks.save(&Session::new(&huge, "", "", 0)).expect_err("too large");
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(load(&mut ks).expect("load"), Some(16));
}

#[test]
fn debug_shows_names_not_secrets() {
    let (ks, _) = setup(256);
    let shown = format!("{ks:?}");
    assert!(shown.contains("alice") && shown.contains("svc") && shown.contains("256"), "{shown}");
}
