//! `backend`: an axum API server that accepts only requests carrying a valid Cotter access
//! token, with `cotter-axum`.
//!
//! ```text
//! cargo run -p cotter-examples --example backend -- --issuer-url URL --api-key ID [--port N] [--ca-file PEM]
//! ```
//!
//! `URL` is the issuer's base URL: the emulator's (`http://127.0.0.1:PORT`, or `https://…`
//! with `--ca-file` naming the CA to trust beside the web PKI) or `https://www.cotter.app`.
//! It binds 127.0.0.1 (`--port 0`, the default, picks a free port) and prints first
//! `backend listening on http://127.0.0.1:PORT`.
//!
//! - `GET /whoami`: 200 `{"sub":…,"identifier":…,"auth_method":…}` for a valid token;
//! - `GET /webauthn-only`: the same, but 403 `insufficient_scope` unless the user signed in
//!   with WebAuthn (a claims check the app adds);
//! - otherwise the RFC 6750 errors of `cotter-axum` (401, 403, 503).

use axum::routing::get;
use axum::{Json, Router};
use cotter_axum::{CotterAuth, CotterClaims};
use std::process::ExitCode;

const USAGE: &str = "usage: backend --issuer-url URL --api-key ID [--port N] [--ca-file PEM]";

struct Args {
    issuer_url: String,
    api_key: String,
    port: u16,
    ca_file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut issuer_url, mut api_key, mut port, mut ca_file) = (None, None, 0, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--issuer-url" => issuer_url = Some(value()?),
            "--api-key" => api_key = Some(value()?),
            "--port" => {
                port = value()?.parse().map_err(|_| format!("--port: not a port\n{USAGE}"))?
            }
            "--ca-file" => ca_file = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        issuer_url: issuer_url.ok_or(format!("--issuer-url is required\n{USAGE}"))?,
        api_key: api_key.ok_or(format!("--api-key is required\n{USAGE}"))?,
        port,
        ca_file,
    })
}

async fn whoami(user: CotterClaims) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "sub": user.sub,
        "identifier": user.identifier,
        "auth_method": user.auth_method,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backend: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), Box<dyn core::error::Error>> {
    let mut auth = CotterAuth::builder(&args.api_key).issuer_url(&args.issuer_url);
    if let Some(path) = &args.ca_file {
        let pem = std::fs::read_to_string(path).map_err(|e| format!("--ca-file {path}: {e}"))?;
        auth = auth.ca_pem(pem);
    }
    // The first JWKS fetch starts now, in the background: the server answers at once (a
    // request that comes before the keys do waits for that fetch, or gets 503 if it fails).
    let auth = auth.build()?;
    let passkeys_only = auth.layer().require("WEBAUTHN sign-in required", |claims| {
        claims.auth_method.as_deref() == Some("WEBAUTHN")
    });
    let app = Router::new()
        .route("/whoami", get(whoami).route_layer(auth.layer()))
        .route("/webauthn-only", get(whoami).route_layer(passkeys_only));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("backend listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
