//! The store against a real Secret Service (gnome-keyring over D-Bus), through the platform
//! default store of keyring 4.
//!
//! Ignored by default: they need a session bus and an unlocked keyring. `cargo xtask keyring`
//! starts both and runs `cargo test -p cotter-store-keyring -- --ignored`; there a missing
//! service makes every test fail with the store's `Unavailable` message.

#![cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]

mod common;

use common::Harness;
use cotter_store_keyring::KeyringStore;
use keyring_core::Entry;

struct SecretService(String);

impl Harness for SecretService {
    fn store(&self, user: &str) -> KeyringStore {
        KeyringStore::new(&self.0, user)
    }
    fn raw(&self, name: &str) -> Entry {
        keyring::Entry::new(&self.0, name).expect("raw entry").inner
    }
}

fn harness() -> SecretService {
    if let Err(e) = keyring::Entry::store_status() {
        panic!("no Secret Service ({e}): run these tests with `cargo xtask keyring`");
    }
    SecretService(common::service())
}

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_save_load_overwrite_clear() {
    common::save_load_overwrite_clear(&harness());
}

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_four_kib_session() {
    common::four_kib_session(&harness());
}

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_two_entries_side_by_side() {
    common::two_entries_side_by_side(&harness());
}

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_chunking_forced_with_a_small_chunk_size() {
    common::chunking_forced_with_a_small_chunk_size(&harness());
}

/// Saves per writer process in the race test: gnome-keyring rewrites its keyring file for every
/// item created or deleted, so a save of a head and 3 chunks takes about 100 ms; 2 × 25 saves
/// take 2–5 s. Without the lock the race shows within the first 10–20 loads.
const RACE_SAVES: u64 = 25;

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_two_writer_processes_never_mix_records() {
    common::processes::two_writer_processes_never_mix_records(
        &harness(),
        "secret_service_child",
        RACE_SAVES,
    );
}

#[test]
#[ignore = "needs a Secret Service: run `cargo xtask keyring`"]
fn secret_service_lock_in_one_process_holds_off_another_process_save() {
    common::processes::lock_in_one_process_holds_off_another_process_save(
        &harness(),
        "secret_service_child",
    );
}

/// The writer process of the two tests above (this binary, re-executed); a no-op otherwise.
#[test]
#[ignore = "child process of the process tests in this file"]
fn secret_service_child() {
    if std::env::var_os(common::processes::ENV_CHILD).is_some() {
        common::processes::child(&harness());
    }
}
