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
    if let Err(e) = disk_space() {
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

/// Free space a fresh `cargo xtask ci` needs on the target directory's file system, in GiB:
/// its measured peak (see ARCHITECTURE.md, "Disk") with a margin.
const DISK_NEEDED_GIB: u64 = 8;

/// Fails, naming the figures, when the target directory's file system has less free space
/// than a fresh run writes: a full disk otherwise surfaces much later as a linker crash.
fn disk_space() -> StepResult {
    let target = util::target_dir()?;
    // The directory may not exist yet on a new machine: ask about its nearest existing parent.
    let probe = target.ancestors().find(|p| p.exists()).unwrap_or(&target).to_path_buf();
    let out = util::output(Command::new("df").args(["-Pk"]).arg(&probe))?;
    let free_kib = out
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| format!("`df -Pk {}` printed no free space: {out}", probe.display()))?;
    let free_gib = free_kib / (1024 * 1024);
    if free_gib >= DISK_NEEDED_GIB {
        return Ok(());
    }
    Err(format!(
        "only {free_gib} GiB free on the file system of the target dir {} (a fresh run needs \
         {DISK_NEEDED_GIB} GiB): free space there or set CARGO_TARGET_DIR to a larger disk",
        target.display()
    ))
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
