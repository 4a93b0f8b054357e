//! `UreqTransport` against the loopback test server.
#![cfg(feature = "ureq")]

mod common;

use common::server::{BIG, Reply, Server, response};
use core::time::Duration;
use cotter_transport::{
    Error as _, ErrorKind, Method, Request, Transport, UreqConfig, UreqError, UreqTransport,
};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Instant;

fn transport() -> UreqTransport {
    UreqTransport::with_config(
        UreqConfig::new()
            .connect_timeout(Duration::from_millis(300))
            .timeout(Duration::from_millis(300)),
    )
}

fn kind<T: core::fmt::Debug>(result: Result<T, UreqError>) -> ErrorKind {
    result.expect_err("expected an error").kind()
}

#[test]
fn ok_with_body() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    let url = server.url("/ok");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"hello");
    assert!(resp.is_success());
}

#[test]
fn error_statuses_are_responses_with_bodies() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    let url = server.url("/json-404");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!((resp.status, resp.body), (404, &br#"{"msg":"not found","type":""}"#[..]));
    let url = server.url("/json-500");
    let resp = t.send(&Request::post(&url, b"{}"), &mut buf).unwrap();
    assert_eq!((resp.status, resp.body), (500, &br#"{"msg":"boom","type":"server"}"#[..]));
}

#[test]
fn redirect_is_returned_not_followed() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    let url = server.url("/redirect");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!(resp.status, 302);
    assert_eq!(resp.body, b"moved");
    let paths: Vec<_> = server.requests().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(paths, ["/redirect"], "the redirect must not be followed");
}

#[test]
fn connection_refused_is_connect() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let mut buf = [0u8; 16];
    assert_eq!(kind(transport().send(&Request::get(&url), &mut buf)), ErrorKind::Connect);
}

#[test]
fn stalled_server_times_out_in_time() {
    let server = Server::start();
    let url = server.url("/stall");
    let mut buf = [0u8; 16];
    let start = Instant::now();
    let err = transport().send(&Request::get(&url), &mut buf).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(elapsed >= Duration::from_millis(250), "fired early: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "fired late: {elapsed:?}");
}

#[test]
fn body_stalled_midway_times_out() {
    // Head and half the body arrive, then nothing: the overall limit covers the body too.
    let server = Server::with_handler(|_| {
        Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf!".to_vec())
    });
    let url = server.url("/");
    let mut buf = [0u8; 16];
    let start = Instant::now();
    assert_eq!(kind(transport().send(&Request::get(&url), &mut buf)), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_millis(1500));
}

#[test]
fn oversized_response_is_refused() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 1024];
    for path in ["/big", "/big-chunked"] {
        let url = server.url(path);
        let err = t.send(&Request::get(&url), &mut buf).unwrap_err();
        assert!(matches!(err, UreqError::ResponseTooLarge { capacity: 1024 }), "{path}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::ResponseTooLarge);
    }
    // Exactly the buffer's size fits, with and without chunking.
    let mut exact = vec![0u8; BIG];
    let url = server.url("/big");
    assert_eq!(t.send(&Request::get(&url), &mut exact).unwrap().body.len(), BIG);
    let url = server.url("/big-chunked");
    assert_eq!(t.send(&Request::get(&url), &mut exact).unwrap().body, &[b'y'; BIG][..]);
    // The transport is still usable.
    let url = server.url("/ok");
    assert_eq!(t.send(&Request::get(&url), &mut buf).unwrap().body, b"hello");
}

#[test]
fn plain_http_to_remote_host_refused_before_connecting() {
    let mut t = UreqTransport::new();
    let mut buf = [0u8; 16];
    let start = Instant::now();
    // Only names under `.invalid` (RFC 2606): were the check broken, nothing could be reached.
    for url in [
        "http://example.invalid/",
        "http://localhost.invalid/",
        "http://127.0.0.1.invalid:8080/api",
        "HTTP://EXAMPLE.INVALID/",
    ] {
        let err = t.send(&Request::get(url), &mut buf).unwrap_err();
        assert!(matches!(err, UreqError::InsecureUrl), "{url}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::InsecureUrl);
    }
    assert!(start.elapsed() < Duration::from_millis(100), "no connection may be tried");
    for url in ["example.invalid/", "ftp://example.invalid/", "http://user@127.0.0.1/"] {
        assert_eq!(kind(t.send(&Request::get(url), &mut buf)), ErrorKind::InvalidUrl, "{url}");
    }
}

#[test]
fn localhost_names_are_allowed_over_http() {
    let server = Server::start();
    let port = server.addr.port();
    let mut t = transport();
    let mut buf = [0u8; 16];
    let url = format!("http://localhost:{port}/ok");
    assert_eq!(t.send(&Request::get(&url), &mut buf).unwrap().body, b"hello");
}

#[test]
fn keep_alive_reuses_one_connection() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    for path in ["/ok", "/json-404", "/chunked", "/ok"] {
        let url = server.url(path);
        t.send(&Request::get(&url), &mut buf).unwrap();
    }
    assert_eq!(server.requests().len(), 4);
    assert_eq!(server.accepted(), 1, "all requests must share one connection");
}

#[test]
fn header_case_is_preserved_and_body_sent() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    let url = server.url("/echo");
    let headers = [("API_KEY_ID", "key-123"), ("Content-Type", "application/json")];
    let req = Request::post(&url, br#"{"a":1}"#).with_headers(&headers);
    let resp = t.send(&req, &mut buf).unwrap();
    assert_eq!(resp.body, br#"{"a":1}"#);
    let head = &server.requests()[0].head;
    assert!(head.starts_with("POST /echo HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("\r\nAPI_KEY_ID: key-123\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Type: application/json\r\n"), "{head}");
}

#[test]
fn methods_and_bodies() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 64];
    let url = server.url("/echo");
    for method in [Method::Get, Method::Post, Method::Put, Method::Delete] {
        let body: &[u8] = if method == Method::Get { b"" } else { b"payload" };
        let resp = t.send(&Request::new(method, &url).with_body(body), &mut buf).unwrap();
        assert_eq!(resp.body, body, "{method}");
    }
    let methods: Vec<_> =
        server.requests().iter().map(|r| r.head.split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(methods, ["GET", "POST", "PUT", "DELETE"]);
}

#[test]
fn bad_headers_are_refused_before_sending() {
    let server = Server::start();
    let mut t = transport();
    let mut buf = [0u8; 16];
    let url = server.url("/ok");
    for headers in [
        &[("X-Bad", "a\r\nInjected: 1")][..],
        &[("Bad Name", "v")],
        &[("", "v")],
        &[("Host", "evil.example")],
        &[("content-length", "5")],
        &[("Transfer-Encoding", "chunked")],
    ] {
        let req = Request::get(&url).with_headers(headers);
        assert_eq!(kind(t.send(&req, &mut buf)), ErrorKind::InvalidRequest, "{headers:?}");
    }
    assert_eq!(server.accepted(), 0);
}

#[test]
fn https_to_a_plain_http_server_is_a_tls_error() {
    // A server that answers the ClientHello with plain HTTP.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = stream.read(&mut [0u8; 512]);
        let _ = stream.write_all(&response("400 Bad Request", "", b"plain http"));
        std::thread::sleep(Duration::from_millis(500));
    });
    let mut buf = [0u8; 16];
    let err = transport().send(&Request::get(&url), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
}

#[test]
fn cache_control_and_retry_after_reach_the_response() {
    use cotter_transport::{CacheControl, RetryAfter};
    let server = Server::with_handler(|_| {
        Reply::Send(
            b"HTTP/1.1 429 Too Many Requests\r\nCache-Control: max-age=120\r\n\
Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
        )
    });
    let mut buf = [0u8; 16];
    let resp = transport().send(&Request::get(&server.url("/")), &mut buf).unwrap();
    assert_eq!(resp.status, 429);
    let cc = CacheControl { max_age: Some(120), ..CacheControl::default() };
    assert_eq!(resp.headers.cache_control, Some(cc));
    assert_eq!(resp.headers.retry_after, Some(RetryAfter::At(784_111_777)));
}

/// `TrustedRoots::with_ca_pem` takes only PEM with a certificate in it (the end-to-end HTTPS
/// tests, against the emulator's CA, are in the workspace's `tests` crate: `tests/tests/tls.rs`).
#[cfg(feature = "rustls")]
mod trusted_roots {
    use cotter_transport::{CaError, TrustedRoots};

    // A self-signed P-256 certificate (CN=cotter-rs test CA), made once with
    // `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650`.
    const CA_PEM: &[u8] = include_bytes!("data/test-ca.pem");

    #[test]
    fn a_certificate_is_added_beside_or_instead_of_the_web_pki() {
        assert_eq!(TrustedRoots::web_pki().added(), 0);
        assert_eq!(TrustedRoots::web_pki().with_ca_pem(CA_PEM).unwrap().added(), 1);
        let two = TrustedRoots::none().with_ca_pem(CA_PEM).unwrap().with_ca_pem(CA_PEM).unwrap();
        assert_eq!(two.added(), 2);
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let key = b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        for pem in [&b""[..], b"not pem at all", key] {
            let err = TrustedRoots::web_pki().with_ca_pem(pem).unwrap_err();
            assert!(matches!(err, CaError::NoCertificate | CaError::InvalidPem), "{err:?}");
        }
        assert_eq!(TrustedRoots::none().with_ca_pem(b"").unwrap_err(), CaError::NoCertificate);
    }

    #[test]
    fn broken_base64_is_invalid_pem() {
        let pem = b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
        assert_eq!(TrustedRoots::web_pki().with_ca_pem(pem).unwrap_err(), CaError::InvalidPem);
    }

    #[test]
    fn debug_names_the_counts_only() {
        let roots = TrustedRoots::web_pki().with_ca_pem(CA_PEM).unwrap();
        assert_eq!(format!("{roots:?}"), "TrustedRoots { web_pki: true, added: 1 }");
    }
}
