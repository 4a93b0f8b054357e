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

#[test]
fn login_token_whoami_logout() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let api = emu.api_base();
    let dir = std::env::temp_dir().join(format!("login-cli-{}", std::process::id()));
    let store = format!("file:{}", dir.join("session").display());
    let common =
        ["--base-url", api.as_str(), "--api-key", "cotter-dev-api-key", "--store", store.as_str()];

    let mut child = Command::new(bin())
        .arg("login")
        .args(common)
        .args(["--no-browser", "--email", "lin@example.com"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("read") > 0, "login exited early");
        if line.starts_with("http://") {
            break line.trim().to_owned();
        }
    };
    let redirect = browser::complete_login(&url, "lin@example.com").expect("user signs in");
    let rest = redirect.strip_prefix("http://").expect("http");
    let (authority, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = std::net::TcpStream::connect(authority).expect("loopback listener");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut page = String::new();
    s.read_to_string(&mut page).expect("page");
    assert!(page.contains("Signed in"), "{page}");
    assert!(child.wait().expect("wait").success());

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
