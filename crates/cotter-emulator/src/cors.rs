//! CORS for browser apps on another origin, and the refresh-token cookie Cotter set for its JS SDK.
//!
//! Allowed origins: any `http://localhost[:port]` or `http://127.0.0.1[:port]`, plus each
//! `--allowed-origin` exactly. For those, a preflight (`OPTIONS`) on an `/api/` path gets `204` with
//! the origin echoed, credentials allowed, the methods and the request headers Cotter's SDKs send;
//! actual `/api/` responses carry the same origin headers. Any other origin gets no CORS headers,
//! so the browser keeps the response from the page.

use crate::error::Error;
use crate::http::{Request, Response};
use std::borrow::Cow;
use std::string::String;
use std::vec::Vec;

/// Name of the refresh-token cookie.
pub(crate) const REFRESH_COOKIE: &str = "cotter_refresh_token";
/// The cookie's path: only the token endpoints see it.
const COOKIE_PATH: &str = "/api/v0/token";

/// What a preflight may ask for.
const ALLOW_HEADERS: &str = "API_KEY_ID, API_SECRET_KEY, Content-Type, Authorization";
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";

/// The origins allowed besides loopback `http`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origins {
    extra: Vec<String>,
}

/// Whether `origin` is `scheme://host[:port]` with nothing after it.
fn well_formed(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

impl Origins {
    /// Origins from `--allowed-origin`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when one is not `http[s]://host[:port]`.
    pub(crate) fn new(extra: &[String]) -> Result<Self, Error> {
        if extra.iter().any(|o| !well_formed(o)) {
            return Err(Error::InvalidConfig(
                "allowed origins must be http[s]://host[:port], without a path",
            ));
        }
        Ok(Self { extra: extra.to_vec() })
    }

    /// Whether a page at `origin` may read the API's responses.
    pub(crate) fn allows(&self, origin: &str) -> bool {
        if self.extra.iter().any(|o| o == origin) {
            return true;
        }
        let Some(rest) = origin.strip_prefix("http://") else { return false };
        let host = ["localhost", "127.0.0.1"].into_iter().find(|h| rest.starts_with(h));
        host.is_some_and(|h| {
            let port = &rest[h.len()..];
            port.is_empty()
                || port.strip_prefix(':').is_some_and(|p| {
                    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
                })
        })
    }

    /// The request's `Origin` when it is allowed.
    pub(crate) fn allowed<'r>(&self, req: &'r Request) -> Option<&'r str> {
        req.header("origin").filter(|o| self.allows(o))
    }

    /// The answer to a preflight `OPTIONS` request.
    pub(crate) fn preflight(&self, req: &Request) -> Response {
        let mut response = Response::json(204, &());
        response.body.clear();
        response = response.with_header("Allow", ALLOW_METHODS.into());
        if self.allowed(req).is_some() {
            response = response
                .with_header("Access-Control-Allow-Headers", ALLOW_HEADERS.into())
                .with_header("Access-Control-Allow-Methods", ALLOW_METHODS.into())
                .with_header("Access-Control-Max-Age", "600".into());
        }
        response
    }

    /// Adds the origin headers to a response when the request's origin is allowed.
    pub(crate) fn decorate(&self, req: &Request, mut response: Response) -> Response {
        if let Some(origin) = self.allowed(req) {
            let headers = [
                ("Access-Control-Allow-Origin", String::from(origin)),
                ("Access-Control-Allow-Credentials", String::from("true")),
                ("Vary", String::from("Origin")),
            ];
            for (name, value) in headers {
                response.headers.push((Cow::Borrowed(name), value));
            }
        }
        response
    }
}

/// The value of cookie `name` in the request's `Cookie` header fields.
pub(crate) fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for the refresh token (`Secure` over HTTPS).
pub(crate) fn set_refresh_cookie(response: Response, token: &str, https: bool) -> Response {
    let secure = if https { "; Secure" } else { "" };
    response.with_header(
        "Set-Cookie",
        format!("{REFRESH_COOKIE}={token}; HttpOnly; SameSite=Lax; Path={COOKIE_PATH}{secure}"),
    )
}

/// `Set-Cookie` that removes the refresh-token cookie.
pub(crate) fn clear_refresh_cookie(response: Response, https: bool) -> Response {
    let secure = if https { "; Secure" } else { "" };
    response.with_header(
        "Set-Cookie",
        format!(
            "{REFRESH_COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; \
             SameSite=Lax; Path={COOKIE_PATH}{secure}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::Origins;

    #[test]
    fn origins() {
        let origins = Origins::new(&["https://app.test:8443".into()]).expect("valid");
        for yes in [
            "http://localhost",
            "http://localhost:3000",
            "http://127.0.0.1:5173",
            "https://app.test:8443",
        ] {
            assert!(origins.allows(yes), "{yes}");
        }
        for no in [
            "http://localhost.evil.test",
            "http://localhost:",
            "http://127.0.0.1:3000/x",
            "https://localhost:3000",
            "http://127.0.0.10:3000",
            "https://app.test",
            "null",
            "",
        ] {
            assert!(!origins.allows(no), "{no}");
        }
        assert!(Origins::new(&["https://a.test/path".into()]).is_err());
        assert!(Origins::new(&["a.test".into()]).is_err());
    }
}
