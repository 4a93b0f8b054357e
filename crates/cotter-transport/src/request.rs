//! What goes over a [`Transport`](crate::Transport): [`Request`] and [`Response`], and the
//! header rules every transport applies ([`Request::check_headers`]).

use crate::{ErrorKind, Headers, Method};

/// Header names a transport writes itself; a caller-supplied header with one of these names
/// (compared case-insensitively) is refused with [`ErrorKind::InvalidRequest`].
pub const RESERVED_HEADERS: [&str; 6] =
    ["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"];

/// One HTTP request, borrowed entirely from the caller.
///
/// Header names are sent exactly as given (`API_KEY_ID` stays `API_KEY_ID` on the wire). The
/// transport adds `Host` and, when there is a body or the method is `POST`/`PUT`,
/// `Content-Length`; see [`RESERVED_HEADERS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// Absolute `http://` or `https://` URL; see [`Url::parse`](crate::Url::parse).
    pub url: &'a str,
    /// Extra headers as `(name, value)` pairs, in the order they are sent.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body (empty for none).
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// A request with no headers and no body.
    #[must_use]
    pub const fn new(method: Method, url: &'a str) -> Self {
        Self { method, url, headers: &[], body: &[] }
    }

    /// A `GET` request with no headers.
    #[must_use]
    pub const fn get(url: &'a str) -> Self {
        Self::new(Method::Get, url)
    }

    /// A `POST` request with `body` and no headers.
    #[must_use]
    pub const fn post(url: &'a str, body: &'a [u8]) -> Self {
        Self::new(Method::Post, url).with_body(body)
    }

    /// Replaces the headers.
    #[must_use]
    pub const fn with_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Replaces the body.
    #[must_use]
    pub const fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// Checks the caller's headers the way every transport in this crate does before sending:
    /// names are non-empty RFC 9110 tokens and not in [`RESERVED_HEADERS`]; values hold no
    /// control characters other than horizontal tab (so no CR/LF injection).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] naming no header in particular; nothing has been sent.
    pub fn check_headers(&self) -> Result<(), ErrorKind> {
        for (name, value) in self.headers {
            if !is_token(name)
                || RESERVED_HEADERS.iter().any(|reserved| reserved.eq_ignore_ascii_case(name))
                || !is_field_value(value)
            {
                return Err(ErrorKind::InvalidRequest);
            }
        }
        Ok(())
    }

    /// Whether a `Content-Length` header goes with this request: always when there is a body,
    /// and for `POST`/`PUT` even when it is empty (servers may answer 411 otherwise).
    #[must_use]
    pub const fn sends_content_length(&self) -> bool {
        !self.body.is_empty() || matches!(self.method, Method::Post | Method::Put)
    }
}

/// An RFC 9110 `token`: one or more of `!#$%&'*+-.^_`|~`, digits and letters.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// A field value: visible ASCII, space, tab and non-ASCII UTF-8; no other control byte.
fn is_field_value(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// A response: the status code and the body, which lies in the caller's buffer.
///
/// Any status is a response, `1xx` excepted (interim responses are skipped): `302` is not
/// followed and `4xx`/`5xx` are not errors, so the caller can read Cotter's
/// `{"msg": …, "type": …}` error bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response<'b> {
    /// The status code, `200`–`599` in practice.
    pub status: u16,
    /// The body, a prefix of the buffer given to [`Transport::send`](crate::Transport::send).
    pub body: &'b [u8],
    /// The headers the SDK acts on (`Cache-Control`, `Retry-After`), parsed.
    pub headers: Headers,
}

impl<'b> Response<'b> {
    /// A response without headers; for implementors of [`Transport`](crate::Transport).
    #[must_use]
    pub const fn new(status: u16, body: &'b [u8]) -> Self {
        Self { status, body, headers: Headers::new() }
    }

    /// The same response with `headers`.
    #[must_use]
    pub const fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// Whether the status is `2xx`.
    #[must_use]
    pub const fn is_success(&self) -> bool {
        self.status >= 200 && self.status < 300
    }
}
