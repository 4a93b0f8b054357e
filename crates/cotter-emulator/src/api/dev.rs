//! Development controls under `/dev/`: the outbox, the clock, key rotation, request counts and
//! injected failures.

use super::{Failure, json_body, method_not_allowed, not_found, respond};
use crate::app::App;
use crate::faults::FaultRequest;
use crate::http::{Request, Response};
use crate::state::Snapshot;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct ClockBody {
    advance: u64,
}

#[derive(Debug, Deserialize)]
struct RespondBody {
    approved: bool,
}

fn success() -> Response {
    Response::json(200, &serde_json::json!({ "success": true }))
}

/// Session or event id from the path; 404 when it is not a number.
fn numeric(text: &str, what: &str) -> Result<u64, Failure> {
    text.parse().map_err(|_| Failure::not_found(format!("{what} not found")))
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
        (["users"], "GET") => Response::json(200, &app.lock().user_views()),
        (["sessions"], "GET") => Response::json(200, &app.lock().session_views()),
        (["devices"], "GET") => Response::json(200, &app.lock().device_views()),
        (["events"], "GET") => Response::json(200, &app.lock().event_views()),
        (["sessions", id, "revoke"], "POST") => respond(numeric(id, "session").and_then(|id| {
            if app.lock().revoke_session(id) {
                Ok(success())
            } else {
                Err(Failure::not_found("session not found"))
            }
        })),
        (["users", id], "DELETE") => {
            if app.lock().delete_user(id) {
                success()
            } else {
                Failure::not_found("user not found").into_response()
            }
        }
        (["events", id, "respond"], "POST") => respond(numeric(id, "event").and_then(|id| {
            let body: RespondBody = json_body(req)?;
            let event = app.lock().respond_as_device(id, body.approved)?;
            Ok(Response::json(200, &event))
        })),
        (["export"], "GET") => Response::json(200, &app.lock().snapshot()),
        (["import"], "POST") => respond(json_body::<Snapshot>(req).and_then(|snapshot| {
            let mut state = app.lock();
            state.restore(snapshot).map_err(|e| Failure::bad("invalid_state", e))?;
            state.reseed();
            Ok(success())
        })),
        (["export"], _) => method_not_allowed("GET"),
        (["import"], _) => method_not_allowed("POST"),
        (["reset"], "POST") => {
            app.lock().reset();
            app.faults().clear();
            success()
        }
        (["users" | "sessions" | "devices" | "events"], _) => method_not_allowed("GET"),
        (["sessions", _, "revoke"] | ["events", _, "respond"] | ["reset"], _) => {
            method_not_allowed("POST")
        }
        (["users", _], _) => method_not_allowed("DELETE"),
        (["ui", rest @ ..], _) => super::console::route(app, req, rest),
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
