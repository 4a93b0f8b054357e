//! Shared helpers of the integration tests: a raw HTTP/1.1 client over `TcpStream`, the hosted-page flows
//! driven through the HTML forms, PKCE, and ES256 verification of the emulator's tokens with `p256`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset of these helpers"
)]
#![allow(clippy::unwrap_used, clippy::missing_panics_doc, reason = "test helpers")]

pub mod device;
pub mod load;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use core::net::SocketAddr;
use core::time::Duration;
use cotter_emulator::Emulator;
use p256::ecdsa::signature::Verifier as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;

pub const KEY: &str = cotter_emulator::DEFAULT_API_KEY_ID;
pub const REDIRECT: &str = "http://localhost:8765/callback";

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("status {} body is not JSON ({e}): {}", self.status, self.text())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive connection that behaves like an HTTP client's pool of one: it reconnects after a
/// `Connection: close` response, and retries once on a fresh connection when a reused one turns out to be
/// closed by the server (an idle keep-alive connection may be closed at any time).
pub struct Conn {
    addr: SocketAddr,
    reader: Option<BufReader<TcpStream>>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Self {
        Self { addr, reader: Some(Self::connect(addr)) }
    }

    fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream.set_nodelay(true).unwrap();
        BufReader::new(stream)
    }

    /// Sends a request (adds Content-Length, and `Host: 127.0.0.1:PORT` unless `headers` has a Host) and
    /// reads the response.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let mut raw = format!("{method} {target} HTTP/1.1\r\n");
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
            raw.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        let mut bytes = raw.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        let reused = self.reader.is_some();
        let mut reader = self.reader.take().unwrap_or_else(|| Self::connect(self.addr));
        let attempt = |reader: &mut BufReader<TcpStream>| {
            reader.get_mut().write_all(&bytes).ok()?;
            read_response(reader)
        };
        let resp = match attempt(&mut reader) {
            Some(resp) => resp,
            None if reused => {
                reader = Self::connect(self.addr);
                attempt(&mut reader).expect("a response on a fresh connection")
            }
            None => panic!("no response on a fresh connection"),
        };
        if !resp.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            self.reader = Some(reader);
        }
        resp
    }
}

/// Reads one response (Content-Length bodies, or until EOF).
pub fn read_response(reader: &mut BufReader<TcpStream>) -> Option<Resp> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>());
    let mut body = Vec::new();
    match length {
        Some(Ok(length)) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).ok()?;
        }
        _ => {
            reader.read_to_end(&mut body).ok()?;
        }
    }
    Some(Resp { status, headers, body })
}

/// One request on a fresh connection.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    Conn::open(addr).send(method, target, headers, body)
}

/// Raw bytes on a fresh connection; the first response, if any.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> Option<Resp> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    // The server may answer and close before all bytes are written: ignore write errors.
    let _ = writer.write_all(bytes);
    let _ = writer.flush();
    read_response(&mut BufReader::new(stream))
}

pub fn get(emu: &Emulator, target: &str) -> Resp {
    send(emu.local_addr(), "GET", target, &[("API_KEY_ID", KEY)], None)
}

pub fn post_json(emu: &Emulator, target: &str, body: &Value) -> Resp {
    let body = serde_json::to_vec(body).unwrap();
    send(
        emu.local_addr(),
        "POST",
        target,
        &[("API_KEY_ID", KEY), ("Content-Type", "application/json")],
        Some(&body),
    )
}

pub fn post_form(emu: &Emulator, target: &str, pairs: &[(&str, &str)]) -> Resp {
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    let body = body.join("&");
    send(
        emu.local_addr(),
        "POST",
        target,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    )
}

pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A PKCE pair (verifier, S256 challenge).
pub fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("verifier-{seed}-0123456789abcdefghijklmnopqrstuvwxyz");
    let challenge = Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The `value` of the `<input ... name="NAME" value="...">` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// `value` of query parameter `name` in `url`.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) =
                u8::from_str_radix(core::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// `/app?...` target for an OTP email login.
pub fn app_target(challenge: &str, state: &str, extra: &str) -> String {
    format!(
        "/app?api_key={KEY}&redirect_url={}&type=EMAIL&code_challenge={challenge}&state={state}{extra}",
        enc(REDIRECT)
    )
}

/// The newest OTP sent to `identifier`, read from `GET /dev/outbox`.
pub fn latest_otp(emu: &Emulator, identifier: &str) -> String {
    let outbox = get(emu, &format!("/dev/outbox?identifier={}", enc(identifier))).json();
    outbox
        .as_array()
        .and_then(|a| a.last())
        .and_then(|m| m["otp"].as_str())
        .expect("an OTP in the outbox")
        .to_owned()
}

/// Opens `/app`, submits the identifier form, reads the OTP from the outbox, submits the OTP form.
/// Returns the final response (a 303 on success).
pub fn otp_login(emu: &Emulator, identifier: &str, challenge: &str, state: &str) -> Resp {
    let page = get(emu, &app_target(challenge, state, ""));
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("id=\"identifier\"") && html.contains("id=\"submit\""), "{html}");
    let login = hidden(&html, "login");
    let sent = post_form(emu, "/app/identifier", &[("login", &login), ("identifier", identifier)]);
    assert_eq!(sent.status, 200, "{}", sent.text());
    assert!(sent.text().contains("id=\"otp\""));
    let otp = latest_otp(emu, identifier);
    post_form(emu, "/app/otp", &[("login", &login), ("otp", &otp)])
}

/// A full OTP login and code exchange; returns the get_identity response JSON.
pub fn sign_in(emu: &Emulator, identifier: &str) -> Value {
    let (verifier, challenge) = pkce(identifier);
    let done = otp_login(emu, identifier, &challenge, "st");
    assert_eq!(done.status, 303, "{}", done.text());
    let location = done.header("location").unwrap().to_owned();
    let code = query_value(&location, "code").unwrap();
    let challenge_id: u64 = query_value(&location, "challenge_id").unwrap().parse().unwrap();
    let resp = post_json(
        emu,
        "/api/v0/verify/get_identity?oauth_token=true",
        &serde_json::json!({"code_verifier": verifier, "authorization_code": code, "challenge_id": challenge_id, "redirect_url": REDIRECT}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

/// Verifies an ES256 JWT against the JWKS of `emu` (key chosen by `kid`) and returns (header, claims JSON text).
pub fn verify_jwt(emu: &Emulator, token: &str) -> (Value, String) {
    let jwks = get(emu, "/api/v0/token/jwks").json();
    verify_jwt_with(&jwks, token).expect("token verifies")
}

pub fn verify_jwt_with(jwks: &Value, token: &str) -> Result<(Value, String), String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("not three parts".into());
    }
    let header: Value = serde_json::from_slice(
        &Base64UrlUnpadded::decode_vec(parts[0]).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
        .ok_or("kid not in JWKS")?;
    let mut point = vec![4u8];
    point.extend(
        Base64UrlUnpadded::decode_vec(jwk["x"].as_str().ok_or("x")?).map_err(|e| e.to_string())?,
    );
    point.extend(
        Base64UrlUnpadded::decode_vec(jwk["y"].as_str().ok_or("y")?).map_err(|e| e.to_string())?,
    );
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|e| e.to_string())?;
    let signature = p256::ecdsa::Signature::from_slice(
        &Base64UrlUnpadded::decode_vec(parts[2]).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let signed = &token[..parts[0].len() + 1 + parts[1].len()];
    key.verify(signed.as_bytes(), &signature).map_err(|e| e.to_string())?;
    let claims =
        String::from_utf8(Base64UrlUnpadded::decode_vec(parts[1]).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    Ok((header, claims))
}

/// A refresh request on `conn`.
pub fn refresh_on(conn: &mut Conn, path: &str, token: &str) -> Resp {
    let body = serde_json::to_vec(
        &serde_json::json!({"grant_type": "refresh_token", "refresh_token": token}),
    )
    .unwrap();
    conn.send(
        "POST",
        path,
        &[("API_KEY_ID", KEY), ("Content-type", "application/json")],
        Some(&body),
    )
}

pub fn refresh(emu: &Emulator, token: &str) -> Resp {
    refresh_on(&mut Conn::open(emu.local_addr()), &format!("/api/v0/token/{KEY}"), token)
}

/// A quiet emulator with a fixed seed.
pub fn start() -> Emulator {
    Emulator::start(cotter_emulator::Config::new().with_seed(42).with_log_outbox(false)).unwrap()
}

pub fn exchange(
    emu: &Emulator,
    verifier: &str,
    code: &str,
    challenge_id: u64,
    redirect: &str,
) -> Resp {
    post_json(
        emu,
        "/api/v0/verify/get_identity",
        &json!({"code_verifier": verifier, "authorization_code": code, "challenge_id": challenge_id, "redirect_url": redirect}),
    )
}

/// `(code, challenge_id, state)` from a successful redirect.
pub fn redirect_parts(resp: &Resp) -> (String, u64, String) {
    assert_eq!(resp.status, 303, "{}", resp.text());
    let location = resp.header("location").unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?code=")), "{location}");
    (
        query_value(location, "code").unwrap(),
        query_value(location, "challenge_id").unwrap().parse().unwrap(),
        query_value(location, "state").unwrap(),
    )
}
