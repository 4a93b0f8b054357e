//! Random URL-safe secret text, shared by the PKCE verifier and `state`: base64url (no
//! padding) of caller-supplied random bytes, or a parsed value, kept in a fixed buffer and
//! zeroed on drop.

use crate::base64::{self, Alphabet};
use zeroize::Zeroize;

use crate::Error;

/// Longest secret text kept (RFC 7636's 128-character verifier limit).
pub(crate) const MAX_LEN: usize = 128;

pub(crate) struct SecretText {
    buf: [u8; MAX_LEN],
    len: u8,
}

impl SecretText {
    /// base64url of `random`, which must have `min..=max` bytes.
    pub(crate) fn from_random(random: &[u8], min: usize, max: usize) -> Result<Self, Error> {
        if !(min..=max).contains(&random.len()) {
            return Err(Error::RandomLength { min, max, actual: random.len() });
        }
        let mut buf = [0u8; MAX_LEN];
        let len = base64::encode(random, &mut buf, Alphabet::UrlUnpadded)
            .map_err(|_| Error::BufferTooSmall)?
            .len();
        let len = u8::try_from(len).map_err(|_| Error::BufferTooSmall)?;
        Ok(Self { buf, len })
    }

    /// `text` as given: `min_len..=MAX_LEN` characters of `A–Z a–z 0–9 - . _ ~`, else `invalid`.
    pub(crate) fn parse(text: &str, min_len: usize, invalid: Error) -> Result<Self, Error> {
        let ok_len = (min_len..=MAX_LEN).contains(&text.len());
        if !ok_len || !text.bytes().all(crate::percent::is_unreserved) {
            return Err(invalid);
        }
        let mut buf = [0u8; MAX_LEN];
        let dst = buf.get_mut(..text.len()).ok_or(invalid)?;
        dst.copy_from_slice(text.as_bytes());
        let len = u8::try_from(text.len()).map_err(|_| invalid)?;
        Ok(Self { buf, len })
    }

    pub(crate) fn as_str(&self) -> &str {
        // Built only from ASCII and `len <= MAX_LEN`; the fallback is unreachable.
        let bytes = self.buf.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl Drop for SecretText {
    fn drop(&mut self) {
        self.buf.zeroize();
        self.len.zeroize();
    }
}
