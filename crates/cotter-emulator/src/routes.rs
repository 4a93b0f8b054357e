//! Request routing: the `Host` check, path → endpoint, request counting, and the guard that turns a
//! handler panic into a 500.

use crate::api::{self, method_not_allowed, not_found};
use crate::app::App;
use crate::http::{Handler, Request, Response};
use crate::stats::Endpoint;
use crate::util::url::percent_decode;
use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;
use std::string::String;
use std::vec::Vec;

impl Handler for App {
    fn handle(&self, request: Request) -> Response {
        guard(|| route(self, &request))
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

fn route(app: &App, req: &Request) -> Response {
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
    let count = |endpoint| app.counters.count(endpoint);
    if !req.path.starts_with("/dev/")
        && let Some(injected) = app.take_fault(&req.path)
    {
        app.counters.count_rejected();
        return injected;
    }
    match segments.as_slice() {
        ["app", rest @ ..] => {
            count(Endpoint::App);
            api::hosted_page::route(app, req, rest)
        }
        ["dev", rest @ ..] => {
            count(Endpoint::Dev);
            api::dev::route(app, req, rest)
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
