//! Refresh throughput of the emulator on loopback: 8 concurrent clients for 10 s, each on its own session
//! and keep-alive connection. Prints requests/s and latency percentiles, and checks that every issued refresh
//! token was accepted exactly once.
//!
//! ```text
//! cargo run --release -p cotter-emulator --example refresh_throughput [-- SECONDS CLIENTS]
//! ```

#![allow(clippy::unwrap_used, clippy::std_instead_of_core, reason = "measurement program")]

#[path = "../tests/common/mod.rs"]
mod common;

use core::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10).min(60);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8).clamp(1, 64);
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_reuse_interval(0).with_log_outbox(false),
    )
    .unwrap();
    let report = common::load::refresh_load(&emu, clients, Duration::from_secs(seconds));
    println!("clients            {}", report.clients);
    println!("duration           {:.2} s", report.elapsed.as_secs_f64());
    println!("refreshes          {} ({} failed)", report.requests, report.failures);
    println!("throughput         {:.0} requests/s", report.per_second());
    println!("latency p50        {:.3} ms", report.p50.as_secs_f64() * 1e3);
    println!("latency p99        {:.3} ms", report.p99.as_secs_f64() * 1e3);
    println!("latency max        {:.3} ms", report.max.as_secs_f64() * 1e3);
    println!("tokens issued      {} ({} distinct)", report.issued_tokens, report.distinct_tokens);
    println!("reuse refused      {} of {} sessions", report.reuse_rejected, report.clients);
    let ok = report.failures == 0
        && report.distinct_tokens == report.issued_tokens
        && report.reuse_rejected == report.clients;
    println!("every issued token worked exactly once: {}", if ok { "yes" } else { "NO" });
    if !ok {
        std::process::exit(1);
    }
}
