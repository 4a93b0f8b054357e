//! `cargo xtask setup`: makes sure every prerequisite of the checks is present.
//!
//! Missing pieces are installed when this process can (rustup targets; apt packages when
//! running as root). Otherwise it stops with the exact command to run. Nothing is skipped:
//! a check whose component is missing fails later with the reason.

use crate::util::{self, StepResult};
use std::process::Command;

/// Rust targets the no_std builds and firmware need.
pub(crate) const TARGETS: &[&str] = &["thumbv7em-none-eabihf", "thumbv6m-none-eabi"];

/// Rust targets only the firmware needs (not built by `nostd`): the LM3S6965 of `cargo xtask qemu`.
pub(crate) const FIRMWARE_TARGETS: &[&str] = &["thumbv7m-none-eabi"];

/// Debian packages the checks need: (executable that proves it is installed, package).
pub(crate) const APT: &[(&str, &str)] =
    &[("valgrind", "valgrind"), ("qemu-system-arm", "qemu-system-arm")];

pub(crate) fn run() -> StepResult {
    let mut problems = Vec::new();
    if let Err(e) = rust_targets() {
        problems.push(e);
    }
    if let Err(e) = apt_packages() {
        problems.push(e);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

fn rust_targets() -> StepResult {
    let installed = util::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .map_err(|e| format!("rustup is needed to add targets ({e}); install it from rustup.rs"))?;
    let missing: Vec<&str> = TARGETS
        .iter()
        .chain(FIRMWARE_TARGETS)
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    util::run(Command::new("rustup").args(["target", "add"]).args(&missing))
        .map_err(|e| format!("{e}; run `rustup target add {}`", missing.join(" ")))
}

fn apt_packages() -> StepResult {
    apt_install(APT)
}

/// Installs the Debian packages of `packages` (executable that proves it is installed, package)
/// whose executable is not on `PATH`; as root, otherwise an error with the command to run.
pub(crate) fn apt_install(packages: &[(&str, &str)]) -> StepResult {
    let missing: Vec<&str> =
        packages.iter().filter(|(bin, _)| !util::on_path(bin)).map(|(_, pkg)| *pkg).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(format!("missing Debian packages; run as root: `{install}`"));
    }
    util::run(Command::new("sh").args(["-c", &install]).env("DEBIAN_FRONTEND", "noninteractive"))
        .map_err(|e| format!("installing {} failed: {e}", missing.join(" ")))
}

fn is_root() -> bool {
    util::output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}
