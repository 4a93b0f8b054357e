//! The client's JWKS, cotter-jwt's `JwksCache`, against the emulator over HTTP: a key rotation
//! costs one refetch; a JWKS endpoint that fails (an error status, a reset connection, a
//! malformed body) after the first load leaves the session verifying with the cached keys,
//! until the staleness bound and not after; the answer's `Cache-Control: max-age` sets when
//! the keys are fetched again; a device that learns the time from its first token does not
//! fetch the keys twice.

use core::cell::Cell;
use cotter::store::MemoryStore;
use cotter::transport::{CacheControl, ErrorType, Request, Response, Transport, UreqTransport};
use cotter::{AnchoredClock, Client, Clock, Error};
use cotter_emulator::Emulator;
use cotter_tests::{EmuClock, config, emulator, sign_in, transport};
use serde_json::json;

type EmuClient<'e, T> = Client<'e, T, MemoryStore<8192>, EmuClock<'e>>;

const JWKS: &str = "/api/v0/token/jwks";

fn client<T: Transport>(emu: &Emulator, transport: T) -> EmuClient<'_, T> {
    Client::new(config(emu), transport, MemoryStore::new(), EmuClock(emu)).expect("client")
}

/// A fault on the JWKS endpoint until cleared.
fn fail_jwks(emu: &Emulator, fault: serde_json::Value) {
    emu.clear_faults();
    let mut fault = fault;
    fault["prefix"] = json!(JWKS);
    fault["times"] = json!(null);
    emu.inject_fault(&fault).expect("a valid fault");
}

#[test]
fn a_key_rotation_costs_one_refetch() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu, transport());
    sign_in(&mut c, "rotate@example.com").expect("sign-in");
    assert_eq!(c.jwks_fetches(), 1);

    // Past the client's 300 s kid interval, well within the set's hour of freshness.
    emu.advance_clock(400);
    emu.rotate_key();
    c.refresh().expect("the new key's tokens verify after one refetch");
    assert_eq!((c.jwks_fetches(), emu.stats().jwks), (2, 2));
    assert_eq!(c.prepared_keys(), 2, "the new key and the previous one, both prepared");
    // The new set serves every later verification.
    for _ in 0..3 {
        emu.advance_clock(60);
        c.refresh().expect("refresh");
        c.user().expect("the stored ID token verifies again");
    }
    assert_eq!((c.jwks_fetches(), emu.stats().jwks), (2, 2), "no fetch beyond the one");
}

#[test]
fn a_failing_jwks_endpoint_leaves_the_session_on_the_cached_keys() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu, transport());
    sign_in(&mut c, "down@example.com").expect("sign-in");
    assert_eq!(c.jwks_fetches(), 1);

    // An hour on (the emulator sends no max-age: the default hour), the keys are due for a
    // refresh, the access token has expired, and the JWKS endpoint answers 503.
    fail_jwks(&emu, json!({"status": 503}));
    emu.advance_clock(3601);
    let before = c.access_token().expect("refreshed, its tokens verified with the cached keys");
    let before = before.to_owned();
    assert_eq!(c.jwks_fetches(), 2, "the refresh of the keys was tried, and failed");
    c.user().expect("within the retry wait: no attempt, the cached keys verify");
    assert_eq!(c.jwks_fetches(), 2);

    // A reset connection and a malformed body are failures of the same kind.
    fail_jwks(&emu, json!({"kind": "reset"}));
    emu.advance_clock(31);
    c.refresh().expect("after a reset");
    assert_eq!(c.jwks_fetches(), 3);
    fail_jwks(&emu, json!({"kind": "malformed_json", "status": 200}));
    emu.advance_clock(61);
    c.refresh().expect("after a malformed JWKS");
    assert_eq!(c.jwks_fetches(), 4);
    assert_ne!(c.access_token().expect("token"), before);

    // The endpoint recovers: the next due attempt loads the keys, fresh for another hour.
    emu.clear_faults();
    emu.advance_clock(121);
    c.refresh().expect("refresh");
    assert_eq!(c.jwks_fetches(), 5);
    emu.advance_clock(600);
    c.refresh().expect("refresh");
    assert_eq!(c.jwks_fetches(), 5, "fresh again, no back-off left");
}

#[test]
fn past_the_staleness_bound_the_cached_keys_are_not_trusted() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu, transport());
    sign_in(&mut c, "stale@example.com").expect("sign-in");
    fail_jwks(&emu, json!({"status": 503}));
    // The hour of freshness and the day of staleness are over.
    emu.advance_clock(3600 + 86_400);
    match c.refresh() {
        Err(Error::Api { status: 503, .. }) => {}
        other => panic!("expected the JWKS endpoint's 503: {other:?}"),
    }
    assert!(c.is_signed_in().expect("load"), "the session is kept");
    emu.clear_faults();
    c.access_token().expect("the keys load again and the session carries on");
}

/// A transport that adds `Cache-Control: max-age` to the JWKS answers of the one it wraps.
struct MaxAge(UreqTransport, u32);

impl ErrorType for MaxAge {
    type Error = <UreqTransport as ErrorType>::Error;
}

impl Transport for MaxAge {
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        let mut resp = self.0.send(req, buf)?;
        if req.url.ends_with(JWKS) {
            let max_age = Some(self.1);
            resp.headers.cache_control = Some(CacheControl { max_age, ..CacheControl::default() });
        }
        Ok(resp)
    }
}

#[test]
fn the_answers_max_age_sets_the_next_fetch() {
    // Frozen: the check one second before max-age runs out must not be pushed past it.
    let emu = emulator(cotter_emulator::Config::new().with_frozen_clock());
    let mut c = client(&emu, MaxAge(transport(), 120));
    sign_in(&mut c, "maxage@example.com").expect("sign-in");
    emu.advance_clock(119);
    c.user().expect("user");
    assert_eq!(c.jwks_fetches(), 1, "fresh for 120 s");
    emu.advance_clock(1);
    c.user().expect("user");
    assert_eq!(c.jwks_fetches(), 2, "refetched when max-age ran out");

    // `max-age=0` is clamped to a minute: no fetch per verification.
    let mut c = client(&emu, MaxAge(transport(), 0));
    sign_in(&mut c, "zero@example.com").expect("sign-in");
    for _ in 0..5 {
        emu.advance_clock(10);
        c.user().expect("user");
    }
    assert_eq!(c.jwks_fetches(), 1);
    emu.advance_clock(10);
    c.user().expect("user");
    assert_eq!(c.jwks_fetches(), 2);
}

#[test]
fn a_device_without_a_clock_fetches_the_keys_once() {
    // The keys are loaded before the device knows the time (the sign-in's tokens tell it):
    // they must not look decades old once it does.
    let emu = emulator(cotter_emulator::Config::new().with_frozen_clock());
    let ticks = Cell::new(5_000u64);
    let clock = AnchoredClock::new(|| ticks.get());
    let mut c =
        Client::<_, _, _>::new(config(&emu), transport(), MemoryStore::<8192>::new(), &clock)
            .expect("client");
    assert_eq!(clock.now(), None);
    sign_in(&mut c, "rtcless@example.com").expect("sign-in");
    assert!(clock.now().is_some(), "anchored by the sign-in");
    for _ in 0..5 {
        emu.advance_clock(600);
        ticks.set(ticks.get() + 600_000);
        c.user().expect("user");
    }
    assert_eq!((c.jwks_fetches(), emu.stats().jwks), (1, 1), "fresh for its hour");
    emu.advance_clock(600);
    ticks.set(ticks.get() + 600_000);
    c.access_token().expect("renewed");
    assert_eq!(c.jwks_fetches(), 2, "an hour after the load: due, once");
}
