//! `backend_jwt_authorizer`: the bench app of `cargo xtask bench backend` built with
//! jwt-authorizer 0.15 (axum 0.7), its verification as shipped: one route, `GET /whoami`,
//! answering `{"sub","identifier","auth_method"}` from the verified claims.

use axum07::routing::get;
use axum07::{Json, Router};
use cotter_bench::backend::{AppArgs, LISTENING, ROUTE, app_main};
use cotter_bench::{AUD, ISS};
use jwt_authorizer::{IntoLayer as _, JwtAuthorizer, JwtClaims, Validation};
use serde::Deserialize;
use std::process::ExitCode;

#[derive(Clone, Debug, Deserialize)]
struct Claims {
    sub: String,
    identifier: Option<String>,
    authentication_method: Option<String>,
}

async fn whoami(JwtClaims(user): JwtClaims<Claims>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "sub": user.sub,
        "identifier": user.identifier,
        "auth_method": user.authentication_method,
    }))
}

async fn serve(args: AppArgs) -> Result<(), Box<dyn core::error::Error>> {
    let auth = JwtAuthorizer::<Claims>::from_jwks_url(&args.jwks_url)
        .validation(Validation::new().iss(&[ISS]).aud(&[AUD]))
        .build()
        .await?;
    let app = Router::new().route(ROUTE, get(whoami)).layer(auth.into_layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{LISTENING}{}", listener.local_addr()?);
    axum07::serve(listener, app).await?;
    Ok(())
}

fn main() -> ExitCode {
    app_main("backend_jwt_authorizer", serve)
}
