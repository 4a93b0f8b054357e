//! Injected faults on the wire (`POST /dev/fail`), read with raw sockets: each kind really happens
//! (a 503 with the given body and headers, a delay, a TCP reset, a FIN without a byte, half a body,
//! a body that is not JSON), `times`/`count`/`null`, the method filter, `GET`/`DELETE /dev/fail`, and
//! the request journal (`GET /dev/requests?since=N`).

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use core::time::Duration;
use serde_json::{Value, json};
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Instant;

const JWKS: &str = "/api/v0/token/jwks";

fn fail(emu: &cotter_emulator::Emulator, body: &Value) -> Resp {
    post_json(emu, "/dev/fail", body)
}

/// Sends `GET target` on a fresh socket and reads until EOF or error: the bytes and how it ended.
fn raw_get(emu: &cotter_emulator::Emulator, target: &str) -> (Vec<u8>, Option<ErrorKind>) {
    let addr = emu.local_addr();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (bytes, None),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => return (bytes, Some(e.kind())),
        }
    }
}

#[test]
fn status_fault_with_body_headers_and_the_old_count() {
    let emu = start();
    // Today's body keeps working.
    assert_eq!(fail(&emu, &json!({"prefix": JWKS, "status": 503, "count": 1})).status, 200);
    let resp = get(&emu, JWKS);
    assert_eq!(resp.status, 503);
    assert_eq!(resp.json()["type"], "injected_failure");
    assert!(!resp.text().contains("not valid"));
    assert_eq!(get(&emu, JWKS).status, 200, "count 1: once");
    // A body and headers of the test's choosing.
    let fault = json!({"prefix": JWKS, "status": 429, "body": {"msg": "slow down"},
                       "headers": {"Retry-After": "7"}, "times": 2});
    assert_eq!(fail(&emu, &fault).status, 200);
    for _ in 0..2 {
        let (bytes, end) = raw_get(&emu, JWKS);
        let text = String::from_utf8_lossy(&bytes);
        assert!(end.is_none(), "{end:?}");
        assert!(text.starts_with("HTTP/1.1 429 "), "{text}");
        assert!(text.contains("\r\nRetry-After: 7\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n{\"msg\":\"slow down\"}"), "{text}");
    }
    assert_eq!(get(&emu, JWKS).status, 200);
    // A text body with its own content type.
    let fault = json!({"prefix": JWKS, "status": 502, "body": "<html>bad gateway</html>",
                       "headers": {"Content-Type": "text/html"}});
    fail(&emu, &fault);
    let resp = get(&emu, JWKS);
    assert_eq!((resp.status, resp.text().as_str()), (502, "<html>bad gateway</html>"));
    assert_eq!(resp.header("content-type"), Some("text/html"));
    // Invalid faults are refused with 400 and change nothing.
    for bad in [
        json!({"prefix": JWKS, "status": 200}),
        json!({"prefix": JWKS, "kind": "delay"}),
        json!({"prefix": JWKS, "kind": "nonsense"}),
        json!({"prefix": JWKS, "status": 500, "headers": {"Content-Length": "3"}}),
    ] {
        assert_eq!(fail(&emu, &bad).status, 400, "{bad}");
    }
    assert_eq!(get(&emu, "/dev/fail").json(), json!([]));
}

#[test]
fn delay_then_the_normal_answer() {
    let emu = start();
    fail(&emu, &json!({"prefix": JWKS, "kind": "delay", "delay_ms": 400}));
    let started = Instant::now();
    let resp = get(&emu, JWKS);
    let waited = started.elapsed();
    assert_eq!(resp.status, 200);
    assert!(resp.json()["keys"].is_array());
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    let quick = Instant::now();
    get(&emu, JWKS);
    assert!(quick.elapsed() < Duration::from_millis(400));
}

#[test]
fn reset_is_a_tcp_rst() {
    let emu = start();
    fail(&emu, &json!({"prefix": JWKS, "kind": "reset"}));
    let (bytes, end) = raw_get(&emu, JWKS);
    assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(end, Some(ErrorKind::ConnectionReset), "a reset, not a clean close");
    assert_eq!(get(&emu, JWKS).status, 200, "once");
}

#[test]
fn close_is_a_fin_without_a_byte() {
    let emu = start();
    fail(&emu, &json!({"prefix": JWKS, "kind": "close"}));
    let (bytes, end) = raw_get(&emu, JWKS);
    assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(end, None, "a clean end of stream, not a reset");
}

#[test]
fn truncate_sends_half_the_body_then_closes() {
    let emu = start();
    let full = get(&emu, JWKS).body.len();
    fail(&emu, &json!({"prefix": JWKS, "kind": "truncate"}));
    let (bytes, end) = raw_get(&emu, JWKS);
    assert_eq!(end, None);
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(head.contains(&format!("Content-Length: {full}\r\n")), "{head}");
    assert_eq!(body.len(), full / 2, "half of {full} bytes");
    assert!(serde_json::from_str::<Value>(body).is_err());
}

#[test]
fn malformed_json_is_not_json() {
    let emu = start();
    fail(&emu, &json!({"prefix": JWKS, "kind": "malformed_json"}));
    let resp = get(&emu, JWKS);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err(), "{}", resp.text());
}

#[test]
fn times_null_method_filter_list_and_clear() {
    let emu = start();
    let fault = json!({"prefix": "/api/v0/token/", "method": "POST", "status": 500, "times": null});
    let listed = fail(&emu, &fault).json();
    assert_eq!(listed["fault"]["times"], Value::Null);
    assert_eq!(get(&emu, JWKS).status, 200, "a GET does not match a POST fault");
    for _ in 0..3 {
        let resp = post_json(&emu, &format!("/api/v0/token/{KEY}"), &json!({}));
        assert_eq!(resp.status, 500);
    }
    let list = get(&emu, "/dev/fail").json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["applied"], 3);
    assert_eq!(list[0]["kind"], "status");
    let resp = send(emu.local_addr(), "DELETE", "/dev/fail", &[], None);
    assert_eq!(resp.json()["cleared"], 1);
    assert_eq!(get(&emu, "/dev/fail").json(), json!([]));
    let resp = post_json(&emu, &format!("/api/v0/token/{KEY}"), &json!({}));
    assert_eq!(resp.status, 400, "the real answer again (no grant_type)");
    // `/dev/` itself is never faulted, so faults can always be cleared.
    fail(&emu, &json!({"prefix": "/", "kind": "reset", "times": null}));
    assert_eq!(get(&emu, "/dev/fail").status, 200);
    emu.clear_faults();
    assert_eq!(get(&emu, JWKS).status, 200);
}

#[test]
fn the_request_journal() {
    let emu = start();
    get(&emu, JWKS);
    fail(&emu, &json!({"prefix": JWKS, "kind": "reset"}));
    let _ = raw_get(&emu, JWKS);
    fail(&emu, &json!({"prefix": "/api/v0/token", "status": 503}));
    post_json(&emu, &format!("/api/v0/token/{KEY}"), &json!({"grant_type": "refresh_token"}));
    let all = get(&emu, "/dev/requests").json();
    let all = all.as_array().unwrap();
    let first = &all[0];
    assert_eq!((first["method"].as_str(), first["path"].as_str()), (Some("GET"), Some(JWKS)));
    assert_eq!(first["status"], 200);
    assert!(first["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(first["fault"], Value::Null);
    let reset = all.iter().find(|e| e["fault"] == "reset").unwrap();
    assert_eq!(reset["status"], Value::Null, "no status went out");
    let refused = all.last().unwrap();
    assert_eq!(refused["path"], format!("/api/v0/token/{KEY}"));
    assert_eq!(
        (refused["status"].as_u64(), refused["fault"].as_str()),
        (Some(503), Some("status"))
    );
    assert_eq!(refused["api_key"], KEY, "the key named in the path");
    assert!(all.iter().all(|e| e["path"] != "/dev/requests"));
    // `since` lists only newer entries.
    let last = refused["id"].as_u64().unwrap();
    get(&emu, "/api/v0/user?identifier=a%40b.c");
    let newer = get(&emu, &format!("/dev/requests?since={last}")).json();
    assert_eq!(newer.as_array().unwrap().len(), 1);
    assert_eq!(newer[0]["path"], "/api/v0/user", "the query is not journaled");
    assert_eq!(newer[0]["api_key"], KEY);
    assert_eq!(get(&emu, "/dev/requests?since=x").status, 400);
}
