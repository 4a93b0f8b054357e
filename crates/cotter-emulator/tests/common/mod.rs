//! Shared helpers of the integration tests: an HTTP client (ureq) for the requests any client sends,
//! raw requests over `TcpStream` for the tests about bytes on the wire, the hosted-page flows driven
//! through the HTML forms, PKCE, and ES256 verification of the emulator's tokens with `p256`.

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
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
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

/// An HTTP client as applications use one: a ureq agent, whose connections are kept alive and reused.
/// It follows no redirects and reads `4xx`/`5xx` as responses.
///
/// The emulator may close a kept-alive connection while it is idle (at once when another connection waits
/// for a worker), and a client may already be sending on it; such a request never reached a handler. So,
/// as HTTP clients do, a request that finds its reused connection closed is sent once more, on a new one.
pub struct Client {
    addr: SocketAddr,
    agent: ureq::Agent,
    /// Whether the last response left its connection open for the next request.
    kept_alive: bool,
}

impl Client {
    pub fn open(addr: SocketAddr) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(20)))
            .build();
        Self { addr, agent: ureq::Agent::new_with_config(config), kept_alive: false }
    }

    /// Sends a request to `target` (path and query) and reads the response.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let url = format!("http://{}{target}", self.addr);
        let mut result = self.call(method, &url, headers, body);
        if self.kept_alive
            && let Err(ureq::Error::Io(e)) = &result
            && matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            )
        {
            result = self.call(method, &url, headers, body);
        }
        let mut response =
            result.unwrap_or_else(|e| panic!("{method} {target}: no response ({e})"));
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect();
        let body = response.body_mut().read_to_vec().expect("the response body");
        let resp = Resp { status: response.status().as_u16(), headers, body };
        self.kept_alive =
            !resp.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        resp
    }

    fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.agent;
        match method {
            "GET" => without_body(agent.get(url), headers, body),
            "HEAD" => without_body(agent.head(url), headers, body),
            "DELETE" => without_body(agent.delete(url), headers, body),
            "POST" => with_body(agent.post(url), headers, body),
            "PUT" => with_body(agent.put(url), headers, body),
            "PATCH" => with_body(agent.patch(url), headers, body),
            _ => panic!("no method {method} in this client"),
        }
    }
}

fn without_body(
    builder: ureq::RequestBuilder<ureq::typestate::WithoutBody>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let builder = headers.iter().fold(builder, |b, (name, value)| b.header(*name, *value));
    match body {
        Some(body) => builder.force_send_body().send(body),
        None => builder.call(),
    }
}

fn with_body(
    builder: ureq::RequestBuilder<ureq::typestate::WithBody>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let builder = headers.iter().fold(builder, |b, (name, value)| b.header(*name, *value));
    builder.send(body.unwrap_or_default())
}

/// One request on a fresh client.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    Client::open(addr).send(method, target, headers, body)
}

/// For tests about the bytes on the wire: the request written by hand on a fresh connection
/// (`Host: 127.0.0.1:PORT` unless `headers` has a Host, header names exactly as given, and
/// Content-Length when there is a body), and the response read back.
pub fn raw_send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    raw(addr, &bytes).expect("a response")
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

/// Percent-encodes everything except RFC 3986's unreserved characters.
pub fn enc(text: &str) -> String {
    const RESERVED: &AsciiSet =
        &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(text, RESERVED).to_string()
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

/// Decodes a query value (`+` is a space).
fn percent_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8().unwrap().into_owned()
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

/// A refresh request with `client`.
pub fn refresh_on(client: &mut Client, path: &str, token: &str) -> Resp {
    let body = serde_json::to_vec(
        &serde_json::json!({"grant_type": "refresh_token", "refresh_token": token}),
    )
    .unwrap();
    client.send(
        "POST",
        path,
        &[("API_KEY_ID", KEY), ("Content-type", "application/json")],
        Some(&body),
    )
}

pub fn refresh(emu: &Emulator, token: &str) -> Resp {
    refresh_on(&mut Client::open(emu.local_addr()), &format!("/api/v0/token/{KEY}"), token)
}

/// A quiet emulator with a fixed seed and a frozen clock (time moves only by `advance_clock`,
/// so a step to one second before a deadline is not pushed past it by a slow machine).
pub fn start() -> Emulator {
    let config =
        cotter_emulator::Config::new().with_seed(42).with_log_outbox(false).with_frozen_clock();
    Emulator::start(config).unwrap()
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

/// Starts the `cotter-emulator` binary with `args` (stderr inherited); returns it, its stdout
/// past the first line, and that first line (`cotter-emulator listening on URL`, unless the
/// arguments were refused). Integration tests only: cargo names the binary to them, not to
/// the examples that share this module.
#[cfg(test)]
pub fn spawn_binary(
    args: &[&str],
) -> (std::process::Child, std::io::BufReader<std::process::ChildStdout>, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cotter-emulator"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    (child, stdout, first)
}
