//! A new device asks the trusted one: approved (polling in a thread), rejected (answered from
//! the poller's delay), and unanswered until the deadline (simulated and real time).

use crate::support::*;
use core::time::Duration;
use cotter::{ApprovalStatus, Error, OsRandom, PollOptions, UserRef};

#[test]
fn a_new_device_is_approved_from_the_trusted_one() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut trusted = client(&emu, &api, &page);
    sign_in(&mut trusted, "bea@example.com");
    trusted.enroll_device(&mut OsRandom).expect("enrol");
    let user_id = trusted.user().expect("user").id.to_string();
    let trusted_access = trusted.access_token().expect("token").to_owned();

    let mut new_device = client(&emu, &api, &page);
    assert!(trusted.pending_request().expect("none yet").is_none());
    let (pending, n) =
        count(&emu, || new_device.request_approval(UserRef::Identifier("bea@example.com")));
    let pending = pending.expect("request");
    assert_eq!(n, [2, 0, 1, 1, 0], "request = user look-up + POST /event/create_pending");
    assert_eq!(new_device.check_approval(&pending).expect("check"), ApprovalStatus::Pending);

    let (request, n) = count(&emu, || trusted.pending_request().expect("new").expect("one"));
    assert_eq!(n, [1, 0, 1, 0, 0]);
    assert_eq!(request.id, pending.id());
    assert_eq!(
        (request.event.as_str(), request.method.as_str()),
        ("LOGIN_WITH_DEVICE", "TRUSTED_DEVICE")
    );
    assert_eq!(request.timestamp, pending.timestamp());
    assert_eq!(request.user_id.as_deref(), Some(user_id.as_str()));

    // The new device polls in its own thread (20 ms interval); the trusted device approves.
    let before = emu.stats();
    std::thread::scope(|s| {
        let poller = s.spawn(|| {
            let options = PollOptions::new().interval_ms(20).timeout_ms(10_000);
            new_device.wait_for_approval(&pending, options)
        });
        std::thread::sleep(Duration::from_millis(100));
        trusted.approve(&request, true, &mut OsRandom).expect("approve");
        poller.join().expect("poller").expect("approved");
    });
    let polls = emu.stats().event - before.event - 1;
    assert!((2..=100).contains(&polls), "{polls} polls of 20 ms while the approval took 100 ms");

    let access = new_device.access_token().expect("the new device is signed in").to_owned();
    assert_eq!(verified_method(&emu, &api, &access), "TRUSTED_DEVICE");
    assert_eq!(new_device.user().expect("user").id.as_str(), user_id);
    assert_eq!(new_device.device_public_key().expect("load"), None, "it got no key");
    // The tokens went to the asker; the trusted device's session is unchanged.
    assert_eq!(trusted.access_token().expect("token"), trusted_access);
    // A request is answered once.
    let again = trusted.approve(&request, true, &mut OsRandom).expect_err("answered");
    assert!(matches!(again, Error::Api { status: 400, .. }), "{again}");
    assert!(trusted.pending_request().expect("none").is_none());

    // Rejection, answered from inside the poller's delay (no thread needed).
    let mut other = client(&emu, &api, &page);
    let pending = other.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let mut delays = 0;
    let result = other.poll_approval(&pending, PollOptions::new(), |ms| {
        assert_eq!(ms, 1000, "the default interval is one second");
        delays += 1;
        if delays == 2 {
            let request = trusted.pending_request().expect("new").expect("one");
            trusted.approve(&request, false, &mut OsRandom).expect("reject");
        }
    });
    assert!(matches!(result, Err(Error::ApprovalRejected)), "{result:?}");
    assert_eq!(delays, 2);
    assert_eq!(other.check_approval(&pending).expect("check"), ApprovalStatus::Rejected);
    assert!(matches!(other.access_token(), Err(Error::NotSignedIn)));
}

#[test]
fn unanswered_requests_time_out() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut trusted = client(&emu, &api, &page);
    sign_in(&mut trusted, "cy@example.com");
    trusted.enroll_device(&mut OsRandom).expect("enrol");
    let user_id = trusted.user().expect("user").id.to_string();
    let mut new_device = client(&emu, &api, &page);

    // Defaults, with time simulated: each 1 s delay moves the emulator clock 1 s. 60 s pass:
    // 61 polls, 60 delays.
    let pending = new_device.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let mut slept = 0u64;
    let (result, n) = count(&emu, || {
        new_device.poll_approval(&pending, PollOptions::default(), |ms| {
            slept += u64::from(ms);
            emu.advance_clock(u64::from(ms) / 1000);
        })
    });
    assert!(matches!(result, Err(Error::ApprovalTimeout)), "{result:?}");
    assert_eq!((n[0], n[2], slept), (61, 61, 60_000));

    // A clock that runs faster than the delays: it decides (2 s per 1 s delay -> 31 polls).
    let pending = new_device.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let (result, n) = count(&emu, || {
        new_device.poll_approval(&pending, PollOptions::default(), |_| emu.advance_clock(2))
    });
    assert!(matches!(result, Err(Error::ApprovalTimeout)));
    assert_eq!(n[2], 31);

    // A clock that stands still: the delays decide (50 ms in steps of 20, 20, 10).
    let pending = new_device.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let mut steps = Vec::new();
    let result = new_device.poll_approval(
        &pending,
        PollOptions::new().interval_ms(20).timeout_ms(50),
        |ms| steps.push(ms),
    );
    assert!(matches!(result, Err(Error::ApprovalTimeout)));
    assert!(steps.iter().sum::<u32>() <= 50 && steps.len() <= 3, "{steps:?}");
    assert!(matches!(new_device.access_token(), Err(Error::NotSignedIn)));
}
