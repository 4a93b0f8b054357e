//! Refresh (`POST /token/<API_KEY_ID>`, legacy `POST /token`), revocation (`DELETE /token/<API_KEY_ID>`)
//! and the JWKS (`GET /token/jwks`).

use super::{api_key, json_body, respond};
use crate::app::App;
use crate::cors::{REFRESH_COOKIE, clear_refresh_cookie, cookie, set_refresh_cookie};
use crate::http::{Request, Response};
use crate::state::{Failure, Refresh};
use crate::stats::Reuse;
use serde::Deserialize;
use std::string::String;

#[derive(Debug, Deserialize)]
struct RefreshBody {
    grant_type: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RevokeBody {
    #[serde(default)]
    refresh_token: Option<String>,
}

/// The API key of a token request: the path's (`/token/<KEY>`) or the header's (legacy `/token`). When both
/// are present they must agree.
fn token_api_key(app: &App, req: &Request, path_key: Option<&str>) -> Result<String, Failure> {
    let Some(path_key) = path_key else {
        return api_key(app, req);
    };
    if !app.settings.known_key(path_key) {
        return Err(Failure::unauthorized(format!("unknown API key ID {path_key:?}")));
    }
    match req.header("API_KEY_ID") {
        Some(header) if header != path_key => {
            Err(Failure::unauthorized("API_KEY_ID header and path disagree"))
        }
        _ => Ok(path_key.into()),
    }
}

pub(crate) fn refresh(app: &App, req: &Request, path_key: Option<&str>) -> Response {
    respond((|| {
        let key = token_api_key(app, req, path_key)?;
        let body: RefreshBody = json_body(req)?;
        if body.grant_type != "refresh_token" {
            return Err(Failure::bad("unsupported_grant_type", "grant_type must be refresh_token"));
        }
        // The body's token, else the cookie's (Cotter's JS SDK sends none once it is in the cookie).
        let token = body
            .refresh_token
            .filter(|t| !t.is_empty())
            .or_else(|| cookie(req, REFRESH_COOKIE).map(String::from))
            .ok_or_else(|| {
                Failure::bad("invalid_grant", "refresh token is not valid: none was sent")
            })?;
        // Bound first: the state lock is released before counting and encoding.
        let outcome = app.lock().refresh(&key, &token)?;
        let tokens = match outcome {
            Refresh::Rotated(tokens) => tokens,
            Refresh::Replayed(tokens) => {
                app.counters.count_reuse(Reuse::Replay);
                tokens
            }
            Refresh::Revoked(failure) => {
                app.counters.count_reuse(Reuse::Revocation);
                return Err(failure);
            }
        };
        let refresh = tokens.refresh_token.clone();
        Ok(set_refresh_cookie(Response::json(200, &tokens), &refresh, app.settings.https()))
    })())
}

pub(crate) fn revoke(app: &App, req: &Request, path_key: &str) -> Response {
    respond((|| {
        let key = token_api_key(app, req, Some(path_key))?;
        let token = if req.body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            json_body::<RevokeBody>(req)?.refresh_token
        };
        let cookie = cookie(req, REFRESH_COOKIE);
        let session = |t: &str| t.split_once(':').map(|(id, _)| String::from(id));
        // Without a token in the body, the cookie's session is the one to end (the JS SDK's logout).
        let clears_cookie = match (&token, cookie) {
            (None, _) => true,
            (Some(token), Some(cookie)) => session(token) == session(cookie),
            (Some(_), None) => false,
        };
        if let Some(token) = token.as_deref().or(cookie) {
            app.lock().revoke(&key, token);
        }
        let response = Response::json(200, &serde_json::json!({ "success": true }));
        Ok(if clears_cookie && cookie.is_some() {
            clear_refresh_cookie(response, app.settings.https())
        } else {
            response
        })
    })())
}

pub(crate) fn jwks(app: &App) -> Response {
    Response::json(200, &app.lock().keys.jwks())
}
