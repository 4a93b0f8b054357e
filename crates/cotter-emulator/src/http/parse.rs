//! Reading one HTTP/1.1 request from a connection, within fixed limits and a deadline.

use super::{MAX_BODY, MAX_IMPORT_BODY, Request};
use std::io::{BufRead, ErrorKind, Write};
use std::string::String;
use std::time::Instant;
use std::vec::Vec;

/// Longest request line or header line.
const MAX_LINE: usize = 8 * 1024;
/// Most header fields in one request.
const MAX_HEADERS: usize = 100;
/// Total bytes of all header lines.
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Why no request came out of the connection.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The peer closed, or stayed idle, before starting a request: close without answering.
    Closed,
    /// The request is unacceptable: answer `status` with `msg`, then close the connection.
    Reject(u16, &'static str),
    /// The connection failed in the middle of a request: close.
    Io,
}

/// A request plus how the connection continues.
#[derive(Debug)]
pub(super) struct Incoming {
    pub(super) request: Request,
    pub(super) keep_alive: bool,
    pub(super) head: bool,
}

/// Reads one request. `writer` is used only to send `100 Continue`.
///
/// The request line and header fields are read up to the empty line within the limits below, then
/// parsed by `httparse`; the framing rules (one `Host`, `Content-Length` xor `Transfer-Encoding`,
/// chunk sizes) are checked here.
pub(super) fn read_request<R: BufRead, W: Write>(
    reader: &mut R,
    writer: &mut W,
    deadline: Instant,
) -> Result<Incoming, ReadError> {
    let raw = read_head(reader, deadline)?;
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(&raw) {
        Ok(httparse::Status::Complete(_)) => {}
        // `read_head` stops at the empty line, so the head is complete.
        Ok(httparse::Status::Partial) => return Err(ReadError::Reject(400, "incomplete request")),
        Err(e) => return Err(head_error(e, &raw)),
    }
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(ReadError::Reject(400, "malformed request line"));
    };
    if !target.starts_with('/') {
        return Err(ReadError::Reject(400, "malformed request target"));
    }
    let version = if minor == 1 { "HTTP/1.1" } else { "HTTP/1.0" };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (String::from(h.name), String::from(value.trim_matches([' ', '\t'])))
        })
        .collect();
    let (method, target) = (String::from(method), String::from(target));

    fn find<'h>(
        headers: &'h [(String, String)],
        name: &'h str,
    ) -> impl Iterator<Item = &'h String> + 'h {
        headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
    let connection =
        find(&headers, "connection").map(|v| v.to_ascii_lowercase()).collect::<Vec<_>>().join(",");
    let keep_alive = if version == "HTTP/1.1" {
        !connection.contains("close")
    } else {
        connection.contains("keep-alive")
    };

    // Two Host or Transfer-Encoding fields are refused rather than resolved: a proxy or client in front
    // may pick the other one (DNS-rebinding check, request smuggling). RFC 9112 §3.2 and §6.1.
    if find(&headers, "host").nth(1).is_some() {
        return Err(ReadError::Reject(400, "more than one host field"));
    }
    let encodings: Vec<&String> = find(&headers, "transfer-encoding").take(2).collect();
    let chunked = match (encodings.first(), encodings.get(1)) {
        (None, _) => false,
        (Some(_), Some(_)) => {
            return Err(ReadError::Reject(400, "more than one transfer-encoding field"));
        }
        (Some(te), None) if te.trim().eq_ignore_ascii_case("chunked") => true,
        (Some(_), None) => return Err(ReadError::Reject(501, "unsupported transfer-encoding")),
    };
    let lengths: Vec<&String> = find(&headers, "content-length").collect();
    let content_length = match (lengths.first(), chunked) {
        (None, _) => None,
        (Some(_), true) => {
            return Err(ReadError::Reject(400, "both content-length and transfer-encoding"));
        }
        (Some(first), false) => {
            if lengths.iter().any(|other| other != first) {
                return Err(ReadError::Reject(400, "conflicting content-length fields"));
            }
            Some(parse_length(first)?)
        }
    };
    // A whole saved state may be imported; every other body is small.
    let max_body =
        if target.split('?').next() == Some("/dev/import") { MAX_IMPORT_BODY } else { MAX_BODY };
    if content_length.is_some_and(|n| n > max_body) {
        return Err(ReadError::Reject(413, too_large(max_body)));
    }
    if let Some(expect) = find(&headers, "expect").last() {
        if !expect.trim().eq_ignore_ascii_case("100-continue") {
            return Err(ReadError::Reject(417, "unsupported expectation"));
        }
        if chunked || content_length.is_some_and(|n| n > 0) {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Io)?;
            writer.flush().map_err(|_| ReadError::Io)?;
        }
    }

    let body = if chunked {
        read_chunked(reader, deadline, max_body)?
    } else {
        read_exact(reader, content_length.unwrap_or(0), deadline)?
    };

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, query),
        None => (target.as_str(), ""),
    };
    let head = method == "HEAD";
    let method = if head { "GET" } else { method.as_str() };
    Ok(Incoming {
        request: Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers,
            body,
        },
        keep_alive,
        head,
    })
}

/// The status for a head `httparse` refused: 505 for a well-formed `HTTP/x.y` other than 1.0 and
/// 1.1, 400 for everything else.
fn head_error(error: httparse::Error, raw: &[u8]) -> ReadError {
    if error == httparse::Error::Version {
        let line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let version = line.rsplit(|&b| b == b' ').next().unwrap_or_default();
        if version.len() == 8
            && version.starts_with(b"HTTP/")
            && version[5].is_ascii_digit()
            && version[6] == b'.'
            && version[7].is_ascii_digit()
        {
            return ReadError::Reject(505, "only HTTP/1.0 and HTTP/1.1");
        }
        return ReadError::Reject(400, "malformed HTTP version");
    }
    ReadError::Reject(
        400,
        match error {
            httparse::Error::HeaderName => "malformed header field name",
            httparse::Error::HeaderValue => "control character in header field value",
            httparse::Error::Token => "malformed method",
            httparse::Error::TooManyHeaders => "too many header fields",
            _ => "malformed request",
        },
    )
}

/// Reads the request line and header fields up to and including the empty line that ends them:
/// at most [`MAX_LINE`] bytes a line (414 for the request line, 431 for a field), [`MAX_HEADERS`]
/// fields and [`MAX_HEADER_BYTES`] of fields (431). Up to four empty lines before the request line
/// are skipped (RFC 9112 §2.2).
fn read_head<R: BufRead>(reader: &mut R, deadline: Instant) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::with_capacity(512);
    let mut line_start = 0usize;
    let mut request_line_end: Option<usize> = None;
    let mut skipped = 0;
    let mut fields = 0usize;
    loop {
        if Instant::now() > deadline {
            return Err(ReadError::Reject(408, "request took too long"));
        }
        let nothing_yet = head.is_empty() && skipped == 0;
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(if nothing_yet {
                    ReadError::Closed
                } else {
                    ReadError::Reject(408, "request timed out")
                });
            }
            Err(_) => return Err(if nothing_yet { ReadError::Closed } else { ReadError::Io }),
        };
        if buf.is_empty() {
            return Err(if nothing_yet { ReadError::Closed } else { ReadError::Io });
        }
        let (take, line_done) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (buf.len(), false),
        };
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
        let in_request_line = request_line_end.is_none();
        let line_len = head.len() - line_start;
        if line_len > MAX_LINE + 2 {
            return Err(ReadError::Reject(
                if in_request_line { 414 } else { 431 },
                "line too long",
            ));
        }
        if let Some(end) = request_line_end
            && head.len() - end > MAX_HEADER_BYTES + 2
        {
            return Err(ReadError::Reject(431, "too many or too large header fields"));
        }
        if !line_done {
            continue;
        }
        let line = &head[line_start..];
        let empty = line == b"\n" || line == b"\r\n";
        match (empty, in_request_line) {
            (true, true) => {
                skipped += 1;
                if skipped > 4 {
                    return Err(ReadError::Reject(400, "empty request line"));
                }
                head.truncate(line_start);
            }
            (true, false) => return Ok(head),
            (false, true) => {
                request_line_end = Some(head.len());
                line_start = head.len();
            }
            (false, false) => {
                fields += 1;
                if fields > MAX_HEADERS {
                    return Err(ReadError::Reject(431, "too many or too large header fields"));
                }
                line_start = head.len();
            }
        }
    }
}

fn parse_length(text: &str) -> Result<usize, ReadError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ReadError::Reject(400, "malformed content-length"));
    }
    text.parse().map_err(|_| ReadError::Reject(400, "malformed content-length"))
}

/// Reads up to `\n` (dropping `\r\n`/`\n`), at most [`MAX_LINE`] bytes.
fn read_line<R: BufRead>(
    reader: &mut R,
    deadline: Instant,
    first: bool,
) -> Result<Vec<u8>, ReadError> {
    let mut line = Vec::new();
    loop {
        if Instant::now() > deadline {
            return Err(ReadError::Reject(408, "request took too long"));
        }
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(if first && line.is_empty() {
                    ReadError::Closed
                } else {
                    ReadError::Reject(408, "request timed out")
                });
            }
            Err(_) => {
                return Err(if first && line.is_empty() {
                    ReadError::Closed
                } else {
                    ReadError::Io
                });
            }
        };
        if buf.is_empty() {
            return Err(if first && line.is_empty() { ReadError::Closed } else { ReadError::Io });
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (buf.len(), false),
        };
        line.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if line.len() > MAX_LINE + 2 {
            return Err(ReadError::Reject(if first { 414 } else { 431 }, "line too long"));
        }
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(line);
        }
    }
}

fn read_exact<R: BufRead>(
    reader: &mut R,
    len: usize,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::with_capacity(len);
    while body.len() < len {
        if Instant::now() > deadline {
            return Err(ReadError::Reject(408, "request took too long"));
        }
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(ReadError::Reject(408, "request body timed out"));
            }
            Err(_) => return Err(ReadError::Io),
        };
        if buf.is_empty() {
            return Err(ReadError::Io);
        }
        let take = buf.len().min(len - body.len());
        body.extend_from_slice(&buf[..take]);
        reader.consume(take);
    }
    Ok(body)
}

fn too_large(max_body: usize) -> &'static str {
    if max_body > MAX_BODY {
        "request body is larger than 16 MiB"
    } else {
        "request body is larger than 64 KiB"
    }
}

fn read_chunked<R: BufRead>(
    reader: &mut R,
    deadline: Instant,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let size_line = read_line(reader, deadline, false)?;
        let size_text = size_line.split(|&b| b == b';').next().unwrap_or_default();
        let size_text = core::str::from_utf8(size_text)
            .map_err(|_| ReadError::Reject(400, "malformed chunk size"))?;
        // Hex digits only (RFC 9112 §7.1): `from_str_radix` alone takes a leading `+` (`+5`), which other
        // parsers read differently. Whitespace may only stand before a chunk extension.
        let size_text = size_text.trim_end_matches([' ', '\t']);
        if size_text.is_empty()
            || size_text.len() > 8
            || !size_text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ReadError::Reject(400, "malformed chunk size"));
        }
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Reject(400, "malformed chunk size"))?;
        if size == 0 {
            // Trailer fields, then the final empty line.
            let mut trailers = 0;
            while !read_line(reader, deadline, false)?.is_empty() {
                trailers += 1;
                if trailers > MAX_HEADERS {
                    return Err(ReadError::Reject(431, "too many trailer fields"));
                }
            }
            return Ok(body);
        }
        if body.len() + size > max_body {
            return Err(ReadError::Reject(413, too_large(max_body)));
        }
        body.extend(read_exact(reader, size, deadline)?);
        if !read_line(reader, deadline, false)?.is_empty() {
            return Err(ReadError::Reject(400, "malformed chunk"));
        }
    }
}

#[cfg(test)]
mod tests;
