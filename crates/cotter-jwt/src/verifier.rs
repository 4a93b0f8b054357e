//! The one trait every ES256 signature checker of this crate implements ([`Verifier`]), and
//! the one of the keys a JWK describes on its own ([`JwkKey`]), so that [`crate::Jwks`],
//! [`crate::UntrustedToken`] and [`crate::VerifiedCache`] are written once over all back ends.
//!
//! Both are sealed: the back ends are this crate's (p256's arithmetic in [`crate::Es256Key`],
//! the compact one in `CompactKey`, the precomputed tables of `PreparedKey`), and the verdicts
//! of each are tested against p256 and Wycheproof here; a checker from elsewhere could not be.
//!
//! A method every key type has is defined once, here, and nowhere else: the key types have no
//! inherent `verify`, `kid`, `from_jwk`… of their own. Bring the traits into scope to call them
//! (`use cotter_jwt::{JwkKey, Verifier};`); the compiler suggests it when they are missing.

use crate::{Error, JwkError, Token, Validation};

pub(crate) mod sealed {
    /// Only this crate's keys implement [`super::Verifier`].
    pub trait Sealed {}

    #[cfg(feature = "alloc")]
    impl<K: Sealed + ?Sized> Sealed for alloc::boxed::Box<K> {}
}

/// A P-256 public key that checks ES256 signatures (ECDSA P-256 with SHA-256): the key decides
/// the algorithm, whatever a token's header says.
///
/// Implemented by [`crate::Es256Key`] (p256's arithmetic), `CompactKey` (feature `compact`:
/// small, slower), `PreparedKey` (feature `prepared`: precomputed tables, fast) and a `Box` of
/// any of them; all give the same verdicts. A [`crate::Jwks`] holds keys of one `Verifier`
/// type and verifies tokens by `kid`; [`Verifier::verify_token`] verifies with one key the
/// caller pinned.
pub trait Verifier: sealed::Sealed {
    /// The key's `kid`, if it has one.
    fn kid(&self) -> Option<&str>;

    /// The key's affine coordinates `(x, y)`, 32 big-endian bytes each (for a p256
    /// `VerifyingKey`: `AffinePoint::from_coordinates`, or SEC1 `04 || x || y`). With the
    /// `kid`, what identifies a key whatever its back end (the rule of
    /// `VerifiedCache`, feature `std`).
    fn coordinates(&self) -> ([u8; 32], [u8; 32]);

    /// Checks an ES256 signature: `signature` is the 64-byte `r || s` of JWS (IEEE P1363),
    /// over `message` (for a JWS, the ASCII bytes of `header.payload`).
    ///
    /// DER signatures, other lengths, and `r` or `s` zero or not below the group order are
    /// rejected. High-S signatures are accepted: JWS does not require low-S, and Cotter's
    /// tokens are not normalised.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for any failure, on purpose without detail.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error>;

    /// Parses `token`, verifies it with this key, and validates its claims. A token `kid` must
    /// match this key's `kid` when the key has one. `buf` receives the decoded header and
    /// payload (see [`crate::UntrustedToken::buffer_len`]).
    ///
    /// # Errors
    /// Any [`Error`]: see [`crate::UntrustedToken::parse_with_limit`] and
    /// [`crate::UntrustedToken::verify_with`].
    fn verify_token<'b>(
        &self,
        token: &str,
        validation: &Validation<'_>,
        buf: &'b mut [u8],
    ) -> Result<Token<'b>, Error> {
        crate::token::verify_pinned(self, token, validation, buf)
    }
}

#[cfg(feature = "alloc")]
impl<K: Verifier + ?Sized> Verifier for alloc::boxed::Box<K> {
    fn kid(&self) -> Option<&str> {
        (**self).kid()
    }

    fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        (**self).coordinates()
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        (**self).verify(message, signature)
    }
}

/// A [`Verifier`] that a JWK (or SEC1 bytes, or a p256 key) describes on its own, so that
/// [`crate::Jwks::from_json`] can build it: [`crate::Es256Key`], `CompactKey` and, with `std`,
/// the prepared keys over the process-wide generator tables (`SmallTableKey<'static>`,
/// `Box<LargeTableKey<'static>>`…).
pub trait JwkKey: Verifier + Clone + Sized {
    /// Parses one JWK (a JSON object).
    ///
    /// Accepted: `kty` `EC`, `crv` `P-256`, `x` and `y` each 32 bytes of base64url without
    /// padding forming a point on the curve; optional `kid` (string), `use` (must be `sig`),
    /// `alg` (must be `ES256`). Other members are ignored; duplicates are rejected.
    ///
    /// # Errors
    /// A [`JwkError`] naming the first rule the JWK breaks.
    fn from_jwk(json: &str) -> Result<Self, JwkError> {
        crate::key::parse_jwk::<Self>(json)
    }

    /// The key from its affine coordinates (32 big-endian bytes each, as in a JWK), without a
    /// `kid`.
    ///
    /// # Errors
    /// [`JwkError::InvalidPoint`] when `(x, y)` is not a point on P-256.
    fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, JwkError>;

    /// The key from SEC1 bytes (uncompressed `04 || x || y` or compressed `02`/`03 || x`),
    /// without a `kid`. Other encodings (the identity, hybrid, `05 || x`) are refused.
    ///
    /// # Errors
    /// [`JwkError::InvalidPoint`] when the bytes are not a point on P-256.
    fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, JwkError>;

    /// The key from a p256 `VerifyingKey`, without a `kid`.
    #[must_use]
    fn from_verifying_key(key: p256::ecdsa::VerifyingKey) -> Self;

    /// The key with its `kid` set.
    ///
    /// # Errors
    /// [`JwkError::KidTooLong`] past [`crate::KID_MAX_LEN`] bytes.
    fn with_kid(self, kid: &str) -> Result<Self, JwkError>;
}

/// Whether a token's `kid` names `key`.
pub(crate) fn kid_matches(key: &(impl Verifier + ?Sized), kid: &cotter_json::JsonStr<'_>) -> bool {
    key.kid().is_some_and(|k| kid.eq_str(k))
}
