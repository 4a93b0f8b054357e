//! [`Http1Transport`]: HTTP/1.1 over any blocking `embedded_io` byte stream, without heap.

mod error;
mod head;
mod input;
#[cfg(test)]
mod tests;

pub use error::{Http1Error, ProtocolViolation};

use crate::{ErrorType, Request, Response, Transport, Url};
use embedded_io::{Read, Write};
use head::{Framing, Head};
use input::Input;

/// Default header buffer size of [`Http1Transport`], in bytes.
pub const DEFAULT_HEADER_BUF: usize = 1024;
/// Default maximum number of response headers of [`Http1Transport`].
pub const DEFAULT_MAX_HEADERS: usize = 16;
/// Default of [`Http1Transport::with_drain_limit`]: 16 KiB.
pub const DEFAULT_DRAIN_LIMIT: u64 = 16 * 1024;

/// An HTTP/1.1 client over one already-connected byte stream: a TCP socket, a TLS session, or a
/// UART bridged to a TCP socket on the host.
///
/// * The stream is connected to the URL's host already; the URL only gives the `Host` header
///   (its authority, `host[:port]`) and the request target (path and query). The scheme is not
///   checked against the stream: whether the bytes are encrypted is up to whoever opened it,
///   so open a TLS stream for anything that is not on the device's own link.
/// * The connection is kept alive (HTTP/1.1's default; no `Connection: close` is sent) and used
///   for every request. It is given up only when the server says `Connection: close`, or when a
///   response breaks off or is followed by bytes nobody asked for, so that the stream is out of
///   step with the exchanges; see [`Http1Error`].
/// * Bodies framed by `Content-Length` and by `Transfer-Encoding: chunked` are read (chunks are
///   decoded into the caller's buffer, trailers skipped); a body without either is read to the
///   end of the stream only when the server said `Connection: close`, otherwise refused with
///   [`ProtocolViolation::NoLength`].
/// * Memory: one `[u8; HEADER_BUF]` inside the transport serves as the read buffer (the whole
///   response head must fit) and as the request head's write buffer; parsing takes
///   `MAX_HEADERS` `httparse::Header`s (16 bytes each on 32-bit targets) on the stack. No heap,
///   no other arrays. `HEADER_BUF` must be at least 64 (checked at compile time).
/// * No timeouts of its own: a blocking stream that should give up sets its own deadline and
///   returns an error with kind `TimedOut`, which maps to [`ErrorKind::Timeout`](crate::ErrorKind::Timeout).
/// * No byte sequence from the stream makes it panic.
#[derive(Debug)]
pub struct Http1Transport<
    S,
    const HEADER_BUF: usize = DEFAULT_HEADER_BUF,
    const MAX_HEADERS: usize = DEFAULT_MAX_HEADERS,
> {
    input: Input<S, HEADER_BUF>,
    open: bool,
    drain_limit: u64,
}

impl<S: Read + Write, const HEADER_BUF: usize, const MAX_HEADERS: usize>
    Http1Transport<S, HEADER_BUF, MAX_HEADERS>
{
    /// A transport over `stream`, which must already be connected.
    #[must_use]
    pub const fn new(stream: S) -> Self {
        const { assert!(HEADER_BUF >= 64, "Http1Transport needs a header buffer of at least 64 bytes") };
        Self { input: Input::new(stream), open: true, drain_limit: DEFAULT_DRAIN_LIMIT }
    }

    /// How many bytes of a body too large for the caller's buffer may be read and dropped so
    /// that the connection stays usable (the request still fails with `ResponseTooLarge`).
    /// Beyond it the transport stops reading and gives the connection up. Default
    /// [`DEFAULT_DRAIN_LIMIT`]; `0` gives up at once.
    #[must_use]
    pub const fn with_drain_limit(mut self, bytes: u64) -> Self {
        self.drain_limit = bytes;
        self
    }

    /// Whether the connection can carry another request. `false` after the server said
    /// `Connection: close` or an exchange broke off; then every `send` fails with
    /// [`Http1Error::Closed`].
    #[must_use]
    pub const fn is_open(&self) -> bool {
        self.open
    }

    /// The stream, e.g. to change its settings.
    pub const fn stream_mut(&mut self) -> &mut S {
        &mut self.input.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> S {
        self.input.stream
    }

    fn write_request(&mut self, req: &Request<'_>, url: &Url<'_>) -> Result<(), S::Error> {
        let mut w = self.input.head_writer();
        w.push(req.method.as_str().as_bytes())?;
        w.push(b" ")?;
        w.push(if url.path().is_empty() { b"/" } else { url.path().as_bytes() })?;
        if let Some(query) = url.query() {
            w.push(b"?")?;
            w.push(query.as_bytes())?;
        }
        w.push(b" HTTP/1.1\r\nHost: ")?;
        w.push(url.authority().as_bytes())?;
        w.push(b"\r\n")?;
        for (name, value) in req.headers {
            w.push(name.as_bytes())?;
            w.push(b": ")?;
            w.push(value.as_bytes())?;
            w.push(b"\r\n")?;
        }
        if req.sends_content_length() {
            w.push(b"Content-Length: ")?;
            let mut digits = [0u8; 20];
            w.push(decimal(req.body.len(), &mut digits))?;
            w.push(b"\r\n")?;
        }
        w.push(b"\r\n")?;
        w.flush_buf()?;
        let stream = &mut self.input.stream;
        stream.write_all(req.body)?;
        stream.flush()
    }

    /// Reads response heads until a final (non-`1xx`) one.
    fn read_head(&mut self) -> Result<Head, Http1Error<S::Error>> {
        let mut scanned: usize = 0;
        // Set when `httparse` has seen only blank lines so far: from then on every byte read
        // may decide, so parse again after each read, not only at the next blank line (the
        // outcome must not depend on how the stream splits its reads).
        let mut blank_lines = false;
        loop {
            let buffered = self.input.buffered();
            if blank_lines || head::head_end(buffered, scanned.saturating_sub(2)).is_some() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Response::new(&mut headers);
                match parsed.parse(buffered) {
                    Ok(httparse::Status::Complete(len)) => {
                        let head = Head::from_parsed(&parsed)?;
                        self.input.consume(len);
                        if !head.is_interim() {
                            return Ok(head);
                        }
                        scanned = 0;
                        blank_lines = false;
                        continue;
                    }
                    // Only leading blank lines so far.
                    Ok(httparse::Status::Partial) => blank_lines = true,
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(ProtocolViolation::TooManyHeaders.into());
                    }
                    Err(_) => return Err(ProtocolViolation::MalformedHead.into()),
                }
            }
            scanned = self.input.buffered().len();
            if !self.input.fill(ProtocolViolation::HeadTooLarge)? {
                return Err(ProtocolViolation::UnexpectedEof.into());
            }
        }
    }

    /// Reads the body into `out` as `framing` says.
    fn read_body(
        &mut self,
        framing: Framing,
        out: &mut Body<'_>,
    ) -> Result<(), Http1Error<S::Error>> {
        match framing {
            Framing::Empty => Ok(()),
            Framing::Length(len) => {
                if len > (out.capacity() as u64).saturating_add(self.drain_limit) {
                    // Not worth reading: give the connection up.
                    return Err(Http1Error::ResponseTooLarge { capacity: out.capacity() });
                }
                self.read_exact(len, out)
            }
            Framing::Chunked => self.read_chunked(out),
            Framing::UntilClose => {
                while self.read_some(u64::MAX, out)? > 0 {
                    if out.overflow > 0 {
                        return Err(Http1Error::ResponseTooLarge { capacity: out.capacity() });
                    }
                }
                Ok(())
            }
        }
    }

    /// Moves up to `max` body bytes into `out` (dropping what does not fit); `Ok(0)` at end of
    /// stream.
    fn read_some(&mut self, max: u64, out: &mut Body<'_>) -> Result<usize, Http1Error<S::Error>> {
        let space = out.space();
        if space.is_empty() {
            // Drop at most one byte past the drain limit, so that the limit is found exceeded
            // at the same byte whatever the stream's read sizes (one skip can drop a buffer).
            let allowance = self.drain_limit.saturating_sub(out.overflow).saturating_add(1);
            let n = self.input.skip(max.min(allowance))?;
            out.overflow = out.overflow.saturating_add(n as u64);
            if out.overflow > self.drain_limit {
                return Err(Http1Error::ResponseTooLarge { capacity: out.capacity() });
            }
            return Ok(n);
        }
        let room = usize::try_from(max).map_or(space.len(), |max| max.min(space.len()));
        let n = self.input.read_into(&mut space[..room])?;
        out.filled += n;
        Ok(n)
    }

    fn read_exact(&mut self, mut len: u64, out: &mut Body<'_>) -> Result<(), Http1Error<S::Error>> {
        while len > 0 {
            match self.read_some(len, out)? {
                0 => return Err(ProtocolViolation::UnexpectedEof.into()),
                n => len -= n as u64,
            }
        }
        Ok(())
    }

    fn read_chunked(&mut self, out: &mut Body<'_>) -> Result<(), Http1Error<S::Error>> {
        loop {
            let line = self.input.line(ProtocolViolation::LineTooLong)?;
            let size = match self.input.buffered().first() {
                Some(b) if b.is_ascii_hexdigit() => {
                    match httparse::parse_chunk_size(&self.input.buffered()[..line]) {
                        Ok(httparse::Status::Complete((_, size))) => size,
                        _ => return Err(ProtocolViolation::MalformedChunk.into()),
                    }
                }
                _ => return Err(ProtocolViolation::MalformedChunk.into()),
            };
            self.input.consume(line);
            if size == 0 {
                break;
            }
            self.read_exact(size, out)?;
            let line = self.input.line(ProtocolViolation::MalformedChunk)?;
            if &self.input.buffered()[..line] != b"\r\n" {
                return Err(ProtocolViolation::MalformedChunk.into());
            }
            self.input.consume(line);
        }
        // Trailer fields, skipped, then the final blank line.
        for _ in 0..=MAX_HEADERS {
            let line = self.input.line(ProtocolViolation::LineTooLong)?;
            let blank = &self.input.buffered()[..line] == b"\r\n";
            self.input.consume(line);
            if blank {
                return Ok(());
            }
        }
        Err(ProtocolViolation::TooManyHeaders.into())
    }

    fn exchange<'b>(
        &mut self,
        req: &Request<'_>,
        url: &Url<'_>,
        out: &mut Body<'b>,
    ) -> Result<Head, Http1Error<S::Error>> {
        self.write_request(req, url).map_err(Http1Error::Stream)?;
        let head = self.read_head()?;
        self.read_body(head.framing, out)?;
        Ok(head)
    }
}

impl<S: Read + Write, const HEADER_BUF: usize, const MAX_HEADERS: usize> ErrorType
    for Http1Transport<S, HEADER_BUF, MAX_HEADERS>
{
    type Error = Http1Error<S::Error>;
}

impl<S: Read + Write, const HEADER_BUF: usize, const MAX_HEADERS: usize> Transport
    for Http1Transport<S, HEADER_BUF, MAX_HEADERS>
{
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        let url = Url::parse(req.url).map_err(|_| Http1Error::InvalidUrl)?;
        req.check_headers().map_err(|_| Http1Error::InvalidRequest)?;
        if !self.open {
            return Err(Http1Error::Closed);
        }
        let mut out = Body { buf, filled: 0, overflow: 0 };
        match self.exchange(req, &url, &mut out) {
            Ok(head) => {
                // Bytes beyond the response were never asked for (no pipelining): the stream is
                // out of step with the exchanges, so it is not used again.
                self.open = !head.close && self.input.buffered().is_empty();
                if out.overflow > 0 {
                    return Err(Http1Error::ResponseTooLarge { capacity: out.capacity() });
                }
                let Body { buf, filled, .. } = out;
                Ok(Response::new(head.status, &buf[..filled]).with_headers(head.headers))
            }
            Err(e) => {
                self.open = false;
                Err(e)
            }
        }
    }
}

/// The caller's buffer being filled, and how many body bytes did not fit.
struct Body<'b> {
    buf: &'b mut [u8],
    filled: usize,
    overflow: u64,
}

impl Body<'_> {
    const fn capacity(&self) -> usize {
        self.buf.len()
    }

    fn space(&mut self) -> &mut [u8] {
        &mut self.buf[self.filled..]
    }
}

/// `n` in decimal, written into the end of `digits` (`usize`: native division on 32-bit
/// microcontrollers, where `u64 / 10` would link a software divider).
fn decimal(mut n: usize, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[i..];
        }
    }
}
