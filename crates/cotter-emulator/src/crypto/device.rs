//! Device public keys (`EC`/`ECDSA`: P-256 SPKI DER; `ED25519`: raw 32 bytes) and their signatures
//! (DER or raw ECDSA-SHA256; 64-byte Ed25519), per `docs/protocol.md#device-keys`.

use crate::util::b64;
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;
use std::vec::Vec;

/// A parsed device public key.
#[derive(Debug, Clone)]
pub(crate) enum DeviceKey {
    /// P-256 ECDSA (iOS, Android, this SDK).
    P256(p256::ecdsa::VerifyingKey),
    /// Ed25519 (Flutter, React Native).
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// Parses `text` (the `code` / `public_key` string) for `algorithm`.
///
/// Returns the key and its canonical bytes (the decoded base64), which identify the device.
pub(crate) fn parse(algorithm: &str, text: &str) -> Result<(DeviceKey, Vec<u8>), &'static str> {
    let bytes = b64::std_decode_wrapped(text)
        .or_else(|| b64::lenient_decode(text))
        .ok_or("public key is not base64")?;
    let key = match algorithm.to_ascii_uppercase().as_str() {
        "EC" | "ECDSA" | "ES256" | "P256" | "P-256" => {
            p256::ecdsa::VerifyingKey::from_public_key_der(&bytes)
                .map(DeviceKey::P256)
                .map_err(|_| "public key is not a P-256 SubjectPublicKeyInfo")?
        }
        "ED25519" => {
            let raw: [u8; 32] =
                bytes.as_slice().try_into().map_err(|_| "ED25519 public key must be 32 bytes")?;
            ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map(DeviceKey::Ed25519)
                .map_err(|_| "ED25519 public key is not a curve point")?
        }
        "RSA" => return Err("RSA device keys are not supported by the emulator"),
        _ => return Err("algorithm must be EC or ED25519"),
    };
    Ok((key, bytes))
}

/// The canonical bytes of a public-key string, without checking the algorithm.
pub(crate) fn canonical(text: &str) -> Option<Vec<u8>> {
    b64::std_decode_wrapped(text).or_else(|| b64::lenient_decode(text))
}

impl DeviceKey {
    /// Whether `signature` (base64) signs `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Some(sig) =
            b64::std_decode_wrapped(signature).or_else(|| b64::lenient_decode(signature))
        else {
            return false;
        };
        match self {
            Self::P256(key) => {
                if let Ok(der) = p256::ecdsa::DerSignature::from_bytes(&sig) {
                    key.verify(message, &der).is_ok()
                } else if let Ok(raw) = p256::ecdsa::Signature::from_slice(&sig) {
                    key.verify(message, &raw).is_ok()
                } else {
                    false
                }
            }
            Self::Ed25519(key) => ed25519_dalek::Signature::from_slice(&sig)
                .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    #[test]
    fn p256_der_and_raw_signatures() {
        let secret = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("key");
        let der = secret.verifying_key().to_public_key_der().expect("der");
        let text = b64::std_encode(der.as_bytes());
        // iOS wraps at 64 columns with a trailing newline.
        let wrapped = format!("{}\n{}\n", &text[..64], &text[64..]);
        let (key, canonical_bytes) = parse("EC", &wrapped).expect("parses");
        assert_eq!(canonical_bytes, der.as_bytes());
        let sig: p256::ecdsa::Signature = secret.sign(b"message");
        assert!(key.verify(b"message", &b64::std_encode(sig.to_der().as_bytes())));
        assert!(key.verify(b"message", &b64::std_encode(&sig.to_bytes())));
        assert!(!key.verify(b"other", &b64::std_encode(sig.to_der().as_bytes())));
        assert!(!key.verify(b"message", "***"));
    }

    #[test]
    fn ed25519_signatures() {
        let secret = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let text = b64::std_encode(secret.verifying_key().as_bytes());
        let (key, _) = parse("ED25519", &text).expect("parses");
        let sig = b64::std_encode(&secret.sign(b"m").to_bytes());
        assert!(key.verify(b"m", &sig));
        assert!(!key.verify(b"n", &sig));
    }

    #[test]
    fn rejections() {
        assert!(parse("EC", "AAAA").is_err());
        assert!(parse("ED25519", "AAAA").is_err());
        assert!(parse("RSA", "AAAA").is_err());
        assert!(parse("XYZ", "AAAA").is_err());
        assert!(parse("EC", "!!").is_err());
    }
}
