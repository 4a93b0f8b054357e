//! The `backend` example run as outside checks run it (`--issuer-url URL --api-key ID`),
//! against the emulator over real HTTP: the first stdout line, `GET /whoami`, every RFC 6750
//! answer with its exact header, key rotation, and the issuer going down.

use base64ct::{Base64UrlUnpadded, Encoding as _};
use core::time::Duration;
use cotter::store::MemoryStore;
use cotter::transport::UreqTransport;
use cotter::{Client, Config, LoginKind, OsRandom, SystemClock};
use cotter_emulator::{Emulator, browser};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// The example's process, killed when the test ends.
struct Backend {
    child: Child,
    url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_backend(issuer_url: &str, api_key: &str) -> Backend {
    start_backend_with(issuer_url, api_key, &[])
}

fn start_backend_with(issuer_url: &str, api_key: &str, more: &[&str]) -> Backend {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = dir.join("examples").join(format!("backend{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&bin)
        .args(["--issuer-url", issuer_url, "--api-key", api_key])
        .args(more)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the backend example");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("backend listening on "))
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not http://127.0.0.1:PORT: {url:?}"));
    assert_ne!(port, 0);
    Backend { child, url, _stdout: stdout }
}

/// One answer: status, the `WWW-Authenticate` and `Retry-After` values, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    retry_after: Option<String>,
    raw: String,
    body: String,
}

fn get(url: &str, path: &str, authorization: Option<&str>) -> Answer {
    let addr = url.strip_prefix("http://").expect("http url");
    let mut stream = TcpStream::connect(addr).expect("connect to the backend");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
        .expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    Answer {
        status,
        www_authenticate: header("www-authenticate"),
        retry_after: header("retry-after"),
        body: body.to_owned(),
        raw: raw.clone(),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

/// A real sign-in (email OTP through the hosted page): the access token the emulator issued.
fn login(emu: &Emulator) -> String {
    let api_key = emu.api_keys()[0].clone();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(&api_key).base_url(&api).hosted_page_url(&page);
    let mut client: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), SystemClock)
            .expect("client");
    let (url, pending) = client
        .begin_login(
            LoginKind::EmailOtp,
            Some("ada@example.com"),
            "http://127.0.0.1:8080/cb",
            &mut OsRandom,
        )
        .expect("begin login");
    let redirect = browser::complete_login(&url, "ada@example.com").expect("sign in");
    client.complete_login(&pending, &redirect).expect("code exchange");
    client.access_token().expect("access token").to_owned()
}

/// A token signed with the emulator's current key (from its exported state): for the cases a
/// sign-in cannot produce (expired, another audience, another sign-in method).
fn mint(emu: &Emulator, claims: &serde_json::Value) -> String {
    let state: serde_json::Value = serde_json::from_str(&emu.export_state()).expect("state");
    let current = &state["keys"]["jwt"][0];
    let kid = current[0].as_str().expect("kid");
    let scalar = Base64UrlUnpadded::decode_vec(current[1].as_str().expect("key")).expect("b64");
    let key = SigningKey::from_slice(&scalar).expect("P-256 key");
    let header = serde_json::json!({ "alg": "ES256", "kid": kid, "typ": "JWT" });
    let mut token = Base64UrlUnpadded::encode_string(header.to_string().as_bytes());
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(claims.to_string().as_bytes()));
    let signature: Signature = key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(&signature.to_bytes()));
    token
}

fn claims(emu: &Emulator, exp: u64, method: &str) -> serde_json::Value {
    serde_json::json!({
        "client_user_id": "app-user-1", "authentication_method": method,
        "type": "client_access_token", "scope": "access", "aud": emu.api_keys()[0],
        "exp": exp, "jti": "8d2b5f1e-0000-4000-8000-000000000001", "iat": now(),
        "iss": "https://www.cotter.app", "sub": "9f0c1a2b-0000-4000-8000-000000000002",
    })
}

fn emulator() -> Emulator {
    Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emulator")
}

fn invalid_token(description: &str) -> String {
    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
}

#[test]
fn whoami_and_each_rfc6750_answer() {
    let emu = emulator();
    let backend = start_backend(emu.base_url(), &emu.api_keys()[0]);
    let url = &backend.url;

    // No credentials: 401 with a bare challenge.
    for auth in [None, Some(""), Some("Bearer"), Some("Bearer   "), Some("Basic dXNlcjpwdw==")] {
        let a = get(url, "/whoami", auth);
        assert_eq!(a.status, 401, "{auth:?}: {a:?}");
        assert_eq!(a.www_authenticate.as_deref(), Some("Bearer"), "{auth:?}");
    }

    // A real sign-in's token.
    let token = login(&emu);
    let a = get(url, "/whoami", Some(&format!("Bearer {token}")));
    assert_eq!(a.status, 200, "{a:?}");
    let json: serde_json::Value = serde_json::from_str(&a.body).expect("JSON");
    let keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["auth_method", "identifier", "sub"]);
    assert_eq!(json["auth_method"], "OTP");
    assert!(json["sub"].as_str().is_some_and(|s| !s.is_empty()), "{json}");
    // The scheme is case-insensitive (RFC 6750 section 2.1 follows RFC 7235).
    assert_eq!(get(url, "/whoami", Some(&format!("bearer {token}"))).status, 200);

    // Each failed check, named, the token never echoed.
    let mut flipped = token.clone();
    let sig_start = flipped.rfind('.').expect("three segments") + 1;
    let first = flipped.as_bytes()[sig_start];
    flipped.replace_range(sig_start..=sig_start, if first == b'A' { "B" } else { "A" });
    let expired = mint(&emu, &claims(&emu, now() - 3600, "OTP"));
    let mut foreign = claims(&emu, now() + 3600, "OTP");
    foreign["aud"] = "another-api-key".into();
    let foreign = mint(&emu, &foreign);
    let mut other_issuer = claims(&emu, now() + 3600, "OTP");
    other_issuer["iss"] = "https://evil.example".into();
    let other_issuer = mint(&emu, &other_issuer);
    let cases = [
        ("not-a-jwt", "malformed token"),
        ("a.b.c", "malformed token"),
        (flipped.as_str(), "invalid signature"),
        (expired.as_str(), "token expired"),
        (foreign.as_str(), "wrong audience"),
        (other_issuer.as_str(), "wrong issuer"),
    ];
    for (bad, description) in cases {
        let a = get(url, "/whoami", Some(&format!("Bearer {bad}")));
        assert_eq!(a.status, 401, "{description}: {a:?}");
        assert_eq!(a.www_authenticate, Some(invalid_token(description)));
        if bad.len() > 8 {
            assert!(!a.raw.contains(bad), "the token is echoed: {a:?}");
        }
    }

    // A claims check the app adds: 403 insufficient_scope; a WEBAUTHN token passes it.
    let a = get(url, "/webauthn-only", Some(&format!("Bearer {token}")));
    assert_eq!(a.status, 403, "{a:?}");
    assert_eq!(
        a.www_authenticate.as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"WEBAUTHN sign-in required\""
        )
    );
    let passkey = mint(&emu, &claims(&emu, now() + 3600, "WEBAUTHN"));
    let a = get(url, "/webauthn-only", Some(&format!("Bearer {passkey}")));
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body.contains("\"auth_method\":\"WEBAUTHN\""), "{a:?}");
}

#[test]
fn tokens_under_a_rotated_key_pass_after_one_refetch() {
    let emu = emulator();
    let backend = start_backend(emu.base_url(), &emu.api_keys()[0]);
    let before = mint(&emu, &claims(&emu, now() + 3600, "OTP"));
    assert_eq!(get(&backend.url, "/whoami", Some(&format!("Bearer {before}"))).status, 200);
    assert_eq!(emu.stats().jwks, 1, "one fetch at start");

    let new_kid = emu.rotate_key();
    let after = mint(&emu, &claims(&emu, now() + 3600, "OTP"));
    assert!(after.starts_with(&Base64UrlUnpadded::encode_string(
        serde_json::json!({ "alg": "ES256", "kid": new_kid, "typ": "JWT" }).to_string().as_bytes()
    )));
    let a = get(&backend.url, "/whoami", Some(&format!("Bearer {after}")));
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(emu.stats().jwks, 2, "exactly one refetch");
    // A real sign-in under the new key (the client fetches the JWKS itself), and the old
    // key's token: no more fetches by the backend.
    let token = login(&emu);
    let fetched = emu.stats().jwks;
    assert_eq!(get(&backend.url, "/whoami", Some(&format!("Bearer {token}"))).status, 200);
    assert_eq!(get(&backend.url, "/whoami", Some(&format!("Bearer {before}"))).status, 200);
    assert_eq!(emu.stats().jwks, fetched);
}

#[test]
fn cached_keys_keep_working_while_the_issuer_is_down() {
    let emu = emulator();
    let backend = start_backend(emu.base_url(), &emu.api_keys()[0]);
    let seen = mint(&emu, &claims(&emu, now() + 3600, "OTP"));
    let unseen = mint(&emu, &claims(&emu, now() + 1800, "OTP"));
    assert_eq!(get(&backend.url, "/whoami", Some(&format!("Bearer {seen}"))).status, 200);
    emu.shutdown();
    // A token verified before (cache hit) and one never seen (verified with the cached key).
    assert_eq!(get(&backend.url, "/whoami", Some(&format!("Bearer {seen}"))).status, 200);
    let a = get(&backend.url, "/whoami", Some(&format!("Bearer {unseen}")));
    assert_eq!(a.status, 200, "{a:?}");
}

#[test]
fn never_fetched_and_issuer_down_is_503() {
    // A port with nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let emu = emulator();
    let token = mint(&emu, &claims(&emu, now() + 3600, "OTP"));
    let backend = start_backend(&format!("http://127.0.0.1:{port}"), &emu.api_keys()[0]);
    let a = get(&backend.url, "/whoami", Some(&format!("Bearer {token}")));
    assert_eq!(a.status, 503, "{a:?}");
    assert!(a.www_authenticate.is_none(), "{a:?}");
    assert!(
        a.retry_after.as_deref().and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s >= 1),
        "{a:?}"
    );
    // Without a token the answer needs no keys.
    assert_eq!(get(&backend.url, "/whoami", None).status, 401);
}

#[test]
fn an_https_issuer_is_trusted_through_ca_file_only() {
    let emu = Emulator::start(
        cotter_emulator::Config::new()
            .with_log_outbox(false)
            .with_tls(cotter_emulator::Tls::Generated),
    )
    .expect("emulator over TLS");
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let ca = std::env::temp_dir().join(format!("cotter-backend-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, emu.tls_ca_pem().expect("generated CA")).expect("write the CA");
    let token = mint(&emu, &claims(&emu, now() + 3600, "OTP"));
    let auth = format!("Bearer {token}");

    let trusting = start_backend_with(
        emu.base_url(),
        &emu.api_keys()[0],
        &["--ca-file", ca.to_str().expect("utf-8 path")],
    );
    let a = get(&trusting.url, "/whoami", Some(&auth));
    assert_eq!(a.status, 200, "{a:?}");

    // Without the CA the emulator's certificate is not trusted: no keys, 503.
    let before = emu.stats().jwks;
    let strict = start_backend(emu.base_url(), &emu.api_keys()[0]);
    assert_eq!(get(&strict.url, "/whoami", Some(&auth)).status, 503);
    assert_eq!(emu.stats().jwks, before, "the handshake failed before any request");
    let _ = std::fs::remove_file(&ca);
}
