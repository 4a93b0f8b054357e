//! The response head: status, whether the connection stays open, and how the body is framed
//! (RFC 9112 §6.3), read from one `httparse` parse.

use super::ProtocolViolation;

/// How the end of the body is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body (204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes the connection (it said `Connection: close`).
    UntilClose,
}

/// What the transport keeps of a parsed head once the header buffer is reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) framing: Framing,
    /// The server closes the connection after this response.
    pub(crate) close: bool,
    /// The headers the SDK acts on.
    pub(crate) headers: crate::Headers,
}

impl Head {
    /// Interim `1xx` responses carry no body and precede the real one.
    pub(crate) const fn is_interim(&self) -> bool {
        self.status < 200
    }

    pub(crate) fn from_parsed(
        response: &httparse::Response<'_, '_>,
    ) -> Result<Self, ProtocolViolation> {
        let status = response.code.ok_or(ProtocolViolation::MalformedHead)?;
        if !(100..=599).contains(&status) {
            return Err(ProtocolViolation::MalformedHead);
        }
        if status == 101 {
            return Err(ProtocolViolation::SwitchingProtocols);
        }
        let http10 = response.version == Some(0);
        let (mut keep_alive, mut close) = (false, false);
        let mut length: Option<u64> = None;
        let mut transfer_encoding = TransferEncoding::None;
        let mut headers = crate::Headers::new();
        for header in response.headers.iter() {
            let name = header.name;
            headers.add(name, header.value);
            if name.eq_ignore_ascii_case("connection") {
                for token in list(header.value) {
                    close |= token.eq_ignore_ascii_case(b"close");
                    keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if name.eq_ignore_ascii_case("content-length") {
                let value = parse_length(header.value)?;
                if length.is_some_and(|seen| seen != value) {
                    return Err(ProtocolViolation::InvalidContentLength);
                }
                length = Some(value);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                for coding in list(header.value) {
                    transfer_encoding = match transfer_encoding {
                        TransferEncoding::None if coding.eq_ignore_ascii_case(b"chunked") => {
                            TransferEncoding::Chunked
                        }
                        // A coding after `chunked`, a second `chunked`, or gzip and friends.
                        _ => TransferEncoding::Unsupported,
                    };
                }
                if transfer_encoding == TransferEncoding::None {
                    // An empty Transfer-Encoding header.
                    transfer_encoding = TransferEncoding::Unsupported;
                }
            }
        }
        let close = close || (http10 && !keep_alive);
        let framing = if status < 200 || status == 204 || status == 304 {
            Framing::Empty
        } else {
            match (transfer_encoding, length) {
                (TransferEncoding::None, Some(length)) => Framing::Length(length),
                (TransferEncoding::None, None) if close => Framing::UntilClose,
                (TransferEncoding::None, None) => return Err(ProtocolViolation::NoLength),
                (_, Some(_)) => return Err(ProtocolViolation::ConflictingLength),
                (TransferEncoding::Chunked, None) => Framing::Chunked,
                (TransferEncoding::Unsupported, None) => {
                    return Err(ProtocolViolation::UnsupportedTransferEncoding);
                }
            }
        };
        Ok(Self { status, framing, close, headers })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TransferEncoding {
    None,
    Chunked,
    Unsupported,
}

/// The non-empty, trimmed elements of a comma-separated header value.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(|item| item.trim_ascii()).filter(|item| !item.is_empty())
}

/// A `Content-Length` value: 1 to 19 decimal digits, nothing else.
fn parse_length(value: &[u8]) -> Result<u64, ProtocolViolation> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolViolation::InvalidContentLength);
    }
    Ok(value.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// Index just past the blank line that ends a head in `bytes`, if it is there. Lines may end in
/// CRLF or bare LF, as `httparse` accepts both.
pub(crate) fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            match bytes.get(i + 1..) {
                Some([b'\n', ..]) => return Some(i + 2),
                Some([b'\r', b'\n', ..]) => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}
