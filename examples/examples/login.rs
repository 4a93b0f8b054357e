//! `login`: a small CLI a developer keeps around — sign in once through the browser, then get a
//! fresh access token for scripts.
//!
//! ```text
//! login [login|token|whoami|logout] --base-url URL --api-key ID [--store keyring|file:PATH]
//!       [--hosted-page-url URL] [--email ADDRESS] [--no-browser] [--ca-file PEM]
//!
//! curl -H "Authorization: Bearer $(cargo run -q -p cotter-examples --example login -- token --base-url … --api-key …)" …
//! ```
//!
//! `login` (the default) listens on 127.0.0.1, prints the hosted-page URL on stderr, opens the
//! browser (unless `--no-browser`) and waits for the redirect. `token` prints a valid access
//! token (refreshing it when due) and nothing else on stdout. `whoami` prints the signed-in
//! identifier and user ID. `logout` wipes the session and revokes the refresh token. Exit
//! status: 0 on success, 1 on failure (the reason on stderr), 2 for a usage error.
//!
//! HTTPS servers are verified against Mozilla's roots; `--ca-file PEM` trusts that file's CA
//! too (a private or staging CA, or `cotter-emulator --tls --tls-ca-out PEM`). There is no
//! option to skip verification.

use core::fmt::Display;
use core::time::Duration;
use cotter::store::{ErrorType, TokenStore};
use cotter::transport::{TrustedRoots, UreqConfig, UreqTransport};
use cotter::{Client, Config, LoginKind, LoopbackOptions, SystemClock};
use cotter_store_file::FileStore;
use cotter_store_keyring::KeyringStore;
use std::process::ExitCode;

const USAGE: &str = "usage: login [login|token|whoami|logout] --base-url URL --api-key ID \
[--store keyring|file:PATH] [--hosted-page-url URL] [--email ADDRESS] [--no-browser] \
[--ca-file PEM]";

struct Args {
    command: String,
    base_url: String,
    api_key: String,
    store: String,
    hosted_page_url: Option<String>,
    email: Option<String>,
    ca_file: Option<String>,
    open_browser: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut command = None;
    let (mut base_url, mut api_key, mut store, mut page, mut email, mut ca_file) =
        (None, None, None, None, None, None);
    let mut open_browser = true;
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--base-url" => &mut base_url,
            "--api-key" => &mut api_key,
            "--store" => &mut store,
            "--hosted-page-url" => &mut page,
            "--email" => &mut email,
            "--ca-file" => &mut ca_file,
            "--no-browser" => {
                open_browser = false;
                continue;
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            cmd if command.is_none() && ["login", "token", "whoami", "logout"].contains(&cmd) => {
                command = Some(cmd.to_owned());
                continue;
            }
            other => return Err(format!("unexpected argument `{other}`")),
        };
        *slot = Some(args.next().ok_or_else(|| format!("`{arg}` needs a value"))?);
    }
    Ok(Args {
        command: command.unwrap_or_else(|| "login".to_owned()),
        base_url: base_url.ok_or("missing `--base-url`")?,
        api_key: api_key.ok_or("missing `--api-key`")?,
        store: store.unwrap_or_else(|| "keyring".to_owned()),
        hosted_page_url: page,
        email,
        ca_file,
        open_browser,
    })
}

/// The hosted page beside a local API (`http://127.0.0.1:P/api/v0` → `http://127.0.0.1:P/app`,
/// the same over `https://`), Cotter's otherwise.
fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("login: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match args.store.as_str() {
        // One keyring entry per API key; the session record is chunked where the platform
        // limits secret sizes.
        "keyring" => run(&args, KeyringStore::new("cotter-rs login", &args.api_key)),
        s => match s.strip_prefix("file:") {
            Some(path) if !path.is_empty() => run(&args, FileStore::new(path)),
            _ => {
                eprintln!("login: --store must be `keyring` or `file:PATH`\n{USAGE}");
                ExitCode::from(2)
            }
        },
    }
}

/// The HTTP client: Mozilla's roots, and `ca_file`'s CA besides them when given.
fn transport(ca_file: Option<&str>) -> Result<UreqTransport, String> {
    let Some(path) = ca_file else { return Ok(UreqTransport::new()) };
    let pem = std::fs::read(path).map_err(|e| format!("--ca-file {path}: {e}"))?;
    let roots =
        TrustedRoots::web_pki().with_ca_pem(&pem).map_err(|e| format!("--ca-file {path}: {e}"))?;
    Ok(UreqTransport::with_roots(UreqConfig::new(), &roots))
}

fn run<S>(args: &Args, store: S) -> ExitCode
where
    S: TokenStore,
    <S as ErrorType>::Error: Display,
{
    // `--base-url` may be the server's root URL (the client adds `/api/v0`); without
    // `--hosted-page-url` the page is Cotter's for Cotter's base URL and `<root>/app` otherwise.
    let mut config = Config::new(&args.api_key).base_url(&args.base_url);
    if let Some(page) = &args.hosted_page_url {
        config = config.hosted_page_url(page);
    }
    let transport = match transport(args.ca_file.as_deref()) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("login: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut client: Client<'_, _, _, _> = match Client::new(config, transport, store, SystemClock) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("login: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.command.as_str() {
        "login" => client
            .login_loopback(
                LoginKind::EmailOtp,
                args.email.as_deref(),
                LoopbackOptions::default()
                    .open_browser(args.open_browser)
                    .timeout(Duration::from_secs(300)),
                |url| eprintln!("Open this URL to sign in:\n{url}"),
            )
            .map(|()| eprintln!("Signed in.")),
        "token" => client.access_token().map(|t| println!("{t}")),
        "whoami" => client.user().map(|u| println!("{} ({})", u.identifier, u.id)),
        _ => client.logout().map(|()| eprintln!("Signed out.")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The server's reason travels in the error: `server error 400: <message>`.
        Err(e) => {
            eprintln!("login: {e}");
            ExitCode::FAILURE
        }
    }
}
