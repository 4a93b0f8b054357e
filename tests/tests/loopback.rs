//! `Client::login_loopback` against the emulator, with a scripted user in the browser's place
//! and hostile local processes on the loopback port: a silent connection, a trickling one
//! (slowloris), oversized requests, callbacks with a wrong `state` (with and without
//! `error=`), and the one deadline of the whole login. The browser's requests go through the
//! SDK's transport; the hostile ones are written by hand, since they are about the listener's
//! limits on the bytes it reads.

use core::time::Duration;
use cotter::store::MemoryStore;
use cotter::transport::{Request, Transport as _, UreqConfig, UreqTransport};
use cotter::{Client, Clock, Config, Error, LoginKind, LoopbackOptions};
use cotter_emulator::{Emulator, browser};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// The emulator's own clock.
struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

type Outcome = cotter::Result<(), UreqTransport, MemoryStore<8192>>;

const KEY: &str = "cotter-dev-api-key";
const WHO: &str = "loop@example.com";
/// How long the hostile connections keep going at most (so that every test ends, also
/// against a server they hold).
const CAP: Duration = Duration::from_secs(12);

/// Runs `login_loopback` with `timeout` on this thread while `user` plays everything that
/// talks to the loopback port on another, given the hosted-page URL and the port. Returns
/// the login's result, how long it took, and what `user` returned.
fn login<R: Send>(
    timeout: Duration,
    user: impl FnOnce(&str, u16) -> R + Send,
) -> (Outcome, Duration, R) {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false))
        .expect("emulator starts");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(KEY).base_url(&api).hosted_page_url(&page);
    let mut c: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("client");
    let (url_tx, url_rx) = mpsc::channel::<String>();
    thread::scope(|s| {
        let user = s.spawn(move || {
            let url = url_rx.recv().expect("the hosted-page URL");
            let port = port_of(&url);
            user(&url, port)
        });
        let start = Instant::now();
        let options = LoopbackOptions::default().timeout(timeout);
        let result = c.login_loopback(LoginKind::EmailOtp, Some(WHO), options, |url| {
            url_tx.send(url.to_owned()).expect("hand the URL to the user");
        });
        let took = start.elapsed();
        if result.is_ok() {
            c.access_token().expect("signed in: a token");
        }
        (result, took, user.join().expect("the user thread"))
    })
}

/// The loopback port in the hosted-page URL's `redirect_url`.
fn port_of(url: &str) -> u16 {
    let at = url.find("127.0.0.1%3A").expect("a loopback redirect_url") + "127.0.0.1%3A".len();
    let digits: String = url[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a port")
}

/// This login's `state`, from the hosted-page URL.
fn state_of(url: &str) -> &str {
    url.split("state=").nth(1).and_then(|s| s.split('&').next()).expect("state")
}

/// Signs in on the hosted page; returns the path and query the browser would then request on
/// the loopback port.
fn sign_in(url: &str) -> String {
    let redirect = browser::complete_login(url, WHO).expect("the user signs in");
    let rest = redirect.strip_prefix("http://127.0.0.1:").expect("a loopback redirect");
    rest[rest.find('/').expect("a path")..].to_owned()
}

/// Sends `request` as is to the loopback port and reads the answer to the end (empty when
/// the connection was dropped without one).
fn send(port: u16, request: &[u8]) -> String {
    let mut s = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => return format!("(no connection: {e})"),
    };
    s.set_read_timeout(Some(CAP)).expect("read timeout");
    // The server stops reading once it has refused a request: a failed write is expected.
    let _ = s.write_all(request);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// What a browser got from the loopback port: the status and the page (status 0 and the
/// transport's error when there was no answer).
#[derive(Debug)]
struct Page {
    status: u16,
    body: String,
}

/// A browser's `GET` of `target` on the loopback port, sent with the SDK's transport.
fn get(port: u16, target: &str) -> Page {
    let url = format!("http://127.0.0.1:{port}{target}");
    let mut transport = UreqTransport::with_config(UreqConfig::new().timeout(CAP));
    let mut buf = vec![0u8; 16 * 1024];
    match transport.send(&Request::get(&url), &mut buf) {
        Ok(page) => {
            Page { status: page.status, body: String::from_utf8_lossy(page.body).into_owned() }
        }
        Err(e) => Page { status: 0, body: format!("(no answer: {e:?})") },
    }
}

fn connect(port: u16) -> std::io::Result<TcpStream> {
    TcpStream::connect(("127.0.0.1", port))
}

/// A slowloris: sends `GET /callback?` and then one byte every 250 ms (never a line end)
/// until the server drops the connection or [`CAP`] has passed since `start`.
fn trickle(mut stream: TcpStream, start: Instant) {
    let _ = stream.write_all(b"GET /callback?");
    while start.elapsed() < CAP && stream.write_all(b"a").is_ok() {
        thread::sleep(Duration::from_millis(250));
    }
}

fn assert_signed_in(result: &Outcome, page: &Page) {
    assert!(result.is_ok(), "the login failed: {result:?}");
    assert!(page.status == 200 && page.body.contains("Signed in"), "{page:?}");
}

#[test]
fn a_silent_connection_does_not_hold_the_login() {
    let (result, took, page) = login(Duration::from_secs(8), |url, port| {
        // Connects first and says nothing; the browser's connection waits behind it.
        let silent = connect(port).expect("connect");
        let page = get(port, &sign_in(url));
        drop(silent);
        page
    });
    assert_signed_in(&result, &page);
    // The silent connection costs its 2 s, not the login's 8 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_trickling_connection_does_not_hold_the_login() {
    let (result, took, page) = login(Duration::from_secs(8), |url, port| {
        let slow = connect(port).expect("connect");
        let start = Instant::now();
        thread::scope(|s| {
            s.spawn(move || trickle(slow, start));
            get(port, &sign_in(url))
        })
    });
    assert_signed_in(&result, &page);
    // Bytes that keep coming do not extend a connection's time past 2 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn oversized_requests_are_refused_and_the_login_goes_on() {
    let (result, _, (long_line, header_bytes, header_count, page)) =
        login(Duration::from_secs(10), |url, port| {
            let pad = "a".repeat(9 * 1024);
            let long_line = format!("GET /callback?pad={pad} HTTP/1.1\r\n\r\n");
            // 60 headers (under the count limit) of 300 bytes: 18 000 bytes.
            let value = "b".repeat(290);
            let big: String = (0..60).map(|i| format!("X-{i:02}: {value}\r\n")).collect();
            let header_bytes = format!("GET / HTTP/1.1\r\n{big}\r\n");
            let many: String = (0..65).map(|i| format!("X-{i}: 1\r\n")).collect();
            let header_count = format!("GET / HTTP/1.1\r\n{many}\r\n");
            (
                send(port, long_line.as_bytes()),
                send(port, header_bytes.as_bytes()),
                send(port, header_count.as_bytes()),
                get(port, &sign_in(url)),
            )
        });
    assert!(long_line.starts_with("HTTP/1.1 414 "), "{long_line:?}");
    assert!(header_bytes.starts_with("HTTP/1.1 431 "), "{header_bytes:?}");
    assert!(header_count.starts_with("HTTP/1.1 431 "), "{header_count:?}");
    assert_signed_in(&result, &page);
}

#[test]
fn callbacks_with_a_wrong_state_are_ignored() {
    let (result, _, (ignored, page)) = login(Duration::from_secs(10), |url, port| {
        let real = sign_in(url);
        let state = state_of(url);
        assert!(real.contains(state), "{real}");
        // The real code and challenge with another state, then without one.
        let forged = real.replace(state, "c3RhdGUtc3RhdGUtc3RhdGU");
        let stateless = real.replace(&format!("state={state}"), "x=1");
        let ignored = [
            get(port, &forged),
            get(port, &stateless),
            get(port, "/callback"),
            // Unparsable: the state cannot be told, so it is not this login's.
            get(port, "/callback?code=a&code=b"),
        ];
        (ignored, get(port, &real))
    });
    for (i, answer) in ignored.iter().enumerate() {
        let failed = answer.status == 400 && answer.body.contains("Sign-in failed");
        assert!(failed, "callback {i}: {answer:?}");
    }
    // The forged callback did not use up the code: the real one still signs in.
    assert_signed_in(&result, &page);
}

#[test]
fn error_redirects_with_a_wrong_state_are_ignored() {
    let (result, _, (ignored, rejected)) = login(Duration::from_secs(10), |url, port| {
        let ignored = [
            get(port, "/callback?error=access_denied&state=c3RhdGUtc3RhdGUtc3RhdGU"),
            get(port, "/callback?error=access_denied"),
            get(port, "/callback?error=access_denied&state="),
        ];
        // Only this login's state may end it, here with a rejection.
        let state = state_of(url);
        (ignored, get(port, &format!("/callback?error=access_denied&state={state}")))
    });
    for (i, answer) in ignored.iter().enumerate() {
        assert_eq!(answer.status, 400, "callback {i}: {answer:?}");
    }
    let failed = rejected.status == 400 && rejected.body.contains("Sign-in failed");
    assert!(failed, "{rejected:?}");
    assert!(matches!(result, Err(Error::LoginRejected)), "{result:?}");
}

#[test]
fn the_deadline_ends_the_login_despite_a_slowloris() {
    let timeout = Duration::from_secs(3);
    let (result, took, ()) = login(timeout, |_, port| {
        // Reconnects whenever the server drops it, until the listener is gone.
        let start = Instant::now();
        while start.elapsed() < CAP {
            let Ok(stream) = connect(port) else { break };
            trickle(stream, start);
        }
    });
    assert!(matches!(result, Err(Error::LoginTimeout)), "{result:?}");
    assert!(took < timeout + Duration::from_secs(1), "took {took:?}");
}
