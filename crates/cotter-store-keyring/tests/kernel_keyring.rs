//! The store against the Linux kernel keyring (keyutils), through
//! `linux-keyutils-keyring-store`, passed in with `KeyringStore::with_credential_store`.
//!
//! Ignored by default: the process needs a session keyring of its own, which
//! `cargo xtask keyring` provides by running
//! `keyctl session - cargo test -p cotter-store-keyring --test kernel_keyring -- --ignored`.
//! In a login's default session keyring the kernel denies access (`NoStorageAccess`).

#![cfg(target_os = "linux")]

mod common;

use common::Harness;
use cotter_store_keyring::KeyringStore;
use keyring_core::{CredentialStore, Entry};
use std::sync::Arc;

struct Kernel(Arc<CredentialStore>, String);

impl Harness for Kernel {
    fn store(&self, user: &str) -> KeyringStore {
        KeyringStore::with_credential_store(self.0.clone(), &self.1, user)
    }
    fn raw(&self, name: &str) -> Entry {
        Entry::new_in_store(&self.0, &self.1, name).expect("raw entry")
    }
}

fn harness() -> Kernel {
    let store = linux_keyutils_keyring_store::Store::new()
        .unwrap_or_else(|e| panic!("no kernel keyring store ({e}): run `cargo xtask keyring`"));
    Kernel(store, common::service())
}

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_save_load_overwrite_clear() {
    common::save_load_overwrite_clear(&harness());
}

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_four_kib_session() {
    common::four_kib_session(&harness());
}

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_two_entries_side_by_side() {
    common::two_entries_side_by_side(&harness());
}

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_chunking_forced_with_a_small_chunk_size() {
    common::chunking_forced_with_a_small_chunk_size(&harness());
}

/// Saves per writer process in the race test: 2 × 300 saves take well under a second.
const RACE_SAVES: u64 = 300;

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_two_writer_processes_never_mix_records() {
    common::processes::two_writer_processes_never_mix_records(
        &harness(),
        "kernel_child",
        RACE_SAVES,
    );
}

#[test]
#[ignore = "needs its own session keyring: run `cargo xtask keyring`"]
fn kernel_lock_in_one_process_holds_off_another_process_save() {
    common::processes::lock_in_one_process_holds_off_another_process_save(
        &harness(),
        "kernel_child",
    );
}

/// The writer process of the two tests above (this binary, re-executed); a no-op otherwise.
#[test]
#[ignore = "child process of the process tests in this file"]
fn kernel_child() {
    if std::env::var_os(common::processes::ENV_CHILD).is_some() {
        common::processes::child(&harness());
    }
}
