//! A device without a real-time clock (`AnchoredClock` on a tick counter) that asks who is
//! signed in every ten minutes: its clock must keep running forward, so the access token is
//! renewed once it is due. A clock re-anchored by every `user()` to the stored ID token's `iat`
//! would stand at the sign-in time, and the device would never notice that an hour had passed.

use core::cell::Cell;
use cotter::store::MemoryStore;
use cotter::{AnchoredClock, Client, Clock};
use cotter_tests::{claim, config, emulator, sign_in, transport};

const MINUTE: u64 = 60;

#[test]
fn user_every_ten_minutes_keeps_the_clock_running_and_the_token_is_renewed() {
    // A frozen clock: it moves only when the test says so, like the tick counter.
    let emu = emulator(cotter_emulator::Config::new().with_frozen_clock());
    let ticks = Cell::new(1_000u64);
    let clock = AnchoredClock::new(|| ticks.get());
    let mut c =
        Client::<_, _, _>::new(config(&emu), transport(), MemoryStore::<8192>::new(), &clock)
            .expect("client");
    assert_eq!(clock.now(), None, "no time before the first token");
    sign_in(&mut c, "rtc@example.com").expect("sign-in");
    assert_close(clock.now(), emu.now(), "anchored to the sign-in answer");
    let signed_in_at = emu.now();

    let pass = |minutes: u64| {
        emu.advance_clock(minutes * MINUTE);
        ticks.set(ticks.get() + minutes * MINUTE * 1000);
    };
    let refreshes = emu.stats().refresh;
    for step in 1..=6 {
        pass(10);
        let user = c.user().expect("user");
        assert_eq!(user.identifier.as_str(), "rtc@example.com");
        let now = clock.now().expect("anchored");
        assert!(
            now >= emu.now(),
            "step {step}: the device clock ran backwards: {now} < {}",
            emu.now()
        );
        if step < 6 {
            // 10..50 minutes: the sign-in token is still fresh; nothing to renew.
            assert_eq!(emu.stats().refresh, refreshes, "step {step}: no refresh yet");
        }
    }
    pass(2);
    let token = c.access_token().expect("a fresh access token after 62 minutes").to_owned();
    let exp = claim(&token, "exp").and_then(|v| v.as_u64()).expect("exp");
    assert!(exp > emu.now(), "exp {exp} is in the server's future ({})", emu.now());
    assert!(emu.now() >= signed_in_at + 62 * MINUTE);
    // One renewal in the hour: due at 59 minutes (`exp` minus the 60 s leeway), so it is made
    // by the sixth `user()`, at 60 minutes, or at the latest by this call.
    assert_eq!(emu.stats().refresh - refreshes, 1, "exactly one refresh request");
    assert_close(clock.now(), emu.now(), "the device clock tracks the server's");
}

/// The device's time is the server's, to the second (both clocks move only when told).
fn assert_close(device: Option<u64>, server: u64, what: &str) {
    let device = device.expect("the clock is anchored");
    assert_eq!(device, server, "{what}");
}
