//! Differential tests: the hand-written decoders must agree with `serde_json` reading the same
//! body through the types' serde derives (the owned variants, which take escaped strings):
//! both accept with equal values, or both refuse.
//!
//! Where the decoders are knowingly stricter, a refusal that `serde_json` does not share is
//! accepted: nesting deeper than [`MAX_DEPTH`] (serde_json allows 128), a lone UTF-16
//! surrogate in a member the type skips (serde_json checks escapes there only for hex
//! digits), more than [`MAX_LIST`](crate::MAX_LIST) list items (the owned `Vec` has no
//! bound), and a struct written as a JSON array (serde's derives read it by position).

use core::fmt::Debug;
use std::string::String;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;
use serde::de::DeserializeOwned;

use super::*;
use crate::{
    ApiError, ApiErrorOwned, EnrolledMethod, Event, EventOwned, IdentifierInfo,
    IdentifierInfoOwned, IdentityResponse, IdentityResponseOwned, IdentityToken,
    IdentityTokenOwned, OAuthToken, OAuthTokenOwned, User, UserOwned,
};

#[path = "serde_differences.rs"]
mod serde_differences;
use serde_differences::excused;

/// Decodes `body` as `B` (then made owned) and with serde_json as `O`; panics on disagreement.
fn agree<'a, B, O>(body: &'a [u8], scratch: &'a mut [u8], owned: impl Fn(&B) -> O)
where
    B: Decode<'a> + Debug,
    O: DeserializeOwned + PartialEq + Debug,
{
    let ours: Result<B, Error> = decode(body, scratch);
    let Ok(text) = core::str::from_utf8(body) else {
        assert!(ours.is_err(), "invalid UTF-8 accepted: {ours:?}");
        return;
    };
    let theirs: Result<O, _> = serde_json::from_str(text);
    match (&ours, &theirs) {
        (Ok(b), Ok(o)) => assert_eq!(&owned(b), o, "values differ for {text:?}"),
        (Err(_), Err(_)) => {}
        (Ok(b), Err(e)) => panic!("accepted {text:?} as {b:?}; serde_json: {e}"),
        (Err(e), Ok(_)) if excused(e, text) => {}
        (Err(e), Ok(o)) => panic!("refused {text:?} ({e:?}); serde_json: {o:?}"),
    }
}

/// `EnrolledMethod` has no owned variant: serde_json reads the borrowed type, which it can
/// only do for strings without escapes.
fn agree_enrolled(body: &[u8]) {
    let mut scratch = [0u8; 512];
    let ours = decode::<EnrolledMethod<'_>>(body, &mut scratch);
    let Ok(text) = core::str::from_utf8(body) else { return };
    if text.contains('\\') {
        return;
    }
    let theirs = serde_json::from_str::<EnrolledMethod<'_>>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) if excused(e, text) => {}
        _ => panic!("disagree on {text:?}: {ours:?} / {theirs:?}"),
    }
}

/// Every response type against serde_json on the same body.
pub(super) fn agree_all(body: &[u8]) {
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &OAuthToken<'_>| -> OAuthTokenOwned { v.to_owned() });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &User<'_>| -> UserOwned { v.to_owned() });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &Option<Event<'_>>| -> Option<EventOwned> {
        v.as_ref().map(Event::to_owned)
    });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &IdentityResponse<'_>| -> IdentityResponseOwned { v.to_owned() });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &IdentifierInfo<'_>| -> IdentifierInfoOwned { v.to_owned() });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &IdentityToken<'_>| -> IdentityTokenOwned { v.to_owned() });
    let mut s = vec![0u8; body.len()];
    agree(body, &mut s, |v: &ApiError<'_>| -> ApiErrorOwned { v.to_owned() });
    agree_enrolled(body);
}

/// Member names of every response type, plus one nobody reads.
const NAMES: [&str; 40] = [
    "access_token",
    "auth_method",
    "expires_in",
    "id_token",
    "refresh_token",
    "token_type",
    "ID",
    "client_user_id",
    "issuer",
    "created_at",
    "update_at",
    "updated_at",
    "deleted_at",
    "default_method",
    "enrolled",
    "identifier",
    "identifiers",
    "oauth_token",
    "CreatedAt",
    "UpdatedAt",
    "DeletedAt",
    "user_id",
    "event",
    "ip",
    "location",
    "timestamp",
    "method",
    "new",
    "approved",
    "signature",
    "user",
    "token",
    "identifier_type",
    "public_key",
    "device_type",
    "device_name",
    "expiry",
    "expire_at",
    "receiver",
    "msg",
];

/// A JSON string literal, sometimes with escapes.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 :._-]{0,8}".prop_map(|s| std::format!("\"{s}\"")),
        1 => Just(String::from("\"1586230498\"")),
        1 => Just(String::from("\"-5\"")),
        1 => Just(String::from("\"01\"")),
        1 => Just(String::from("\"\\u0031\\u0032\"")),
        1 => Just(String::from("\"caf\\u00e9 \\ud83d\\ude00 \\\" \\/\"")),
        1 => Just(String::from("\"\\ud83d\"")),
        1 => Just(String::from("\"TRUSTED_DEVICE\"")),
    ]
}

/// Any JSON value of the shapes the response types hold, and some they do not.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => string(),
        1 => Just(String::from("null")),
        1 => Just(String::from("true")),
        1 => Just(String::from("false")),
        1 => Just(String::from("0")),
        1 => Just(String::from("3600")),
        1 => Just(String::from("-1")),
        1 => Just(String::from("-0")),
        1 => Just(String::from("1.0")),
        1 => Just(String::from("1e3")),
        1 => Just(String::from("18446744073709551615")),
        1 => Just(String::from("18446744073709551616")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..18)
                .prop_map(|v| std::format!("[{}]", v.join(","))),
            object(inner),
        ]
    })
}

/// An object with members drawn from `NAMES` (repeats allowed) and values from `inner`.
fn object(inner: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(&NAMES[..]), inner), 0..14).prop_map(|members| {
        let members: Vec<String> =
            members.iter().map(|(k, v)| std::format!("\"{k}\":{v}")).collect();
        std::format!("{{{}}}", members.join(","))
    })
}

/// Valid bodies of every type, so that acceptance is exercised too.
fn valid() -> impl Strategy<Value = Vec<u8>> {
    (0..super::prop_tests::SAMPLES.len(), any::<prop::sample::Index>(), value(), 0u8..4).prop_map(
        |(which, at, extra, op)| {
            let body = super::prop_tests::SAMPLES[which];
            let text = core::str::from_utf8(body).unwrap().trim_end();
            let inner = text.strip_suffix('}').unwrap();
            match op {
                // Overwrite a member (duplicate), or add an unknown one, at the end.
                0 => std::format!("{inner},\"{}\":{extra}}}", NAMES[at.index(NAMES.len())]),
                1 => std::format!("{inner},\"unknown\":{extra}}}"),
                // Drop a member.
                2 => {
                    let name = NAMES[at.index(NAMES.len())];
                    let key = std::format!("\"{name}\"");
                    match text.find(&key) {
                        Some(i) => {
                            let end = text[i..].find([',', '}']).map_or(text.len(), |e| i + e);
                            std::format!("{}{}", &text[..i], &text[end..].trim_start_matches(','))
                        }
                        None => String::from(text),
                    }
                }
                _ => String::from(text),
            }
            .into_bytes()
        },
    )
}

#[test]
fn samples_agree() {
    for body in super::prop_tests::SAMPLES {
        agree_all(body);
    }
    agree_all(b"null");
    agree_all(b" {} ");
    agree_all(br#"{"msg":"a","msg":"b"}"#);
    agree_all(br#"{"m\u0073g":"escaped name"}"#);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_objects_agree(body in object(value())) {
        agree_all(body.as_bytes());
    }

    #[test]
    fn edited_samples_agree(body in valid()) {
        agree_all(&body);
    }
}
