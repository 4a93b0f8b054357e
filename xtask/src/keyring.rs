//! `cargo xtask keyring`: the keyring store's tests against a real Secret Service
//! (a private D-Bus session with an unlocked gnome-keyring) and the Linux kernel keyring
//! (a fresh session keyring from `keyctl session -`), and the two-process client test on a
//! keyring entry (an app and its CLI refreshing one session against the emulator).
//!
//! The daemon runs with a throwaway HOME and XDG_RUNTIME_DIR and is ended by PID. If it cannot
//! start, the tests fail with the reason; nothing is skipped.

use crate::setup;
use crate::util::{self, StepResult};
use std::process::Command;

/// Debian packages the check needs: (executable, package).
const PACKAGES: &[(&str, &str)] = &[
    ("dbus-run-session", "dbus"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("keyctl", "keyutils"),
];

const SCRIPT: &str = r#"set -euo pipefail
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$(mktemp -d)" XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"
rc=0
keyctl session - dbus-run-session -- bash -c '
  echo -n testpass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  "$CARGO" test -p cotter-store-keyring -- --include-ignored
  "$CARGO" test -p cotter-tests --test two_processes -- --include-ignored --nocapture' || rc=$?
for p in $(pgrep -x gnome-keyring-d || true); do
  tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" && kill "$p" || true
done
rm -rf "$HOME" "$XDG_RUNTIME_DIR"; exit $rc
"#;

pub(crate) fn run() -> StepResult {
    setup::apt_install(PACKAGES)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    util::run(
        Command::new("bash").args(["-c", SCRIPT]).env("CARGO", cargo).current_dir(util::root()),
    )
    .map_err(|e| format!("keyring tests against a real Secret Service and kernel keyring: {e}"))
}
