//! Tests of the request reader: accepted shapes, every rejection, and a property test over arbitrary bytes.

use super::*;
use core::time::Duration;
use proptest::prelude::*;
use std::io::BufReader;

fn read(raw: &[u8]) -> Result<Incoming, ReadError> {
    let mut reader = BufReader::new(raw);
    let mut sink = Vec::new();
    read_request(&mut reader, &mut sink, Instant::now() + Duration::from_secs(5))
}

fn status(raw: &[u8]) -> Option<u16> {
    match read(raw) {
        Err(ReadError::Reject(status, _)) => Some(status),
        _ => None,
    }
}

#[test]
fn reads_a_post_with_body_and_query() {
    let raw = b"POST /api/v0/token/k?x=1 HTTP/1.1\r\nAPI_KEY_ID: k\r\nContent-type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    let incoming = read(raw).expect("valid request");
    assert_eq!(incoming.request.method, "POST");
    assert_eq!(incoming.request.path, "/api/v0/token/k");
    assert_eq!(incoming.request.query, "x=1");
    assert_eq!(incoming.request.header("api_key_id"), Some("k"));
    assert_eq!(incoming.request.header("CONTENT-TYPE"), Some("application/json"));
    assert_eq!(incoming.request.body, b"{}");
    assert!(incoming.keep_alive);
    assert!(!incoming.head);
}

#[test]
fn reads_chunked_bodies_and_answers_expect() {
    let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n";
    let mut reader = BufReader::new(&raw[..]);
    let mut sink = Vec::new();
    let incoming = read_request(&mut reader, &mut sink, Instant::now() + Duration::from_secs(5))
        .expect("valid");
    assert_eq!(incoming.request.body, b"abcde");
    assert_eq!(sink, b"HTTP/1.1 100 Continue\r\n\r\n");
}

#[test]
fn connection_semantics() {
    assert!(!read(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").expect("ok").keep_alive);
    assert!(!read(b"GET / HTTP/1.0\r\n\r\n").expect("ok").keep_alive);
    assert!(read(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").expect("ok").keep_alive);
    let head = read(b"HEAD /x HTTP/1.1\r\n\r\n").expect("ok");
    assert!(head.head);
    assert_eq!(head.request.method, "GET");
}

#[test]
fn rejections() {
    assert_eq!(status(b"GARBAGE\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET  / HTTP/1.1\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET http://x/ HTTP/1.1\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), Some(505));
    assert_eq!(status(b"GET / FTP/1.1\r\n\r\n"), Some(400));
    assert_eq!(status(b"G(T / HTTP/1.1\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET / HTTP/1.1\r\nNo colon\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n"), Some(400));
    assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"), Some(400));
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        Some(400)
    );
    assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n"), Some(413));
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Some(400)
    );
    assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), Some(501));
    assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), Some(400));
    assert_eq!(status(b"POST / HTTP/1.1\r\nExpect: magic\r\n\r\n"), Some(417));
    let mut long = b"GET /".to_vec();
    long.extend(vec![b'a'; 9000]);
    long.extend(b" HTTP/1.1\r\n\r\n");
    assert_eq!(status(&long), Some(414));
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..101 {
        many.extend(format!("X-{i}: y\r\n").bytes());
    }
    many.extend(b"\r\n");
    assert_eq!(status(&many), Some(431));
    let mut chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend(b"8000\r\n");
        chunked.extend(vec![b'x'; 0x8000]);
        chunked.extend(b"\r\n");
    }
    assert_eq!(status(&chunked), Some(413));
}

#[test]
fn smuggling_shapes_are_rejected() {
    // Two Transfer-Encoding fields: a front end that reads the first and one that reads the last disagree.
    for raw in [
        &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n0\r\n\r\n",
    ] {
        assert_eq!(status(raw), Some(400), "{:?}", String::from_utf8_lossy(raw));
    }
    // A chunk size is hex digits only: no sign, no leading space, no `0x`.
    for size in ["+5", "-0", "-5", "+0", " 5", "0x5", "5 5", "\t5"] {
        let raw = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabcde\r\n0\r\n\r\n"
        );
        assert_eq!(status(raw.as_bytes()), Some(400), "chunk size {size:?}");
    }
    // Two Host fields: which one names the server would be ambiguous (RFC 9112 §3.2: 400).
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Some(400));
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"), Some(400));
    // Still accepted: upper-case hex, chunk extensions after optional whitespace, one Host.
    let raw = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nA ;ext=1\r\n0123456789\r\n0\r\n\r\n";
    assert_eq!(read(raw).expect("valid").request.body, b"0123456789");
}

#[test]
fn eof_before_a_request_is_a_quiet_close() {
    assert!(matches!(read(b""), Err(ReadError::Closed)));
    assert!(matches!(read(b"GET / HTTP/1.1\r\nHost: x"), Err(ReadError::Io)));
    assert!(matches!(read(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), Err(ReadError::Io)));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read(&raw);
    }

    #[test]
    fn arbitrary_header_soup_never_panics(lines in proptest::collection::vec("[ -~\t]{0,40}", 0..12)) {
        let mut raw = b"POST /p HTTP/1.1\r\n".to_vec();
        for line in &lines {
            raw.extend(line.bytes());
            raw.extend(b"\r\n");
        }
        raw.extend(b"\r\nbody");
        let _ = read(&raw);
    }

    #[test]
    fn well_formed_requests_round_trip(
        path in "/[a-z0-9/_-]{0,30}",
        query in "[a-z0-9=&]{0,20}",
        body in proptest::collection::vec(any::<u8>(), 0..200),
        chunk in 1usize..50,
    ) {
        let mut plain = format!("POST {path}?{query} HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        plain.extend(&body);
        let incoming = read(&plain).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&incoming.request.path, &path);
        prop_assert_eq!(&incoming.request.query, &query);
        prop_assert_eq!(&incoming.request.body, &body);

        let mut chunked = format!("POST {path} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
        for piece in body.chunks(chunk) {
            chunked.extend(format!("{:x}\r\n", piece.len()).bytes());
            chunked.extend(piece);
            chunked.extend(b"\r\n");
        }
        chunked.extend(b"0\r\n\r\n");
        let incoming = read(&chunked).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&incoming.request.body, &body);
    }
}
