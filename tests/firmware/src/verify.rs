//! Check a: `cotter-jwt` verifies the real Cotter access token of August 2020 under the key
//! recovered from Cotter's signatures, and rejects a copy with one character of the signed
//! part changed, and the token once it has expired. Both files are compiled in
//! (`tests/data/cotter-real`).

use crate::console;
use crate::report::{Failure, ensure};
use cotter_jwt::{CompactKey, Error, Jwks, Phase, Validation};

/// The key set: cotter-jwt's compact verifier, about 16 KiB less flash than p256's arithmetic.
type KeySet = Jwks<1, CompactKey>;

/// The real token, as published (a trailing newline is trimmed).
const TOKEN: &[u8] = include_bytes!("../../data/cotter-real/access_token.jwt");
/// The JWKS holding the key it verifies under.
const JWKS: &[u8] = include_bytes!("../../data/cotter-real/jwks.json");
/// The token as text, checked and trimmed by the compiler (no UTF-8 check in the image).
const TOKEN_STR: &str = utf8(TOKEN).trim_ascii();
/// The key set as text, checked by the compiler.
const JWKS_STR: &str = utf8(JWKS);

/// `bytes` as text; a file that is not UTF-8 fails the build.
const fn utf8(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => panic!("a compiled-in file is not UTF-8"),
    }
}
/// The API key ID the token was issued for (its `aud`).
const AUDIENCE: &str = "19024767-a0b2-4221-8faa-ef116dc853d0";
/// A time between the token's `iat` (1598129092) and `exp` (1598132692).
const NOW: u64 = 1_598_130_000;
/// Room for the decoded header and payload of the real token (422 bytes).
const CLAIMS_BUF: usize = 432;

const CHECK: &str = "jwt";

/// The phase of a verification error, as text for the report (no `core::fmt`).
pub(crate) const fn phase_name(e: &Error) -> &'static str {
    match e.phase() {
        Phase::Parse => "parse error",
        Phase::Key => "key error",
        Phase::Signature => "invalid signature",
        Phase::Validation => "claims error",
    }
}

/// Runs check a.
///
/// # Errors
/// The first expectation that did not hold.
pub(crate) fn run() -> Result<(), Failure> {
    let jwks = key_set()?;
    let buffers = cortex_m::singleton!(: Buffers = Buffers::new())
        .ok_or(Failure::new(CHECK, "buffers already in use"))?;
    checks(jwks, buffers)
}

/// The token's buffers, in `.bss` as a network stack's would be (the stack then holds only
/// the verifier's calls): a received copy of the token and the decoded header and payload.
struct Buffers {
    received: [u8; TOKEN_STR.len()],
    claims: [u8; CLAIMS_BUF],
}

impl Buffers {
    const fn new() -> Self {
        Self { received: [0; TOKEN_STR.len()], claims: [0; CLAIMS_BUF] }
    }
}

/// The checks on the key set, with the buffers.
#[inline(never)]
fn checks(jwks: &KeySet, buffers: &mut Buffers) -> Result<(), Failure> {
    let token = TOKEN_STR;
    let validation = Validation::cotter(AUDIENCE, NOW);
    let claims_buf = &mut buffers.claims[..];
    let verified = jwks
        .verify(token, &validation, claims_buf)
        .map_err(|e| Failure::new(CHECK, "the real token did not verify").detail(phase_name(&e)))?;
    ensure(verified.claims().exp() == Some(1_598_132_692), CHECK, "exp is not 1598132692")?;
    let access = verified
        .claims()
        .cotter_access()
        .map_err(|e| Failure::new(CHECK, "not a Cotter access token").detail(phase_name(&e)))?;
    ensure(access.authentication_method.eq_str("OTP"), CHECK, "authentication_method is not OTP")?;
    console::line(&["jwt: real Cotter token verified (ES256, aud, iss, exp)"]);

    // Change one character in the middle of the payload: the signature must no longer match.
    // The copy goes to a static buffer, as a token received from the network would.
    reject_tampered(jwks, token, &validation, &mut buffers.received[..], claims_buf)?;
    console::line(&["jwt: tampered copy rejected (invalid signature)"]);

    // The same token an hour later has expired.
    match jwks.verify(token, &validation.at(1_598_140_000), claims_buf) {
        Err(Error::Expired) => {}
        Err(e) => {
            return Err(Failure::new(CHECK, "expired token: wrong error").detail(phase_name(&e)));
        }
        Ok(_) => return Err(Failure::new(CHECK, "an expired token verified")),
    }
    console::line(&["jwt: expired token rejected"]);
    Ok(())
}

/// Verifies a copy of `token` with one payload character changed: it must fail with
/// `InvalidSignature`.
fn reject_tampered(
    jwks: &KeySet,
    token: &str,
    validation: &Validation<'_>,
    received: &mut [u8],
    claims_buf: &mut [u8],
) -> Result<(), Failure> {
    // One failure for every way of not making the copy (none happens with the real token).
    // Byte scans and `get_mut` rather than `str::find` and indexing: no panic path (and no
    // `core::fmt`) in the image.
    let unmade = Failure::new(CHECK, "tampered copy not made");
    let copy = received.get_mut(..token.len()).ok_or(unmade)?;
    copy.copy_from_slice(token.as_bytes());
    let dot = copy.iter().position(|&b| b == b'.').ok_or(unmade)?;
    let end = copy.iter().rposition(|&b| b == b'.').ok_or(unmade)?;
    let middle = copy.get_mut(dot + (end - dot) / 2).ok_or(unmade)?;
    // `A` and `B` are both base64url digits, so the copy still decodes and only the signature
    // check can refuse it.
    *middle = if *middle == b'A' { b'B' } else { b'A' };
    let tampered = core::str::from_utf8(copy).map_err(|_| unmade)?;
    match jwks.verify(tampered, validation, claims_buf) {
        Err(Error::InvalidSignature) => Ok(()),
        Err(e) => Err(Failure::new(CHECK, "tampered copy: wrong error").detail(phase_name(&e))),
        Ok(_) => Err(Failure::new(CHECK, "a tampered token verified")),
    }
}

/// The key set from `jwks.json`, kept in `.bss` as a device keeps its provisioned keys (out of
/// line, so that the JSON parser's stack frame is not added to the verifier's).
#[inline(never)]
fn key_set() -> Result<&'static KeySet, Failure> {
    let keys =
        KeySet::from_json(JWKS_STR).map_err(|_| Failure::new(CHECK, "jwks.json does not parse"))?;
    let slot =
        cortex_m::singleton!(: KeySet = keys).ok_or(Failure::new(CHECK, "key set already made"))?;
    Ok(slot)
}
