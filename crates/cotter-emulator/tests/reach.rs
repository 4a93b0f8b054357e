//! Reachability: `--host` (the listening address, named by the first line; a warning on stderr for
//! anything but loopback), `--public-url` (magic links, the hosted page and `GET /` name it, its
//! host passes the `Host` check), and the ready-to-paste `login` line.

#![cfg(unix)]
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use cotter_emulator::{Config, Emulator};
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};

#[test]
fn public_url_in_links_and_the_host_check() {
    let emu = Emulator::start(
        Config::new().with_public_url("http://phone.test:8080/").with_log_outbox(false),
    )
    .unwrap();
    assert_eq!(emu.base_url(), "http://phone.test:8080");
    assert!(emu.listen_url().starts_with("http://127.0.0.1:"));
    assert_eq!(emu.hosted_page_url(), "http://phone.test:8080/app");
    let index = get(&emu, "/").json();
    assert_eq!(index["api_base"], "http://phone.test:8080/api/v0");
    // A magic link names the public URL.
    let (_, challenge) = pkce("m");
    let page = get(&emu, &app_target(&challenge, "s", "&auth_method=MAGIC_LINK"));
    let login = hidden(&page.text(), "login");
    post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "m@example.com")]);
    let outbox = get(&emu, "/dev/outbox").json();
    let link = outbox[0]["magic_link"].as_str().unwrap();
    assert!(link.starts_with("http://phone.test:8080/app/magic?token="), "{link}");
    // Requests that name the public host are served; others still get 421.
    let addr = emu.local_addr();
    let served = raw_send(addr, "GET", "/api/v0/token/jwks", &[("Host", "phone.test:8080")], None);
    assert_eq!(served.status, 200);
    let refused = raw_send(addr, "GET", "/api/v0/token/jwks", &[("Host", "evil.test:8080")], None);
    assert_eq!(refused.status, 421);
    for bad in ["phone.test", "ftp://phone.test", "http://phone.test/app", "http://"] {
        assert!(Emulator::start(Config::new().with_public_url(bad)).is_err(), "{bad}");
    }
}

#[test]
fn another_loopback_address() {
    let host: core::net::IpAddr = "127.0.0.2".parse().unwrap();
    let emu = Emulator::start(Config::new().with_host(host).with_log_outbox(false)).unwrap();
    assert!(emu.base_url().starts_with("http://127.0.0.2:"), "{}", emu.base_url());
    assert_eq!(emu.local_addr().ip(), host);
    let port = emu.local_addr().port();
    let own = format!("127.0.0.2:{port}");
    assert_eq!(raw_send(emu.local_addr(), "GET", "/", &[("Host", &own)], None).status, 200);
}

fn spawn(args: &[&str]) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cotter-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let done = line.trim_start().starts_with("login:");
        lines.push(line.trim_end().to_owned());
        if done || line.is_empty() {
            break;
        }
    }
    (child, lines)
}

fn stop(mut child: std::process::Child) -> String {
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    stderr
}

#[test]
fn the_binary_names_its_address_and_prints_a_login_line() {
    let (child, lines) = spawn(&["--port", "0", "--quiet"]);
    let url = lines[0].strip_prefix("cotter-emulator listening on ").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{lines:?}");
    let login = lines.last().unwrap();
    assert_eq!(
        login.trim(),
        format!(
            "login: cargo run -p cotter-examples --example login -- --base-url {url} --api-key {KEY}"
        )
    );
    assert!(stop(child).is_empty(), "no warning on loopback");

    let (child, lines) = spawn(&[
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--quiet",
        "--public-url",
        "http://10.0.2.2:9999",
    ]);
    assert!(lines[0].starts_with("cotter-emulator listening on http://0.0.0.0:"), "{lines:?}");
    assert!(lines.iter().any(|l| l.trim() == "public url: http://10.0.2.2:9999"), "{lines:?}");
    assert!(lines.last().unwrap().contains("--base-url http://10.0.2.2:9999 "), "{lines:?}");
    let stderr = stop(child);
    assert!(
        stderr.contains("warning") && stderr.contains("reachable from the network"),
        "{stderr}"
    );
}
