//! The full-client-tls build: the firmware over TLS 1.3 to the emulator's HTTPS port.
//!
//! 1. The emulator starts with `--tls --seed 7 --tls-ca-out FILE`: its CA (and server
//!    certificate) repeat for a seed, so FILE is the CA the firmware is built to trust
//!    (`COTTER_FIRMWARE_TLS_CA`, read by the firmware's `build.rs`); this run's emulator serves
//!    the run.
//! 2. The run must pass, with two handshakes (one per boot) whose ECDHE public keys, as the
//!    firmware printed them (`tls: ecdhe-public=`) and as the bridge read them from the
//!    ClientHellos on the wire, agree and differ from each other.
//! 3. The same firmware against an emulator started with another seed (so another CA) must
//!    fail the handshake and say so: `tls: handshake failed (certificate: not signed by the
//!    trusted CA)`.

use super::{Emulator, Run, build, run_with_emulator};
use crate::size::{Sections, Variant};
use std::path::Path;

/// The seed of the emulator the firmware trusts, and of the one it must refuse.
const TRUSTED_SEED: u64 = 7;
const OTHER_SEED: u64 = 8;
/// What the firmware prints when the server's certificate is from another CA.
const REFUSED: &str = "tls: handshake failed (certificate: not signed by the trusted CA)";
/// The firmware's line with an ECDHE public key's first bytes.
const ECDHE: &str = "tls: ecdhe-public=";

/// Builds the TLS firmware for the trusted emulator's CA, runs it, and checks that another
/// CA's server is refused.
pub(super) fn build_and_run(
    firmware: &Path,
    out_dir: &Path,
    variant: &Variant,
    verbose: bool,
) -> Result<(Sections, Run), String> {
    crate::setup::apt_install(&[("curl", "curl")])?;
    let ca = out_dir.join(format!("tls-ca-seed{TRUSTED_SEED}.pem"));
    let emulator = Emulator::start(Some((TRUSTED_SEED, &ca)))?;
    let result = (|| {
        let elf = build(firmware, out_dir, variant, Some(&ca))?;
        let sections = Sections::read(&elf)?;
        let (run, handshakes) = run_with_emulator(&elf, &emulator, verbose)?;
        Ok::<_, String>((elf, sections, run, handshakes))
    })();
    emulator.stop();
    let (elf, sections, mut run, handshakes) = result?;
    if run.passed {
        let printed: Vec<&str> =
            run.lines.iter().filter_map(|l| l.strip_prefix(ECDHE)).map(str::trim).collect();
        let seen: Vec<&str> = handshakes.iter().map(|h| h.ecdhe_public.as_str()).collect();
        for (i, h) in handshakes.iter().enumerate() {
            println!(
                "xtask qemu: TLS handshake {}: ECDHE key {}…, {} ms from ClientHello to the \
                 firmware's Finished, {} bytes out, {} bytes in",
                i + 1,
                h.ecdhe_public,
                h.duration.map_or(0, |d| d.as_millis()),
                h.bytes_out,
                h.bytes_in
            );
        }
        let fresh = seen.len() == 2 && seen[0] != seen[1] && !seen[0].is_empty();
        if printed != seen || !fresh {
            run.passed = false;
            run.lines.push(format!(
                "xtask: expected two handshakes with different ECDHE keys, the same on the wire \
                 as printed; the firmware printed {printed:?}, the bridge saw {seen:?}"
            ));
        }
        if let Some(ms) = handshakes.iter().filter_map(|h| h.duration).map(|d| d.as_millis()).max()
        {
            run.lines.push(format!("tls-handshake-ms={ms}"));
        }
    }
    if run.passed {
        refused_by_other_ca(&elf, out_dir, verbose, &mut run)?;
    }
    Ok((sections, run))
}

/// Runs the firmware against an emulator with another CA: the run must fail at the handshake
/// with [`REFUSED`]. Marks `run` failed (with the other run's output) otherwise.
fn refused_by_other_ca(
    elf: &Path,
    out_dir: &Path,
    verbose: bool,
    run: &mut Run,
) -> Result<(), String> {
    let other_ca = out_dir.join(format!("tls-ca-seed{OTHER_SEED}.pem"));
    let emulator = Emulator::start(Some((OTHER_SEED, &other_ca)))?;
    let result = run_with_emulator(elf, &emulator, false);
    emulator.stop();
    let (other, _) = result?;
    if verbose {
        for line in &other.lines {
            println!("[full-client-tls, other CA] {line}");
        }
    }
    let refused = !other.passed && other.lines.iter().any(|l| l == REFUSED);
    if refused {
        println!(
            "xtask qemu: the TLS firmware refused a server whose certificate another CA signed"
        );
    } else {
        run.passed = false;
        run.lines.push(format!(
            "xtask: against a server of another CA the firmware did not print {REFUSED:?}:"
        ));
        run.lines.extend(other.lines);
    }
    Ok(())
}
