//! Development controls under `/dev/`: the outbox, the clock, key rotation, request counts and
//! injected failures.

use super::{Failure, json_body, method_not_allowed, not_found, respond};
use crate::app::App;
use crate::faults::FaultRequest;
use crate::http::{Request, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct ClockBody {
    advance: u64,
}

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    match (rest, req.method.as_str()) {
        (["outbox"], "GET") => {
            let identifier = req.query_param("identifier");
            Response::json(200, &app.lock().outbox(identifier.as_deref()))
        }
        (["clock"], "GET") => clock(app, 0),
        (["clock"], "POST") => {
            respond(json_body::<ClockBody>(req).map(|body| clock(app, body.advance)))
        }
        (["rotate-key"], "POST") => {
            let mut state = app.lock();
            let state = &mut *state;
            let kid = state.keys.rotate(&mut state.rng);
            Response::json(200, &serde_json::json!({ "kid": kid }))
        }
        (["stats"], "GET") => Response::json(200, &app.counters.snapshot()),
        (["fail"], "POST") => respond(json_body::<FaultRequest>(req).and_then(|request| {
            let fault = app.faults().add(request)?;
            Ok(Response::json(200, &serde_json::json!({ "success": true, "fault": fault })))
        })),
        (["fail"], "GET") => Response::json(200, &app.faults().list()),
        (["fail"], "DELETE") => {
            let cleared = app.faults().clear();
            Response::json(200, &serde_json::json!({ "success": true, "cleared": cleared }))
        }
        (["requests"], "GET") => {
            let since = match req.query_param("since").map(|s| s.parse::<u64>()) {
                None => 0,
                Some(Ok(n)) => n,
                Some(Err(_)) => {
                    return Failure::bad("invalid_request", "since must be a request id")
                        .into_response();
                }
            };
            Response::json(200, &app.journal().since(since))
        }
        (["fail"], _) => method_not_allowed("GET, POST, DELETE"),
        (["requests"], _) => method_not_allowed("GET"),
        (["outbox" | "stats"], _) => method_not_allowed("GET"),
        (["clock"], _) => method_not_allowed("GET, POST"),
        (["rotate-key"], _) => method_not_allowed("POST"),
        _ => not_found(app, req),
    }
}

fn clock(app: &App, advance: u64) -> Response {
    let mut state = app.lock();
    let offset = state.advance_clock(advance);
    Response::json(200, &serde_json::json!({ "now": state.now(), "offset": offset }))
}

/// `GET /`: where things are.
pub(crate) fn index(app: &App) -> Response {
    let base = &app.settings.base_url;
    Response::json(
        200,
        &serde_json::json!({
            "name": "cotter-emulator",
            "version": env!("CARGO_PKG_VERSION"),
            "api_base": format!("{base}/api/v0"),
            "hosted_page": format!("{base}/app"),
            "api_keys": app.settings.api_keys,
            "identity_public_key": app.lock().keys.identity_public(),
        }),
    )
}
