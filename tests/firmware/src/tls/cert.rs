//! The server's certificate check: [`Verifier`], embedded-tls's `TlsVerifier` for X.509 ECDSA
//! P-256 certificates, written here instead of using embedded-tls's `rustpki` one.
//!
//! Why not `rustpki`: it parses with the `der` crate and verifies with p256 0.13's ECDSA
//! while `cotter-jwt`'s compact ES256 verifier is already in the image (31.5 KiB more flash in
//! this firmware, the largest part of the TLS build's growth); it also skips
//! `basicConstraints`, key usage and critical extensions, and copies the whole certificate
//! message (a `CERT_SIZE` buffer) to check the `CertificateVerify` later.
//!
//! What a server must present, and what is checked (RFC 5280 §6.1 and RFC 8446 §4.4.2–4.4.3,
//! cut down to ECDSA P-256 with SHA-256):
//! - the first certificate is the server's: its `subjectAltName` has a DNS name equal (ASCII
//!   case-insensitively, no wildcards) to the name the firmware connects to; it is not a CA;
//!   its key usage, if present, allows `digitalSignature`; its extended key usage, if present,
//!   includes `serverAuth`;
//! - a path to the trusted CA: each certificate names as issuer the subject of the next one up
//!   and carries its ECDSA P-256/SHA-256 signature over the `tbsCertificate`; the certificate
//!   the path ends on is signed by the trusted CA (compiled in), whose own certificate the server
//!   may send or not; every intermediate is a CA (`basicConstraints` `cA`);
//! - every certificate of the path is within its validity period, when the board knows the
//!   time (a board without a clock cannot check it before it has asked a server);
//! - no certificate of the path has a critical extension this check does not know;
//! - the server's `CertificateVerify` is an ECDSA P-256/SHA-256 signature, with the server
//!   certificate's key, of the handshake up to its certificate;
//! - and the handshake does not finish without both (checked after it, in `connect`).
//!
//! Not checked: the trusted CA's own extensions (it is trusted as compiled in, like a root of a
//! browser; the emulator's CA is name-constrained to the names it serves), revocation.

use cotter_jwt::{CompactKey, JwkKey as _, Verifier as _};
use digest::Digest as _;
use embedded_tls::SignatureScheme;
use embedded_tls::blocking::{
    Aes128GcmSha256, CertificateEntryRef, CertificateRef, CertificateVerifyRef, TlsCipherSuite,
    TlsError, TlsVerifier,
};

/// Why a server did not pass the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CertError {
    /// A certificate or signature is not the DER this check reads.
    Malformed,
    /// A key or signature that is not ECDSA P-256 with SHA-256.
    Unsupported,
    /// No path from the server's certificate to the trusted CA: not signed by it.
    NotTrusted,
    /// Outside a validity period.
    Expired,
    /// The server's certificate is not for the name the firmware connects to.
    WrongName,
    /// A CA as the server, an intermediate that is no CA, or usages that do not allow TLS.
    Usage,
    /// A critical extension this check does not know.
    UnknownCritical,
    /// The `CertificateVerify` signature does not verify.
    BadHandshakeSignature,
}

impl CertError {
    /// A fixed description.
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "certificate: malformed",
            Self::Unsupported => "certificate: not ECDSA P-256 with SHA-256",
            Self::NotTrusted => "certificate: not signed by the trusted CA",
            Self::Expired => "certificate: expired or not yet valid",
            Self::WrongName => "certificate: not for this server name",
            Self::Usage => "certificate: usage does not allow a TLS server",
            Self::UnknownCritical => "certificate: unknown critical extension",
            Self::BadHandshakeSignature => "the server's CertificateVerify signature is invalid",
        }
    }
}

/// DER tags.
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0]` EXPLICIT (the version) and `[3]` EXPLICIT (the extensions).
const VERSION: u8 = 0xA0;
const EXTENSIONS: u8 = 0xA3;
/// `dNSName` `[2]` IMPLICIT IA5String in `GeneralNames`.
const DNS_NAME: u8 = 0x82;

/// The OID contents of ecdsa-with-SHA256 (1.2.840.10045.4.3.2).
const ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
/// id-ecPublicKey (1.2.840.10045.2.1).
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// prime256v1 (1.2.840.10045.3.1.7).
const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// Extensions: keyUsage, subjectAltName, basicConstraints, extKeyUsage (2.5.29.x).
const KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x0F];
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
/// id-kp-serverAuth (1.3.6.1.5.5.7.3.1) and anyExtendedKeyUsage (2.5.29.37.0).
const SERVER_AUTH: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const ANY_EKU: &[u8] = &[0x55, 0x1D, 0x25, 0x00];

/// A DER reader over a byte slice: every read checks its bounds, nothing panics.
#[derive(Clone, Copy)]
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element: `(tag, contents, whole element)`. Lengths up to 65 535 bytes, in
    /// definite form.
    fn any(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), CertError> {
        let all = self.rest;
        let (&tag, rest) = all.split_first().ok_or(CertError::Malformed)?;
        let (&first, rest) = rest.split_first().ok_or(CertError::Malformed)?;
        let (len, rest) = match first {
            0..=0x7F => (usize::from(first), rest),
            0x81 => {
                let (&b, rest) = rest.split_first().ok_or(CertError::Malformed)?;
                (usize::from(b), rest)
            }
            0x82 => match rest {
                [hi, lo, rest @ ..] => ((usize::from(*hi) << 8) | usize::from(*lo), rest),
                _ => return Err(CertError::Malformed),
            },
            _ => return Err(CertError::Malformed),
        };
        let header = all.len() - rest.len();
        let contents = rest.get(..len).ok_or(CertError::Malformed)?;
        self.rest = &rest[len..];
        Ok((tag, contents, &all[..header + len]))
    }

    /// The contents of the next element, which must have `tag`.
    fn take(&mut self, tag: u8) -> Result<&'a [u8], CertError> {
        match self.any()? {
            (t, contents, _) if t == tag => Ok(contents),
            _ => Err(CertError::Malformed),
        }
    }

    /// The contents of the next element if it has `tag`.
    fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, CertError> {
        if self.peek() == Some(tag) { self.take(tag).map(Some) } else { Ok(None) }
    }
}

/// The parts of a certificate this check uses.
struct Cert<'a> {
    /// The whole `tbsCertificate` element: what the issuer signed.
    tbs: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: u64,
    not_after: u64,
    /// The uncompressed P-256 point, `04 || x || y`.
    key: &'a [u8],
    /// The issuer's DER ECDSA signature.
    signature: &'a [u8],
    /// The `subjectAltName` extension's `GeneralNames` contents.
    alt_names: Option<&'a [u8]>,
    /// `basicConstraints` `cA`.
    ca: bool,
    /// The first byte of `keyUsage` (bit 7: digitalSignature, bit 2: keyCertSign).
    key_usage: Option<u8>,
    /// `extKeyUsage`, if present: whether it allows a TLS server.
    server_auth: Option<bool>,
}

impl<'a> Cert<'a> {
    /// Parses a certificate; `anchor`: the trusted CA's own, whose extensions are not checked
    /// (the emulator's CA has critical name constraints).
    fn parse(der: &'a [u8], anchor: bool) -> Result<Self, CertError> {
        let mut outer = Der::new(der);
        let mut cert = Der::new(outer.take(SEQUENCE)?);
        if !outer.is_empty() {
            return Err(CertError::Malformed);
        }
        let (tag, tbs_contents, tbs) = cert.any()?;
        if tag != SEQUENCE {
            return Err(CertError::Malformed);
        }
        let outer_algorithm = cert.take(SEQUENCE)?;
        let signature = bit_string(cert.take(BIT_STRING)?)?;
        if !cert.is_empty() {
            return Err(CertError::Malformed);
        }
        let mut t = Der::new(tbs_contents);
        t.optional(VERSION)?;
        t.take(INTEGER)?;
        let algorithm = t.take(SEQUENCE)?;
        if algorithm != outer_algorithm || Der::new(algorithm).take(OID)? != ECDSA_SHA256 {
            return Err(CertError::Unsupported);
        }
        let issuer = t.take(SEQUENCE)?;
        let mut validity = Der::new(t.take(SEQUENCE)?);
        let not_before = time(&mut validity)?;
        let not_after = time(&mut validity)?;
        let subject = t.take(SEQUENCE)?;
        let mut spki = Der::new(t.take(SEQUENCE)?);
        let mut key_algorithm = Der::new(spki.take(SEQUENCE)?);
        if key_algorithm.take(OID)? != EC_PUBLIC_KEY || key_algorithm.take(OID)? != P256 {
            return Err(CertError::Unsupported);
        }
        let key = bit_string(spki.take(BIT_STRING)?)?;
        if key.len() != 65 || key[0] != 0x04 {
            return Err(CertError::Unsupported);
        }
        let mut parsed = Self {
            tbs,
            issuer,
            subject,
            not_before,
            not_after,
            key,
            signature,
            alt_names: None,
            ca: false,
            key_usage: None,
            server_auth: None,
        };
        // Unique identifiers ([1], [2]) are not used by certificates of today; skip them.
        while let Some(tag) = t.peek() {
            let (_, contents, _) = t.any()?;
            if tag == EXTENSIONS && !anchor {
                parsed.extensions(Der::new(contents).take(SEQUENCE)?)?;
            }
        }
        Ok(parsed)
    }

    /// Reads the extensions this check knows; an unknown critical one is an error.
    fn extensions(&mut self, list: &'a [u8]) -> Result<(), CertError> {
        let mut list = Der::new(list);
        while !list.is_empty() {
            let mut ext = Der::new(list.take(SEQUENCE)?);
            let id = ext.take(OID)?;
            let critical = ext.optional(BOOLEAN)?.is_some_and(|b| b != [0]);
            let mut value = Der::new(ext.take(OCTET_STRING)?);
            match id {
                SUBJECT_ALT_NAME => self.alt_names = Some(value.take(SEQUENCE)?),
                BASIC_CONSTRAINTS => {
                    let mut bc = Der::new(value.take(SEQUENCE)?);
                    self.ca = bc.optional(BOOLEAN)?.is_some_and(|b| b != [0]);
                }
                KEY_USAGE => {
                    self.key_usage =
                        Some(bit_string(value.take(BIT_STRING)?)?.first().copied().unwrap_or(0));
                }
                EXT_KEY_USAGE => {
                    let mut purposes = Der::new(value.take(SEQUENCE)?);
                    let mut server = false;
                    while !purposes.is_empty() {
                        let purpose = purposes.take(OID)?;
                        server |= purpose == SERVER_AUTH || purpose == ANY_EKU;
                    }
                    self.server_auth = Some(server);
                }
                _ if critical => return Err(CertError::UnknownCritical),
                _ => {}
            }
        }
        Ok(())
    }

    fn check_time(&self, now: Option<u64>) -> Result<(), CertError> {
        match now {
            Some(now) if now < self.not_before || now > self.not_after => Err(CertError::Expired),
            _ => Ok(()),
        }
    }

    /// Whether `issuer_key` signed this certificate.
    fn signed_by(&self, issuer_key: &[u8]) -> Result<(), CertError> {
        let key = CompactKey::from_sec1_bytes(issuer_key).map_err(|_| CertError::Unsupported)?;
        let signature = raw_signature(self.signature)?;
        key.verify(self.tbs, &signature).map_err(|_| CertError::NotTrusted)
    }

    /// Whether a DNS name of `subjectAltName` is `name`.
    fn is_for(&self, name: &str) -> Result<bool, CertError> {
        let mut names = Der::new(self.alt_names.ok_or(CertError::WrongName)?);
        while !names.is_empty() {
            let (tag, value, _) = names.any()?;
            if tag == DNS_NAME && value.eq_ignore_ascii_case(name.as_bytes()) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The bits of a BIT STRING with no unused bits (keys and signatures), or of a key usage.
fn bit_string(contents: &[u8]) -> Result<&[u8], CertError> {
    match contents.split_first() {
        Some((&unused, bits)) if unused < 8 => Ok(bits),
        _ => Err(CertError::Malformed),
    }
}

/// A DER ECDSA signature (`SEQUENCE { r INTEGER, s INTEGER }`) as the 64 bytes `r || s`.
fn raw_signature(der: &[u8]) -> Result<[u8; 64], CertError> {
    let mut outer = Der::new(der);
    let mut seq = Der::new(outer.take(SEQUENCE)?);
    let mut raw = [0u8; 64];
    for half in raw.chunks_mut(32) {
        let mut int = seq.take(INTEGER)?;
        // A positive INTEGER has a leading zero when its top bit is set.
        while let [0, rest @ ..] = int {
            int = rest;
        }
        let at = half.len().checked_sub(int.len()).ok_or(CertError::Malformed)?;
        half[at..].copy_from_slice(int);
    }
    if !seq.is_empty() || !outer.is_empty() {
        return Err(CertError::Malformed);
    }
    Ok(raw)
}

/// A UTCTime (`YYMMDDHHMMSSZ`, RFC 5280: 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), in
/// Unix seconds.
fn time(der: &mut Der<'_>) -> Result<u64, CertError> {
    let (tag, text, _) = der.any()?;
    let digits = match (tag, text) {
        (UTC_TIME, [d @ .., b'Z']) if d.len() == 12 => d,
        (GENERALIZED_TIME, [d @ .., b'Z']) if d.len() == 14 => d,
        _ => return Err(CertError::Malformed),
    };
    let mut fields = [0u32; 7];
    let (year, rest) = if tag == UTC_TIME {
        let yy = number(&digits[..2])?;
        (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
    } else {
        (number(&digits[..4])?, &digits[4..])
    };
    fields[0] = year;
    for (field, pair) in fields[1..6].iter_mut().zip(rest.chunks(2)) {
        *field = number(pair)?;
    }
    let [year, month, day, hour, minute, second, _] = fields;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(CertError::Malformed);
    }
    let days = days_from_civil(year, month, day);
    Ok(u64::from(days) * 86_400 + u64::from(hour * 3600 + minute * 60 + second))
}

/// ASCII digits as a number.
fn number(digits: &[u8]) -> Result<u32, CertError> {
    digits.iter().try_fold(0u32, |n, &d| {
        if d.is_ascii_digit() {
            Ok(n * 10 + u32::from(d - b'0'))
        } else {
            Err(CertError::Malformed)
        }
    })
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (from 1970 on; earlier
/// dates give 0, the start of Unix time). Howard Hinnant's `days_from_civil`, in 32 bits.
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year.saturating_sub(1) } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

/// Checks a server's certificate path (`count` certificates, `der(i)` the `i`-th, the server's
/// first) against the trusted CA `ca` (DER) for the server name `name` at `now` (Unix seconds,
/// when known); the server certificate's key when it passes.
///
/// # Errors
/// The first rule the path breaks (see the module documentation).
pub(crate) fn check_path<'c>(
    ca: &[u8],
    name: &str,
    now: Option<u64>,
    count: usize,
    der: impl Fn(usize) -> Result<&'c [u8], CertError>,
) -> Result<CompactKey, CertError> {
    let anchor = Cert::parse(ca, true)?;
    let server = Cert::parse(der(0)?, false)?;
    server.check_time(now)?;
    if !server.is_for(name)? {
        return Err(CertError::WrongName);
    }
    let usage_ok = !server.ca
        && server.key_usage.is_none_or(|u| u & 0x80 != 0)
        && server.server_auth != Some(false);
    if !usage_ok {
        return Err(CertError::Usage);
    }
    let key = CompactKey::from_sec1_bytes(server.key).map_err(|_| CertError::Unsupported)?;
    let mut child = server;
    for i in 1..=count {
        if child.issuer == anchor.subject {
            child.signed_by(anchor.key)?;
            return Ok(key);
        }
        let parent = Cert::parse(der(i)?, false)?;
        parent.check_time(now)?;
        let can_sign = parent.ca && parent.key_usage.is_none_or(|u| u & 0x04 != 0);
        if child.issuer != parent.subject || !can_sign {
            return Err(CertError::NotTrusted);
        }
        child.signed_by(parent.key)?;
        child = parent;
    }
    Err(CertError::NotTrusted)
}

/// The X.509 verifier of a connection: the trusted CA, the name, and between the two calls of
/// embedded-tls the server's key and the handshake's hash.
pub(crate) struct Verifier {
    ca: &'static [u8],
    name: &'static str,
    now: Option<u64>,
    /// After the certificate: the server's key and the transcript hash up to it.
    server: Option<(CompactKey, <Aes128GcmSha256 as TlsCipherSuite>::Hash)>,
    /// The `CertificateVerify` signature verified.
    pub(crate) authenticated: bool,
    /// Why the check failed, for the firmware's output.
    pub(crate) error: Option<CertError>,
}

impl Verifier {
    /// A verifier that trusts the CA certificate `ca` (DER) for servers named `name`, at `now`
    /// (Unix seconds) when known.
    pub(crate) const fn new(ca: &'static [u8], name: &'static str, now: Option<u64>) -> Self {
        Self { ca, name, now, server: None, authenticated: false, error: None }
    }

    fn fail(&mut self, error: CertError) -> TlsError {
        self.error = Some(error);
        TlsError::InvalidCertificate
    }
}

impl TlsVerifier<Aes128GcmSha256> for Verifier {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        // The name is fixed at construction; a different one here would be a bug of the caller.
        if hostname == self.name { Ok(()) } else { Err(TlsError::InternalError) }
    }

    fn verify_certificate(
        &mut self,
        transcript: &<Aes128GcmSha256 as TlsCipherSuite>::Hash,
        cert: CertificateRef<'_>,
    ) -> Result<(), TlsError> {
        let der = |i: usize| match cert.entries.get(i) {
            Some(CertificateEntryRef::X509(der)) => Ok(*der),
            Some(CertificateEntryRef::RawPublicKey(_)) => Err(CertError::Unsupported),
            None => Err(CertError::NotTrusted),
        };
        match check_path(self.ca, self.name, self.now, cert.entries.len(), der) {
            Ok(key) => {
                self.server = Some((key, transcript.clone()));
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        let Some((key, transcript)) = self.server.take() else {
            return Err(self.fail(CertError::NotTrusted));
        };
        if verify.signature_scheme != SignatureScheme::EcdsaSecp256r1Sha256 {
            return Err(self.fail(CertError::Unsupported));
        }
        let signature = raw_signature(verify.signature).map_err(|e| self.fail(e))?;
        // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
        let mut message = [0x20u8; 64 + 34 + 32];
        message[64..98].copy_from_slice(b"TLS 1.3, server CertificateVerify\x00");
        message[98..].copy_from_slice(&transcript.finalize());
        if key.verify(&message, &signature).is_err() {
            return Err(self.fail(CertError::BadHandshakeSignature));
        }
        self.authenticated = true;
        Ok(())
    }
}
