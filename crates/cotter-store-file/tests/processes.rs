//! Crash and concurrency tests with real processes: this test binary re-executes itself to run
//! `child_save_loop` (an ignored test) as a writer that is SIGKILLed at random points, that
//! races another writer, or that waits for the lock this process holds.

mod common;

use common::{Rng, TempDir, check_record, record};
use core::time::Duration;
use cotter_store::{MAX_ENCODED_LEN, TokenStore, codec};
use cotter_store_file::FileStore;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// Kill rounds of the SIGKILL test.
const KILL_ROUNDS: u64 = 200;
/// Upper bound of the random delay between "child is saving" and SIGKILL.
const MAX_KILL_DELAY_US: u64 = 15_000;
/// Saves per writer in the two-writer test.
const RACE_SAVES: u64 = 300;

const ENV_PATH: &str = "COTTER_FILE_CHILD_PATH";
const ENV_BASE: &str = "COTTER_FILE_CHILD_BASE";
const ENV_COUNT: &str = "COTTER_FILE_CHILD_COUNT";
/// What the child prints once it starts saving. libtest may print `test child_save_loop ... `
/// on the same line before it, so the parent matches the end of the line.
const READY: &str = "<cotter-child-ready>";

/// The writer: saves `record(base)`, `record(base + 1)`, … (forever when the count is 0),
/// printing `saved <seq>` after each save returns.
#[test]
#[ignore = "child process of the tests in this file; needs COTTER_FILE_CHILD_* variables"]
fn child_save_loop() {
    let Some(path) = std::env::var_os(ENV_PATH) else {
        // `--ignored` runs reach this too; the real checks are the parent tests.
        return;
    };
    let base: u64 = std::env::var(ENV_BASE).expect("base").parse().expect("base");
    let count: u64 = std::env::var(ENV_COUNT).expect("count").parse().expect("count");
    let mut store = FileStore::new(path);
    // Written straight to the stdout handle, which libtest does not capture.
    let mut out = std::io::stdout();
    writeln!(out, "{READY}").expect("stdout");
    let mut seq = base;
    while count == 0 || seq < base + count {
        store.save(&record(seq).as_session()).expect("child save");
        writeln!(out, "saved {seq}").expect("stdout");
        seq += 1;
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

fn spawn_writer(path: &Path, base: u64, count: u64) -> Writer {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .args(["--exact", "child_save_loop", "--include-ignored", "--test-threads=1"])
        .env(ENV_PATH, path)
        .env(ENV_BASE, base.to_string())
        .env(ENV_COUNT, count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
    Writer { child, lines, reader: Some(reader) }
}

impl Writer {
    fn wait_ready(&self) {
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(60)).expect("child ready");
            if line.ends_with(READY) {
                return;
            }
        }
    }

    /// Waits for the process and returns the sequence numbers it reported as saved.
    fn finish(mut self) -> (std::process::ExitStatus, Vec<u64>) {
        let status = self.child.wait().expect("wait");
        self.reader.take().expect("joined once").join().expect("reader thread");
        let saved = self
            .lines
            .try_iter()
            .filter_map(|l| l.strip_prefix("saved ").map(|s| s.parse().expect("seq")))
            .collect();
        (status, saved)
    }
}

#[test]
fn sigkill_at_random_points_never_leaves_a_torn_file() {
    let seed = common::seed(0xC077_E25E_ED00_0001);
    let mut rng = Rng::new(seed);
    let tmp = TempDir::new("kill");
    let path = tmp.path().join("state").join("session.bin");
    let mut store = FileStore::new(&path);
    let mut buf = vec![0u8; MAX_ENCODED_LEN];

    let mut on_disk: Option<u64> = None;
    let (mut kills, mut exited, mut loads, mut nones, mut saves, mut in_flight, mut stale_temps) =
        (0u64, 0u64, 0u64, 0u64, 0usize, 0u64, 0u64);
    for round in 0..KILL_ROUNDS {
        let base = (round + 1) * 1_000_000;
        let mut writer = spawn_writer(&path, base, 0);
        writer.wait_ready();
        thread::sleep(Duration::from_micros(rng.below(MAX_KILL_DELAY_US)));
        match writer.child.try_wait().expect("try_wait") {
            None => {
                // `Child::kill` sends SIGKILL on unix.
                writer.child.kill().expect("kill");
                kills += 1;
            }
            Some(_) => exited += 1,
        }
        let (status, saved) = writer.finish();
        assert!(!status.success(), "a forever-looping writer exited by itself: {status:?}");
        saves += saved.len();
        if store.temp_path().is_some_and(Path::exists) {
            stale_temps += 1;
        }

        let loaded = store.load(&mut buf).unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): load after SIGKILL failed: {e} ({e:?})")
        });
        let Some(session) = loaded else {
            assert!(on_disk.is_none() && saved.is_empty(), "round {round}: session vanished");
            nones += 1;
            continue;
        };
        let seq = check_record(&session);
        loads += 1;
        // The file holds the last save the child finished, or the one it was killed in after
        // its rename; never anything older.
        let finished = saved.last().copied();
        let allowed = match finished {
            Some(last) => seq == last || seq == last + 1,
            None => Some(seq) == on_disk || seq == base,
        };
        assert!(
            allowed,
            "round {round} (seed {seed}): file holds {seq}, last finished save {finished:?}, before {on_disk:?}"
        );
        if finished.map_or(seq == base, |last| seq == last + 1) {
            in_flight += 1;
        }
        on_disk = Some(seq);
    }
    println!(
        "kill test (seed {seed:#x}): {KILL_ROUNDS} rounds, {kills} SIGKILLs, {exited} exited first, \
         {saves} saves finished, {loads} loads decoded to a complete record, {nones} found no file, \
         {in_flight} caught a save between its rename and its return, {stale_temps} left a temp file"
    );
    assert_eq!(kills, KILL_ROUNDS, "every round must kill a running writer");
    assert_eq!(loads + nones, KILL_ROUNDS);
    assert!(loads >= KILL_ROUNDS - 1, "only a first-round kill may precede every save");
}

#[test]
fn two_writer_processes_never_tear_the_file() {
    let tmp = TempDir::new("race");
    let path = tmp.path().join("session.bin");
    let (base_a, base_b) = (10_000_000, 20_000_000);
    let a = spawn_writer(&path, base_a, RACE_SAVES);
    let b = spawn_writer(&path, base_b, RACE_SAVES);
    a.wait_ready();
    b.wait_ready();

    // Meanwhile this process reads, both through the store (shared lock) and raw (no lock: a
    // rename is atomic, so even a lock-free reader must see whole records).
    let mut store = FileStore::new(&path);
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    let (mut reads, mut seen_a, mut seen_b) = (0u64, 0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut a = Some(a);
    let mut b = Some(b);
    let mut results = Vec::new();
    while a.is_some() || b.is_some() {
        assert!(Instant::now() < deadline, "writers did not finish");
        if let Some(session) = store.load(&mut buf).expect("load during the race") {
            let seq = check_record(&session);
            if seq < base_b {
                seen_a += 1
            } else {
                seen_b += 1
            }
            reads += 1;
        }
        if let Ok(raw) = std::fs::read(&path) {
            check_record(&codec::decode(&raw).expect("raw read saw a torn file"));
            reads += 1;
        }
        for w in [&mut a, &mut b] {
            if w.as_mut().is_some_and(|w| w.child.try_wait().expect("try_wait").is_some()) {
                results.push(w.take().expect("present").finish());
            }
        }
    }
    for (status, saved) in &results {
        assert!(status.success(), "a writer failed: {status:?}");
        assert_eq!(saved.len() as u64, RACE_SAVES);
    }
    let last = check_record(&store.load(&mut buf).expect("load").expect("some"));
    assert!(last == base_a + RACE_SAVES - 1 || last == base_b + RACE_SAVES - 1, "final {last}");
    assert!(!store.temp_path().expect("temp").exists());
    println!(
        "two writers: {} saves each, {reads} concurrent reads all whole ({seen_a} from A, {seen_b} from B)",
        RACE_SAVES
    );
}

#[test]
fn a_lock_held_by_one_process_makes_another_process_save_wait_until_unlock() {
    let tmp = TempDir::new("lock-process");
    let path = tmp.path().join("session.bin");
    let mut store = FileStore::new(&path);
    store.save(&record(1).as_session()).expect("save");
    store.lock().expect("lock");

    let child_seq = 30_000_000;
    let writer = spawn_writer(&path, child_seq, 1);
    writer.wait_ready();
    // The child is in its save now, waiting for the lock.
    thread::sleep(Duration::from_millis(500));
    let early: Vec<String> = writer.lines.try_iter().collect();
    assert!(
        early.iter().all(|l| !l.starts_with("saved ")),
        "child saved under our lock: {early:?}"
    );

    // What a refreshing client does under the lock: re-read, then save the renewed session.
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    assert_eq!(check_record(&store.load(&mut buf).expect("load").expect("some")), 1);
    store.save(&record(2).as_session()).expect("save under the lock");
    assert_eq!(check_record(&store.load(&mut buf).expect("load").expect("some")), 2);
    store.unlock();

    let (status, saved) = writer.finish();
    assert!(status.success(), "writer failed: {status:?}");
    assert_eq!(saved, [child_seq]);
    // The child's save came after ours: it was serialised, not interleaved.
    assert_eq!(check_record(&store.load(&mut buf).expect("load").expect("some")), child_seq);
}

#[test]
fn threads_with_separate_stores_are_serialised_too() {
    let tmp = TempDir::new("threads");
    let path = tmp.path().join("s");
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let path = path.clone();
            thread::spawn(move || {
                let mut store = FileStore::new(path);
                let mut buf = vec![0u8; MAX_ENCODED_LEN];
                for i in 0..50 {
                    store.save(&record(t * 1000 + i).as_session()).expect("save");
                    check_record(&store.load(&mut buf).expect("load").expect("some"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let mut buf = vec![0u8; MAX_ENCODED_LEN];
    let last = check_record(&FileStore::new(&path).load(&mut buf).expect("load").expect("some"));
    assert_eq!(last % 1000, 49);
}
