//! `jwt_verify` (any text as a token, against the real Cotter key and RFC 7515 A.3) and
//! `jwt_claims` (any header and payload, signed with a test key, so that the claims reader and
//! the validation run on every input).

use base64ct::{Base64UrlUnpadded, Encoding};
use cotter_jwt::p256::ecdsa::signature::Signer;
use cotter_jwt::p256::ecdsa::{Signature, SigningKey};
use cotter_jwt::{
    CompactKey, Error, JsonStr, JwkKey, Jwks, Phase, Token, UntrustedToken, Validation, Verifier,
};
use serde_json::Value;
use std::string::{String, ToString};
use std::sync::OnceLock;
use std::vec::Vec;

/// The key type under test: `CompactKey`, so that the token and JWK paths run over
/// cotter-jwt's own P-256 arithmetic (`Es256Key` shares them, over p256's, tested in the crate).
type Key = CompactKey;

/// `tests/data/cotter-real/jwks.json`: the key of the real Cotter token.
const COTTER_JWKS: &str = include_str!("../../tests/data/cotter-real/jwks.json");
/// The API key ID, and a time inside the validity, of the real Cotter token.
const COTTER_AUD: &str = "19024767-a0b2-4221-8faa-ef116dc853d0";
const COTTER_NOW: u64 = 1_598_130_000;
/// RFC 7515 A.3's public key (`tests/data/rfc7515/a3.json`); its token expires at 1300819380.
const RFC_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
const RFC_NOW: u64 = 1_300_819_000;

struct Keys {
    cotter: Jwks<4, Key>,
    rfc: Key,
    test_sk: SigningKey,
    test: Key,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let cotter = Jwks::from_json(COTTER_JWKS).expect("the committed JWKS parses");
        assert_eq!(cotter.len(), 1);
        // With a `kid`, so that tokens naming another key fail before the signature check (the
        // RFC token has none, and is still checked with it).
        let rfc = Key::from_jwk(RFC_JWK).and_then(|k| k.with_kid("rfc7515-a3"));
        let rfc = rfc.expect("the RFC key parses");
        let test_sk = SigningKey::from_slice(&[7u8; 32]).expect("a valid scalar");
        let test = Key::from_verifying_key(*test_sk.verifying_key());
        Keys { cotter, rfc, test_sk, test }
    })
}

/// The three segments of a compact token, if it has exactly three.
fn segments(token: &str) -> Option<[&str; 3]> {
    let mut parts = token.split('.');
    let s = [parts.next()?, parts.next()?, parts.next()?];
    parts.next().is_none().then_some(s)
}

/// Strict (canonical) base64url decoding by another implementation.
fn b64(segment: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(segment).ok()
}

/// After a successful verification: every segment is canonical base64url, the signature
/// really verifies, the claims are the decoded payload.
fn check_verified(token: &str, verified: &Token<'_>, key: &Key) {
    let [h, p, s] = segments(token).expect("a verified token has three segments");
    let (header, payload, sig) = (b64(h), b64(p), b64(s));
    let (Some(header), Some(payload), Some(sig)) = (header, payload, sig) else {
        panic!("verified a token that is not canonical base64url: {token:?}");
    };
    assert_eq!(verified.header().json().as_bytes(), header.as_slice());
    assert_eq!(verified.claims().json().as_bytes(), payload.as_slice());
    let signing_input = &token[..h.len() + 1 + p.len()];
    assert!(key.verify(signing_input.as_bytes(), &sig).is_ok(), "verified a bad signature");
}

/// `jwt_verify`: `data` as a token.
pub fn verify(data: &[u8]) {
    let Ok(token) = core::str::from_utf8(data) else { return };
    let k = keys();

    // `buffer_len` is always enough, and `Jwks::verify` fails as `parse` does when it fails.
    let mut buf = vec![0u8; UntrustedToken::buffer_len(token)];
    let parsed = UntrustedToken::parse(token, &mut buf).map(|u| {
        let h = u.header();
        (h.json().len(), h.kid().map(|s| s.to_string()), h.typ().map(|s| s.to_string()))
    });
    if let Err(Error::BufferTooSmall { needed }) = parsed {
        panic!("buffer_len {} but parse needs {needed}", UntrustedToken::buffer_len(token));
    }
    // A token whose segments all decode strictly is never refused for its base64.
    if let Some([h, p, s]) = segments(token)
        && b64(h).is_some()
        && b64(p).is_some()
        && b64(s).is_some_and(|s| s.len() == 64)
        && token.len() <= cotter_jwt::DEFAULT_MAX_TOKEN_LEN
    {
        assert!(!matches!(parsed, Err(Error::MalformedBase64(_))), "{parsed:?} for {token:?}");
    }

    let cotter = Validation::cotter(COTTER_AUD, COTTER_NOW);
    let mut out = vec![0u8; UntrustedToken::buffer_len(token)];
    match k.cotter.verify(token, &cotter, &mut out) {
        Ok(t) => {
            check_verified(token, &t, &k.cotter.keys()[0]);
            let access = t.claims().cotter_access();
            let _ = (access, t.claims().cotter_id(), t.claims().get("sub"));
        }
        Err(e) => {
            if let Err(p) = &parsed {
                assert_eq!(&e, p, "verify and parse disagree");
            }
            assert!(!e.to_string().is_empty());
        }
    }
    let rfc = Validation::new(RFC_NOW);
    let mut out = vec![0u8; UntrustedToken::buffer_len(token)];
    if let Ok(t) = k.rfc.verify_token(token, &rfc, &mut out) {
        check_verified(token, &t, &k.rfc);
    }
}

/// The decoded text of a JSON string.
fn text(s: JsonStr<'_>) -> String {
    let shown = s.to_string();
    let mut buf = vec![0u8; s.decoded_len()];
    let copied = s.unescape_into(&mut buf).expect("decoded_len is enough");
    assert_eq!(copied, shown, "unescape_into and Display disagree");
    shown
}

/// Whether a NumericDate read by `cotter-jwt` matches serde_json's reading of the number.
fn same_time(ours: Option<i64>, theirs: Option<&Value>) -> bool {
    match (ours, theirs) {
        (None, None) => true,
        (Some(v), Some(Value::Number(n))) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i == v,
            // Fractions round down; only compare where f64 is exact.
            (None, Some(f)) if f.abs() < 1e15 => f.floor() as i64 == v,
            _ => true,
        },
        _ => false,
    }
}

/// `jwt_claims`: `data` is `flags, header 0xFF payload`; header and payload are signed with a
/// test key, so the signature always verifies and the claims are read. The claims must agree
/// with serde_json's reading of the payload.
pub fn claims(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let (header, payload) = crate::split_ff(rest);
    let k = keys();
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header),
        Base64UrlUnpadded::encode_string(payload)
    );
    let sig: Signature = k.test_sk.sign(input.as_bytes());
    let token = format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig.to_bytes()));

    let now = 1_700_000_000u64.wrapping_add(u64::from(flags >> 4) * 1000);
    let mut validation = Validation::new(now).leeway(u64::from(flags & 3) * 30);
    if flags & 4 != 0 {
        validation = validation.audience("aud-1");
    }
    if flags & 8 != 0 {
        validation = validation.issuer("https://www.cotter.app");
    }
    let mut buf = vec![0u8; UntrustedToken::buffer_len(&token)];
    let result =
        UntrustedToken::parse(&token, &mut buf).and_then(|u| u.verify_with(&k.test, &validation));
    let t = match result {
        Ok(t) => t,
        Err(e) => {
            assert_ne!(e.phase(), Phase::Signature, "a correct signature refused: {e}");
            assert_ne!(e.phase(), Phase::Key);
            return;
        }
    };
    check_verified(&token, &t, &k.test);
    let c = t.claims();
    let json = c.json();
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        // Grammar-valid numbers that serde_json cannot hold in an f64.
        Err(e) if e.to_string().contains("number out of range") => return,
        Err(e) => panic!("claims accepted that serde_json refuses ({e}): {json:?}"),
    };
    let obj = value.as_object().expect("claims are an object");
    // Validation held.
    if let Some(exp) = c.exp() {
        assert!(i128::from(now) < i128::from(exp) + i128::from(flags & 3) * 30);
    }
    assert!(same_time(c.exp(), obj.get("exp")), "exp {:?} vs {:?}", c.exp(), obj.get("exp"));
    assert!(same_time(c.nbf(), obj.get("nbf")), "nbf {:?} vs {:?}", c.nbf(), obj.get("nbf"));
    assert!(same_time(c.iat(), obj.get("iat")), "iat {:?} vs {:?}", c.iat(), obj.get("iat"));
    for (ours, name) in [(c.iss(), "iss"), (c.sub(), "sub"), (c.jti(), "jti")] {
        let theirs = obj.get(name).map(|v| v.as_str().expect("a string claim"));
        assert_eq!(ours.map(text).as_deref(), theirs, "{name}");
    }
    let mut auds = Vec::new();
    if let Some(aud) = c.aud() {
        aud.for_each(|a| auds.push(text(a)));
        if flags & 4 != 0 {
            assert!(auds.iter().any(|a| a == "aud-1"));
        }
    }
    let theirs: Vec<String> = match obj.get("aud") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_str().expect("aud holds strings").to_string()).collect()
        }
        Some(other) => panic!("aud accepted as {other:?}"),
    };
    assert_eq!(auds, theirs);
    // Any member is found by name (the first of duplicates; serde_json keeps the last, so
    // compare only presence).
    for name in obj.keys() {
        assert!(c.get(name).is_some(), "member {name:?} not found");
    }
    if let Ok(a) = c.cotter_access() {
        assert_eq!(obj.get("type").and_then(Value::as_str), Some("client_access_token"));
        let _ = (text(a.client_user_id), text(a.authentication_method), text(a.scope));
    }
    if let Ok(i) = c.cotter_id() {
        assert_eq!(obj.get("type").and_then(Value::as_str), Some("client_id_token"));
        let _ = (text(i.client_user_id), text(i.auth_time), text(i.identifier));
    }
}
