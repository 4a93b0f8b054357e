//! Tests of the deserializer wrapper: key position, enums, nesting limit.

use proptest::prelude::*;

use crate::json::{MAX_DEPTH, decode};
use crate::{ApiError, Error, JsonError, JsonErrorKind};

fn kind_of_err<T>(r: Result<T, Error>) -> JsonError {
    match r {
        Err(Error::Json(e)) => e,
        Err(other) => panic!("expected a json error, got {other:?}"),
        Ok(_) => panic!("expected a json error, got a value"),
    }
}

#[test]
fn non_string_map_keys_are_errors_not_panics() {
    // serde-json-core's key deserializer hits `unreachable!()` for non-string requests; the
    // wrapper turns every key request into a string request.
    // (serde reports the key's type mismatch through its generic error: `InvalidValue`.)
    let r = decode::<heapless::LinearMap<u32, u32, 4>>(br#"{"1":2}"#, &mut []);
    assert_eq!(kind_of_err(r).kind(), JsonErrorKind::InvalidValue);
    let m: heapless::LinearMap<heapless::String<8>, u32, 4> =
        decode(br#"{"k\u00e9":2}"#, &mut [0; 8]).unwrap();
    assert_eq!(m.get("ké"), Some(&2));
}

#[test]
fn enums_and_escaped_keys_go_through_the_wrapper() {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Kind {
        Email,
        Phone,
    }
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Probe<'a> {
        kind: Kind,
        text: &'a str,
        list: heapless::Vec<(u8, &'a str), 2>,
    }
    let body = br#"{"kind":"Phone","t\u0065xt":"a\tb","list":[[1,"\u00e9"],[2,"x"]]}"#;
    let mut scratch = [0; 16];
    let p: Probe<'_> = decode(body, &mut scratch).unwrap();
    assert_eq!(p.kind, Kind::Phone);
    assert_eq!(p.text, "a\tb");
    assert_eq!(p.list.as_slice(), &[(1, "é"), (2, "x")]);
    let bad = decode::<Probe<'_>>(br#"{"kind":"Fax","text":"","list":[]}"#, &mut []);
    assert_eq!(kind_of_err(bad).field(), Some("kind"));
    let _ = Kind::Email;
}

#[test]
fn depth_limit_cannot_be_bypassed_through_skipped_literals() {
    // serde-json-core skips a bare literal up to the next `,`, `}` or `]`, quotes included, so
    // a scanner that pairs quotes would think the brackets below sit inside a string.
    let mut body = std::vec::Vec::new();
    body.extend_from_slice(br#"{"a":x","b":"#);
    body.extend(core::iter::repeat_n(b'[', 100_000));
    let e = kind_of_err(decode::<ApiError<'_>>(&body, &mut []));
    assert_eq!(e.kind(), JsonErrorKind::TooDeep);
}

#[test]
fn depth_limit_counts_known_and_skipped_levels() {
    let nested = |n: usize| {
        let mut body = std::vec::Vec::new();
        body.extend_from_slice(br#"{"x":"#);
        body.extend(core::iter::repeat_n(b'[', n));
        body.extend(core::iter::repeat_n(b']', n));
        body.extend_from_slice(br#","msg":"m"}"#);
        body
    };
    // The outer object is one level.
    assert_eq!(decode::<ApiError<'_>>(&nested(MAX_DEPTH - 1), &mut []).unwrap().msg, "m");
    let e = kind_of_err(decode::<ApiError<'_>>(&nested(MAX_DEPTH), &mut []));
    assert_eq!(e.kind(), JsonErrorKind::TooDeep);
}

proptest! {
    #[test]
    fn deep_input_is_rejected_whatever_precedes_it(junk in "[a-z\\\",:{}]{0,10}", n in (MAX_DEPTH + 1)..400) {
        let mut body = std::vec::Vec::new();
        body.extend_from_slice(br#"{"a":"#);
        body.extend_from_slice(junk.as_bytes());
        body.extend(core::iter::repeat_n(b'[', n));
        prop_assert!(decode::<ApiError<'_>>(&body, &mut [0; 64]).is_err());
    }
}
