//! [`Client::login_loopback`]: sign-in for desktop apps and CLIs, with the browser's redirect
//! caught on 127.0.0.1 (RFC 8252 §7.3).

use crate::client::{Client, Result};
use crate::clock::Clock;
use crate::error::Error;
use crate::io::UNESCAPE;
use crate::login::LoginKind;
use crate::random::OsRandom;
use core::time::Duration;
use cotter_proto::RedirectParams;
use cotter_store::TokenStore;
use cotter_transport::Transport;
use std::format;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::string::String;
use std::time::Instant;
use std::vec::Vec;
use zeroize::Zeroizing;

/// Options of [`Client::login_loopback`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LoopbackOptions {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Open the system browser (`xdg-open`, `open`, `start`) besides printing the URL.
    pub open_browser: bool,
    /// How long the whole login may take: the one deadline for the browser to come back.
    /// Connections that send nothing useful do not extend it (at most a year).
    pub timeout: Duration,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self { port: 0, open_browser: false, timeout: Duration::from_secs(300) }
    }
}

impl LoopbackOptions {
    /// Sets the port.
    #[must_use]
    pub const fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Opens the system browser.
    #[must_use]
    pub const fn open_browser(mut self, open: bool) -> Self {
        self.open_browser = open;
        self
    }

    /// Sets the timeout.
    #[must_use]
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

const PAGE_OK: &str =
    "<!doctype html><title>Signed in</title><h1>Signed in</h1><p>You can close this window.</p>";
const PAGE_FAILED: &str = "<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1><p>Return to the application.</p>";

fn open_in_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // Best effort: the URL is printed too.
    let _ = std::process::Command::new(program).arg(url).spawn();
}

/// The longest request line read (method, target, version and line end). The callback's
/// line (code, state, challenge ID) is well under 1 KiB; 8 KiB is what common servers accept.
/// A longer one is answered 414 and dropped.
const LINE_LIMIT: usize = 8 * 1024;
/// The most header bytes read after the request line, the blank line included. A browser
/// sends 1–2 KiB. More is answered 431 and dropped.
const HEADER_BYTES_LIMIT: usize = 16 * 1024;
/// The most header lines read. More are answered 431 and dropped.
const HEADER_COUNT_LIMIT: usize = 64;
/// How long one connection may take in all, from its accept to the end of its headers (and
/// no later than the login's deadline). A browser sends its request at once; a local process
/// that connects and stays silent, or trickles bytes, is dropped after this. Connections are
/// served one at a time, so the browser's waits in the listen backlog meanwhile and is
/// served next.
const CONNECTION_TIME: Duration = Duration::from_secs(2);
/// The longest `LoopbackOptions::timeout` taken as given: a longer one waits this long (any
/// `Duration`, even `Duration::MAX`, then gives a deadline an `Instant` can hold).
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// What a connection sent.
enum Request {
    /// A `GET` of this target, its headers read to the blank line.
    Get(String),
    /// Not read to the end: answered with this status and dropped.
    Refused(&'static str),
    /// Closed, silent past its time, or unreadable: dropped without an answer.
    Dropped,
}

/// The time left until `until`; `None` once it has passed.
fn left(until: Instant) -> Option<Duration> {
    until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

/// One read that returns by `until` (each read's timeout is what is left, so the total is
/// bounded, not each read); `None` on end of stream, error or timeout.
fn read_by(stream: &mut TcpStream, buf: &mut [u8], until: Instant) -> Option<usize> {
    stream.set_read_timeout(Some(left(until)?)).ok()?;
    stream.read(buf).ok().filter(|&n| n > 0)
}

/// Reads a request head, the request line and headers up to the blank line, within the
/// limits above and by `until`. Only the request line is kept; headers are counted.
fn read_request(stream: &mut TcpStream, until: Instant) -> Request {
    let mut line = Vec::new();
    let mut line_done = false;
    let (mut header_bytes, mut headers) = (0, 0);
    // Whether the header line being read has anything but CR so far.
    let mut header_text = false;
    let mut chunk = [0u8; 1024];
    loop {
        let Some(n) = read_by(stream, &mut chunk, until) else { return Request::Dropped };
        for &byte in &chunk[..n] {
            if !line_done {
                if line.len() == LINE_LIMIT {
                    return Request::Refused("414 URI Too Long");
                }
                line.push(byte);
                line_done = byte == b'\n';
                continue;
            }
            header_bytes += 1;
            if header_bytes > HEADER_BYTES_LIMIT {
                return Request::Refused("431 Request Header Fields Too Large");
            }
            match byte {
                b'\n' if !header_text => return request_line(&line),
                b'\n' => {
                    headers += 1;
                    if headers > HEADER_COUNT_LIMIT {
                        return Request::Refused("431 Request Header Fields Too Large");
                    }
                    header_text = false;
                }
                b'\r' => {}
                _ => header_text = true,
            }
        }
    }
}

/// `GET <target> HTTP/1.x`: the target; anything else is a bad request.
fn request_line(line: &[u8]) -> Request {
    let text = core::str::from_utf8(line).unwrap_or_default();
    let mut parts = text.trim_end_matches(['\r', '\n']).split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Request::Get(target.into()),
        _ => Request::Refused("400 Bad Request"),
    }
}

/// The answers are a few hundred bytes, which the socket's send buffer takes whole: writing
/// them does not wait for the peer to read.
fn answer(stream: &mut TcpStream, status: &str, page: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// Answers a request that was not read to its end, then reads what the peer still sends
/// until it closes (by `until`): closing a socket with unread bytes resets the connection,
/// which can discard the answer before the peer has read it.
fn refuse(stream: &mut TcpStream, status: &str, until: Instant) {
    answer(stream, status, "");
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = [0u8; 1024];
    while read_by(stream, &mut sink, until).is_some() {}
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// Signs in through the system browser: listens on `127.0.0.1` (a free port unless
    /// given), builds the hosted-page URL with `http://127.0.0.1:PORT/callback` as redirect,
    /// hands the URL to `show` (print it for the user), optionally opens the browser, waits for
    /// the redirect, answers it with a small page, and completes the sign-in.
    ///
    /// Any local process can connect to the port, so until the deadline
    /// ([`LoopbackOptions::timeout`]) connections are served one at a time and none can end
    /// the login or hold it: each gets 2 s in all to send its request head (request line at
    /// most 8 KiB, else 414; headers at most 64 lines and 16 KiB, else 431), requests to other
    /// paths get 404, and a callback whose `state` is missing or not this login's (also one
    /// with `error=`) gets 400 and is otherwise ignored. Only a callback with this login's
    /// `state` ends the login, signed in or rejected.
    ///
    /// # Errors
    /// [`Error::LoginTimeout`] when no callback with this login's `state` came back in time,
    /// [`Error::Io`] when the port cannot be bound, and everything
    /// [`Client::complete_login`] returns for that callback (`error=` is
    /// [`Error::LoginRejected`]).
    pub fn login_loopback(
        &mut self,
        kind: LoginKind,
        identifier: Option<&str>,
        options: LoopbackOptions,
        show: impl FnOnce(&str),
    ) -> Result<(), T, S> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).map_err(|_| Error::Io)?;
        let port = listener.local_addr().map_err(|_| Error::Io)?.port();
        listener.set_nonblocking(true).map_err(|_| Error::Io)?;
        let redirect = format!("http://127.0.0.1:{port}/callback");
        let (url, pending) = self.begin_login(kind, identifier, &redirect, &mut OsRandom)?;
        show(&url);
        if options.open_browser {
            open_in_browser(&url);
        }
        let deadline = Instant::now() + options.timeout.min(LONGEST_WAIT);
        while Instant::now() < deadline {
            let mut stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(25));
                    continue;
                }
                Err(_) => return Err(Error::Io),
            };
            let until = deadline.min(Instant::now() + CONNECTION_TIME);
            // Some systems hand out accepted sockets non-blocking like their listener.
            let _ = stream.set_nonblocking(false);
            let target = match read_request(&mut stream, until) {
                Request::Get(target) => target,
                Request::Refused(status) => {
                    refuse(&mut stream, status, until);
                    continue;
                }
                Request::Dropped => continue,
            };
            if target.split('?').next() != Some("/callback") {
                answer(&mut stream, "404 Not Found", "");
                continue;
            }
            // Only a callback with this login's `state` may end it. Anything else (a wrong or
            // missing state, with or without `error=`, or a query that does not parse, so
            // that its state cannot be told) is answered and the login goes on waiting.
            // `complete_login` parses the same query into a scratch of the same size, so it
            // fails to parse exactly when this does; it checks `state` before `error=` and
            // before any request, and says `StateMismatch` for a wrong or missing one.
            let scratch = &mut *Zeroizing::new([0u8; UNESCAPE]);
            if RedirectParams::parse(&target, scratch).is_err() {
                answer(&mut stream, "400 Bad Request", PAGE_FAILED);
                continue;
            }
            match self.complete_login(&pending, &target) {
                Err(Error::StateMismatch) => answer(&mut stream, "400 Bad Request", PAGE_FAILED),
                result => {
                    let (status, page) = match result {
                        Ok(()) => ("200 OK", PAGE_OK),
                        Err(_) => ("400 Bad Request", PAGE_FAILED),
                    };
                    answer(&mut stream, status, page);
                    return result;
                }
            }
        }
        Err(Error::LoginTimeout)
    }
}
