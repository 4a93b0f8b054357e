//! `proto_decode`: every response decoder of `cotter-proto`, chosen by the first byte.
//!
//! Checked for each body: the hand-written decoder agrees with `serde_json` reading the same
//! body through the types' serde derives (owned variants: both accept with equal values, or
//! both refuse, except where the decoder is knowingly stricter, see [`excused`]); a scratch
//! buffer as long as the body is always enough; a smaller scratch gives the same value or
//! `BufferTooSmall`; the value survives `encode` → `decode` unchanged, and so does its owned
//! variant where there is one.

use core::fmt::Debug;
use cotter_proto::json::{Decode, decode, encode};
use cotter_proto::{
    ApiError, ApiErrorOwned, EnrolledMethod, Error, Event, EventOwned, IdentifierInfo,
    IdentifierInfoOwned, IdentityResponse, IdentityResponseOwned, IdentityToken,
    IdentityTokenOwned, JsonErrorKind, OAuthToken, OAuthTokenOwned, User, UserOwned,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::string::String;
use std::vec::Vec;

fn is_scratch_too_small<T>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::Json { error, .. }) if error.kind() == JsonErrorKind::BufferTooSmall)
}

/// Decodes `body` as `T` with a full scratch and with a small one, and round-trips the value.
fn check<'b, T>(body: &'b [u8], full: &'b mut [u8], tight: &'b mut [u8]) -> Result<T, Error>
where
    T: Decode<'b> + PartialEq + Debug,
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
    r
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

#[path = "../../crates/cotter-proto/src/json/serde_differences.rs"]
mod serde_differences;
use serde_differences::excused;

/// The differential check: `ours` (made owned by `owned`) against serde_json's `O`.
fn agree<B: Debug, O: DeserializeOwned + PartialEq + Debug>(
    body: &[u8],
    ours: &Result<B, Error>,
    owned: impl Fn(&B) -> O,
) {
    let Ok(text) = core::str::from_utf8(body) else {
        assert!(ours.is_err(), "invalid UTF-8 accepted: {ours:?}");
        return;
    };
    let theirs: Result<O, _> = serde_json::from_str(text);
    match (ours, &theirs) {
        (Ok(b), Ok(o)) => assert_eq!(&owned(b), o, "values differ for {text:?}"),
        (Err(_), Err(_)) => {}
        (Ok(b), Err(e)) => panic!("accepted {text:?} as {b:?}; serde_json refuses: {e}"),
        (Err(e), Ok(_)) if excused(e, text) => {}
        (Err(e), Ok(o)) => panic!("refused {text:?} ({e:?}); serde_json reads {o:?}"),
    }
}

/// Decodes with a full and a tight scratch (see [`check`]) and compares with serde_json.
fn check_against<'b, T, O>(
    body: &'b [u8],
    full: &'b mut [u8],
    tight: &'b mut [u8],
    owned: impl Fn(&T) -> O,
) -> Option<T>
where
    T: Decode<'b> + PartialEq + Debug,
    O: DeserializeOwned + PartialEq + Debug,
{
    let ours = check::<T>(body, full, tight);
    agree(body, &ours, owned);
    ours.ok()
}

/// The fuzz target: `data[0]` picks the type, `data[1]` the size of the small scratch, the
/// rest is the body.
pub fn run(data: &[u8]) {
    let [which, small, body @ ..] = data else { return };
    let mut full: Vec<u8> = vec![0u8; body.len()];
    let mut tight: Vec<u8> = vec![0u8; usize::from(*small) % (body.len() + 1)];
    let (f, t) = (&mut full[..], &mut tight[..]);
    match which % 8 {
        0 => {
            let own = |v: &OAuthToken<'_>| -> OAuthTokenOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, OAuthToken);
            }
        }
        1 => {
            let own = |v: &IdentityResponse<'_>| -> IdentityResponseOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, IdentityResponse);
            }
        }
        2 => {
            let own = |v: &User<'_>| -> UserOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, User);
            }
        }
        3 => {
            // `GET /event/new` answers `null` when nothing is pending.
            let own =
                |v: &Option<Event<'_>>| -> Option<EventOwned> { v.as_ref().map(Event::to_owned) };
            if let Some(Some(v)) = check_against(body, f, t, own) {
                with_owned!(v, Event);
            }
        }
        4 => {
            // No owned variant: serde_json reads the borrowed type when no string is escaped.
            let r = check::<EnrolledMethod<'_>>(body, f, t);
            if let Ok(text) = core::str::from_utf8(body)
                && !text.contains('\\')
            {
                let theirs = serde_json::from_str::<EnrolledMethod<'_>>(text);
                match (&r, &theirs) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "values differ for {text:?}"),
                    (Err(_), Err(_)) => {}
                    (Err(e), Ok(_)) if excused(e, text) => {}
                    _ => panic!("disagree on {text:?}: {r:?} / {theirs:?}"),
                }
            }
            if let Ok(v) = r {
                round_trip_borrowed(&v, &v);
            }
        }
        5 => {
            let own = |v: &ApiError<'_>| -> ApiErrorOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, ApiError);
            }
        }
        6 => {
            let own = |v: &IdentityToken<'_>| -> IdentityTokenOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, IdentityToken);
            }
        }
        _ => {
            let own = |v: &IdentifierInfo<'_>| -> IdentifierInfoOwned { v.to_owned() };
            if let Some(v) = check_against(body, f, t, own) {
                with_owned!(v, IdentifierInfo);
            }
        }
    }
}
