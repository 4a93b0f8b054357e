//! Users, trusted-device enrolment and status, sign-in with a device signature (P-256 and Ed25519), pending
//! requests with polling and responses, and QR enrolment of a new device.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use common::*;
use ed25519_dalek::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};

/// A P-256 device key as iOS sends it: base64 SPKI DER wrapped at 64 columns with a trailing newline.
struct EcDevice {
    key: p256::ecdsa::SigningKey,
    public: String,
}

impl EcDevice {
    fn new(byte: u8) -> Self {
        let key = p256::ecdsa::SigningKey::from_slice(&[byte; 32]).unwrap();
        let der = key.verifying_key().to_public_key_der().unwrap();
        let text = Base64::encode_string(der.as_bytes());
        let wrapped: Vec<&str> = text.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        Self { key, public: format!("{}\n", wrapped.join("\n")) }
    }

    fn sign(&self, message: &str) -> String {
        let signature: p256::ecdsa::Signature = self.key.sign(message.as_bytes());
        Base64::encode_string(signature.to_der().as_bytes())
    }
}

fn now(emu: &cotter_emulator::Emulator) -> u64 {
    emu.now()
}

fn create_user(emu: &cotter_emulator::Emulator, identifier: &str) -> Value {
    let resp = post_json(emu, "/api/v0/user/create", &json!({"identifier": identifier}));
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

fn put(emu: &cotter_emulator::Emulator, target: &str, body: &Value) -> Resp {
    send(emu.local_addr(), "PUT", target, &[("API_KEY_ID", KEY)], Some(&serde_json::to_vec(body).unwrap()))
}

fn enroll_ec(emu: &cotter_emulator::Emulator, user_id: &str, device: &EcDevice) -> Value {
    let resp = put(
        emu,
        &format!("/api/v0/user/methods?cotter_user_id={user_id}&oauth_token=true"),
        &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": device.public, "device_type": "MOBILE", "device_name": "Test", "algorithm": "EC", "change_code": false, "current_code": null}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

fn approved_login(emu: &cotter_emulator::Emulator, user_id: &str, device: &EcDevice, timestamp: u64) -> Resp {
    let event = "LOGIN_WITH_DEVICE";
    let message = format!("{user_id}{KEY}{event}{timestamp}TRUSTED_DEVICEtrue");
    post_json(
        emu,
        "/api/v0/event/create?oauth_token=true",
        &json!({"issuer": KEY, "event": event, "ip": "unknown", "location": "unknown", "timestamp": timestamp.to_string(),
                "method": "TRUSTED_DEVICE", "code": device.sign(&message), "approved": true, "public_key": device.public,
                "algorithm": "EC", "user_id": user_id}),
    )
}

fn enrolled(emu: &cotter_emulator::Emulator, target: &str) -> bool {
    let resp = get(emu, target);
    assert_eq!(resp.status, 200, "{target}: {}", resp.text());
    let body = resp.json();
    assert_eq!(body["method"], "TRUSTED_DEVICE");
    body["enrolled"].as_bool().unwrap()
}

#[test]
fn users_create_and_lookup() {
    let emu = start();
    let user = create_user(&emu, "user@example.com");
    let id = user["ID"].as_str().unwrap();
    assert_eq!(user["client_user_id"], id);
    assert_eq!(user["issuer"], KEY);
    assert_eq!(user["enrolled"], json!([]));
    assert!(user["default_method"].is_null());
    assert_eq!(get(&emu, "/api/v0/user?identifier=user%40example.com").json()["ID"], id);
    assert_eq!(get(&emu, &format!("/api/v0/user/{id}")).json()["identifier"], "user@example.com");
    assert_eq!(get(&emu, "/api/v0/user?identifier=nobody%40example.com").json()["ID"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(get(&emu, "/api/v0/user/unknown-id").status, 404);
    let dup = post_json(&emu, "/api/v0/user/create", &json!({"identifier": "user@example.com"}));
    assert_eq!(dup.status, 400);
    assert_eq!(dup.json()["msg"], "User already exists");
    // iOS-style creation with a client user ID; RN legacy `identifiers` list.
    let custom = post_json(&emu, "/api/v0/user/create", &json!({"client_user_id": "app-user-7", "identifier": "c@example.com"})).json();
    assert_eq!(custom["client_user_id"], "app-user-7");
    assert_eq!(get(&emu, "/api/v0/user/app-user-7").json()["ID"], custom["ID"]);
    let legacy = post_json(&emu, "/api/v0/user/create", &json!({"client_user_id": "x", "identifiers": ["l@example.com"]}));
    assert_eq!(legacy.json()["identifier"], "l@example.com");
    assert_eq!(post_json(&emu, "/api/v0/user/create", &json!({})).status, 400);
    // The user's own login lands on the same user.
    let identity = sign_in(&emu, "user@example.com");
    assert_eq!(identity["user"]["ID"], id);
}

#[test]
fn p256_device_enrolment_status_and_sign_in() {
    let emu = start();
    let id = create_user(&emu, "dev@example.com")["ID"].as_str().unwrap().to_owned();
    let device = EcDevice::new(11);
    let enrolled_user = enroll_ec(&emu, &id, &device);
    assert_eq!(enrolled_user["ID"], id.as_str());
    assert_eq!(enrolled_user["enrolled"], json!(["TRUSTED_DEVICE"]));
    assert_eq!(enrolled_user["default_method"], "TRUSTED_DEVICE");
    let (_, claims) = verify_jwt(&emu, enrolled_user["oauth_token"]["access_token"].as_str().unwrap());
    assert!(claims.contains("\"authentication_method\":\"TRUSTED_DEVICE\""));

    // Status in each SDK's spelling of base64(public key string).
    let bytes = device.public.as_bytes();
    let flutter = Base64::encode_string(bytes); // raw +, /, = in the query
    let rn = flutter.replace('+', "-").replace('/', "_");
    let ios = Base64UrlUnpadded::encode_string(bytes);
    for spelling in [&flutter, &rn, &ios] {
        assert!(enrolled(&emu, &format!("/api/v0/user/methods?cotter_user_id={id}&method=TRUSTED_DEVICE&public_key={spelling}")), "{spelling}");
        assert!(enrolled(&emu, &format!("/api/v0/user/enrolled/{id}/TRUSTED_DEVICE/{spelling}")), "{spelling}");
    }
    assert!(enrolled(&emu, &format!("/api/v0/user/enrolled/any/{id}/TRUSTED_DEVICE")));
    let other = EcDevice::new(12);
    let other_p = Base64UrlUnpadded::encode_string(other.public.as_bytes());
    assert!(!enrolled(&emu, &format!("/api/v0/user/enrolled/{id}/TRUSTED_DEVICE/{other_p}")));

    // Sign in with the device.
    let ts = now(&emu);
    let resp = approved_login(&emu, &id, &device, ts);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let event = resp.json();
    assert_eq!(event["approved"], true);
    assert_eq!(event["new"], false);
    assert_eq!(event["method"], "TRUSTED_DEVICE");
    assert_eq!(event["timestamp"], ts.to_string());
    assert!(event["ID"].is_u64());
    let oauth = &event["oauth_token"];
    assert_eq!(oauth["auth_method"], "TRUSTED_DEVICE");
    let (_, claims) = verify_jwt(&emu, oauth["access_token"].as_str().unwrap());
    assert!(claims.contains("\"authentication_method\":\"TRUSTED_DEVICE\""));
    // The event signature (Ed25519 over client_user_id+issuer+event+timestamp+method+new+approved).
    let message = format!("{id}{KEY}LOGIN_WITH_DEVICE{ts}TRUSTED_DEVICEfalsetrue");
    let public: [u8; 32] = Base64::decode_vec(&emu.identity_public_key()).unwrap().try_into().unwrap();
    let signature = ed25519_dalek::Signature::from_slice(&Base64::decode_vec(event["signature"].as_str().unwrap()).unwrap()).unwrap();
    assert!(ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap().verify_strict(message.as_bytes(), &signature).is_ok());
    // Refreshing keeps TRUSTED_DEVICE.
    let refreshed = refresh(&emu, oauth["refresh_token"].as_str().unwrap());
    assert_eq!(refreshed.json()["auth_method"], "TRUSTED_DEVICE");

    // Replay of the same signature, stale and future timestamps, a wrong signature, an untrusted key.
    assert_eq!(approved_login(&emu, &id, &device, ts).status, 400, "replay");
    let stale = approved_login(&emu, &id, &device, now(&emu) - 301);
    assert_eq!(stale.status, 400);
    assert!(stale.json()["msg"].as_str().unwrap().contains("5 minutes"));
    assert_eq!(approved_login(&emu, &id, &device, now(&emu) + 301).status, 400);
    assert_eq!(approved_login(&emu, &id, &device, now(&emu) - 299).status, 200, "inside the window");
    let untrusted = approved_login(&emu, &id, &other, now(&emu));
    assert_eq!(untrusted.status, 400);
    assert_eq!(untrusted.json()["type"], "untrusted_device");
    let ts = now(&emu);
    let forged = post_json(
        &emu,
        "/api/v0/event/create",
        &json!({"issuer": KEY, "event": "LOGIN", "timestamp": ts.to_string(), "method": "TRUSTED_DEVICE",
                "code": device.sign("something else"), "approved": true, "public_key": device.public, "algorithm": "EC", "client_user_id": id}),
    );
    assert_eq!(forged.status, 400);
    assert_eq!(forged.json()["type"], "invalid_signature");

    // Disable the device: status false, sign-in refused.
    let disabled = put(&emu, &format!("/api/v0/user/methods?cotter_user_id={id}"), &json!({"method": "TRUSTED_DEVICE", "enrolled": false, "code": device.public}));
    assert_eq!(disabled.status, 200);
    assert!(disabled.json()["oauth_token"].is_null());
    assert!(!enrolled(&emu, &format!("/api/v0/user/enrolled/any/{id}/TRUSTED_DEVICE")));
    assert_eq!(approved_login(&emu, &id, &device, now(&emu)).status, 400);
    assert!(emu.stats().device >= 9);
    assert!(emu.stats().event >= 8);
}

#[test]
fn ed25519_device_via_legacy_path_and_pending_requests() {
    let emu = start();
    let id = create_user(&emu, "ed@example.com")["ID"].as_str().unwrap().to_owned();
    let device = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let public = Base64::encode_string(device.verifying_key().as_bytes());
    let resp = put(&emu, &format!("/api/v0/user/{id}"), &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": public, "algorithm": "ED25519"}));
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
    assert_eq!((pending["new"].as_bool(), pending["approved"].as_bool()), (Some(true), Some(false)));
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
    assert_eq!(respond(sign(&message), true, "1").status, 400, "must carry the pending event's timestamp");
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
    let foreign = post_json(&emu, "/api/v0/event/create_pending", &json!({"issuer": "other", "event": "LOGIN", "timestamp": ts, "method": "TRUSTED_DEVICE", "user_id": id}));
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
    let message = format!("{id}{KEY}ENROLL_NEW_TRUSTED_DEVICE{ts}TRUSTED_DEVICEtrue{}", new_device.public);
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

#[test]
fn enrolment_rejects_bad_keys() {
    let emu = start();
    let id = create_user(&emu, "bad@example.com")["ID"].as_str().unwrap().to_owned();
    let target = format!("/api/v0/user/methods?cotter_user_id={id}");
    for (code, algorithm) in [("AAAA", "EC"), ("AAAA", "ED25519"), ("!!!", "EC"), ("AAAA", "RSA"), ("AAAA", "DSA")] {
        let resp = put(&emu, &target, &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": code, "algorithm": algorithm}));
        assert_eq!(resp.status, 400, "{code} {algorithm}: {}", resp.text());
    }
    assert_eq!(put(&emu, "/api/v0/user/methods?cotter_user_id=nobody", &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": "AAAA"})).status, 404);
    assert_eq!(put(&emu, &target, &json!({"method": "PIN", "enrolled": true, "code": "AAAA"})).status, 400);
}
