//! A short refresh load (8 clients, 1 s): every refresh succeeds, every issued token is distinct, and a
//! retired token is refused afterwards. `examples/refresh_throughput.rs` runs the 10 s measurement.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use core::time::Duration;

#[test]
fn concurrent_refresh_chains_stay_consistent() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_reuse_interval(0).with_log_outbox(false).with_seed(1),
    )
    .unwrap();
    let before = emu.stats().refresh;
    let report = common::load::refresh_load(&emu, 8, Duration::from_secs(1));
    eprintln!("{report:?} ({:.0} requests/s)", report.per_second());
    assert_eq!(report.failures, 0);
    assert!(report.requests >= 8, "{report:?}");
    assert_eq!(report.issued_tokens, report.requests);
    assert_eq!(report.distinct_tokens, report.issued_tokens);
    assert_eq!(report.reuse_rejected, 8);
    assert_eq!(emu.stats().refresh - before, report.requests as u64 + 8);
}
