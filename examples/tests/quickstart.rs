//! The README's first command, run as a user would: it must finish and show each step.

use std::path::Path;
use std::process::Command;

#[test]
fn quickstart_runs_end_to_end() {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = dir.join("examples").join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    let out = Command::new(&bin).output().expect("run quickstart");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for step in ["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "Done."] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
    let hellos = stdout.matches("-> 200 hello, user ").count();
    assert_eq!(hellos, 2, "the backend accepted the token before and after the refresh:\n{stdout}");
    assert!(stdout.contains("refused: token expired"), "the old token is refused after expiry");
    assert!(stdout.contains("-> 401 refused: no bearer token"), "refused after logout");
    assert!(stdout.contains("1 get_identity, 1 refresh"), "{stdout}");
    // Secrets stay redacted.
    assert!(!stdout.contains("\"refresh_token\""));
}
