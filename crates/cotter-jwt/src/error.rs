//! Errors of token verification ([`Error`]) and of key parsing ([`JwkError`]).

use core::fmt;
use cotter_json::JsonError;

/// Which part of a compact JWS an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// The protected header (first segment).
    Header,
    /// The claims set (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token was not accepted.
///
/// Variants fall in four phases, told apart by [`Error::phase`]: parsing the compact form and
/// header ([`Phase::Parse`]), choosing a key ([`Phase::Key`]), the signature ([`Phase::Signature`],
/// one opaque variant on purpose) and the claims ([`Phase::Validation`]). Claims are only ever
/// read after the signature has been checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than [`crate::Validation::max_token_len`].
    TokenTooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// Not exactly three `.`-separated segments.
    MalformedSegments,
    /// A segment is not base64url without padding (padding, standard alphabet, whitespace,
    /// non-ASCII and non-canonical trailing bits are all rejected).
    MalformedBase64(Segment),
    /// The decoded header or payload is not UTF-8.
    MalformedUtf8(Segment),
    /// The decoded header or payload is not a JSON object.
    MalformedJson(Segment, JsonError),
    /// A header member or claim appears twice.
    DuplicateMember(Segment, &'static str),
    /// A header member has the wrong JSON type (e.g. a numeric `kid`).
    MalformedHeader(&'static str),
    /// The signature segment does not decode to exactly 64 bytes (`r || s`).
    MalformedSignature,
    /// The header's `alg` is missing or is not exactly `ES256`; the key decides the algorithm.
    AlgorithmNotAllowed,
    /// The header has a `crit` member; no extensions are understood.
    CriticalHeader,
    /// The caller's buffer cannot hold the decoded header and payload.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// No key in the set has the token's `kid`.
    UnknownKid,
    /// The token has no `kid` and the key set does not hold exactly one usable key.
    MissingKid,
    /// The signature does not verify (deliberately says nothing more).
    InvalidSignature,
    /// `now` is at or past `exp` plus leeway.
    Expired,
    /// `now` plus leeway is before `nbf`.
    NotYetValid,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type or an unusable value (e.g. `"exp": "1700000000"`).
    InvalidClaim(&'static str),
    /// `aud` does not contain the expected audience.
    AudienceMismatch,
    /// `iss` is not the expected issuer.
    IssuerMismatch,
}

/// The phase of verification an [`Error`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The compact form, base64, header JSON, algorithm.
    Parse,
    /// Selecting the key by `kid`.
    Key,
    /// The ES256 signature.
    Signature,
    /// Claims: time, audience, issuer, types.
    Validation,
}

impl Error {
    /// The phase this error comes from.
    #[must_use]
    pub const fn phase(&self) -> Phase {
        match self {
            Self::UnknownKid | Self::MissingKid => Phase::Key,
            Self::InvalidSignature => Phase::Signature,
            Self::Expired
            | Self::NotYetValid
            | Self::MissingClaim(_)
            | Self::InvalidClaim(_)
            | Self::AudienceMismatch
            | Self::IssuerMismatch => Phase::Validation,
            Self::MalformedJson(Segment::Payload, _)
            | Self::DuplicateMember(Segment::Payload, _) => Phase::Validation,
            _ => Phase::Parse,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TokenTooLarge { len, max } => {
                write!(f, "token too large: {len} bytes, limit {max}")
            }
            Self::MalformedSegments => f.write_str("malformed token: expected three segments"),
            Self::MalformedBase64(s) => write!(f, "malformed token: {s} is not base64url"),
            Self::MalformedUtf8(s) => write!(f, "malformed token: {s} is not utf-8"),
            Self::MalformedJson(s, e) => write!(f, "malformed token: {s} json: {e}"),
            Self::DuplicateMember(s, m) => write!(f, "malformed token: duplicate `{m}` in {s}"),
            Self::MalformedHeader(m) => {
                write!(f, "malformed token: header `{m}` has the wrong type")
            }
            Self::MalformedSignature => {
                f.write_str("malformed token: signature is not 64 bytes of r||s")
            }
            Self::AlgorithmNotAllowed => {
                f.write_str("algorithm not allowed: only ES256 is accepted")
            }
            Self::CriticalHeader => f.write_str("unsupported critical header (crit)"),
            Self::BufferTooSmall { needed } => write!(f, "buffer too small: {needed} bytes needed"),
            Self::UnknownKid => f.write_str("unknown kid: no key in the set has the token's kid"),
            Self::MissingKid => {
                f.write_str("missing kid: the token has no kid and the set has several keys")
            }
            Self::InvalidSignature => f.write_str("invalid signature"),
            Self::Expired => f.write_str("token expired"),
            Self::NotYetValid => f.write_str("token not yet valid (nbf)"),
            Self::MissingClaim(c) => write!(f, "missing claim `{c}`"),
            Self::InvalidClaim(c) => write!(f, "invalid claim `{c}`: wrong type or value"),
            Self::AudienceMismatch => f.write_str("audience mismatch"),
            Self::IssuerMismatch => f.write_str("issuer mismatch"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::MalformedJson(_, e) => Some(e),
            _ => None,
        }
    }
}

/// Why a JWK or JWKS was not accepted (for a JWKS entry: why it was skipped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwkError {
    /// Not a JSON object.
    Json(JsonError),
    /// A member appears twice.
    DuplicateMember(&'static str),
    /// A required member is absent.
    MissingMember(&'static str),
    /// A member has the wrong JSON type.
    InvalidMember(&'static str),
    /// `kty` is not `EC`.
    UnsupportedKeyType,
    /// `crv` is not `P-256`.
    UnsupportedCurve,
    /// `use` is present and not `sig`.
    UnsupportedUse,
    /// `alg` is present and not `ES256`.
    UnsupportedAlgorithm,
    /// `x` or `y` is not 32 bytes of base64url without padding.
    InvalidCoordinate(&'static str),
    /// The point is not on the P-256 curve (or the SEC1 bytes are not a valid point).
    InvalidPoint,
    /// `kid` is longer than [`crate::KID_MAX_LEN`] bytes.
    KidTooLong,
    /// The JWKS has no `keys` array.
    MissingKeys,
    /// The set is full (its capacity `N`).
    CapacityExceeded,
}

impl fmt::Display for JwkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "invalid jwk json: {e}"),
            Self::DuplicateMember(m) => write!(f, "duplicate jwk member `{m}`"),
            Self::MissingMember(m) => write!(f, "missing jwk member `{m}`"),
            Self::InvalidMember(m) => write!(f, "jwk member `{m}` has the wrong type"),
            Self::UnsupportedKeyType => f.write_str("unsupported key type: only kty EC"),
            Self::UnsupportedCurve => f.write_str("unsupported curve: only P-256"),
            Self::UnsupportedUse => f.write_str("unsupported use: only sig"),
            Self::UnsupportedAlgorithm => f.write_str("unsupported alg: only ES256"),
            Self::InvalidCoordinate(c) => {
                write!(f, "invalid coordinate `{c}`: not 32 bytes of base64url")
            }
            Self::InvalidPoint => f.write_str("invalid public key: not a point on P-256"),
            Self::KidTooLong => f.write_str("kid too long"),
            Self::MissingKeys => f.write_str("jwks has no `keys` array"),
            Self::CapacityExceeded => f.write_str("key set is full"),
        }
    }
}

impl core::error::Error for JwkError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<JsonError> for JwkError {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}
