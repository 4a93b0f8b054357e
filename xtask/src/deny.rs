//! `cargo xtask deny`: `cargo deny` over the dependency tree — licences allowed (`deny.toml`),
//! no wildcard versions, crates only from crates.io.
//!
//! The advisory check needs the RustSec database from GitHub, which this project's machines
//! cannot reach, so it is not run here; run `cargo deny check advisories` where GitHub is
//! reachable.
//!
//! `cargo deny` reads the dependency graph of every platform through `cargo metadata`, which
//! needs the sources of crates that only other platforms use (`wasm-bindgen`, Android's
//! crates). A brand-new machine has none of them cached, so the check fetches them first
//! (`cargo fetch`, every platform) and only then runs `cargo deny` offline.

use crate::util::{self, StepResult};

pub(crate) fn run() -> StepResult {
    if !has_cargo_deny() {
        util::run(util::cargo().args(["install", "cargo-deny", "--locked"]))
            .map_err(|e| format!("installing cargo-deny: {e}"))?;
    }
    util::run(util::cargo().args(["fetch", "--locked"]))
        .map_err(|e| format!("fetching the crates of every platform: {e}"))?;
    util::run(util::cargo().args(["deny", "--offline", "check", "licenses", "bans", "sources"]))
}

fn has_cargo_deny() -> bool {
    util::output(util::cargo().args(["deny", "--version"])).is_ok()
}
