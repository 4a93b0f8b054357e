//! Tests of the TLS handshake's limits over real sockets: the whole-handshake deadline against a client
//! that trickles its ClientHello, a stopping server, and plain HTTP on the TLS port.

use super::*;
use crate::tls::{Tls, setup};
use std::net::TcpListener;
use std::string::String;
use std::thread;
use std::vec::Vec;

fn config() -> Arc<ServerConfig> {
    setup(&Tls::Generated, Some(1)).expect("generated").config
}

/// A real ClientHello (rustls, to `localhost`).
fn client_hello() -> Vec<u8> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello).expect("hello");
    }
    hello
}

/// The server end of a loopback connection whose client runs `client` in a thread.
fn pair(client: impl FnOnce(TcpStream) + Send + 'static) -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || client(TcpStream::connect(addr).expect("connect")));
    let (server, _) = listener.accept().expect("accept");
    server.set_read_timeout(Some(IDLE_TIMEOUT)).expect("timeout");
    server
}

#[test]
fn a_trickled_client_hello_is_cut_off_at_the_deadline() {
    let hello = client_hello();
    // One byte every 100 ms: each read succeeds well within the idle timeout, so only the deadline
    // ends it (the whole hello would take tens of seconds).
    let server = pair(move |mut client| {
        for byte in hello {
            if client.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let started = Instant::now();
    let stop = AtomicBool::new(false);
    let result = accept_tls(server, &config(), &stop, started + Duration::from_secs(1));
    let took = started.elapsed();
    assert!(matches!(result, Err(None)));
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_stopping_server_gives_up_the_handshake() {
    let hello = client_hello();
    let server = pair(move |mut client| {
        let _ = client.write_all(&hello[..10]);
        thread::sleep(Duration::from_secs(2));
    });
    let stop = AtomicBool::new(true);
    let result = accept_tls(server, &config(), &stop, Instant::now() + Duration::from_secs(30));
    assert!(matches!(result, Err(None)));
}

#[test]
fn plain_http_is_told_to_use_https() {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = pair(move |mut client| {
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        let mut answer = String::new();
        let _ = client.read_to_string(&mut answer);
        tx.send(answer).expect("send back");
    });
    let stop = AtomicBool::new(false);
    let result = accept_tls(server, &config(), &stop, Instant::now() + Duration::from_secs(5));
    assert!(matches!(result, Err(Some(400))));
    let answer = rx.recv_timeout(Duration::from_secs(5)).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("use an https:// URL"), "{answer}");
}
