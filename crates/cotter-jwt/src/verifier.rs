//! The one trait every ES256 signature checker of this crate implements ([`Verifier`]), and
//! the one of the keys a JWK describes ([`JwkKey`]), so that [`crate::Jwks`] and
//! [`crate::UntrustedToken`] are written once over all back ends.
//!
//! Both are sealed: the back ends are this crate's (p256's arithmetic in [`crate::Es256Key`],
//! the compact one in `CompactKey`, the precomputed tables of `PreparedKey`), and the verdicts
//! of each are tested against p256 and Wycheproof here; a checker from elsewhere could not be.

use crate::{Error, JwkError};

pub(crate) mod sealed {
    use crate::{Error, Token, UntrustedToken, Validation};

    /// Only this crate's keys implement [`super::Verifier`].
    pub trait Sealed {}

    /// Only this crate's key sets implement [`super::KeySet`]; the method is the crate's.
    pub trait VerifyParsed {
        /// Chooses the key for the token's `kid`, then verifies and validates.
        fn verify_parsed<'b>(
            &self,
            token: UntrustedToken<'_, 'b>,
            validation: &Validation<'_>,
        ) -> Result<Token<'b>, Error>;
    }

    /// The key sets [`crate::VerifiedCache::verify`] takes: `Jwks<N>` of `Es256Key`s and
    /// `PreparedJwks`. A hit is answered only under the very key (`kid` and point) that
    /// verified the token, so the cache compares keys.
    #[cfg(feature = "std")]
    pub trait CachedKeySet: VerifyParsed {
        /// The key the token's `kid` selects (the rule of [`crate::Jwks::select`]).
        fn key_for(
            &self,
            kid: Option<&cotter_json::JsonStr<'_>>,
        ) -> Result<&crate::Es256Key, Error>;
    }
}

/// A set of keys that a token's `kid` chooses from: [`crate::Jwks`] (of any key type) and,
/// with `std` and `prepared`, `PreparedJwks`. [`crate::UntrustedToken::verify`] takes any.
pub trait KeySet: sealed::VerifyParsed {}

/// A public key that checks ES256 signatures (ECDSA P-256 with SHA-256): the key decides the
/// algorithm. Implemented by [`crate::Es256Key`] (p256's arithmetic), `CompactKey` (feature
/// `compact`) and `PreparedKey` (feature `prepared`); all give the same verdicts.
pub trait Verifier: sealed::Sealed {
    /// The key's `kid`, if it has one.
    fn kid(&self) -> Option<&str>;

    /// Checks an ES256 signature: `signature` is the 64-byte `r || s` of JWS (IEEE P1363),
    /// over `message` (for a JWS, the ASCII bytes of `header.payload`). DER signatures, other
    /// lengths, and `r` or `s` zero or not below the group order are rejected; high-S is
    /// accepted.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for any failure, on purpose without detail.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error>;
}

/// A [`Verifier`] that a JWK describes on its own (its point and `kid`), so that a
/// [`crate::Jwks`] can hold it: [`crate::Es256Key`] and `CompactKey`.
pub trait JwkKey: Verifier + Clone + Sized {
    /// The key from its affine coordinates (32 big-endian bytes each), without a `kid`.
    ///
    /// # Errors
    /// [`JwkError::InvalidPoint`] when `(x, y)` is not a point on P-256.
    fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, JwkError>;

    /// The key with its `kid` set.
    ///
    /// # Errors
    /// [`JwkError::KidTooLong`] past [`crate::KID_MAX_LEN`] bytes.
    fn with_kid(self, kid: &str) -> Result<Self, JwkError>;

    /// The key's affine coordinates `(x, y)`, 32 big-endian bytes each.
    fn coordinates(&self) -> ([u8; 32], [u8; 32]);
}

/// Whether a token's `kid` names `key`.
pub(crate) fn kid_matches(key: &(impl Verifier + ?Sized), kid: &cotter_json::JsonStr<'_>) -> bool {
    key.kid().is_some_and(|k| kid.eq_str(k))
}
