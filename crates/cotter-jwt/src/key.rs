//! ES256 public keys: from a JWK, from SEC1 bytes, and the raw signature check.

use crate::error::JwkError;
use crate::verifier::{JwkKey, Verifier};
use core::fmt;
use cotter_json::{self as json, JsonStr, JsonValue};
use p256::ecdsa::VerifyingKey;

/// The longest `kid` a key may carry, in bytes (Cotter's is 53).
pub const KID_MAX_LEN: usize = 128;

/// A key identifier, decoded from JSON.
pub type Kid = heapless::String<KID_MAX_LEN>;

/// A P-256 public key that verifies ES256 signatures, with an optional `kid`.
///
/// The key decides the algorithm: an `Es256Key` only ever checks ES256 (ECDSA P-256 with
/// SHA-256), whatever a token's header says.
///
/// It checks signatures with p256's arithmetic. For less flash and slower checks, choose
/// `CompactKey` (feature `compact`), which has the same API and verdicts.
///
/// Its methods are those of every key type, defined once in the traits [`Verifier`]
/// (`verify`, `verify_token`, `kid`, `coordinates`) and [`JwkKey`] (`from_jwk`,
/// `from_sec1_bytes`, `from_coordinates`, `from_verifying_key`, `with_kid`):
///
/// ```
/// use cotter_jwt::{Es256Key, JwkKey, Validation, Verifier};
///
/// let key = Es256Key::from_jwk(r#"{"kty":"EC","crv":"P-256","kid":"SPACE_JWT_PUBLIC:8028AAA3-EC2D-4BAA-BE7A-7C8359CCB9F9",
///     "x":"Wr7OvV5WZnGp4mflhcfqAZCToNeIoLRT3cxJaZTp9kU","y":"bXRtPK48VAjPb0w6sl0er0gRifOvvtlovMDZC51Lob0"}"#)?;
/// assert!(key.kid().is_some_and(|kid| kid.starts_with("SPACE_JWT_PUBLIC")));
///
/// let token = include_str!("../../../tests/data/cotter-real/access_token.jwt").trim();
/// let validation = Validation::cotter("19024767-a0b2-4221-8faa-ef116dc853d0", 1_598_130_000);
/// let mut buf = [0u8; 1024];
/// assert_eq!(key.verify_token(token, &validation, &mut buf)?.claims().exp(), Some(1_598_132_692));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Es256Key {
    key: backend::Key,
    kid: Option<Kid>,
}

impl fmt::Debug for Es256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Es256Key").field("kid", &self.kid.as_deref()).finish_non_exhaustive()
    }
}

impl crate::verifier::sealed::Sealed for Es256Key {}

impl Verifier for Es256Key {
    fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        backend::coordinates(&self.key)
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), crate::Error> {
        if backend::verify(&self.key, message, signature) {
            Ok(())
        } else {
            Err(crate::Error::InvalidSignature)
        }
    }
}

impl JwkKey for Es256Key {
    fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Result<Self, JwkError> {
        let key = backend::from_coordinates(x, y).ok_or(JwkError::InvalidPoint)?;
        Ok(Self { key, kid: None })
    }

    fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, JwkError> {
        let key = backend::from_sec1_bytes(bytes).ok_or(JwkError::InvalidPoint)?;
        Ok(Self { key, kid: None })
    }

    fn from_verifying_key(key: VerifyingKey) -> Self {
        Self { key: backend::from_verifying_key(&key), kid: None }
    }

    fn with_kid(mut self, kid: &str) -> Result<Self, JwkError> {
        self.kid = Some(Kid::try_from(kid).map_err(|_| JwkError::KidTooLong)?);
        Ok(self)
    }
}

#[derive(Default)]
struct JwkMembers<'a> {
    kty: Option<JsonValue<'a>>,
    crv: Option<JsonValue<'a>>,
    x: Option<JsonValue<'a>>,
    y: Option<JsonValue<'a>>,
    kid: Option<JsonValue<'a>>,
    use_: Option<JsonValue<'a>>,
    alg: Option<JsonValue<'a>>,
}

fn set<'a>(
    slot: &mut Option<JsonValue<'a>>,
    v: JsonValue<'a>,
    name: &'static str,
) -> Result<(), JwkError> {
    if slot.replace(v).is_some() { Err(JwkError::DuplicateMember(name)) } else { Ok(()) }
}

fn string<'a>(
    v: Option<JsonValue<'a>>,
    name: &'static str,
) -> Result<Option<JsonStr<'a>>, JwkError> {
    match v {
        None => Ok(None),
        Some(JsonValue::Str(s)) => Ok(Some(s)),
        Some(_) => Err(JwkError::InvalidMember(name)),
    }
}

fn required<'a>(v: Option<JsonValue<'a>>, name: &'static str) -> Result<JsonStr<'a>, JwkError> {
    string(v, name)?.ok_or(JwkError::MissingMember(name))
}

fn coordinate(s: JsonStr<'_>, name: &'static str) -> Result<[u8; 32], JwkError> {
    // Base64url never needs escapes; an escaped coordinate is not a canonical encoding. The
    // token decoder's strict base64url (no padding, canonical tail) reads it: 43 characters.
    let text = s.as_str().ok_or(JwkError::InvalidCoordinate(name))?;
    let mut out = [0u8; 32];
    match crate::b64::decode(text.as_bytes(), &mut out) {
        Ok(decoded) if decoded.len() == 32 => Ok(out),
        _ => Err(JwkError::InvalidCoordinate(name)),
    }
}

/// One JWK into a key of type `K` (the rules of [`JwkKey::from_jwk`]).
pub(crate) fn parse_jwk<K: JwkKey>(json: &str) -> Result<K, JwkError> {
    let mut m = JwkMembers::default();
    json::for_each_member(json, |k, v| match k.raw() {
        "kty" => set(&mut m.kty, v, "kty"),
        "crv" => set(&mut m.crv, v, "crv"),
        "x" => set(&mut m.x, v, "x"),
        "y" => set(&mut m.y, v, "y"),
        "kid" => set(&mut m.kid, v, "kid"),
        "use" => set(&mut m.use_, v, "use"),
        "alg" => set(&mut m.alg, v, "alg"),
        _ => Ok(()),
    })?;
    if !required(m.kty, "kty")?.eq_str("EC") {
        return Err(JwkError::UnsupportedKeyType);
    }
    if !required(m.crv, "crv")?.eq_str("P-256") {
        return Err(JwkError::UnsupportedCurve);
    }
    if string(m.use_, "use")?.is_some_and(|u| !u.eq_str("sig")) {
        return Err(JwkError::UnsupportedUse);
    }
    if string(m.alg, "alg")?.is_some_and(|a| !a.eq_str("ES256")) {
        return Err(JwkError::UnsupportedAlgorithm);
    }
    let x = coordinate(required(m.x, "x")?, "x")?;
    let y = coordinate(required(m.y, "y")?, "y")?;
    let mut key = K::from_coordinates(&x, &y)?;
    if let Some(kid) = string(m.kid, "kid")? {
        let mut buf = [0u8; KID_MAX_LEN];
        let text = kid.unescape_into(&mut buf).map_err(|_| JwkError::KidTooLong)?;
        key = key.with_kid(text)?;
    }
    Ok(key)
}

/// p256's arithmetic.
mod backend {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::elliptic_curve::point::AffineCoordinates;
    use p256::{AffinePoint, FieldBytes};

    pub(super) type Key = VerifyingKey;

    pub(super) fn from_sec1_bytes(bytes: &[u8]) -> Option<Key> {
        // Only the two encodings the docs promise (and `CompactKey` reads): not the
        // identity, nor the "compact" `05 || x` form sec1 also accepts.
        if !matches!(bytes.first(), Some(0x02..=0x04)) {
            return None;
        }
        VerifyingKey::from_sec1_bytes(bytes).ok()
    }

    pub(super) fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Option<Key> {
        // Straight from the coordinates: no SEC1 encoding, so no point decompression code.
        let point = AffinePoint::from_coordinates(&FieldBytes::from(*x), &FieldBytes::from(*y));
        VerifyingKey::from_affine(Option::from(point)?).ok()
    }

    pub(super) fn from_verifying_key(key: &VerifyingKey) -> Key {
        *key
    }

    pub(super) fn coordinates(key: &Key) -> ([u8; 32], [u8; 32]) {
        let point = key.as_affine();
        (point.x().into(), point.y().into())
    }

    pub(super) fn verify(key: &Key, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|sig| key.verify(message, &sig).is_ok())
    }
}
