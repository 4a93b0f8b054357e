//! Puts `memory.x` (the LM3S6965's memory map) where cortex-m-rt's `link.x` finds it, and, for
//! the `tls` feature, the trusted CA certificate (DER) where `src/tls.rs` includes it.
//!
//! The CA comes from the PEM file named by `COTTER_FIRMWARE_TLS_CA` (`cargo xtask qemu` writes
//! it with the emulator's `--tls-ca-out`, the emulator started with a fixed `--seed` so that the
//! CA is the same on every run). A `tls` build without it fails here, with that reason. The
//! `tls` build also includes the OpenSSL-made test chain of `tests/data/tls` (a CA and a
//! certificate for `other.example`) for its certificate check's self-test.

use std::path::PathBuf;

/// The environment variable naming the CA's PEM file.
const CA_VAR: &str = "COTTER_FIRMWARE_TLS_CA";

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("memory.x"), include_bytes!("memory.x"))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={CA_VAR}");
    if std::env::var_os("CARGO_FEATURE_TLS").is_some() {
        let path = std::env::var(CA_VAR).map_err(|_| {
            format!("the `tls` feature needs {CA_VAR}: the PEM file of the CA the firmware trusts")
        })?;
        println!("cargo:rerun-if-changed={path}");
        let pem = std::fs::read_to_string(&path).map_err(|e| format!("{CA_VAR}={path}: {e}"))?;
        let der = first_certificate(&pem).ok_or_else(|| {
            format!("{CA_VAR}={path}: no PEM \"CERTIFICATE\" block with valid base64")
        })?;
        std::fs::write(out.join("tls-ca.der"), der)?;
        for (pem, der) in [("ca.pem", "test-ca.der"), ("other-name.pem", "test-other-name.der")] {
            let path = PathBuf::from("../data/tls").join(pem);
            println!("cargo:rerun-if-changed={}", path.display());
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let bytes = first_certificate(&text)
                .ok_or_else(|| format!("{}: no PEM certificate", path.display()))?;
            std::fs::write(out.join(der), bytes)?;
        }
    }
    Ok(())
}

/// The DER bytes of the first `CERTIFICATE` block of a PEM text.
fn first_certificate(pem: &str) -> Option<Vec<u8>> {
    let body = pem.split("-----BEGIN CERTIFICATE-----").nth(1)?;
    let body = body.split("-----END CERTIFICATE-----").next()?;
    base64_decode(body.bytes().filter(|b| !b.is_ascii_whitespace()))
}

/// Standard base64 with `=` padding (RFC 4648 §4); `None` on any other byte.
fn base64_decode(text: impl Iterator<Item = u8>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut padding = false;
    for byte in text {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            _ => return None,
        };
        if padding {
            return None;
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}
