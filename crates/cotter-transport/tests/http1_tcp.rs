//! `Http1Transport` over a real `TcpStream` (wrapped as `embedded_io`) against the loopback
//! test server: the same behaviours as the ureq tests, plus chunking and connection reuse.
#![cfg(feature = "embedded-io")]

mod common;

use common::server::{BIG, Reply, Server, response};
use common::std_stream::StdStream;
use core::time::Duration;
use cotter_transport::{
    Error as _, ErrorKind, Http1Error, Http1Transport, Method, Request, Transport,
};
use std::net::TcpStream;
use std::time::Instant;

fn connect(server: &Server) -> Http1Transport<StdStream> {
    let stream = TcpStream::connect(server.addr).expect("connect to the test server");
    stream.set_read_timeout(Some(Duration::from_millis(300))).expect("set a read timeout");
    Http1Transport::new(StdStream(stream))
}

#[test]
fn statuses_bodies_and_redirects_on_one_connection() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 64];
    let cases: [(&str, u16, &[u8]); 6] = [
        ("/ok", 200, b"hello"),
        ("/json-404", 404, br#"{"msg":"not found","type":""}"#),
        ("/json-500", 500, br#"{"msg":"boom","type":"server"}"#),
        ("/redirect", 302, b"moved"),
        ("/chunked", 200, b"hello world"),
        ("/no-content", 204, b""),
    ];
    for (path, status, body) in cases {
        let url = server.url(path);
        let resp = t.send(&Request::get(&url), &mut buf).unwrap();
        assert_eq!((resp.status, resp.body), (status, body), "{path}");
    }
    // 100 Continue is skipped.
    let url = server.url("/continue");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!((resp.status, resp.body), (200, &b"ok"[..]));
    assert!(t.is_open());
    let paths: Vec<_> = server.requests().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(
        paths,
        ["/ok", "/json-404", "/json-500", "/redirect", "/chunked", "/no-content", "/continue"],
        "one request each: the redirect was not followed"
    );
    assert_eq!(server.accepted(), 1, "one connection for every request");
}

#[test]
fn large_chunked_body_decodes_into_the_buffer() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = vec![0u8; BIG];
    let url = server.url("/big-chunked");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!(resp.body, &[b'y'; BIG][..]);
}

#[test]
fn request_on_the_wire() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 64];
    let url = format!("{}?oauth_token=true", server.url("/echo"));
    let headers = [("API_KEY_ID", "key-123"), ("Content-type", "application/json")];
    let req = Request::post(&url, br#"{"a":1}"#).with_headers(&headers);
    let resp = t.send(&req, &mut buf).unwrap();
    assert_eq!(resp.body, br#"{"a":1}"#);
    let expected = format!(
        "POST /echo?oauth_token=true HTTP/1.1\r\nHost: {}\r\nAPI_KEY_ID: key-123\r\n\
         Content-type: application/json\r\nContent-Length: 7\r\n\r\n",
        server.addr
    );
    assert_eq!(server.requests()[0].head, expected);

    // GET without a body sends no Content-Length; an empty POST sends 0; DELETE with a body.
    let url = server.url("/echo");
    t.send(&Request::get(&url), &mut buf).unwrap();
    t.send(&Request::post(&url, b""), &mut buf).unwrap();
    let resp = t.send(&Request::new(Method::Delete, &url).with_body(b"x"), &mut buf).unwrap();
    assert_eq!(resp.body, b"x");
    let heads: Vec<_> = server.requests().iter().map(|r| r.head.clone()).collect();
    assert!(!heads[1].contains("Content-Length"), "{}", heads[1]);
    assert!(heads[2].contains("\r\nContent-Length: 0\r\n"), "{}", heads[2]);
    assert!(heads[3].starts_with("DELETE /echo HTTP/1.1\r\n"), "{}", heads[3]);
    assert_eq!(server.accepted(), 1);
}

#[test]
fn stalled_server_times_out_through_the_stream() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 16];
    let url = server.url("/stall");
    let start = Instant::now();
    let err = t.send(&Request::get(&url), &mut buf).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(1500));
    // The exchange broke off: the connection is given up.
    assert!(!t.is_open());
    assert!(matches!(t.send(&Request::get(&url), &mut buf), Err(Http1Error::Closed)));
}

#[test]
fn oversized_body_is_refused_and_the_connection_survives() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 1024];
    for path in ["/big", "/big-chunked"] {
        let url = server.url(path);
        let err = t.send(&Request::get(&url), &mut buf).unwrap_err();
        assert!(matches!(err, Http1Error::ResponseTooLarge { capacity: 1024 }), "{path}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::ResponseTooLarge);
        assert!(t.is_open(), "the rest of the body was skipped, the stream stays usable");
        let url = server.url("/ok");
        assert_eq!(t.send(&Request::get(&url), &mut buf).unwrap().body, b"hello");
    }
    assert_eq!(server.accepted(), 1);

    // With no drain allowance the connection is given up instead.
    let mut t = connect(&server).with_drain_limit(0);
    let url = server.url("/big");
    assert!(t.send(&Request::get(&url), &mut buf).is_err());
    assert!(!t.is_open());
}

#[test]
fn connection_close_body_runs_to_eof_then_the_transport_is_closed() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 64];
    let url = server.url("/close");
    let resp = t.send(&Request::get(&url), &mut buf).unwrap();
    assert_eq!((resp.status, resp.body), (200, &b"until close"[..]));
    assert!(!t.is_open());
    let err = t.send(&Request::get(&url), &mut buf).unwrap_err();
    assert!(matches!(err, Http1Error::Closed));
    assert_eq!(err.kind(), ErrorKind::Io);
}

#[test]
fn server_closing_an_idle_connection_is_reported() {
    // The server answers once, then hangs up without saying so.
    let server = Server::with_handler(|_| Reply::SendAndClose(response("200 OK", "", b"once")));
    let mut t = connect(&server);
    let mut buf = [0u8; 64];
    let url = server.url("/");
    assert_eq!(t.send(&Request::get(&url), &mut buf).unwrap().body, b"once");
    let err = t.send(&Request::get(&url), &mut buf).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Protocol | ErrorKind::Io), "{err:?}");
    assert!(!t.is_open());
}

#[test]
fn bad_requests_are_refused_and_leave_the_connection_usable() {
    let server = Server::start();
    let mut t = connect(&server);
    let mut buf = [0u8; 64];
    let url = server.url("/ok");
    let bad = [("X", "a\r\nInjected: yes")];
    let err = t.send(&Request::get(&url).with_headers(&bad), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = t.send(&Request::get("not a url"), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    assert!(t.is_open());
    assert_eq!(t.send(&Request::get(&url), &mut buf).unwrap().body, b"hello");
    assert_eq!(server.requests().len(), 1);
}
