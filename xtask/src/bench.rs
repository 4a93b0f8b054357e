//! `cargo xtask bench`: wall time (criterion) and instruction counts (callgrind) of token
//! verification, every crate on the same token and key, in one run; prints a table and the
//! `key=value` lines other tools read.

use crate::util::{self, StepResult};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The cases of `benches/` (criterion ids in group `verify`, and `instr` case names).
const CASES: &[&str] = &["p256", "cotter_jwt", "jsonwebtoken", "jwt_compact", "jwt_simple"];

pub(crate) fn run() -> StepResult {
    let target = util::target_dir()?;
    let criterion_home = target.join("criterion");
    util::run(
        util::cargo()
            .args(["bench", "-p", "cotter-bench", "--bench", "verify", "--"])
            .args(["--warm-up-time", "1", "--measurement-time", "4"])
            .env("CRITERION_HOME", &criterion_home),
    )?;
    let mut time_ns = BTreeMap::new();
    for case in CASES {
        time_ns.insert(*case, criterion_mean_ns(&criterion_home, "verify", case)?);
    }

    util::run(util::cargo().args([
        "build",
        "--profile",
        "bench",
        "-p",
        "cotter-bench",
        "--bin",
        "instr",
    ]))?;
    // The `bench` profile writes to the `release` folder.
    let instr = target.join("release").join("instr");
    if !util::on_path("valgrind") {
        return Err("valgrind is needed for instruction counts: `apt-get install valgrind`".into());
    }
    let mut instructions = BTreeMap::new();
    let mut allocations = BTreeMap::new();
    for case in CASES {
        let (one, allocs) = callgrind(&instr, case, 1)?;
        let (many, _) = callgrind(&instr, case, 21)?;
        instructions.insert(*case, (many.saturating_sub(one)) as f64 / 20.0);
        allocations.insert(*case, allocs);
    }

    println!(
        "\n{:<14} {:>12} {:>14} {:>12} {:>10}",
        "verify", "time (µs)", "instructions", "allocs/call", "vs p256"
    );
    let floor = instructions["p256"];
    for case in CASES {
        println!(
            "{:<14} {:>12.2} {:>14.0} {:>12} {:>10.4}",
            case,
            time_ns[case] / 1000.0,
            instructions[case],
            allocations[case],
            instructions[case] / floor
        );
    }
    println!();
    println!("verify_vs_p256_instr_ratio={:.4}", instructions["cotter_jwt"] / floor);
    for other in ["jsonwebtoken", "jwt_compact", "jwt_simple"] {
        println!("verify_vs_{other}_time_ratio={:.4}", time_ns["cotter_jwt"] / time_ns[other]);
    }
    Ok(())
}

/// Runs `instr CASE N` under callgrind: total instructions and the allocations per call.
fn callgrind(instr: &Path, case: &str, n: u32) -> Result<(u64, String), String> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(instr)
        .args([case, &n.to_string()])
        .output()
        .map_err(|e| format!("valgrind: {e}"))?;
    if !out.status.success() {
        return Err(format!("instr {case} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let total = stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no callgrind total for {case}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let allocs = stdout
        .lines()
        .find_map(|l| l.strip_prefix("allocations_per_call="))
        .unwrap_or("?")
        .to_owned();
    Ok((total, allocs))
}

/// Criterion's mean estimate in nanoseconds for `group/id`.
fn criterion_mean_ns(home: &Path, group: &str, id: &str) -> Result<f64, String> {
    let path = home.join(group).join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.split("\"mean\"")
        .nth(1)
        .and_then(|s| s.split("\"point_estimate\":").nth(1))
        .and_then(|s| s.split([',', '}']).next())
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("{}: no mean point estimate", path.display()))
}
