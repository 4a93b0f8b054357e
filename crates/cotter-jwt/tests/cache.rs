//! `VerifiedCache`: hits return the verified claims, re-check time, audience and issuer
//! against the validation of the moment, never cache a failure, forget entries whose key left
//! the set, stay within capacity, and work from many threads; a `Jwks` of prepared keys
//! agrees with a `Jwks` of `Es256Key`s.
#![cfg(feature = "std")]

mod common;

use common::*;
use cotter_jwt::{CachedToken, Error, Jwks, Validation, VerifiedCache};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::sync::Arc;

fn key_set() -> Jwks<4> {
    jwks_of(&[public_key(&signing_key(1), Some(KID))])
}

/// A token valid at [`NOW`] expiring at `exp`, distinct per `jti`.
fn token_with(exp: u64, jti: &str) -> String {
    let payload = format!(
        r#"{{"sub":"u1","aud":"{AUD}","iss":"{ISS}","exp":{exp},"iat":{NOW},"jti":"{jti}"}}"#
    );
    sign_json(&signing_key(1), HEADER, &payload)
}

fn good() -> String {
    sign_json(&signing_key(1), HEADER, &payload())
}

fn validation() -> Validation<'static> {
    Validation::cotter(AUD, NOW)
}

#[test]
fn a_hit_returns_the_claims_of_the_full_verification() {
    let jwks = key_set();
    let token = good();
    let mut buf = [0u8; 2048];
    let fresh = jwks.verify(&token, &validation(), &mut buf).expect("verifies");

    let cache = VerifiedCache::new(16);
    let first = cache.verify(&jwks, &token, &validation()).expect("miss verifies");
    let second = cache.verify(&jwks, &token, &validation()).expect("hit");
    assert!(Arc::ptr_eq(&first, &second), "the hit returns the cached entry");
    assert_eq!(second.claims(), *fresh.claims(), "same claims, field by field");
    assert_eq!(second.claims().json(), fresh.claims().json());
    assert!(second.claims().cotter_access().expect("access view").scope.eq_str("access"));
    assert_eq!(second.kid().map(|k| k.to_string()).as_deref(), Some(KID));
    assert!(second.verified_by(&jwks.keys()[0]), "the key that verified it");
    let s = cache.stats();
    assert_eq!((s.verifications, s.hits, s.insertions, cache.len()), (1, 1, 1, 1));
}

#[test]
fn a_hit_rechecks_expiry_and_not_before() {
    let jwks = key_set();
    let exp = NOW + 600;
    let payload = format!(r#"{{"aud":"{AUD}","iss":"{ISS}","exp":{exp},"nbf":{}}}"#, NOW - 10);
    let token = sign_json(&signing_key(1), HEADER, &payload);
    let cache = VerifiedCache::new(16);
    cache.verify(&jwks, &token, &validation()).expect("valid now");

    // Just inside the leeway: still accepted from the cache.
    let v = validation().at(exp + 59);
    cache.verify(&jwks, &token, &v).expect("within leeway");
    // Past exp + leeway: expired, although cached.
    let v = validation().at(exp + 60);
    assert_eq!(cache.verify(&jwks, &token, &v).unwrap_err(), Error::Expired);
    assert_eq!(cache.verify(&jwks, &token, &v.leeway(0)).unwrap_err(), Error::Expired);
    // Before nbf - leeway (a clock set back): not yet valid, although cached.
    let v = validation().at(NOW - 10 - 61);
    assert_eq!(cache.verify(&jwks, &token, &v).unwrap_err(), Error::NotYetValid);

    let s = cache.stats();
    assert_eq!((s.verifications, s.hits), (1, 4), "all answered from the cache");
    assert_eq!(cache.len(), 1, "a failed re-check keeps the entry: the signature is still good");
    cache.verify(&jwks, &token, &validation()).expect("and valid again at NOW");
}

#[test]
fn a_hit_rechecks_audience_issuer_and_length_against_the_current_validation() {
    let jwks = key_set();
    let token = good();
    let cache = VerifiedCache::new(16);
    cache.verify(&jwks, &token, &validation()).expect("verifies");

    let other_aud = Validation::cotter("another-api-key", NOW);
    assert_eq!(cache.verify(&jwks, &token, &other_aud).unwrap_err(), Error::AudienceMismatch);
    let other_iss = Validation::new(NOW).audience(AUD).issuer("https://evil.example");
    assert_eq!(cache.verify(&jwks, &token, &other_iss).unwrap_err(), Error::IssuerMismatch);
    let short = validation().max_token_len(token.len() - 1);
    assert_eq!(
        cache.verify(&jwks, &token, &short).unwrap_err(),
        Error::TokenTooLarge { len: token.len(), max: token.len() - 1 }
    );
    // A validation without audience or issuer accepts it, as a fresh verification would.
    cache.verify(&jwks, &token, &Validation::new(NOW)).expect("no aud/iss configured");
    assert_eq!(cache.stats().verifications, 1, "every answer above came from the cache");
}

#[test]
fn a_missing_claim_is_reported_on_a_hit_as_on_a_miss() {
    let jwks = key_set();
    let token = sign_json(&signing_key(1), HEADER, r#"{"sub":"u1"}"#);
    let lax = Validation::new(NOW).require_exp(false);
    let cache = VerifiedCache::new(16);
    cache.verify(&jwks, &token, &lax).expect("no exp required");
    let strict = Validation::new(NOW);
    assert_eq!(cache.verify(&jwks, &token, &strict).unwrap_err(), Error::MissingClaim("exp"));
    let with_aud = lax.audience(AUD);
    assert_eq!(cache.verify(&jwks, &token, &with_aud).unwrap_err(), Error::MissingClaim("aud"));
    assert_eq!(cache.stats().verifications, 1);
}

#[test]
fn failures_are_never_cached() {
    let jwks = key_set();
    let cache = VerifiedCache::new(16);

    // A bad signature: two calls, two full verifications, nothing stored.
    let good = good();
    let (input, sig) = good.rsplit_once('.').expect("three segments");
    let flipped = if sig.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{input}.{flipped}{}", &sig[1..]);
    for _ in 0..2 {
        assert_eq!(
            cache.verify(&jwks, &forged, &validation()).unwrap_err(),
            Error::InvalidSignature
        );
    }
    assert_eq!((cache.stats().verifications, cache.len()), (2, 0));

    // Garbage and an unknown kid: likewise.
    assert!(cache.verify(&jwks, "not.a-token", &validation()).is_err());
    let other_kid = sign_json(&signing_key(1), r#"{"alg":"ES256","kid":"nope"}"#, &payload());
    assert_eq!(cache.verify(&jwks, &other_kid, &validation()).unwrap_err(), Error::UnknownKid);
    assert_eq!((cache.stats().verifications, cache.len()), (4, 0));

    // A good signature whose claims fail (expired at first sight) is not stored either:
    // the next call verifies it in full again, and then it can succeed and be stored.
    let late = validation().at(NOW + 7200);
    assert_eq!(cache.verify(&jwks, &good, &late).unwrap_err(), Error::Expired);
    assert_eq!((cache.stats().verifications, cache.len()), (5, 0));
    cache.verify(&jwks, &good, &validation()).expect("valid at NOW");
    assert_eq!((cache.stats().verifications, cache.len()), (6, 1));
    assert_eq!(cache.stats().hits, 0);
}

#[test]
fn an_entry_whose_key_left_the_set_is_dropped() {
    let old = public_key(&signing_key(1), Some(KID));
    let other = public_key(&signing_key(2), Some("test-key-2"));
    let before = jwks_of(&[old, other.clone()]);
    let cache = VerifiedCache::new(16);
    let token = good();
    cache.verify(&before, &token, &validation()).expect("verifies");

    // The key rotated out: the cached entry must not vouch for the token any more.
    let after = jwks_of(core::slice::from_ref(&other));
    assert_eq!(cache.verify(&after, &token, &validation()).unwrap_err(), Error::UnknownKid);
    let s = cache.stats();
    assert_eq!((s.invalidations, s.hits, s.verifications, cache.len()), (1, 0, 2, 0));

    // Same kid, different point (a replaced key): dropped, and the signature fails.
    cache.verify(&before, &token, &validation()).expect("verifies again");
    let replaced = jwks_of(&[public_key(&signing_key(3), Some(KID))]);
    assert_eq!(
        cache.verify(&replaced, &token, &validation()).unwrap_err(),
        Error::InvalidSignature
    );
    assert_eq!((cache.stats().invalidations, cache.len()), (2, 0));

    // retain_keys drops entries up front, by kid and point.
    cache.verify(&before, &token, &validation()).expect("verifies again");
    let other_token = sign_json(
        &signing_key(2),
        r#"{"alg":"ES256","kid":"test-key-2"}"#,
        &payload().replace("\"j1\"", "\"j2\""),
    );
    cache.verify(&before, &other_token, &validation()).expect("second key verifies");
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.retain_keys(before.keys()), 0, "both keys still present");
    assert_eq!(cache.retain_keys(replaced.keys()), 2, "same kid, other point: not the key");
    assert!(cache.is_empty());
    cache.verify(&before, &token, &validation()).expect("verifies again");
    cache.verify(&before, &other_token, &validation()).expect("verifies again");
    assert_eq!(cache.retain_keys(after.keys()), 1);
    assert_eq!(cache.len(), 1);
    let hits = cache.stats().hits;
    cache.verify(&after, &other_token, &validation()).expect("the kept entry");
    assert_eq!(cache.stats().hits, hits + 1, "the entry of the remaining key still hits");
}

#[test]
fn capacity_is_respected_and_zero_caches_nothing() {
    let jwks = key_set();
    for capacity in [1, 3, 16, 40] {
        let cache = VerifiedCache::new(capacity);
        for i in 0..60u64 {
            let token = token_with(NOW + 3600 + i, &format!("j{i}"));
            cache.verify(&jwks, &token, &validation()).expect("verifies");
            assert!(cache.len() <= capacity, "capacity {capacity}: {} entries", cache.len());
        }
        let s = cache.stats();
        assert_eq!(s.insertions - s.evictions, cache.len() as u64);
        assert!(s.evictions >= 60 - capacity as u64, "capacity {capacity}: {s:?}");
    }

    let early = token_with(NOW + 1000, "early");
    let none = VerifiedCache::new(0);
    for _ in 0..3 {
        none.verify(&jwks, &early, &validation()).expect("verifies");
    }
    assert_eq!((none.len(), none.stats().verifications, none.stats().hits), (0, 3, 0));
}

/// Tokens whose digest picks shard 0 of a cache with two shards (byte 0 even).
fn shard0_token(exp: u64, name: &str) -> String {
    (0..)
        .map(|i| token_with(exp, &format!("{name}{i}")))
        .find(|t| Sha256::digest(t.as_bytes())[0] % 2 == 0)
        .expect("half of all tokens")
}

#[test]
fn a_full_shard_evicts_the_earliest_exp() {
    let jwks = key_set();
    // Capacity 3: two shards, shard 0 holds 2 entries.
    let cache = VerifiedCache::new(3);
    let late = shard0_token(NOW + 9000, "late");
    let early = shard0_token(NOW + 1000, "early");
    let middle = shard0_token(NOW + 5000, "middle");
    for t in [&late, &early, &middle] {
        cache.verify(&jwks, t, &validation()).expect("verifies");
    }
    let s = cache.stats();
    assert_eq!((s.insertions, s.evictions, cache.len()), (3, 1, 2));
    cache.verify(&jwks, &late, &validation()).expect("late");
    cache.verify(&jwks, &middle, &validation()).expect("middle");
    assert_eq!(cache.stats().hits, 2, "late and middle were kept");
    cache.verify(&jwks, &early, &validation()).expect("early");
    let s = cache.stats();
    assert_eq!((s.hits, s.verifications), (2, 4), "early had been evicted");
}

#[test]
fn eight_threads_share_one_cache() {
    let jwks = key_set();
    let tokens: Vec<String> =
        (0..12u64).map(|i| token_with(NOW + 3600, &format!("t{i}"))).collect();
    let cache = VerifiedCache::new(64);
    let rounds = 40;
    std::thread::scope(|s| {
        for t in 0..8 {
            let (cache, jwks, tokens) = (&cache, &jwks, &tokens);
            s.spawn(move || {
                for r in 0..rounds {
                    let i = (t * 5 + r) % tokens.len();
                    let entry: Arc<CachedToken> =
                        cache.verify(jwks, &tokens[i], &validation()).expect("verifies");
                    let jti = entry.claims().jti().expect("jti");
                    assert!(jti.eq_str(&format!("t{i}")), "the entry of this very token");
                    // A wrong audience is refused from any thread, cached or not.
                    let other = Validation::cotter("other", NOW);
                    assert_eq!(
                        cache.verify(jwks, &tokens[i], &other).unwrap_err(),
                        Error::AudienceMismatch
                    );
                }
            });
        }
    });
    let s = cache.stats();
    assert_eq!(s.hits + s.verifications, 8 * rounds as u64 * 2);
    assert_eq!(cache.len(), tokens.len());
    assert!(s.verifications >= tokens.len() as u64);
    // Concurrent misses of the same token may each verify, at most once per thread and call.
    assert!(s.verifications <= 8 * tokens.len() as u64 * 2, "{s:?}");
    assert_eq!(s.insertions, tokens.len() as u64);
}

#[test]
fn entry_memory() {
    let jwks = key_set();
    let cache = VerifiedCache::new(4);
    let real_jwks = Jwks::<4>::from_json(&data("cotter-real/jwks.json")).expect("jwks");
    let real = data("cotter-real/access_token.jwt");
    let v = Validation::cotter("19024767-a0b2-4221-8faa-ef116dc853d0", 1_598_130_000);
    let entry = cache.verify(&real_jwks, real.trim(), &v).expect("the real token");
    let fixed = size_of::<CachedToken>();
    let heap = entry.heap_bytes();
    println!("size_of::<CachedToken>() = {fixed}, Cotter access token heap = {heap}");
    // The figures in the documentation of VerifiedCache.
    assert!(fixed <= 400, "{fixed}");
    assert!((400..700).contains(&heap), "{heap}");
    let _ = cache.verify(&jwks, &good(), &validation()).expect("verifies");
}

#[cfg(feature = "prepared")]
#[path = "cache/prepared.rs"]
mod prepared;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any mutation of a good token: the cache gives the verdict of `Jwks::verify`, on the
    /// first call and on the second (a hit when it verified), and never panics.
    #[test]
    fn same_verdict_as_jwks_verify(pos in 0usize..400, byte in any::<u8>(), at in 0u64..8000) {
        let jwks = key_set();
        let mut bytes = good().into_bytes();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let token = String::from_utf8_lossy(&bytes).into_owned();
        let v = validation().at(NOW - 4000 + at);
        let mut buf = vec![0u8; 4096];
        let expected = jwks.verify(&token, &v, &mut buf).map(|t| t.claims().json().to_owned());
        let cache = VerifiedCache::new(4);
        for _ in 0..2 {
            let got = cache.verify(&jwks, &token, &v).map(|t| t.claims().json().to_owned());
            prop_assert_eq!(&got, &expected);
        }
        prop_assert_eq!(cache.stats().hits, u64::from(expected.is_ok()));
    }
}
