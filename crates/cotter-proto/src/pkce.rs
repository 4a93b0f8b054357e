//! PKCE with the S256 method (RFC 7636): a code verifier built from caller-supplied random
//! bytes, and its challenge. There is no RNG here; the caller brings the entropy.

use core::fmt;

use crate::base64::{self, Alphabet};
use sha2::{Digest, Sha256};
use zeroize::ZeroizeOnDrop;

use crate::Error;
use crate::secret_text::{self, SecretText};

/// A PKCE code verifier: base64url (no padding) of 32–96 random bytes, so 43–128 characters
/// of the RFC 7636 alphabet.
///
/// It is a secret until the code exchange: `Debug` prints `<redacted>`, memory is zeroed on
/// drop, and it is not `Clone` (move it into the pending login).
pub struct CodeVerifier {
    text: SecretText,
}

impl CodeVerifier {
    /// Fewest random bytes accepted (256 bits, giving the RFC's minimum 43 characters).
    pub const MIN_RANDOM: usize = 32;
    /// Most random bytes accepted (giving the RFC's maximum 128 characters).
    pub const MAX_RANDOM: usize = 96;
    /// Shortest verifier text (RFC 7636 §4.1).
    pub const MIN_LEN: usize = 43;
    /// Longest verifier text (RFC 7636 §4.1).
    pub const MAX_LEN: usize = secret_text::MAX_LEN;

    /// Builds a verifier from `random` bytes, which must come from a cryptographically secure
    /// generator.
    ///
    /// # Errors
    ///
    /// [`Error::RandomLength`] unless `random` has 32–96 bytes.
    pub fn from_random(random: &[u8]) -> Result<Self, Error> {
        Ok(Self { text: SecretText::from_random(random, Self::MIN_RANDOM, Self::MAX_RANDOM)? })
    }

    /// Restores a verifier from its text (e.g. a persisted pending login).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifier`] unless `text` is 43–128 characters of
    /// `A–Z a–z 0–9 - . _ ~` (RFC 7636 §4.1).
    pub fn parse(text: &str) -> Result<Self, Error> {
        Ok(Self { text: SecretText::parse(text, Self::MIN_LEN, Error::InvalidVerifier)? })
    }

    /// The verifier text, sent as `code_verifier` in the code exchange.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// The S256 challenge: base64url-nopad(SHA-256(verifier)), sent as `code_challenge`.
    #[must_use]
    pub fn challenge(&self) -> CodeChallenge {
        let digest = Sha256::digest(self.as_str().as_bytes());
        let mut buf = [0u8; CodeChallenge::LEN];
        // 32 bytes always encode to exactly 43 characters.
        let _ = base64::encode(&digest, &mut buf, Alphabet::UrlUnpadded);
        CodeChallenge { buf }
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

impl ZeroizeOnDrop for CodeVerifier {}

/// An S256 PKCE code challenge: 43 characters of base64url. Public, so freely copied.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeChallenge {
    buf: [u8; Self::LEN],
}

impl CodeChallenge {
    /// Length of the challenge text.
    pub const LEN: usize = 43;

    /// The challenge text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always base64url output; the fallback is unreachable.
        core::str::from_utf8(&self.buf).unwrap_or_default()
    }
}

impl fmt::Debug for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CodeChallenge").field(&self.as_str()).finish()
    }
}

impl fmt::Display for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
