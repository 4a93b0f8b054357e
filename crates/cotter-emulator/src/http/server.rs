//! The listener thread, the bounded worker pool and the per-connection request loop.

use super::conn::{Conn, ConnRef, accept_tls, drain_conn};
use super::parse::{ReadError, read_request};
use super::{Request, Response, Wire, reason};
use core::cell::RefCell;
use core::net::SocketAddr;
use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use core::time::Duration;
use rustls::ServerConfig;
use std::collections::HashMap;
use std::io::{self, BufRead as _, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::catch_unwind;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Instant;
use std::vec::Vec;

/// How long a kept-alive connection may sit idle between requests (and the longest single read, TLS
/// handshake included).
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an idle kept-alive connection checks whether a queued connection needs its worker.
const IDLE_POLL: Duration = Duration::from_millis(50);
/// How long one request may take to arrive in full; also how long a whole TLS handshake may take.
pub(super) const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
/// How long a response write may block.
pub(super) const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server calls for each request.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers one request. Must not panic; the server contains a panic anyway (500, connection closed).
    fn handle(&self, request: Request) -> Response;
    /// Told about each request the server rejected before it reached [`Handler::handle`].
    fn rejected(&self, status: u16);
}

type Registry = Mutex<HashMap<u64, TcpStream>>;

/// Accepted connections no worker has picked up yet. While any wait, idle kept-alive connections are closed
/// so that their workers serve the waiting ones.
type Waiting = AtomicUsize;

/// A running server; dropping it stops it and joins its threads.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<Registry>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `workers` threads (each handles one connection at a time) and a queue of
    /// `workers * 16` accepted connections; beyond that, new connections wait in the listen backlog.
    /// With `tls`, every connection starts with a TLS handshake under the same timeouts as a request.
    pub(crate) fn start(
        listener: TcpListener,
        workers: usize,
        handler: Arc<dyn Handler>,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let workers = workers.max(1);
        let stop = Arc::new(AtomicBool::new(false));
        let connections: Arc<Registry> = Arc::new(Mutex::new(HashMap::new()));
        let (queue, incoming) = sync_channel::<TcpStream>(workers * 16);
        let waiting = Arc::new(Waiting::new(0));
        let incoming = Arc::new(Mutex::new(incoming));
        let mut threads = Vec::with_capacity(workers + 1);
        for index in 0..workers {
            let incoming = Arc::clone(&incoming);
            let handler = Arc::clone(&handler);
            let worker_stop = Arc::clone(&stop);
            let connections = Arc::clone(&connections);
            let waiting = Arc::clone(&waiting);
            let tls = tls.clone();
            let spawned = thread::Builder::new()
                .name(format!("cotter-emulator-worker-{index}"))
                .spawn(move || {
                    let shared =
                        Shared { handler: &*handler, stop: &worker_stop, waiting: &waiting };
                    worker(&incoming, &shared, tls.as_ref(), &connections);
                });
            match spawned {
                Ok(handle) => threads.push(handle),
                Err(e) => {
                    stop.store(true, Ordering::SeqCst);
                    drop(queue);
                    join_all(threads);
                    return Err(e);
                }
            }
        }
        let accept_stop = Arc::clone(&stop);
        let spawned =
            thread::Builder::new().name("cotter-emulator-accept".into()).spawn(move || {
                accept_loop(&listener, &queue, &accept_stop, &waiting);
            });
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(e) => {
                stop.store(true, Ordering::SeqCst);
                join_all(threads);
                return Err(e);
            }
        }
        Ok(Self { addr, stop, connections, threads })
    }

    /// The bound address.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and joins every thread. Idempotent.
    pub(crate) fn shutdown(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop, which then exits and closes the queue; idle workers see the queue closed.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        for stream in self.connections.lock().unwrap_or_else(PoisonError::into_inner).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        join_all(core::mem::take(&mut self.threads));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn join_all(threads: Vec<JoinHandle<()>>) {
    for handle in threads {
        let _ = handle.join();
    }
}

fn accept_loop(
    listener: &TcpListener,
    queue: &SyncSender<TcpStream>,
    stop: &AtomicBool,
    waiting: &Waiting,
) {
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and similar: back off instead of spinning.
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        // Counted before it is queued, so a worker never sees the count below what it takes off. A full
        // queue blocks this thread: further clients then wait in the kernel's backlog instead of failing.
        waiting.fetch_add(1, Ordering::SeqCst);
        if queue.send(stream).is_err() {
            return;
        }
    }
}

/// What every connection of one worker looks at.
struct Shared<'w> {
    handler: &'w dyn Handler,
    stop: &'w AtomicBool,
    waiting: &'w Waiting,
}

fn worker(
    incoming: &Mutex<Receiver<TcpStream>>,
    shared: &Shared<'_>,
    tls: Option<&Arc<ServerConfig>>,
    connections: &Registry,
) {
    let Shared { stop, waiting, .. } = *shared;
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    loop {
        let next = incoming.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(stream) = next else { return };
        waiting.fetch_sub(1, Ordering::SeqCst);
        if stop.load(Ordering::SeqCst) {
            continue;
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            connections.lock().unwrap_or_else(PoisonError::into_inner).insert(id, clone);
        }
        // A panic below (there should be none: handlers are guarded) costs one connection, not the worker.
        let _ = catch_unwind(AssertUnwindSafe(|| serve_connection(stream, shared, tls)));
        connections.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared<'_>, tls: Option<&Arc<ServerConfig>>) {
    let Shared { handler, stop, waiting } = *shared;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let conn = match tls {
        None => Conn::Plain(stream),
        Some(config) => match accept_tls(stream, config, stop, Instant::now() + REQUEST_DEADLINE) {
            Ok(conn) => conn,
            Err(Some(status)) => {
                handler.rejected(status);
                return;
            }
            Err(None) => return,
        },
    };
    // The reader and the writer take turns on one connection (a TLS session cannot be split in two).
    let conn = RefCell::new(conn);
    let mut reader = BufReader::with_capacity(16 * 1024, ConnRef(&conn));
    let mut writer = ConnRef(&conn);
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        if !wait_for_request(&mut reader, stop, waiting, first) {
            break;
        }
        first = false;
        match read_request(&mut reader, &mut writer, Instant::now() + REQUEST_DEADLINE) {
            Ok(incoming) => {
                let response = handler.handle(incoming.request);
                match response.wire {
                    Wire::Normal => {}
                    // Injected faults (`POST /dev/fail`): the client gets no answer, or half of one.
                    Wire::Reset => {
                        conn.borrow().reset_on_close();
                        return;
                    }
                    Wire::Close => break,
                    Wire::Truncate => {
                        let _ = write_response(&mut writer, &response, incoming.head, true);
                        break;
                    }
                }
                let close = !incoming.keep_alive
                    || response.close
                    || stop.load(Ordering::SeqCst)
                    || waiting.load(Ordering::SeqCst) > 0;
                if write_response(&mut writer, &response, incoming.head, close).is_err() || close {
                    break;
                }
            }
            Err(ReadError::Closed | ReadError::Io) => break,
            Err(ReadError::Reject(status, msg)) => {
                handler.rejected(status);
                let kind = match status {
                    408 => "timeout",
                    413 => "too_large",
                    414 | 431 => "too_large",
                    505 | 501 => "unsupported",
                    _ => "bad_request",
                };
                let response = Response::error(status, kind, msg);
                if write_response(&mut writer, &response, false, true).is_ok() {
                    // Let the client read the error even if it is still sending: stop writing, drain a while.
                    conn.borrow_mut().close_write();
                    drain_conn(&mut reader);
                }
                break;
            }
        }
    }
    conn.borrow_mut().close();
}

/// Waits until the next request starts to arrive. Gives up (close the connection) after [`IDLE_TIMEOUT`], on
/// shutdown, on EOF, or — except before a connection's first request — as soon as another connection waits
/// for a worker.
fn wait_for_request(
    reader: &mut BufReader<ConnRef<'_>>,
    stop: &AtomicBool,
    waiting: &Waiting,
    first: bool,
) -> bool {
    if !reader.buffer().is_empty() {
        return true;
    }
    let idle_since = Instant::now();
    reader.get_ref().set_read_timeout(IDLE_POLL);
    let ready = loop {
        if stop.load(Ordering::SeqCst) || (!first && waiting.load(Ordering::SeqCst) > 0) {
            break false;
        }
        match reader.fill_buf() {
            Ok(buf) => break !buf.is_empty(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if idle_since.elapsed() >= IDLE_TIMEOUT {
                    break false;
                }
            }
            Err(_) => break false,
        }
    };
    reader.get_ref().set_read_timeout(IDLE_TIMEOUT);
    ready
}

/// Writes `response` (only half its body for [`Wire::Truncate`], with the full `Content-Length`);
/// header values lose any control characters (no header injection).
pub(super) fn write_response<W: Write>(
    out: &mut W,
    response: &Response,
    head: bool,
    close: bool,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256 + response.body.len());
    let status = response.status;
    buf.extend(format!("HTTP/1.1 {status} {}\r\n", reason(status)).bytes());
    if !response.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        buf.extend(format!("Content-Type: {}\r\n", response.content_type).bytes());
    }
    buf.extend(format!("Content-Length: {}\r\n", response.body.len()).bytes());
    buf.extend(b"Cache-Control: no-store\r\n");
    buf.extend(if close {
        &b"Connection: close\r\n"[..]
    } else {
        &b"Connection: keep-alive\r\n"[..]
    });
    for (name, value) in &response.headers {
        buf.extend(name.bytes());
        buf.extend(b": ");
        buf.extend(value.bytes().filter(|b| !b.is_ascii_control()));
        buf.extend(b"\r\n");
    }
    buf.extend(b"\r\n");
    if !head {
        let body = &response.body;
        let sent = if response.wire == Wire::Truncate { body.len() / 2 } else { body.len() };
        buf.extend(&body[..sent]);
    }
    out.write_all(&buf)?;
    out.flush()
}
