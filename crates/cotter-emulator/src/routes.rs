//! Request routing: the `Host` check, path → endpoint, request counting, and the guard that turns a
//! handler panic into a 500.

use crate::api;
use crate::http::{Handler, Request, Response};
use crate::state::{Settings, State};
use crate::stats::{Counters, Endpoint};
use crate::util::url::percent_decode;
use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

/// The emulator as the HTTP server sees it.
pub(crate) struct App {
    pub(crate) settings: Arc<Settings>,
    state: Mutex<State>,
    pub(crate) counters: Counters,
    /// Failures to inject (`POST /dev/fail`), for testing clients' error paths.
    faults: Mutex<Vec<Fault>>,
}

/// The next `count` requests whose path starts with `prefix` get `status` with a JSON error
/// that does not say "not valid" (a transient failure, not a rejected grant).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Fault {
    pub(crate) prefix: String,
    pub(crate) status: u16,
    pub(crate) count: u32,
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl App {
    pub(crate) fn new(settings: Arc<Settings>, state: State) -> Self {
        Self {
            settings,
            state: Mutex::new(state),
            counters: Counters::default(),
            faults: Mutex::new(Vec::new()),
        }
    }

    /// Queues an injected failure.
    pub(crate) fn inject(&self, fault: Fault) {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).push(fault);
    }

    /// The injected failure for `path`, if one is due (and counts it down).
    fn take_fault(&self, path: &str) -> Option<Response> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let fault = faults.iter_mut().find(|f| f.count > 0 && path.starts_with(&f.prefix))?;
        fault.count -= 1;
        let status = fault.status;
        faults.retain(|f| f.count > 0);
        Some(Response::error(status, "injected_failure", "injected failure (POST /dev/fail)"))
    }

    /// Locks the state. A panic while it was held does not lock everybody out: the state stays usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Handler for App {
    fn handle(&self, request: Request) -> Response {
        guard(|| route(self, &request))
    }

    fn rejected(&self, _status: u16) {
        self.counters.count_rejected();
    }
}

/// Runs `handler`; a panic becomes `500 {"msg":"internal error"}` and the connection is closed.
pub(crate) fn guard(handler: impl FnOnce() -> Response) -> Response {
    catch_unwind(AssertUnwindSafe(handler)).unwrap_or_else(|_| {
        let mut response = Response::error(500, "internal", "internal error");
        response.close = true;
        response
    })
}

/// `405` naming the allowed methods.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response {
    Response::error(405, "method_not_allowed", &format!("method not allowed; use {allow}"))
        .with_header("Allow", allow.into())
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
            api::app::route(app, req, rest)
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

/// `404` JSON for an unknown path.
pub(crate) fn not_found(app: &App, req: &Request) -> Response {
    app.counters.count(Endpoint::NotFound);
    Response::error(404, "not_found", &format!("no such endpoint: {} {}", req.method, req.path))
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

    #[test]
    fn a_poisoned_lock_stays_usable() {
        let app = std::sync::Arc::new(crate::emulator::test_app());
        let clone = std::sync::Arc::clone(&app);
        let joined = std::thread::spawn(move || {
            let _held = clone.lock();
            panic!("poison the state lock");
        })
        .join();
        assert!(joined.is_err());
        assert!(app.lock().now() > 0);
    }
}
