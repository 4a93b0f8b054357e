//! Events: pending sign-in requests from an untrusted device (Ed25519 approver), polling and responses,
//! and QR enrolment of a new device.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use common::device::*;
use common::*;
use ed25519_dalek::Signer as _;
use serde_json::{Value, json};

#[test]
fn ed25519_device_via_legacy_path_and_pending_requests() {
    let emu = start();
    let id = create_user(&emu, "ed@example.com")["ID"].as_str().unwrap().to_owned();
    let device = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let public = Base64::encode_string(device.verifying_key().as_bytes());
    let resp = put(
        &emu,
        &format!("/api/v0/user/{id}"),
        &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": public, "algorithm": "ED25519"}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.json()["oauth_token"].is_null(), "no tokens without ?oauth_token=true");
    let sign = |message: &str| Base64::encode_string(&device.sign(message.as_bytes()).to_bytes());

    // Nothing pending: JSON null.
    let none = get(&emu, &format!("/api/v0/event/new/{id}"));
    assert_eq!(none.status, 200);
    assert_eq!(none.json(), Value::Null);

    // An untrusted device asks; the trusted one sees the request and approves it; the asker's poll gets tokens.
    let ts = now(&emu).to_string();
    let pending = post_json(
        &emu,
        "/api/v0/event/create_pending",
        &json!({"issuer": KEY, "event": "LOGIN", "ip": "127.0.0.1", "location": "unknown", "timestamp": ts, "method": "TRUSTED_DEVICE", "client_user_id": id}),
    );
    assert_eq!(pending.status, 200, "{}", pending.text());
    let pending = pending.json();
    assert_eq!(
        (pending["new"].as_bool(), pending["approved"].as_bool()),
        (Some(true), Some(false))
    );
    let event_id = pending["ID"].as_u64().unwrap();
    let poll = get(&emu, &format!("/api/v0/event/get/{event_id}?oauth_token=true")).json();
    assert!(poll["oauth_token"].is_null());
    let seen = get(&emu, &format!("/api/v0/event/new?cotter_user_id={id}")).json();
    assert_eq!(seen["ID"], event_id);
    let message = format!("{id}{KEY}LOGIN{ts}TRUSTED_DEVICEtrue");
    let respond = |code: String, approved: bool, timestamp: &str| {
        post_json(
            &emu,
            &format!("/api/v0/event/respond/{event_id}"),
            &json!({"issuer": KEY, "event": "LOGIN", "ip": "unknown", "location": "unknown", "timestamp": timestamp, "method": "TRUSTED_DEVICE",
                    "code": code, "approved": approved, "public_key": public, "algorithm": "ED25519", "user_id": id}),
        )
    };
    assert_eq!(
        respond(sign(&message), true, "1").status,
        400,
        "must carry the pending event's timestamp"
    );
    assert_eq!(respond(sign("wrong"), true, &ts).status, 400);
    let answered = respond(sign(&message), true, &ts);
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(answered.json()["approved"], true);
    assert!(answered.json()["oauth_token"].is_null(), "tokens go to the asker, not the approver");
    let poll = get(&emu, &format!("/api/v0/event/get/{event_id}?oauth_token=true")).json();
    assert_eq!(poll["approved"], true);
    assert_eq!(poll["new"], false);
    assert_eq!(poll["oauth_token"]["auth_method"], "TRUSTED_DEVICE");
    // Polling again returns the same tokens, not a new session.
    let again = get(&emu, &format!("/api/v0/event/get/{event_id}?oauth_token=true")).json();
    assert_eq!(again["oauth_token"]["refresh_token"], poll["oauth_token"]["refresh_token"]);
    assert_eq!(get(&emu, &format!("/api/v0/event/new/{id}")).json(), Value::Null);
    assert_eq!(respond(sign(&message), true, &ts).status, 400, "answered once");

    // A rejected request: signed with "false", no tokens.
    let ts = now(&emu).to_string();
    let second = post_json(&emu, "/api/v0/event/create_pending", &json!({"issuer": KEY, "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "user_id": id})).json();
    let second_id = second["ID"].as_u64().unwrap();
    let reject_message = format!("{id}{KEY}LOGIN{ts}TRUSTED_DEVICEfalse");
    let rejected = post_json(
        &emu,
        &format!("/api/v0/event/respond/{second_id}"),
        &json!({"issuer": KEY, "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "code": sign(&reject_message), "approved": false, "public_key": public, "user_id": id}),
    );
    assert_eq!(rejected.status, 200, "{}", rejected.text());
    let poll = get(&emu, &format!("/api/v0/event/get/{second_id}")).json();
    assert_eq!((poll["approved"].as_bool(), poll["new"].as_bool()), (Some(false), Some(false)));
    assert!(poll["oauth_token"].is_null());

    // Pending requests expire after 5 minutes.
    let ts = now(&emu).to_string();
    let third = post_json(&emu, "/api/v0/event/create_pending", &json!({"issuer": KEY, "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "user_id": id})).json();
    emu.advance_clock(300);
    assert_eq!(get(&emu, &format!("/api/v0/event/new/{id}")).json(), Value::Null);
    let late = post_json(
        &emu,
        &format!("/api/v0/event/respond/{}", third["ID"]),
        &json!({"issuer": KEY, "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "code": sign(&format!("{id}{KEY}LOGIN{ts}TRUSTED_DEVICEtrue")), "approved": true, "public_key": public, "user_id": id}),
    );
    assert_eq!(late.status, 400);
    // Unknown events and foreign issuers.
    assert_eq!(get(&emu, "/api/v0/event/get/99999").status, 404);
    assert_eq!(get(&emu, "/api/v0/event/get/abc").status, 404);
    let foreign = post_json(
        &emu,
        "/api/v0/event/create_pending",
        &json!({"issuer": "other", "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "user_id": id}),
    );
    assert_eq!(foreign.status, 400);
}

#[test]
fn qr_enrolment_of_a_new_device() {
    let emu = start();
    let id = create_user(&emu, "qr@example.com")["ID"].as_str().unwrap().to_owned();
    let trusted = EcDevice::new(21);
    enroll_ec(&emu, &id, &trusted);
    let new_device = EcDevice::new(22);
    let ts = now(&emu);
    let message =
        format!("{id}{KEY}ENROLL_NEW_TRUSTED_DEVICE{ts}TRUSTED_DEVICEtrue{}", new_device.public);
    let resp = post_json(
        &emu,
        "/api/v0/event/create?oauth_token=true",
        &json!({"issuer": KEY, "event": "ENROLL_NEW_TRUSTED_DEVICE", "ip": "unknown", "location": "unknown", "timestamp": ts.to_string(),
                "method": "TRUSTED_DEVICE", "code": trusted.sign(&message), "approved": true, "public_key": trusted.public, "algorithm": "EC",
                "client_user_id": id, "register_new_device": true, "new_device_public_key": new_device.public, "new_device_algorithm": "EC",
                "device_type": "MOBILE", "device_name": "New phone"}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let p = Base64UrlUnpadded::encode_string(new_device.public.as_bytes());
    assert!(enrolled(&emu, &format!("/api/v0/user/enrolled/{id}/TRUSTED_DEVICE/{p}")));
    // The new device signs in on its own.
    assert_eq!(approved_login(&emu, &id, &new_device, now(&emu)).status, 200);
    // Without the new key in the signed message the enrolment is refused.
    let other = EcDevice::new(23);
    let ts = now(&emu) + 1;
    let message = format!("{id}{KEY}ENROLL_NEW_TRUSTED_DEVICE{ts}TRUSTED_DEVICEtrue");
    let refused = post_json(
        &emu,
        "/api/v0/event/create",
        &json!({"issuer": KEY, "event": "ENROLL_NEW_TRUSTED_DEVICE", "timestamp": ts.to_string(), "method": "TRUSTED_DEVICE",
                "code": trusted.sign(&message), "approved": true, "public_key": trusted.public, "client_user_id": id,
                "register_new_device": true, "new_device_public_key": other.public, "new_device_algorithm": "EC"}),
    );
    assert_eq!(refused.status, 400);
    let p = Base64UrlUnpadded::encode_string(other.public.as_bytes());
    assert!(!enrolled(&emu, &format!("/api/v0/user/enrolled/{id}/TRUSTED_DEVICE/{p}")));
}
