//! HTTP server behaviour: idle keep-alive connections give their worker up to waiting connections, more
//! concurrent clients than workers are all served, `HEAD` works, and `Debug` of the handle shows no secrets.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use core::time::Duration;
use std::time::Instant;

#[test]
fn idle_keep_alive_connections_do_not_starve_new_ones() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_workers(2).with_log_outbox(false),
    )
    .unwrap();
    let addr = emu.local_addr();
    // Pin both workers with kept-alive, idle connections (written by hand: whether a client library
    // keeps its connections open is its own choice).
    let request = format!("GET /api/v0/token/jwks HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let idle = |_| {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut reader = std::io::BufReader::new(stream);
        std::io::Write::write_all(reader.get_mut(), request.as_bytes()).unwrap();
        assert_eq!(read_response(&mut reader).unwrap().status, 200);
        reader
    };
    let _pinned: Vec<_> = (0..2).map(idle).collect();
    let started = Instant::now();
    let resp = send(addr, "GET", "/api/v0/token/jwks", &[], None);
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "waited {:?}", started.elapsed());
}

#[test]
fn many_concurrent_clients_are_served() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_workers(4).with_log_outbox(false),
    )
    .unwrap();
    let addr = emu.local_addr();
    let handles: Vec<_> = (0..24)
        .map(|_| {
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| send(addr, "GET", "/api/v0/token/jwks", &[], None).status)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(emu.stats().jwks, 240);
}

#[test]
fn head_requests_and_debug_output() {
    let emu = start();
    let mut stream = std::net::TcpStream::connect(emu.local_addr()).unwrap();
    let request = format!(
        "HEAD /api/v0/token/jwks HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        emu.local_addr()
    );
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stream, &mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(body.is_empty(), "a HEAD response has no body");
    let length = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap();
    assert!(length.parse::<usize>().unwrap() > 0);
    let debug = format!("{emu:?}");
    assert!(debug.contains("127.0.0.1") && !debug.contains("secret"), "{debug}");
}
