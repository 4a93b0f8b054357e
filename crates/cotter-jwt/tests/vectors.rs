//! Published vectors: all Wycheproof ECDSA P-256/SHA-256 P1363 cases through the crate's own
//! JWK parser and raw signature check, the real Cotter token, and RFC 7515 A.3.

mod common;

use base64ct::Encoding as _;

use common::data;
#[cfg(feature = "compact")]
use cotter_jwt::CompactKey;
use cotter_jwt::{Error, Es256Key, JwkError, JwkKey, Jwks, Validation, Verifier};
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Wycheproof `ecdsa_secp256r1_sha256_p1363_test.json`: every `valid` case verifies, every
/// `invalid` case fails. The file has no `acceptable` cases; were one added, the test would
/// record our verdict without failing (Wycheproof leaves those to the implementation) — and
/// prints the counts.
#[test]
fn wycheproof_p256_sha256_p1363() {
    wycheproof(Es256Key::from_jwk, Es256Key::from_sec1_bytes);
}

/// The same vectors through [`CompactKey`], the compact arithmetic.
#[cfg(feature = "compact")]
#[test]
fn wycheproof_p256_sha256_p1363_compact() {
    wycheproof(CompactKey::from_jwk, CompactKey::from_sec1_bytes);
}

fn wycheproof<K: JwkKey>(
    from_jwk: fn(&str) -> Result<K, JwkError>,
    from_sec1_bytes: fn(&[u8]) -> Result<K, JwkError>,
) {
    let doc: Value =
        serde_json::from_str(&data("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json"))
            .expect("json");
    let (mut valid, mut invalid, mut acceptable, mut failures) = (0, 0, 0, Vec::new());
    for group in doc["testGroups"].as_array().expect("groups") {
        // 9 groups (davidben's r/s edge cases) carry no `publicKeyJwk`: build the same JWK
        // from their `wx`/`wy`, so every case still goes through the crate's JWK parser.
        let jwk = match group.get("publicKeyJwk") {
            Some(jwk) => serde_json::to_string(jwk).expect("jwk"),
            None => jwk_from_coordinates(&group["publicKey"]),
        };
        let key = from_jwk(&jwk).expect("every Wycheproof group key parses as a JWK");
        // The same key from SEC1 bytes must agree.
        let sec1 = hex(group["publicKey"]["uncompressed"].as_str().expect("sec1"));
        let from_sec1 = from_sec1_bytes(&sec1).expect("sec1");
        assert_eq!(from_sec1.coordinates(), key.coordinates());
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().expect("id");
            let msg = hex(case["msg"].as_str().expect("msg"));
            let sig = hex(case["sig"].as_str().expect("sig"));
            let ok = key.verify(&msg, &sig).is_ok();
            match case["result"].as_str().expect("result") {
                "valid" => {
                    valid += 1;
                    if !ok {
                        failures.push(format!("tc {id} valid but rejected"));
                    }
                }
                "invalid" => {
                    invalid += 1;
                    if ok {
                        failures.push(format!("tc {id} invalid but accepted"));
                    }
                }
                _ => acceptable += 1,
            }
        }
    }
    println!("wycheproof: {valid} valid, {invalid} invalid, {acceptable} acceptable");
    assert_eq!(valid + invalid + acceptable, 262);
    assert!(failures.is_empty(), "{failures:#?}");
}

fn jwk_from_coordinates(public_key: &Value) -> String {
    let coord = |name: &str| {
        let bytes = hex(public_key[name].as_str().expect("coordinate"));
        let bytes = &bytes[bytes.len().saturating_sub(32)..];
        let mut fixed = [0u8; 32];
        fixed[32 - bytes.len()..].copy_from_slice(bytes);
        common::b64(&fixed)
    };
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#, coord("wx"), coord("wy"))
}

fn real() -> (Jwks<4>, String) {
    let jwks = Jwks::from_json(&data("cotter-real/jwks.json")).expect("jwks");
    (jwks, data("cotter-real/access_token.jwt").trim().to_owned())
}

const REAL_AUD: &str = "19024767-a0b2-4221-8faa-ef116dc853d0";

/// The real token through a key set of [`CompactKey`]s (what the firmware verifies with): the
/// same verdicts as [`real_cotter_token_verifies`] and [`real_cotter_token_expires`].
#[cfg(feature = "compact")]
#[test]
fn real_cotter_token_with_compact_keys() {
    let jwks = Jwks::<4, CompactKey>::from_json(&data("cotter-real/jwks.json")).expect("jwks");
    let token = data("cotter-real/access_token.jwt").trim().to_owned();
    let mut buf = [0u8; 1024];
    let t = jwks.verify(&token, &Validation::cotter(REAL_AUD, 1_598_130_000), &mut buf);
    assert_eq!(t.expect("the real token verifies").claims().exp(), Some(1_598_132_692));
    let late = Validation::cotter(REAL_AUD, 1_598_132_692 + 60);
    assert_eq!(jwks.verify(&token, &late, &mut buf).unwrap_err(), Error::Expired);
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let v = Validation::cotter(REAL_AUD, 1_598_130_000);
    assert_eq!(jwks.verify(&tampered, &v, &mut buf).unwrap_err(), Error::InvalidSignature);
}

#[test]
fn real_cotter_token_verifies() {
    let (jwks, token) = real();
    let mut buf = [0u8; 1024];
    let v = Validation::cotter(REAL_AUD, 1_598_130_000);
    let t = jwks.verify(&token, &v, &mut buf).expect("the real token verifies");
    let c = t.claims();
    assert_eq!(c.exp(), Some(1_598_132_692));
    assert_eq!(c.iat(), Some(1_598_129_092));
    assert!(c.sub().expect("sub").eq_str("ee1982e9-1596-41db-b1a1-4c1880c1f016"));
    let access = c.cotter_access().expect("cotter access claims");
    assert!(access.client_user_id.eq_str("ee1982e9-1596-41db-b1a1-4c1880c1f016"));
    assert!(access.authentication_method.eq_str("OTP"));
    assert!(access.scope.eq_str("access"));
    assert_eq!(c.cotter_id().unwrap_err(), Error::InvalidClaim("type"));
    assert!(
        t.header()
            .kid()
            .expect("kid")
            .eq_str("SPACE_JWT_PUBLIC:8028AAA3-EC2D-4BAA-BE7A-7C8359CCB9F9")
    );
}

#[test]
fn real_cotter_token_expires() {
    let (jwks, token) = real();
    let mut buf = [0u8; 1024];
    let exp = 1_598_132_692;
    let ok = Validation::cotter(REAL_AUD, exp + 59);
    assert!(jwks.verify(&token, &ok, &mut buf).is_ok(), "inside the 60 s leeway");
    let late = Validation::cotter(REAL_AUD, exp + 60);
    assert_eq!(jwks.verify(&token, &late, &mut buf).unwrap_err(), Error::Expired);
    let wrong_aud = Validation::cotter("another-api-key", 1_598_130_000);
    assert_eq!(jwks.verify(&token, &wrong_aud, &mut buf).unwrap_err(), Error::AudienceMismatch);
}

/// Flipping any single bit of any byte of the signed part, or of the signature, must fail.
/// A flip may break base64 or JSON first; what matters is that nothing verifies.
#[test]
fn real_cotter_token_every_byte_flip_fails() {
    let (jwks, token) = real();
    let v = Validation::cotter(REAL_AUD, 1_598_130_000);
    let mut buf = [0u8; 1024];
    let mut tried = 0;
    for i in 0..token.len() {
        if token.as_bytes()[i] == b'.' {
            continue;
        }
        for bit in [0x01u8, 0x02, 0x04, 0x20] {
            let mut bytes = token.clone().into_bytes();
            bytes[i] ^= bit;
            let Ok(tampered) = String::from_utf8(bytes) else { continue };
            tried += 1;
            assert!(
                jwks.verify(&tampered, &v, &mut buf).is_err(),
                "flip of bit {bit:#x} at byte {i} verified"
            );
        }
    }
    // Also flip bits in the decoded signature and payload, re-encoded canonically.
    let parts: Vec<&str> = token.split('.').collect();
    for seg in [1usize, 2] {
        let raw = base64ct::Base64UrlUnpadded::decode_vec(parts[seg]).expect("b64");
        for i in 0..raw.len() {
            let mut r = raw.clone();
            r[i] ^= 0x01;
            let mut p: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
            p[seg] = common::b64(&r);
            let tampered = p.join(".");
            tried += 1;
            let err = jwks.verify(&tampered, &v, &mut buf).unwrap_err();
            if seg == 2 {
                assert_eq!(err, Error::InvalidSignature, "signature byte {i}");
            }
        }
    }
    println!("real token: {tried} tampered copies, all rejected");
}

#[test]
fn rfc7515_a3_es256_example() {
    let doc: Value = serde_json::from_str(&data("rfc7515/a3.json")).expect("json");
    let key = Es256Key::from_jwk(&doc["jwk"].to_string()).expect("jwk");
    let token = doc["token"].as_str().expect("token");
    let mut buf = [0u8; 512];
    let exp = doc["exp"].as_u64().expect("exp");
    let v = Validation::new(exp - 100).issuer("joe");
    let t = key.verify_token(token, &v, &mut buf).expect("RFC 7515 A.3 verifies");
    assert_eq!(t.claims().exp(), Some(exp as i64));
    assert_eq!(
        t.claims().get("http://example.com/is_root"),
        Some(cotter_jwt::JsonValue::Bool(true))
    );
    assert!(t.header().kid().is_none());
}
