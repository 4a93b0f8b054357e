//! `quickstart`: a full Cotter sign-in against the embedded emulator, in one command.
//!
//! ```text
//! cargo run -p cotter-examples --example quickstart
//! ```
//!
//! It starts the Cotter-compatible emulator in this process, signs in with an email OTP
//! (this program plays the user: it fills the hosted page's forms and reads the code from the
//! emulator's development outbox, as a person would read their email), verifies the tokens,
//! calls a tiny axum backend that checks `Authorization: Bearer` with `cotter-axum`, moves the
//! emulator's clock past expiry to show the refresh (and the refresh token rotating), logs
//! out, and shows the backend refusing the app, which now has no token to send.

use axum::Router;
use axum::routing::get;
use cotter::store::MemoryStore;
use cotter::transport::{Method, Request, Transport, UreqTransport};
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
use cotter_axum::{CotterAuth, CotterClaims};
use cotter_emulator::{Emulator, browser};
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

/// A tiny axum backend protected by `cotter-axum`: `GET /hello` answers 200 and the user's ID
/// when the bearer token verifies against the emulator's JWKS (fetched by the layer itself),
/// and the RFC 6750 error otherwise. Its clock is the emulator's, which this demo moves.
fn backend(emu: Arc<Emulator>, api_key: String) -> Result<String, Box<dyn core::error::Error>> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let (auth, listener) = runtime.block_on(async {
        let issuer = emu.base_url().to_owned();
        let auth =
            CotterAuth::builder(api_key).issuer_url(issuer).clock(move || emu.now()).build()?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Ok::<_, Box<dyn core::error::Error>>((auth, listener))
    })?;
    let url = format!("http://{}/hello", listener.local_addr()?);
    let app = Router::new()
        .route(
            "/hello",
            get(|user: CotterClaims| async move { format!("hello, user {}", user.sub) }),
        )
        .route_layer(auth.layer());
    std::thread::spawn(move || runtime.block_on(async { axum::serve(listener, app).await }));
    Ok(url)
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
        Ok(r) if r.status == 200 => format!("200 {}", String::from_utf8_lossy(r.body)),
        Ok(r) => format!("{} refused: {}", r.status, String::from_utf8_lossy(r.body)),
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

    println!(
        "\n4. Calling a tiny axum backend that checks `Authorization: Bearer` with cotter-axum"
    );
    let backend_url = backend(Arc::clone(&emu), api_key.clone())?;
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
