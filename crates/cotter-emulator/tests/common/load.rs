//! Refresh load: N clients, each on its own keep-alive connection and session, refreshing in a loop for a
//! fixed time and always presenting the token the previous refresh returned. Loopback only, bounded in time.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    reason = "shared by a test and an example"
)]

use super::{Client, KEY, refresh_on, sign_in};
use core::time::Duration;
use cotter_emulator::Emulator;
use std::collections::HashSet;
use std::time::Instant;

/// What a load run measured.
#[derive(Debug)]
pub struct LoadReport {
    pub clients: usize,
    pub elapsed: Duration,
    pub requests: usize,
    pub failures: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Refresh tokens issued during the run (all distinct if `distinct_tokens == issued_tokens`).
    pub issued_tokens: usize,
    pub distinct_tokens: usize,
    /// Sessions whose retired token was rejected as a reuse afterwards (should equal `clients`).
    pub reuse_rejected: usize,
}

impl LoadReport {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `clients` refresh loops for `duration` against `emu` (start it with a zero reuse interval so that a
/// second use of any token is refused).
pub fn refresh_load(emu: &Emulator, clients: usize, duration: Duration) -> LoadReport {
    let addr = emu.local_addr();
    let path = format!("/api/v0/token/{KEY}");
    let first_tokens: Vec<String> = (0..clients)
        .map(|i| {
            sign_in(emu, &format!("load{i}@example.com"))["oauth_token"]["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let start = Instant::now();
    let deadline = start + duration;
    let handles: Vec<_> = first_tokens
        .into_iter()
        .map(|first| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut client = Client::open(addr);
                let mut latencies = Vec::new();
                let mut tokens = vec![first];
                let mut failures = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let resp = refresh_on(&mut client, &path, tokens.last().unwrap());
                    latencies.push(sent.elapsed());
                    if resp.status == 200 {
                        tokens.push(resp.json()["refresh_token"].as_str().unwrap().to_owned());
                    } else {
                        failures += 1;
                        break;
                    }
                }
                (latencies, tokens, failures)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = start.elapsed();
    let mut latencies: Vec<Duration> =
        results.iter().flat_map(|(l, _, _)| l.iter().copied()).collect();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let issued: Vec<&String> = results.iter().flat_map(|(_, t, _)| t.iter().skip(1)).collect();
    let distinct: HashSet<&String> = issued.iter().copied().collect();
    // Each token was presented exactly once by its client; presenting a retired one again must be refused.
    let mut client = Client::open(addr);
    let reuse_rejected = results
        .iter()
        .filter(|(_, tokens, _)| {
            let retired = &tokens[tokens.len().saturating_sub(2)];
            let resp = refresh_on(&mut client, &path, retired);
            resp.status == 400
                && resp.json()["msg"].as_str().unwrap_or_default().contains("already used")
        })
        .count();
    LoadReport {
        clients,
        elapsed,
        requests: latencies.len(),
        failures: results.iter().map(|(_, _, f)| f).sum(),
        p50: pick(0.50),
        p99: pick(0.99),
        max: latencies.last().copied().unwrap_or_default(),
        issued_tokens: issued.len(),
        distinct_tokens: distinct.len(),
        reuse_rejected,
    }
}
