//! `JwksCache`, each rule on a manual clock: the initial load, `max-age` (clamped), the
//! rate-limited refetch for an unknown `kid`, back-off after failures, the last good set kept
//! through failures and garbage up to the staleness bound, keys dropped only by the server;
//! and a property test over random sequences of answers, failures and time.

mod common;

use common::*;
use cotter_jwt::{
    Error, FetchError, FetchReason, JwkError, JwksCache, JwksPolicy, Validation, Verifier,
};
use proptest::prelude::*;
use std::sync::OnceLock;

type Cache = JwksCache<4>;

/// Token kids and signing-key seeds: key `i` has seed `i + 1` and kid `k{i}`.
const KIDS: [&str; 4] = ["k0", "k1", "k2", "k3"];

/// The JWK of key `i` (computed once: debug builds are slow at curve arithmetic).
fn jwk(i: usize) -> String {
    static JWKS: OnceLock<Vec<String>> = OnceLock::new();
    JWKS.get_or_init(|| (0..KIDS.len()).map(make_jwk).collect())[i].clone()
}

fn make_jwk(i: usize) -> String {
    let (x, y) = public_key(&signing_key(i as u8 + 1), None).coordinates();
    format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}","kid":"{}"}}"#,
        b64(&x),
        b64(&y),
        KIDS[i]
    )
}

/// A JWKS document listing keys `ids`.
fn doc(ids: &[usize]) -> Vec<u8> {
    let keys: Vec<String> = ids.iter().map(|&i| jwk(i)).collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(",")).into_bytes()
}

/// A token signed by key `i`, valid from `NOW` for longer than any test runs its clock.
fn token(i: usize) -> String {
    static TOKENS: OnceLock<Vec<String>> = OnceLock::new();
    TOKENS.get_or_init(|| (0..KIDS.len()).map(make_token).collect())[i].clone()
}

fn make_token(i: usize) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, KIDS[i]);
    let claims = format!(
        r#"{{"sub":"u1","aud":"{AUD}","iss":"{ISS}","exp":{},"iat":{NOW}}}"#,
        NOW + 1_000_000_000
    );
    sign_json(&signing_key(i as u8 + 1), &header, &claims)
}

fn verify(cache: &mut Cache, now: u64, i: usize) -> Result<(), Error> {
    let mut buf = [0u8; 1024];
    cache.verify(now, &token(i), &Validation::cotter(AUD, now), &mut buf).map(|_| ())
}

fn kids(cache: &Cache, now: u64) -> Option<Vec<String>> {
    let keys = cache.jwks(now)?;
    Some(keys.keys().iter().map(|k| k.kid().unwrap_or("").to_owned()).collect())
}

/// A cache loaded at `NOW` with keys `ids` and this `max-age`.
fn loaded(ids: &[usize], max_age: Option<u32>) -> Cache {
    let mut cache = Cache::new(JwksPolicy::new());
    assert_eq!(cache.poll_fetch(NOW), Some(FetchReason::Initial));
    cache.on_response(NOW, 200, &doc(ids), max_age).expect("good jwks");
    cache
}

#[test]
fn a_new_cache_wants_its_initial_load_and_verifies_nothing_before() {
    let mut cache = Cache::default();
    assert_eq!(cache.due(NOW), Some(FetchReason::Initial));
    assert_eq!(cache.next_due(), 0);
    assert!(cache.jwks(NOW).is_none() && cache.last_good().is_none());
    assert_eq!(verify(&mut cache, NOW, 0), Err(Error::UnknownKid));
    assert_eq!(cache.poll_fetch(NOW), Some(FetchReason::Initial));
    // Started: a second caller does not fetch too while the first has not reported.
    assert_eq!(cache.poll_fetch(NOW), None);
    assert_eq!(cache.poll_fetch(NOW + 29), None);
    cache.on_response(NOW + 1, 200, &doc(&[0]), None).expect("good jwks");
    assert_eq!(verify(&mut cache, NOW + 1, 0), Ok(()));
    assert_eq!(cache.fetches(), 1);
    assert_eq!(cache.fresh_until(), Some(NOW + 1 + 3600));
}

#[test]
fn a_fetch_that_is_never_reported_is_asked_for_again_after_the_retry_wait() {
    let mut cache = Cache::default();
    assert_eq!(cache.poll_fetch(NOW), Some(FetchReason::Initial));
    assert_eq!(cache.next_due(), NOW + 30);
    assert_eq!(cache.poll_fetch(NOW + 30), Some(FetchReason::Initial));
    let mut cache = loaded(&[0], Some(600));
    assert_eq!(cache.poll_fetch(NOW + 600), Some(FetchReason::Expired));
    assert_eq!(cache.poll_fetch(NOW + 629), None);
    assert_eq!(cache.poll_fetch(NOW + 630), Some(FetchReason::Expired));
    // An unreported refetch for a kid leaves the expiry where it was.
    let mut cache = loaded(&[0], Some(600));
    cache.unknown_kid();
    assert_eq!(cache.poll_fetch(NOW + 30), Some(FetchReason::UnknownKid));
    assert_eq!(cache.next_due(), NOW + 600);
}

#[test]
fn a_set_is_fresh_for_its_clamped_max_age() {
    for (max_age, fresh) in
        [(None, 3600), (Some(600), 600), (Some(0), 60), (Some(5), 60), (Some(u32::MAX), 86_400)]
    {
        let mut cache = loaded(&[0], max_age);
        assert_eq!(cache.next_due(), NOW + fresh, "max-age {max_age:?}");
        assert_eq!(cache.poll_fetch(NOW + fresh - 1), None, "max-age {max_age:?}");
        assert_eq!(cache.poll_fetch(NOW + fresh), Some(FetchReason::Expired));
        cache.on_response(NOW + fresh + 1, 200, &doc(&[0]), max_age).expect("refresh");
        assert_eq!(cache.fresh_until(), Some(NOW + 2 * fresh + 1));
    }
    let custom = JwksPolicy::new().default_max_age(900).max_age_bounds(120, 1800);
    let mut cache = Cache::new(custom);
    cache.on_response(NOW, 200, &doc(&[0]), None).expect("good");
    assert_eq!(cache.fresh_until(), Some(NOW + 900));
    cache.on_response(NOW, 200, &doc(&[0]), Some(7200)).expect("good");
    assert_eq!(cache.fresh_until(), Some(NOW + 1800));
}

#[test]
fn an_unknown_kid_refetches_once_per_interval() {
    let mut cache = loaded(&[0], None);
    // The server rotated to key 1: its tokens name a kid the set lacks.
    assert_eq!(verify(&mut cache, NOW + 10, 1), Err(Error::UnknownKid));
    assert_eq!(cache.next_due(), NOW + 30, "30 s after the last fetch");
    assert_eq!(cache.poll_fetch(NOW + 29), None);
    assert_eq!(cache.poll_fetch(NOW + 30), Some(FetchReason::UnknownKid));
    cache.on_response(NOW + 30, 200, &doc(&[1, 0]), None).expect("rotated set");
    assert_eq!(verify(&mut cache, NOW + 30, 1), Ok(()));
    assert_eq!(verify(&mut cache, NOW + 30, 0), Ok(()), "the old key is still listed");
    assert_eq!(cache.fetches(), 2);

    // A flood of forged kids: one fetch per interval, however many tokens.
    let mut fetches = 0;
    for s in 0..300 {
        let now = NOW + 31 + s;
        assert_eq!(verify(&mut cache, now, 3), Err(Error::UnknownKid));
        if let Some(reason) = cache.poll_fetch(now) {
            assert_eq!(reason, FetchReason::UnknownKid);
            fetches += 1;
            cache.on_response(now, 200, &doc(&[1, 0]), None).expect("same set");
        }
    }
    assert_eq!(fetches, 10, "300 s at one fetch per 30 s");
    // A wish without tokens since is served once, then forgotten.
    let mut cache = loaded(&[0], None);
    cache.unknown_kid();
    assert_eq!(cache.poll_fetch(NOW + 100), Some(FetchReason::UnknownKid));
    cache.on_response(NOW + 100, 200, &doc(&[0]), None).expect("same");
    assert_eq!(cache.poll_fetch(NOW + 200), None);
    assert_eq!(cache.next_due(), NOW + 100 + 3600);
}

#[test]
fn the_kid_interval_is_configurable() {
    let mut cache = Cache::new(JwksPolicy::new().refetch_interval(300));
    cache.on_response(NOW, 200, &doc(&[0]), None).expect("good");
    cache.unknown_kid();
    assert_eq!(cache.poll_fetch(NOW + 299), None);
    assert_eq!(cache.poll_fetch(NOW + 300), Some(FetchReason::UnknownKid));
}

#[test]
fn failures_keep_the_set_and_back_off() {
    let mut cache = loaded(&[0], Some(600));
    let mut now = NOW + 600;
    assert_eq!(cache.poll_fetch(now), Some(FetchReason::Expired));
    cache.on_failure(now);
    assert_eq!(verify(&mut cache, now, 0), Ok(()), "stale, still serving");
    // Retries at 30, 60, 120, 240, then every 300 s.
    for wait in [30, 60, 120, 240, 300, 300] {
        assert_eq!(cache.poll_fetch(now + wait - 1), None, "wait {wait}");
        now += wait;
        assert_eq!(cache.poll_fetch(now), Some(FetchReason::Retry));
        cache.on_failure(now);
        assert_eq!(verify(&mut cache, now, 0), Ok(()));
    }
    assert_eq!(cache.failures(), 7);
    // A rotation while failing: the unknown kid waits for the retry, never sooner.
    assert_eq!(verify(&mut cache, now + 1, 1), Err(Error::UnknownKid));
    assert_eq!(cache.next_due(), now + 300);
    // Recovery resets the back-off.
    now += 300;
    assert_eq!(cache.poll_fetch(now), Some(FetchReason::Retry));
    cache.on_response(now, 200, &doc(&[1, 0]), Some(600)).expect("back");
    assert_eq!((cache.failures(), cache.next_due()), (0, now + 600));
    assert_eq!(verify(&mut cache, now, 1), Ok(()));
}

#[test]
fn garbage_is_a_failure_and_keeps_the_set() {
    let rsa = br#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}]}"#;
    let cases: [(u16, &[u8], FetchError); 7] = [
        (503, b"", FetchError::Status(503)),
        (404, b"{\"keys\":[]}", FetchError::Status(404)),
        (
            200,
            b"<html>",
            FetchError::Jwks(JwkError::Json(json_err(&cotter_jwt::Jwks::<4>::from_json("<html>")))),
        ),
        (200, b"{\"keys\":[]}", FetchError::Jwks(JwkError::MissingKeys)),
        (200, b"{\"kid\":\"x\"}", FetchError::Jwks(JwkError::MissingKeys)),
        (200, rsa, FetchError::Jwks(JwkError::UnsupportedKeyType)),
        (200, b"{\"keys\":[\xff]}", FetchError::Jwks(JwkError::Json(utf8_err()))),
    ];
    for (status, body, expected) in cases {
        let mut cache = loaded(&[0], Some(600));
        let now = NOW + 600;
        assert_eq!(cache.poll_fetch(now), Some(FetchReason::Expired));
        assert_eq!(cache.on_response(now, status, body, Some(60)), Err(expected));
        assert_eq!(kids(&cache, now).as_deref(), Some(&["k0".to_owned()][..]), "{expected}");
        assert_eq!(verify(&mut cache, now, 0), Ok(()));
        assert_eq!((cache.failures(), cache.next_due()), (1, now + 30));
        assert_eq!(cache.fresh_until(), Some(NOW + 600), "a failure does not refresh");
    }
}

fn json_err(r: &Result<cotter_jwt::Jwks<4>, JwkError>) -> cotter_jwt::JsonError {
    match r {
        Err(JwkError::Json(e)) => *e,
        other => panic!("not a JSON error: {other:?}"),
    }
}

fn utf8_err() -> cotter_jwt::JsonError {
    cotter_jwt::JsonError::new(cotter_jwt::JsonErrorKind::InvalidUtf8)
}

#[test]
fn the_last_good_set_is_served_until_the_staleness_bound_and_not_after() {
    let mut cache = loaded(&[0], Some(600));
    let bound = NOW + 600 + 86_400;
    assert_eq!(cache.usable_until(), Some(bound));
    let mut now = NOW + 600;
    while now < bound {
        if cache.poll_fetch(now).is_some() {
            cache.on_failure(now);
        }
        assert_eq!(verify(&mut cache, now, 0), Ok(()), "at +{}", now - NOW);
        now += 97;
    }
    assert_eq!(verify(&mut cache, bound - 1, 0), Ok(()));
    assert!(cache.jwks(bound).is_none());
    assert!(cache.last_good().is_some(), "kept for diagnostics");
    assert_eq!(verify(&mut cache, bound, 0), Err(Error::UnknownKid));
    // Without a kid and without a set: the other "no key" error.
    let mut buf = [0u8; 1024];
    let no_kid = sign_json(&signing_key(1), r#"{"alg":"ES256"}"#, &payload());
    let v = Validation::cotter(AUD, bound);
    assert_eq!(cache.verify(bound, &no_kid, &v, &mut buf).unwrap_err(), Error::MissingKid);
    // A shorter bound, and the set comes back with the server.
    let mut cache = Cache::new(JwksPolicy::new().stale_if_error(60));
    cache.on_response(NOW, 200, &doc(&[0]), Some(600)).expect("good");
    assert!(cache.jwks(NOW + 659).is_some() && cache.jwks(NOW + 660).is_none());
    cache.on_response(NOW + 700, 200, &doc(&[0]), Some(600)).expect("back");
    assert_eq!(verify(&mut cache, NOW + 700, 0), Ok(()));
}

#[test]
fn keys_leave_only_when_the_server_drops_them() {
    let mut cache = loaded(&[0, 1], None);
    assert_eq!(verify(&mut cache, NOW + 1, 1), Ok(()));
    // A refresh that fails, or brings a set with nothing usable, drops nothing.
    cache.on_failure(NOW + 3600);
    let _ = cache.on_response(NOW + 3630, 200, br#"{"keys":[]}"#, None);
    assert_eq!(kids(&cache, NOW + 3630), Some(vec!["k0".into(), "k1".into()]));
    // The server stops listing key 0: its tokens stop verifying at once.
    cache.on_response(NOW + 3700, 200, &doc(&[1]), None).expect("good");
    assert_eq!(kids(&cache, NOW + 3700), Some(vec!["k1".into()]));
    assert_eq!(verify(&mut cache, NOW + 3700, 0), Err(Error::UnknownKid));
    assert_eq!(verify(&mut cache, NOW + 3700, 1), Ok(()));
    // Entries this crate cannot use are skipped, the rest taken.
    let rsa = r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}"#;
    let mixed = format!(r#"{{"keys":[{rsa},{}]}}"#, jwk(2));
    cache.on_response(NOW + 3800, 200, mixed.as_bytes(), None).expect("one usable");
    assert_eq!(kids(&cache, NOW + 3800), Some(vec!["k2".into()]));
    assert_eq!(cache.last_good().map(|k| k.skipped_count()), Some(1));
}

#[test]
fn reports_out_of_order_never_move_the_clock_back() {
    let mut cache = loaded(&[0], None);
    cache.unknown_kid();
    assert_eq!(cache.poll_fetch(NOW + 100), Some(FetchReason::UnknownKid));
    // The answer carries an earlier time (another clock, a slow task): counted from the poll.
    cache.on_failure(NOW + 50);
    assert_eq!(cache.next_due(), NOW + 130);
}

#[test]
fn a_cache_loaded_before_the_time_was_known_moves_with_the_clock() {
    // A device counts from 0 until a verified token tells it the time.
    let mut cache = Cache::default();
    assert_eq!(cache.poll_fetch(0), Some(FetchReason::Initial));
    cache.on_response(2, 200, &doc(&[0]), Some(600)).expect("good");
    cache.shift_clock(NOW);
    assert_eq!(cache.fresh_until(), Some(NOW + 602));
    assert_eq!(cache.usable_until(), Some(NOW + 602 + 86_400));
    assert_eq!(cache.poll_fetch(NOW + 601), None, "not decades old: fresh for its max-age");
    assert_eq!(cache.poll_fetch(NOW + 602), Some(FetchReason::Expired));
    assert_eq!(verify(&mut cache, NOW + 602, 0), Ok(()));
    // Without it, the set would be due at once.
    let mut unshifted = Cache::default();
    unshifted.on_response(2, 200, &doc(&[0]), Some(600)).expect("good");
    assert_eq!(unshifted.poll_fetch(NOW), Some(FetchReason::Expired));
}

#[cfg(all(feature = "std", feature = "prepared"))]
#[test]
fn prepared_keys_are_prepared_at_each_good_answer() {
    use cotter_jwt::{JwkKey, SmallTableKey};
    let mut cache = JwksCache::<4, Box<SmallTableKey<'static>>>::new(JwksPolicy::new());
    assert_eq!(cache.poll_fetch(NOW), Some(FetchReason::Initial));
    cache.on_response(NOW, 200, &doc(&[0, 1]), None).expect("good");
    let mut buf = [0u8; 1024];
    let v = Validation::cotter(AUD, NOW);
    assert!(cache.verify(NOW, &token(1), &v, &mut buf).is_ok());
    assert_eq!(cache.verify(NOW, &token(2), &v, &mut buf).unwrap_err(), Error::UnknownKid);
    assert_eq!(cache.poll_fetch(NOW + 30), Some(FetchReason::UnknownKid));
    cache.on_response(NOW + 30, 200, &doc(&[2]), None).expect("rotated");
    assert!(cache.verify(NOW + 30, &token(2), &v, &mut buf).is_ok());
    let key = cache.jwks(NOW + 30).and_then(|k| k.get("k2")).expect("prepared k2");
    let plain = cotter_jwt::Es256Key::from_verifying_key(*signing_key(3).verifying_key());
    assert_eq!(key.coordinates(), plain.coordinates());
}

/// One step of the property test.
#[derive(Clone, Debug)]
enum Step {
    /// Time passes.
    Wait(u64),
    /// The caller asks whether to fetch, and fetches if told (the answer is a later step,
    /// or never).
    Poll,
    /// A token signed by key `i` arrives.
    Token(usize),
    /// A fetch's answer: a good set (index into `SETS`).
    Good(usize, Option<u32>),
    /// A fetch's answer that is not a set: a status, or garbage.
    Bad(u16, &'static [u8]),
    /// A fetch brought no answer.
    Failure,
}

const SETS: [&[usize]; 3] = [&[0], &[0, 1], &[1, 2]];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u64..400).prop_map(Step::Wait),
        1 => (0u64..200_000).prop_map(Step::Wait),
        4 => Just(Step::Poll),
        3 => (0usize..4).prop_map(Step::Token),
        2 => (0usize..3, proptest::option::of(0u32..100_000)).prop_map(|(s, a)| Step::Good(s, a)),
        2 => prop_oneof![
            Just(Step::Bad(503, b"")),
            Just(Step::Bad(200, b"not json")),
            Just(Step::Bad(200, br#"{"keys":[]}"#)),
            Just(Step::Bad(200, b"\xff\xfe")),
        ],
        2 => Just(Step::Failure),
    ]
}

/// A policy, and its `kid` refetch interval.
fn policy() -> impl Strategy<Value = (JwksPolicy, u64)> {
    (1u64..120, 1u64..120, 1u64..1000, 1u64..200, 0u64..5000, 0u64..5000, 0u64..100_000).prop_map(
        |(kid, retry, retry_max, min_age, max_age, default_age, stale)| {
            let policy = JwksPolicy::new()
                .refetch_interval(kid)
                .retry_after_failure(retry, retry_max)
                .max_age_bounds(min_age, max_age)
                .default_max_age(default_age)
                .stale_if_error(stale);
            (policy, kid)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the server and the network do: the last good set is served, unchanged, until
    /// its staleness bound and never after; the cache never asks for two fetches closer than
    /// the policy allows; `due` agrees with `next_due`.
    #[test]
    fn never_loses_a_good_set_early_never_fetches_too_often(
        (policy, kid_interval) in policy(),
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let mut cache = Cache::new(policy);
        let mut now = NOW;
        // The model: the last good set (its index) and its bound; the last poll or report.
        let mut good: Option<(usize, u64)> = None;
        let mut last_event: Option<u64> = None;
        let freshness = |age: Option<u32>| {
            let mut probe = Cache::new(policy);
            probe.on_response(0, 200, &doc(&[0]), age).expect("good");
            probe.fresh_until().expect("loaded")
        };
        for step in steps {
            match step {
                Step::Wait(s) => now += s,
                Step::Poll => {
                    prop_assert_eq!(cache.due(now).is_some(), now >= cache.next_due());
                    let due = cache.due(now);
                    let polled = cache.poll_fetch(now);
                    prop_assert_eq!(polled, due);
                    if let Some(reason) = polled {
                        if let Some(last) = last_event {
                            prop_assert!(now - last >= policy.min_fetch_interval(),
                                "{reason:?} at +{} after an event at +{}", now - NOW, last - NOW);
                            if reason == FetchReason::UnknownKid {
                                prop_assert!(now - last >= kid_interval);
                            }
                        }
                        if reason == FetchReason::Expired {
                            prop_assert!(cache.fresh_until().is_some_and(|f| now >= f));
                        }
                        last_event = Some(now);
                    }
                }
                Step::Token(i) => {
                    let r = verify(&mut cache, now, i);
                    let expected = match good {
                        Some((set, bound)) if now < bound && SETS[set].contains(&i) => Ok(()),
                        _ => Err(Error::UnknownKid),
                    };
                    prop_assert_eq!(r, expected);
                }
                Step::Good(set, age) => {
                    cache.on_response(now, 200, &doc(SETS[set]), age).expect("good set");
                    let at = last_event.map_or(now, |l| l.max(now));
                    let stale = cache.usable_until().expect("loaded") - cache.fresh_until().expect("loaded");
                    good = Some((set, at + freshness(age) + stale));
                    last_event = Some(at);
                }
                Step::Bad(status, body) => {
                    prop_assert!(cache.on_response(now, status, body, Some(10)).is_err());
                    last_event = Some(last_event.map_or(now, |l| l.max(now)));
                }
                Step::Failure => {
                    cache.on_failure(now);
                    last_event = Some(last_event.map_or(now, |l| l.max(now)));
                }
            }
            match good {
                Some((set, bound)) if now < bound => {
                    let expected: Vec<String> = SETS[set].iter().map(|&i| KIDS[i].to_owned()).collect();
                    prop_assert_eq!(kids(&cache, now), Some(expected));
                }
                _ => prop_assert!(cache.jwks(now).is_none()),
            }
        }
    }
}
