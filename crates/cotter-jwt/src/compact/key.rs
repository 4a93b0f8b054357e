//! [`CompactKey`]: an ES256 public key checked with this crate's compact arithmetic.

use super::PublicKey;
#[cfg(doc)]
use crate::Es256Key;
use crate::error::JwkError;
use crate::key::{Kid, parse_jwk};
use crate::verifier::{JwkKey, Verifier, sealed};
use crate::{Error, Token, Validation};
use core::fmt;
use p256::elliptic_curve::point::AffineCoordinates;
use sha2::{Digest, Sha256};

/// A P-256 public key that verifies ES256 signatures with this crate's own compact,
/// variable-time arithmetic (feature `compact`), with an optional `kid`.
///
/// The same API and verdicts as [`Es256Key`] for verification, in about 2 KiB of code instead
/// of p256's 15 KiB, at about 2.6 times the instructions per check: the choice of a
/// microcontroller that only verifies. It is a type of its own, so choosing it changes no
/// other `Es256Key` in the build. Use it in a key set as `Jwks<N, CompactKey>`.
///
/// **Variable-time: verification only.** It handles public data (key, message, signature).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "compact")))]
pub struct CompactKey {
    key: PublicKey,
    kid: Option<Kid>,
}

impl fmt::Debug for CompactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactKey").field("kid", &self.kid.as_deref()).finish_non_exhaustive()
    }
}

impl CompactKey {
    /// A key from SEC1 bytes, as [`Es256Key::from_sec1_bytes`].
    ///
    /// # Errors
    /// [`JwkError::InvalidPoint`] when the bytes are not a point on P-256.
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, JwkError> {
        let key = match bytes {
            [0x04, xy @ ..] if xy.len() == 64 => {
                let (x, y) = xy.split_at(32);
                match (x.try_into(), y.try_into()) {
                    (Ok(x), Ok(y)) => PublicKey::from_coordinates(x, y),
                    _ => None,
                }
            }
            [tag @ (0x02 | 0x03), x @ ..] => {
                x.try_into().ok().and_then(|x| PublicKey::from_compressed(x, *tag == 0x03))
            }
            _ => None,
        };
        Ok(Self { key: key.ok_or(JwkError::InvalidPoint)?, kid: None })
    }

    /// A key from its affine coordinates, as [`Es256Key::from_coordinates`].
    ///
    /// # Errors
    /// [`JwkError::InvalidPoint`] when `(x, y)` is not a point on P-256.
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, JwkError> {
        let key = PublicKey::from_coordinates(x, y).ok_or(JwkError::InvalidPoint)?;
        Ok(Self { key, kid: None })
    }

    /// A key from a p256 `VerifyingKey`, without a `kid`.
    #[must_use]
    pub fn from_verifying_key(key: p256::ecdsa::VerifyingKey) -> Self {
        let point = key.as_affine();
        Self {
            key: PublicKey::from_valid_coordinates(&point.x().into(), &point.y().into()),
            kid: None,
        }
    }

    /// Parses one JWK, with the rules of [`Es256Key::from_jwk`].
    ///
    /// # Errors
    /// A [`JwkError`] naming the first rule the JWK breaks.
    pub fn from_jwk(json: &str) -> Result<Self, JwkError> {
        parse_jwk::<Self>(json)
    }

    /// Sets the key's `kid`.
    ///
    /// # Errors
    /// [`JwkError::KidTooLong`] past [`crate::KID_MAX_LEN`] bytes.
    pub fn with_kid(mut self, kid: &str) -> Result<Self, JwkError> {
        self.kid = Some(Kid::try_from(kid).map_err(|_| JwkError::KidTooLong)?);
        Ok(self)
    }

    /// The key's `kid`, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key's affine coordinates `(x, y)`, 32 big-endian bytes each.
    #[must_use]
    pub fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        self.key.coordinates()
    }

    /// Checks an ES256 signature, with the contract of [`Es256Key::verify`].
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for any failure, on purpose without detail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return Err(Error::InvalidSignature);
        };
        let digest: [u8; 32] = Sha256::digest(message).into();
        if self.key.verify_prehash(&digest, signature) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Parses `token`, verifies it with this key, and validates its claims, as
    /// [`Es256Key::verify_token`].
    ///
    /// # Errors
    /// Any [`Error`]: see [`crate::UntrustedToken::parse_with_limit`] and
    /// [`crate::UntrustedToken::verify`].
    pub fn verify_token<'b>(
        &self,
        token: &str,
        validation: &Validation<'_>,
        buf: &'b mut [u8],
    ) -> Result<Token<'b>, Error> {
        crate::token::verify_pinned(self, token, validation, buf)
    }
}

impl sealed::Sealed for CompactKey {}

impl Verifier for CompactKey {
    fn kid(&self) -> Option<&str> {
        self.kid()
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.verify(message, signature)
    }
}

impl JwkKey for CompactKey {
    fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, JwkError> {
        Self::from_coordinates(x, y)
    }

    fn with_kid(self, kid: &str) -> Result<Self, JwkError> {
        self.with_kid(kid)
    }

    fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        self.coordinates()
    }
}
