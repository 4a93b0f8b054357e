//! Compact JWS tokens: [`UntrustedToken`] (split, decoded, header read) and the verified
//! [`Token`], the only way to reach the claims.

use crate::b64;
use crate::claims::{Claims, JsonOr, known_name};
use crate::error::{Error, Segment};
use crate::jwks::Jwks;
#[cfg(doc)]
use crate::key::Es256Key;
use crate::validation::{DEFAULT_MAX_TOKEN_LEN, Validation};
use crate::verifier::{Verifier, kid_matches};
use cotter_json::{self as json, JsonStr, JsonValue};

/// The protected header of a token. Its `alg` is always `ES256`: anything else is refused
/// while parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    json: &'a str,
    kid: Option<JsonStr<'a>>,
    typ: Option<JsonStr<'a>>,
}

impl<'a> Header<'a> {
    /// The header as JSON text.
    #[must_use]
    pub const fn json(&self) -> &'a str {
        self.json
    }

    /// `kid`, if present.
    #[must_use]
    pub const fn kid(&self) -> Option<JsonStr<'a>> {
        self.kid
    }

    /// `typ`, if present (not checked: Cotter sends `JWT`).
    #[must_use]
    pub const fn typ(&self) -> Option<JsonStr<'a>> {
        self.typ
    }

    fn parse(json: &'a str) -> Result<Self, Error> {
        const NAMES: [&str; 4] = ["alg", "kid", "typ", "crit"];
        let mut alg: Option<JsonValue<'a>> = None;
        let mut kid: Option<JsonValue<'a>> = None;
        let mut typ: Option<JsonValue<'a>> = None;
        let mut crit = false;
        json::for_each_member(json, |k, v| {
            let Some(name) = known_name(&k, &NAMES) else { return Ok(()) };
            let slot = match name {
                "alg" => &mut alg,
                "kid" => &mut kid,
                "typ" => &mut typ,
                _ => {
                    crit = true;
                    return Ok(());
                }
            };
            if slot.replace(v).is_some() {
                return Err(JsonOr::Claim(Error::DuplicateMember(Segment::Header, name)));
            }
            Ok(())
        })
        .map_err(|e| match e {
            JsonOr::Json(e) => Error::MalformedJson(Segment::Header, e),
            JsonOr::Claim(e) => e,
        })?;
        match alg {
            Some(JsonValue::Str(a)) if a.eq_str("ES256") => {}
            _ => return Err(Error::AlgorithmNotAllowed),
        }
        if crit {
            return Err(Error::CriticalHeader);
        }
        let string = |v: Option<JsonValue<'a>>, name| match v {
            None => Ok(None),
            Some(JsonValue::Str(s)) => Ok(Some(s)),
            Some(_) => Err(Error::MalformedHeader(name)),
        };
        Ok(Self { json, kid: string(kid, "kid")?, typ: string(typ, "typ")? })
    }
}

/// A token split and decoded, its header read, its signature not yet checked.
///
/// Nothing about the payload is trusted or even parsed until [`UntrustedToken::verify`]
/// succeeds. The decoded header and payload live in the caller's buffer (`'b`), so nothing is
/// allocated: size it with [`UntrustedToken::buffer_len`] (about ¾ of the token length).
#[derive(Clone, Debug)]
pub struct UntrustedToken<'t, 'b> {
    signing_input: &'t str,
    signature: [u8; 64],
    header: Header<'b>,
    payload: &'b [u8],
}

/// The three segments of a compact JWS: the text around its exactly two dots. Byte scans and
/// checked splits rather than `str::split`, whose panic paths (and `core::fmt` with them)
/// would otherwise stay in a firmware image.
fn segments(token: &str) -> Option<(&str, &str, &str)> {
    let dot = |text: &str| text.bytes().position(|b| b == b'.');
    let (header, rest) = token.split_at_checked(dot(token)?)?;
    let rest = rest.get(1..)?;
    let (payload, rest) = rest.split_at_checked(dot(rest)?)?;
    let signature = rest.get(1..)?;
    match dot(signature) {
        None => Some((header, payload, signature)),
        Some(_) => None,
    }
}

fn decoded_len(segment: &str) -> Result<usize, ()> {
    b64::decoded_len(segment.len()).ok_or(())
}

fn decode<'b>(segment: &str, out: &'b mut [u8], which: Segment) -> Result<&'b [u8], Error> {
    b64::decode(segment.as_bytes(), out).map_err(|_| Error::MalformedBase64(which))
}

impl<'t, 'b> UntrustedToken<'t, 'b> {
    /// Bytes of buffer that [`UntrustedToken::parse`] needs for `token` (0 if it is malformed).
    #[must_use]
    pub fn buffer_len(token: &str) -> usize {
        let mut parts = token.split('.');
        let h = parts.next().and_then(|s| decoded_len(s).ok()).unwrap_or(0);
        let p = parts.next().and_then(|s| decoded_len(s).ok()).unwrap_or(0);
        h + p
    }

    /// Splits and decodes a compact JWS of at most [`DEFAULT_MAX_TOKEN_LEN`] bytes.
    ///
    /// # Errors
    /// See [`UntrustedToken::parse_with_limit`].
    pub fn parse(token: &'t str, buf: &'b mut [u8]) -> Result<Self, Error> {
        Self::parse_with_limit(token, buf, DEFAULT_MAX_TOKEN_LEN)
    }

    /// Splits and decodes a compact JWS of at most `max_len` bytes, decoding header and payload
    /// into `buf`, and reads the header.
    ///
    /// # Errors
    /// [`Error::TokenTooLarge`], [`Error::MalformedSegments`], [`Error::MalformedBase64`],
    /// [`Error::MalformedSignature`], [`Error::BufferTooSmall`], [`Error::MalformedUtf8`],
    /// [`Error::MalformedJson`] (header), [`Error::AlgorithmNotAllowed`],
    /// [`Error::CriticalHeader`], [`Error::DuplicateMember`], [`Error::MalformedHeader`].
    pub fn parse_with_limit(
        token: &'t str,
        buf: &'b mut [u8],
        max_len: usize,
    ) -> Result<Self, Error> {
        if token.len() > max_len {
            return Err(Error::TokenTooLarge { len: token.len(), max: max_len });
        }
        let (h64, p64, s64) = segments(token).ok_or(Error::MalformedSegments)?;
        let signing_input =
            token.get(..h64.len() + 1 + p64.len()).ok_or(Error::MalformedSegments)?;

        let h_len = decoded_len(h64).map_err(|()| Error::MalformedBase64(Segment::Header))?;
        let p_len = decoded_len(p64).map_err(|()| Error::MalformedBase64(Segment::Payload))?;
        if decoded_len(s64) != Ok(64) {
            // Not 64 bytes (or not even a base64 length): DER or truncated, never r || s.
            return Err(Error::MalformedSignature);
        }
        let mut signature = [0u8; 64];
        decode(s64, &mut signature, Segment::Signature)?;

        let needed = h_len + p_len;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let (h_buf, rest) =
            buf.split_at_mut_checked(h_len).ok_or(Error::BufferTooSmall { needed })?;
        let header_bytes: &'b [u8] = decode(h64, h_buf, Segment::Header)?;
        let payload: &'b [u8] = decode(p64, rest, Segment::Payload)?;
        let header_json = core::str::from_utf8(header_bytes)
            .map_err(|_| Error::MalformedUtf8(Segment::Header))?;
        let header = Header::parse(header_json)?;
        Ok(Self { signing_input, signature, header, payload })
    }

    /// The header (untrusted until verified).
    #[must_use]
    pub const fn header(&self) -> &Header<'b> {
        &self.header
    }

    /// Verifies the signature with the key chosen by `kid` from `keys` (a [`Jwks`] of any key
    /// type: the rule of [`Jwks::select`]), then reads the claims and checks them against
    /// `validation`.
    ///
    /// # Errors
    /// [`Error::UnknownKid`] / [`Error::MissingKid`] (no key), [`Error::InvalidSignature`],
    /// then payload errors ([`Error::MalformedUtf8`], [`Error::MalformedJson`],
    /// [`Error::InvalidClaim`], [`Error::DuplicateMember`]) and validation errors (see
    /// [`Validation::check`]).
    pub fn verify<const N: usize, K: Verifier>(
        self,
        keys: &Jwks<N, K>,
        validation: &Validation<'_>,
    ) -> Result<Token<'b>, Error> {
        let (_, key) = keys.select(self.header.kid.as_ref())?;
        self.verify_with(key, validation)
    }

    /// Verifies with one key, whatever the token's `kid` says (the caller pinned the key):
    /// an [`Es256Key`], a `CompactKey` or a `PreparedKey` (any [`Verifier`]).
    /// [`Verifier::verify_token`] does the same and also checks the `kid`.
    ///
    /// # Errors
    /// As [`UntrustedToken::verify`], without the key-selection errors.
    pub fn verify_with<K: Verifier + ?Sized>(
        self,
        key: &K,
        validation: &Validation<'_>,
    ) -> Result<Token<'b>, Error> {
        self.verify_by(|message, signature| key.verify(message, signature), validation)
    }

    /// For a key the caller pinned: a token `kid` must match the key's `kid` when the key has
    /// one.
    fn check_pinned_kid(&self, key: &(impl Verifier + ?Sized)) -> Result<(), Error> {
        match (self.header.kid.as_ref(), key.kid()) {
            (Some(kid), Some(_)) if !kid_matches(key, kid) => Err(Error::UnknownKid),
            _ => Ok(()),
        }
    }

    /// The one path from untrusted to verified: `check` the signature (`message`, `r || s`),
    /// then read and validate the claims.
    fn verify_by(
        self,
        check: impl FnOnce(&[u8], &[u8]) -> Result<(), Error>,
        validation: &Validation<'_>,
    ) -> Result<Token<'b>, Error> {
        check(self.signing_input.as_bytes(), &self.signature)?;
        let json = core::str::from_utf8(self.payload)
            .map_err(|_| Error::MalformedUtf8(Segment::Payload))?;
        let claims = Claims::parse(json)?;
        validation.check(&claims)?;
        Ok(Token { header: self.header, claims })
    }
}

/// A token whose signature verified and whose claims passed validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'b> {
    header: Header<'b>,
    claims: Claims<'b>,
}

impl<'b> Token<'b> {
    /// The header.
    #[must_use]
    pub const fn header(&self) -> &Header<'b> {
        &self.header
    }

    /// The verified claims.
    #[must_use]
    pub const fn claims(&self) -> &Claims<'b> {
        &self.claims
    }
}

impl<const N: usize, K: Verifier> Jwks<N, K> {
    /// Parses `token`, verifies it with the key its `kid` selects, and validates its claims.
    /// `buf` receives the decoded header and payload (see [`UntrustedToken::buffer_len`]).
    ///
    /// # Errors
    /// Any [`Error`]: see [`UntrustedToken::parse_with_limit`] and [`UntrustedToken::verify`].
    pub fn verify<'b>(
        &self,
        token: &str,
        validation: &Validation<'_>,
        buf: &'b mut [u8],
    ) -> Result<Token<'b>, Error> {
        UntrustedToken::parse_with_limit(token, buf, validation.token_len_limit())?
            .verify(self, validation)
    }
}

/// `verify_token` of every key type: parse, the pinned key's `kid` rule, verify, validate.
pub(crate) fn verify_pinned<'b>(
    key: &(impl Verifier + ?Sized),
    token: &str,
    validation: &Validation<'_>,
    buf: &'b mut [u8],
) -> Result<Token<'b>, Error> {
    let untrusted = UntrustedToken::parse_with_limit(token, buf, validation.token_len_limit())?;
    untrusted.check_pinned_kid(key)?;
    untrusted.verify_with(key, validation)
}
