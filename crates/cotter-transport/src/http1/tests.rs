//! Unit tests of the HTTP/1.1 internals: head boundary search, framing decisions, the request
//! head writer and the connection buffer.

use super::head::{Framing, Head, head_end};
use super::input::Input;
use super::{Http1Error, ProtocolViolation, decimal};
use core::convert::Infallible;

#[test]
fn head_end_finds_crlf_and_lf_blank_lines() {
    assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\nbody", 0), Some(19));
    assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nbody", 0), Some(17));
    assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n", 0), None);
    assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r", 0), None);
    // Resuming two bytes back still sees a terminator split across reads.
    let bytes = b"HTTP/1.1 200 OK\r\n\r\n";
    assert_eq!(head_end(bytes, 17 - 2), Some(19));
    assert_eq!(head_end(b"", 0), None);
    assert_eq!(head_end(b"\n", 5), None);
}

fn head(text: &str) -> Result<Head, ProtocolViolation> {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Response::new(&mut headers);
    assert!(parsed.parse(text.as_bytes()).unwrap().is_complete());
    Head::from_parsed(&parsed)
}

#[test]
fn framing_decisions() {
    let framing = |text: &str| head(text).map(|h| (h.framing, h.close));
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"),
        Ok((Framing::Length(7), false))
    );
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\ntransfer-encoding:  chunked \r\n\r\n"),
        Ok((Framing::Chunked, false))
    );
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
        Ok((Framing::UntilClose, true))
    );
    assert_eq!(
        framing("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n"),
        Ok((Framing::Length(1), true))
    );
    assert_eq!(
        framing("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Ok((Framing::Empty, false))
    );
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
        Err(ProtocolViolation::UnsupportedTransferEncoding)
    );
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n"),
        Ok((Framing::Length(9_999_999_999_999_999_999), false))
    );
    // Twenty digits could overflow: refused.
    assert_eq!(
        framing("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"),
        Err(ProtocolViolation::InvalidContentLength)
    );
    assert!(head("HTTP/1.1 100 Continue\r\n\r\n").unwrap().is_interim());
    assert!(!head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap().is_interim());
}

#[test]
fn decimal_digits() {
    let mut digits = [0u8; 20];
    assert_eq!(decimal(0, &mut digits), b"0");
    assert_eq!(decimal(30, &mut digits), b"30");
    assert_eq!(
        decimal(usize::MAX, &mut digits),
        std::string::ToString::to_string(&usize::MAX).as_bytes()
    );
}

/// Reads from a fixed slice, writes into a `Vec`.
#[derive(Debug)]
struct Pipe<'a> {
    input: &'a [u8],
    output: std::vec::Vec<u8>,
}

impl embedded_io::ErrorType for Pipe<'_> {
    type Error = Infallible;
}

impl embedded_io::Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        self.input.read(buf)
    }
}

impl embedded_io::Write for Pipe<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

#[test]
fn head_writer_spills_through_a_tiny_buffer() {
    let mut input: Input<Pipe<'_>, 4> =
        Input::new(Pipe { input: b"", output: std::vec::Vec::new() });
    let mut w = input.head_writer();
    w.push(b"GET / HTTP/1.1\r\n").unwrap();
    w.push(b"").unwrap();
    w.push(b"Host: h\r\n\r\n").unwrap();
    w.flush_buf().unwrap();
    assert_eq!(input.stream.output, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
}

#[test]
fn input_lines_compaction_and_limits() {
    let mut input: Input<Pipe<'_>, 8> =
        Input::new(Pipe { input: b"ab\ncdefghij\nk", output: std::vec::Vec::new() });
    assert_eq!(input.line(ProtocolViolation::LineTooLong), Ok(3));
    input.consume(3);
    // "cdefghij\n" is 9 bytes: longer than the 8-byte buffer.
    assert_eq!(
        input.line(ProtocolViolation::LineTooLong),
        Err(Http1Error::Protocol(ProtocolViolation::LineTooLong))
    );
    let mut input: Input<Pipe<'_>, 8> =
        Input::new(Pipe { input: b"xyz", output: std::vec::Vec::new() });
    let mut dst = [0u8; 2];
    assert_eq!(input.read_into(&mut dst), Ok(2));
    assert_eq!(&dst, b"xy");
    assert_eq!(input.skip(10), Ok(1));
    assert_eq!(input.skip(10), Ok(0));
    assert_eq!(input.read_into(&mut dst), Ok(0));
}
