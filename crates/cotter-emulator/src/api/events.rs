//! Events (`docs/protocol.md#events`) under `/api/v0/event`: approved sign-in, pending requests, polling,
//! responses.

use super::{api_key, json_body, method_not_allowed, not_found, respond};
use crate::app::App;
use crate::http::{Request, Response};
use crate::state::{EventBody, Failure};

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    let method = req.method.as_str();
    respond(match rest {
        ["create"] if method == "POST" => {
            with_body(app, req, |state, key, body| state.create_approved_event(key, body))
        }
        ["create_pending"] if method == "POST" => {
            with_body(app, req, |state, key, body| state.create_pending_event(key, body))
        }
        ["create" | "create_pending"] => Ok(method_not_allowed("POST")),
        ["get", id] if method == "GET" => (|| {
            let key = api_key(app, req)?;
            let event = app.lock().get_event(&key, parse_id(id)?)?;
            Ok(Response::json(200, &event))
        })(),
        ["new"] if method == "GET" => {
            let user = req.query_param("cotter_user_id").unwrap_or_default();
            newest(app, req, &user)
        }
        ["new", user] if method == "GET" => newest(app, req, user),
        ["get", _] | ["new"] | ["new", _] => Ok(method_not_allowed("GET")),
        ["respond", id] if method == "POST" => (|| {
            let id = parse_id(id)?;
            with_body(app, req, |state, key, body| state.respond_event(key, id, body))
        })(),
        ["respond", _] => Ok(method_not_allowed("POST")),
        _ => Ok(not_found(app, req)),
    })
}

fn parse_id(text: &str) -> Result<u64, Failure> {
    text.parse().map_err(|_| Failure::not_found("event not found"))
}

fn with_body(
    app: &App,
    req: &Request,
    action: impl FnOnce(
        &mut crate::state::State,
        &str,
        &EventBody,
    ) -> Result<crate::wire::EventJson, Failure>,
) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let body: EventBody = json_body(req)?;
    let event = action(&mut app.lock(), &key, &body)?;
    Ok(Response::json(200, &event))
}

/// The newest pending request, or JSON `null` when there is none.
fn newest(app: &App, req: &Request, user: &str) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let event = app.lock().newest_pending(&key, user)?;
    Ok(Response::json(200, &event))
}
