//! The `cotter-emulator` binary: its first stdout line, serving, `--allowed-host`, and a clean exit on
//! SIGTERM and SIGINT.

#![cfg(unix)]
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use core::net::SocketAddr;
use core::time::Duration;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command};
use std::time::Instant;

fn spawn(args: &[&str]) -> (Child, BufReader<std::process::ChildStdout>, String) {
    common::spawn_binary(args)
}

/// Sends signal `name` with the shell's built-in `kill` (no external binary needed).
fn signal(child: &Child, name: &str) {
    let status =
        Command::new("sh").arg("-c").arg(format!("kill -{name} {}", child.id())).status().unwrap();
    assert!(status.success());
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "emulator did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn first_line_serving_and_sigterm_exit() {
    let (mut child, mut stdout, first) =
        spawn(&["--port", "0", "--seed", "3", "--token-ttl", "90"]);
    let url = first
        .trim_end()
        .strip_prefix("cotter-emulator listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"));
    let port: u16 = url.strip_prefix("http://127.0.0.1:").unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let jwks = common::send(addr, "GET", "/api/v0/token/jwks", &[], None);
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.json()["keys"][0]["kid"], cotter_emulator::DEFAULT_KID);
    // A refresh with a bogus token reaches the counters.
    let body = br#"{"grant_type":"refresh_token","refresh_token":"1:x"}"#;
    assert_eq!(
        common::send(addr, "POST", "/api/v0/token/cotter-dev-api-key", &[], Some(body)).status,
        400
    );
    assert_eq!(common::send(addr, "GET", "/dev/stats", &[], None).json()["refresh"], 1);
    // The outbox line goes to stdout.
    let app = format!(
        "/app?api_key=cotter-dev-api-key&redirect_url=http%3A%2F%2Flocalhost%3A1%2F&code_challenge=c&direct_login=true&input={}",
        common::enc("bin@example.com")
    );
    assert_eq!(common::send(addr, "GET", &app, &[], None).status, 200);
    let mut line = String::new();
    while !line.contains("outbox") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "stdout closed before the outbox line");
    }
    assert!(line.contains("bin@example.com") && line.contains("OTP"), "{line}");

    signal(&child, "TERM");
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(std::net::TcpStream::connect(addr).is_err(), "port still open after exit");
}

#[test]
fn sigint_exit_and_custom_keys() {
    let (mut child, _stdout, first) =
        spawn(&["--api-key", "k1", "--api-key=k2", "--redirect-url", "cotter://auth", "--quiet"]);
    let url = first.trim_end().strip_prefix("cotter-emulator listening on ").unwrap();
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let body = br#"{"grant_type":"refresh_token","refresh_token":"1:x"}"#;
    assert_eq!(common::send(addr, "POST", "/api/v0/token/k2", &[], Some(body)).status, 400);
    assert_eq!(
        common::send(addr, "POST", "/api/v0/token/cotter-dev-api-key", &[], Some(body)).status,
        401
    );
    signal(&child, "INT");
    assert_eq!(wait(&mut child).code(), Some(0));
}

#[test]
fn allowed_host_flag_serves_a_portless_host() {
    let (mut child, _stdout, first) =
        spawn(&["--quiet", "--allowed-host", "127.0.0.1", "--allowed-host=box.test:8080"]);
    let url = first.trim_end().strip_prefix("cotter-emulator listening on ").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{first:?}");
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let status =
        |host: &str| common::raw_send(addr, "GET", "/dev/stats", &[("Host", host)], None).status;
    // The QEMU firmware's `Host` (its base URL is `http://127.0.0.1/api/v0`), and the usual one.
    assert_eq!(status("127.0.0.1"), 200);
    assert_eq!(status(&addr.to_string()), 200);
    assert_eq!(status("box.test:8080"), 200);
    assert_eq!(status("box.test"), 421);
    assert_eq!(status("evil.example"), 421);
    let stats = common::send(addr, "GET", "/dev/stats", &[], None).json();
    assert_eq!(stats["rejected"], 2, "{stats}");
    signal(&child, "TERM");
    assert_eq!(wait(&mut child).code(), Some(0));
    // A malformed allowed host stops the start.
    let output = Command::new(env!("CARGO_BIN_EXE_cotter-emulator"))
        .args(["--allowed-host", "evil.example/x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("allowed hosts"), "{output:?}");
}

#[test]
fn bad_arguments_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_cotter-emulator"))
        .arg("--port")
        .arg("nope")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage:"));
    assert_eq!(
        Command::new(env!("CARGO_BIN_EXE_cotter-emulator"))
            .arg("--allowed-host")
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let help = Command::new(env!("CARGO_BIN_EXE_cotter-emulator")).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--allowed-host NAME"));
}

#[test]
fn closed_stdout_does_not_break_serving_or_exit() {
    let (mut child, stdout, first) = spawn(&[]);
    // A parent that reads only the first line and closes the pipe.
    drop(stdout);
    let url = first.trim_end().strip_prefix("cotter-emulator listening on ").unwrap();
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    for i in 0..20 {
        let app = format!(
            "/app?api_key=cotter-dev-api-key&redirect_url=http%3A%2F%2Flocalhost%3A1%2F&code_challenge=c&direct_login=true&input=p{i}%40example.com"
        );
        assert_eq!(common::send(addr, "GET", &app, &[], None).status, 200);
    }
    signal(&child, "TERM");
    assert_eq!(wait(&mut child).code(), Some(0));
}
