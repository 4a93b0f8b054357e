//! The `Host` check against DNS rebinding: a web page whose name was rebound to 127.0.0.1 sends its own
//! name in `Host`, so only the emulator's loopback addresses (with its port) and the configured
//! `--allowed-host` names are served; everything else, a missing `Host` included, gets 421.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use cotter_emulator::{Config, Emulator, Error};

/// `GET /dev/outbox` with `Host: host`, written by hand (a client library writes its own `Host`).
fn outbox_as(emu: &Emulator, host: &str) -> Resp {
    raw_send(emu.local_addr(), "GET", "/dev/outbox", &[("Host", host)], None)
}

fn assert_misdirected(resp: &Resp, what: &str) {
    assert_eq!(resp.status, 421, "{what}: {}", resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"), "{what}");
    assert_eq!(resp.header("connection"), Some("close"), "{what}");
    let body = resp.json();
    assert_eq!(body["type"], "misdirected_request", "{what}: {body}");
    assert!(body["msg"].as_str().unwrap().contains("Host"), "{what}: {body}");
    assert!(!resp.text().contains("otp"), "{what}: the outbox leaked: {}", resp.text());
}

#[test]
fn loopback_names_with_the_listening_port_are_served() {
    let emu = start();
    let port = emu.local_addr().port();
    sign_in(&emu, "host@example.com");
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let resp = outbox_as(&emu, &host);
        assert_eq!(resp.status, 200, "{host}: {}", resp.text());
        assert!(resp.text().contains("host@example.com"), "{host}");
    }
}

#[test]
fn a_rebound_or_missing_host_gets_421_and_counts_as_rejected() {
    let emu = start();
    let port = emu.local_addr().port();
    sign_in(&emu, "victim@example.com");
    let before = emu.stats();
    let refused = [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        format!("127.0.0.1:{port}0"),
        format!("127.0.0.1:+{port}"),
        format!("127.0.0.1:{port}:{port}"),
        format!("user@127.0.0.1:{port}"),
        format!("127.0.0.1:{port}/"),
        format!("[::1]x:{port}"),
        format!("::1:{port}"),
        format!("0.0.0.0:{port}"),
        format!("127.1:{port}"),
        String::new(),
    ];
    for host in &refused {
        assert_misdirected(&outbox_as(&emu, host), &format!("Host {host:?}"));
    }
    // No Host at all (HTTP/1.1 and HTTP/1.0).
    let addr = emu.local_addr();
    for request in [
        &b"GET /dev/outbox HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
        b"GET /dev/outbox HTTP/1.0\r\n\r\n",
    ] {
        let resp = raw(addr, request).expect("an answer");
        assert_misdirected(&resp, &String::from_utf8_lossy(request));
    }
    // Every endpoint is guarded, not only the dev controls.
    let body = br#"{"grant_type":"refresh_token","refresh_token":"1:x"}"#;
    let resp = raw_send(
        addr,
        "POST",
        &format!("/api/v0/token/{KEY}"),
        &[("Host", "evil.example")],
        Some(body),
    );
    assert_misdirected(&resp, "refresh");
    let after = emu.stats();
    let expected = refused.len() as u64 + 3;
    assert_eq!(after.rejected - before.rejected, expected, "{after:?}");
    assert_eq!(after.total, before.total, "refused requests reach no endpoint: {after:?}");
    assert_eq!(after.dev, before.dev);
    assert_eq!(after.refresh, before.refresh);
    // The server keeps serving the right name.
    assert_eq!(get(&emu, "/dev/outbox").status, 200);
}

#[test]
fn two_host_fields_are_a_bad_request() {
    let emu = start();
    let addr = emu.local_addr();
    let request = format!("GET /dev/outbox HTTP/1.1\r\nHost: {addr}\r\nHost: evil.example\r\n\r\n");
    let resp = raw(addr, request.as_bytes()).expect("an answer");
    assert_eq!(resp.status, 400, "{}", resp.text());
    let request = format!("GET /dev/outbox HTTP/1.1\r\nHost: evil.example\r\nhost: {addr}\r\n\r\n");
    assert_eq!(raw(addr, request.as_bytes()).expect("an answer").status, 400);
}

#[test]
fn allowed_hosts_with_and_without_a_port() {
    let emu = Emulator::start(
        Config::new()
            .with_log_outbox(false)
            .with_allowed_host("firmware.local")
            .with_allowed_host("Box.Test:8080")
            .with_allowed_host("127.0.0.1"),
    )
    .unwrap();
    let port = emu.local_addr().port();
    for host in [
        "firmware.local".to_owned(),
        "FIRMWARE.local:1234".to_owned(),
        format!("firmware.local:{port}"),
        "box.test:8080".to_owned(),
        // What the firmware sends: its base URL is `http://127.0.0.1/api/v0`, the UART bridge is the
        // connection.
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
    ] {
        assert_eq!(outbox_as(&emu, &host).status, 200, "{host}");
    }
    for host in ["box.test", "box.test:8081", "sub.firmware.local", "firmware.local.", "localhost"]
    {
        assert_misdirected(&outbox_as(&emu, host), host);
    }
}

#[test]
fn malformed_allowed_hosts_are_refused_at_start() {
    for bad in ["", "a/b", "evil.example:port", "a b", "x:99999", "user@host", "http://x", "[::1"] {
        let started = Emulator::start(Config::new().with_log_outbox(false).with_allowed_host(bad));
        assert!(matches!(started, Err(Error::InvalidConfig(_))), "{bad:?}: {started:?}");
    }
    let ok = Emulator::start(
        Config::new()
            .with_log_outbox(false)
            .with_allowed_host("[::1]")
            .with_allowed_host("h-1.x_y:80"),
    );
    assert!(ok.is_ok(), "{ok:?}");
}
