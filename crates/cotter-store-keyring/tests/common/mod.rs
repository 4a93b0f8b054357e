//! Test bodies shared by the real-store tests (`secret_service.rs`, `kernel_keyring.rs`): each
//! runs against whatever credential store the [`Harness`] gives it.
//!
//! [`processes`] holds the tests with several processes.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "test helper module")]

pub mod processes;

use cotter_store::{MAX_ENCODED_LEN, OwnedSession, Session, TokenStore, encoded_len};
use cotter_store_keyring::{Damage, KeyringStore, KeyringStoreError};
use keyring_core::Entry;

/// Where the tests' entries live.
pub trait Harness {
    /// A store for `user` under this run's service name.
    fn store(&self, user: &str) -> KeyringStore;
    /// The raw keyring entry `name` under the same service, to look behind the store.
    fn raw(&self, name: &str) -> Entry;
}

/// A service name of its own for each test process, so runs never see each other's entries;
/// a child process gets its parent's through [`processes::ENV_SERVICE`].
pub fn service() -> String {
    std::env::var(processes::ENV_SERVICE)
        .unwrap_or_else(|_| format!("cotter-store-keyring-test-{}", std::process::id()))
}

/// A session whose every field depends on `tag`, with an access token of `n` bytes.
pub fn session(n: usize, tag: u64) -> OwnedSession {
    let mut s = OwnedSession::from(
        &Session::new("", "", "", 1_700_000_000 + tag)
            .with_auth_method("OTP")
            .with_user_id("9e7a7a8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
    );
    let c = char::from(b'a' + u8::try_from(tag % 26).expect("small"));
    s.access_token = format!("eyJ{tag}.{}", c.to_string().repeat(n));
    s.id_token = format!("eyJid{tag}.{}", c.to_string().repeat(n / 2));
    s.refresh_token = format!("94:{tag}:qv2SAJN5u2u");
    s.device_key = Some([u8::try_from(tag % 256).expect("small"); 32]);
    s
}

pub(crate) fn load(store: &mut KeyringStore) -> Option<OwnedSession> {
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    let loaded = store.load(&mut buf).unwrap_or_else(|e| panic!("load failed: {e} ({e:?})"));
    loaded.map(|s| OwnedSession::from(&s))
}

pub(crate) fn save(store: &mut KeyringStore, s: &OwnedSession) {
    store.save(&s.as_session()).unwrap_or_else(|e| panic!("save failed: {e} ({e:?})"));
}

pub(crate) fn clear(store: &mut KeyringStore) {
    store.clear().unwrap_or_else(|e| panic!("clear failed: {e} ({e:?})"));
}

pub(crate) fn exists(h: &dyn Harness, name: &str) -> bool {
    match h.raw(name).get_secret() {
        Ok(_) => true,
        Err(keyring_core::Error::NoEntry) => false,
        Err(e) => panic!("raw get of {name} failed: {e}"),
    }
}

fn secret_len(h: &dyn Harness, name: &str) -> usize {
    h.raw(name).get_secret().unwrap_or_else(|e| panic!("raw get of {name}: {e}")).len()
}

pub fn save_load_overwrite_clear(h: &dyn Harness) {
    let mut store = h.store("basic");
    clear(&mut store);
    assert!(load(&mut store).is_none(), "fresh entry is not empty");

    let first = session(800, 1);
    save(&mut store, &first);
    assert_eq!(load(&mut store).as_ref(), Some(&first));
    // A second store value for the same entry sees the same session.
    assert_eq!(load(&mut h.store("basic")).as_ref(), Some(&first));

    let second = session(300, 2);
    save(&mut store, &second);
    assert_eq!(load(&mut store).as_ref(), Some(&second));

    clear(&mut store);
    assert!(load(&mut store).is_none());
    assert!(!exists(h, "basic"), "clear left the head entry");
    clear(&mut store);
}

pub fn four_kib_session(h: &dyn Harness) {
    let mut store = h.store("big");
    clear(&mut store);
    let big = session(2800, 3);
    let len = encoded_len(&big.as_session()).expect("encodable");
    assert!(len >= 4096, "session is {len} bytes");
    save(&mut store, &big);
    assert_eq!(load(&mut store).as_ref(), Some(&big));
    // With the default chunk size (16 KiB off Windows) it is one entry.
    assert!(!exists(h, "big#a1") && !exists(h, "big#b1"));
    assert_eq!(secret_len(h, "big"), 16 + len);
    clear(&mut store);
    assert!(load(&mut store).is_none());
}

pub fn two_entries_side_by_side(h: &dyn Harness) {
    let (mut alice, mut bob) = (h.store("alice"), h.store("bob"));
    clear(&mut alice);
    clear(&mut bob);
    let (a, b) = (session(900, 4), session(1200, 5));
    save(&mut alice, &a);
    save(&mut bob, &b);
    assert_eq!(load(&mut alice).as_ref(), Some(&a));
    assert_eq!(load(&mut bob).as_ref(), Some(&b));
    clear(&mut alice);
    assert!(load(&mut alice).is_none());
    assert_eq!(load(&mut bob).as_ref(), Some(&b), "clearing alice touched bob");
    clear(&mut bob);
}

pub fn chunking_forced_with_a_small_chunk_size(h: &dyn Harness) {
    let mut store = h.store("chunky").with_chunk_size(256).expect("chunk size");
    clear(&mut store);
    let big = session(2800, 6);
    let len = encoded_len(&big.as_session()).expect("encodable");
    save(&mut store, &big);
    let parts = 1 + (len - (256 - 16)).div_ceil(256 - 4);
    assert!(parts >= 17, "{parts} parts");
    for i in 1..parts {
        let name = format!("chunky#a{i}");
        assert!(secret_len(h, &name) <= 256, "{name} exceeds the chunk size");
    }
    assert!(!exists(h, &format!("chunky#a{parts}")));
    assert!(secret_len(h, "chunky") <= 256);
    assert_eq!(load(&mut store).as_ref(), Some(&big));
    // A store with the default chunk size reads it too.
    assert_eq!(load(&mut h.store("chunky")).as_ref(), Some(&big));

    // Overwrite: the new chunks go to bank b, bank a is removed.
    let next = session(1500, 7);
    save(&mut store, &next);
    assert_eq!(load(&mut store).as_ref(), Some(&next));
    assert!(exists(h, "chunky#b1") && !exists(h, "chunky#a1"));

    // A damaged chunk is reported as corrupt, not returned.
    h.raw("chunky#b2").set_secret(b"\0\0\0\0garbage").expect("raw set");
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    match store.load(&mut buf) {
        Err(KeyringStoreError::Corrupt(Damage::StaleChunk { index: 2 })) => {}
        other => panic!("damaged chunk: {other:?}"),
    }

    // Shrinking to one entry removes every chunk; clear removes the head.
    let small = session(50, 8);
    save(&mut store, &small);
    assert_eq!(load(&mut store).as_ref(), Some(&small));
    assert!(!exists(h, "chunky#a1") && !exists(h, "chunky#b1") && !exists(h, "chunky#b2"));
    save(&mut store, &big);
    clear(&mut store);
    assert!(load(&mut store).is_none());
    for name in ["chunky", "chunky#a1", "chunky#b1", "chunky#b5"] {
        assert!(!exists(h, name), "clear left {name}");
    }
}
