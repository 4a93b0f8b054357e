//! One accepted connection, plain TCP or TLS over it, and the TLS handshake under the server's timeouts.
//!
//! A handshake is held to the same limits as a request: each read waits at most [`IDLE_TIMEOUT`], the
//! whole handshake gets [`REQUEST_DEADLINE`], each write [`WRITE_TIMEOUT`] (set on the socket by the
//! caller). So a client that connects and sends nothing, stops halfway through its ClientHello, or
//! trickles it byte by byte, holds its worker no longer than a slow HTTP request would; garbage ends the
//! handshake at the first record rustls cannot parse (with an alert). Plain HTTP sent to the TLS port is
//! answered in plain HTTP with a 400 that says so, since that mistake is the common one.

use super::Response;
use super::server::{IDLE_TIMEOUT, write_response};
#[cfg(doc)]
use super::server::{REQUEST_DEADLINE, WRITE_TIMEOUT};
use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Instant;

/// A connection the request loop reads requests from and writes responses to.
pub(super) enum Conn {
    /// HTTP over TCP.
    Plain(TcpStream),
    /// HTTP over TLS over TCP, handshake done.
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(tcp) => tcp,
            Self::Tls(tls) => &tls.sock,
        }
    }

    /// Ends the sending side (TLS: `close_notify` first) but keeps reading.
    pub(super) fn close_write(&mut self) {
        if let Self::Tls(tls) = self {
            tls.conn.send_close_notify();
            let StreamOwned { conn, sock } = &mut **tls;
            while conn.wants_write() {
                if conn.write_tls(sock).is_err() {
                    break;
                }
            }
        }
        let _ = self.tcp().shutdown(Shutdown::Write);
    }

    /// Makes the socket send a reset (RST) instead of a FIN when it is closed (`SO_LINGER` 0): for
    /// the `reset` fault. The caller then drops the connection without shutting it down.
    pub(super) fn reset_on_close(&self) {
        let _ = rustix::net::sockopt::set_socket_linger(self.tcp(), Some(Duration::ZERO));
    }

    /// Closes the connection (TLS: with `close_notify`).
    pub(super) fn close(&mut self) {
        self.close_write();
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.read(buf),
            Self::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.write(buf),
            Self::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => tcp.flush(),
            Self::Tls(tls) => tls.flush(),
        }
    }
}

/// A handle on the connection for the reader or the writer; they take turns, each call borrowing it for
/// the length of one read or write.
#[derive(Clone, Copy)]
pub(super) struct ConnRef<'c>(pub(super) &'c RefCell<Conn>);

impl ConnRef<'_> {
    /// Sets the socket's read timeout (a zero duration is raised to 1 ms: std refuses zero).
    pub(super) fn set_read_timeout(&self, timeout: Duration) {
        let _ = self.0.borrow().tcp().set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
    }
}

impl Read for ConnRef<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

impl Write for ConnRef<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// After an error response: reads and drops what the client still sends, for up to 200 ms per read and
/// 1 MiB in all, so that closing does not reset the connection before the client has read the response.
pub(super) fn drain<R: Read>(reader: &mut R) {
    let mut sink = [0u8; 8192];
    let mut drained = 0usize;
    while drained < 1 << 20 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Drains a connection's reader (see [`drain`]) with short reads.
pub(super) fn drain_conn(reader: &mut BufReader<ConnRef<'_>>) {
    reader.get_ref().set_read_timeout(Duration::from_millis(200));
    drain(reader.get_mut());
}

/// The first byte of every TLS connection: a handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// Runs the server side of a TLS handshake on `tcp`, to be done by `deadline` (the server passes now +
/// [`REQUEST_DEADLINE`]).
///
/// # Errors
///
/// `Some(400)` when the client sent plain HTTP (answered with a 400 saying to use `https://`), `None` when
/// the handshake failed, stalled, ran past its deadline, or the server is stopping.
pub(super) fn accept_tls(
    mut tcp: TcpStream,
    config: &Arc<ServerConfig>,
    stop: &AtomicBool,
    deadline: Instant,
) -> Result<Conn, Option<u16>> {
    let mut first = [0u8; 1];
    match tcp.peek(&mut first) {
        Ok(1) if first[0].is_ascii_uppercase() => {
            refuse_plain_http(&mut tcp);
            return Err(Some(400));
        }
        Ok(1) if first[0] == TLS_HANDSHAKE => {}
        // Garbage still goes to rustls, which answers it with an alert.
        Ok(1) => {}
        _ => return Err(None),
    }
    let mut conn = ServerConnection::new(Arc::clone(config)).map_err(|_| None)?;
    while conn.is_handshaking() {
        if stop.load(Ordering::SeqCst) {
            return Err(None);
        }
        while conn.wants_write() {
            conn.write_tls(&mut tcp).map_err(|_| None)?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(None);
        }
        let _ = tcp.set_read_timeout(Some(left.min(IDLE_TIMEOUT)));
        match conn.read_tls(&mut tcp) {
            Ok(0) => return Err(None),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(None),
        }
        if conn.process_new_packets().is_err() {
            // Tell the client why (the alert rustls queued), then give up.
            let _ = conn.write_tls(&mut tcp);
            let _ = tcp.shutdown(Shutdown::Both);
            return Err(None);
        }
    }
    // The server's last flight (TLS 1.2: its Finished) may still be queued.
    while conn.wants_write() {
        conn.write_tls(&mut tcp).map_err(|_| None)?;
    }
    let _ = tcp.set_read_timeout(Some(IDLE_TIMEOUT));
    Ok(Conn::Tls(Box::new(StreamOwned::new(conn, tcp))))
}

/// Answers a plain HTTP request on the TLS port with a plain HTTP 400, then closes.
fn refuse_plain_http(tcp: &mut TcpStream) {
    let response =
        Response::error(400, "bad_request", "this port speaks HTTPS: use an https:// URL");
    if write_response(tcp, &Response { close: true, ..response }, false, true).is_ok() {
        let _ = tcp.shutdown(Shutdown::Write);
        let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
        drain(tcp);
    }
    let _ = tcp.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests;
