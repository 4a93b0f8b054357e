//! A small blocking HTTP/1.1 server on std's `TcpListener`: bounded worker pool, keep-alive, size limits,
//! read deadlines, optional TLS (rustls), and JSON errors for requests that cannot be parsed.
//!
//! Written for this crate instead of taking a server dependency so that every limit (header size, body size,
//! thread count, slow-client deadline) and every error body is under the emulator's control.

mod conn;
mod parse;
mod server;

pub(crate) use server::{Handler, Server};

use serde::Serialize;
use std::borrow::Cow;
use std::string::String;
use std::vec::Vec;

/// Largest accepted request body (64 KiB); anything longer gets 413.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// Largest body of `POST /dev/import` (a whole saved state): 16 MiB.
pub(crate) const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    /// Method as sent (`GET`, `POST`, ...); `HEAD` is routed as `GET`.
    pub(crate) method: String,
    /// Target path before `?`, still percent-encoded.
    pub(crate) path: String,
    /// Raw query after `?` (may be empty).
    pub(crate) query: String,
    /// Header fields in arrival order, names as sent.
    pub(crate) headers: Vec<(String, String)>,
    /// The body (already de-chunked).
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// First header named `name`, compared case-insensitively, value trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// First query parameter named `name`, percent-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        crate::util::url::parse_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A response about to be written.
#[derive(Debug)]
pub(crate) struct Response {
    /// Status code.
    pub(crate) status: u16,
    /// `Content-Type` value.
    pub(crate) content_type: &'static str,
    /// Extra header fields (`Location`, `Allow`, CORS); a `Content-Type` here replaces
    /// `content_type`.
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    /// Body bytes.
    pub(crate) body: Vec<u8>,
    /// Close the connection after this response.
    pub(crate) close: bool,
    /// What to do on the wire instead of a plain answer (injected faults).
    pub(crate) wire: Wire,
}

/// How a response goes on the wire: normally, or broken on purpose (`POST /dev/fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Wire {
    /// The whole response.
    #[default]
    Normal,
    /// No response: the connection is reset (RST).
    Reset,
    /// No response: the connection is closed (FIN).
    Close,
    /// The head and half the body, then the connection is closed.
    Truncate,
}

/// Cotter's error body: `{"msg": …, "type": …}`.
#[derive(Debug, Serialize)]
struct ApiError<'a> {
    msg: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

impl Response {
    /// A response with `body` of `content_type` and no other header fields.
    fn with_body(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Self { status, content_type, headers: Vec::new(), body, close: false, wire: Wire::Normal }
    }

    /// A JSON response; serialization of the emulator's own types cannot fail, but if it did the
    /// caller gets a 500 rather than a panic.
    pub(crate) fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::with_body(status, "application/json", body),
            Err(_) => Self::error(500, "internal", "could not encode the response"),
        }
    }

    /// An error response in Cotter's shape.
    pub(crate) fn error(status: u16, kind: &str, msg: &str) -> Self {
        let body = serde_json::to_vec(&ApiError { msg, kind })
            .unwrap_or_else(|_| b"{\"msg\":\"error\",\"type\":\"internal\"}".to_vec());
        Self::with_body(status, "application/json", body)
    }

    /// An HTML page.
    pub(crate) fn html(status: u16, page: String) -> Self {
        Self::with_body(status, "text/html; charset=utf-8", page.into_bytes())
    }

    /// `303 See Other` to `location` (the browser follows it with a GET).
    pub(crate) fn redirect(location: String) -> Self {
        let mut response =
            Self::html(303, String::from("<!doctype html><title>Redirecting</title>"));
        response.headers.push((Cow::Borrowed("Location"), location));
        response
    }

    /// Adds a header field.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((Cow::Borrowed(name), value));
        self
    }
}

/// The reason phrase for the status codes the emulator sends.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}
