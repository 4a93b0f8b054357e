//! Helpers shared by the integration tests: paths to the repository's test data and a
//! signer for crafted tokens.
#![allow(dead_code, reason = "each test file uses a different subset")]

use base64ct::{Base64UrlUnpadded, Encoding};
use cotter_jwt::{Es256Key, JwkKey, Jwks};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use std::path::PathBuf;

pub(crate) fn data(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data").join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// A fixed test signing key (scalar 0x01…20).
pub(crate) fn signing_key(seed: u8) -> SigningKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_add(i as u8) | 1;
    }
    SigningKey::from_slice(&bytes).expect("valid scalar")
}

pub(crate) fn public_key(sk: &SigningKey, kid: Option<&str>) -> Es256Key {
    let key = Es256Key::from_verifying_key(*sk.verifying_key());
    match kid {
        Some(kid) => key.with_kid(kid).expect("kid fits"),
        None => key,
    }
}

pub(crate) fn jwks_of(keys: &[Es256Key]) -> Jwks<4> {
    let mut set = Jwks::new();
    for k in keys {
        set.push(k.clone()).expect("capacity");
    }
    set
}

/// Signs `header.payload` (both raw JSON) and returns the compact token.
pub(crate) fn sign_json(sk: &SigningKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig: Signature = sk.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

pub(crate) const KID: &str = "test-key-1";
pub(crate) const HEADER: &str = r#"{"alg":"ES256","kid":"test-key-1","typ":"JWT"}"#;
pub(crate) const AUD: &str = "api-key-1";
pub(crate) const ISS: &str = "https://www.cotter.app";
pub(crate) const NOW: u64 = 1_700_000_000;

/// A Cotter-like access token payload valid at [`NOW`].
pub(crate) fn payload() -> String {
    format!(
        r#"{{"client_user_id":"u1","authentication_method":"OTP","type":"client_access_token","scope":"access","aud":"{AUD}","exp":{},"jti":"j1","iat":{},"iss":"{ISS}","sub":"u1"}}"#,
        NOW + 3600,
        NOW
    )
}
