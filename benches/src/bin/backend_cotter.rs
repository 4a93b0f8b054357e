//! `backend_cotter`: the bench app of `cargo xtask bench backend` built with cotter-axum: one
//! route, `GET /whoami`, answering `{"sub","identifier","auth_method"}` from the verified claims.

use axum::routing::get;
use axum::{Json, Router};
use cotter_axum::{CotterAuth, CotterClaims};
use cotter_bench::AUD;
use cotter_bench::backend::{AppArgs, LISTENING, ROUTE, app_main};
use std::process::ExitCode;

async fn whoami(user: CotterClaims) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "sub": user.sub,
        "identifier": user.identifier,
        "auth_method": user.auth_method,
    }))
}

async fn serve(args: AppArgs) -> Result<(), Box<dyn core::error::Error>> {
    let auth = CotterAuth::builder(AUD)
        .jwks_url(&args.jwks_url)
        .cache_capacity(args.cache)
        .verify_on_blocking_pool(args.blocking)
        .build()?;
    auth.ready().await?;
    let app = Router::new().route(ROUTE, get(whoami)).route_layer(auth.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{LISTENING}{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

fn main() -> ExitCode {
    app_main("backend_cotter", serve)
}
