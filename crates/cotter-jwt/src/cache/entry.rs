//! [`CachedToken`]: what the verified-token cache keeps of a token that verified: owned copies
//! of its claims and the identity of the key that verified it.

use crate::claims::{Audience, Claims};
use crate::key::Kid;
use crate::verifier::Verifier;
use alloc::boxed::Box;
use core::fmt;
use cotter_json::JsonStr;

/// The claims of a token that verified, owned, as the [`VerifiedCache`](super::VerifiedCache)
/// keeps and returns them (behind an `Arc`).
///
/// It holds the decoded claims JSON text, the registered claims as their validated raw JSON
/// text (so that [`CachedToken::claims`] rebuilds a [`Claims`] without parsing again, and a
/// cache hit re-checks them with the very same [`Validation::check`](crate::Validation::check)
/// as a fresh verification), the token's `kid`, and the identity of the key that verified it
/// (its `kid` and point, whatever its back end).
#[derive(Clone)]
pub struct CachedToken {
    json: Box<str>,
    iss: Option<Box<str>>,
    sub: Option<Box<str>>,
    jti: Option<Box<str>>,
    aud: Option<CachedAudience>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    /// The header's `kid`, raw JSON text (to select the key again on a hit).
    kid: Option<Box<str>>,
    /// The key that verified the signature.
    key: KeyId,
}

/// What identifies a key across back ends: its `kid` and its point.
#[derive(Clone, PartialEq, Eq)]
struct KeyId {
    kid: Option<Kid>,
    point: ([u8; 32], [u8; 32]),
}

impl KeyId {
    fn of(key: &(impl Verifier + ?Sized)) -> Self {
        // Every key type holds its `kid` as a `Kid`, so the copy fits.
        let kid = key.kid().and_then(|kid| Kid::try_from(kid).ok());
        Self { kid, point: key.coordinates() }
    }

    fn is(&self, key: &(impl Verifier + ?Sized)) -> bool {
        self.kid.as_deref() == key.kid() && self.point == key.coordinates()
    }
}

/// `aud` as raw JSON text: one string, or an array already checked to hold only strings.
#[derive(Clone)]
enum CachedAudience {
    One(Box<str>),
    Many(Box<str>),
}

fn owned(s: Option<JsonStr<'_>>) -> Option<Box<str>> {
    s.map(|s| Box::from(s.raw()))
}

/// `raw` is the raw text of a string the reader validated when the token verified, so
/// checking it again cannot fail.
fn borrowed(s: Option<&str>) -> Option<JsonStr<'_>> {
    s.and_then(|raw| JsonStr::from_raw(raw).ok())
}

impl CachedToken {
    /// Copies what a hit needs out of a verified token's claims.
    pub(crate) fn new(
        claims: &Claims<'_>,
        kid: Option<JsonStr<'_>>,
        key: &(impl Verifier + ?Sized),
    ) -> Self {
        Self {
            json: Box::from(claims.json()),
            iss: owned(claims.iss()),
            sub: owned(claims.sub()),
            jti: owned(claims.jti()),
            aud: claims.aud().map(|aud| match aud {
                Audience::One(s) => CachedAudience::One(Box::from(s.raw())),
                Audience::Many(array) => CachedAudience::Many(Box::from(array)),
            }),
            exp: claims.exp(),
            nbf: claims.nbf(),
            iat: claims.iat(),
            kid: owned(kid),
            key: KeyId::of(key),
        }
    }

    /// The verified claims, borrowing from this entry (no parsing: the registered claims were
    /// read when the token was verified).
    #[must_use]
    pub fn claims(&self) -> Claims<'_> {
        Claims {
            json: &self.json,
            iss: borrowed(self.iss.as_deref()),
            sub: borrowed(self.sub.as_deref()),
            jti: borrowed(self.jti.as_deref()),
            aud: self.aud.as_ref().and_then(|aud| match aud {
                CachedAudience::One(raw) => borrowed(Some(raw)).map(Audience::One),
                CachedAudience::Many(array) => Some(Audience::Many(array)),
            }),
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
        }
    }

    /// `exp` in Unix seconds.
    #[must_use]
    pub const fn exp(&self) -> Option<i64> {
        self.exp
    }

    /// The token header's `kid`, if it had one.
    #[must_use]
    pub fn kid(&self) -> Option<JsonStr<'_>> {
        borrowed(self.kid.as_deref())
    }

    /// Whether `key` (of any back end) is the key that verified the token's signature: the
    /// same `kid` and point.
    #[must_use]
    pub fn verified_by(&self, key: &(impl Verifier + ?Sized)) -> bool {
        self.key.is(key)
    }

    /// Heap bytes this entry owns besides its own struct (the claims text and the copied
    /// registered claims), for memory accounting.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let len = |s: &Option<Box<str>>| s.as_ref().map_or(0, |s| s.len());
        let aud = match &self.aud {
            Some(CachedAudience::One(s) | CachedAudience::Many(s)) => s.len(),
            None => 0,
        };
        self.json.len() + len(&self.iss) + len(&self.sub) + len(&self.jti) + aud + len(&self.kid)
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims are not credentials, but they are personal data: show only what identifies
        // the entry.
        f.debug_struct("CachedToken")
            .field("kid", &self.kid)
            .field("exp", &self.exp)
            .field("claims_len", &self.json.len())
            .finish_non_exhaustive()
    }
}
