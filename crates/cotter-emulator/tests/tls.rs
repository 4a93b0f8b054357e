//! HTTPS: the emulator over real TLS (ureq with rustls, trusting only the emulator's CA): the JWKS, a
//! whole sign-in and code exchange, a client that trusts another CA refused, the binary's `--tls`,
//! `--tls-ca-out` and `--tls-cert/--tls-key`, seeded certificates that repeat, and hostile TLS clients
//! that tie up no worker for longer than the read timeout.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use base64ct::{Base64, Encoding as _};
use common::{REDIRECT, app_target, pkce, query_value};
use core::time::Duration;
use cotter_emulator::{Config, Emulator, Tls, browser};
use serde_json::{Value, json};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Child;
use std::sync::Arc;
use std::time::Instant;

fn start_tls(config: Config) -> Emulator {
    Emulator::start(config.with_log_outbox(false).with_tls(Tls::Generated)).unwrap()
}

/// A ureq agent that trusts only the certificates in `roots_pem` (no web PKI roots).
fn agent(roots_pem: &str) -> ureq::Agent {
    let roots: Vec<_> = ureq::tls::parse_pem(roots_pem.as_bytes())
        .filter_map(|item| match item.unwrap() {
            ureq::tls::PemItem::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    assert!(!roots.is_empty(), "no certificate in {roots_pem}");
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

fn get_json(agent: &ureq::Agent, url: &str) -> Result<(u16, Value), ureq::Error> {
    let mut resp = agent.get(url).call()?;
    let text = resp.body_mut().read_to_string()?;
    Ok((resp.status().as_u16(), serde_json::from_str(&text).unwrap()))
}

fn post_json(agent: &ureq::Agent, url: &str, body: &Value) -> (u16, Value) {
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("API_KEY_ID", cotter_emulator::DEFAULT_API_KEY_ID)
        .send(body.to_string().as_bytes())
        .unwrap();
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&text).unwrap())
}

#[test]
fn jwks_over_https_trusting_only_the_emulators_ca() {
    let emu = start_tls(Config::new());
    let port = emu.local_addr().port();
    assert_eq!(emu.base_url(), format!("https://127.0.0.1:{port}"));
    assert_eq!(emu.api_base(), format!("https://127.0.0.1:{port}/api/v0"));
    assert!(emu.hosted_page_url().starts_with("https://127.0.0.1:"));
    let ca = emu.tls_ca_pem().unwrap();
    let agent = agent(ca);
    // By IP (SAN 127.0.0.1) and by name (SAN localhost).
    for url in [
        format!("{}/token/jwks", emu.api_base()),
        format!("https://localhost:{port}/api/v0/token/jwks"),
    ] {
        let (status, jwks) = get_json(&agent, &url).unwrap();
        assert_eq!(status, 200, "{url}");
        assert_eq!(jwks["keys"][0]["kid"], cotter_emulator::DEFAULT_KID, "{url}");
    }
    let (status, root) = get_json(&agent, &format!("{}/", emu.base_url())).unwrap();
    assert_eq!(status, 200);
    assert!(root.to_string().contains("https://127.0.0.1:"), "{root}");
    assert_eq!(emu.stats().jwks, 2);
}

#[test]
fn a_client_that_trusts_another_ca_is_refused() {
    let emu = start_tls(Config::new());
    let other = start_tls(Config::new());
    assert_ne!(emu.tls_ca_pem(), other.tls_ca_pem());
    let url = format!("{}/token/jwks", emu.api_base());
    let err = get_json(&agent(other.tls_ca_pem().unwrap()), &url).unwrap_err();
    // rustls refuses the server's certificate (ureq reports it as I/O with rustls's error inside).
    let shown = format!("{err:?}");
    assert!(shown.contains("InvalidCertificate"), "{shown}");
    // Plain HTTP does not reach the TLS listener either.
    let plain = ureq::Agent::config_builder().http_status_as_error(false).build();
    let plain: ureq::Agent = plain.into();
    let mut resp = plain
        .get(&format!("http://127.0.0.1:{}/api/v0/token/jwks", emu.local_addr().port()))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.body_mut().read_to_string().unwrap().contains("https://"));
    assert_eq!(emu.stats().jwks, 0, "no request was served");
}

#[test]
fn a_whole_sign_in_and_code_exchange_over_https() {
    let emu = start_tls(Config::new().with_seed(11));
    let agent = agent(emu.tls_ca_pem().unwrap());
    let (verifier, challenge) = pkce("tls");
    let login_url = format!("{}{}", emu.base_url(), app_target(&challenge, "s1", ""));
    // The scripted user trusts this emulator's CA because the emulator runs in this process.
    let redirect = browser::complete_login(&login_url, "tls@example.com").unwrap();
    assert!(redirect.starts_with(REDIRECT), "{redirect}");
    let code = query_value(&redirect, "code").unwrap();
    let challenge_id: u64 = query_value(&redirect, "challenge_id").unwrap().parse().unwrap();
    let (status, identity) = post_json(
        &agent,
        &format!("{}/verify/get_identity?oauth_token=true", emu.api_base()),
        &json!({"code_verifier": verifier, "authorization_code": code,
                "challenge_id": challenge_id, "redirect_url": REDIRECT}),
    );
    assert_eq!(status, 200, "{identity}");
    let refresh = identity["oauth_token"]["refresh_token"].as_str().unwrap();
    let (status, tokens) = post_json(
        &agent,
        &format!("{}/token/{}", emu.api_base(), cotter_emulator::DEFAULT_API_KEY_ID),
        &json!({"grant_type": "refresh_token", "refresh_token": refresh}),
    );
    assert_eq!(status, 200, "{tokens}");
    assert_ne!(tokens["refresh_token"], refresh);

    // A magic link is an https:// link, and opening it signs the user in.
    let magic_url = format!("{login_url}&auth_method=MAGIC_LINK");
    let redirect = browser::complete_login(&magic_url, "link@example.com").unwrap();
    assert!(query_value(&redirect, "code").is_some(), "{redirect}");
    let link = emu.outbox(Some("link@example.com")).pop().unwrap().magic_link.unwrap();
    assert!(link.starts_with(&format!("{}/app/magic?token=", emu.base_url())), "{link}");
}

#[test]
fn the_users_own_certificate() {
    let (cert_pem, key_pem) = self_signed_localhost();
    let emu = Emulator::start(
        Config::new()
            .with_log_outbox(false)
            .with_tls(Tls::Pem { cert_chain_pem: cert_pem.clone(), key_pem: key_pem.clone() }),
    )
    .unwrap();
    assert_eq!(emu.tls_ca_pem(), None);
    let (status, _) =
        get_json(&agent(&cert_pem), &format!("{}/token/jwks", emu.api_base())).unwrap();
    assert_eq!(status, 200);
    // The same through the binary's flags.
    let dir = temp_dir("own-cert");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    let (mut child, url) =
        spawn(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    let (status, _) = get_json(&agent(&cert_pem), &format!("{url}/api/v0/token/jwks")).unwrap();
    assert_eq!(status, 200);
    stop(&mut child);
    // A key that does not parse is a start-up error, not a panic.
    let broken = Emulator::start(Config::new().with_tls(Tls::Pem {
        cert_chain_pem: cert_pem,
        key_pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
    }));
    assert!(matches!(broken, Err(cotter_emulator::Error::Tls(_))), "{broken:?}");
}

#[test]
fn the_binary_writes_its_ca_and_a_seed_repeats_it() {
    let dir = temp_dir("ca-out");
    let mut pems = Vec::new();
    for run in 0..2 {
        let ca_file = dir.join(format!("ca-{run}.pem"));
        let (mut child, url) =
            spawn(&["--tls", "--seed", "5", "--tls-ca-out", ca_file.to_str().unwrap()]);
        let pem = std::fs::read_to_string(&ca_file).unwrap();
        let (status, jwks) = get_json(&agent(&pem), &format!("{url}/api/v0/token/jwks")).unwrap();
        assert_eq!((status, jwks["keys"].as_array().map(Vec::len)), (200, Some(1)));
        stop(&mut child);
        pems.push(pem);
    }
    assert_eq!(pems[0], pems[1], "--seed repeats the CA byte for byte");
    // The library makes the same CA for the same seed; another seed makes another.
    let emu = start_tls(Config::new().with_seed(5));
    assert_eq!(emu.tls_ca_pem(), Some(pems[0].as_str()));
    assert_ne!(start_tls(Config::new().with_seed(6)).tls_ca_pem(), Some(pems[0].as_str()));
    // Without a seed, each run makes its own.
    assert_ne!(start_tls(Config::new()).tls_ca_pem(), start_tls(Config::new()).tls_ca_pem());
}

#[test]
fn hostile_tls_clients_tie_up_no_worker_past_the_read_timeout() {
    // Two workers: the two stalled clients below hold both.
    let emu = start_tls(Config::new().with_workers(2));
    let addr = emu.local_addr();
    let agent = agent(emu.tls_ca_pem().unwrap());
    let jwks = format!("{}/token/jwks", emu.api_base());

    // Connects and sends nothing; sends half a ClientHello and stops.
    let hello = client_hello();
    let silent = TcpStream::connect(addr).unwrap();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(&hello[..hello.len() / 2]).unwrap();
    let started = Instant::now();
    // Both workers are held, so a good client waits, but no longer than the 5 s read timeout.
    assert_eq!(get_json(&agent, &jwks).unwrap().0, 200);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(8), "a good client waited {waited:?}");
    for (name, stream) in [("silent", silent), ("half hello", half)] {
        let (closed_after, _) = read_until_closed(stream, started);
        assert!(closed_after < Duration::from_secs(8), "{name}: closed after {closed_after:?}");
    }

    // Garbage instead of a ClientHello: an alert, and the connection closed at once.
    let mut garbage = TcpStream::connect(addr).unwrap();
    let bytes: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(97) % 251) as u8).collect();
    garbage.write_all(&bytes).unwrap();
    let (closed_after, answer) = read_until_closed(garbage, Instant::now());
    assert!(closed_after < Duration::from_secs(2), "garbage: closed after {closed_after:?}");
    assert!(answer.is_empty() || answer[0] == 0x15, "an alert record, or nothing: {answer:?}");

    // A record header that promises a huge handshake message, then nothing.
    let mut big = TcpStream::connect(addr).unwrap();
    big.write_all(&[0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff]).unwrap();
    let (closed_after, _) = read_until_closed(big, Instant::now());
    assert!(closed_after < Duration::from_secs(8), "oversized record: {closed_after:?}");

    // Plain HTTP to the TLS port: a plain 400 that says to use https://, then close.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .write_all(format!("GET /api/v0/token/jwks HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    let (closed_after, answer) = read_until_closed(plain, Instant::now());
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
    assert!(answer.contains("https://") && answer.contains("Connection: close"), "{answer}");
    assert!(closed_after < Duration::from_secs(2), "plain HTTP: closed after {closed_after:?}");

    // And the emulator still serves, at once.
    let started = Instant::now();
    assert_eq!(get_json(&agent, &jwks).unwrap().0, 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(emu.stats().jwks, 2);
}

/// Reads until the server closes; returns how long after `since` that was, and what it sent.
fn read_until_closed(mut stream: TcpStream, since: Instant) -> (Duration, Vec<u8>) {
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    (since.elapsed(), got)
}

/// The bytes of a real ClientHello (rustls, to `localhost`).
fn client_hello() -> Vec<u8> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello).unwrap();
    }
    assert!(hello.len() > 100 && hello[0] == 0x16);
    hello
}

/// A self-signed ECDSA P-256 certificate for `localhost` and `127.0.0.1`, and its key, both PEM.
fn self_signed_localhost() -> (String, String) {
    struct Key(p256::ecdsa::SigningKey, Vec<u8>);
    impl rcgen::PublicKeyData for Key {
        fn der_bytes(&self) -> &[u8] {
            &self.1
        }
        fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
            &rcgen::PKCS_ECDSA_P256_SHA256
        }
    }
    impl rcgen::SigningKey for Key {
        fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
            use p256::ecdsa::signature::Signer as _;
            let signature: p256::ecdsa::Signature = self.0.sign(msg);
            Ok(signature.to_der().as_bytes().to_vec())
        }
    }
    let secret = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let public = secret.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let key = Key(secret, public);
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    params.serial_number = Some(rcgen::SerialNumber::from(vec![1u8, 2, 3]));
    let cert = params.self_signed(&key).unwrap();
    let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&key.0).unwrap();
    (pem("CERTIFICATE", cert.der()), pem("PRIVATE KEY", pkcs8.as_bytes()))
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let lines: Vec<&str> =
        b64.as_bytes().chunks(64).map(|line| core::str::from_utf8(line).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_nanos();
    let dir = std::env::temp_dir()
        .join(format!("cotter-emulator-tls-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the binary; returns it and the URL of its first line, which must be `https://`.
fn spawn(args: &[&str]) -> (Child, String) {
    let args: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
    let (child, _, first) = common::spawn_binary(&args);
    let url = first
        .trim_end()
        .strip_prefix("cotter-emulator listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    (child, url)
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
