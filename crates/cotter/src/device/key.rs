//! The trusted device's P-256 key: generated from the client's [`Entropy`], shown to Cotter as
//! base64 of its SubjectPublicKeyInfo DER (`algorithm: "EC"`, as the iOS and Android SDKs did),
//! and signing the messages of `docs/protocol.md#signed-messages` with DER ECDSA-SHA256.
//!
//! Both encodings are written by hand into fixed arrays: the SPKI of a P-256 key is a constant
//! 26-byte header followed by the 65-byte uncompressed point, and a DER signature is a
//! `SEQUENCE` of two `INTEGER`s. That keeps `p256`'s `pkcs8`/`der` features (and their
//! allocating encoders) out of the build.

use crate::random::{Entropy, RandomError};
use core::fmt;
use cotter_proto::SignedMessage;
use cotter_proto::base64::{self, Alphabet};
use p256::ecdsa::signature::hazmat::RandomizedPrehashSigner as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::point::AffineCoordinates as _;
use p256::elliptic_curve::rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// Bytes of a P-256 SubjectPublicKeyInfo: the 26-byte header and the 65-byte point.
pub const SPKI_LEN: usize = 91;
/// Characters of the public-key string: standard base64 (with padding) of the SPKI DER.
pub const PUBLIC_KEY_TEXT_LEN: usize = 124;
/// The longest DER ECDSA P-256 signature: `SEQUENCE` of two 33-byte `INTEGER`s.
const MAX_DER_SIGNATURE_LEN: usize = 72;
/// Characters of the longest signature string (standard base64 of 72 bytes).
pub const SIGNATURE_TEXT_LEN: usize = 96;

/// A device signature as sent in `code`: standard base64 of a DER ECDSA-SHA256 signature.
pub type DeviceSignature = heapless::String<SIGNATURE_TEXT_LEN>;

/// `SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (0 unused bits) … }`.
const SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Attempts at drawing a valid scalar before the random source is declared broken. A uniformly
/// random 32-byte string is out of range with probability below 2⁻³², so a second draw that
/// fails already means the source is not random.
const KEYGEN_ATTEMPTS: usize = 4;

/// A device's P-256 signing key. The secret never leaves the client except into the token
/// store (the session record's `device_key`); `Debug` shows only the public key, and the
/// scalar is zeroized on drop (`p256`'s `SigningKey` does it).
pub struct DeviceKey {
    key: SigningKey,
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceKey")
            .field("secret", &"<redacted>")
            .field("public_key", &self.public_key().as_str())
            .finish()
    }
}

impl DeviceKey {
    /// A new key from 32 bytes of `rng` (drawn again in the negligible case that they are not
    /// a valid P-256 scalar).
    ///
    /// # Errors
    /// [`RandomError`] when `rng` fails or keeps producing invalid scalars.
    pub fn generate(rng: &mut impl Entropy) -> Result<Self, RandomError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        for _ in 0..KEYGEN_ATTEMPTS {
            rng.fill(&mut bytes[..])?;
            if let Ok(key) = SigningKey::from_slice(&bytes[..]) {
                return Ok(Self { key });
            }
        }
        Err(RandomError)
    }

    /// The key stored as `bytes` (big-endian scalar); `None` when they are not a valid scalar.
    pub(crate) fn from_secret(bytes: &[u8; 32]) -> Option<Self> {
        SigningKey::from_slice(bytes).ok().map(|key| Self { key })
    }

    /// The scalar to store (big-endian).
    pub(crate) fn to_secret(&self) -> Zeroizing<[u8; 32]> {
        let mut field = self.key.to_bytes();
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&field);
        zeroize::Zeroize::zeroize(field.as_mut_slice());
        out
    }

    /// The public key as Cotter receives it.
    #[must_use]
    pub fn public_key(&self) -> DevicePublicKey {
        // The uncompressed point `04 || x || y`, written from the affine coordinates (no SEC1
        // encoder: its tag check links `der`'s error formatting on a microcontroller).
        let point = self.key.verifying_key().as_affine();
        let (x, y): ([u8; 32], [u8; 32]) = (point.x().into(), point.y().into());
        let mut der = [0u8; SPKI_LEN];
        let (header, key) = der.split_at_mut(SPKI_HEADER.len());
        header.copy_from_slice(&SPKI_HEADER);
        let (tag, xy) = key.split_at_mut(1);
        tag[0] = 0x04;
        let (x_out, y_out) = xy.split_at_mut(32);
        x_out.copy_from_slice(&x);
        y_out.copy_from_slice(&y);
        DevicePublicKey::from_spki(der)
    }

    /// Signs `message` (SHA-256, ECDSA) and returns the base64 DER signature for `code`.
    ///
    /// The nonce is RFC 6979's deterministic one with 32 bytes of `rng` as additional data
    /// (a "hedged" signature): it stays safe if `rng` is weak, and two signatures of the same
    /// message differ, so a sign-in repeated within the same second is not taken for a replay.
    ///
    /// # Errors
    /// [`RandomError`] when `rng` fails.
    pub fn sign(
        &self,
        message: &SignedMessage<'_>,
        rng: &mut impl Entropy,
    ) -> Result<DeviceSignature, RandomError> {
        let mut hasher = Sha256::new();
        message.for_each_chunk(|chunk| hasher.update(chunk));
        let digest = hasher.finalize();
        // The only failure `sign_prehash_with_rng` has for a 32-byte digest is the RNG's.
        let signature: Signature =
            self.key.sign_prehash_with_rng(&mut Rng(rng), &digest).map_err(|_| RandomError)?;
        let mut der = [0u8; MAX_DER_SIGNATURE_LEN];
        let len = der_signature(&signature, &mut der);
        let mut text = [0u8; SIGNATURE_TEXT_LEN];
        let encoded =
            der.get(..len).and_then(|d| base64::encode(d, &mut text, Alphabet::Standard).ok());
        encoded.and_then(|e| DeviceSignature::try_from(e).ok()).ok_or(RandomError)
    }
}

/// A device public key: the SPKI DER and its base64 string (`code` / `public_key` on the wire).
#[derive(Clone, PartialEq, Eq)]
pub struct DevicePublicKey {
    der: [u8; SPKI_LEN],
    text: heapless::String<PUBLIC_KEY_TEXT_LEN>,
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DevicePublicKey").field(&self.text.as_str()).finish()
    }
}

impl fmt::Display for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl DevicePublicKey {
    fn from_spki(der: [u8; SPKI_LEN]) -> Self {
        let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
        // 91 bytes encode to exactly 124 characters, so both conversions succeed.
        let text = base64::encode(&der, &mut buf, Alphabet::Standard)
            .ok()
            .and_then(|t| heapless::String::try_from(t).ok())
            .unwrap_or_default();
        Self { der, text }
    }

    /// The public-key string: standard base64 of the SPKI DER, one line, padded.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The SubjectPublicKeyInfo DER (`id-ecPublicKey`, `prime256v1`, uncompressed point).
    #[must_use]
    pub const fn spki_der(&self) -> &[u8; SPKI_LEN] {
        &self.der
    }
}

/// Writes `signature` as DER into `out` and returns its length.
fn der_signature(signature: &Signature, out: &mut [u8; MAX_DER_SIGNATURE_LEN]) -> usize {
    let bytes = signature.to_bytes();
    let (r, s) = bytes.split_at(32);
    let mut pos = 2;
    for half in [r, s] {
        pos += der_integer(half, &mut out[pos..]);
    }
    out[0] = 0x30;
    // At most 2 × 35 = 70 content bytes: the short length form.
    out[1] = u8::try_from(pos - 2).unwrap_or(0);
    pos
}

/// Writes the unsigned big-endian `value` as a DER `INTEGER` (minimal, positive) and returns
/// the bytes written (at most 35).
fn der_integer(value: &[u8], out: &mut [u8]) -> usize {
    let first = value.iter().position(|&b| b != 0).unwrap_or(value.len().saturating_sub(1));
    let digits = &value[first..];
    let pad = usize::from(digits.first().is_some_and(|&b| b & 0x80 != 0));
    let len = pad + digits.len();
    out[0] = 0x02;
    out[1] = u8::try_from(len).unwrap_or(0);
    out[2] = 0;
    out[2 + pad..2 + len].copy_from_slice(digits);
    2 + len
}

/// [`Entropy`] seen as a `rand_core` generator, for `p256`'s hedged signing.
struct Rng<'r, E: ?Sized>(&'r mut E);

impl<E: Entropy + ?Sized> TryRng for Rng<'_, E> {
    type Error = RandomError;

    fn try_next_u32(&mut self) -> Result<u32, RandomError> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomError> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RandomError> {
        self.0.fill(dst)
    }
}

impl<E: Entropy + ?Sized> TryCryptoRng for Rng<'_, E> {}

#[cfg(test)]
mod tests;
