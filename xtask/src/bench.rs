//! `cargo xtask bench`: wall time (criterion) and instruction counts (callgrind) of token
//! verification, every crate on the same token and key, in one run, with cotter-jwt's prepared
//! keys, ring and the verified-token cache; the facade's cached access token and the store
//! codec (time only); flash operations of a `FlashStore` save (counts); then a table and the
//! `key=value` lines other tools read (always last, in a fixed order).

use crate::util::{self, StepResult};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Cases of criterion group `verify` that are also `instr` cases (timed and counted).
const CASES: &[&str] = &[
    "p256",
    "cotter_jwt",
    "cotter_jwt_prepared",
    "jsonwebtoken",
    "jwt_compact",
    "jwt_simple",
    "prepared_server",
    "prepared_mcu",
    "ring",
    "cached_verify",
];

/// Cases of criterion group `verify` that are timed only.
const TIME_ONLY: &[&str] = &["cached_access_token", "store_encode", "store_decode"];

/// What each case measures, for the table.
fn describe(case: &str) -> &'static str {
    match case {
        "p256" => "p256 0.14 signature only (floor of the pure-Rust crates)",
        "cotter_jwt" => {
            "Jwks::verify (no tables, no_std path): token, kid in 4 keys, signature, claims"
        }
        "cotter_jwt_prepared" => {
            "Jwks<4, Box<LargeTableKey>>::verify (std backends): the same path, prepared keys"
        }
        "jsonwebtoken" => "jsonwebtoken 11 (RustCrypto), serde claims",
        "jwt_compact" => "jwt-compact 0.9 (p256 0.13), serde claims",
        "jwt_simple" => "jwt-simple 0.15 (pure Rust), serde claims",
        "prepared_server" => "LargeTableKey::verify_token: token, signature, claims",
        "prepared_mcu" => "SmallTableKey::verify_token: token, signature, claims",
        "ring" => "ring 0.17 signature only (C + assembly anchor)",
        "cached_verify" => "VerifiedCache hit: SHA-256, look-up, key + claim checks",
        "cached_access_token" => "cotter Client::access_token(), fresh session, no request",
        "store_encode" => "cotter_store::encode of a realistic session",
        "store_decode" => "cotter_store::decode of the same record",
        _ => "",
    }
}

pub(crate) fn run() -> StepResult {
    let target = util::target_dir()?;
    let criterion_home = target.join("criterion");
    util::run(
        util::cargo()
            .args(["bench", "-p", "cotter-bench", "--bench", "verify", "--"])
            .args(["--warm-up-time", "1", "--measurement-time", "3"])
            .env("CRITERION_HOME", &criterion_home),
    )?;
    let mut time_ns = BTreeMap::new();
    for case in CASES.iter().chain(TIME_ONLY) {
        time_ns.insert(*case, criterion_mean_ns(&criterion_home, "verify", case)?);
    }

    if !util::on_path("valgrind") {
        return Err("valgrind is needed for instruction counts: `apt-get install valgrind`".into());
    }
    // The `bench` profile writes to the `release` folder.
    let instr = target.join("release").join("instr");
    util::run(util::cargo().args([
        "build",
        "--profile",
        "bench",
        "-p",
        "cotter-bench",
        "--bin",
        "instr",
    ]))?;
    // cotter-jwt's `CompactKey` (feature `compact`), instructions only.
    let compact = {
        let (one, _) = callgrind(&instr, "cotter_jwt_compact", 1)?;
        let (many, _) = callgrind(&instr, "cotter_jwt_compact", 21)?;
        (many.saturating_sub(one)) as f64 / 20.0
    };
    let mut instructions = BTreeMap::new();
    let mut allocations = BTreeMap::new();
    for case in CASES {
        let (one, allocs) = callgrind(&instr, case, 1)?;
        let (many, _) = callgrind(&instr, case, 21)?;
        instructions.insert(*case, (many.saturating_sub(one)) as f64 / 20.0);
        allocations.insert(*case, allocs);
    }
    let flash = key_values(&util::output(Command::new(&instr).args(["flash_save", "1000"]))?);
    let tables = key_values(&util::output(Command::new(&instr).args(["table_bytes", "0"]))?);
    let value = |map: &BTreeMap<String, String>, key: &str| {
        map.get(key).cloned().ok_or_else(|| format!("instr: no `{key}` in its output"))
    };
    let table_server = value(&tables, "server_key")?;
    let table_mcu = value(&tables, "mcu_key")?;

    let floor = instructions["p256"];
    let (p256_ns, ring_ns) = (time_ns["p256"], time_ns["ring"]);
    println!(
        "\n{:<16} {:>10} {:>13} {:>7} {:>9} {:>9} {:>9}  what",
        "verify", "time (µs)", "instructions", "allocs", "instr/p256", "time/p256", "time/ring"
    );
    for case in CASES {
        println!(
            "{:<16} {:>10.2} {:>13.0} {:>7} {:>10.4} {:>9.4} {:>9.4}  {}",
            case,
            time_ns[case] / 1000.0,
            instructions[case],
            allocations[case],
            instructions[case] / floor,
            time_ns[case] / p256_ns,
            time_ns[case] / ring_ns,
            describe(case)
        );
    }
    println!(
        "{:<16} {:>10} {compact:>13.0} {:>7} {:>10.4} {:>9} {:>9}  Jwks::verify with \
         cotter-jwt's `CompactKey` (instructions only)",
        "cotter_jwt_compact",
        "-",
        "-",
        compact / floor,
        "-",
        "-",
    );
    println!("\n{:<20} {:>10}  what", "time only", "time (ns)");
    for case in TIME_ONLY {
        println!("{:<20} {:>10.1}  {}", case, time_ns[case], describe(case));
    }
    println!(
        "\nFlashStore::save on SimFlash ({}), record {} bytes, per save over {} saves (counts):",
        value(&flash, "flash_geometry")?,
        value(&flash, "record_len")?,
        1000
    );
    for key in [
        "program_ops_per_save",
        "bytes_programmed_per_save",
        "erase_ops_per_save",
        "read_ops_per_save",
    ] {
        println!("  {key:<26} {}", value(&flash, key)?);
    }
    println!(
        "\nPrepared table bytes per key (the key's own table; the shared G table is NOT \
         included: it is built once per process, {} bytes server, {} bytes MCU):",
        value(&tables, "server_g")?,
        value(&tables, "mcu_g")?
    );
    println!(
        "  LargeTableKey::TABLE_BYTES = {table_server}, SmallTableKey::TABLE_BYTES = {table_mcu}"
    );
    println!(
        "\nRatios are within this run; prepared_* include token parsing and claims, while \
         p256 and ring check the signature only."
    );
    println!();
    println!(
        "The instruction ratio is the table-free Jwks::verify over bare p256 (the overhead of the \
         JWT path); the time ratios compare the prepared Jwks::verify, cotter-jwt's verifier for std \
         backends. Table-free Jwks::verify for the same comparisons:"
    );
    for other in ["jsonwebtoken", "jwt_compact", "jwt_simple"] {
        println!(
            "  plain_verify_vs_{other}_time_ratio={:.4}",
            time_ns["cotter_jwt"] / time_ns[other]
        );
    }
    println!();
    println!("verify_vs_p256_instr_ratio={:.4}", instructions["cotter_jwt"] / floor);
    for other in ["jsonwebtoken", "jwt_compact", "jwt_simple"] {
        println!(
            "verify_vs_{other}_time_ratio={:.4}",
            time_ns["cotter_jwt_prepared"] / time_ns[other]
        );
    }
    println!("cached_access_token_ns={:.1}", time_ns["cached_access_token"]);
    println!("prepared_vs_ring_time_ratio={:.4}", time_ns["prepared_server"] / ring_ns);
    println!("prepared_vs_p256_time_ratio={:.4}", time_ns["prepared_server"] / p256_ns);
    println!("cached_verify_ns={:.1}", time_ns["cached_verify"]);
    println!("prepared_table_bytes_server={table_server}");
    println!("prepared_table_bytes_mcu={table_mcu}");
    Ok(())
}

/// `key=value` lines of a program's output.
fn key_values(output: &str) -> BTreeMap<String, String> {
    output
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
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

/// `cargo xtask bench backend [ARGS]`: the same one-route axum app built with cotter-axum and
/// with jwt-authorizer, each on one tokio worker thread, loaded over loopback by
/// `backend_load` (see its documentation; ARGS go to it, e.g. `--workers 2 --rounds 5`). It
/// prints a table and, among its `key=value` lines, `backend_vs_jwt_authorizer_rps_ratio_distinct`,
/// `backend_vs_jwt_authorizer_rps_ratio_repeat` and `backend_p99_us_distinct`.
pub(crate) fn backend(args: &[String]) -> StepResult {
    let bins = ["backend_cotter", "backend_jwt_authorizer", "backend_load"];
    // The `bench` profile (LTO, one codegen unit) for both apps alike; it writes to `release`.
    let mut build = util::cargo();
    build.args(["build", "--profile", "bench", "-p", "cotter-bench"]);
    for bin in bins {
        build.args(["--bin", bin]);
    }
    util::run(&mut build)?;
    let release = util::target_dir()?.join("release");
    let path = |bin: &str| release.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    util::run(
        Command::new(path("backend_load"))
            .arg("--cotter")
            .arg(path("backend_cotter"))
            .arg("--jwt-authorizer")
            .arg(path("backend_jwt_authorizer"))
            .args(["--workers", "1"])
            .args(args),
    )
}
