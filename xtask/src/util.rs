//! Small helpers to run commands and report what failed.

use core::sync::atomic::{AtomicBool, Ordering};
use std::path::PathBuf;
use std::process::Command;

/// The outcome of one step: `Err` carries a one-line reason for the summary table.
pub(crate) type StepResult = Result<(), String>;

/// The workspace root (the parent of this crate's manifest directory).
///
/// Taken from `CARGO_MANIFEST_DIR` as `cargo run` sets it now, not as it was at compile time:
/// checkouts that share a target directory (`.ci/run` uses one under `/var/tmp`) can end up
/// running each other's identical `xtask` binary, which must still work on the checkout that
/// invoked it.
pub(crate) fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().map_or(manifest.clone(), std::path::Path::to_path_buf)
}

/// A `cargo` command run from the workspace root.
pub(crate) fn cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root());
    if LEAN.load(Ordering::Relaxed) && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

/// Set by `cargo xtask ci`: its builds are made once, so incremental caches (several GiB that
/// only speed up the next edit) are not written. A `CARGO_INCREMENTAL` of the caller wins.
static LEAN: AtomicBool = AtomicBool::new(false);

/// Turns off incremental compilation for every cargo this process starts from now on.
pub(crate) fn lean_builds() {
    LEAN.store(true, Ordering::Relaxed);
}

/// Runs `cmd`, echoing it first; an error names the command and its exit status.
pub(crate) fn run(cmd: &mut Command) -> StepResult {
    let shown = show(cmd);
    eprintln!("$ {shown}");
    match cmd.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{shown}` exited with {status}")),
        Err(e) => Err(format!("`{shown}` could not start: {e}")),
    }
}

/// Runs `cmd` and returns its standard output, or an error naming the command.
pub(crate) fn output(cmd: &mut Command) -> Result<String, String> {
    let shown = show(cmd);
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(format!(
            "`{shown}` exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("`{shown}` could not start: {e}")),
    }
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`), from `cargo metadata`.
pub(crate) fn target_dir() -> Result<PathBuf, String> {
    let out = output(cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    out.split("\"target_directory\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata: no target_directory".to_owned())
}

/// Stops a child that exits cleanly on SIGTERM (the emulator): SIGTERM, then SIGKILL if it
/// is still running after 5 s.
pub(crate) fn stop(child: &mut std::process::Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(core::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether an executable named `name` is on `PATH`.
pub(crate) fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// The first line the emulator prints, before its URL.
const EMULATOR_LISTENING: &str = "cotter-emulator listening on ";

/// A running emulator of [`start_emulator`]: the process, the URL it announced and a receiver
/// of everything else it printed (delivered when its stdout closes).
pub(crate) struct StartedEmulator {
    pub(crate) child: std::process::Child,
    pub(crate) url: String,
    pub(crate) log: std::sync::mpsc::Receiver<String>,
}

/// Spawns `cmd` (the emulator binary with the caller's arguments) with stdout piped and waits
/// up to 15 s for its first line, `cotter-emulator listening on URL`, whose URL must start with
/// `scheme` (`http://` or `https://`); the rest of its output keeps being drained so that it
/// never blocks on a full pipe. Stops it and names the line when the announcement is wrong.
pub(crate) fn start_emulator(cmd: &mut Command, scheme: &str) -> Result<StartedEmulator, String> {
    use std::io::{BufRead, BufReader};
    let shown = show(cmd);
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let stdout = child.stdout.take().ok_or("emulator stdout not captured")?;
    let (first_tx, first_rx) = std::sync::mpsc::channel();
    let (log_tx, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let _ = first_tx.send(lines.next());
        let rest: Vec<String> = lines.collect();
        let _ = log_tx.send(rest.join("\n"));
    });
    let first = first_rx.recv_timeout(core::time::Duration::from_secs(15)).ok().flatten();
    let url = first
        .as_deref()
        .and_then(|l| l.strip_prefix(EMULATOR_LISTENING))
        .filter(|u| u.starts_with(scheme))
        .map(|u| u.trim().to_owned());
    match url {
        Some(url) => Ok(StartedEmulator { child, url, log }),
        None => {
            stop(&mut child);
            Err(format!("`{shown}` did not announce a {scheme} URL (first line: {first:?})"))
        }
    }
}
