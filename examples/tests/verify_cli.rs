//! The `verify` example's fixed interface: exit codes, stdout JSON and the stderr line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The example binary that `cargo test` builds beside this test (`target/<profile>/examples`).
fn verify_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = profile_dir.join("examples").join(format!("verify{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} not built: run through `cargo test`", bin.display());
    bin
}

fn data(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(path).display().to_string()
}

const AUD: &str = "19024767-a0b2-4221-8faa-ef116dc853d0";
const ISS: &str = "https://www.cotter.app";

fn token() -> String {
    std::fs::read_to_string(data("cotter-real/access_token.jwt")).expect("token").trim().to_owned()
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(verify_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn verify");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn std_args<'a>(jwks: &'a str, now: &'a str, token: &'a str) -> Vec<&'a str> {
    vec!["--jwks", jwks, "--aud", AUD, "--iss", ISS, "--now", now, token]
}

#[test]
fn valid_token_prints_header_and_claims() {
    let (jwks, t) = (data("cotter-real/jwks.json"), token());
    let out = run(&std_args(&jwks, "1598130000", &t), None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["header"]["alg"], "ES256");
    assert_eq!(v["claims"]["aud"], AUD);
    assert_eq!(v["claims"]["exp"], 1_598_132_692);
    assert!(out.stderr.is_empty());
}

#[test]
fn token_from_stdin() {
    let jwks = data("cotter-real/jwks.json");
    let out = run(&std_args(&jwks, "1598130000", "-"), Some(&format!("{}\n", token())));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn invalid_tokens_exit_1_with_one_error_line() {
    let (jwks, t) = (data("cotter-real/jwks.json"), token());
    let tampered = t.replacen("eyJjbGllbnRf", "eyJjbGllbnRg", 1);
    for (now, token, reason) in [
        ("1598140000", t.as_str(), "error: token expired\n"),
        ("1598130000", tampered.as_str(), "error: invalid signature\n"),
        ("1598130000", "a.b", "error: malformed token: expected three segments\n"),
    ] {
        let out = run(&std_args(&jwks, now, token), None);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&out.stderr), reason);
        assert!(out.stdout.is_empty());
    }
    let out = run(&["--jwks", &jwks, "--aud", "x", "--iss", ISS, "--now", "1598130000", &t], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "error: audience mismatch\n");
    let out = run(
        &["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "1598132000", "--leeway", "0", &t],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run(
        &["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "1598132692", "--leeway", "0", &t],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_and_jwks_errors_exit_2() {
    let (jwks, t) = (data("cotter-real/jwks.json"), token());
    let dir = std::env::temp_dir().join(format!("verify-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{not json").expect("write");
    let bad = bad.display().to_string();
    for args in [
        vec![],
        vec!["--jwks", &jwks, "--aud", AUD, "--iss", ISS, &t],
        vec!["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "soon", &t],
        vec!["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "1", "--leeway", "-1", &t],
        vec!["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "1", "--bogus", &t],
        vec!["--jwks", &jwks, "--aud", AUD, "--iss", ISS, "--now", "1", &t, &t],
        vec!["--jwks", "/nonexistent/jwks.json", "--aud", AUD, "--iss", ISS, "--now", "1", &t],
        vec!["--jwks", &bad, "--aud", AUD, "--iss", ISS, "--now", "1", &t],
    ] {
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let _ = std::fs::remove_dir_all(dir);
}
