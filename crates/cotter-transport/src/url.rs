//! A strict, allocation-free splitter for the absolute `http(s)://` URLs a [`Request`]
//! carries, and the "HTTPS unless loopback" rule.
//!
//! It accepts less than RFC 3986 on purpose: no user info (`user@host`), no backslashes, no
//! percent-encoded or non-ASCII host names, no spaces or control characters anywhere, no IPv6
//! zone identifiers. What it accepts, every HTTP stack reads the same way, so the host that the
//! loopback check sees is the host the connection goes to.
//!
//! [`Request`]: crate::Request

mod ip;

use crate::ErrorKind;

/// The URL scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http`, default port 80.
    Http,
    /// `https`, default port 443.
    Https,
}

impl Scheme {
    /// The port used when the URL names none.
    #[must_use]
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// An absolute `http://` or `https://` URL split into the parts a transport needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Url<'a> {
    scheme: Scheme,
    authority: &'a str,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Url<'a> {
    /// Splits `url`. The scheme is case-insensitive; a fragment (`#…`) is dropped.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidUrl`] when the scheme is not `http`/`https`, the host is empty or not
    /// a plain name, IPv4 or bracketed IPv6 address, the port is not a number up to 65535, there
    /// is user info, or any character is a space, a control character, a backslash or non-ASCII.
    pub fn parse(url: &'a str) -> Result<Self, ErrorKind> {
        let invalid = ErrorKind::InvalidUrl;
        if !url.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\') {
            return Err(invalid);
        }
        // The first `:` must start `://` (a `&str` pattern would link a substring searcher).
        let (scheme, rest) = url.split_once(':').ok_or(invalid)?;
        let rest = rest.strip_prefix("//").ok_or(invalid)?;
        let scheme = if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else {
            return Err(invalid);
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        // Checked: `str::split_at` would link the char-boundary panic and its `Debug` tables.
        let (authority, target) = rest.split_at_checked(authority_end).ok_or(invalid)?;
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let (host, port) = split_authority(authority)?;
        Ok(Self { scheme, authority, host, port, path, query })
    }

    /// The scheme.
    #[must_use]
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]` exactly as written, e.g. `[::1]:8080`; this is what goes in `Host`.
    #[must_use]
    pub const fn authority(&self) -> &'a str {
        self.authority
    }

    /// The host without brackets: `example.com`, `127.0.0.1`, `::1`.
    #[must_use]
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// The port, if the URL names one.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, or the scheme's default.
    #[must_use]
    pub const fn port_or_default(&self) -> u16 {
        match self.port {
            Some(port) => port,
            None => self.scheme.default_port(),
        }
    }

    /// The path as written, possibly empty (a request line then uses `/`).
    #[must_use]
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The query without its `?`, if there is one.
    #[must_use]
    pub const fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// Whether the host is `localhost` (any case), an address in `127.0.0.0/8`, or `::1`.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host)
    }

    /// The transport security rule: `https` always passes; `http` only to a loopback host.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InsecureUrl`] for `http` to any other host.
    pub fn ensure_secure(&self) -> Result<(), ErrorKind> {
        match self.scheme {
            Scheme::Https => Ok(()),
            Scheme::Http if self.is_loopback() => Ok(()),
            Scheme::Http => Err(ErrorKind::InsecureUrl),
        }
    }
}

/// Whether `host` (brackets already removed) is `localhost`, in `127.0.0.0/8`, or `::1`.
#[must_use]
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || ip::ipv4(host.as_bytes()).is_some_and(|[first, ..]| first == 127)
        || ip::ipv6(host.as_bytes()) == Some([0, 0, 0, 0, 0, 0, 0, 1])
}

fn split_authority(authority: &str) -> Result<(&str, Option<u16>), ErrorKind> {
    let invalid = ErrorKind::InvalidUrl;
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(invalid)?;
        ip::ipv6(host.as_bytes()).ok_or(invalid)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(invalid)?),
        };
        (host, port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if host.is_empty() || !host.bytes().all(name_byte) {
            return Err(invalid);
        }
        (host, port)
    };
    let port = match port {
        None => None,
        Some(digits) => {
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(invalid);
            }
            let (port, _) = ip::number(digits.as_bytes(), 0, 10, 5, true).ok_or(invalid)?;
            Some(u16::try_from(port).map_err(|_| invalid)?)
        }
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parts() {
        let url = Url::parse("HTTPS://www.cotter.app:8443/api/v0/token/abc?x=1&y=2#frag").unwrap();
        assert_eq!(url.scheme(), Scheme::Https);
        assert_eq!(url.authority(), "www.cotter.app:8443");
        assert_eq!(url.host(), "www.cotter.app");
        assert_eq!(url.port(), Some(8443));
        assert_eq!(url.path(), "/api/v0/token/abc");
        assert_eq!(url.query(), Some("x=1&y=2"));

        let url = Url::parse("http://[::1]:80?q").unwrap();
        assert_eq!((url.host(), url.authority()), ("::1", "[::1]:80"));
        assert_eq!((url.path(), url.query()), ("", Some("q")));
        assert_eq!(Url::parse("https://h").unwrap().port_or_default(), 443);
        assert_eq!(Url::parse("http://h").unwrap().port_or_default(), 80);
    }

    #[test]
    fn rejects_ambiguous_urls() {
        for bad in [
            "",
            "www.cotter.app/api",
            "ftp://host/",
            "http://",
            "http:///path",
            "http://user@127.0.0.1/",
            "http://evil.example\\@127.0.0.1/",
            "http://127.0.0.1:/",
            "http://127.0.0.1:65536/",
            "http://127.0.0.1:+80/",
            "http://[::1/",
            "http://[::1]x/",
            "http://[fe80::1%25eth0]/",
            "http://exa mple.com/",
            "http://example.com/a b",
            "http://example.com/\r\nX: y",
            "http://ex%41mple.com/",
            "http://exämple.com/",
        ] {
            assert_eq!(Url::parse(bad), Err(ErrorKind::InvalidUrl), "{bad:?}");
        }
    }

    #[test]
    fn https_required_except_loopback() {
        for ok in [
            "https://www.cotter.app/",
            "http://127.0.0.1:1234/",
            "http://127.255.0.9/",
            "http://localhost/",
            "http://LocalHost:8080/",
            "http://[::1]:9/",
        ] {
            assert_eq!(Url::parse(ok).unwrap().ensure_secure(), Ok(()), "{ok}");
        }
        for insecure in [
            "http://example.invalid/",
            "http://128.0.0.1/",
            "http://127.0.0.1.nip.io/",
            "http://localhost.evil.example/",
            "http://[::2]/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://127.1/",
        ] {
            assert_eq!(
                Url::parse(insecure).unwrap().ensure_secure(),
                Err(ErrorKind::InsecureUrl),
                "{insecure}"
            );
        }
    }
}
