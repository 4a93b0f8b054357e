//! The release gate of the `prepared` verifier: every Wycheproof P-256 vector, a differential
//! test against p256 on random and edge cases (`COTTER_DIFF_CASES`, default 2 000), a property
//! test on arbitrary input, and the token path.
#![cfg(feature = "prepared")]

mod common;
#[path = "prepared/diff.rs"]
mod diff;

use common::{data, sign_json};
use cotter_jwt::{
    Error, Es256Key, JwkKey, LargeGeneratorTable, LargeTableKey, SmallGeneratorTable,
    SmallTableKey, UntrustedToken, Validation, Verifier,
};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

/// The generator tables, built once per test binary (by value: the test threads' 2 MiB stacks
/// hold the 256 KiB server table).
pub(crate) fn server_g() -> &'static LargeGeneratorTable {
    static G: OnceLock<Box<LargeGeneratorTable>> = OnceLock::new();
    G.get_or_init(|| Box::new(LargeGeneratorTable::new()))
}

pub(crate) fn mcu_g() -> &'static SmallGeneratorTable {
    static G: OnceLock<SmallGeneratorTable> = OnceLock::new();
    G.get_or_init(SmallGeneratorTable::new)
}

/// Both profiles of one key.
pub(crate) struct Prepared {
    pub(crate) server: Box<LargeTableKey<'static>>,
    pub(crate) mcu: Box<SmallTableKey<'static>>,
}

impl Prepared {
    pub(crate) fn new(key: &Es256Key) -> Self {
        Self {
            server: Box::new(LargeTableKey::new(server_g(), key)),
            mcu: Box::new(SmallTableKey::new(mcu_g(), key)),
        }
    }
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Wycheproof `ecdsa_secp256r1_sha256_p1363_test.json` (all 262 cases, including the 9 groups
/// without `publicKeyJwk`: keys come from the SEC1 `uncompressed` member every group has):
/// both profiles give `Es256Key::verify`'s verdict, which is Wycheproof's.
#[test]
fn wycheproof_same_verdicts_as_es256key() {
    let doc: Value =
        serde_json::from_str(&data("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json"))
            .expect("json");
    let (mut agree, mut total, mut failures) = (0, 0, Vec::new());
    for group in doc["testGroups"].as_array().expect("groups") {
        let sec1 = hex(group["publicKey"]["uncompressed"].as_str().expect("sec1"));
        let key = Es256Key::from_sec1_bytes(&sec1).expect("sec1 key");
        let prepared = Prepared::new(&key);
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().expect("id");
            let msg = hex(case["msg"].as_str().expect("msg"));
            let sig = hex(case["sig"].as_str().expect("sig"));
            let expected = case["result"].as_str().expect("result") == "valid";
            let reference = key.verify(&msg, &sig).is_ok();
            let server = prepared.server.verify(&msg, &sig).is_ok();
            let mcu = prepared.mcu.verify(&msg, &sig).is_ok();
            total += 1;
            if reference == expected && server == reference && mcu == reference {
                agree += 1;
            } else {
                failures.push(format!(
                    "tc {id} ({}): expected {expected}, Es256Key {reference}, server {server}, mcu {mcu}",
                    case["comment"]
                ));
            }
        }
    }
    println!("wycheproof: {agree}/{total} cases agree (Es256Key, server and MCU profiles)");
    assert_eq!(total, 262);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Random keys, messages and signatures, and edge cases: see `prepared/diff.rs`.
#[test]
fn differential_against_p256() {
    let cases = std::env::var("COTTER_DIFF_CASES")
        .ok()
        .map_or(2_000, |v| v.parse().expect("COTTER_DIFF_CASES is a number"));
    let report = diff::run(cases, 0x5eed_c077_e5a5_1234);
    println!("{report}");
    assert!(report.disagreements.is_empty(), "{report}\n{:#?}", report.disagreements);
}

/// A fixed key for the token and property tests.
fn fixed() -> &'static (p256::ecdsa::SigningKey, Es256Key, Prepared) {
    static KEY: OnceLock<(p256::ecdsa::SigningKey, Es256Key, Prepared)> = OnceLock::new();
    KEY.get_or_init(|| {
        let sk = common::signing_key(7);
        let key = common::public_key(&sk, Some(common::KID));
        let prepared = Prepared::new(&key);
        (sk, key, prepared)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary message and signature bytes (any length): the three verdicts agree.
    #[test]
    fn arbitrary_input_same_verdict(msg in proptest::collection::vec(any::<u8>(), 0..128),
                                    sig in proptest::collection::vec(any::<u8>(), 0..80)) {
        let (_, key, prepared) = fixed();
        let reference = key.verify(&msg, &sig);
        prop_assert_eq!(prepared.server.verify(&msg, &sig), reference);
        prop_assert_eq!(prepared.mcu.verify(&msg, &sig), reference);
    }

    /// A real signature over an arbitrary message, then one arbitrary byte XOR-ed anywhere in
    /// the signature or the message (or nothing changed): the verdicts agree.
    #[test]
    fn signed_then_tampered_same_verdict(msg in proptest::collection::vec(any::<u8>(), 0..128),
                                         at in any::<prop::sample::Index>(), xor in any::<u8>()) {
        use p256::ecdsa::signature::Signer;
        let (sk, key, prepared) = fixed();
        let sig: p256::ecdsa::Signature = sk.sign(&msg);
        let (mut msg, mut sig) = (msg, sig.to_bytes().to_vec());
        let i = at.index(sig.len() + msg.len());
        if i < sig.len() { sig[i] ^= xor } else { msg[i - sig.len()] ^= xor }
        let reference = key.verify(&msg, &sig);
        prop_assert_eq!(reference.is_ok(), xor == 0);
        prop_assert_eq!(prepared.server.verify(&msg, &sig), reference);
        prop_assert_eq!(prepared.mcu.verify(&msg, &sig), reference);
    }
}

#[test]
fn tokens_verify_through_prepared_keys() {
    let (sk, key, prepared) = fixed();
    let token = sign_json(sk, common::HEADER, &common::payload());
    let validation = Validation::cotter(common::AUD, common::NOW);
    let mut buf = [0u8; 1024];
    let expected =
        key.verify_token(&token, &validation, &mut buf).expect("reference").claims().exp();
    let t = prepared.server.verify_token(&token, &validation, &mut buf).expect("server");
    assert_eq!(t.claims().exp(), expected);
    let t = prepared.mcu.verify_token(&token, &validation, &mut buf).expect("mcu");
    assert!(t.claims().sub().expect("sub").eq_str("u1"));
    let untrusted = UntrustedToken::parse(&token, &mut buf).expect("parse");
    assert!(untrusted.verify_with(&*prepared.server, &validation).is_ok());

    // A tampered signature, a wrong kid, a failing claim: the same errors as Es256Key.
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for t in [&tampered, &sign_json(sk, r#"{"alg":"ES256","kid":"other"}"#, &common::payload())] {
        let want = key.verify_token(t, &validation, &mut buf).map(|_| ()).unwrap_err();
        assert_eq!(prepared.server.verify_token(t, &validation, &mut buf).map(|_| ()), Err(want));
        assert_eq!(prepared.mcu.verify_token(t, &validation, &mut buf).map(|_| ()), Err(want));
    }
    let late = validation.at(common::NOW + 7200);
    assert_eq!(
        prepared.server.verify_token(&token, &late, &mut buf).map(|_| ()),
        Err(Error::Expired)
    );
}

#[test]
fn verify_prehash_matches_verify() {
    use p256::ecdsa::signature::Signer;
    use sha2::Digest;
    let (sk, _, prepared) = fixed();
    let msg = b"header.payload";
    let sig: p256::ecdsa::Signature = sk.sign(msg);
    let digest: [u8; 32] = sha2::Sha256::digest(msg).into();
    assert!(prepared.server.verify_prehash(&digest, &sig.to_bytes()).is_ok());
    assert!(prepared.mcu.verify_prehash(&digest, &sig.to_bytes()).is_ok());
    let mut other = digest;
    other[31] ^= 1;
    assert_eq!(
        prepared.server.verify_prehash(&other, &sig.to_bytes()),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn set_key_replaces_the_table() {
    use p256::ecdsa::signature::Signer;
    let (sk1, key1, _) = fixed();
    let sk2 = common::signing_key(42);
    let key2 = common::public_key(&sk2, None);
    let mut prepared = SmallTableKey::new(mcu_g(), key1);
    let sig1: p256::ecdsa::Signature = sk1.sign(b"m");
    let sig2: p256::ecdsa::Signature = sk2.sign(b"m");
    assert!(prepared.verify(b"m", &sig1.to_bytes()).is_ok());
    prepared.set_key(&key2);
    assert_eq!(prepared.kid(), None);
    assert!(prepared.verify(b"m", &sig2.to_bytes()).is_ok());
    assert_eq!(prepared.verify(b"m", &sig1.to_bytes()), Err(Error::InvalidSignature));
    assert!(format!("{prepared:?}").starts_with("PreparedKey"));
}

#[test]
fn table_sizes() {
    assert_eq!(LargeGeneratorTable::BYTES, 4096 * 64);
    assert_eq!(LargeTableKey::TABLE_BYTES, 4096 * 64);
    assert_eq!(SmallGeneratorTable::BYTES, 128 * 64);
    assert_eq!(SmallTableKey::TABLE_BYTES, 128 * 64);
}

#[cfg(feature = "std")]
#[test]
fn shared_generator_tables() {
    let (_, key, prepared) = fixed();
    assert!(core::ptr::eq(LargeGeneratorTable::shared(), LargeGeneratorTable::shared()));
    let from_shared = LargeTableKey::new_boxed(LargeGeneratorTable::shared(), key);
    let mcu = SmallTableKey::new_boxed(SmallGeneratorTable::shared(), key);
    let (sk, _, _) = fixed();
    let token = sign_json(sk, common::HEADER, &common::payload());
    let validation = Validation::cotter(common::AUD, common::NOW);
    let mut buf = [0u8; 1024];
    assert!(from_shared.verify_token(&token, &validation, &mut buf).is_ok());
    assert!(mcu.verify_token(&token, &validation, &mut buf).is_ok());
    assert!(prepared.server.verify_token(&token, &validation, &mut buf).is_ok());
}

/// One key-set type for every back end: a `Jwks` of boxed prepared keys, read from a JWKS as a
/// `Jwks` of `Es256Key`s is, holds the same keys (`kid` and point) and gives the same verdicts.
#[cfg(feature = "std")]
#[test]
fn jwks_of_prepared_keys_from_json() {
    use cotter_jwt::Jwks;
    let json = data("cotter-real/jwks.json");
    let token = data("cotter-real/access_token.jwt");
    let token = token.trim();
    let validation = Validation::cotter("19024767-a0b2-4221-8faa-ef116dc853d0", 1_598_130_000);
    let plain = Jwks::<4>::from_json(&json).expect("jwks");
    let large = Jwks::<4, Box<LargeTableKey<'static>>>::from_json(&json).expect("large");
    let small = Jwks::<4, Box<SmallTableKey<'static>>>::from_json(&json).expect("small");
    assert_eq!((plain.len(), large.len(), small.len()), (1, 1, 1));
    let key = &plain.keys()[0];
    assert_eq!(
        (key.kid(), key.coordinates()),
        (large.keys()[0].kid(), large.keys()[0].coordinates())
    );
    assert_eq!(
        (key.kid(), key.coordinates()),
        (small.keys()[0].kid(), small.keys()[0].coordinates())
    );
    let (mut a, mut b, mut c) = ([0u8; 1024], [0u8; 1024], [0u8; 1024]);
    let want = plain.verify(token, &validation, &mut a).expect("plain");
    assert_eq!(large.verify(token, &validation, &mut b).expect("large"), want);
    assert_eq!(small.verify(token, &validation, &mut c).expect("small"), want);
    let late = validation.at(1_598_140_000);
    assert_eq!(large.verify(token, &late, &mut b).map(|_| ()), Err(Error::Expired));

    // The JWK rules are the same: a point off the curve is skipped with the same reason.
    let off_curve = json.replace("bXRtPK48VAjPb0w6sl0er0gRifOvvtlovMDZC51Lob0", &"A".repeat(43));
    let skipped = Jwks::<4, Box<SmallTableKey<'static>>>::from_json(&off_curve).expect("jwks");
    let reference = Jwks::<4>::from_json(&off_curve).expect("jwks");
    assert!(skipped.is_empty());
    assert_eq!(skipped.skipped(), reference.skipped());
    let sec1 = [&[4u8][..], &[0u8; 64]].concat();
    assert_eq!(
        <Box<SmallTableKey<'static>>>::from_sec1_bytes(&sec1).map(|_| ()),
        Es256Key::from_sec1_bytes(&sec1).map(|_| ())
    );
}
