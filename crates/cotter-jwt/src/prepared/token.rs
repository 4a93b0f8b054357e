//! Tokens through a [`PreparedKey`]: the same parsing, `kid` rule and claim validation as
//! [`Es256Key::verify_token`](crate::Es256Key::verify_token), with the prepared signature check.

use super::PreparedKey;
use crate::{Error, Token, UntrustedToken, Validation};

impl<'b> UntrustedToken<'_, 'b> {
    /// Verifies with a prepared key, whatever the token's `kid` says (the caller pinned the
    /// key), then reads the claims and checks them against `validation`: as
    /// [`UntrustedToken::verify_with`], with [`PreparedKey::verify`] as the signature check.
    ///
    /// # Errors
    /// As [`UntrustedToken::verify_with`].
    #[cfg_attr(docsrs, doc(cfg(feature = "prepared")))]
    pub fn verify_prepared<const W: usize, const S: usize, const N: usize>(
        self,
        key: &PreparedKey<'_, W, S, N>,
        validation: &Validation<'_>,
    ) -> Result<Token<'b>, Error> {
        self.verify_by(|message, signature| key.verify(message, signature), validation)
    }
}

impl<const W: usize, const S: usize, const N: usize> PreparedKey<'_, W, S, N> {
    /// Parses `token`, verifies it with this key, and validates its claims. A token `kid` must
    /// match this key's `kid` when the key has one (as [`crate::Es256Key::verify_token`]).
    ///
    /// # Errors
    /// Any [`Error`]: see [`UntrustedToken::parse_with_limit`] and [`UntrustedToken::verify`].
    pub fn verify_token<'b>(
        &self,
        token: &str,
        validation: &Validation<'_>,
        buf: &'b mut [u8],
    ) -> Result<Token<'b>, Error> {
        let untrusted = UntrustedToken::parse_with_limit(token, buf, validation.token_len_limit())?;
        untrusted.check_pinned_kid(self.key())?;
        untrusted.verify_prepared(self, validation)
    }
}
