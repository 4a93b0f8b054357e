//! Cross-crate tests of the cotter-rs workspace live in `tests/tests/`; this library holds
//! helpers they share: paths to the repository's test data, and a client signed in against
//! the emulator.

use cotter::transport::UreqTransport;
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};
use std::path::PathBuf;

/// The emulator's API key ID (its default).
pub const KEY: &str = cotter_emulator::DEFAULT_API_KEY_ID;

/// A redirect URL the emulator accepts; nothing listens there (the tests follow the redirect
/// themselves).
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// The folder of test data copied into the repository (`tests/data`), with its sources cited
/// in `tests/data/README.md`.
#[must_use]
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The emulator's own clock, which tests move forward with `advance_clock`.
#[derive(Debug)]
pub struct EmuClock<'e>(pub &'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

/// An emulator on 127.0.0.1 that does not print its outbox. Its clock runs with the system's
/// (clients with `SystemClock`, in other processes too, must agree with it); a test that steps
/// to just before a deadline freezes it with `Config::with_frozen_clock`.
///
/// # Panics
/// When it cannot start.
#[must_use]
pub fn emulator(config: cotter_emulator::Config) -> Emulator {
    Emulator::start(config.with_log_outbox(false)).expect("the emulator starts")
}

/// The client configuration for `emu` (its API and hosted-page URLs, leaked: tests only).
#[must_use]
pub fn config(emu: &Emulator) -> Config<'static> {
    let api: &'static str = Box::leak(emu.api_base().into_boxed_str());
    let page: &'static str = Box::leak(emu.hosted_page_url().into_boxed_str());
    Config::new(KEY).base_url(api).hosted_page_url(page)
}

/// Signs `who` in through the hosted page (email OTP) as a user in a browser would.
///
/// # Errors
/// The error of [`Client::complete_login`].
///
/// # Panics
/// When the login cannot start or the hosted page fails.
pub fn sign_in<T, S, C, const N: usize, const W: usize>(
    c: &mut Client<'_, T, S, C, N, W>,
    who: &str,
) -> cotter::Result<(), T, S>
where
    T: cotter::transport::Transport,
    S: cotter::store::TokenStore,
    C: Clock,
{
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, Some(who), REDIRECT, &mut OsRandom).expect("begin");
    let redirect = browser::complete_login(&url, who).expect("the user signs in");
    c.complete_login(&pending, &redirect)
}

/// A ureq transport (plain HTTP on loopback).
#[must_use]
pub fn transport() -> UreqTransport {
    UreqTransport::new()
}

/// The payload claim `name` of a compact JWT, as JSON text (no verification: tests only).
///
/// # Panics
/// When the token is not a JWT.
#[must_use]
pub fn claim(token: &str, name: &str) -> Option<serde_json::Value> {
    use base64ct::Encoding as _;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64ct::Base64UrlUnpadded::decode_vec(payload).expect("base64url payload");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON payload");
    json.get(name).cloned()
}
