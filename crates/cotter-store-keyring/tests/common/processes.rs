//! Tests with several processes. They re-execute the test binary to run its `*_child` test
//! (ignored, and a no-op without [`ENV_CHILD`]) as a writer process. The child builds its
//! harness the same way as the parent and inherits what picks the backend: the session bus
//! address (Secret Service) or the session keyring of `keyctl session -` (kernel keyring); the
//! service name comes through [`ENV_SERVICE`], and the variables that place the lock file are
//! inherited, so both sides lock the same default lock file.

use super::{Harness, clear, exists, load, save, service, session};
use core::time::Duration;
use cotter_store::{MAX_ENCODED_LEN, OwnedSession, TokenStore};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Set in a writer child: the entry's user name. Its absence makes the child test a no-op.
pub const ENV_CHILD: &str = "COTTER_KEYRING_CHILD_USER";
/// The parent's service name, for a child.
pub const ENV_SERVICE: &str = "COTTER_KEYRING_CHILD_SERVICE";
const ENV_BASE: &str = "COTTER_KEYRING_CHILD_BASE";
const ENV_COUNT: &str = "COTTER_KEYRING_CHILD_COUNT";
/// What a child prints once it starts saving. libtest may print `test … ... ` on the same line
/// before it, so the parent matches the end of the line.
const READY: &str = "<cotter-keyring-child-ready>";

/// Chunk size of the writers: small, so that a record spans several entries.
const RACE_CHUNK: usize = 128;
/// Access-token length of the writers' sessions: a record of about 480 bytes, with
/// [`RACE_CHUNK`] a head and 3 chunks. (More chunks make each Secret Service save slower:
/// gnome-keyring rewrites its keyring file for every item created or deleted, 10–20 ms.)
const RACE_LEN: usize = 220;
/// A pause between 0 and `scale`, varied with `n`: writers pause after each save, so that the
/// other writer and the reader get the lock in between, in no fixed order; the reader after
/// each load. (With fixed pauses the loads fell into step with one writer: on gnome-keyring
/// every load came right after the same writer's saves.)
fn race_pause(n: u64, scale: Duration) -> Duration {
    scale.mul_f64((n.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0)
}
/// Tags of writer A's records start here, writer B's at twice this.
const RACE_BASE: u64 = 1_000_000;

/// The body of each binary's `*_child` test: when run as a writer child, saves
/// `session(RACE_LEN, base)`, `session(RACE_LEN, base + 1)`, … (`count` of them) with a small
/// chunk size, printing `saved <tag> <time>` after each save returns (the wall clock in
/// nanoseconds, which orders the saves of both writers).
pub fn child(h: &dyn Harness) {
    let Ok(user) = std::env::var(ENV_CHILD) else {
        // `--ignored` runs reach this too; the real checks are the parent tests.
        return;
    };
    let base: u64 = std::env::var(ENV_BASE).expect("base").parse().expect("base");
    let count: u64 = std::env::var(ENV_COUNT).expect("count").parse().expect("count");
    let mut store = h.store(&user).with_chunk_size(RACE_CHUNK).expect("chunk size");
    // Written straight to the stdout handle, which libtest does not capture.
    let mut out = std::io::stdout();
    writeln!(out, "{READY}").expect("stdout");
    for tag in base..base + count {
        let started = Instant::now();
        save(&mut store, &session(RACE_LEN, tag));
        // Up to one save's time: about 1 ms on the kernel keyring, 100 ms on gnome-keyring.
        let pause = race_pause(tag, started.elapsed());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos();
        writeln!(out, "saved {tag} {now}").expect("stdout");
        thread::sleep(pause);
    }
}

/// A running writer and the lines it printed, collected by a reader thread. Dropping it kills
/// the process, so a failing test leaves no writer running.
struct Writer {
    child: Child,
    lines: mpsc::Receiver<String>,
    reader: Option<thread::JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Writer {
    /// Runs this binary's test `child_test` as a writer of `count` records from tag `base` into
    /// entry `user`.
    fn spawn(child_test: &str, user: &str, base: u64, count: u64) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .args(["--exact", child_test, "--include-ignored", "--test-threads=1"])
            .env(ENV_CHILD, user)
            .env(ENV_SERVICE, service())
            .env(ENV_BASE, base.to_string())
            .env(ENV_COUNT, count.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, reader: Some(reader) }
    }

    fn wait_ready(&self) {
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(60)).expect("child ready");
            if line.ends_with(READY) {
                return;
            }
        }
    }

    /// The saves reported so far: (tag, time).
    fn saved_now(&self) -> Vec<(u64, u128)> {
        self.lines.try_iter().filter_map(|l| parse_saved(&l)).collect()
    }

    /// Waits for the process and returns the saves it reported: (tag, time).
    fn finish(mut self) -> (ExitStatus, Vec<(u64, u128)>) {
        let status = self.child.wait().expect("wait");
        self.reader.take().expect("joined once").join().expect("reader thread");
        let saved = self.lines.try_iter().filter_map(|l| parse_saved(&l)).collect();
        (status, saved)
    }
}

fn parse_saved(line: &str) -> Option<(u64, u128)> {
    let (tag, time) = line.strip_prefix("saved ")?.split_once(' ').expect("tag and time");
    Some((tag.parse().expect("tag"), time.parse().expect("time")))
}

/// Two writer processes save different records (each spread over a head and 3 chunks) into
/// one entry, `saves` each, while this process loads continuously. With saves under the
/// store's lock every load is one writer's whole record: never corrupt, never mixed, never an
/// older record of a writer than one seen before, and `None` only before the first save.
/// Without the lock both writers read the same head, pick the same bank and generation, and
/// overwrite each other's chunks.
pub fn two_writer_processes_never_mix_records(h: &dyn Harness, child_test: &str, saves: u64) {
    let user = "race";
    let mut store = h.store(user);
    clear(&mut store);
    let mut writers = [
        Some(Writer::spawn(child_test, user, RACE_BASE, saves)),
        Some(Writer::spawn(child_test, user, 2 * RACE_BASE, saves)),
    ];
    for w in writers.iter().flatten() {
        w.wait_ready();
    }

    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    // Per writer: loads that returned its record, and the newest tag seen.
    let (mut seen, mut newest) = ([0u64; 2], [None::<u64>; 2]);
    let (mut loads, mut nones, mut switches, mut last_writer) = (0u64, 0u64, 0u64, None);
    let mut saved = Vec::new();
    while writers.iter().any(Option::is_some) {
        assert!(Instant::now() < deadline, "writers did not finish");
        let load_started = Instant::now();
        let loaded = store.load(&mut buf).unwrap_or_else(|e| {
            panic!("load {loads} during the race failed: {e} ({e:?}); seen {seen:?} so far")
        });
        loads += 1;
        match loaded.map(|s| OwnedSession::from(&s)) {
            None => {
                assert_eq!(seen, [0, 0], "load {loads}: the session vanished");
                nones += 1;
            }
            Some(got) => {
                let tag = got.expires_at - 1_700_000_000;
                let w = match tag / RACE_BASE {
                    1 => 0,
                    2 => 1,
                    _ => panic!("load {loads}: unknown tag {tag}"),
                };
                assert!(tag % RACE_BASE < saves, "load {loads}: unknown tag {tag}");
                assert_eq!(got, session(RACE_LEN, tag), "load {loads}: a mixed record");
                assert!(newest[w] <= Some(tag), "load {loads}: {tag} after {:?}", newest[w]);
                newest[w] = Some(tag);
                seen[w] += 1;
                switches += u64::from(last_writer.is_some_and(|l| l != w));
                last_writer = Some(w);
            }
        }
        // A varied pause, so that the loads do not fall into step with one writer.
        thread::sleep(race_pause(loads, load_started.elapsed()));
        for slot in &mut writers {
            if slot.as_mut().is_some_and(|w| w.child.try_wait().expect("try_wait").is_some()) {
                let (status, reported) = slot.take().expect("present").finish();
                assert!(status.success(), "a writer failed: {status:?}");
                assert_eq!(reported.len() as u64, saves, "a writer reported {reported:?}");
                saved.extend(reported);
            }
        }
    }
    let elapsed = started.elapsed();
    // How often the saves changed writer, in the order they finished: 1 would mean that one
    // writer ran all its saves before the other.
    saved.sort_by_key(|&(_, time)| time);
    let turns = saved.windows(2).filter(|p| p[0].0 / RACE_BASE != p[1].0 / RACE_BASE).count();
    let last = load(&mut store).expect("a session after the race");
    let tag = last.expires_at - 1_700_000_000;
    assert!(tag == RACE_BASE + saves - 1 || tag == 2 * RACE_BASE + saves - 1, "final {tag}");
    assert_eq!(last, session(RACE_LEN, tag));
    // One bank holds the chunks; the other was cleaned up.
    assert_ne!(exists(h, "race#a1"), exists(h, "race#b1"), "chunks left in both banks");
    println!(
        "two writer processes: {saves} saves each in {elapsed:.1?}, taking turns {turns} \
         times; {loads} concurrent loads all whole ({} of A, {} of B, {switches} \
         changes of writer, {nones} before the first save)",
        seen[0], seen[1]
    );
    clear(&mut store);
    assert!(!exists(h, "race") && !exists(h, "race#a1") && !exists(h, "race#b1"));
}

/// While this process holds the lock (as a refreshing client does), another process's save
/// waits; it goes through once the lock is released.
pub fn lock_in_one_process_holds_off_another_process_save(h: &dyn Harness, child_test: &str) {
    const HELD: Duration = Duration::from_millis(1500);
    let user = "held";
    let mut store = h.store(user);
    clear(&mut store);
    let first = session(100, 1);
    save(&mut store, &first);
    store.lock().unwrap_or_else(|e| panic!("lock failed: {e} ({e:?})"));

    let mut writer = Writer::spawn(child_test, user, 7 * RACE_BASE, 1);
    writer.wait_ready();
    let asked = Instant::now();
    thread::sleep(HELD);
    assert_eq!(writer.saved_now(), [], "the other process saved while the lock was held");
    let exited = writer.child.try_wait().expect("try_wait");
    assert!(exited.is_none(), "the writer exited while it should wait: {exited:?}");
    // The holder's own load and save do not wait for its own lock.
    assert_eq!(load(&mut store).as_ref(), Some(&first));
    let second = session(150, 2);
    save(&mut store, &second);
    assert_eq!(load(&mut store).as_ref(), Some(&second));
    store.unlock();

    let (status, saved) = writer.finish();
    let waited = asked.elapsed();
    assert!(status.success(), "writer failed: {status:?}");
    assert_eq!(saved.iter().map(|&(tag, _)| tag).collect::<Vec<_>>(), [7 * RACE_BASE]);
    assert_eq!(load(&mut store), Some(session(RACE_LEN, 7 * RACE_BASE)));
    println!(
        "the other process's save waited for the lock and finished {waited:.1?} after it asked"
    );
    clear(&mut store);
}
