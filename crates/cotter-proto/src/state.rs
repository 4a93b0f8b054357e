//! The OAuth `state` value that ties the redirect back to the login that was started.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::ZeroizeOnDrop;

use crate::Error;
use crate::secret_text::{self, SecretText};

/// A `state` value: base64url (no padding) of 16–64 caller-supplied random bytes
/// (22–86 characters).
///
/// Treated as a secret: `Debug` prints `<redacted>`, memory is zeroed on drop, comparison with
/// the redirect's value is constant-time ([`matches`](Self::matches)).
pub struct State {
    text: SecretText,
}

impl State {
    /// Fewest random bytes accepted (128 bits).
    pub const MIN_RANDOM: usize = 16;
    /// Most random bytes accepted.
    pub const MAX_RANDOM: usize = 64;
    /// Shortest text [`parse`](Self::parse) accepts (what 16 bytes encode to).
    pub const MIN_LEN: usize = 22;
    /// Longest text [`parse`](Self::parse) accepts.
    pub const MAX_LEN: usize = secret_text::MAX_LEN;

    /// Builds a state from `random` bytes, which must come from a cryptographically secure
    /// generator.
    ///
    /// # Errors
    ///
    /// [`Error::RandomLength`] unless `random` has 16–64 bytes.
    pub fn from_random(random: &[u8]) -> Result<Self, Error> {
        Ok(Self { text: SecretText::from_random(random, Self::MIN_RANDOM, Self::MAX_RANDOM)? })
    }

    /// Restores a state from its text (e.g. a persisted pending login).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless `text` is 22–128 characters of `A–Z a–z 0–9 - . _ ~`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Ok(Self { text: SecretText::parse(text, Self::MIN_LEN, Error::InvalidState)? })
    }

    /// The state text, sent as `state` to the hosted page.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.text.as_str()
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

impl ZeroizeOnDrop for State {}
