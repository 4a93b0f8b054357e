//! Property tests: `Http1Transport` never panics on any response bytes and only ever parses or
//! reports `Protocol`; valid responses round-trip; request heads written for any valid headers
//! parse back to the same headers; `Url::parse` never panics.
#![cfg(feature = "embedded-io")]

mod common;

use common::mem::MemStream;
use cotter_transport::{Error as _, ErrorKind, Http1Transport, Request, Transport, Url};
use proptest::prelude::*;

const URL: &str = "http://127.0.0.1:1/x";

fn valid_response() -> impl Strategy<Value = (u16, Vec<u8>, Vec<u8>)> {
    (
        prop_oneof![Just(200u16), Just(302), Just(400), Just(401), Just(500), 200u16..=599],
        proptest::collection::vec(any::<u8>(), 0..600),
        any::<bool>(),
        proptest::collection::vec(1usize..200, 1..8),
    )
        .prop_map(|(status, body, chunked, pieces)| {
            let status = if status == 204 || status == 304 { 200 } else { status };
            let mut wire = format!("HTTP/1.1 {status} X\r\n").into_bytes();
            if chunked {
                wire.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                let mut rest = &body[..];
                let mut i = 0;
                while !rest.is_empty() {
                    let n = pieces[i % pieces.len()].min(rest.len());
                    wire.extend_from_slice(format!("{n:X};i={i}\r\n").as_bytes());
                    wire.extend_from_slice(&rest[..n]);
                    wire.extend_from_slice(b"\r\n");
                    rest = &rest[n..];
                    i += 1;
                }
                wire.extend_from_slice(b"0\r\nX-Trailer: done\r\n\r\n");
            } else {
                wire.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
                );
                wire.extend_from_slice(&body);
            }
            (status, body, wire)
        })
}

/// Raw bytes, a plausible head followed by noise, or a valid response with bytes overwritten.
fn response_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1500),
        proptest::collection::vec(any::<u8>(), 0..800).prop_map(|noise| {
            let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            wire.extend_from_slice(&noise);
            wire
        }),
        (
            valid_response(),
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
        )
            .prop_map(|((_, _, mut wire), edits)| {
                for (at, byte) in edits {
                    let i = at.index(wire.len());
                    wire[i] = byte;
                }
                wire
            }),
        (valid_response(), any::<prop::sample::Index>())
            .prop_map(|((_, _, wire), cut)| { wire[..cut.index(wire.len())].to_vec() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_response_bytes_parse_or_fail_with_protocol(
        input in response_bytes(),
        max_read in 1usize..64,
    ) {
        // The buffer can hold anything the input could decode to, so only Protocol may fail.
        let mut buf = vec![0u8; input.len()];
        let mut t: Http1Transport<MemStream, 256, 8> =
            Http1Transport::new(MemStream::scripted([input.clone()], max_read));
        match t.send(&Request::get(URL), &mut buf) {
            Ok(resp) => {
                prop_assert!((100..=599).contains(&resp.status));
                prop_assert!(resp.body.len() <= input.len());
            }
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::Protocol, "{:?}", e);
                prop_assert!(!t.is_open());
            }
        }
    }

    #[test]
    fn valid_responses_round_trip(
        first in valid_response(),
        second in valid_response(),
        max_read in 1usize..100,
    ) {
        let mut t: Http1Transport<MemStream> =
            Http1Transport::new(MemStream::scripted([first.2.clone(), second.2.clone()], max_read));
        for (status, body, _) in [first, second] {
            let mut buf = vec![0u8; body.len()];
            let resp = t.send(&Request::get(URL), &mut buf).unwrap();
            prop_assert_eq!(resp.status, status);
            prop_assert_eq!(resp.body, &body[..]);
            prop_assert!(t.is_open());
        }
    }

    #[test]
    fn written_request_heads_parse_back(
        headers in proptest::collection::vec(
            ("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}", "[ -~]{0,40}"),
            0..10,
        ),
        path in "(/[A-Za-z0-9._~%-]{0,10}){0,4}",
        body in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(name, _)| {
                !cotter_transport::RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(name))
            })
            .map(|(name, value)| (name, value.trim_matches(' ').to_owned()))
            .collect();
        let pairs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let url = format!("http://localhost:9{path}");
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec();
        let mut t: Http1Transport<MemStream, 64> = Http1Transport::new(MemStream::new(response));
        let req = Request::post(&url, &body).with_headers(&pairs);
        t.send(&req, &mut []).unwrap();
        let written = t.into_inner().written;

        let mut parsed_headers = [httparse::EMPTY_HEADER; 16];
        let mut parsed = httparse::Request::new(&mut parsed_headers);
        let head_len = match parsed.parse(&written) {
            Ok(httparse::Status::Complete(n)) => n,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(parsed.method, Some("POST"));
        prop_assert_eq!(parsed.path, Some(if path.is_empty() { "/" } else { path.as_str() }));
        let sent: Vec<(&str, &[u8])> = parsed.headers.iter().map(|h| (h.name, h.value)).collect();
        prop_assert_eq!(sent[0], ("Host", &b"localhost:9"[..]));
        for (i, (name, value)) in pairs.iter().enumerate() {
            prop_assert_eq!(sent[i + 1], (*name, value.as_bytes()));
        }
        let content_length = body.len().to_string();
        prop_assert_eq!(sent[pairs.len() + 1], ("Content-Length", content_length.as_bytes()));
        prop_assert_eq!(&written[head_len..], &body[..]);
    }

    #[test]
    fn url_parse_never_panics(s in "\\PC{0,60}", t in "(https?://)?[a-z0-9.:\\[\\]@/?#%-]{0,40}") {
        for input in [s.as_str(), t.as_str()] {
            if let Ok(url) = Url::parse(input) {
                let _ = url.ensure_secure();
                prop_assert!(!url.host().is_empty());
                prop_assert!(input.contains(url.authority()));
            }
        }
    }
}
