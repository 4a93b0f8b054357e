//! `cargo xtask qemu` and `cargo xtask size`: the Cortex-M firmware of `tests/firmware` in
//! QEMU.
//!
//! 1. Builds the four firmware variants ([`crate::size::VARIANTS`]) for `thumbv7m-none-eabi`
//!    with the firmware's size-optimised release profile, and fails if `alloc` is anywhere in
//!    their dependency graphs (`cargo tree -e features`).
//! 2. Runs the verify-only firmware (no network).
//! 3. Starts `cotter-emulator --port 0` and a [`Bridge`] to it, then runs the full firmware in
//!    `qemu-system-arm -machine lm3s6965evb` with UART0 on the bridge's socket; reads
//!    `GET /dev/stats` before and after to count the HTTP requests the firmware made.
//! 4. The same over TLS ([`tls`]): the emulator with `--tls` and a fixed seed, whose CA the
//!    firmware is built with; two handshakes with different ECDHE keys; and a server of
//!    another CA, which the firmware must refuse.
//! 5. Prints the size and stack table and fails if a build is past its budget
//!    ([`crate::size`], which knows the builds and budgets and nothing of QEMU).
//! 6. Counts instructions ([`meter`]): QEMU runs with `-icount`, the firmware reads SysTick
//!    around a region; the verify-bench build times one ES256 verification with each of
//!    `cotter-jwt`'s back ends, the TLS build its handshakes and refreshes. The `mcu_…=` lines
//!    and their budgets are [`crate::size`]'s.
//!
//! `cargo xtask size` does the same without echoing the firmware's output (and prints the same
//! `mcu_…=` lines). Each QEMU run has a
//! time limit; a failure shows QEMU's whole output.

mod meter;
mod tls;

use crate::bridge::{Bridge, Handshake};
use crate::size::{self, Measured, Variant};
use crate::util::{self, StepResult};
use core::net::SocketAddr;
use core::time::Duration;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// The Rust target of the LM3S6965 (Cortex-M3).
pub(crate) const TARGET: &str = "thumbv7m-none-eabi";
/// Time limit of one QEMU run.
const LIMIT: Duration = Duration::from_secs(120);

/// What one QEMU run printed and how it ended.
struct Run {
    lines: Vec<String>,
    passed: bool,
    seconds: f64,
}

impl Run {
    /// The number after `key=` in the firmware's output.
    fn value(&self, key: &str) -> Option<u64> {
        let prefix = format!("{key}=");
        self.lines.iter().find_map(|l| l.strip_prefix(&prefix)?.trim().parse().ok())
    }
}

/// `cargo xtask qemu`.
pub(crate) fn run() -> StepResult {
    let started = Instant::now();
    let measured = measure_all(true)?;
    let verdict = report(&measured);
    println!("xtask qemu: {:.1} s", started.elapsed().as_secs_f64());
    verdict
}

/// The size table and the instruction figures, then both budgets.
fn report(measured: &[Measured]) -> StepResult {
    size::print_table(measured);
    let mcu = size::Mcu::of(measured)?;
    mcu.print();
    let sizes = size::check_budgets(measured);
    let instructions = mcu.check();
    match (sizes, instructions) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
    }
}

/// `cargo xtask size`: builds and runs every variant, prints the table, checks the budgets.
pub(crate) fn size_report() -> StepResult {
    let measured = measure_all(false)?;
    report(&measured)
}

/// Builds, checks and runs every variant; the full client talks to a fresh emulator.
/// `verbose` echoes the firmware's output.
fn measure_all(verbose: bool) -> Result<Vec<Measured>, String> {
    let firmware = util::root().join("tests").join("firmware");
    let out_dir = util::target_dir()?.join("firmware");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut measured = Vec::new();
    for variant in size::VARIANTS {
        check_no_alloc(&firmware, variant)?;
        let (sections, run) = if variant.tls {
            tls::build_and_run(&firmware, &out_dir, variant, verbose)?
        } else {
            let elf = build(&firmware, &out_dir, variant, None)?;
            let sections = size::Sections::read(&elf)?;
            let run = if variant.network {
                let emulator = Emulator::start(None)?;
                let result = run_with_emulator(&elf, &emulator, verbose);
                emulator.stop();
                result?.0
            } else {
                run_plain(&elf)?
            };
            (sections, run)
        };
        measured.push(finish(variant, sections, &run, verbose)?);
    }
    Ok(measured)
}

/// Echoes a run, fails if it failed, and takes its measurements.
fn finish(
    variant: &'static Variant,
    sections: size::Sections,
    run: &Run,
    verbose: bool,
) -> Result<Measured, String> {
    if verbose {
        for line in &run.lines {
            println!("[{}] {line}", variant.name);
        }
    }
    if !run.passed {
        return Err(format!(
            "the {} firmware failed in QEMU:\n{}",
            variant.name,
            run.lines.join("\n")
        ));
    }
    let stack = run
        .value("stack-peak-bytes")
        .ok_or_else(|| format!("the {} firmware reported no stack peak", variant.name))?;
    println!("xtask qemu: {} firmware passed in {:.1} s", variant.name, run.seconds);
    let (seconds, requests) = (run.seconds, run.value("http-requests"));
    let instructions = if run.value("meter-loop-ticks").is_some() {
        let calibration = meter::Calibration::of(run)?;
        println!(
            "xtask qemu: {} meter: {:.6} SysTick ticks per instruction; a loop of {} \
             instructions measured {:+} off",
            variant.name,
            calibration.ticks_per_instr(),
            calibration.loop_instr,
            calibration.loop_error
        );
        meter::regions(run)?
    } else {
        Vec::new()
    };
    Ok(Measured { variant, sections, stack, seconds, requests, instructions })
}

/// `cargo build --release` of the firmware crate (its own workspace and profile).
/// `ca`: the PEM file of the CA a TLS build trusts (`COTTER_FIRMWARE_TLS_CA`).
fn build(
    firmware: &Path,
    out_dir: &Path,
    variant: &Variant,
    ca: Option<&Path>,
) -> Result<PathBuf, String> {
    let mut cmd = firmware_cargo(firmware);
    if let Some(ca) = ca {
        cmd.env("COTTER_FIRMWARE_TLS_CA", ca);
    }
    cmd.args(["build", "--release", "--target", TARGET]);
    // Panic locations are file paths in `.rodata`: cut them to crate-relative ones (about
    // 2–4 KiB of flash), as `trim-paths` would where it is stable.
    let mut flags = vec![format!("--remap-path-prefix={}/=", util::root().display())];
    if let Some(registry) = cargo_home().map(|h| h.join("registry").join("src"))
        && let Ok(indexes) = std::fs::read_dir(&registry)
    {
        for index in indexes.flatten() {
            flags.push(format!("--remap-path-prefix={}/=", index.path().display()));
        }
    }
    let quoted: Vec<String> = flags.iter().map(|f| format!("{f:?}")).collect();
    cmd.args(["--config", &format!("target.{TARGET}.rustflags=[{}]", quoted.join(","))]);
    if !variant.features.is_empty() || variant.no_default_features {
        if variant.no_default_features {
            cmd.arg("--no-default-features");
        }
        if !variant.features.is_empty() {
            cmd.args(["--features", variant.features]);
        }
    }
    util::run(&mut cmd)?;
    let built = util::target_dir()?.join(TARGET).join("release").join("cotter-firmware");
    let elf = out_dir.join(format!("cotter-firmware-{}.elf", variant.name));
    std::fs::copy(&built, &elf)
        .map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), elf.display()))?;
    Ok(elf)
}

/// `CARGO_HOME`, or `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// A cargo command run in the firmware's directory (so that its `.cargo/config.toml`
/// applies), without flags from the environment that would replace the linker script's.
fn firmware_cargo(firmware: &Path) -> Command {
    let mut cmd = util::cargo();
    cmd.current_dir(firmware)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
    if let Ok(dir) = util::target_dir() {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    cmd
}

/// Fails if any crate of the variant's graph enables an `alloc` (or `std`) feature.
fn check_no_alloc(firmware: &Path, variant: &Variant) -> StepResult {
    let mut cmd = firmware_cargo(firmware);
    cmd.args(["tree", "-e", "features,normal", "--target", TARGET, "--prefix", "none"]);
    if variant.no_default_features {
        cmd.arg("--no-default-features");
    }
    if !variant.features.is_empty() {
        cmd.args(["--features", variant.features]);
    }
    let tree = util::output(&mut cmd)?;
    let offending: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains("feature \"alloc\"") || l.contains("feature \"std\""))
        .collect();
    if offending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the {} firmware's dependency graph has alloc/std: {}",
            variant.name,
            offending.join("; ")
        ))
    }
}

/// The QEMU command for `elf`, with UART0 on `serial` (a `-serial` argument).
fn qemu(elf: &Path, serial: &str) -> Command {
    let mut cmd = Command::new("qemu-system-arm");
    cmd.args(["-cpu", "cortex-m3", "-machine", "lm3s6965evb", "-nographic", "-monitor", "none"])
        // Virtual time counts instructions, for the firmware's instruction meter.
        .args(["-icount", &format!("shift={}", meter::ICOUNT_SHIFT)])
        .args(["-semihosting-config", "enable=on,target=native", "-serial", serial, "-kernel"])
        .arg(elf)
        .stdin(Stdio::null());
    cmd
}

/// Runs QEMU under [`LIMIT`]: output lines (stdout and stderr), and whether it exited 0.
fn run_qemu(mut cmd: Command) -> Result<Run, String> {
    let started = Instant::now();
    let (reader, writer) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let writer2 = writer.try_clone().map_err(|e| format!("pipe: {e}"))?;
    cmd.stdout(writer).stderr(writer2);
    let mut child = cmd.spawn().map_err(|e| {
        format!("cannot start qemu-system-arm ({e}); `cargo xtask setup` installs it")
    })?;
    drop(cmd);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(reader).lines().map_while(Result::ok).collect();
        let _ = tx.send(lines);
    });
    let deadline = started + LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for QEMU: {e}")),
        }
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut lines = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    if status.is_none() {
        lines.push(format!("xtask: QEMU killed after the {} s time limit", LIMIT.as_secs()));
    }
    let passed = status.is_some_and(|s| s.success())
        && lines.iter().any(|l| l == "firmware: all checks passed");
    Ok(Run { lines, passed, seconds: started.elapsed().as_secs_f64() })
}

/// Runs a firmware that needs no network (UART0 not connected).
fn run_plain(elf: &Path) -> Result<Run, String> {
    run_qemu(qemu(elf, "null"))
}

/// A running `cotter-emulator`.
struct Emulator {
    child: Child,
    addr: SocketAddr,
    /// With TLS: the PEM file of its CA.
    ca: Option<PathBuf>,
}

impl Emulator {
    /// Builds and starts `cotter-emulator --port 0 --quiet --seed 7`, plain or, with `tls`
    /// (`(seed, file)`), `--tls` with that seed and its CA written to `file`.
    ///
    /// The firmware's base URL names no port (the UART bridge is the connection) and so its
    /// `Host` field has none: the emulator serves it only when allowed, `127.0.0.1` over HTTP
    /// and `localhost` over TLS (the name the firmware checks the certificate against).
    fn start(tls: Option<(u64, &Path)>) -> Result<Self, String> {
        util::run(util::cargo().args([
            "build",
            "-p",
            "cotter-emulator",
            "--bin",
            "cotter-emulator",
        ]))?;
        let binary = util::target_dir()?.join("debug").join("cotter-emulator");
        let mut cmd = Command::new(&binary);
        cmd.args(["--port", "0", "--quiet"]);
        let scheme = match tls {
            None => {
                cmd.args(["--seed", "7", "--allowed-host", "127.0.0.1"]);
                "http"
            }
            Some((seed, ca)) => {
                cmd.args(["--seed", &seed.to_string(), "--allowed-host", "localhost", "--tls"])
                    .arg("--tls-ca-out")
                    .arg(ca);
                "https"
            }
        };
        let util::StartedEmulator { mut child, url, .. } =
            util::start_emulator(&mut cmd, &format!("{scheme}://"))?;
        let addr = url
            .strip_prefix(&format!("{scheme}://"))
            .and_then(|a| a.to_socket_addrs().ok()?.next());
        match addr {
            Some(addr) => Ok(Self { child, addr, ca: tls.map(|(_, ca)| ca.to_path_buf()) }),
            None => {
                util::stop(&mut child);
                Err(format!("the emulator announced {url}, not an address"))
            }
        }
    }

    /// Stops it.
    fn stop(mut self) {
        util::stop(&mut self.child);
    }

    /// `total` of `GET /dev/stats` (over HTTPS with curl, trusting the emulator's CA).
    fn stats_total(&self) -> Result<u64, String> {
        let addr = self.addr;
        let answer = match &self.ca {
            None => {
                let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
                    .map_err(|e| format!("emulator at {addr}: {e}"))?;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                write!(
                    stream,
                    "GET /dev/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
                )
                .map_err(|e| format!("emulator at {addr}: {e}"))?;
                let mut answer = String::new();
                stream
                    .read_to_string(&mut answer)
                    .map_err(|e| format!("emulator at {addr}: {e}"))?;
                answer
            }
            Some(ca) => util::output(
                Command::new("curl")
                    .args(["--silent", "--show-error", "--max-time", "10", "--cacert"])
                    .arg(ca)
                    .arg(format!("https://{addr}/dev/stats")),
            )?,
        };
        answer
            .split("\"total\":")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| format!("GET /dev/stats: no total in {answer:?}"))
    }
}

/// Runs the full firmware against `emulator` through the bridge and reports the HTTP requests
/// it made (and, over TLS, the handshakes the bridge saw).
fn run_with_emulator(
    elf: &Path,
    emulator: &Emulator,
    verbose: bool,
) -> Result<(Run, Vec<Handshake>), String> {
    let tls = emulator.ca.is_some();
    let bridge =
        if tls { Bridge::start_tls(emulator.addr)? } else { Bridge::start(emulator.addr)? };
    let before = emulator.stats_total()?;
    let mut run = run_qemu(qemu(elf, &format!("tcp:127.0.0.1:{}", bridge.port())))?;
    let after = emulator.stats_total()?;
    // The `GET /dev/stats` that read `after` counted itself.
    let requests = after.saturating_sub(before).saturating_sub(1);
    let c = bridge.counters();
    let load = core::sync::atomic::Ordering::Relaxed;
    let (out, back) = (c.to_emulator.load(load), c.to_firmware.load(load));
    if verbose || run.passed {
        println!(
            "xtask qemu: the firmware made {requests} HTTP{} requests ({out} bytes out, {back} bytes \
             in, {} upstream connections through the bridge)",
            if tls { "S" } else { "" },
            c.connections.load(load)
        );
    }
    run.lines.push(format!("http-requests={requests}"));
    run.lines.push(format!("wire-bytes={}", out + back));
    let handshakes = c.handshakes.lock().map(|h| h.clone()).unwrap_or_default();
    Ok((run, handshakes))
}
