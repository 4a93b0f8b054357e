//! The `login` CLI against the emulator: sign in through the loopback redirect (a scripted user
//! plays the browser), print a token for scripts, whoami, logout.

use cotter_emulator::{Emulator, browser};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    dir.join("examples").join(format!("login{}", std::env::consts::EXE_SUFFIX))
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("run login")
}

/// Runs `login login COMMON…`, plays the user in the browser, and waits for the CLI to finish.
fn sign_in(common: &[&str], who: &str) {
    let mut child = Command::new(bin())
        .arg("login")
        .args(common)
        .args(["--no-browser", "--email", who])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("read") > 0, "login exited early");
        if line.starts_with("http://") || line.starts_with("https://") {
            break line.trim().to_owned();
        }
    };
    let redirect = browser::complete_login(&url, who).expect("user signs in");
    // The redirect goes to the CLI's own loopback listener: plain HTTP on 127.0.0.1.
    let rest = redirect.strip_prefix("http://").expect("http");
    let (authority, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = std::net::TcpStream::connect(authority).expect("loopback listener");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut page = String::new();
    s.read_to_string(&mut page).expect("page");
    assert!(page.contains("Signed in"), "{page}");
    assert!(child.wait().expect("wait").success());
}

#[test]
fn login_token_whoami_logout() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    // The URL the emulator prints first, as a new user pastes it: the server's root, no
    // `/api/v0`, no `--hosted-page-url` (the HTTPS test below uses the API base).
    let api = emu.base_url().to_owned();
    let dir = std::env::temp_dir().join(format!("login-cli-{}", std::process::id()));
    let store = format!("file:{}", dir.join("session").display());
    let common =
        ["--base-url", api.as_str(), "--api-key", "cotter-dev-api-key", "--store", store.as_str()];
    sign_in(&common, "lin@example.com");

    let token = run(&[&["token"], &common[..]].concat());
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let text = String::from_utf8_lossy(&token.stdout);
    assert_eq!(text.trim().split('.').count(), 3, "a JWT on stdout and nothing else: {text}");

    let who = run(&[&["whoami"], &common[..]].concat());
    assert!(String::from_utf8_lossy(&who.stdout).starts_with("lin@example.com ("));

    assert!(run(&[&["logout"], &common[..]].concat()).status.success());
    let after = run(&[&["token"], &common[..]].concat());
    assert_eq!(after.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&after.stderr).contains("not signed in"));
    assert_eq!(run(&["token"]).status.code(), Some(2), "usage error");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn login_over_https_trusts_the_ca_file_and_nothing_else() {
    let emu = Emulator::start(
        cotter_emulator::Config::new()
            .with_log_outbox(false)
            .with_tls(cotter_emulator::Tls::Generated),
    )
    .expect("emu");
    let api = emu.api_base();
    assert!(api.starts_with("https://127.0.0.1:"), "{api}");
    let dir = std::env::temp_dir().join(format!("login-cli-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, emu.tls_ca_pem().expect("generated CA")).expect("write CA");
    let ca = ca.display().to_string();
    let store = format!("file:{}", dir.join("session").display());
    let plain =
        ["--base-url", api.as_str(), "--api-key", "cotter-dev-api-key", "--store", store.as_str()];
    let common = [&plain[..], &["--ca-file", ca.as_str()][..]].concat();
    sign_in(&common, "tls@example.com");

    let token = run(&[&["token"], &common[..]].concat());
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let who = run(&[&["whoami"], &common[..]].concat());
    assert!(String::from_utf8_lossy(&who.stdout).starts_with("tls@example.com ("));

    // Without the CA file the server is not trusted: logout wipes the local session (as it
    // always does) but its revocation request is refused as a TLS failure, before sending.
    let refused = run(&[&["logout"], &plain[..]].concat());
    assert_eq!(refused.status.code(), Some(1));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("tls failure"), "{why}");
    assert_eq!(emu.stats().revoke, 0, "no revocation reached the server");

    // With it, a second session signs in and is revoked over HTTPS.
    sign_in(&common, "tls@example.com");
    assert!(run(&[&["logout"], &common[..]].concat()).status.success());
    assert_eq!(emu.stats().revoke, 1);

    // A file that is not a certificate is a usage error, before any request.
    let not_pem = dir.join("not-a-ca.txt");
    std::fs::write(&not_pem, "not a certificate").expect("write");
    let bad =
        run(&[&["token"], &plain[..], &["--ca-file", &not_pem.display().to_string()][..]].concat());
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no CERTIFICATE"));
    let _ = std::fs::remove_dir_all(dir);
}
