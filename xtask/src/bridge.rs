//! The byte bridge between QEMU's serial socket and the Cotter emulator.
//!
//! QEMU opens one TCP connection for the board's UART (`-serial tcp:127.0.0.1:PORT`) and keeps
//! it for the whole run, while the emulator closes a kept-alive connection after 5 s of
//! silence. The bridge listens on PORT, accepts QEMU, and forwards bytes both ways over an
//! upstream connection to the emulator that it opens when the firmware starts talking and
//! opens again when the emulator closed it or it has been idle for [`IDLE_REOPEN`] (before
//! the emulator's 5 s), so the firmware sees one connection that never goes away. It counts
//! the bytes and upstream connections.
//!
//! With TLS ([`Bridge::start_tls`]) a connection cannot be swapped under a session, so the
//! bridge follows the TLS records the firmware sends instead: each ClientHello opens a fresh
//! upstream connection (the firmware starts a new session), and nothing else does. It also
//! notes, per handshake, the ECDHE public key the ClientHello offers, how long the handshake
//! took (from the ClientHello to the firmware's first encrypted record, its Finished) and the
//! bytes it took each way.

use core::net::SocketAddr;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// An upstream connection idle this long is replaced before the next bytes go out.
const IDLE_REOPEN: Duration = Duration::from_secs(3);

/// Byte and connection counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) to_emulator: AtomicU64,
    pub(crate) to_firmware: AtomicU64,
    pub(crate) connections: AtomicU64,
    /// TLS handshakes seen (TLS mode only).
    pub(crate) handshakes: Mutex<Vec<Handshake>>,
}

/// One TLS handshake as the bridge saw it.
#[derive(Debug, Clone)]
pub(crate) struct Handshake {
    /// The first 8 bytes of the x coordinate of the secp256r1 key share, hex (as the firmware
    /// prints it), or empty when the ClientHello offered none.
    pub(crate) ecdhe_public: String,
    /// From the ClientHello to the firmware's first encrypted record (`None`: not finished).
    pub(crate) duration: Option<Duration>,
    /// Bytes firmware → emulator and back during it.
    pub(crate) bytes_out: u64,
    pub(crate) bytes_in: u64,
    started: Instant,
    out_at_start: u64,
    in_at_start: u64,
}

/// The upstream connection and when bytes last went either way.
struct Upstream {
    stream: Option<TcpStream>,
    generation: u64,
    last: Instant,
}

/// A running bridge.
pub(crate) struct Bridge {
    port: u16,
    counters: Arc<Counters>,
    _accept: JoinHandle<()>,
}

impl Bridge {
    /// Listens on `127.0.0.1:0` and forwards the first connection to `upstream`.
    pub(crate) fn start(upstream: SocketAddr) -> Result<Self, String> {
        Self::start_with(upstream, false)
    }

    /// The same for TLS: a new upstream connection for each ClientHello, and only then.
    pub(crate) fn start_tls(upstream: SocketAddr) -> Result<Self, String> {
        Self::start_with(upstream, true)
    }

    fn start_with(upstream: SocketAddr, tls: bool) -> Result<Self, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bridge: cannot listen: {e}"))?;
        let port = listener.local_addr().map_err(|e| format!("bridge: {e}"))?.port();
        let counters = Arc::new(Counters::default());
        let c = Arc::clone(&counters);
        let accept = std::thread::spawn(move || {
            if let Ok((qemu, _)) = listener.accept() {
                if tls {
                    serve_tls(qemu, upstream, &c);
                } else {
                    serve(qemu, upstream, &c);
                }
            }
        });
        Ok(Self { port, counters, _accept: accept })
    }

    /// The port QEMU connects to.
    pub(crate) const fn port(&self) -> u16 {
        self.port
    }

    /// The counters so far.
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }
}

/// Copies QEMU → emulator on this thread; each upstream connection gets a thread copying
/// emulator → QEMU. Returns when QEMU closes its side.
fn serve(qemu: TcpStream, upstream: SocketAddr, counters: &Arc<Counters>) {
    let _ = qemu.set_nodelay(true);
    let state =
        Arc::new(Mutex::new(Upstream { stream: None, generation: 0, last: Instant::now() }));
    let mut from_qemu = match qemu.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut buf = [0u8; 4096];
    loop {
        let n = match from_qemu.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let Ok(mut guard) = state.lock() else { break };
        let stale = guard.last.elapsed() >= IDLE_REOPEN;
        if (guard.stream.is_none() || stale)
            && !reconnect(&mut guard, upstream, &qemu, &state, counters)
        {
            break;
        }
        let written = guard.stream.as_mut().is_some_and(|s| s.write_all(&buf[..n]).is_ok());
        if !written {
            // Closed between two requests: once more on a fresh connection.
            if !reconnect(&mut guard, upstream, &qemu, &state, counters) {
                break;
            }
            if guard.stream.as_mut().is_none_or(|s| s.write_all(&buf[..n]).is_err()) {
                break;
            }
        }
        guard.last = Instant::now();
        counters.to_emulator.fetch_add(n as u64, Ordering::Relaxed);
    }
    if let Ok(mut guard) = state.lock()
        && let Some(s) = guard.stream.take()
    {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// TLS record content types.
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// Like [`serve`], record by record: a ClientHello record replaces the upstream connection
/// first; the firmware's first encrypted record after it ends the handshake's measurement.
fn serve_tls(qemu: TcpStream, upstream: SocketAddr, counters: &Arc<Counters>) {
    let _ = qemu.set_nodelay(true);
    let state =
        Arc::new(Mutex::new(Upstream { stream: None, generation: 0, last: Instant::now() }));
    let Ok(mut from_qemu) = qemu.try_clone() else { return };
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    'read: loop {
        let n = match from_qemu.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        // Whole records only: 5 header bytes, then the length they give.
        while pending.len() >= 5 {
            let len = 5 + usize::from(u16::from_be_bytes([pending[3], pending[4]]));
            if pending.len() < len {
                break;
            }
            let record: Vec<u8> = pending.drain(..len).collect();
            let Ok(mut guard) = state.lock() else { break 'read };
            let hello = record[0] == HANDSHAKE && record.get(5) == Some(&1);
            if hello {
                if !reconnect(&mut guard, upstream, &qemu, &state, counters) {
                    break 'read;
                }
                if let Ok(mut list) = counters.handshakes.lock() {
                    list.push(Handshake {
                        ecdhe_public: key_share(&record[5..]).unwrap_or_default(),
                        duration: None,
                        bytes_out: 0,
                        bytes_in: 0,
                        started: Instant::now(),
                        out_at_start: counters.to_emulator.load(Ordering::Relaxed),
                        in_at_start: counters.to_firmware.load(Ordering::Relaxed),
                    });
                }
            }
            // No upstream (it closed) and no new session: the bytes have nowhere to go.
            if guard.stream.as_mut().is_none_or(|s| s.write_all(&record).is_err()) {
                break 'read;
            }
            guard.last = Instant::now();
            counters.to_emulator.fetch_add(record.len() as u64, Ordering::Relaxed);
            if record[0] == APPLICATION_DATA
                && let Ok(mut list) = counters.handshakes.lock()
                && let Some(last) = list.last_mut()
                && last.duration.is_none()
            {
                last.duration = Some(last.started.elapsed());
                last.bytes_out = counters.to_emulator.load(Ordering::Relaxed) - last.out_at_start;
                last.bytes_in = counters.to_firmware.load(Ordering::Relaxed) - last.in_at_start;
            }
        }
    }
    if let Ok(mut guard) = state.lock()
        && let Some(s) = guard.stream.take()
    {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// The first 8 bytes (hex) of the x coordinate of the secp256r1 key share of a ClientHello
/// (the handshake message: type, length, body; RFC 8446 §4.1.2 and §4.2.8).
fn key_share(hello: &[u8]) -> Option<String> {
    let mut at = 4 + 2 + 32; // type and length; legacy_version; random
    let skip = |at: usize, len_bytes: usize| -> Option<usize> {
        let field = hello.get(at..at + len_bytes)?;
        let len = field.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
        Some(at + len_bytes + len)
    };
    at = skip(at, 1)?; // legacy_session_id
    at = skip(at, 2)?; // cipher_suites
    at = skip(at, 1)?; // legacy_compression_methods
    let end = skip(at, 2)?;
    at += 2;
    while at + 4 <= end {
        let kind = u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]);
        let next = skip(at + 2, 2)?;
        if kind == 0x0033 {
            let mut share = at + 6; // type, length, client_shares length
            while share + 4 <= next {
                let group = u16::from_be_bytes([*hello.get(share)?, *hello.get(share + 1)?]);
                let key_end = skip(share + 2, 2)?;
                let key = hello.get(share + 4..key_end)?;
                if group == 0x0017 && key.len() == 65 {
                    return Some(key[1..9].iter().map(|b| format!("{b:02x}")).collect());
                }
                share = key_end;
            }
        }
        at = next;
    }
    None
}

/// Replaces the upstream connection and starts its emulator → QEMU copier.
fn reconnect(
    guard: &mut Upstream,
    upstream: SocketAddr,
    qemu: &TcpStream,
    state: &Arc<Mutex<Upstream>>,
    counters: &Arc<Counters>,
) -> bool {
    if let Some(old) = guard.stream.take() {
        let _ = old.shutdown(Shutdown::Both);
    }
    let Ok(stream) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
        return false;
    };
    let _ = stream.set_nodelay(true);
    let (Ok(reader), Ok(to_qemu)) = (stream.try_clone(), qemu.try_clone()) else {
        return false;
    };
    guard.generation += 1;
    guard.stream = Some(stream);
    guard.last = Instant::now();
    counters.connections.fetch_add(1, Ordering::Relaxed);
    let generation = guard.generation;
    let state = Arc::clone(state);
    let counters = Arc::clone(counters);
    std::thread::spawn(move || copy_back(reader, to_qemu, generation, &state, &counters));
    true
}

/// Emulator → QEMU for one upstream connection; forgets the connection when it closes.
fn copy_back(
    mut reader: TcpStream,
    mut to_qemu: TcpStream,
    generation: u64,
    state: &Mutex<Upstream>,
    counters: &Counters,
) {
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to_qemu.write_all(&buf[..n]).is_err() {
                    break;
                }
                counters.to_firmware.fetch_add(n as u64, Ordering::Relaxed);
                if let Ok(mut guard) = state.lock() {
                    guard.last = Instant::now();
                }
            }
        }
    }
    if let Ok(mut guard) = state.lock()
        && guard.generation == generation
    {
        guard.stream = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    /// An upstream that answers each line upper-cased, then closes the connection when
    /// `close_after_reply`; counts the connections it accepted.
    fn upstream(close_after_reply: bool) -> (SocketAddr, Arc<AtomicU64>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::Relaxed);
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().expect("clone");
                    let mut lines = std::io::BufReader::new(stream).lines();
                    while let Some(Ok(line)) = lines.next() {
                        let _ = writer.write_all(format!("{}\n", line.to_uppercase()).as_bytes());
                        if close_after_reply {
                            let _ = writer.shutdown(Shutdown::Both);
                            return;
                        }
                    }
                });
            }
        });
        (addr, accepted)
    }

    /// The counter's value once it reaches `expected`, or after 2 s whatever it is.
    fn settled(counter: &AtomicU64, expected: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(2);
        while counter.load(Ordering::Relaxed) != expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        counter.load(Ordering::Relaxed)
    }

    fn exchange(client: &mut std::io::BufReader<TcpStream>, line: &str) -> String {
        client.get_mut().write_all(format!("{line}\n").as_bytes()).expect("write");
        let mut answer = String::new();
        client.read_line(&mut answer).expect("read");
        answer
    }

    #[test]
    fn one_client_connection_survives_upstream_closes() {
        let (addr, accepted) = upstream(true);
        let bridge = Bridge::start(addr).expect("bridge");
        let stream = TcpStream::connect(("127.0.0.1", bridge.port())).expect("connect");
        let mut client = std::io::BufReader::new(stream);
        assert_eq!(exchange(&mut client, "one"), "ONE\n");
        // Let the bridge see the upstream's close before the next request.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(exchange(&mut client, "two"), "TWO\n");
        assert_eq!(accepted.load(Ordering::Relaxed), 2);
        assert_eq!(bridge.counters().connections.load(Ordering::Relaxed), 2);
        // Byte counters are bumped after each forward, so the reply can reach the client a
        // moment before its count: wait (bounded) for the exact totals.
        assert_eq!(settled(&bridge.counters().to_emulator, 8), 8);
        assert_eq!(settled(&bridge.counters().to_firmware, 8), 8);
    }

    /// A TLS record of `kind` around `body`.
    fn record(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![kind, 3, 3];
        r.extend_from_slice(&u16::try_from(body.len()).expect("short").to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    /// A ClientHello (handshake message) offering a secp256r1 key share whose x coordinate
    /// starts with `x0`, after an X25519 share and another extension.
    fn client_hello(x0: u8) -> Vec<u8> {
        let mut shares = vec![0x00, 0x1d, 0x00, 0x20];
        shares.extend_from_slice(&[9; 32]);
        shares.extend_from_slice(&[0x00, 0x17, 0x00, 0x41, 0x04, x0, 1, 2, 3, 4, 5, 6, 7]);
        shares.extend_from_slice(&[0; 56]);
        let mut key_share = vec![0x00, 0x33];
        key_share.extend_from_slice(&u16::try_from(shares.len() + 2).expect("short").to_be_bytes());
        key_share.extend_from_slice(&u16::try_from(shares.len()).expect("short").to_be_bytes());
        key_share.extend_from_slice(&shares);
        let mut extensions = vec![0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04];
        extensions.extend_from_slice(&key_share);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
        body.extend_from_slice(&u16::try_from(extensions.len()).expect("short").to_be_bytes());
        body.extend_from_slice(&extensions);
        let mut hello = vec![1, 0];
        hello.extend_from_slice(&u16::try_from(body.len()).expect("short").to_be_bytes());
        hello.extend_from_slice(&body);
        hello
    }

    #[test]
    fn key_share_is_read_from_a_client_hello() {
        assert_eq!(key_share(&client_hello(0xab)).as_deref(), Some("ab01020304050607"));
        let hello = client_hello(0xab);
        assert_eq!(key_share(&hello[..hello.len() - 40]), None, "cut short");
        assert_eq!(key_share(&[1, 0, 0, 4, 3, 3]), None);
    }

    #[test]
    fn each_client_hello_opens_a_new_upstream_connection() {
        // An upstream that echoes every byte, one thread per connection.
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accepted = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::Relaxed);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let bridge = Bridge::start_tls(addr).expect("bridge");
        let mut client = TcpStream::connect(("127.0.0.1", bridge.port())).expect("connect");
        let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
        let mut exchange = |bytes: &[u8]| {
            // Split in two writes: the bridge must wait for the whole record.
            let (a, b) = bytes.split_at(3);
            client.write_all(a).expect("write");
            std::thread::sleep(Duration::from_millis(20));
            client.write_all(b).expect("write");
            let mut back = vec![0u8; bytes.len()];
            client.read_exact(&mut back).expect("echo");
            assert_eq!(back, bytes);
        };
        exchange(&record(HANDSHAKE, &client_hello(0x11)));
        exchange(&record(APPLICATION_DATA, b"finished"));
        exchange(&record(APPLICATION_DATA, b"request"));
        assert_eq!(accepted.load(Ordering::Relaxed), 1, "one session, one connection");
        exchange(&record(HANDSHAKE, &client_hello(0x22)));
        assert_eq!(settled(&accepted, 2), 2, "a new session, a new connection");
        let seen = bridge.counters().handshakes.lock().expect("lock").clone();
        let keys: Vec<&str> = seen.iter().map(|h| h.ecdhe_public.as_str()).collect();
        assert_eq!(keys, ["1101020304050607", "2201020304050607"]);
        assert!(seen[0].duration.is_some() && seen[1].duration.is_none());
        assert!(seen[0].bytes_out > 0 && seen[0].bytes_in > 0);
    }

    #[test]
    fn an_idle_upstream_connection_is_replaced() {
        let (addr, accepted) = upstream(false);
        let bridge = Bridge::start(addr).expect("bridge");
        let stream = TcpStream::connect(("127.0.0.1", bridge.port())).expect("connect");
        let mut client = std::io::BufReader::new(stream);
        assert_eq!(exchange(&mut client, "a"), "A\n");
        assert_eq!(exchange(&mut client, "b"), "B\n");
        assert_eq!(accepted.load(Ordering::Relaxed), 1, "kept alive while busy");
        std::thread::sleep(IDLE_REOPEN + Duration::from_millis(200));
        assert_eq!(exchange(&mut client, "c"), "C\n");
        assert_eq!(accepted.load(Ordering::Relaxed), 2, "reopened after the idle time");
    }
}
