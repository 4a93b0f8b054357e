//! [`Http1Error`], generic over the stream's error, and the [`ProtocolViolation`] detail.

use crate::{Error, ErrorKind};
use core::fmt;

/// What exactly was wrong with a response ([`ErrorKind::Protocol`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// The stream ended before the response was complete.
    UnexpectedEof,
    /// The status line and headers do not fit the transport's header buffer.
    HeadTooLarge,
    /// More header (or trailer) lines than the transport's header capacity.
    TooManyHeaders,
    /// The status line or a header line is malformed.
    MalformedHead,
    /// `101 Switching Protocols` to a request that asked for no upgrade.
    SwitchingProtocols,
    /// `Content-Length` is not a decimal number, or several disagree.
    InvalidContentLength,
    /// Both `Content-Length` and `Transfer-Encoding`: a request-smuggling sign, refused.
    ConflictingLength,
    /// A transfer coding other than a single final `chunked`.
    UnsupportedTransferEncoding,
    /// Neither `Content-Length` nor `chunked`, and the connection is not closing, so the end of
    /// the body cannot be known.
    NoLength,
    /// A chunk-size line or a chunk's trailing CRLF is malformed.
    MalformedChunk,
    /// A chunk-size or trailer line does not fit the header buffer.
    LineTooLong,
}

impl ProtocolViolation {
    /// A fixed, lowercase description (the [`Display`](fmt::Display) text), available without
    /// `core::fmt`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::UnexpectedEof => "connection closed before the response was complete",
            Self::HeadTooLarge => "response head larger than the header buffer",
            Self::TooManyHeaders => "too many response headers",
            Self::MalformedHead => "malformed response head",
            Self::SwitchingProtocols => "unexpected protocol switch",
            Self::InvalidContentLength => "invalid content-length",
            Self::ConflictingLength => "both content-length and transfer-encoding",
            Self::UnsupportedTransferEncoding => "unsupported transfer-encoding",
            Self::NoLength => "response body has no length and the connection stays open",
            Self::MalformedChunk => "malformed chunked body",
            Self::LineTooLong => "chunk or trailer line larger than the header buffer",
        }
    }
}

impl fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// Why an [`Http1Transport`](crate::Http1Transport) request failed, generic over the stream's
/// error `E`.
///
/// How to recover: `InvalidUrl`/`InvalidRequest` are caller bugs and leave the connection usable.
/// `ResponseTooLarge` leaves it usable when the rest of the body could be skipped (see
/// [`Http1Transport::with_drain_limit`](crate::Http1Transport::with_drain_limit)); after any
/// other error [`Http1Transport::is_open`](crate::Http1Transport::is_open) is `false`, every
/// later `send` returns `Closed`, and the caller must open a new stream
/// ([`Http1Transport::into_inner`](crate::Http1Transport::into_inner), then
/// [`Http1Transport::new`](crate::Http1Transport::new)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Http1Error<E> {
    /// The URL does not parse ([`ErrorKind::InvalidUrl`]). Nothing was sent.
    InvalidUrl,
    /// A header was refused ([`ErrorKind::InvalidRequest`]). Nothing was sent.
    InvalidRequest,
    /// The connection can no longer be used: the server closed it, or an earlier exchange
    /// failed midway ([`ErrorKind::Io`]). Nothing was sent.
    Closed,
    /// The response broke HTTP/1.1 ([`ErrorKind::Protocol`]).
    Protocol(ProtocolViolation),
    /// The body is longer than the caller's buffer ([`ErrorKind::ResponseTooLarge`]).
    ResponseTooLarge {
        /// The buffer's length.
        capacity: usize,
    },
    /// The stream failed; the kind follows the stream error's `embedded_io::ErrorKind`
    /// (`TimedOut` → [`ErrorKind::Timeout`], `ConnectionRefused`/`NotConnected` →
    /// [`ErrorKind::Connect`], anything else → [`ErrorKind::Io`]).
    Stream(E),
}

impl<E> From<ProtocolViolation> for Http1Error<E> {
    fn from(violation: ProtocolViolation) -> Self {
        Self::Protocol(violation)
    }
}

impl<E: embedded_io::Error> Error for Http1Error<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidUrl => ErrorKind::InvalidUrl,
            Self::InvalidRequest => ErrorKind::InvalidRequest,
            Self::Closed => ErrorKind::Io,
            Self::Protocol(_) => ErrorKind::Protocol,
            Self::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Self::Stream(e) => match e.kind() {
                embedded_io::ErrorKind::TimedOut => ErrorKind::Timeout,
                embedded_io::ErrorKind::ConnectionRefused
                | embedded_io::ErrorKind::NotConnected
                | embedded_io::ErrorKind::AddrNotAvailable => ErrorKind::Connect,
                _ => ErrorKind::Io,
            },
        }
    }
}

impl<E> Http1Error<E> {
    /// A fixed, lowercase description of the error, without the details that
    /// [`Display`](fmt::Display) adds (the buffer's capacity, the stream's error); for
    /// [`Protocol`](Self::Protocol) it is the violation's own text.
    ///
    /// It needs no `core::fmt`: firmware that reports errors as text can print it and leave
    /// the formatting machinery out of its image.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::InvalidUrl => "invalid url",
            Self::InvalidRequest => "invalid request header",
            Self::Closed => "connection closed",
            Self::Protocol(violation) => violation.reason(),
            Self::ResponseTooLarge { .. } => "response body larger than the buffer",
            Self::Stream(_) => "stream error",
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Http1Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(violation) => write!(f, "invalid http response: {violation}"),
            Self::ResponseTooLarge { capacity } => {
                write!(f, "response body larger than the {capacity}-byte buffer")
            }
            Self::Stream(e) => write!(f, "stream error: {e:?}"),
            _ => f.write_str(self.reason()),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for Http1Error<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Stream(e) => Some(e),
            _ => None,
        }
    }
}
