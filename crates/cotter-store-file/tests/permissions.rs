//! File and directory modes: the session, temporary and lock files are 0600, created
//! directories 0700, and an existing looser file is replaced by a 0600 one.

#![cfg(unix)]

mod common;

use common::{TempDir, record};
use cotter_store::TokenStore;
use cotter_store_file::FileStore;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    fs::metadata(p).expect("metadata").permissions().mode() & 0o7777
}

#[test]
fn created_file_is_0600_and_created_directories_are_0700() {
    let tmp = TempDir::new("perm");
    let dir = tmp.path().join("a").join("b");
    let path = dir.join("session.bin");
    let mut store = FileStore::new(&path);
    store.save(&record(1).as_session()).expect("save");

    assert_eq!(mode(&path), 0o600, "session file");
    assert_eq!(mode(store.lock_path().expect("lock path")), 0o600, "lock file");
    assert_eq!(mode(&dir), 0o700, "created directory");
    assert_eq!(mode(&tmp.path().join("a")), 0o700, "created parent directory");
    assert!(!store.temp_path().expect("temp path").exists(), "temporary file left behind");

    // A second save replaces the file and keeps the mode.
    store.save(&record(2).as_session()).expect("save again");
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn looser_existing_file_is_replaced_by_a_private_one() {
    let tmp = TempDir::new("perm-loose");
    let path = tmp.path().join("session.bin");
    fs::write(&path, b"old").expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(mode(&path), 0o644);

    FileStore::new(&path).save(&record(3).as_session()).expect("save");
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn existing_directory_mode_is_left_alone() {
    let tmp = TempDir::new("perm-dir");
    let dir = tmp.path().join("shared");
    fs::create_dir(&dir).expect("mkdir");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    FileStore::new(dir.join("s")).save(&record(4).as_session()).expect("save");
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&dir.join("s")), 0o600);
}

#[test]
fn files_are_private_even_with_a_permissive_umask_inherited() {
    // The mode is passed to open(2): with umask 000 a `create` + `chmod` implementation would
    // briefly expose 0666; ours never has a looser mode. Checked in a child shell so the test
    // process' umask is untouched.
    let tmp = TempDir::new("perm-umask");
    let path = tmp.path().join("s");
    let exe = std::env::current_exe().expect("current exe");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" --exact umask_child --include-ignored --quiet")
        .arg(&exe)
        .env("COTTER_UMASK_CHILD_PATH", &path)
        .output()
        .expect("spawn sh");
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&tmp.path().join(".s.lock")), 0o600);
}

#[test]
#[ignore = "child process of files_are_private_even_with_a_permissive_umask_inherited"]
fn umask_child() {
    let Some(path) = std::env::var_os("COTTER_UMASK_CHILD_PATH") else {
        // `--ignored` runs reach this too; the real check is the parent test.
        return;
    };
    FileStore::new(path).save(&record(5).as_session()).expect("save");
}
