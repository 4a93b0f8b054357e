//! Bad input: over a thousand generated malformed requests, each answered with a 4xx JSON error, with the
//! server still serving after every one of them.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use core::net::SocketAddr;
use serde_json::{Value, json};

/// xorshift64*: a tiny deterministic generator for the test cases.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// (method, path, valid body, required fields)
fn endpoints() -> Vec<(&'static str, String, Value, Vec<&'static str>)> {
    vec![
        (
            "POST",
            "/api/v0/verify/get_identity?oauth_token=true".into(),
            json!({"code_verifier": "v", "authorization_code": "c", "challenge_id": 1, "redirect_url": REDIRECT}),
            vec!["code_verifier", "authorization_code", "challenge_id", "redirect_url"],
        ),
        (
            "POST",
            format!("/api/v0/token/{KEY}"),
            json!({"grant_type": "refresh_token", "refresh_token": "1:abc"}),
            vec!["grant_type", "refresh_token"],
        ),
        (
            "POST",
            "/api/v0/token".into(),
            json!({"grant_type": "refresh_token", "refresh_token": "1:abc"}),
            vec!["grant_type", "refresh_token"],
        ),
        (
            "POST",
            "/api/v0/user/create".into(),
            json!({"identifier": "x@example.com"}),
            vec!["identifier"],
        ),
        (
            "PUT",
            "/api/v0/user/methods?cotter_user_id=nobody".into(),
            json!({"method": "TRUSTED_DEVICE", "enrolled": true, "code": "AAAA", "algorithm": "EC"}),
            vec!["method", "enrolled", "code"],
        ),
        (
            "POST",
            "/api/v0/event/create?oauth_token=true".into(),
            json!({"issuer": KEY, "event": "LOGIN", "timestamp": "1", "method": "TRUSTED_DEVICE", "approved": true, "code": "x", "public_key": "y", "client_user_id": "u"}),
            vec!["issuer", "event", "timestamp", "method", "approved"],
        ),
        (
            "POST",
            "/api/v0/event/create_pending".into(),
            json!({"issuer": KEY, "event": "LOGIN", "timestamp": "1", "method": "TRUSTED_DEVICE", "client_user_id": "u"}),
            vec!["issuer", "event", "timestamp", "method", "client_user_id"],
        ),
        (
            "POST",
            "/api/v0/event/respond/1".into(),
            json!({"issuer": KEY, "event": "LOGIN", "timestamp": "1", "method": "TRUSTED_DEVICE", "approved": true, "client_user_id": "u"}),
            vec!["issuer", "event", "timestamp", "method"],
        ),
        ("POST", "/dev/clock".into(), json!({"advance": 0}), vec!["advance"]),
    ]
}

/// A body that must be rejected: truncated, type-confused, field removed, non-UTF-8, garbage or too deep.
fn malformed_body(rng: &mut Gen, valid: &Value, required: &[&str]) -> Vec<u8> {
    let text = serde_json::to_vec(valid).unwrap();
    match rng.below(7) {
        0 => text[..1 + rng.below(text.len() - 1)].to_vec(),
        1 => {
            let mut v = valid.clone();
            let field = required[rng.below(required.len())];
            let wrong = [
                json!(12345),
                json!([1, 2]),
                json!({"a": 1}),
                json!(true),
                json!(-1.5),
                json!("str"),
            ];
            // Pick a replacement of a different JSON type than the original (strings never stand for bools etc.).
            let original = v[field].clone();
            let replacement = wrong
                .iter()
                .cycle()
                .skip(rng.below(wrong.len()))
                .find(|w| core::mem::discriminant(*w) != core::mem::discriminant(&original))
                .unwrap()
                .clone();
            v[field] = replacement;
            serde_json::to_vec(&v).unwrap()
        }
        2 => {
            let mut v = valid.clone();
            v.as_object_mut().unwrap().remove(required[rng.below(required.len())]);
            serde_json::to_vec(&v).unwrap()
        }
        3 => {
            // Invalid UTF-8 inside the first string value.
            let at = text.iter().position(|&b| b == b':').unwrap() + 2;
            let mut bytes = text.clone();
            bytes.splice(at..at, [0xff, 0xfe, 0xc0]);
            bytes
        }
        4 => {
            let mut bytes = vec![b'x'];
            let n = rng.below(200);
            bytes.extend(rng.bytes(n));
            bytes
        }
        5 => {
            let depth = 200 + rng.below(5000);
            let mut bytes = vec![b'['; depth];
            bytes.extend(vec![b']'; depth]);
            bytes
        }
        _ => {
            let scalars: [&[u8]; 5] = [b"null", b"42", b"\"text\"", b"[]", b"true"];
            scalars[rng.below(scalars.len())].to_vec()
        }
    }
}

fn assert_json_error(resp: &Resp, context: &str) {
    assert!((400..500).contains(&resp.status), "{context}: status {} {}", resp.status, resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"), "{context}");
    let body = resp.json();
    assert!(body["msg"].is_string() && body["type"].is_string(), "{context}: {body}");
}

/// Malformed HTTP: bad request lines, header fields, lengths, methods, oversized heads and bodies.
fn malformed_http(rng: &mut Gen) -> Vec<u8> {
    match rng.below(12) {
        0 => {
            let n = 1 + rng.below(60);
            let mut line: Vec<u8> = rng.bytes(n).into_iter().map(|b| if b == b'\n' { b'x' } else { b }).collect();
            line.extend(b"\r\n\r\n");
            line
        }
        1 => b"GET /api/v0/token/jwks\r\n\r\n".to_vec(),
        2 => b"GET no-slash HTTP/1.1\r\n\r\n".to_vec(),
        3 => b"GET /x HTTP/1.1\r\nBad Header Name: 1\r\n\r\n".to_vec(),
        4 => format!("POST /api/v0/token/{KEY} HTTP/1.1\r\nContent-Length: {}x\r\n\r\n", rng.below(100)).into_bytes(),
        5 => format!("POST /api/v0/token/{KEY} HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd").into_bytes(),
        6 => {
            let mut r = format!("POST /api/v0/token/{KEY} HTTP/1.1\r\nContent-Length: {}\r\n\r\n", 65_537 + rng.below(10_000)).into_bytes();
            r.extend(vec![b'{'; 70_000]);
            r
        }
        7 => {
            let mut r = b"GET /".to_vec();
            r.extend(vec![b'a'; 9000 + rng.below(1000)]);
            r.extend(b" HTTP/1.1\r\n\r\n");
            r
        }
        8 => format!("POST /api/v0/token/{KEY} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").into_bytes(),
        9 => {
            let second = ["chunked", "identity", "gzip", ""][rng.below(4)];
            format!("POST /dev/clock HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: {second}\r\n\r\n0\r\n\r\n").into_bytes()
        }
        10 => {
            let sign = ["+", "-"][rng.below(2)];
            let size = ["0", "d", "D", "00d"][rng.below(4)];
            format!("POST /dev/clock HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{sign}{size}\r\n{{\"advance\":0}}\r\n0\r\n\r\n").into_bytes()
        }
        _ => format!("GET /api/v0/token/jwks HTTP/1.1\r\nX: {}\u{1}\r\n\r\n", rng.below(9)).into_bytes(),
    }
}

fn still_serving(addr: SocketAddr) {
    let resp = send(addr, "GET", "/api/v0/token/jwks", &[], None);
    assert_eq!(resp.status, 200, "server stopped serving");
}

#[test]
fn thousands_of_malformed_requests_get_json_4xx_and_the_server_survives() {
    let emu = start();
    let addr = emu.local_addr();
    let endpoints = endpoints();
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let endpoints = endpoints.clone();
            std::thread::spawn(move || {
                let mut rng = Gen(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                let mut client = Client::open(addr);
                let mut sent = 0usize;
                for i in 0..300 {
                    let (method, path, valid, required) = &endpoints[rng.below(endpoints.len())];
                    let body = malformed_body(&mut rng, valid, required);
                    let resp = client.send(
                        method,
                        path,
                        &[("API_KEY_ID", KEY), ("content-type", "application/json")],
                        Some(&body),
                    );
                    assert_json_error(
                        &resp,
                        &format!("{method} {path} {:?}", String::from_utf8_lossy(&body)),
                    );
                    sent += 1;
                    if i % 3 == 0 {
                        // Authentication and routing errors.
                        let valid_body = serde_json::to_vec(valid).unwrap();
                        // `/dev/` controls take no API key: only the routing errors apply there.
                        let choice =
                            if path.starts_with("/dev/") { 2 + rng.below(2) } else { rng.below(4) };
                        let resp = match choice {
                            0 => client.send(
                                method,
                                path,
                                &[("API_KEY_ID", "wrong-key")],
                                Some(&valid_body),
                            ),
                            1 => client.send(method, path, &[], Some(&valid_body)),
                            2 => client.send(
                                "GET",
                                &format!("/api/v0/nothing/{}", rng.below(1000)),
                                &[],
                                None,
                            ),
                            _ => client.send(
                                "PATCH",
                                &format!("/api/v0/token/{KEY}"),
                                &[("API_KEY_ID", KEY)],
                                Some(b"{}"),
                            ),
                        };
                        // Path-keyed refresh needs no header: a missing header there is fine (the token is unknown).
                        assert_json_error(&resp, &format!("{method} {path} auth/route"));
                        sent += 1;
                    }
                    if i % 10 == 0 {
                        let raw_request = malformed_http(&mut rng);
                        let resp = raw(addr, &raw_request).expect("an answer before close");
                        assert_json_error(
                            &resp,
                            &format!(
                                "raw {:?}",
                                String::from_utf8_lossy(&raw_request[..raw_request.len().min(80)])
                            ),
                        );
                        sent += 1;
                        still_serving(addr);
                    }
                }
                sent
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(total >= 1000, "only {total} malformed requests");

    // Half-sent requests and abrupt closes do not hurt either.
    for partial in [
        &b"POST /api/v0/token HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"gr"[..],
        b"GET /app HT",
        b"\r\n",
    ] {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        std::io::Write::write_all(&mut stream, partial).unwrap();
        drop(stream);
    }
    still_serving(addr);
    // The whole flow still works after the storm.
    let identity = sign_in(&emu, "survivor@example.com");
    let resp = refresh(&emu, identity["oauth_token"]["refresh_token"].as_str().unwrap());
    assert_eq!(resp.status, 200);
    let stats = emu.stats();
    assert!(stats.rejected >= 100, "{stats:?}");
    eprintln!("malformed requests sent: {total}; stats: {stats:?}");
}

#[test]
fn header_names_match_case_insensitively() {
    let emu = start();
    let identity = sign_in(&emu, "case@example.com");
    let token = identity["oauth_token"]["refresh_token"].as_str().unwrap();
    let body = serde_json::to_vec(&json!({"grant_type": "refresh_token", "refresh_token": token}))
        .unwrap();
    // Written by hand: a client library may change the names' case on the wire.
    let resp = raw_send(
        emu.local_addr(),
        "POST",
        "/api/v0/token",
        &[("api_key_id", KEY), ("CONTENT-TYPE", "application/json")],
        Some(&body),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
}

#[test]
fn large_but_allowed_bodies_and_chunked_encoding_work() {
    let emu = start();
    // 64 KiB exactly is allowed (and still a 400 for the unknown code, not a 413).
    let padding = "p".repeat(65_536 - 120);
    let body = json!({"code_verifier": padding, "authorization_code": "c", "challenge_id": 1, "redirect_url": "r"});
    let mut bytes = serde_json::to_vec(&body).unwrap();
    bytes.truncate(65_536);
    let resp = send(
        emu.local_addr(),
        "POST",
        "/api/v0/verify/get_identity",
        &[("API_KEY_ID", KEY)],
        Some(&bytes),
    );
    assert!(resp.status == 400, "{}", resp.status);
    // Chunked request bodies are decoded.
    let identity = sign_in(&emu, "chunked@example.com");
    let token = identity["oauth_token"]["refresh_token"].as_str().unwrap();
    let json_body =
        serde_json::to_string(&json!({"grant_type": "refresh_token", "refresh_token": token}))
            .unwrap();
    let (a, b) = json_body.split_at(10);
    let raw_request = format!(
        "POST /api/v0/token/{KEY} HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        emu.local_addr(),
        a.len(),
        b.len()
    );
    let resp = raw(emu.local_addr(), raw_request.as_bytes()).unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
}
