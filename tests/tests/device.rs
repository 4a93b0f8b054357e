//! Trusted devices end to end against the emulator over HTTP (`UreqTransport`): enrolment after
//! an email-OTP sign-in, status, sign-in with the device key after logout, approval of a new
//! device (approved, rejected, timed out), refusal of tampered signatures and unenrolled keys,
//! and the device key kept out of every `Debug`. Requests are counted with `emu.stats()`.

#![allow(clippy::result_large_err, reason = "the no_std error carries the server message by value")]

#[path = "device/approval.rs"]
mod approval;
#[path = "device/support.rs"]
mod support;

use cotter::store::{MemoryStore, Session, TokenStore};
use cotter::{ApprovalStatus, DeviceKey, Error, OsRandom, UserRef};
use support::*;

#[test]
fn enrol_status_and_sign_in_with_the_device_after_logout() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    sign_in(&mut c, "ada@example.com");
    let user_id = c.user().expect("user").id.to_string();

    // No key yet: not trusted, and no request is needed to know it.
    let (trusted, n) = count(&emu, || c.is_device_trusted().expect("status"));
    assert!(!trusted);
    assert_eq!(n[0], 0);
    assert!(c.device_public_key().expect("load").is_none());

    // Enrolment: one request; the answer's TRUSTED_DEVICE tokens replace the OTP ones.
    let (r, n) = count(&emu, || c.enroll_device(&mut OsRandom));
    r.expect("enrol");
    assert_eq!(n, [1, 1, 0, 0, 0], "enrol = one PUT /user/methods (JWKS cached)");
    let (method, stored_user, key) = stored(&mut c);
    assert_eq!((method.as_str(), stored_user.as_str()), ("TRUSTED_DEVICE", user_id.as_str()));
    assert!(key.is_some(), "the device key is stored with the session");
    let access = c.access_token().expect("token").to_owned();
    assert_eq!(verified_method(&emu, &api, &access), "TRUSTED_DEVICE");
    let public = c.device_public_key().expect("load").expect("a key");
    assert_eq!(public.as_str().len(), 124);

    // Status: one request.
    let (trusted, n) = count(&emu, || c.is_device_trusted().expect("status"));
    assert!(trusted);
    assert_eq!(n, [1, 1, 0, 0, 0]);

    // Enrolling again reuses the key.
    c.enroll_device(&mut OsRandom).expect("enrol again");
    assert_eq!(c.device_public_key().expect("load").expect("key"), public);

    // Logout keeps the key; the session is gone.
    c.logout().expect("logout");
    assert!(matches!(c.access_token(), Err(Error::NotSignedIn)));
    assert!(matches!(c.is_device_trusted(), Err(Error::NotSignedIn)));
    assert_eq!(stored(&mut c).2, key, "the key survives logout");

    // Sign in with the device: one request, verified TRUSTED_DEVICE tokens.
    let (r, n) = count(&emu, || c.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom));
    r.expect("device sign-in");
    assert_eq!(n, [1, 0, 1, 0, 0], "sign-in = one POST /event/create (JWKS cached)");
    let access = c.access_token().expect("signed in").to_owned();
    assert_eq!(verified_method(&emu, &api, &access), "TRUSTED_DEVICE");
    assert_eq!(c.user().expect("user").id.as_str(), user_id);
    assert_eq!(stored(&mut c).0, "TRUSTED_DEVICE");

    // Again at once, in the same second: hedged signatures differ, so no false replay.
    c.logout().expect("logout");
    c.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom).expect("same second");

    // By identifier: one user look-up more.
    c.logout().expect("logout");
    let (r, n) = count(&emu, || {
        c.sign_in_with_device(UserRef::Identifier("ada@example.com"), &mut OsRandom)
    });
    r.expect("by identifier");
    assert_eq!(n, [2, 0, 1, 1, 0]);
    assert!(matches!(
        c.sign_in_with_device(UserRef::Identifier("nobody@example.com"), &mut OsRandom),
        Err(Error::UserNotFound)
    ));

    // The app restarted: a new client over the same stored record signs in with the device.
    c.logout().expect("logout");
    let mut restarted = with_store(&emu, &api, &page, copy_store(&mut c));
    let (r, n) =
        count(&emu, || restarted.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom));
    r.expect("after restart");
    assert_eq!(n, [2, 0, 1, 0, 1], "a new client fetches the JWKS once");

    // forget_device drops the key: no device sign-in any more.
    c.forget_device().expect("forget");
    assert!(c.device_public_key().expect("load").is_none());
    assert!(c.store_mut().is_empty());
    assert!(matches!(
        c.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom),
        Err(Error::DeviceNotEnrolled)
    ));
}

#[test]
fn tampered_signatures_and_unenrolled_keys_are_refused() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    sign_in(&mut c, "dan@example.com");
    let user_id = c.user().expect("user").id.to_string();
    c.enroll_device(&mut OsRandom).expect("enrol");
    let enrolled_record = copy_store(&mut c);
    c.logout().expect("logout");

    for mode in [Mode::Signature, Mode::Message] {
        c.transport_mut().mode = mode;
        let err = c
            .sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom)
            .expect_err("tampered");
        match &err {
            Error::Api { status: 400, .. } => {
                let msg = c.api_message();
                assert!(msg.contains("signature"), "{mode:?}: {msg}")
            }
            other => panic!("{mode:?}: {other:?}"),
        }
        assert!(matches!(c.access_token(), Err(Error::NotSignedIn)), "no session from it");
    }
    c.transport_mut().mode = Mode::Off;
    c.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom).expect("untampered");

    // A key the server never enrolled (written into a store by hand) is refused.
    let mut record = Session::new("", "", "", 0);
    let random_key = [7u8; 32];
    record.device_key = Some(&random_key);
    let mut store = MemoryStore::new();
    store.save(&record).expect("save");
    let mut unknown = with_store(&emu, &api, &page, store);
    let err = unknown
        .sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom)
        .expect_err("unknown key");
    assert!(matches!(&err, Error::Api { status: 400, .. }), "{err}");
    let msg = unknown.api_message();
    assert!(msg.contains("not a trusted device"), "{msg}");

    // Signed in by OTP, that device is still not trusted and cannot approve anything.
    sign_in(&mut unknown, "dan@example.com");
    assert!(!unknown.is_device_trusted().expect("status"));
    let mut asker = client(&emu, &api, &page);
    let pending = asker.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let request = unknown.pending_request().expect("new").expect("one");
    let err = unknown.approve(&request, true, &mut OsRandom).expect_err("untrusted approver");
    assert!(matches!(&err, Error::Api { status: 400, .. }), "{err}");
    assert_eq!(asker.check_approval(&pending).expect("check"), ApprovalStatus::Pending);

    // Unenrolled on the server: the same key (restored from a copy of the store) is refused.
    c.unenroll_device().expect("unenrol");
    assert!(c.device_public_key().expect("load").is_none(), "the key is forgotten");
    assert!(c.access_token().is_ok(), "the session stays");
    let mut restored = with_store(&emu, &api, &page, enrolled_record);
    let err = restored
        .sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom)
        .expect_err("unenrolled key");
    assert!(matches!(&err, Error::Api { status: 400, .. }), "{err}");
}

#[test]
fn the_device_key_never_shows_in_debug() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    sign_in(&mut c, "eve@example.com");
    c.enroll_device(&mut OsRandom).expect("enrol");
    let key = stored(&mut c).2.expect("key");
    let user_id = c.user().expect("user").id.to_string();

    let mut buf = vec![0u8; 8192];
    let record = format!("{:?}", c.store_mut().load(&mut buf).expect("load").expect("record"));
    let public = c.device_public_key().expect("load").expect("key");
    let mut asker = client(&emu, &api, &page);
    let pending = asker.request_approval(UserRef::CotterId(&user_id)).expect("request");
    let request = c.pending_request().expect("new").expect("one");
    let shown = [
        format!("{c:?}"),
        format!("{:?}", c.store_mut()),
        record,
        format!("{public:?} {public}"),
        format!("{pending:?} {request:?}"),
        format!("{:?}", DeviceKey::generate(&mut OsRandom).expect("key")),
    ];
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let forms = [hex.clone(), hex.to_uppercase(), format!("{key:?}"), format!("{:?}", &key[..8])];
    for text in &shown {
        for form in &forms {
            assert!(!text.contains(form.as_str()), "{text}");
        }
    }
    assert!(shown[2].contains("device_key: Some(<redacted"), "{}", shown[2]);
}
