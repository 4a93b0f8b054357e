//! Tests of the redirect parser and of its check against the expected state.

use proptest::prelude::*;
use std::format;
use std::string::String;

use super::*;

const STATE: &str = "c3RhdGUtc3RhdGUtc3RhdGU";

fn state() -> State {
    State::parse(STATE).unwrap()
}

#[test]
fn full_url_with_fragment() {
    let url =
        format!("http://127.0.0.1:8080/cb?code=abc%2Bd&state={STATE}&challenge_id=42&x=1#frag");
    let mut buf = [0u8; 64];
    let p = RedirectParams::parse(&url, &mut buf).unwrap();
    assert_eq!(
        (p.code, p.state, p.challenge_id, p.error),
        (Some("abc+d"), Some(STATE), Some(42), None)
    );
    let code = p.check(&state()).unwrap();
    assert_eq!((code.code, code.challenge_id), ("abc+d", 42));
    assert_eq!(format!("{code:?}"), "AuthorizationCode { code: <redacted>, challenge_id: 42 }");
    assert!(!format!("{p:?}").contains(STATE));
}

#[test]
fn bare_query_and_custom_scheme() {
    let mut buf = [0u8; 64];
    let q = format!("?challenge_id=7&state={STATE}&code=c");
    let p = RedirectParams::parse(&q, &mut buf).unwrap();
    assert_eq!(p.check(&state()).unwrap().challenge_id, 7);
    let q = format!("state={STATE}&code=c&challenge_id=8");
    assert_eq!(RedirectParams::parse(&q, &mut buf).unwrap().challenge_id, Some(8));
    let q = format!("cotter://auth?code=c&state={STATE}&challenge_id=9");
    assert_eq!(RedirectParams::parse(&q, &mut buf).unwrap().challenge_id, Some(9));
    let none = RedirectParams::parse("http://127.0.0.1/cb", &mut buf).unwrap();
    assert_eq!(none, RedirectParams::default());
    // Percent-encoded keys are decoded too.
    let p = RedirectParams::parse("c%6Fde=k", &mut buf).unwrap();
    assert_eq!(p.code, Some("k"));
}

#[test]
fn errors_map_to_typed_rejections() {
    let mut buf = [0u8; 64];
    let q = format!("http://x/cb?error=access_denied&state={STATE}");
    let p = RedirectParams::parse(&q, &mut buf).unwrap();
    assert_eq!(p.check(&state()), Err(Error::AuthorizationRejected(RejectionKind::AccessDenied)));
    let q = format!("error=Authentication+request+was+rejected&state={STATE}");
    let p = RedirectParams::parse(&q, &mut buf).unwrap();
    assert_eq!(p.error, Some("Authentication request was rejected"));
    assert_eq!(p.check(&state()), Err(Error::AuthorizationRejected(RejectionKind::Other)));
    assert!(RejectionKind::from_code("temporarily_unavailable").is_transient());
}

#[test]
fn state_is_checked_before_error() {
    // An `error=` that is not this login's (another state, or none) is not its rejection.
    let mut buf = [0u8; 64];
    let mut check =
        |q: &str| RedirectParams::parse(q, &mut buf).and_then(|p| p.check(&state()).map(|_| ()));
    assert_eq!(check("error=access_denied&state=zzz"), Err(Error::StateMismatch));
    assert_eq!(check("error=access_denied"), Err(Error::StateMissing));
    assert_eq!(check("error=access_denied&state="), Err(Error::StateMissing));
    let wrong = format!("error=access_denied&state={}X", &STATE[..STATE.len() - 1]);
    assert_eq!(check(&wrong), Err(Error::StateMismatch));
}

#[test]
fn state_problems() {
    let mut buf = [0u8; 64];
    let check = |q: &str, buf: &mut [u8]| {
        RedirectParams::parse(q, buf).and_then(|p| p.check(&state()).map(|_| ()))
    };
    assert_eq!(check("code=c&challenge_id=1", &mut buf), Err(Error::StateMissing));
    assert_eq!(check("code=c&challenge_id=1&state=", &mut buf), Err(Error::StateMissing));
    let wrong = format!("code=c&challenge_id=1&state={}X", &STATE[..STATE.len() - 1]);
    assert_eq!(check(&wrong, &mut buf), Err(Error::StateMismatch));
    let longer = format!("code=c&challenge_id=1&state={STATE}x");
    assert_eq!(check(&longer, &mut buf), Err(Error::StateMismatch));
    let no_code = format!("code=&challenge_id=1&state={STATE}");
    assert_eq!(check(&no_code, &mut buf), Err(Error::MissingParameter("code")));
    let no_id = format!("code=c&state={STATE}");
    assert_eq!(check(&no_id, &mut buf), Err(Error::MissingParameter("challenge_id")));
}

#[test]
fn malformed_queries() {
    let mut buf = [0u8; 64];
    let mut parse = |q: &str| RedirectParams::parse(q, &mut buf).map(|_| ());
    assert_eq!(parse("code=a&code=b"), Err(Error::DuplicateParameter("code")));
    assert_eq!(parse("state=a&state=a"), Err(Error::DuplicateParameter("state")));
    assert_eq!(
        parse("challenge_id=1&challenge_id=1"),
        Err(Error::DuplicateParameter("challenge_id"))
    );
    assert_eq!(parse("challenge_id=-1"), Err(Error::InvalidChallengeId));
    assert_eq!(parse("challenge_id=%2B1"), Err(Error::InvalidChallengeId));
    assert_eq!(parse("challenge_id=1.0"), Err(Error::InvalidChallengeId));
    assert_eq!(parse("challenge_id="), Err(Error::InvalidChallengeId));
    assert_eq!(parse("challenge_id=18446744073709551616"), Err(Error::InvalidChallengeId));
    assert_eq!(parse("code=%G0"), Err(Error::InvalidPercentEncoding));
    assert_eq!(parse("code=%FF"), Err(Error::InvalidUtf8));
    assert!(parse("a&&b=&=c&%zz=1").is_ok());
    assert_eq!(RedirectParams::parse("code=%41%41", &mut [0u8; 1]), Err(Error::BufferTooSmall));
}

proptest! {
    #[test]
    fn a_foreign_error_is_never_a_rejection(
        other in proptest::option::of("[A-Za-z0-9_-]{0,30}"),
        error in "\\PC{0,20}",
    ) {
        prop_assume!(other.as_deref() != Some(STATE));
        let mut q = String::from("error=");
        crate::percent::encode(&error, &mut q).unwrap();
        if let Some(s) = &other {
            q.push_str("&state=");
            q.push_str(s);
        }
        let mut buf = std::vec![0u8; q.len()];
        let p = RedirectParams::parse(&q, &mut buf).unwrap();
        prop_assert!(matches!(p.check(&state()), Err(Error::StateMissing | Error::StateMismatch)));
    }

    #[test]
    fn parse_never_panics(input in "\\PC{0,80}|[a-z_=&%0-9A-F+?#]{0,80}", cap in 0usize..80) {
        let mut buf = [0u8; 80];
        if let Ok(p) = RedirectParams::parse(&input, &mut buf[..cap]) {
            let _ = p.check(&state());
        }
    }

    #[test]
    fn values_round_trip(code in "\\PC{1,30}", error in proptest::option::of("\\PC{0,20}"), id in any::<u64>()) {
        let mut q = String::from("http://127.0.0.1:1/cb?code=");
        crate::percent::encode(&code, &mut q).unwrap();
        q.push_str("&state=");
        q.push_str(STATE);
        q.push_str(&format!("&challenge_id={id}"));
        if let Some(e) = &error {
            q.push_str("&error=");
            crate::percent::encode(e, &mut q).unwrap();
        }
        let mut buf = std::vec![0u8; q.len()];
        let p = RedirectParams::parse(&q, &mut buf).unwrap();
        prop_assert_eq!(p.code, Some(code.as_str()));
        prop_assert_eq!(p.challenge_id, Some(id));
        prop_assert_eq!(p.error, error.as_deref());
        match error {
            None => prop_assert_eq!(p.check(&state()).unwrap().code, code.as_str()),
            Some(_) => prop_assert!(matches!(p.check(&state()), Err(Error::AuthorizationRejected(_)))),
        }
    }
}
