//! `jwk_parse` (`CompactKey::from_jwk`) and `jwks_parse` (`Jwks::from_json`).

use cotter_jwt::{CompactKey, JwkError, JwkKey, Jwks, KID_MAX_LEN, Verifier};
use serde_json::Value;

/// The key type under test: `CompactKey`, so that the token and JWK paths run over
/// cotter-jwt's own P-256 arithmetic (`Es256Key` shares them, over p256's, tested in the crate).
type Key = CompactKey;

/// serde_json's reading of text `cotter-jwt` accepted as JSON: it must accept it too, except
/// for grammar-valid numbers it cannot hold.
fn serde_reading(json: &str) -> Option<Value> {
    match serde_json::from_str(json) {
        Ok(v) => Some(v),
        Err(e) if e.to_string().contains("number out of range") => None,
        Err(e) => panic!("accepted JSON that serde_json refuses ({e}): {json:?}"),
    }
}

/// `jwk_parse`: `data` as one JWK.
pub fn jwk(data: &[u8]) {
    let Ok(json) = core::str::from_utf8(data) else { return };
    let Ok(key) = Key::from_jwk(json) else { return };
    assert!(key.kid().is_none_or(|k| k.len() <= KID_MAX_LEN));
    if let Some(v) = serde_reading(json) {
        assert_eq!(v.get("kty").and_then(Value::as_str), Some("EC"));
        assert_eq!(v.get("crv").and_then(Value::as_str), Some("P-256"));
        assert!(v.get("use").is_none_or(|u| u.as_str() == Some("sig")));
        assert!(v.get("alg").is_none_or(|a| a.as_str() == Some("ES256")));
        assert_eq!(v.get("kid").and_then(Value::as_str), key.kid());
    }
    // The same JWK as the only entry of a set gives the same key.
    let set = Jwks::<2, Key>::from_json(&format!("{{\"keys\":[{json}]}}"))
        .unwrap_or_else(|e| panic!("a JWK accepted alone is refused in a set: {e:?}"));
    assert_eq!(set.keys(), core::slice::from_ref(&key));
    assert_eq!(set.skipped_count(), 0);
}

/// `jwks_parse`: `data` as a JWKS of capacity 3.
pub fn jwks(data: &[u8]) {
    let Ok(json) = core::str::from_utf8(data) else { return };
    let set = match Jwks::<3, Key>::from_json(json) {
        Ok(set) => set,
        Err(e) => {
            assert!(!matches!(e, JwkError::CapacityExceeded), "capacity is never fatal");
            return;
        }
    };
    assert!(set.len() <= 3);
    assert_eq!(set.skipped().len(), set.skipped_count().min(3));
    // Skipped entries are listed in document order.
    assert!(set.skipped().windows(2).all(|w| w[0].index < w[1].index));
    for key in set.keys() {
        if let Some(kid) = key.kid() {
            let first = set.keys().iter().find(|k| k.kid() == Some(kid));
            assert_eq!(set.get(kid), first);
        }
    }
    // Every entry of the `keys` array is either a key or skipped.
    if let Some(v) = serde_reading(json) {
        let entries = v.get("keys").and_then(Value::as_array).expect("a keys array").len();
        assert_eq!(set.len() + set.skipped_count(), entries);
        // A set with room for everything skips only unusable entries.
        let big = Jwks::<16, Key>::from_json(json).expect("the same text parses");
        if entries <= 16 {
            assert_eq!(&big.keys()[..set.len()], set.keys());
            assert!(big.skipped().iter().all(|s| s.reason != JwkError::CapacityExceeded));
        }
    }
}
