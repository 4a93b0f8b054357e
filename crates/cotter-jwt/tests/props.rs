//! Property tests: arbitrary input never panics; tokens signed with random keys and random
//! claims round-trip through verification.

mod common;

use common::{b64, jwks_of, public_key, sign_json};
use cotter_jwt::{Es256Key, JwkKey, Jwks, UntrustedToken, Validation};
use p256::ecdsa::SigningKey;
use proptest::prelude::*;

fn jwks() -> Jwks<4> {
    jwks_of(&[public_key(&common::signing_key(1), Some(common::KID))])
}

/// Escapes `s` as a JSON string body.
fn json_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,300}") {
        let mut buf = [0u8; 512];
        let _ = jwks().verify(&s, &Validation::new(0), &mut buf);
        let _ = Es256Key::from_jwk(&s);
        let _ = Jwks::<2>::from_json(&s);
    }

    #[test]
    fn three_arbitrary_segments_never_panic(
        h in proptest::collection::vec(any::<u8>(), 0..80),
        p in proptest::collection::vec(any::<u8>(), 0..120),
        sig in proptest::collection::vec(any::<u8>(), 0..70),
    ) {
        let token = format!("{}.{}.{}", b64(&h), b64(&p), b64(&sig));
        let mut buf = [0u8; 256];
        let _ = jwks().verify(&token, &Validation::new(0), &mut buf);
        let _ = UntrustedToken::parse(&token, &mut buf);
    }

    #[test]
    fn jsonish_header_and_payload_never_panic(
        h in r#"[{}\[\]":,\\a-zES0-9 .\-u]{0,48}"#,
        p in r#"[{}\[\]":,\\a-z0-9 .eE+\-u]{0,64}"#,
    ) {
        let sk = common::signing_key(1);
        let token = sign_json(&sk, &h, &p);
        let mut buf = [0u8; 256];
        let _ = jwks().verify(&token, &Validation::new(0), &mut buf);
        let alg_header = format!(r#"{{"alg":"ES256","kid":"test-key-1"{}}}"#, if h.is_empty() { String::new() } else { format!(",\"x\":\"{}\"", json_escape(&h)) });
        let token = sign_json(&sk, &alg_header, &p);
        let _ = jwks().verify(&token, &Validation::new(0), &mut buf);
    }

    #[test]
    fn random_keys_and_claims_round_trip(
        scalar in proptest::array::uniform32(any::<u8>()),
        sub in "\\PC{0,40}",
        aud in "[a-z0-9\\-]{1,36}",
        extra in "\\PC{0,60}",
        iat in 0u64..4_000_000_000,
        ttl in 61u64..100_000,
        kid in "[A-Za-z0-9:_\\-]{1,64}",
    ) {
        let Ok(sk) = SigningKey::from_slice(&scalar) else { return Ok(()) };
        let key = Es256Key::from_verifying_key(*sk.verifying_key()).with_kid(&kid).expect("kid fits");
        let set = jwks_of(&[key]);
        let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
        let payload = format!(
            r#"{{"sub":"{}","aud":"{aud}","iss":"https://www.cotter.app","iat":{iat},"exp":{},"x":"{}"}}"#,
            json_escape(&sub), iat + ttl, json_escape(&extra)
        );
        let token = sign_json(&sk, &header, &payload);
        let mut buf = vec![0u8; UntrustedToken::buffer_len(&token)];
        let v = Validation::cotter(&aud, iat);
        let t = set.verify(&token, &v, &mut buf).expect("round trip");
        prop_assert_eq!(t.claims().sub().expect("sub").to_string(), sub);
        prop_assert_eq!(t.claims().get_str("x").expect("x").expect("present").to_string(), extra);
        prop_assert_eq!(t.claims().exp(), Some((iat + ttl) as i64));
        prop_assert_eq!(t.claims().json(), payload.as_str());
        // The same token one second past exp + leeway is expired.
        let late = v.at(iat + ttl + 60);
        prop_assert_eq!(set.verify(&token, &late, &mut buf).unwrap_err(), cotter_jwt::Error::Expired);
    }
}
