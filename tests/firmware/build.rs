//! Puts `memory.x` (the LM3S6965's memory map) where cortex-m-rt's `link.x` finds it.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("memory.x"), include_bytes!("memory.x"))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    Ok(())
}
