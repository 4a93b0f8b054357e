//! Request routing: the `Host` check, path → endpoint, request counting, and the guard that turns a
//! handler panic into a 500.

use crate::api::{self, method_not_allowed, not_found};
use crate::app::App;
use crate::faults::{Effect, Entry, FaultKind};
use crate::http::{Handler, Request, Response, Wire};
use crate::stats::Endpoint;
use crate::util::url::percent_decode;
use core::panic::AssertUnwindSafe;
use core::time::Duration;
use std::panic::catch_unwind;
use std::string::String;
use std::time::Instant;
use std::vec::Vec;

impl Handler for App {
    fn handle(&self, request: Request) -> Response {
        let started = Instant::now();
        let mut fault = None;
        let mut response = guard(|| route(self, &request, &mut fault));
        if request.path.starts_with("/api/") {
            response = self.settings.origins.decorate(&request, response);
        }
        // Polling the journal would fill it with itself.
        if request.path != "/dev/requests" {
            let status = match response.wire {
                Wire::Reset | Wire::Close => None,
                Wire::Normal | Wire::Truncate => Some(response.status),
            };
            self.record(Entry {
                id: 0,
                time: crate::util::time::rfc3339(self.lock().now()),
                method: request.method.clone(),
                path: request.path.clone(),
                status,
                latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                fault: fault.map(FaultKind::name),
                api_key: named_key(&request),
            });
        }
        if request.method != "GET" {
            self.persist_or_report();
        }
        response
    }

    fn rejected(&self, _status: u16) {
        self.counters.count_rejected();
    }
}

/// Runs `handler`; a panic becomes `500 {"msg":"internal error"}` and the connection is closed.
fn guard(handler: impl FnOnce() -> Response) -> Response {
    catch_unwind(AssertUnwindSafe(handler)).unwrap_or_else(|_| {
        let mut response = Response::error(500, "internal", "internal error");
        response.close = true;
        response
    })
}

/// What every `/dev/` response says in its `X-Development-Only` header.
const DEV_ONLY: &str = "cotter-emulator development control; never expose it";

/// Whether a request comes from no web page (no `Origin`) or from a page of the emulator itself
/// (its console): `scheme://host` whose host passes the `Host` check.
fn same_origin(app: &App, req: &Request) -> bool {
    let Some(origin) = req.header("origin") else { return true };
    let scheme = if app.settings.https() { "https://" } else { "http://" };
    origin.strip_prefix(scheme).is_some_and(|authority| app.settings.hosts.allows(Some(authority)))
}

/// The API key ID a request names: its `API_KEY_ID` header, else the `<key>` of `/api/v0/token/<key>`.
fn named_key(req: &Request) -> Option<String> {
    if let Some(key) = req.header("API_KEY_ID").filter(|k| !k.is_empty()) {
        return Some(key.into());
    }
    let key = req.path.strip_prefix("/api/v0/token/")?;
    (!key.is_empty() && key != "jwks" && !key.contains('/')).then(|| percent_decode(key, false))
}

/// Routes one request; `fault` is set to the kind of an injected fault applied to it.
fn route(app: &App, req: &Request, fault: &mut Option<FaultKind>) -> Response {
    // Before anything else, so that a DNS-rebinding page reaches no endpoint (see `host.rs`).
    if !app.settings.hosts.allows(req.header("host")) {
        app.counters.count_rejected();
        return app.settings.hosts.refusal();
    }
    let trimmed = if req.path.len() > 1 {
        req.path.strip_suffix('/').unwrap_or(&req.path)
    } else {
        &req.path
    };
    let owned: Vec<String> = trimmed.split('/').skip(1).map(|s| percent_decode(s, false)).collect();
    let segments: Vec<&str> = owned.iter().map(String::as_str).collect();
    // A preflight is the browser's, not the app's: never faulted, always answered.
    if req.method == "OPTIONS" && req.path.starts_with("/api/") {
        return app.settings.origins.preflight(req);
    }
    let mut truncate = None;
    if !req.path.starts_with("/dev/")
        && let Some((kind, effect)) = app.take_fault(&req.method, &req.path)
    {
        *fault = Some(kind);
        match effect {
            Effect::Answer(response) => {
                app.counters.count_rejected();
                return response;
            }
            Effect::Delay(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Effect::Truncate(status) => truncate = Some(status),
        }
    }
    let mut response = endpoint(app, req, &segments);
    if let Some(status) = truncate {
        response.status = status.unwrap_or(response.status);
        response.wire = Wire::Truncate;
    }
    response
}

fn endpoint(app: &App, req: &Request, segments: &[&str]) -> Response {
    let count = |endpoint| app.counters.count(endpoint);
    match segments {
        ["app", rest @ ..] => {
            count(Endpoint::App);
            api::hosted_page::route(app, req, rest)
        }
        ["signup", rest @ ..] => {
            count(Endpoint::App);
            api::signup::route(app, req, rest)
        }
        ["dev", rest @ ..] => {
            count(Endpoint::Dev);
            let response = if req.method == "GET" || same_origin(app, req) {
                api::dev::route(app, req, rest)
            } else {
                // A page elsewhere may post forms here (the browser sends them): refuse.
                Response::error(403, "forbidden", "/dev/ changes are refused from another origin")
            };
            response.with_header("X-Development-Only", DEV_ONLY.into())
        }
        ["api", "v0", "verify", "get_identity"] => {
            count(Endpoint::GetIdentity);
            if req.method != "POST" {
                return method_not_allowed("POST");
            }
            api::identity::get_identity(app, req)
        }
        ["api", "v0", "token", "jwks"] => {
            count(Endpoint::Jwks);
            if req.method != "GET" {
                return method_not_allowed("GET");
            }
            api::token::jwks(app)
        }
        ["api", "v0", "token", rest @ ..] if rest.len() <= 1 => {
            let path_key = rest.first().copied();
            match (req.method.as_str(), path_key) {
                ("POST", _) => {
                    count(Endpoint::Refresh);
                    api::token::refresh(app, req, path_key)
                }
                ("DELETE", Some(key)) => {
                    count(Endpoint::Revoke);
                    api::token::revoke(app, req, key)
                }
                _ => {
                    count(Endpoint::NotFound);
                    method_not_allowed(if path_key.is_some() { "POST, DELETE" } else { "POST" })
                }
            }
        }
        ["api", "v0", "user", rest @ ..] => {
            let is_device = matches!(rest, ["methods"] | ["enrolled", ..]) || req.method == "PUT";
            count(if is_device { Endpoint::Device } else { Endpoint::User });
            api::users::route(app, req, rest)
        }
        ["api", "v0", "event", rest @ ..] => {
            count(Endpoint::Event);
            api::events::route(app, req, rest)
        }
        [""] if req.method == "GET" => {
            count(Endpoint::Dev);
            api::dev::index(app)
        }
        _ => not_found(app, req),
    }
}

#[cfg(test)]
mod tests {
    use super::guard;
    use crate::http::Response;

    #[test]
    fn a_panicking_handler_becomes_a_500() {
        let response = guard(|| panic!("handler bug"));
        assert_eq!(response.status, 500);
        assert!(response.close);
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(body["type"], "internal");
        assert_eq!(guard(|| Response::error(418, "t", "m")).status, 418);
    }
}
