//! The [`Transport`] trait: one blocking HTTP exchange into a caller buffer.

use crate::{ErrorType, Request, Response};

/// Sends one HTTP request and waits for its response, blocking.
///
/// The response body is written into `buf`, the caller's memory, so the trait itself never
/// allocates; [`Response::body`] is the filled prefix of `buf`. Implement it over any HTTP stack;
/// this crate ships [`UreqTransport`](crate::UreqTransport) (feature `ureq`) and
/// [`Http1Transport`](crate::Http1Transport) (feature `embedded-io`).
///
/// # Contract
///
/// Every implementation in this crate keeps it, and the `cotter` client relies on it:
///
/// * **Statuses are responses.** Any final status (`2xx` to `5xx`) returns `Ok`, with the body:
///   `4xx`/`5xx` bodies carry Cotter's `{"msg", "type"}` errors. Redirects are **never**
///   followed: a `302` comes back as a response with status `302`. Interim `1xx` responses are
///   skipped.
/// * **Headers** are sent in order with their names' case preserved (`API_KEY_ID`, not
///   `api_key_id`), after [`Request::check_headers`]. The transport writes `Host` and
///   `Content-Length` itself.
/// * **Security**: a transport that opens its own connections refuses plain `http://` to any host
///   other than a loopback one ([`Url::ensure_secure`](crate::Url::ensure_secure)) before
///   connecting. [`Http1Transport`](crate::Http1Transport), which is handed an open stream,
///   leaves that to whoever opened the stream.
///
/// # Errors
///
/// How failures map to [`ErrorKind`](crate::ErrorKind), the only thing generic code looks at:
///
/// | kind | when | was the request sent? |
/// |---|---|---|
/// | `InvalidUrl` | URL does not parse, unsupported scheme, no host | no |
/// | `InsecureUrl` | `http://` to a host that is not `localhost`, `127.0.0.0/8` or `::1` | no |
/// | `InvalidRequest` | bad or reserved header name, CR/LF in a value | no |
/// | `Connect` | refused, unreachable, DNS failure | no |
/// | `Tls` | handshake or certificate failure, TLS not compiled in | no |
/// | `Timeout` | connect or overall time limit ran out | maybe |
/// | `Io` | the connection failed after it was made, or is closed for good | maybe |
/// | `Protocol` | malformed or truncated response, body length unknown | yes |
/// | `ResponseTooLarge` | body longer than `buf` | yes |
/// | `Other` | anything else | maybe |
///
/// After an error the contents of `buf` are unspecified.
pub trait Transport: ErrorType {
    /// Sends `req` and returns the response whose body lies in `buf`.
    ///
    /// # Errors
    ///
    /// See the [trait documentation](Transport#errors) for how failures map to
    /// [`ErrorKind`](crate::ErrorKind). An HTTP error status is not an error.
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        T::send(self, req, buf)
    }
}
