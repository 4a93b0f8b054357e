//! A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for the transport tests: one thread per
//! connection, keep-alive, every request recorded byte for byte, accepted connections counted.
//! Connections idle for 5 s are closed and a stalled reply sleeps 3 s, so no thread outlives
//! a test run by much.

use core::net::SocketAddr;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One request as received.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    /// Request line and headers, up to and including the blank line.
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn path(&self) -> &str {
        let target = self.head.split(' ').nth(1).unwrap_or("");
        target.split('?').next().unwrap_or(target)
    }
}

/// What the server does with a request.
pub(crate) enum Reply {
    /// Write these bytes and keep the connection.
    Send(Vec<u8>),
    /// Write these bytes and close the connection.
    SendAndClose(Vec<u8>),
    /// Say nothing for 3 s, then close.
    Stall,
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// A server with the standard routes of [`route`].
    pub(crate) fn start() -> Self {
        Self::with_handler(route)
    }

    pub(crate) fn with_handler(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let accepted = accepted.clone();
            let requests = requests.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let requests = requests.clone();
                    let handler = handler.clone();
                    thread::spawn(move || serve(stream, &requests, &*handler));
                }
            });
        }
        Self { addr, accepted, requests }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Connections accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("request log").clone()
    }
}

fn serve(mut stream: TcpStream, requests: &Mutex<Vec<Recorded>>, handler: &Handler) {
    if stream.set_read_timeout(Some(Duration::from_secs(5))).is_err() {
        return;
    }
    let mut pending = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut pending) {
        requests.lock().expect("request log").push(request.clone());
        match handler(&request) {
            Reply::Send(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Reply::SendAndClose(bytes) => {
                let _ = stream.write_all(&bytes);
                return;
            }
            Reply::Stall => {
                thread::sleep(Duration::from_secs(3));
                return;
            }
        }
    }
}

/// Reads one request (head, then a `Content-Length` body); `None` at EOF, error or timeout.
fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<Recorded> {
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        pending.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&pending[..head_len]).into_owned();
    let body_len = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while pending.len() < head_len + body_len {
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        pending.extend_from_slice(&chunk[..n]);
    }
    let body = pending[head_len..head_len + body_len].to_vec();
    pending.drain(..head_len + body_len);
    Some(Recorded { head, body })
}

/// `status` with a `Content-Length` body.
pub(crate) fn response(status: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status}\r\n{extra_headers}Content-Length: {}\r\n\r\n", body.len())
            .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A 200 with `body` sent chunked in pieces of `piece` bytes.
pub(crate) fn chunked(body: &[u8], piece: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in body.chunks(piece) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

pub(crate) const BIG: usize = 4096;

/// The standard routes.
pub(crate) fn route(req: &Recorded) -> Reply {
    let path = req.path();
    let send = Reply::Send;
    match path {
        "/ok" => send(response("200 OK", "Content-Type: text/plain\r\n", b"hello")),
        "/json-404" => send(response("404 Not Found", "", br#"{"msg":"not found","type":""}"#)),
        "/json-500" => {
            send(response("500 Internal Server Error", "", br#"{"msg":"boom","type":"server"}"#))
        }
        "/redirect" => send(response("302 Found", "Location: /ok\r\n", b"moved")),
        "/stall" => Reply::Stall,
        "/big" => send(response("200 OK", "", &[b'x'; BIG])),
        "/big-chunked" => send(chunked(&[b'y'; BIG], 512)),
        "/chunked" => send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                .to_vec(),
        ),
        "/close" => {
            Reply::SendAndClose(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close".to_vec())
        }
        "/continue" => send(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        ),
        "/no-content" => send(b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()),
        "/echo" => send(response("200 OK", "", &req.body)),
        _ => match path.strip_prefix("/exact/").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => send(response("200 OK", "", &vec![b'e'; n])),
            None => send(response("404 Not Found", "", b"no route")),
        },
    }
}
