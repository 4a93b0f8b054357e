//! [`Client::login_loopback`]: sign-in for desktop apps and CLIs, with the browser's redirect
//! caught on 127.0.0.1 (RFC 8252 §7.3).

use crate::client::{Client, Result};
use crate::clock::Clock;
use crate::error::Error;
use crate::login::LoginKind;
use crate::random::OsRandom;
use core::time::Duration;
use cotter_store::TokenStore;
use cotter_transport::Transport;
use std::format;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::string::String;
use std::time::Instant;

/// Options of [`Client::login_loopback`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LoopbackOptions {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Open the system browser (`xdg-open`, `open`, `start`) besides printing the URL.
    pub open_browser: bool,
    /// How long to wait for the browser to come back.
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

/// Reads one request line from a connection; answers it with `page`.
fn read_target(stream: &mut TcpStream) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    (method == "GET").then(|| String::from(target))
}

fn answer(stream: &mut TcpStream, status: &str, page: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes());
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
    /// the redirect (requests to other paths get 404), answers it with a small page, and
    /// completes the sign-in.
    ///
    /// # Errors
    /// [`Error::LoginTimeout`] when nothing came back in time, [`Error::Io`] when the port
    /// cannot be bound, and everything [`Client::complete_login`] returns.
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
        let deadline = Instant::now() + options.timeout;
        loop {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    let Some(target) = read_target(&mut stream) else { continue };
                    if !target.starts_with("/callback") {
                        answer(&mut stream, "404 Not Found", "");
                        continue;
                    }
                    let result = self.complete_login(&pending, &target);
                    let (status, page) = match result {
                        Ok(()) => ("200 OK", PAGE_OK),
                        Err(_) => ("400 Bad Request", PAGE_FAILED),
                    };
                    answer(&mut stream, status, page);
                    return result;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(Error::LoginTimeout);
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(_) => return Err(Error::Io),
            }
        }
    }
}
