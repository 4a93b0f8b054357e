//! `SharedClient` single-flight refresh and `login_loopback`, against the emulator over HTTP.

use core::time::Duration;
use cotter::store::MemoryStore;
use cotter::transport::{Request, Transport as _, UreqTransport};
use cotter::{Client, Clock, Config, LoginKind, LoopbackOptions, OsRandom, SharedClient};
use cotter_emulator::{Emulator, browser};
use std::sync::{Arc, Barrier};

struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

const KEY: &str = "cotter-dev-api-key";

/// Plays the user for `url`, then follows the redirect to the client's loopback listener.
fn play_user_and_return(url: &str, who: &str) {
    let redirect = browser::complete_login(url, who).expect("the user signs in");
    let mut buf = vec![0u8; 16 * 1024];
    let page = UreqTransport::new()
        .send(&Request::get(&redirect), &mut buf)
        .expect("the loopback listener answers");
    let text = String::from_utf8_lossy(page.body);
    assert_eq!(page.status, 200, "{text}");
    assert!(text.contains("Signed in"));
}

#[test]
fn login_loopback_then_single_flight_refresh_from_16_threads() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(KEY).base_url(&api).hosted_page_url(&page);
    let mut client: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("client");
    std::thread::scope(|s| {
        client
            .login_loopback(
                LoginKind::EmailOtp,
                Some("grace@example.com"),
                LoopbackOptions::default().timeout(Duration::from_secs(30)),
                |url| {
                    let url = url.to_owned();
                    s.spawn(move || play_user_and_return(&url, "grace@example.com"));
                },
            )
            .expect("login_loopback");
    });
    let shared = SharedClient::new(client);
    let first = shared.access_token().expect("token");

    emu.advance_clock(3600);
    let before = emu.stats();
    let barrier = Arc::new(Barrier::new(16));
    let tokens: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let shared = &shared;
                s.spawn(move || {
                    barrier.wait();
                    shared.access_token().expect("refreshed token")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let after = emu.stats();
    println!("16 threads at expiry: {} refresh request(s)", after.refresh - before.refresh);
    assert_eq!(after.refresh - before.refresh, 1, "exactly one refresh request (single-flight)");
    assert!(tokens.iter().all(|t| *t == tokens[0]), "all 16 got the same new token");
    assert_ne!(tokens[0], first);
}

#[test]
fn login_loopback_times_out_cleanly() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(KEY).base_url(&api).hosted_page_url(&page);
    let mut client: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("client");
    let r = client.login_loopback(
        LoginKind::EmailOtp,
        None,
        LoopbackOptions::default().timeout(Duration::from_millis(300)),
        |_| {},
    );
    assert!(matches!(r, Err(cotter::Error::LoginTimeout)), "{r:?}");
    let _ = OsRandom;
}
