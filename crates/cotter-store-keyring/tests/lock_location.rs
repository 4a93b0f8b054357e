//! The default lock file location, read from the real environment of a child process (this
//! test binary, re-executed with only the variables a case sets): where the file goes, and that
//! with nowhere to put it every operation fails with `NoLockLocation` before anything is read
//! or written. The credential store is keyring-core's in-memory mock: no keyring is needed.

#![cfg(unix)]

use cotter_store::{ErrorKind, MAX_ENCODED_LEN, Session, TokenStore};
use cotter_store_keyring::{KeyringStore, KeyringStoreError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const ENV_CASE: &str = "COTTER_KEYRING_LOCATION_CASE";
const ENV_FILE: &str = "COTTER_KEYRING_LOCATION_FILE";
/// Every variable the default location depends on; a child starts without any of them.
const LOCATION_VARS: [&str; 4] = ["XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA"];

/// A directory of its own for each test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir()
            .join(format!("cotter-keyring-location-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `location_child` for `case` with only `vars` of [`LOCATION_VARS`] set; returns its
/// stdout after checking it succeeded.
fn run_child(case: &str, vars: &[(&str, &Path)]) -> String {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "location_child", "--include-ignored", "--nocapture"]);
    for var in LOCATION_VARS {
        cmd.env_remove(var);
    }
    let out = cmd.envs(vars.iter().copied()).env(ENV_CASE, case).output().expect("spawn child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("case {case} done")), "child did not run:\n{stdout}");
    stdout
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

const LOCK_NAME: &str = "keyring-com.example.app+alice%40example.com.lock";

#[test]
fn no_location_is_an_error_before_anything_is_touched() {
    let tmp = TempDir::new("none");
    run_child("none", &[(ENV_FILE, &tmp.0.join("named").join("x.lock"))]);
    assert!(tmp.0.join("named").join("x.lock").exists(), "with_lock_file did not take over");
}

#[test]
fn runtime_dir_comes_first() {
    let tmp = TempDir::new("runtime");
    let (run, home) = (tmp.0.join("run"), tmp.0.join("home"));
    std::fs::create_dir(&run).expect("run");
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    run_child("place", &[("XDG_RUNTIME_DIR", &run), ("HOME", &home)]);
    let lock = run.join("cotter-rs").join(LOCK_NAME);
    assert_eq!(mode(&lock), 0o600);
    assert_eq!(mode(lock.parent().expect("dir")) & 0o077, 0);
    assert!(!home.exists(), "wrote under HOME although XDG_RUNTIME_DIR is set");
}

#[cfg(not(target_os = "macos"))]
#[test]
fn cache_dir_without_a_runtime_dir() {
    let tmp = TempDir::new("cache");
    let home = tmp.0.join("home");
    // A relative XDG_RUNTIME_DIR does not count.
    run_child("place", &[("XDG_RUNTIME_DIR", Path::new("run")), ("HOME", &home)]);
    let lock = home.join(".cache").join("cotter-rs").join(LOCK_NAME);
    assert_eq!(mode(&lock), 0o600);
    assert_eq!(mode(lock.parent().expect("dir")) & 0o077, 0);

    let cache = tmp.0.join("xdg-cache");
    run_child("place", &[("XDG_CACHE_HOME", &cache), ("HOME", &home)]);
    assert_eq!(mode(&cache.join("cotter-rs").join(LOCK_NAME)), 0o600);
}

/// The child side: `none` (no location) or `place` (lock, save, load in the default place).
#[test]
#[ignore = "child process of the tests in this file"]
fn location_child() {
    let Ok(case) = std::env::var(ENV_CASE) else {
        // `--ignored` runs reach this too; the real checks are the parent tests.
        return;
    };
    let mock = keyring_core::mock::Store::new().expect("mock store");
    let mut store =
        KeyringStore::with_credential_store(mock, "com.example.app", "alice@example.com");
    let session = Session::new("access", "id", "refresh", 1_700_000_000);
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    match case.as_str() {
        "none" => {
            let no_place = |e: KeyringStoreError| {
                assert!(matches!(e, KeyringStoreError::NoLockLocation), "{e:?}");
                assert_eq!(e.kind(), ErrorKind::Other);
                assert!(e.to_string().contains("with_lock_file"), "{e}");
            };
            no_place(store.lock_path().expect_err("no default"));
            no_place(store.lock().expect_err("lock without a place"));
            assert!(!store.is_locked());
            no_place(store.save(&session).expect_err("save without a lock"));
            no_place(store.load(&mut buf).map(drop).expect_err("load without a lock"));
            no_place(store.clear().expect_err("clear without a lock"));
            // Naming the file is the way out; the failed save wrote nothing.
            let named = std::env::var_os(ENV_FILE).expect("file");
            let mut store = store.with_lock_file(named);
            assert!(store.load(&mut buf).expect("load").is_none(), "a save got through");
            store.lock().expect("lock a named file");
            store.save(&session).expect("save");
            store.unlock();
        }
        "place" => {
            let path = store.lock_path().expect("a default place");
            println!("lock file: {}", path.display());
            store.lock().expect("lock");
            store.save(&session).expect("save");
            store.unlock();
            assert_eq!(store.load(&mut buf).expect("load"), Some(session));
        }
        other => panic!("unknown case {other}"),
    }
    println!("case {case} done");
}
