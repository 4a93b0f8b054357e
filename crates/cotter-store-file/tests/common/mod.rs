//! Helpers shared by the integration tests: a private temporary directory, deterministic
//! session records, and a seeded PRNG.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "test helper module")]

use core::sync::atomic::{AtomicUsize, Ordering};
use cotter_store::{OwnedSession, Session};
use std::path::{Path, PathBuf};

/// A directory under the system temp dir, mode 0700 whatever the umask (the store refuses a
/// directory that its group or others can write), removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir()
            .join(format!("cotter-store-file-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Restore write permission on anything a test made read-only, then remove.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(entries) = std::fs::read_dir(&self.0) {
                for e in entries.flatten() {
                    if e.path().is_dir() {
                        let _ = std::fs::set_permissions(
                            e.path(),
                            std::fs::Permissions::from_mode(0o700),
                        );
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The session with sequence number `seq`: sizes vary from a few hundred bytes to about 5 KiB,
/// every field depends on `seq`, odd numbers carry a device key. `expires_at == seq`, so a
/// loaded session names the record it must equal.
pub fn record(seq: u64) -> OwnedSession {
    let n = 200 + usize::try_from(seq.wrapping_mul(7919) % 3000).expect("small");
    let c = char::from(b'a' + u8::try_from(seq % 26).expect("small"));
    let key = [u8::try_from(seq % 251).expect("small"); 32];
    let base = Session::new("", "", "", seq)
        .with_auth_method(if seq.is_multiple_of(3) { "OTP" } else { "MAGIC_LINK" })
        .with_user_id("9e7a7a8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f");
    let mut owned = OwnedSession::from(&base);
    owned.access_token = format!("{seq}:{}", c.to_string().repeat(n));
    owned.id_token = format!("id-{seq}-{}", c.to_ascii_uppercase().to_string().repeat(n / 2));
    owned.refresh_token = format!("94:{seq}:{}", c.to_string().repeat(n % 97));
    if seq % 2 == 1 {
        owned.device_key = Some(key);
    }
    owned
}

/// Checks that `s` is exactly `record(s.expires_at)` and returns its sequence number.
pub fn check_record(s: &Session<'_>) -> u64 {
    let want = record(s.expires_at);
    assert_eq!(*s, want.as_session(), "loaded session is not the record it claims to be");
    s.expires_at
}

/// SplitMix64: a small seeded PRNG, so kill timings can be replayed from the printed seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Runs `f` on another thread and returns its result, or panics when it takes longer than
/// `secs` seconds: a deadlock or a blocked open fails the test instead of hanging it.
pub fn within<T: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(core::time::Duration::from_secs(secs)) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {secs} s")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// The seed from `COTTER_KILL_SEED`, or `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("COTTER_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
