//! Hostile input against the emulator (security checklist): deep JSON nesting, huge numbers,
//! invalid UTF-8, a 1 MiB header, and a slow-loris connection each get a 4xx or a closed
//! connection, and the server keeps serving real clients throughout.
//!
//! Bodies and the real clients' requests go through the SDK's transport; the oversized heads
//! and the slow-loris connections are written by hand, since they are about bytes on the wire.

use core::net::SocketAddr;
use core::time::Duration;
use cotter::transport::{Error as _, ErrorKind, Request, Transport as _, UreqTransport};
use cotter_emulator::Emulator;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

fn emulator() -> Emulator {
    // The raw requests below send `Host: x`: allowed here, as a DNS name the emulator was told.
    Emulator::start(cotter_emulator::Config::new().with_log_outbox(false).with_allowed_host("x"))
        .expect("emulator")
}

/// Sends `request` with the transport and returns the status code of the answer, or `None` if
/// the server closed the connection without one (also acceptable for hostile input).
fn send(request: &Request<'_>) -> Option<u16> {
    let mut buf = vec![0u8; 64 * 1024];
    match UreqTransport::new().send(request, &mut buf) {
        Ok(response) => Some(response.status),
        Err(e) if matches!(e.kind(), ErrorKind::Io | ErrorKind::Protocol) => None,
        Err(e) => panic!("{} {}: {e:?}", request.method.as_str(), request.url),
    }
}

/// Sends raw bytes and returns the status code of the answer, or `None` if the server closed
/// the connection without one (also acceptable for hostile input).
fn raw(addr: SocketAddr, bytes: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    // The server may close before reading everything; a failed write is an answer too.
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    text.split(' ').nth(1).and_then(|c| c.parse().ok())
}

fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Option<u16> {
    let url = format!("http://{addr}{path}");
    let headers = [("API_KEY_ID", "cotter-dev-api-key"), ("Content-Type", "application/json")];
    send(&Request::post(&url, body).with_headers(&headers))
}

fn still_serving(addr: SocketAddr) {
    let status = send(&Request::get(&format!("http://{addr}/api/v0/token/jwks")));
    assert_eq!(status, Some(200), "the server stopped serving");
}

fn assert_4xx_or_closed(status: Option<u16>, what: &str) {
    assert!(
        status.is_none_or(|s| (400..500).contains(&s)),
        "{what}: expected a 4xx or a closed connection, got {status:?}"
    );
}

#[test]
fn hostile_bodies_get_4xx() {
    let emu = emulator();
    let addr = emu.local_addr();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
    let huge_number =
        format!(r#"{{"grant_type":"refresh_token","refresh_token":1{}}}"#, "0".repeat(10_000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("deep array", deep.into_bytes()),
        ("deep object", deep_obj.into_bytes()),
        ("huge number", huge_number.into_bytes()),
        ("invalid utf-8", b"{\"refresh_token\":\"\xff\xfe\xfd\"}".to_vec()),
        ("lone surrogate", br#"{"refresh_token":"\ud800"}"#.to_vec()),
        ("nul bytes", b"{\"refresh_token\":\"a\0b\"}".to_vec()),
    ];
    for path in [
        "/api/v0/token/cotter-dev-api-key",
        "/api/v0/verify/get_identity?oauth_token=true",
        "/api/v0/user/create",
        "/dev/clock",
    ] {
        for (what, body) in &bodies {
            assert_4xx_or_closed(post(addr, path, body), &format!("{what} to {path}"));
            still_serving(addr);
        }
    }
}

#[test]
fn a_one_mib_header_is_refused() {
    let emu = emulator();
    let addr = emu.local_addr();
    let mut req = b"GET /api/v0/token/jwks HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    req.extend(core::iter::repeat_n(b'a', 1 << 20));
    req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    assert_4xx_or_closed(raw(addr, &req), "1 MiB header line");
    let many: String = (0..5_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let req =
        format!("GET /api/v0/token/jwks HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n");
    assert_4xx_or_closed(raw(addr, req.as_bytes()), "5 000 headers");
    still_serving(addr);
}

#[test]
fn slow_loris_connections_do_not_starve_real_clients() {
    let emu = emulator();
    let addr = emu.local_addr();
    // Forty connections that send a partial request line and then trickle nothing.
    let mut lorises: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            let _ = s.write_all(b"GET /api/v0/token/jwks HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            s
        })
        .collect();
    // A real client is still served promptly while they hang.
    let started = Instant::now();
    still_serving(addr);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "served only after {:?}",
        started.elapsed()
    );
    // The server eventually drops the idle ones (a closed connection reads 0 bytes).
    std::thread::sleep(Duration::from_secs(7));
    let mut closed = 0;
    for s in &mut lorises {
        s.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
        let mut buf = [0u8; 512];
        if s.read(&mut buf).is_ok() {
            closed += 1;
        }
    }
    println!("slow-loris: {closed} of 40 idle connections closed or answered by the server");
    assert_eq!(closed, 40, "idle partial requests must be timed out");
    still_serving(addr);
}
