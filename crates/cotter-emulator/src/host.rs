//! The `Host` check against DNS rebinding.
//!
//! A web page on `evil.example` can point its own name at 127.0.0.1 after loading (DNS rebinding) and then
//! read the emulator's responses, `/dev/outbox` with every OTP included, as same-origin. The browser still
//! sends `Host: evil.example[:PORT]`, so the emulator answers only requests whose `Host` names it:
//! `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` with the port it listens on, or a name configured
//! with `--allowed-host` ([`Config::with_allowed_host`](crate::Config::with_allowed_host)). Everything
//! else, a missing `Host` included, gets `421 Misdirected Request`.

use crate::error::Error;
use crate::http::Response;
use std::string::String;
use std::vec::Vec;

/// The names the emulator always answers to, with its listening port.
const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// `host[:port]`, the host lower-cased (an IPv6 literal keeps its brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    /// Parses `host[:port]` strictly: the host is a name or IPv4 address (ASCII letters, digits, `-`, `.`,
    /// `_`) or a bracketed IPv6 literal; the port is 1-5 digits below 65536. No user info, path, spaces
    /// or empty port, so what matches here is what a browser put there.
    fn parse(text: &str) -> Option<Self> {
        let (host, port) = if text.starts_with('[') {
            let (host, rest) = text.split_at(text.find(']')? + 1);
            let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'))?;
            if inner.is_empty()
                || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return None;
            }
            (host, if rest.is_empty() { None } else { Some(rest.strip_prefix(':')?) })
        } else {
            let (host, port) = match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            if host.is_empty()
                || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
            {
                return None;
            }
            (host, port)
        };
        let port = match port {
            None => None,
            Some(digits) => {
                if digits.is_empty()
                    || digits.len() > 5
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                Some(digits.parse().ok()?)
            }
        };
        Some(Self { host: host.to_ascii_lowercase(), port })
    }
}

/// Which `Host` values an emulator serves: its loopback names with its port, plus the allowed hosts.
#[derive(Debug, Clone)]
pub(crate) struct HostCheck {
    port: u16,
    allowed: Vec<Authority>,
}

impl HostCheck {
    /// Checks the configured allowed hosts (`name` or `name:port`); the port is set by [`HostCheck::bound_to`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when an allowed host is not a host name or IP literal with an optional port.
    pub(crate) fn new(allowed: &[String]) -> Result<Self, Error> {
        let allowed =
            allowed.iter().map(|text| Authority::parse(text)).collect::<Option<Vec<_>>>().ok_or(
                Error::InvalidConfig(
                    "allowed hosts must be host names or IP literals with an optional :port",
                ),
            )?;
        Ok(Self { port: 0, allowed })
    }

    /// The same check for a server listening on `port`.
    pub(crate) fn bound_to(self, port: u16) -> Self {
        Self { port, ..self }
    }

    /// Whether a request with this `Host` value (`None`: no `Host` field) is served. An allowed host
    /// configured without a port matches it with any port or none.
    pub(crate) fn allows(&self, host: Option<&str>) -> bool {
        let Some(authority) = host.and_then(Authority::parse) else {
            return false;
        };
        let loopback =
            authority.port == Some(self.port) && LOOPBACK.contains(&authority.host.as_str());
        loopback
            || self.allowed.iter().any(|allowed| {
                allowed.host == authority.host
                    && allowed.port.is_none_or(|p| authority.port == Some(p))
            })
    }

    /// The `421 Misdirected Request` for a `Host` this emulator does not answer to; the connection closes.
    pub(crate) fn refusal(&self) -> Response {
        let port = self.port;
        let mut response = Response::error(
            421,
            "misdirected_request",
            &format!(
                "the Host header must name this emulator (127.0.0.1:{port}, localhost:{port} or [::1]:{port}) \
                 or a host given with --allowed-host"
            ),
        );
        response.close = true;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::{Authority, HostCheck};

    fn check(allowed: &[&str]) -> HostCheck {
        let allowed: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        HostCheck::new(&allowed).expect("valid").bound_to(8080)
    }

    #[test]
    fn parses_authorities_strictly() {
        let parsed = Authority::parse("LocalHost:80").expect("valid");
        assert_eq!((parsed.host.as_str(), parsed.port), ("localhost", Some(80)));
        let parsed = Authority::parse("[::1]").expect("valid");
        assert_eq!((parsed.host.as_str(), parsed.port), ("[::1]", None));
        assert_eq!(Authority::parse("[::FFFF:127.0.0.1]:1").map(|a| a.port), Some(Some(1)));
        for bad in [
            "",
            ":80",
            "host:",
            "host:x",
            "host:65536",
            "host:123456",
            "host:+1",
            "a:1:2",
            "::1",
            "[::1",
            "[]",
            "[::1]x",
            "[::1]:",
            "[g::1]",
            "a b",
            "a/b",
            "user@host",
            "h\u{e9}",
            "host\t",
        ] {
            assert_eq!(Authority::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn loopback_names_need_the_listening_port() {
        let check = check(&[]);
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"] {
            assert!(check.allows(Some(ok)), "{ok}");
        }
        for refused in ["127.0.0.1", "localhost", "127.0.0.1:80", "[::1]", "evil.example:8080", ""]
        {
            assert!(!check.allows(Some(refused)), "{refused}");
        }
        assert!(!check.allows(None));
    }

    #[test]
    fn allowed_hosts_match_any_port_unless_they_name_one() {
        let check = check(&["dev.test", "box.test:9"]);
        for ok in ["dev.test", "DEV.test:1", "box.test:9", "localhost:8080"] {
            assert!(check.allows(Some(ok)), "{ok}");
        }
        for refused in ["box.test", "box.test:8080", "a.dev.test", "dev.test."] {
            assert!(!check.allows(Some(refused)), "{refused}");
        }
        assert!(HostCheck::new(&["a/b".to_owned()]).is_err());
        assert_eq!(check.refusal().status, 421);
        assert!(check.refusal().close);
    }
}
