//! Device helpers: a P-256 device key in iOS's spelling, user creation, enrolment and signed sign-in.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset of these helpers"
)]

use super::{KEY, Resp, get, post_json, send};
use base64ct::{Base64, Encoding as _};
use ed25519_dalek::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};

/// A P-256 device key as iOS sends it: base64 SPKI DER wrapped at 64 columns with a trailing newline.
pub struct EcDevice {
    pub key: p256::ecdsa::SigningKey,
    pub public: String,
}

impl EcDevice {
    pub fn new(byte: u8) -> Self {
        let key = p256::ecdsa::SigningKey::from_slice(&[byte; 32]).unwrap();
        let der = key.verifying_key().to_public_key_der().unwrap();
        let text = Base64::encode_string(der.as_bytes());
        let wrapped: Vec<&str> =
            text.as_bytes().chunks(64).map(|c| core::str::from_utf8(c).unwrap()).collect();
        Self { key, public: format!("{}\n", wrapped.join("\n")) }
    }

    pub fn sign(&self, message: &str) -> String {
        let signature: p256::ecdsa::Signature = self.key.sign(message.as_bytes());
        Base64::encode_string(signature.to_der().as_bytes())
    }
}

pub fn now(emu: &cotter_emulator::Emulator) -> u64 {
    emu.now()
}

pub fn create_user(emu: &cotter_emulator::Emulator, identifier: &str) -> Value {
    let resp = post_json(emu, "/api/v0/user/create", &json!({"identifier": identifier}));
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

pub fn put(emu: &cotter_emulator::Emulator, target: &str, body: &Value) -> Resp {
    send(
        emu.local_addr(),
        "PUT",
        target,
        &[("API_KEY_ID", KEY)],
        Some(&serde_json::to_vec(body).unwrap()),
    )
}

pub fn enroll_ec(emu: &cotter_emulator::Emulator, user_id: &str, device: &EcDevice) -> Value {
    let resp = put(
        emu,
        &format!("/api/v0/user/methods?cotter_user_id={user_id}&oauth_token=true"),
        &json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": device.public, "device_type": "MOBILE", "device_name": "Test", "algorithm": "EC", "change_code": false, "current_code": null}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

pub fn approved_login(
    emu: &cotter_emulator::Emulator,
    user_id: &str,
    device: &EcDevice,
    timestamp: u64,
) -> Resp {
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

pub fn enrolled(emu: &cotter_emulator::Emulator, target: &str) -> bool {
    let resp = get(emu, target);
    assert_eq!(resp.status, 200, "{target}: {}", resp.text());
    let body = resp.json();
    assert_eq!(body["method"], "TRUSTED_DEVICE");
    body["enrolled"].as_bool().unwrap()
}
