//! The desktop client over HTTPS: `UreqTransport` (rustls) against the emulator's TLS listener.
//! A whole session crosses TLS (sign-in, refresh with rotation, logout); a server the client
//! does not trust, or one whose certificate names another host, fails with `ErrorKind::Tls`
//! before any request is sent; plain `http://` to another host is refused before connecting.

use cotter::store::{MemoryStore, TokenStore};
use cotter::transport::{
    Error as _, ErrorKind, Request, Transport as _, TrustedRoots, UreqConfig, UreqTransport,
};
use cotter::{Client, Config, Error, ManualClock};
use cotter_emulator::{Emulator, Tls};
use cotter_tests::{KEY, config, data_dir, emulator, sign_in};

/// An emulator serving HTTPS with the certificate it makes at start.
fn tls_emulator() -> Emulator {
    emulator(cotter_emulator::Config::new().with_tls(Tls::Generated))
}

/// A transport that trusts the web PKI and `ca_pem`.
fn trusting(ca_pem: &str) -> UreqTransport {
    let roots = TrustedRoots::web_pki().with_ca_pem(ca_pem.as_bytes()).expect("a CA certificate");
    UreqTransport::with_roots(UreqConfig::new(), &roots)
}

fn stored_refresh<S: TokenStore>(store: &mut S) -> String {
    let mut buf = vec![0u8; 8192];
    let s = store.load(&mut buf).ok().flatten().expect("a stored session");
    s.refresh_token.to_owned()
}

#[test]
fn a_whole_session_crosses_tls() {
    let emu = tls_emulator();
    assert!(emu.base_url().starts_with("https://127.0.0.1:"), "{}", emu.base_url());
    assert!(emu.hosted_page_url().starts_with("https://"), "{}", emu.hosted_page_url());
    let ca = emu.tls_ca_pem().expect("the generated CA").to_owned();
    let clock = ManualClock::new(emu.now());
    let mut c: Client<'_, _, _, _> =
        Client::new(config(&emu), trusting(&ca), MemoryStore::<8192>::new(), &clock)
            .expect("client");

    sign_in(&mut c, "tls@example.com").expect("sign-in over HTTPS");
    let first_access = c.access_token().expect("access token").to_owned();
    let first_refresh = stored_refresh(c.store_mut());

    // An hour later the access token is due: the refresh crosses TLS and rotates.
    emu.advance_clock(3600);
    clock.set(emu.now());
    let second_access = c.access_token().expect("refreshed over HTTPS").to_owned();
    assert_ne!(second_access, first_access);
    assert_ne!(stored_refresh(c.store_mut()), first_refresh, "the refresh token rotated");
    assert_eq!(c.user().expect("user").identifier.as_str(), "tls@example.com");

    c.logout().expect("logout over HTTPS");
    assert!(!c.is_signed_in().expect("state"));
    let stats = emu.stats();
    assert_eq!((stats.refresh, stats.revoke), (1, 1), "{stats:?}");
}

#[test]
fn a_server_signed_by_an_unknown_ca_is_a_tls_error() {
    let emu = tls_emulator();
    // Mozilla's roots only, then another emulator's CA: neither signed this server.
    let other = tls_emulator();
    let other_ca = other.tls_ca_pem().expect("CA").to_owned();
    for mut transport in [UreqTransport::new(), trusting(&other_ca)] {
        let url = format!("{}/token/jwks", emu.api_base());
        let mut buf = [0u8; 4096];
        let err = transport.send(&Request::get(&url), &mut buf).expect_err("untrusted");
        assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    }
    // The client reports it as a transport failure, and nothing was exchanged.
    let mut c: Client<'_, _, _, _> =
        Client::new(config(&emu), UreqTransport::new(), MemoryStore::<8192>::new(), {
            ManualClock::new(emu.now())
        })
        .expect("client");
    let err = sign_in(&mut c, "nobody@example.com").expect_err("untrusted server");
    match err {
        Error::Transport(e) => assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}"),
        other => panic!("expected a TLS failure, got {other}"),
    }
    assert_eq!(emu.stats().get_identity, 0);
}

#[test]
fn a_certificate_for_another_name_is_a_tls_error() {
    let dir = data_dir().join("tls");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("test data");
    let emu = emulator(cotter_emulator::Config::new().with_tls(Tls::Pem {
        cert_chain_pem: read("other-name.pem"),
        key_pem: read("other-name.key"),
    }));
    assert!(emu.tls_ca_pem().is_none(), "the user's own certificate: no generated CA");
    // The client trusts the CA that signed the certificate, but it names `other.example`, not
    // the 127.0.0.1 the client connects to.
    let mut transport = trusting(&read("ca.pem"));
    let url = format!("{}/token/jwks", emu.api_base());
    let mut buf = [0u8; 4096];
    let err = transport.send(&Request::get(&url), &mut buf).expect_err("wrong name");
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
}

#[test]
fn plain_http_to_another_host_is_refused_before_connecting() {
    let emu = tls_emulator();
    let ca = emu.tls_ca_pem().expect("CA").to_owned();
    // The client refuses the configuration outright.
    let config = Config::new(KEY).base_url("http://192.0.2.1/api/v0");
    let clock = ManualClock::new(emu.now());
    let client: cotter::Result<
        Client<'_, UreqTransport, MemoryStore<8192>, _>,
        UreqTransport,
        MemoryStore<8192>,
    > = Client::new(config, trusting(&ca), MemoryStore::<8192>::new(), &clock);
    match client {
        Err(Error::Config(e)) => assert_eq!(e, cotter::ConfigError::InsecureBaseUrl),
        Err(other) => panic!("expected InsecureBaseUrl, got {other}"),
        Ok(_) => panic!("a plain-http base URL to another host was accepted"),
    }
    // The transport refuses the request before connecting: 192.0.2.1 (TEST-NET-1) would hang
    // until the connect timeout if it tried.
    let mut transport = UreqTransport::with_roots(
        UreqConfig::new().connect_timeout(core::time::Duration::from_secs(20)),
        &TrustedRoots::web_pki().with_ca_pem(ca.as_bytes()).expect("CA"),
    );
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let refused = transport
        .send(&Request::get("http://192.0.2.1/api/v0/token/jwks"), &mut buf)
        .expect_err("refused");
    assert_eq!(refused.kind(), ErrorKind::InsecureUrl, "{refused:?}");
    assert!(started.elapsed() < core::time::Duration::from_secs(5), "a connection was tried");
}
