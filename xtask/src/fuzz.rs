//! `cargo xtask fuzz [--time SECS] [--sanitizer address|none] [TARGET…]`: the cargo-fuzz
//! targets of `fuzz/`, each run for a while, one after another.
//!
//! Installs `cargo-fuzz` when it is missing (`cargo install cargo-fuzz --locked`), builds every
//! target once, then runs each for `--time` seconds (default 10, what CI's smoke run uses) on
//! its corpus (`fuzz/corpus/<target>`, kept between runs, git-ignored) seeded with
//! `fuzz/seeds/<target>` and the saved crash inputs in `fuzz/regressions/<target>`. Fails if any
//! target crashes, naming the input libFuzzer wrote (`fuzz/artifacts/<target>/crash-…`), which
//! `cargo fuzz run <target> <path>` replays.
//!
//! Only the stable toolchain is needed: libFuzzer's sanitizer flags (`-Zsanitizer=address`)
//! are unstable, so the builds run with `RUSTC_BOOTSTRAP=1`. Debug assertions are on (`-a`),
//! so an arithmetic overflow is a crash too.

use crate::util::{self, StepResult};
use std::process::Command;
use std::time::Instant;

/// Every target of `fuzz/Cargo.toml`.
pub(crate) const TARGETS: [&str; 10] = [
    "jwt_verify",
    "jwt_claims",
    "jwk_parse",
    "jwks_parse",
    "proto_decode",
    "redirect_query",
    "store_decode",
    "http1_response",
    "flash_ops",
    "es256_compact",
];

/// Seconds per target in the smoke run of `cargo xtask ci`.
const SMOKE_SECS: u64 = 10;

/// The smoke run for `cargo xtask ci`: every target for [`SMOKE_SECS`] seconds.
pub(crate) fn smoke() -> StepResult {
    // Every committed seed and regression input, replayed by a plain test build first.
    util::run(util::cargo().args(["test", "--manifest-path", "fuzz/Cargo.toml"]))
        .map_err(|e| format!("fuzz regression replay: {e}"))?;
    fuzz(&Options { secs: SMOKE_SECS, sanitizer: "address".into(), targets: TARGETS.to_vec() })
}

/// `cargo xtask fuzz` with its arguments (after `fuzz`).
pub(crate) fn run(args: &[String]) -> StepResult {
    if args.is_empty() {
        return smoke();
    }
    fuzz(&parse(args)?)
}

struct Options<'a> {
    secs: u64,
    sanitizer: String,
    targets: Vec<&'a str>,
}

fn parse(args: &[String]) -> Result<Options<'_>, String> {
    let mut opts = Options { secs: SMOKE_SECS, sanitizer: "address".into(), targets: Vec::new() };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--time" => {
                let v = it.next().ok_or("--time needs a number of seconds")?;
                opts.secs = v.parse().map_err(|_| format!("--time: not a number: {v}"))?;
            }
            "--sanitizer" => {
                opts.sanitizer = it.next().ok_or("--sanitizer needs address or none")?.clone();
            }
            name if TARGETS.contains(&name) => opts.targets.push(name),
            other => {
                return Err(format!("unknown argument `{other}`; targets: {}", TARGETS.join(" ")));
            }
        }
    }
    if opts.targets.is_empty() {
        opts.targets = TARGETS.to_vec();
    }
    Ok(opts)
}

/// A `cargo fuzz <sub>` command with the flags every invocation shares (so that `run` finds the
/// binaries `build` made instead of rebuilding with other flags).
fn cargo_fuzz(sub: &str, sanitizer: &str) -> Command {
    let mut cmd = util::cargo();
    cmd.args(["fuzz", sub, "--debug-assertions", "--sanitizer", sanitizer]);
    // The sanitizer flags are unstable options of rustc; this lets the stable compiler take them.
    cmd.env("RUSTC_BOOTSTRAP", "1");
    cmd
}

fn ensure_cargo_fuzz() -> StepResult {
    if util::output(util::cargo().args(["fuzz", "--version"])).is_ok() {
        return Ok(());
    }
    eprintln!("xtask fuzz: cargo-fuzz is missing; installing it");
    util::run(util::cargo().args(["install", "cargo-fuzz", "--locked"]))
}

fn fuzz(opts: &Options<'_>) -> StepResult {
    ensure_cargo_fuzz()?;
    util::run(&mut cargo_fuzz("build", &opts.sanitizer))?;
    let root = util::root();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for &target in &opts.targets {
        let corpus = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut cmd = cargo_fuzz("run", &opts.sanitizer);
        cmd.arg(target).arg(&corpus);
        for extra in ["seeds", "regressions"] {
            let dir = root.join("fuzz").join(extra).join(target);
            if dir.is_dir() {
                cmd.arg(dir);
            }
        }
        cmd.args([
            "--",
            &format!("-max_total_time={}", opts.secs),
            "-timeout=20",
            "-print_final_stats=1",
        ]);
        eprintln!("xtask fuzz: {target} for {} s", opts.secs);
        let started = Instant::now();
        let out = cmd.output().map_err(|e| format!("cargo fuzz run could not start: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let execs = stat(&log, "stat::number_of_executed_units").unwrap_or(0);
        let rate = stat(&log, "stat::average_exec_per_sec").unwrap_or(0);
        let secs = started.elapsed().as_secs_f64();
        if out.status.success() {
            rows.push((target, "ok", execs, rate, secs, String::new()));
        } else {
            let crash = log
                .lines()
                .find_map(|l| l.split_once("Test unit written to ").map(|(_, p)| p.trim()))
                .unwrap_or("(no input written; see the output above)")
                .to_owned();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("  | {line}");
            }
            rows.push((target, "CRASH", execs, rate, secs, crash.clone()));
            failures.push(format!("{target}: {crash}"));
        }
    }
    println!(
        "\n{:<16} {:<6} {:>12} {:>9} {:>7}  crash input",
        "target", "result", "execs", "exec/s", "s"
    );
    for (target, verdict, execs, rate, secs, crash) in &rows {
        println!("{target:<16} {verdict:<6} {execs:>12} {rate:>9} {secs:>7.0}  {crash}");
    }
    if failures.is_empty() { Ok(()) } else { Err(format!("fuzz crashes: {}", failures.join("; "))) }
}

/// The value of a `-print_final_stats` line.
fn stat(log: &str, name: &str) -> Option<u64> {
    log.lines()
        .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix(':').map(str::trim))
        .and_then(|v| v.parse().ok())
}
