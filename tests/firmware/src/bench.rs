//! The `bench` build: instructions per ES256 verification of the real Cotter token on the
//! Cortex-M3, for each of `cotter-jwt`'s three back ends, in one QEMU run ([`crate::meter`]).
//!
//! - `p256`: [`Es256Key`], p256's own ECDSA verification (the anchor: RustCrypto);
//! - `compact`: [`CompactKey`], `cotter-jwt`'s small verifier (what the other builds link);
//! - `prepared`: a [`SmallTableKey`] (the MCU profile), the generator's table a `static` that
//!   the compiler computes into flash ([`GENERATOR`]), the key's own table (8 KiB of RAM)
//!   computed once, as at provisioning (timed on its own: `meter-prepare-ticks`).
//!
//! Each figure is one `Verifier::verify(header.payload, r || s)`: SHA-256 of the signed part
//! and the signature check, the same work for the three. Each key also refuses the signature
//! over a changed message, so a back end that accepted anything would fail the run.

use crate::console;
use crate::meter::{self, Region};
use crate::report::{Failure, ensure};
use cotter_jwt::{
    CompactKey, Es256Key, JwkKey, Jwks, SmallGeneratorTable, SmallTableKey, Verifier,
};

/// The MCU profile, `SmallTableKey`'s: 4-bit signed windows over 4 passes (12 doublings),
/// 16 sub-tables of 8 points: 8 192 bytes per table, the 8 KiB a key may take.
type McuTable = SmallGeneratorTable;
/// A key prepared with the MCU profile.
type McuKey = SmallTableKey<'static>;

/// The generator's table, computed by the compiler into `.rodata` (flash).
#[allow(long_running_const_eval, reason = "the table is computed at build time on purpose")]
static GENERATOR: McuTable = McuTable::new();

/// The real token and its key set (as in [`crate::verify`]).
const TOKEN: &[u8] = include_bytes!("../../data/cotter-real/access_token.jwt");
const JWKS: &[u8] = include_bytes!("../../data/cotter-real/jwks.json");

const CHECK: &str = "bench";

/// Runs the benchmark: calibration, then one verification per back end.
///
/// # Errors
/// A key set that does not parse, a verification that fails, or a changed message accepted.
pub(crate) fn run() -> Result<(), Failure> {
    meter::start();
    meter::calibrate();
    let token = core::str::from_utf8(TOKEN)
        .map_err(|_| Failure::new(CHECK, "access_token.jwt is not UTF-8"))?
        .trim_ascii();
    let end = token.rfind('.').ok_or(Failure::new(CHECK, "token has no signature"))?;
    let message = &token.as_bytes()[..end];
    let signature = decode_signature(&token.as_bytes()[end + 1..])
        .ok_or(Failure::new(CHECK, "signature is not 64 bytes of base64url"))?;
    let jwks =
        core::str::from_utf8(JWKS).map_err(|_| Failure::new(CHECK, "jwks.json is not UTF-8"))?;

    let p256 = first_key::<Es256Key>(jwks)?;
    measure("p256", &p256, message, &signature)?;
    let compact = first_key::<CompactKey>(jwks)?;
    measure("compact", &compact, message, &signature)?;

    // Built outside `singleton!`, whose critical section would mask SysTick's exception for
    // longer than a turn of the counter (the meter would lose one), then moved into `.bss`.
    let region = Region::begin();
    let key = McuKey::new(&GENERATOR, &p256);
    region.report("prepare");
    let prepared: &'static mut McuKey = cortex_m::singleton!(: McuKey = key)
        .ok_or(Failure::new(CHECK, "prepared key slot taken"))?;
    measure("prepared", prepared, message, &signature)?;
    console::value("bench-generator-table-bytes", McuTable::BYTES as u32);
    console::value("bench-key-table-bytes", McuKey::TABLE_BYTES as u32);
    Ok(())
}

/// The first key of the key set, as `K`.
fn first_key<K: JwkKey>(jwks: &str) -> Result<K, Failure> {
    let keys = Jwks::<1, K>::from_json(jwks)
        .map_err(|_| Failure::new(CHECK, "jwks.json does not parse"))?;
    keys.keys().first().cloned().ok_or(Failure::new(CHECK, "jwks.json has no key"))
}

/// Times one verification with `key` (`meter-verify-<name>-ticks`), then checks that the
/// same signature over a changed message is refused.
fn measure(
    name: &str,
    key: &impl Verifier,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), Failure> {
    let region = Region::begin();
    let verdict = key.verify(message, signature);
    let ticks = region.ticks();
    ensure(verdict.is_ok(), CHECK, "the real token's signature did not verify")?;
    console::line(&["bench: ", name, ": the real token's signature verified"]);
    let ticks = console::Decimal::new(ticks);
    console::line(&["meter-verify-", name, "-ticks=", ticks.as_str()]);
    let mut changed = [0u8; 1024];
    let changed = changed
        .get_mut(..message.len())
        .ok_or(Failure::new(CHECK, "signed part longer than 1 KiB"))?;
    changed.copy_from_slice(message);
    changed[message.len() / 2] ^= 1;
    ensure(key.verify(changed, signature).is_err(), CHECK, "a changed message verified")
}

/// `r || s` from the token's third segment (86 characters of base64url, no padding).
fn decode_signature(text: &[u8]) -> Option<[u8; 64]> {
    if text.len() != 86 {
        return None;
    }
    let mut out = [0u8; 64];
    let (mut acc, mut bits, mut at) = (0u32, 0u32, 0usize);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(at)? = (acc >> bits) as u8;
            at += 1;
        }
    }
    (at == 64).then_some(out)
}
