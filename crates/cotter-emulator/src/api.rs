//! Endpoint handlers, one module per endpoint family, plus the request and response helpers they share.

pub(crate) mod console;
pub(crate) mod dev;
pub(crate) mod events;
pub(crate) mod hosted_page;
pub(crate) mod identity;
pub(crate) mod signup;
pub(crate) mod token;
pub(crate) mod users;

use crate::app::App;
use crate::http::{Request, Response};
use crate::state::Failure;
use crate::stats::Endpoint;
use serde::de::DeserializeOwned;
use std::string::String;

/// The `API_KEY_ID` header (any case), which must be a configured key; else 401.
pub(crate) fn api_key(app: &App, req: &Request) -> Result<String, Failure> {
    let key = req
        .header("API_KEY_ID")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| Failure::unauthorized("missing API_KEY_ID header"))?;
    if app.settings.known_key(key) {
        Ok(key.into())
    } else {
        Err(Failure::unauthorized(format!("unknown API key ID {key:?}")))
    }
}

/// The body as JSON of type `T`; 400 for an empty body, malformed JSON, wrong types or missing fields.
pub(crate) fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Failure> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::bad("invalid_request", "a JSON request body is required"));
    }
    serde_json::from_slice(&req.body).map_err(|e| {
        let kind = if e.is_data() { "invalid_request" } else { "malformed_json" };
        Failure::bad(kind, format!("invalid request body: {e}"))
    })
}

/// `true` when the query has `name=true`.
pub(crate) fn flag(req: &Request, name: &str) -> bool {
    req.query_param(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Turns a handler result into a response.
pub(crate) fn respond(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(Failure::into_response)
}

/// `405` naming the allowed methods.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response {
    Response::error(405, "method_not_allowed", &format!("method not allowed; use {allow}"))
        .with_header("Allow", allow.into())
}

/// `404` JSON for an unknown path.
pub(crate) fn not_found(app: &App, req: &Request) -> Response {
    app.counters.count(Endpoint::NotFound);
    Response::error(404, "not_found", &format!("no such endpoint: {} {}", req.method, req.path))
}
