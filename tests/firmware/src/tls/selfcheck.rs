//! The certificate check's self-test, run before the client: a chain that OpenSSL made
//! (`tests/data/tls`: a CA and a certificate for `other.example`, valid 2026–2126), so the
//! parser and the signature check are tried on an encoder other than the emulator's (rcgen),
//! and each refusal the QEMU run would not otherwise reach.

use super::cert::{CertError, check_path};
use crate::console;
use crate::report::{Failure, ensure};

/// The test CA and the certificate it signed for `other.example` (DER, from `build.rs`).
static TEST_CA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/test-ca.der"));
static TEST_SERVER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/test-other-name.der"));

const CHECK: &str = "tls-cert";
/// 2027-01-01, 2200-01-01 (Unix seconds).
const IN_2027: u64 = 1_798_761_600;
const IN_2200: u64 = 7_258_118_400;

/// The verdict for `server` under `ca`, for `name` at `now`.
fn verdict(ca: &[u8], server: &[u8], name: &str, now: Option<u64>) -> Result<(), CertError> {
    check_path(ca, name, now, 1, |i| if i == 0 { Ok(server) } else { Err(CertError::NotTrusted) })
        .map(|_| ())
}

/// Runs the cases.
///
/// # Errors
/// The first case whose verdict is not the expected one.
pub(crate) fn run() -> Result<(), Failure> {
    let name = "other.example";
    ensure(
        verdict(TEST_CA, TEST_SERVER, name, Some(IN_2027)).is_ok(),
        CHECK,
        "valid chain refused",
    )?;
    ensure(
        verdict(TEST_CA, TEST_SERVER, name, None).is_ok(),
        CHECK,
        "valid chain refused without a time",
    )?;
    let expect = |got: Result<(), CertError>, want: CertError, what: &'static str| {
        ensure(got == Err(want), CHECK, what)
    };
    expect(
        verdict(TEST_CA, TEST_SERVER, "localhost", Some(IN_2027)),
        CertError::WrongName,
        "a certificate for another name accepted",
    )?;
    expect(
        verdict(TEST_CA, TEST_SERVER, "OTHER.example.", Some(IN_2027)),
        CertError::WrongName,
        "a name with a trailing dot accepted",
    )?;
    expect(
        verdict(TEST_CA, TEST_SERVER, name, Some(IN_2200)),
        CertError::Expired,
        "an expired certificate accepted",
    )?;
    expect(
        verdict(super::CA_DER, TEST_SERVER, name, Some(IN_2027)),
        CertError::NotTrusted,
        "a certificate of another CA accepted",
    )?;
    // One bit of the signed part changed: the serial number's last byte (the DER stays
    // well-formed, so only the signature can tell).
    let mut tampered = [0u8; 512];
    let copy = tampered
        .get_mut(..TEST_SERVER.len())
        .ok_or(Failure::new(CHECK, "test certificate too long"))?;
    copy.copy_from_slice(TEST_SERVER);
    let serial_end =
        serial_end(copy).ok_or(Failure::new(CHECK, "no serial number in the test certificate"))?;
    copy[serial_end - 1] ^= 1;
    expect(
        verdict(TEST_CA, copy, name, Some(IN_2027)),
        CertError::NotTrusted,
        "a changed certificate accepted",
    )?;
    console::line(&[
        "tls-cert: an OpenSSL chain is accepted for its name; refused for another name, \
         expired, under another CA, and with one bit changed",
    ]);
    Ok(())
}

/// Where the test certificate's serial number ends: the INTEGER after the version
/// (`A0 03 02 01 02`).
fn serial_end(der: &[u8]) -> Option<usize> {
    let at = der.windows(6).position(|w| w == [0xA0, 0x03, 0x02, 0x01, 0x02, 0x02])? + 6;
    Some(at + 1 + usize::from(*der.get(at)?))
}
