//! The hand-written SPKI and DER encodings against `p256`'s own encoders and parsers.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use base64ct::{Base64, Encoding as _};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use std::format;

/// A deterministic "random" source: SHA-256 of a counter, for reproducible tests.
struct Counter(u64);

impl Entropy for Counter {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        for chunk in buf.chunks_mut(32) {
            self.0 += 1;
            let block = Sha256::digest(self.0.to_le_bytes());
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

/// Produces `bad` invalid scalars first (all-zero, then the group order), then valid bytes.
struct InvalidFirst {
    bad: usize,
    inner: Counter,
}

impl Entropy for InvalidFirst {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        if self.bad > 0 {
            self.bad -= 1;
            buf.fill(if self.bad.is_multiple_of(2) { 0 } else { 0xff });
            return Ok(());
        }
        self.inner.fill(buf)
    }
}

struct Broken;

impl Entropy for Broken {
    fn fill(&mut self, _: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError)
    }
}

fn b64(text: &str) -> Result<std::vec::Vec<u8>, base64ct::Error> {
    let mut buf = [0u8; 128];
    Base64::decode(text, &mut buf).map(<[u8]>::to_vec)
}

fn message() -> SignedMessage<'static> {
    SignedMessage::approved_event(
        "9e7a7a8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        "cotter-dev-api-key",
        "LOGIN_WITH_DEVICE",
        cotter_proto::UnixSeconds(1_598_129_092),
    )
}

fn message_bytes() -> std::vec::Vec<u8> {
    let mut out = std::vec::Vec::new();
    message().for_each_chunk(|c| out.extend_from_slice(c));
    out
}

#[test]
fn spki_equals_p256_encoder_for_many_keys() {
    let mut rng = Counter(0);
    for _ in 0..100 {
        let key = DeviceKey::generate(&mut rng).unwrap();
        let public = key.public_key();
        let expected = key.key.verifying_key().to_public_key_der().unwrap();
        assert_eq!(public.spki_der().as_slice(), expected.as_bytes());
        assert_eq!(public.as_str().len(), PUBLIC_KEY_TEXT_LEN);
        let decoded = b64(public.as_str()).unwrap();
        let parsed = VerifyingKey::from_public_key_der(&decoded).unwrap();
        assert_eq!(&parsed, key.key.verifying_key());
    }
}

#[test]
fn signatures_are_der_that_p256_parses_and_verifies() {
    let mut rng = Counter(1000);
    let msg = message_bytes();
    let mut lengths = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let key = DeviceKey::generate(&mut rng).unwrap();
        let text = key.sign(&message(), &mut rng).unwrap();
        let der = b64(&text).unwrap();
        let parsed = DerSignature::from_bytes(&der).unwrap();
        // Byte for byte what p256's DER encoder writes for the same (r, s).
        let fixed = Signature::from_der(&der).unwrap();
        assert_eq!(fixed.to_der().as_bytes(), der.as_slice());
        key.key.verifying_key().verify(&msg, &parsed).unwrap();
        assert!(key.key.verifying_key().verify(b"other message", &parsed).is_err());
        lengths.insert(der.len());
    }
    // Neither, one and both integers 0x00-padded (high bit set) were exercised.
    assert!([70, 71, 72].iter().all(|n| lengths.contains(n)), "{lengths:?}");
}

#[test]
fn der_integer_edge_cases() {
    let mut out = [0u8; 40];
    let mut value = [0u8; 32];
    value[31] = 1;
    let n = der_integer(&value, &mut out);
    assert_eq!(&out[..n], &[0x02, 0x01, 0x01]);
    value[31] = 0x80;
    let n = der_integer(&value, &mut out);
    assert_eq!(&out[..n], &[0x02, 0x02, 0x00, 0x80]);
    let high = [0xffu8; 32];
    let n = der_integer(&high, &mut out);
    assert_eq!((n, out[1], out[2], out[3]), (35, 33, 0x00, 0xff));
    let mut leading = [0u8; 32];
    leading[2] = 0x7f;
    let n = der_integer(&leading, &mut out);
    assert_eq!((n, out[1], out[2]), (32, 30, 0x7f));
}

#[test]
fn hedged_signatures_differ_and_both_verify() {
    let mut rng = Counter(7);
    let key = DeviceKey::generate(&mut rng).unwrap();
    let a = key.sign(&message(), &mut rng).unwrap();
    let b = key.sign(&message(), &mut rng).unwrap();
    assert_ne!(a, b, "two signatures of one message differ (no false replay)");
    for text in [a, b] {
        let der = b64(&text).unwrap();
        let sig = DerSignature::from_bytes(&der).unwrap();
        key.key.verifying_key().verify(&message_bytes(), &sig).unwrap();
    }
}

#[test]
fn secret_round_trips_and_invalid_scalars_are_redrawn() {
    let key = DeviceKey::generate(&mut Counter(42)).unwrap();
    let again = DeviceKey::from_secret(&key.to_secret()).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    assert!(DeviceKey::from_secret(&[0; 32]).is_none());
    assert!(DeviceKey::from_secret(&[0xff; 32]).is_none());

    let redrawn = DeviceKey::generate(&mut InvalidFirst { bad: 2, inner: Counter(42) }).unwrap();
    assert_eq!(redrawn.public_key(), key.public_key(), "the first valid draw is used");
    assert_eq!(
        DeviceKey::generate(&mut InvalidFirst { bad: KEYGEN_ATTEMPTS, inner: Counter(0) })
            .unwrap_err(),
        RandomError
    );
    assert_eq!(DeviceKey::generate(&mut Broken).unwrap_err(), RandomError);
    assert_eq!(key.sign(&message(), &mut Broken).unwrap_err(), RandomError);
}

#[test]
fn debug_never_shows_the_secret() {
    let key = DeviceKey::generate(&mut Counter(9)).unwrap();
    let secret = key.to_secret();
    let shown = format!("{key:?}");
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains(key.public_key().as_str()));
    let hex: std::string::String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!shown.to_lowercase().contains(&hex));
    assert!(!shown.contains(&format!("{:?}", &secret[..])));
    let mut buf = [0u8; 64];
    assert!(!shown.contains(Base64::encode(&secret[..], &mut buf).unwrap()));
}
