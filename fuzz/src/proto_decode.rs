//! `proto_decode`: every response decoder of `cotter-proto`, chosen by the first byte.
//!
//! Checked for each decoded value: a scratch buffer as long as the body is always enough;
//! a smaller scratch gives the same value or `ScratchTooSmall`; the value survives
//! `encode` → `decode` unchanged, and so does its owned variant where there is one.

use core::fmt::Debug;
use cotter_proto::json::{decode, encode};
use cotter_proto::{
    ApiError, EnrolledMethod, Error, Event, IdentifierInfo, IdentityResponse, IdentityToken,
    JsonErrorKind, OAuthToken, User,
};
use serde::{Deserialize, Serialize};
use std::string::String;
use std::vec::Vec;

fn is_scratch_too_small<T>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::Json(e)) if e.kind() == JsonErrorKind::ScratchTooSmall)
}

/// Decodes `body` as `T` with a full scratch and with a small one, and round-trips the value.
fn check<'b, T>(body: &'b [u8], full: &'b mut [u8], tight: &'b mut [u8]) -> Option<T>
where
    T: Deserialize<'b> + PartialEq + Debug,
{
    let r: Result<T, Error> = decode(body, full);
    assert!(!is_scratch_too_small(&r), "a scratch as long as the body was too small");
    let small: Result<T, Error> = decode(body, tight);
    match (&r, &small) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the scratch size changed the value"),
        (Ok(_), Err(_)) => assert!(is_scratch_too_small(&small), "{small:?}"),
        (Err(_), Ok(v)) => panic!("decodes only with the smaller scratch: {v:?}"),
        (Err(_), Err(_)) => {}
    }
    r.ok()
}

macro_rules! with_owned {
    ($v:expr, $ty:ident) => {{
        let v: $ty<'_> = $v;
        round_trip_borrowed(&v, &v);
        round_trip_borrowed(&v, &v.to_owned());
    }};
}

/// Round trip of a borrowed type: encode `as_json`, decode as the type of `value`.
fn round_trip_borrowed<T, S>(value: &T, as_json: &S)
where
    T: for<'a> Reborrow<'a>,
    S: Serialize + ?Sized,
{
    let mut buf = vec![0u8; 64 * 1024];
    let json = encode(as_json, &mut buf).expect("an encoded value fits in 64 KiB");
    let mut scratch = vec![0u8; json.len()];
    value.same_as(json.as_bytes(), &mut scratch);
}

/// Decoding again with a shorter lifetime, to compare with a value of a longer one.
trait Reborrow<'a> {
    fn same_as(&self, json: &'a [u8], scratch: &'a mut [u8]);
}

macro_rules! reborrow {
    ($($ty:ident),*) => {$(
        impl<'a, 'x> Reborrow<'a> for $ty<'x> {
            fn same_as(&self, json: &'a [u8], scratch: &'a mut [u8]) {
                let back: $ty<'a> = decode(json, scratch).unwrap_or_else(|e| {
                    panic!("re-decoding {:?} failed: {e:?}", String::from_utf8_lossy(json))
                });
                assert_eq!(&back, self, "round trip through {:?}", String::from_utf8_lossy(json));
            }
        }
    )*};
}

reborrow!(
    OAuthToken,
    IdentityResponse,
    User,
    Event,
    EnrolledMethod,
    ApiError,
    IdentityToken,
    IdentifierInfo
);

/// The fuzz target: `data[0]` picks the type, `data[1]` the size of the small scratch, the
/// rest is the body.
pub fn run(data: &[u8]) {
    let [which, small, body @ ..] = data else { return };
    let mut full: Vec<u8> = vec![0u8; body.len()];
    let mut tight: Vec<u8> = vec![0u8; usize::from(*small) % (body.len() + 1)];
    let (f, t) = (&mut full[..], &mut tight[..]);
    match which % 8 {
        0 => {
            if let Some(v) = check::<OAuthToken<'_>>(body, f, t) {
                with_owned!(v, OAuthToken);
            }
        }
        1 => {
            if let Some(v) = check::<IdentityResponse<'_>>(body, f, t) {
                with_owned!(v, IdentityResponse);
            }
        }
        2 => {
            if let Some(v) = check::<User<'_>>(body, f, t) {
                with_owned!(v, User);
            }
        }
        3 => {
            if let Some(v) = check::<Event<'_>>(body, f, t) {
                with_owned!(v, Event);
            }
        }
        4 => {
            if let Some(v) = check::<EnrolledMethod<'_>>(body, f, t) {
                round_trip_borrowed(&v, &v);
            }
        }
        5 => {
            if let Some(v) = check::<ApiError<'_>>(body, f, t) {
                with_owned!(v, ApiError);
            }
        }
        6 => {
            if let Some(v) = check::<IdentityToken<'_>>(body, f, t) {
                with_owned!(v, IdentityToken);
            }
        }
        _ => {
            if let Some(v) = check::<IdentifierInfo<'_>>(body, f, t) {
                with_owned!(v, IdentifierInfo);
            }
        }
    }
}
