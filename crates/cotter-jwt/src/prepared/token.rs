//! Tokens through a [`PreparedKey`]: the same parsing, `kid` rule and claim validation as
//! [`Es256Key::verify_token`](crate::Es256Key::verify_token), with the prepared signature check
//! ([`PreparedKey`] is a [`Verifier`], so [`crate::UntrustedToken::verify_with`] takes it too).

use super::PreparedKey;
use crate::verifier::{Verifier, sealed};
use crate::{Error, Token, Validation};

impl<const W: usize, const S: usize, const N: usize> sealed::Sealed for PreparedKey<'_, W, S, N> {}

impl<const W: usize, const S: usize, const N: usize> Verifier for PreparedKey<'_, W, S, N> {
    fn kid(&self) -> Option<&str> {
        self.kid()
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.verify(message, signature)
    }
}

impl<const W: usize, const S: usize, const N: usize> PreparedKey<'_, W, S, N> {
    /// Parses `token`, verifies it with this key, and validates its claims. A token `kid` must
    /// match this key's `kid` when the key has one (as [`crate::Es256Key::verify_token`]).
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
