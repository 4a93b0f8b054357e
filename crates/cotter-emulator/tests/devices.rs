//! Users, trusted-device enrolment and status, and sign-in with a P-256 device signature.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use common::device::*;
use common::*;
use serde_json::json;

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
    assert_eq!(
        get(&emu, "/api/v0/user?identifier=nobody%40example.com").json()["ID"],
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(get(&emu, "/api/v0/user/unknown-id").status, 404);
    let dup = post_json(&emu, "/api/v0/user/create", &json!({"identifier": "user@example.com"}));
    assert_eq!(dup.status, 400);
    assert_eq!(dup.json()["msg"], "User already exists");
    // iOS-style creation with a client user ID; RN legacy `identifiers` list.
    let custom = post_json(
        &emu,
        "/api/v0/user/create",
        &json!({"client_user_id": "app-user-7", "identifier": "c@example.com"}),
    )
    .json();
    assert_eq!(custom["client_user_id"], "app-user-7");
    assert_eq!(get(&emu, "/api/v0/user/app-user-7").json()["ID"], custom["ID"]);
    let legacy = post_json(
        &emu,
        "/api/v0/user/create",
        &json!({"client_user_id": "x", "identifiers": ["l@example.com"]}),
    );
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
    let (_, claims) =
        verify_jwt(&emu, enrolled_user["oauth_token"]["access_token"].as_str().unwrap());
    assert!(claims.contains("\"authentication_method\":\"TRUSTED_DEVICE\""));

    // Status in each SDK's spelling of base64(public key string).
    let bytes = device.public.as_bytes();
    let flutter = Base64::encode_string(bytes); // raw +, /, = in the query
    let rn = flutter.replace('+', "-").replace('/', "_");
    let ios = Base64UrlUnpadded::encode_string(bytes);
    for spelling in [&flutter, &rn, &ios] {
        assert!(
            enrolled(
                &emu,
                &format!(
                    "/api/v0/user/methods?cotter_user_id={id}&method=TRUSTED_DEVICE&public_key={spelling}"
                )
            ),
            "{spelling}"
        );
        assert!(
            enrolled(&emu, &format!("/api/v0/user/enrolled/{id}/TRUSTED_DEVICE/{spelling}")),
            "{spelling}"
        );
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
    let public: [u8; 32] =
        Base64::decode_vec(&emu.identity_public_key()).unwrap().try_into().unwrap();
    let signature = ed25519_dalek::Signature::from_slice(
        &Base64::decode_vec(event["signature"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert!(
        ed25519_dalek::VerifyingKey::from_bytes(&public)
            .unwrap()
            .verify_strict(message.as_bytes(), &signature)
            .is_ok()
    );
    // Refreshing keeps TRUSTED_DEVICE.
    let refreshed = refresh(&emu, oauth["refresh_token"].as_str().unwrap());
    assert_eq!(refreshed.json()["auth_method"], "TRUSTED_DEVICE");

    // Replay of the same signature, stale and future timestamps, a wrong signature, an untrusted key.
    assert_eq!(approved_login(&emu, &id, &device, ts).status, 400, "replay");
    let stale = approved_login(&emu, &id, &device, now(&emu) - 301);
    assert_eq!(stale.status, 400);
    assert!(stale.json()["msg"].as_str().unwrap().contains("5 minutes"));
    assert_eq!(approved_login(&emu, &id, &device, now(&emu) + 301).status, 400);
    assert_eq!(
        approved_login(&emu, &id, &device, now(&emu) - 299).status,
        200,
        "inside the window"
    );
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
    let disabled = put(
        &emu,
        &format!("/api/v0/user/methods?cotter_user_id={id}"),
        &json!({"method": "TRUSTED_DEVICE", "enrolled": false, "code": device.public}),
    );
    assert_eq!(disabled.status, 200);
    assert!(disabled.json()["oauth_token"].is_null());
    assert!(!enrolled(&emu, &format!("/api/v0/user/enrolled/any/{id}/TRUSTED_DEVICE")));
    assert_eq!(approved_login(&emu, &id, &device, now(&emu)).status, 400);
    assert!(emu.stats().device >= 9);
    assert!(emu.stats().event >= 8);
}

#[test]
fn enrolment_rejects_bad_keys() {
    let emu = start();
    let id = create_user(&emu, "bad@example.com")["ID"].as_str().unwrap().to_owned();
    let target = format!("/api/v0/user/methods?cotter_user_id={id}");
    for (code, algorithm) in
        [("AAAA", "EC"), ("AAAA", "ED25519"), ("!!!", "EC"), ("AAAA", "RSA"), ("AAAA", "DSA")]
    {
        let resp = put(
            &emu,
            &target,
            &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": code, "algorithm": algorithm}),
        );
        assert_eq!(resp.status, 400, "{code} {algorithm}: {}", resp.text());
    }
    assert_eq!(
        put(
            &emu,
            "/api/v0/user/methods?cotter_user_id=nobody",
            &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": "AAAA"})
        )
        .status,
        404
    );
    assert_eq!(
        put(&emu, &target, &json!({"method": "PIN", "enrolled": true, "code": "AAAA"})).status,
        400
    );
}
