//! PKCE with the S256 method (RFC 7636): a code verifier built from caller-supplied random
//! bytes, and its challenge. There is no RNG here; the caller brings the entropy.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// A PKCE code verifier: base64url (no padding) of 32–96 random bytes, so 43–128 characters
/// of the RFC 7636 alphabet.
///
/// It is a secret until the code exchange: `Debug` prints `<redacted>`, memory is zeroed on
/// drop, and it is not `Clone` (move it into the pending login).
pub struct CodeVerifier {
    buf: [u8; Self::MAX_LEN],
    len: u8,
}

impl CodeVerifier {
    /// Fewest random bytes accepted (256 bits, giving the RFC's minimum 43 characters).
    pub const MIN_RANDOM: usize = 32;
    /// Most random bytes accepted (giving the RFC's maximum 128 characters).
    pub const MAX_RANDOM: usize = 96;
    /// Shortest verifier text (RFC 7636 §4.1).
    pub const MIN_LEN: usize = 43;
    /// Longest verifier text (RFC 7636 §4.1).
    pub const MAX_LEN: usize = 128;

    /// Builds a verifier from `random` bytes, which must come from a cryptographically secure
    /// generator.
    ///
    /// # Errors
    ///
    /// [`Error::RandomLength`] unless `random` has 32–96 bytes.
    pub fn from_random(random: &[u8]) -> Result<Self, Error> {
        if !(Self::MIN_RANDOM..=Self::MAX_RANDOM).contains(&random.len()) {
            return Err(Error::RandomLength {
                min: Self::MIN_RANDOM,
                max: Self::MAX_RANDOM,
                actual: random.len(),
            });
        }
        let mut buf = [0u8; Self::MAX_LEN];
        let len =
            Base64UrlUnpadded::encode(random, &mut buf).map_err(|_| Error::BufferTooSmall)?.len();
        let len = u8::try_from(len).map_err(|_| Error::BufferTooSmall)?;
        Ok(Self { buf, len })
    }

    /// Restores a verifier from its text (e.g. a persisted pending login).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifier`] unless `text` is 43–128 characters of
    /// `A–Z a–z 0–9 - . _ ~` (RFC 7636 §4.1).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let ok_len = (Self::MIN_LEN..=Self::MAX_LEN).contains(&text.len());
        if !ok_len || !text.bytes().all(crate::percent::is_unreserved) {
            return Err(Error::InvalidVerifier);
        }
        let mut buf = [0u8; Self::MAX_LEN];
        let dst = buf.get_mut(..text.len()).ok_or(Error::InvalidVerifier)?;
        dst.copy_from_slice(text.as_bytes());
        let len = u8::try_from(text.len()).map_err(|_| Error::InvalidVerifier)?;
        Ok(Self { buf, len })
    }

    /// The verifier text, sent as `code_verifier` in the code exchange.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Built only from ASCII and `len <= MAX_LEN`; the fallback is unreachable.
        let bytes = self.buf.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// The S256 challenge: base64url-nopad(SHA-256(verifier)), sent as `code_challenge`.
    #[must_use]
    pub fn challenge(&self) -> CodeChallenge {
        let digest = Sha256::digest(self.as_str().as_bytes());
        let mut buf = [0u8; CodeChallenge::LEN];
        // 32 bytes always encode to exactly 43 characters.
        let _ = Base64UrlUnpadded::encode(&digest, &mut buf);
        CodeChallenge { buf }
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

impl Drop for CodeVerifier {
    fn drop(&mut self) {
        self.buf.zeroize();
        self.len.zeroize();
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
