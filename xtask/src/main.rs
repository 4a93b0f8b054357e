//! `cargo xtask`: the one entry point for every check of the workspace.
//!
//! `cargo xtask ci` runs `setup` and then every check in order, collects all failures,
//! prints a summary table and exits non-zero if any check failed. Each check is also a
//! subcommand of its own. See `cargo xtask help`.

mod arrows;
mod bench;
mod bridge;
mod checks;
mod clients;
mod deny;
mod fuzz;
mod keyring;
mod qemu;
mod setup;
mod size;
mod util;

use std::process::ExitCode;

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  ci       setup, then every check below in order; summary table; non-zero exit if any failed
  setup    install prerequisites (rustup targets, apt packages) or say exactly what to run
  arrows   fail on a normal dependency between workspace crates that ARCHITECTURE.md's code
           map does not allow, naming it
  fmt      cargo fmt --check
  clippy   cargo clippy per package, all targets, -D warnings
  test     cargo test for the workspace
  nostd    build each no_std crate without default features and with each feature on its own,
           for thumbv7em-none-eabihf and thumbv6m-none-eabi
  doc      cargo doc with RUSTDOCFLAGS=-D warnings
  qemu     the Cortex-M3 firmware (tests/firmware) in qemu-system-arm lm3s6965evb: verify-only,
           the full client over UART0 against the emulator, and the full client over TLS 1.3
           against the emulator's HTTPS port; size/stack table and budgets
  size     flash, static RAM and QEMU-measured peak stack of the three firmware builds
  clients  Cotter's own python SDK (PyPI cotter 0.0.7) and JS SDK (npm cotter 0.3.35) and headless
           Chromium (WebDriver) against the emulator; installs what is missing
  keyring  the keyring store's tests against a real Secret Service (dbus + gnome-keyring) and
           the kernel keyring; installs the Debian packages when missing
  deny     cargo deny: licences, bans, sources (installs cargo-deny when missing)
  emulator [ARGS]  run the Cotter emulator (`cotter-emulator --port 0 …`, see its README)
  fuzz [--time SECS] [--sanitizer address|none] [TARGET...]
           the cargo-fuzz targets of fuzz/ (installs cargo-fuzz if missing), each for SECS
           seconds (default 10), one after another; fails on any crash and names its input
  bench    criterion wall time and callgrind instruction counts of token verification against
           jsonwebtoken, jwt-compact and jwt-simple; prints a table and key=value ratio lines
  bench backend [ARGS]  cotter-axum against jwt-authorizer: the same axum app, one worker
           thread each, loaded over loopback (10 000 distinct tokens, one token repeated);
           prints backend_vs_jwt_authorizer_rps_ratio_{distinct,repeat}, backend_p99_us_distinct
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "ci" => return checks::ci(),
        "setup" => setup::run(),
        "bench" if args.get(1).is_some_and(|a| a == "backend") => bench::backend(&args[2..]),
        "bench" => setup::run().and_then(|()| bench::run()),
        "emulator" => util::run(
            util::cargo().args(["run", "--quiet", "-p", "cotter-emulator", "--"]).args(&args[1..]),
        ),
        "clients" => clients::run(),
        "size" => qemu::size_report(),
        "fuzz" => fuzz::run(&args[1..]),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        name => match checks::by_name(name) {
            Some(check) => (check.run)(),
            None => {
                eprintln!("xtask: unknown command `{name}`\n\n{HELP}");
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {command}: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
