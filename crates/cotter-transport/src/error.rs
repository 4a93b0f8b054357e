//! The error side of the [`Transport`](crate::Transport) trait: [`ErrorKind`], the [`Error`] trait
//! every transport error implements, and the [`ErrorType`] supertrait (embedded-hal style).

use core::fmt;

/// What went wrong, in terms every transport shares.
///
/// A transport's own error type keeps the details (the inner I/O error, the exact protocol
/// violation); generic code such as the `cotter` facade only looks at the kind. HTTP status codes
/// are never errors: a `404` or `500` reaches the caller as a [`Response`](crate::Response).
///
/// The kinds fall in three groups that a caller treats differently:
///
/// * the request can never succeed as written: [`InvalidUrl`](Self::InvalidUrl),
///   [`InsecureUrl`](Self::InsecureUrl), [`InvalidRequest`](Self::InvalidRequest); nothing was
///   sent;
/// * the network failed, so retrying later may work: [`Connect`](Self::Connect),
///   [`Timeout`](Self::Timeout), [`Tls`](Self::Tls), [`Io`](Self::Io); from `Timeout` and `Io` on,
///   the server may or may not have processed the request;
/// * the server answered something unusable: [`Protocol`](Self::Protocol),
///   [`ResponseTooLarge`](Self::ResponseTooLarge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The URL does not parse, has no host, or has a scheme other than `http`/`https`.
    InvalidUrl,
    /// The URL is plain `http://` and its host is not a loopback address; refused before any
    /// connection is made.
    InsecureUrl,
    /// A header name or value is malformed (e.g. contains CR/LF), or names a header the transport
    /// manages itself (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, `Expect`,
    /// `Upgrade`). Nothing was sent.
    InvalidRequest,
    /// No connection could be made: refused, unreachable, name resolution failed.
    Connect,
    /// A configured time limit (connect or overall) ran out.
    Timeout,
    /// The TLS handshake failed, the certificate was rejected, or TLS is not available.
    Tls,
    /// An established connection failed (reset, broken pipe, stream error) or was already closed.
    Io,
    /// The response is not valid HTTP/1.x, is truncated, or its body length cannot be determined.
    Protocol,
    /// The response body is larger than the caller's buffer.
    ResponseTooLarge,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Whether the failure lies in the network rather than in the request or the response:
    /// [`Connect`](Self::Connect), [`Timeout`](Self::Timeout), [`Tls`](Self::Tls) or
    /// [`Io`](Self::Io). Callers keep their session on such errors and may retry later.
    #[must_use]
    pub const fn is_network(self) -> bool {
        matches!(self, Self::Connect | Self::Timeout | Self::Tls | Self::Io)
    }
}

impl ErrorKind {
    /// A fixed, lowercase description (the [`Display`](fmt::Display) text), available without
    /// `core::fmt`: with [`Error::kind`], any transport error can be reported this way.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Self::InvalidUrl => "invalid url",
            Self::InsecureUrl => "plain http is only allowed to a loopback host",
            Self::InvalidRequest => "invalid request header",
            Self::Connect => "connection failed",
            Self::Timeout => "timed out",
            Self::Tls => "tls failure",
            Self::Io => "connection i/o failure",
            Self::Protocol => "invalid http response",
            Self::ResponseTooLarge => "response body larger than the buffer",
            Self::Other => "transport failure",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl core::error::Error for ErrorKind {}

/// A transport error: anything [`Debug`](fmt::Debug) that can say which [`ErrorKind`] it is.
///
/// Like `embedded_hal::digital::Error`, this lets generic code react to the kind while the
/// concrete type keeps the details.
pub trait Error: fmt::Debug {
    /// The kind of failure.
    fn kind(&self) -> ErrorKind;
}

impl Error for ErrorKind {
    fn kind(&self) -> ErrorKind {
        *self
    }
}

impl Error for core::convert::Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

/// The error type of a transport, split out of [`Transport`](crate::Transport) as embedded-hal
/// does so that wrappers and generic code can name it.
pub trait ErrorType {
    /// The error every operation of this transport returns.
    type Error: Error;
}

impl<T: ErrorType + ?Sized> ErrorType for &mut T {
    type Error = T::Error;
}
