//! `es256_compact`: cotter-jwt's `CompactKey` (its own P-256 arithmetic, feature `compact`)
//! against p256's own parser and verifier, on keys, messages and
//! signatures the fuzzer picks. Any disagreement is a crash.
//!
//! The first byte picks the case:
//! - 0: the rest as SEC1 key bytes: both accept or both refuse, and agree on the point;
//! - 1: a valid signature of the rest by one of four fixed keys, with fuzzer-chosen bytes
//!   XORed into it (none: the valid signature itself);
//! - 2: 64 fuzzer-chosen signature bytes over the rest, under a fixed key;
//! - 3: a fuzzer-chosen scalar as private key (the key itself then comes from p256), signing
//!   the rest, with a fuzzer-chosen high-S flip.

use crate::Bytes;
use cotter_jwt::{CompactKey, JwkKey, Verifier as _};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

fn signing_key(seed: u8) -> SigningKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(i as u8) | 1;
    }
    SigningKey::from_slice(&bytes).expect("a valid fixed scalar")
}

/// Both verdicts on one case; panics when they differ.
fn same_verdict(vk: &VerifyingKey, msg: &[u8], sig: &[u8]) {
    let reference = Signature::from_slice(sig).is_ok_and(|s| vk.verify(msg, &s).is_ok());
    let ours = CompactKey::from_verifying_key(*vk).verify(msg, sig).is_ok();
    assert_eq!(
        ours,
        reference,
        "key {:02x?} msg {msg:02x?} sig {sig:02x?}",
        vk.to_sec1_point(false)
    );
}

/// The target.
pub fn run(data: &[u8]) {
    let mut input = Bytes::new(data);
    match input.byte() % 4 {
        0 => {
            let bytes = input.rest();
            let ours = CompactKey::from_sec1_bytes(bytes);
            // p256 also reads the identity and `05 || x`; cotter-jwt refuses them by contract.
            let reference = match bytes.first() {
                Some(0x02..=0x04) => VerifyingKey::from_sec1_bytes(bytes).ok(),
                _ => None,
            };
            match (ours, reference) {
                (Ok(key), Some(vk)) => assert_eq!(key, CompactKey::from_verifying_key(vk)),
                (Err(_), None) => {}
                (ours, reference) => panic!("{bytes:02x?}: ours {ours:?}, p256 {reference:?}"),
            }
        }
        1 => {
            let sk = signing_key(input.byte() % 4);
            let mask: [u8; 8] = core::array::from_fn(|_| input.byte());
            let at = usize::from(input.byte() % 57);
            let msg = input.rest();
            let sig: Signature = sk.sign(msg);
            let mut sig: [u8; 64] = sig.to_bytes().into();
            for (s, m) in sig[at..at + 8].iter_mut().zip(mask) {
                *s ^= m;
            }
            same_verdict(sk.verifying_key(), msg, &sig);
        }
        2 => {
            let sig: [u8; 64] = core::array::from_fn(|_| input.byte());
            same_verdict(signing_key(0).verifying_key(), input.rest(), &sig);
        }
        _ => {
            let scalar: [u8; 32] = core::array::from_fn(|_| input.byte());
            let high_s = input.byte() & 1 == 1;
            let Ok(sk) = SigningKey::from_slice(&scalar) else { return };
            let msg = input.rest();
            let sig: Signature = sk.sign(msg);
            let (r, s) = sig.split_scalars();
            let s = if high_s { -*s } else { *s };
            let mut bytes = [0u8; 64];
            bytes[..32].copy_from_slice(&r.to_bytes());
            bytes[32..].copy_from_slice(&s.to_bytes());
            same_verdict(sk.verifying_key(), msg, &bytes);
        }
    }
}
