//! Two clients on one store must not log each other out: an app and its CLI, as two OS
//! processes (this test binary re-executes itself to run `child_client`), each refreshing on
//! its own schedule against the emulator with two-second tokens and no reuse grace window, so
//! a single replayed refresh token would revoke the session. With a `FileStore`, and with the
//! `KeyringStore` on a real Secret Service (ignored here; `cargo xtask keyring` runs it).

use core::time::Duration;
use cotter::store::TokenStore;
use cotter::{Client, Config, SystemClock};
use cotter_emulator::Emulator;
use cotter_store_file::FileStore;
use cotter_store_keyring::KeyringStore;
use cotter_tests::{config, emulator, sign_in, transport};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Forced refreshes each child makes: 2 × 16 = 32 rotations at least.
const FORCED_PER_CHILD: u32 = 16;
/// Token lifetime: short, so that `access_token()` also finds tokens due.
const TOKEN_TTL: u64 = 2;

const ENV_API: &str = "COTTER_TWO_PROC_API";
const ENV_STORE: &str = "COTTER_TWO_PROC_STORE";
const ENV_SEED: &str = "COTTER_TWO_PROC_SEED";

/// The store the processes share: `file:<path>` or `keyring:<service>`.
fn open_store(spec: &str) -> AnyStore {
    AnyStore(match spec.split_once(':') {
        Some(("file", path)) => Shared::File(FileStore::new(path)),
        Some(("keyring", service)) => Shared::Keyring(KeyringStore::new(service, "session")),
        _ => panic!("bad store spec {spec:?}"),
    })
}

enum Shared {
    File(FileStore),
    Keyring(KeyringStore),
}

/// One of the two processes: random short pauses, then either a forced refresh or a call for
/// an access token (which refreshes only when the stored token is due). Every call must
/// succeed; it prints `done forced=N tokens=M`.
#[test]
#[ignore = "child process of the tests in this file; needs COTTER_TWO_PROC_* variables"]
fn child_client() {
    let (Ok(api), Ok(spec)) = (std::env::var(ENV_API), std::env::var(ENV_STORE)) else { return };
    let mut seed: u64 = std::env::var(ENV_SEED).ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let config = Config::new(cotter_tests::KEY).base_url(&api).leeway(1);
    let mut c = Client::<_, _, _>::new(config, transport(), open_store(&spec), SystemClock)
        .expect("client");
    let (mut forced, mut tokens) = (0u32, 0u32);
    while forced < FORCED_PER_CHILD {
        std::thread::sleep(Duration::from_millis(next() % 40));
        if next() % 3 == 0 {
            c.refresh().unwrap_or_else(|e| panic!("session lost on refresh {forced}: {e}"));
            forced += 1;
        } else {
            c.access_token().unwrap_or_else(|e| panic!("session lost on token call {tokens}: {e}"));
            tokens += 1;
        }
    }
    println!("<done forced={forced} tokens={tokens}>");
}

/// Signs in through the shared store, runs two children on it, and checks that no session
/// was lost and no refresh token was replayed.
fn two_processes_share(emu: &Emulator, spec: &str) {
    let api = emu.api_base();
    let mut c = Client::<_, _, _>::new(config(emu), transport(), open_store(spec), SystemClock)
        .expect("client");
    sign_in(&mut c, "two@example.com").expect("sign-in");
    drop(c);
    let before = emu.stats();

    let exe = std::env::current_exe().expect("current exe");
    let children: Vec<_> = [0x9e37_79b9_7f4a_7c15_u64, 0xd1b5_4a32_d192_ed03]
        .iter()
        .map(|seed| {
            Command::new(&exe)
                .args(["--exact", "child_client", "--include-ignored", "--nocapture"])
                .args(["--test-threads=1"])
                .env(ENV_API, &api)
                .env(ENV_STORE, spec)
                .env(ENV_SEED, seed.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    let mut done = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("child runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = BufReader::new(stdout.as_bytes()).lines().map_while(Result::ok).find_map(|l| {
            l.split_once("<done ").map(|(_, rest)| rest.trim_end_matches('>').to_owned())
        });
        assert!(
            out.status.success() && line.is_some(),
            "a child lost its session: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        done.extend(line);
    }
    let stats = emu.stats();
    let rotations = stats.refresh - before.refresh;
    eprintln!(
        "two processes on {spec}: {rotations} rotations, 0 sessions lost, {} reuse revocations ({})",
        stats.reuse_revocations - before.reuse_revocations,
        done.join("; ")
    );
    assert!(rotations >= u64::from(2 * FORCED_PER_CHILD), "{rotations} rotations");
    assert_eq!(stats.reuse_revocations, before.reuse_revocations, "a retired token was replayed");

    // The session both left behind still works.
    let mut c = Client::<_, _, _>::new(config(emu), transport(), open_store(spec), SystemClock)
        .expect("client");
    c.refresh().expect("the shared session is alive");
    c.logout().expect("logout");
}

/// The shared store, either kind, as one type.
struct AnyStore(Shared);

impl cotter::store::ErrorType for AnyStore {
    type Error = StoreError;
}

/// Either store's error.
#[derive(Debug)]
struct StoreError(String, cotter::store::ErrorKind);

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for StoreError {}

impl cotter::store::Error for StoreError {
    fn kind(&self) -> cotter::store::ErrorKind {
        self.1
    }
}

fn wrap<E: cotter::store::Error + core::fmt::Display>(e: E) -> StoreError {
    StoreError(e.to_string(), e.kind())
}

impl TokenStore for AnyStore {
    fn load<'b>(
        &mut self,
        buf: &'b mut [u8],
    ) -> Result<Option<cotter::store::Session<'b>>, Self::Error> {
        match &mut self.0 {
            Shared::File(s) => s.load(buf).map_err(wrap),
            Shared::Keyring(s) => s.load(buf).map_err(wrap),
        }
    }

    fn save(&mut self, session: &cotter::store::Session<'_>) -> Result<(), Self::Error> {
        match &mut self.0 {
            Shared::File(s) => s.save(session).map_err(wrap),
            Shared::Keyring(s) => s.save(session).map_err(wrap),
        }
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        match &mut self.0 {
            Shared::File(s) => s.clear().map_err(wrap),
            Shared::Keyring(s) => s.clear().map_err(wrap),
        }
    }

    fn lock(&mut self) -> Result<(), Self::Error> {
        match &mut self.0 {
            Shared::File(s) => s.lock().map_err(wrap),
            Shared::Keyring(s) => s.lock().map_err(wrap),
        }
    }

    fn unlock(&mut self) {
        match &mut self.0 {
            Shared::File(s) => s.unlock(),
            Shared::Keyring(s) => s.unlock(),
        }
    }
}

fn strict_emulator() -> Emulator {
    emulator(cotter_emulator::Config::new().with_token_ttl(TOKEN_TTL).with_reuse_interval(0))
}

#[test]
fn two_processes_on_one_file_store_keep_the_session() {
    let emu = strict_emulator();
    let dir = std::env::temp_dir().join(format!("cotter-two-proc-{}", std::process::id()));
    let spec = format!("file:{}", dir.join("session.bin").display());
    two_processes_share(&emu, &spec);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs a Secret Service: `cargo xtask keyring` runs it"]
fn two_processes_on_one_keyring_entry_keep_the_session() {
    if let Err(e) = keyring::Entry::store_status() {
        panic!("no Secret Service ({e}): run this test with `cargo xtask keyring`");
    }
    let emu = strict_emulator();
    two_processes_share(&emu, &format!("keyring:cotter-two-proc-{}", std::process::id()));
}

/// Two clients of one process on one file: when both find the token due, the first renews it
/// and the second takes the renewed session from the store without sending anything.
#[test]
fn the_second_client_uses_the_renewed_session_and_sends_nothing() {
    let emu = emulator(cotter_emulator::Config::new().with_reuse_interval(0));
    let dir = std::env::temp_dir().join(format!("cotter-two-clients-{}", std::process::id()));
    let path = dir.join("session.bin");
    let clock = cotter_tests::EmuClock(&emu);
    let mut app = Client::<_, _, _>::new(config(&emu), transport(), FileStore::new(&path), &clock)
        .expect("client");
    sign_in(&mut app, "both@example.com").expect("sign-in");
    let mut cli = Client::<_, _, _>::new(config(&emu), transport(), FileStore::new(&path), &clock)
        .expect("client");
    let first = cli.access_token().expect("the CLI reads the session").to_owned();

    emu.advance_clock(3600);
    let before = emu.stats();
    let renewed = app.access_token().expect("the app renews").to_owned();
    assert_ne!(renewed, first);
    assert_eq!(cli.access_token().expect("the CLI's token"), renewed, "the app's renewal");
    let stats = emu.stats();
    assert_eq!(stats.refresh - before.refresh, 1, "one refresh for both clients");
    assert_eq!(stats.reuse_revocations, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
