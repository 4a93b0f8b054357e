//! `quickstart`: a full Cotter sign-in against the embedded emulator, in one command.
//!
//! ```text
//! cargo run -p cotter-examples --example quickstart
//! ```
//!
//! It starts the Cotter-compatible emulator in this process, signs in with an email OTP
//! (this program plays the user: it fills the hosted page's forms and reads the code from the
//! emulator's development outbox, as a person would read their email), verifies the tokens,
//! calls a tiny backend that checks `Authorization: Bearer` with `cotter-jwt`, moves the
//! emulator's clock past expiry to show the refresh (and the refresh token rotating), logs
//! out, and shows the backend refusing the app, which now has no token to send.

use cotter::store::MemoryStore;
use cotter::transport::{Method, Request, Transport, UreqTransport};
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};
use cotter_jwt::{Jwks, UntrustedToken, Validation};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

/// The app's clock reads the emulator's, which this demo moves forward.
struct EmulatorClock<'e>(&'e Emulator);

impl Clock for EmulatorClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

const IDENTIFIER: &str = "ada@example.com";

/// Shows the start and end of a secret, never the whole.
fn redact(secret: &str) -> String {
    if secret.len() <= 16 {
        return "<redacted>".to_owned();
    }
    format!("{}…{} ({} bytes)", &secret[..8], &secret[secret.len() - 4..], secret.len())
}

/// A tiny backend: answers `GET /hello` with 200 and the user's ID when the bearer token
/// verifies against the emulator's JWKS, and 401 otherwise. Serves `requests` requests.
fn backend(
    jwks: Jwks<4>,
    api_key: String,
    clock: impl Fn() -> u64 + Send + 'static,
    requests: usize,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the backend");
    let url = format!("http://{}/hello", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut auth = None;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some((name, value)) = line.trim_end().split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    auth = value.trim().strip_prefix("Bearer ").map(str::to_owned);
                }
                line.clear();
            }
            let verdict = auth.ok_or("no bearer token".to_owned()).and_then(|token| {
                let mut buf = vec![0u8; UntrustedToken::buffer_len(&token)];
                let v = Validation::cotter(&api_key, clock());
                let t = jwks.verify(&token, &v, &mut buf).map_err(|e| e.to_string())?;
                Ok(t.claims().sub().map(|s| s.to_string()).unwrap_or_default())
            });
            let (status, body) = match verdict {
                Ok(sub) => ("200 OK", format!("hello, user {sub}")),
                Err(why) => ("401 Unauthorized", format!("refused: {why}")),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn call_backend(url: &str, bearer: Option<&str>) -> String {
    let header;
    let headers: Vec<(&str, &str)> = match bearer {
        Some(token) => {
            header = format!("Bearer {token}");
            vec![("Authorization", header.as_str())]
        }
        None => vec![],
    };
    let req = Request::new(Method::Get, url).with_headers(&headers);
    let mut buf = vec![0u8; 4096];
    match UreqTransport::new().send(&req, &mut buf) {
        Ok(r) => format!("{} {}", r.status, String::from_utf8_lossy(r.body)),
        Err(e) => format!("request failed: {e}"),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn core::error::Error>> {
    println!("1. Starting the Cotter emulator (a Cotter-compatible server) on 127.0.0.1");
    let emu = Arc::new(Emulator::start(cotter_emulator::Config::new().with_log_outbox(false))?);
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let api_key = emu.api_keys()[0].clone();
    println!("   API {api}, hosted login page {page}, API key ID {api_key}");

    let config = Config::new(&api_key).base_url(&api).hosted_page_url(&page);
    let mut client: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmulatorClock(&emu))?;

    println!("\n2. Signing in with an email OTP (OAuth 2.0 authorization code + PKCE)");
    let redirect_url = "http://127.0.0.1:8080/callback";
    let (url, pending) =
        client.begin_login(LoginKind::EmailOtp, Some(IDENTIFIER), redirect_url, &mut OsRandom)?;
    println!("   open in a browser: {url}");
    println!("   (this program now plays the user: it fills the page's forms and reads the code");
    println!("    from the emulator's development outbox instead of an inbox)");
    let redirect = browser::complete_login(&url, IDENTIFIER)?;
    let shown = redirect.split("code=").next().unwrap_or_default();
    println!("   the page redirected to {shown}code=<redacted>&…");
    client.complete_login(&pending, &redirect)?;
    println!("   code exchanged; access and ID tokens verified (ES256, aud, iss, exp) and stored");

    let access = client.access_token()?.to_owned();
    let user = client.user()?;
    println!("\n3. Tokens (redacted) and verified claims");
    println!("   access token: {}", redact(&access));
    println!(
        "   user: id {}, identifier {}, client_user_id {}",
        user.id, user.identifier, user.client_user_id
    );
    println!(
        "   expires at {} (emulator time now {})",
        client.expires_at().unwrap_or(0),
        emu.now()
    );

    println!("\n4. Calling a tiny backend that verifies `Authorization: Bearer` with cotter-jwt");
    let mut jwks_buf = vec![0u8; 8192];
    let jwks_url = format!("{api}/token/jwks");
    let jwks_resp = UreqTransport::new().send(&Request::get(&jwks_url), &mut jwks_buf)?;
    let jwks = Jwks::<4>::from_json(core::str::from_utf8(jwks_resp.body)?)?;
    let backend_clock = Arc::clone(&emu);
    let backend_url = backend(jwks, api_key.clone(), move || backend_clock.now(), 4);
    println!("   GET {backend_url} -> {}", call_backend(&backend_url, Some(&access)));

    println!(
        "\n5. An hour and two minutes later (the emulator's clock moves forward): access_token() refreshes"
    );
    let before = stored_refresh(&mut client);
    emu.advance_clock(3600 + 120);
    let renewed = client.access_token()?.to_owned();
    let after = stored_refresh(&mut client);
    println!("   the old token is refused now: {}", call_backend(&backend_url, Some(&access)));
    println!("   new access token: {}", redact(&renewed));
    println!("   refresh token rotated: {} -> {}", redact_refresh(&before), redact_refresh(&after));
    println!("   GET {backend_url} -> {}", call_backend(&backend_url, Some(&renewed)));

    println!("\n6. Logging out: the local session is wiped, the refresh token revoked");
    client.logout()?;
    let token = client.access_token().ok().map(str::to_owned);
    println!(
        "   access_token() now: {}",
        if token.is_some() { "still a token?!" } else { "not signed in" }
    );
    println!("   GET {backend_url} -> {}", call_backend(&backend_url, token.as_deref()));
    let stats = emu.stats();
    println!(
        "\nDone. Requests the emulator served: {} get_identity, {} refresh, {} jwks, {} revoke.",
        stats.get_identity, stats.refresh, stats.jwks, stats.revoke
    );
    Ok(())
}

fn stored_refresh<T: Transport, C: Clock>(
    client: &mut Client<'_, T, MemoryStore<8192>, C>,
) -> String {
    let mut buf = vec![0u8; 8192];
    cotter_store::TokenStore::load(client.store_mut(), &mut buf)
        .ok()
        .flatten()
        .map(|s| s.refresh_token.to_owned())
        .unwrap_or_default()
}

fn redact_refresh(token: &str) -> String {
    match token.split_once(':') {
        Some((id, secret)) => format!("{id}:{}…", &secret[..secret.len().min(4)]),
        None => "<redacted>".to_owned(),
    }
}
