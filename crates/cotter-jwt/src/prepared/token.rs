//! [`PreparedKey`] as a [`Verifier`] (so a [`crate::Jwks`], [`crate::UntrustedToken::verify_with`]
//! and [`crate::VerifiedCache`] take it as they take any key) and, with `std`, as a
//! [`JwkKey`] over the process-wide generator tables, so that
//! `Jwks::<N, Box<LargeTableKey<'static>>>::from_json` prepares every key it reads.

use super::PreparedKey;
use crate::Error;
use crate::verifier::{Verifier, sealed};
use p256::elliptic_curve::ff::PrimeField;
use sha2::{Digest, Sha256};

impl<const W: usize, const S: usize, const N: usize> sealed::Sealed for PreparedKey<'_, W, S, N> {}

impl<const W: usize, const S: usize, const N: usize> Verifier for PreparedKey<'_, W, S, N> {
    fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        let point = self.table.base();
        (point.x.to_repr().into(), point.y.to_repr().into())
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let digest: [u8; 32] = Sha256::digest(message).into();
        self.verify_prehash(&digest, signature)
    }
}

/// `JwkKey` for a boxed prepared key of a profile that has a process-wide generator table:
/// the key is read (and validated) as an [`crate::Es256Key`], then prepared on the heap.
#[cfg(feature = "std")]
macro_rules! jwk_key {
    ($w:literal, $s:literal, $n:literal) => {
        impl crate::JwkKey for alloc::boxed::Box<PreparedKey<'static, $w, $s, $n>> {
            fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, crate::JwkError> {
                crate::Es256Key::from_coordinates(x, y).map(|key| Self::from_verifier(&key))
            }

            fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, crate::JwkError> {
                crate::Es256Key::from_sec1_bytes(bytes).map(|key| Self::from_verifier(&key))
            }

            fn from_verifying_key(key: p256::ecdsa::VerifyingKey) -> Self {
                Self::from_verifier(&crate::Es256Key::from_verifying_key(key))
            }

            fn with_kid(mut self, kid: &str) -> Result<Self, crate::JwkError> {
                self.kid =
                    Some(crate::Kid::try_from(kid).map_err(|_| crate::JwkError::KidTooLong)?);
                Ok(self)
            }
        }

        impl PrepareShared for alloc::boxed::Box<PreparedKey<'static, $w, $s, $n>> {
            fn from_verifier(key: &crate::Es256Key) -> Self {
                PreparedKey::new_boxed(super::GeneratorTable::<$w, $s, $n>::shared(), key)
            }
        }
    };
}

/// Prepares a validated key with the process-wide generator table of the profile.
#[cfg(feature = "std")]
trait PrepareShared {
    fn from_verifier(key: &crate::Es256Key) -> Self;
}

#[cfg(feature = "std")]
jwk_key!(8, 1, 4096);
#[cfg(feature = "std")]
jwk_key!(4, 4, 128);
