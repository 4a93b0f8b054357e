//! Signing keys: the P-256 key ring behind `/token/jwks` (current key first, rotation keeps one previous key)
//! and the Ed25519 identity key that signs identity tokens and events.

use crate::util::b64;
use crate::util::rng::Csprng;
use core::fmt;
use ed25519_dalek::Signer as _;
use p256::ecdsa::SigningKey;
use serde::Serialize;
use std::string::String;
use std::vec::Vec;

/// One ES256 key and its `kid`.
pub(crate) struct JwtKey {
    /// Key ID published in the JWKS and the JWT header.
    pub(crate) kid: String,
    /// The private key.
    pub(crate) key: SigningKey,
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// A JWK as Cotter's JWKS lists it.
#[derive(Debug, Serialize)]
pub(crate) struct Jwk {
    kty: &'static str,
    crv: &'static str,
    x: String,
    y: String,
    kid: String,
    #[serde(rename = "use")]
    usage: &'static str,
    alg: &'static str,
}

/// `{"keys": [...]}`.
#[derive(Debug, Serialize)]
pub(crate) struct Jwks {
    keys: Vec<Jwk>,
}

/// All private keys of one emulator.
pub(crate) struct Keys {
    /// Current key first; at most two.
    jwt: Vec<JwtKey>,
    identity: ed25519_dalek::SigningKey,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").field("jwt", &self.jwt).finish_non_exhaustive()
    }
}

impl Keys {
    /// Draws a JWT key (published as `kid`) and an identity key from `rng`.
    pub(crate) fn generate(rng: &mut Csprng, kid: String) -> Self {
        let key = p256_key(rng);
        let identity = ed25519_dalek::SigningKey::from_bytes(&rng.bytes());
        Self { jwt: vec![JwtKey { kid, key }], identity }
    }

    /// The key that signs new tokens.
    pub(crate) fn current(&self) -> &JwtKey {
        // `jwt` is never empty: `generate` puts one key in and `rotate` only inserts before truncating.
        &self.jwt[0]
    }

    /// Makes a new current key with a fresh `kid`; the previous one stays published, older ones are dropped.
    pub(crate) fn rotate(&mut self, rng: &mut Csprng) -> String {
        let kid = format!("SPACE_JWT_PUBLIC:{}", rng.uuid_v4().to_ascii_uppercase());
        self.jwt.insert(0, JwtKey { kid: kid.clone(), key: p256_key(rng) });
        self.jwt.truncate(2);
        kid
    }

    /// The public JWKS document.
    pub(crate) fn jwks(&self) -> Jwks {
        let keys = self
            .jwt
            .iter()
            .filter_map(|entry| {
                let point = entry.key.verifying_key().to_sec1_point(false);
                Some(Jwk {
                    kty: "EC",
                    crv: "P-256",
                    x: b64::url_encode(point.x()?),
                    y: b64::url_encode(point.y()?),
                    kid: entry.kid.clone(),
                    usage: "sig",
                    alg: "ES256",
                })
            })
            .collect();
        Jwks { keys }
    }

    /// Ed25519 signature over `message`, standard base64.
    pub(crate) fn sign_identity(&self, message: &[u8]) -> String {
        b64::std_encode(&self.identity.sign(message).to_bytes())
    }

    /// The identity public key, standard base64 (Cotter's was `qqOaiQGj…`).
    pub(crate) fn identity_public(&self) -> String {
        b64::std_encode(self.identity.verifying_key().as_bytes())
    }
}

/// The keys as the `--state` file holds them: the private scalars, base64url.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub(crate) struct KeysRecord {
    /// `(kid, P-256 private scalar)`, current first.
    jwt: Vec<(String, String)>,
    /// The Ed25519 identity key's 32-byte seed.
    identity: String,
}

impl Keys {
    /// The private keys, for the `--state` file.
    pub(crate) fn record(&self) -> KeysRecord {
        KeysRecord {
            jwt: self
                .jwt
                .iter()
                .map(|k| (k.kid.clone(), b64::url_encode(&k.key.to_bytes())))
                .collect(),
            identity: b64::url_encode(&self.identity.to_bytes()),
        }
    }

    /// Keys from a `--state` file.
    ///
    /// # Errors
    ///
    /// When a key does not decode or is not a valid scalar, or there is no JWT key.
    pub(crate) fn from_record(record: &KeysRecord) -> Result<Self, &'static str> {
        let jwt = record
            .jwt
            .iter()
            .map(|(kid, scalar)| {
                let bytes = b64::url_decode(scalar).ok_or("a signing key is not base64url")?;
                let key =
                    SigningKey::from_slice(&bytes).map_err(|_| "a signing key is not P-256")?;
                Ok(JwtKey { kid: kid.clone(), key })
            })
            .collect::<Result<Vec<_>, &'static str>>()?;
        if jwt.is_empty() || jwt.len() > 2 {
            return Err("one or two signing keys are expected");
        }
        let seed: [u8; 32] = b64::url_decode(&record.identity)
            .and_then(|b| b.try_into().ok())
            .ok_or("the identity key is not 32 bytes of base64url")?;
        Ok(Self { jwt, identity: ed25519_dalek::SigningKey::from_bytes(&seed) })
    }
}

fn p256_key(rng: &mut Csprng) -> SigningKey {
    loop {
        // Out-of-range scalars (probability ~2^-32) are redrawn.
        if let Ok(key) = SigningKey::from_slice(&rng.bytes::<32>()) {
            return key;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_one_previous_key() {
        let mut rng = Csprng::from_seed(1);
        let mut keys = Keys::generate(&mut rng, "first".into());
        let jwks = serde_json::to_value(keys.jwks()).expect("json");
        assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
        assert_eq!(jwks["keys"][0]["kid"], "first");
        assert_eq!(jwks["keys"][0]["x"].as_str().map(str::len), Some(43));
        let second = keys.rotate(&mut rng);
        assert!(second.starts_with("SPACE_JWT_PUBLIC:"));
        let third = keys.rotate(&mut rng);
        let jwks = serde_json::to_value(keys.jwks()).expect("json");
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|k| k["kid"].as_str())
            .collect();
        assert_eq!(kids, vec![third.as_str(), second.as_str()]);
        assert_eq!(keys.current().kid, third);
    }

    #[test]
    fn seeded_keys_repeat() {
        let a = Keys::generate(&mut Csprng::from_seed(9), "k".into());
        let b = Keys::generate(&mut Csprng::from_seed(9), "k".into());
        assert_eq!(a.identity_public(), b.identity_public());
        assert_eq!(a.current().key.to_bytes(), b.current().key.to_bytes());
    }
}
