//! A `Jwks` of prepared keys agrees with a `Jwks` of `Es256Key`s and feeds the same
//! `VerifiedCache`.

use super::*;
use cotter_jwt::{JwkKey, LargeTableKey};

/// A key of the large-table profile over the shared generator table, built as a JWK key is.
fn prepared_key(seed: u8, kid: &str) -> Box<LargeTableKey<'static>> {
    let key = <Box<LargeTableKey<'static>>>::from_verifying_key(*signing_key(seed).verifying_key());
    key.with_kid(kid).expect("kid fits")
}

#[test]
fn prepared_jwks_agrees_with_jwks_and_feeds_the_same_cache() {
    let two = jwks_of(&[
        public_key(&signing_key(2), Some("test-key-2")),
        public_key(&signing_key(1), Some(KID)),
    ]);
    let mut keys = Jwks::<4, Box<LargeTableKey<'static>>>::new();
    keys.push(prepared_key(2, "test-key-2")).expect("capacity");
    keys.push(prepared_key(1, KID)).expect("capacity");
    assert_eq!(keys.keys().len(), 2);
    let token = good();
    let mut a = [0u8; 2048];
    let mut b = [0u8; 2048];
    let plain = two.verify(&token, &validation(), &mut a).expect("plain");
    let fast = keys.verify(&token, &validation(), &mut b).expect("prepared");
    assert_eq!(plain, fast);
    let late = validation().at(NOW + 7200);
    assert_eq!(keys.verify(&token, &late, &mut b).unwrap_err(), Error::Expired);
    let other = sign_json(&signing_key(1), r#"{"alg":"ES256","kid":"nope"}"#, &payload());
    assert_eq!(keys.verify(&other, &validation(), &mut b).unwrap_err(), Error::UnknownKid);
    let wrong_key = sign_json(&signing_key(1), r#"{"alg":"ES256","kid":"test-key-2"}"#, &payload());
    assert_eq!(
        keys.verify(&wrong_key, &validation(), &mut b).unwrap_err(),
        Error::InvalidSignature
    );

    let cache = VerifiedCache::new(8);
    let entry = cache.verify(&keys, &token, &validation()).expect("miss");
    assert_eq!(entry.claims(), *plain.claims());
    // An entry inserted through the prepared path serves the plain path (same key).
    cache.verify(&two, &token, &validation()).expect("hit");
    cache.verify(&keys, &token, &validation()).expect("hit");
    assert_eq!((cache.stats().verifications, cache.stats().hits), (1, 2));
    assert_eq!(
        cache.verify(&keys, &wrong_key, &validation()).unwrap_err(),
        Error::InvalidSignature
    );
    assert_eq!(cache.len(), 1);
}
