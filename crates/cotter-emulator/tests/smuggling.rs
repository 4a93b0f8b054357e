//! Request smuggling: two `Transfer-Encoding` fields, or a chunk size with a sign, would let two HTTP
//! parsers disagree on where a body ends. Each gets a 400 JSON error and the connection is closed, so a
//! request hidden after the body never runs.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;

/// Each shape is followed, on the same connection, by a hidden key rotation.
#[test]
fn smuggling_attempts_get_400_and_the_hidden_request_never_runs() {
    let emu = start();
    let addr = emu.local_addr();
    let kid = emu.current_kid();
    let hidden =
        format!("POST /dev/rotate-key HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n");
    let body = r#"{"advance":0}"#;
    let attempts = [
        format!(
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        ),
        format!(
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        ),
        format!("Transfer-Encoding: chunked\r\n\r\n+{:x}\r\n{body}\r\n0\r\n\r\n", body.len()),
        format!("Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n-0\r\n\r\n", body.len()),
        "Transfer-Encoding: chunked\r\n\r\n+0\r\n\r\n".to_owned(),
    ];
    for attempt in &attempts {
        let request = format!("POST /dev/clock HTTP/1.1\r\nHost: {addr}\r\n{attempt}{hidden}");
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(core::time::Duration::from_secs(20))).unwrap();
        std::io::Write::write_all(&mut &stream, request.as_bytes()).unwrap();
        let mut reader = std::io::BufReader::new(stream);
        let resp = read_response(&mut reader).expect("an answer");
        assert_eq!(resp.status, 400, "{attempt:?}: {}", resp.text());
        assert_eq!(resp.header("content-type"), Some("application/json"), "{attempt:?}");
        let error = resp.json();
        assert_eq!(error["type"], "bad_request", "{attempt:?}: {error}");
        assert_eq!(resp.header("connection"), Some("close"), "{attempt:?}");
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
        assert!(
            rest.is_empty(),
            "{attempt:?}: a second response {:?}",
            String::from_utf8_lossy(&rest)
        );
    }
    assert_eq!(emu.current_kid(), kid, "the smuggled key rotation ran");
    let stats = emu.stats();
    assert_eq!(stats.rejected, attempts.len() as u64, "{stats:?}");
    assert_eq!(stats.dev, 0, "{stats:?}");
}
