//! Property tests of the decoders: arbitrary or mutated input never panics, every response
//! type round-trips through `encode` → `decode` whatever its strings contain, and request
//! bodies encode to the JSON `serde_json` writes.

use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::{
    ApiError, CreateEventRequest, CreatePendingEventRequest, CreateUserRequest, EnrolledMethod,
    Event, GetIdentityRequest, IdentifierInfo, IdentityResponse, IdentityToken, OAuthToken,
    RefreshRequest, RespondEventRequest, StrList, UnixSeconds, UpdateMethodsRequest, User,
};

/// Strings rich in what JSON must escape.
fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => Just('\u{0}'),
        1 => Just('\u{1f}'),
        1 => Just('é'),
        1 => Just('😀'),
    ];
    prop::collection::vec(ch, 0..10).prop_map(|v| v.into_iter().collect())
}

fn texts(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), n)
}

/// Decodes with every type of the crate; only the absence of panics matters.
fn decode_all(body: &[u8]) {
    let mut s = [0u8; 256];
    let _ = decode::<IdentityResponse<'_>>(body, &mut s);
    let _ = decode::<OAuthToken<'_>>(body, &mut s);
    let _ = decode::<User<'_>>(body, &mut s);
    let _ = decode::<Option<Event<'_>>>(body, &mut s);
    let _ = decode::<ApiError<'_>>(body, &mut s);
    let _ = decode::<EnrolledMethod<'_>>(body, &mut s);
    let _ = decode::<IdentityToken<'_>>(body, &mut s);
    let _ = decode::<IdentifierInfo<'_>>(body, &mut s);
}

pub(super) const SAMPLES: [&[u8]; 8] = [
    include_bytes!("../../testdata/identity_response.json"),
    include_bytes!("../../testdata/refresh_response.json"),
    include_bytes!("../../testdata/refresh_response_no_rotation.json"),
    include_bytes!("../../testdata/user.json"),
    include_bytes!("../../testdata/user_enrolled_with_token.json"),
    include_bytes!("../../testdata/event_pending.json"),
    include_bytes!("../../testdata/event_approved.json"),
    include_bytes!("../../testdata/api_error.json"),
];

/// Request bodies: `encode` writes what `serde_json` writes (same members, same values).
fn encodes_like_serde_json<T: Serialize>(value: &T) {
    let mut buf = std::vec![0u8; 16 * 1024];
    let ours = encode(value, &mut buf).unwrap();
    let ours: serde_json::Value = serde_json::from_str(ours).unwrap();
    assert_eq!(ours, serde_json::to_value(value).unwrap());
}

/// Round trip through `encode` and `decode`; the scratch is as large as the JSON, which bounds
/// the unescaped text.
fn round_trip<'a, T>(value: &T, buf: &'a mut Vec<u8>, scratch: &'a mut Vec<u8>) -> T
where
    T: Serialize + Decode<'a>,
{
    buf.resize(16 * 1024, 0);
    let len = encode(value, buf).unwrap().len();
    buf.truncate(len);
    scratch.resize(len, 0);
    decode(buf, scratch).unwrap()
}

fn token<'a>(s: &'a [String], expires_in: u64, refresh: bool) -> OAuthToken<'a> {
    OAuthToken {
        access_token: &s[0],
        auth_method: &s[1],
        expires_in,
        id_token: &s[2],
        refresh_token: refresh.then_some(s[3].as_str()),
        token_type: &s[4],
    }
}

/// `Some(v)` when `bit` is set in `flags`.
fn pick(flags: u32, bit: u32, v: &str) -> Option<&str> {
    (flags & bit != 0).then_some(v)
}

fn list<'a>(s: &'a [String]) -> StrList<'a> {
    s.iter().map(String::as_str).collect()
}

fn user<'a>(s: &'a [String], t: &'a [String], flags: u8) -> User<'a> {
    let f = u32::from(flags);
    User {
        id: &s[0],
        client_user_id: &s[1],
        issuer: &s[2],
        created_at: &s[3],
        update_at: pick(f, 1, &s[4]),
        updated_at: pick(f, 2, &s[5]),
        deleted_at: pick(f, 4, &s[6]),
        default_method: pick(f, 8, &s[7]),
        enrolled: (flags & 16 != 0).then(|| list(&s[8..11])),
        identifier: pick(f, 32, &s[11]),
        identifiers: (flags & 64 != 0).then(|| list(&s[12..13])),
        oauth_token: (flags & 128 != 0).then(|| token(t, 3600, flags & 1 != 0)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        decode_all(&body);
    }

    #[test]
    fn json_like_text_never_panics(body in "[{}\\[\\]\":,0-9a-zA-Z\\\\ .+eE-]{0,120}") {
        decode_all(body.as_bytes());
    }

    #[test]
    fn mutated_samples_never_panic(
        which in 0..SAMPLES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut body = SAMPLES[which].to_vec();
        for (at, byte, op) in edits {
            if body.is_empty() {
                break;
            }
            let i = at.index(body.len());
            match op {
                0 => body[i] = byte,
                1 => { body.remove(i); }
                _ => body.insert(i, byte),
            }
        }
        decode_all(&body);
    }

    #[test]
    fn truncated_samples_fail_cleanly(which in 0..SAMPLES.len(), cut in any::<prop::sample::Index>()) {
        let body = SAMPLES[which].trim_ascii_end();
        let body = &body[..cut.index(body.len())];
        decode_all(body);
        // A strict prefix of an object is never a complete object.
        prop_assert!(decode::<ApiError<'_>>(body, &mut [0; 256]).is_err());
    }

    #[test]
    fn oauth_token_round_trips(s in texts(5), expires_in in any::<u64>(), refresh in any::<bool>()) {
        let v = token(&s, expires_in, refresh);
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
    }

    #[test]
    fn user_round_trips(s in texts(13), t in texts(5), flags in any::<u8>()) {
        let v = user(&s, &t, flags);
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
    }

    #[test]
    fn identity_response_round_trips(s in texts(31), n in any::<i64>(), flags in any::<u8>()) {
        let identifier = IdentifierInfo {
            id: &s[0], created_at: &s[1], update_at: Some(&s[2]), deleted_at: (flags & 1 != 0).then_some(s[3].as_str()),
            identifier: &s[4], identifier_type: &s[5], public_key: &s[6], device_type: &s[7],
            device_name: &s[8], expiry: &s[9], timestamp: (flags & 2 != 0).then_some(s[10].as_str()),
        };
        let token_ = IdentityToken {
            identifier_id: (flags & 4 != 0).then_some(s[11].as_str()), expire_at: UnixSeconds(n),
            identifier: &s[12], identifier_type: &s[13], receiver: &s[14], signature: &s[15],
            timestamp: (flags & 8 != 0).then_some(UnixSeconds(n / 2)),
        };
        let v = IdentityResponse {
            identifier: (flags & 16 != 0).then_some(identifier),
            token: (flags & 32 != 0).then_some(token_),
            user: user(&s[16..29], &s[26..31], flags),
            oauth_token: token(&s[26..31], 3600, flags & 64 != 0),
        };
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
    }

    #[test]
    fn event_round_trips(s in texts(18), id in any::<u64>(), ts in any::<i64>(), flags in any::<u16>()) {
        let f = u32::from(flags);
        let v = Event {
            id, created_at_pascal: pick(f, 1, &s[0]), updated_at_pascal: pick(f, 2, &s[1]), deleted_at_pascal: pick(f, 4, &s[2]),
            created_at: pick(f, 8, &s[3]), updated_at: pick(f, 16, &s[4]), deleted_at: pick(f, 32, &s[5]),
            user_id: pick(f, 64, &s[6]), client_user_id: &s[7], issuer: &s[8], event: &s[9], ip: &s[10],
            location: &s[11], timestamp: UnixSeconds(ts), method: &s[12], new: flags & 128 != 0,
            approved: flags & 256 != 0, signature: pick(f, 512, &s[13]),
            oauth_token: (flags & 1024 != 0).then(|| token(&s[13..18], 60, true)),
        };
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
        let some = Some(v);
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&some, &mut b, &mut sc), some);
    }

    #[test]
    fn request_bodies_encode_like_serde_json(s in texts(16), n in any::<u64>(), ts in any::<i64>(), flags in any::<u8>()) {
        let f = u32::from(flags);
        let v = GetIdentityRequest { code_verifier: &s[0], authorization_code: &s[1], challenge_id: n, redirect_url: &s[2] };
        encodes_like_serde_json(&v);
        let v = RefreshRequest { grant_type: &s[0], refresh_token: pick(f, 1, &s[1]) };
        encodes_like_serde_json(&v);
        let v = UpdateMethodsRequest {
            method: &s[0], enrolled: flags & 2 != 0, code: &s[1], device_type: &s[2], device_name: &s[3],
            algorithm: &s[4], change_code: flags & 4 != 0, current_code: pick(f, 8, &s[5]),
        };
        encodes_like_serde_json(&v);
        let v = CreateEventRequest {
            issuer: &s[0], event: &s[1], ip: &s[2], location: &s[3], timestamp: UnixSeconds(ts), method: &s[4],
            code: &s[5], approved: flags & 1 != 0, public_key: &s[6], algorithm: &s[7], user_id: pick(f, 2, &s[8]),
            client_user_id: pick(f, 4, &s[9]), register_new_device: (flags & 8 != 0).then_some(true),
            new_device_public_key: pick(f, 16, &s[10]), new_device_algorithm: pick(f, 32, &s[11]),
            device_type: pick(f, 64, &s[12]), device_name: pick(f, 128, &s[13]),
        };
        encodes_like_serde_json(&v);
        let v = CreatePendingEventRequest {
            issuer: &s[0], event: &s[1], ip: &s[2], location: &s[3], timestamp: UnixSeconds(ts), method: &s[4],
            user_id: pick(f, 1, &s[5]), client_user_id: pick(f, 2, &s[6]), approved: (flags & 4 != 0).then_some(false),
            public_key: pick(f, 8, &s[7]),
        };
        encodes_like_serde_json(&v);
        let v = RespondEventRequest {
            issuer: &s[0], event: &s[1], ip: &s[2], location: &s[3], timestamp: UnixSeconds(ts), method: &s[4],
            code: &s[5], approved: flags & 1 != 0, public_key: &s[6], algorithm: &s[7], user_id: pick(f, 2, &s[8]),
            client_user_id: pick(f, 4, &s[9]),
        };
        encodes_like_serde_json(&v);
        let v = ApiError { msg: &s[14], r#type: &s[15] };
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
        let v = EnrolledMethod { method: &s[14], enrolled: flags & 1 != 0 };
        let (mut b, mut sc) = (Vec::new(), Vec::new());
        prop_assert_eq!(round_trip(&v, &mut b, &mut sc), v);
        let v = CreateUserRequest { identifier: &s[15] };
        encodes_like_serde_json(&v);
    }

    #[test]
    fn tight_scratch_fails_cleanly_or_decodes_correctly(s in texts(2), cap in 0usize..64) {
        let v = ApiError { msg: &s[0], r#type: &s[1] };
        let mut buf = [0u8; 1024];
        let body = encode(&v, &mut buf).unwrap();
        let mut scratch = [0u8; 64];
        match decode::<ApiError<'_>>(body.as_bytes(), &mut scratch[..cap]) {
            Ok(d) => prop_assert_eq!(d, v),
            Err(Error::Json { error, .. }) => {
                prop_assert_eq!(error.kind(), JsonErrorKind::BufferTooSmall);
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
