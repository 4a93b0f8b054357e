//! Time per ES256 verify of the real Cotter token's signature: p256 (`Es256Key::verify`),
//! prepared keys of several profiles, and ring's `ECDSA_P256_SHA256_FIXED`; plus the time to
//! prepare a key and to build a generator table. Prints a Markdown table.
//!
//! `cargo run --release [--features p256-tables] [-- --short]` from this directory. Runs 21
//! interleaved rounds of ~0.1 s batches per verifier and reports the median and the fastest
//! batch (on a shared machine, read the minimum).
//!
//! `cargo run --release -- count <p256|ring|server|mcu|w7|…> N` runs N verifies of one verifier and
//! nothing else, for instruction counts under `valgrind --tool=callgrind` (compare N = 0).

use base64ct::{Base64UrlUnpadded, Encoding};
use cotter_jwt::{Es256Key, GeneratorTable, Jwks, PreparedKey, Verifier};
use std::hint::black_box;
use std::time::{Duration, Instant};

const JWKS: &str = include_str!("../../../../tests/data/cotter-real/jwks.json");
const TOKEN: &str = include_str!("../../../../tests/data/cotter-real/access_token.jwt");

/// A verifier under test: name, table bytes per key, one call.
struct Entry<'a> {
    name: String,
    bytes: Option<usize>,
    call: Box<dyn FnMut() -> bool + 'a>,
    per_batch: u32,
    samples: Vec<f64>,
}

impl<'a> Entry<'a> {
    fn new(name: String, bytes: Option<usize>, call: impl FnMut() -> bool + 'a) -> Self {
        Self { name, bytes, call: Box::new(call), per_batch: 1, samples: Vec::new() }
    }

    /// Sizes a batch to about `target`.
    fn calibrate(&mut self, target: Duration) {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < target / 4 {
            assert!(black_box((self.call)()));
            n += 1;
        }
        self.per_batch = (n * 4).max(1);
    }

    fn batch(&mut self) {
        let t = Instant::now();
        for _ in 0..self.per_batch {
            assert!(black_box((self.call)()));
        }
        self.samples.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(self.per_batch));
    }

    /// (median, min) µs per call.
    fn stats(&self) -> (f64, f64) {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        (s[s.len() / 2], s[0])
    }
}

/// Builds one profile's tables (timed) and returns its entry.
fn profile<'a, const W: usize, const S: usize, const N: usize>(
    name: &str,
    key: &Es256Key,
    msg: &'a [u8],
    sig: &'a [u8],
) -> Entry<'a> {
    let t = Instant::now();
    let g = GeneratorTable::<W, S, N>::new_boxed();
    let g_ms = t.elapsed().as_secs_f64() * 1e3;
    let g: &'static GeneratorTable<W, S, N> = Box::leak(g);
    let t = Instant::now();
    let prepared = PreparedKey::new_boxed(g, key);
    let prep_ms = t.elapsed().as_secs_f64() * 1e3;
    Entry::new(
        format!("prepared {name}W={W}, S={S} (G table {g_ms:.1} ms, key {prep_ms:.1} ms)"),
        Some(PreparedKey::<W, S, N>::TABLE_BYTES),
        move || prepared.verify(black_box(msg), black_box(sig)).is_ok(),
    )
}

fn count_profile<const W: usize, const S: usize, const N: usize>(
    n: u32,
    key: &Es256Key,
    msg: &[u8],
    sig: &[u8],
) -> u32 {
    let g = GeneratorTable::<W, S, N>::new_boxed();
    let k = PreparedKey::new_boxed(&g, key);
    (0..n).map(|_| u32::from(k.verify(black_box(msg), sig).is_ok())).sum()
}

/// Runs `n` verifies with one verifier (for callgrind).
fn count(which: &str, n: u32, key: &Es256Key, msg: &[u8], sig: &[u8]) {
    let mut ok = 0u32;
    match which {
        "p256" => (0..n).for_each(|_| ok += u32::from(key.verify(black_box(msg), sig).is_ok())),
        "ring" => {
            let k = ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                sec1(key),
            );
            (0..n).for_each(|_| ok += u32::from(k.verify(black_box(msg), sig).is_ok()));
        }
        "server" => ok = count_profile::<8, 1, 4096>(n, key, msg, sig),
        "mcu" => ok = count_profile::<4, 4, 128>(n, key, msg, sig),
        "w7" => ok = count_profile::<7, 1, 2368>(n, key, msg, sig),
        "w6" => ok = count_profile::<6, 1, 1376>(n, key, msg, sig),
        "w5" => ok = count_profile::<5, 1, 832>(n, key, msg, sig),
        "w4" => ok = count_profile::<4, 1, 512>(n, key, msg, sig),
        "w4s2" => ok = count_profile::<4, 2, 256>(n, key, msg, sig),
        "w4s8" => ok = count_profile::<4, 8, 64>(n, key, msg, sig),
        "w3s8" => ok = count_profile::<3, 8, 44>(n, key, msg, sig),
        other => panic!("unknown verifier {other}"),
    }
    assert_eq!(ok, n);
}

/// The key as SEC1 `04 || x || y`.
fn sec1(key: &Es256Key) -> Vec<u8> {
    let (x, y) = key.coordinates();
    [&[0x04][..], &x, &y].concat()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let only = args.get(1).cloned();
    let jwks = Jwks::<4>::from_json(JWKS).expect("jwks");
    let key = jwks.keys()[0].clone();
    let token = TOKEN.trim();
    let (signing_input, sig64) = token.rsplit_once('.').expect("token");
    let msg = signing_input.as_bytes();
    let sig = Base64UrlUnpadded::decode_vec(sig64).expect("sig");

    if only.as_deref() == Some("count") {
        let n = args.get(3).map_or(100, |n| n.parse().expect("N"));
        count(args.get(2).map_or("server", String::as_str), n, &key, msg, &sig);
        return;
    }
    println!("ES256 verify of the real Cotter token ({} signed bytes)\n", msg.len());
    let ring_key =
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, sec1(&key));
    let mut entries = vec![
        Entry::new("p256 0.14 (`Es256Key::verify`)".into(), None, || {
            key.verify(black_box(msg), black_box(&sig)).is_ok()
        }),
        Entry::new("ring 0.17 (`ECDSA_P256_SHA256_FIXED`)".into(), None, || {
            ring_key.verify(black_box(msg), black_box(&sig)).is_ok()
        }),
        profile::<8, 1, 4096>("server ", &key, msg, &sig),
        profile::<4, 4, 128>("MCU ", &key, msg, &sig),
    ];
    if only.as_deref() != Some("--short") {
        entries.push(profile::<7, 1, 2368>("", &key, msg, &sig));
        entries.push(profile::<6, 1, 1376>("", &key, msg, &sig));
        entries.push(profile::<5, 1, 832>("", &key, msg, &sig));
        entries.push(profile::<4, 1, 512>("", &key, msg, &sig));
        entries.push(profile::<4, 2, 256>("", &key, msg, &sig));
        entries.push(profile::<4, 8, 64>("", &key, msg, &sig));
        entries.push(profile::<3, 8, 44>("", &key, msg, &sig));
    }
    // Interleaved rounds, so that load from other processes hits every verifier alike.
    for e in &mut entries {
        e.calibrate(Duration::from_millis(100));
    }
    for _ in 0..21 {
        for e in &mut entries {
            e.batch();
        }
    }
    let p256_min = entries[0].stats().1;
    let ring_min = entries[1].stats().1;
    println!("| verifier | table bytes per key | median µs | min µs | min vs p256 | min vs ring |");
    println!("|---|---|---|---|---|---|");
    for e in &entries {
        let (median, min) = e.stats();
        let bytes = e.bytes.map_or_else(|| "—".to_owned(), |b| b.to_string());
        println!(
            "| {} | {bytes} | {median:.1} | {min:.1} | {:.2}× | {:.2}× |",
            e.name,
            min / p256_min,
            min / ring_min
        );
    }
}
