//! The checks `cargo xtask ci` runs, in order, and the summary table.

use crate::setup;
use crate::util::{self, StepResult};
use std::process::ExitCode;
use std::time::Instant;

/// One named check; each is also a subcommand.
pub(crate) struct Check {
    pub(crate) name: &'static str,
    pub(crate) run: fn() -> StepResult,
}

/// Every check of `cargo xtask ci`, in the order it runs them.
const CHECKS: &[Check] = &[
    Check { name: "arrows", run: crate::arrows::run },
    Check { name: "fmt", run: fmt },
    Check { name: "clippy", run: clippy },
    Check { name: "test", run: test },
    Check { name: "nostd", run: nostd },
    Check { name: "qemu", run: crate::qemu::run },
    Check { name: "doc", run: doc },
    Check { name: "keyring", run: crate::keyring::run },
    Check { name: "clients", run: crate::clients::run },
    Check { name: "deny", run: crate::deny::run },
    Check { name: "fuzz", run: crate::fuzz::smoke },
];

/// no_std crates: each is built without default features, then with each listed feature on
/// its own, for every target in [`setup::TARGETS`]. `std` features are not listed: they need
/// an operating system.
const NO_STD: &[(&str, &[&str])] = &[
    ("cotter-json", &[]),
    ("cotter-jwt", &["alloc", "prepared", "compact"]),
    ("cotter-proto", &["alloc", "serde"]),
    ("cotter-store", &["alloc"]),
    ("cotter-store-flash", &["sim"]),
    ("cotter-transport", &["alloc", "embedded-io"]),
    ("cotter", &["alloc", "embedded-io", "compact"]),
];

/// Packages whose tests need a service that a dedicated check starts; `test` excludes them.
const SERVICE_TESTED: &[&str] = &[];

pub(crate) fn by_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

pub(crate) fn ci() -> ExitCode {
    let started = Instant::now();
    crate::util::lean_builds();
    let mut rows: Vec<(&str, Result<(), String>, f64)> = Vec::new();
    let t = Instant::now();
    let setup_result = setup::run();
    rows.push(("setup", setup_result, t.elapsed().as_secs_f64()));
    for check in CHECKS {
        eprintln!("\n===== xtask: {} =====", check.name);
        let t = Instant::now();
        let result = (check.run)();
        rows.push((check.name, result, t.elapsed().as_secs_f64()));
    }
    let failed = rows.iter().filter(|(_, r, _)| r.is_err()).count();
    println!("\n{:<10} {:<6} {:>8}  detail", "check", "result", "seconds");
    for (name, result, secs) in &rows {
        let (verdict, detail) = match result {
            Ok(()) => ("ok", String::new()),
            Err(e) => ("FAILED", e.clone()),
        };
        println!("{name:<10} {verdict:<6} {secs:>8.1}  {detail}");
    }
    let total = started.elapsed().as_secs_f64();
    println!("{} passed, {} failed", rows.len() - failed, failed);
    println!("xtask ci: {total:.0} s");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Packages with their own workspace (excluded from the root one) that the checks also cover.
const OWN_WORKSPACES: &[&str] = &["fuzz/Cargo.toml", "tests/firmware/Cargo.toml"];

fn fmt() -> StepResult {
    util::run(util::cargo().args(["fmt", "--all", "--check"]))?;
    for manifest in OWN_WORKSPACES {
        util::run(util::cargo().args(["fmt", "--check", "--manifest-path", manifest]))?;
    }
    Ok(())
}

fn clippy() -> StepResult {
    let mut failures = Vec::new();
    for package in workspace_packages()? {
        let r = util::run(util::cargo().args([
            "clippy",
            "--package",
            &package,
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]));
        if r.is_err() {
            failures.push(package);
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(format!("clippy: {}", failures.join(", "))) }
}

fn test() -> StepResult {
    let mut cmd = util::cargo();
    cmd.args(["test", "--workspace", "--all-features"]);
    for package in SERVICE_TESTED {
        cmd.args(["--exclude", package]);
    }
    // Every feature adds and none replaces (`cotter-jwt`'s `compact` adds `CompactKey`), so
    // `--all-features` tests every implementation.
    util::run(&mut cmd)
}

fn nostd() -> StepResult {
    let mut failures = Vec::new();
    for target in setup::TARGETS {
        for (package, features) in NO_STD {
            let builds = core::iter::once(None).chain(features.iter().map(Some));
            for feature in builds {
                let mut cmd = util::cargo();
                cmd.args([
                    "build",
                    "--package",
                    package,
                    "--no-default-features",
                    "--target",
                    target,
                ]);
                if let Some(feature) = feature {
                    cmd.args(["--features", feature]);
                }
                if util::run(&mut cmd).is_err() {
                    failures.push(format!("{package}[{}]@{target}", feature.unwrap_or(&"")));
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("no_std builds: {}", failures.join(", ")))
    }
}

fn doc() -> StepResult {
    util::run(
        util::cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

/// Names of the workspace's packages, read from `cargo metadata`'s flat format.
fn workspace_packages() -> Result<Vec<String>, String> {
    let out = util::output(util::cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    // The JSON has one `"name":"…"` per package right after `{"name":` at package level;
    // workspace_members gives the authoritative list as package ids `path+file://…#name@ver`.
    let members = out
        .split("\"workspace_members\":[")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .ok_or("cargo metadata: no workspace_members")?;
    let mut names: Vec<String> = members
        .split(',')
        .filter_map(|id| {
            let id = id.trim().trim_matches('"');
            // `…/dir#name@version`, or `…/name#version` when the folder is the name.
            let tail = id.rsplit('/').next()?;
            let (dir, fragment) = tail.split_once('#')?;
            let name = fragment.split_once('@').map_or(dir, |(name, _)| name);
            Some(name.to_owned())
        })
        .collect();
    names.sort();
    Ok(names)
}
