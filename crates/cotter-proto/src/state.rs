//! The OAuth `state` value that ties the redirect back to the login that was started.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// A `state` value: base64url (no padding) of 16–64 caller-supplied random bytes
/// (22–86 characters).
///
/// Treated as a secret: `Debug` prints `<redacted>`, memory is zeroed on drop, comparison with
/// the redirect's value is constant-time ([`matches`](Self::matches)).
pub struct State {
    buf: [u8; Self::MAX_LEN],
    len: u8,
}

impl State {
    /// Fewest random bytes accepted (128 bits).
    pub const MIN_RANDOM: usize = 16;
    /// Most random bytes accepted.
    pub const MAX_RANDOM: usize = 64;
    /// Shortest text [`parse`](Self::parse) accepts (what 16 bytes encode to).
    pub const MIN_LEN: usize = 22;
    /// Longest text [`parse`](Self::parse) accepts.
    pub const MAX_LEN: usize = 128;

    /// Builds a state from `random` bytes, which must come from a cryptographically secure
    /// generator.
    ///
    /// # Errors
    ///
    /// [`Error::RandomLength`] unless `random` has 16–64 bytes.
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

    /// Restores a state from its text (e.g. a persisted pending login).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless `text` is 22–128 characters of `A–Z a–z 0–9 - . _ ~`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let ok_len = (Self::MIN_LEN..=Self::MAX_LEN).contains(&text.len());
        if !ok_len || !text.bytes().all(crate::percent::is_unreserved) {
            return Err(Error::InvalidState);
        }
        let mut buf = [0u8; Self::MAX_LEN];
        let dst = buf.get_mut(..text.len()).ok_or(Error::InvalidState)?;
        dst.copy_from_slice(text.as_bytes());
        let len = u8::try_from(text.len()).map_err(|_| Error::InvalidState)?;
        Ok(Self { buf, len })
    }

    /// The state text, sent as `state` to the hosted page.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Built only from ASCII and `len <= MAX_LEN`; the fallback is unreachable.
        let bytes = self.buf.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Compares with a received value in constant time (for equal lengths; the length of a
    /// state is not secret).
    #[must_use]
    pub fn matches(&self, received: &str) -> bool {
        self.as_str().as_bytes().ct_eq(received.as_bytes()).into()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State(<redacted>)")
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.buf.zeroize();
        self.len.zeroize();
    }
}

impl ZeroizeOnDrop for State {}
