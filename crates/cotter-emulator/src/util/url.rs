//! Percent-encoding, query strings and `application/x-www-form-urlencoded` bodies.
//!
//! Decoding is lenient the way browsers are: a `%` not followed by two hex digits stays literal and bytes
//! that are not UTF-8 become U+FFFD. Nothing here can fail or panic on any input.

use std::string::String;
use std::vec::Vec;

/// Decodes `%XX` escapes; with `plus_as_space`, `+` becomes a space (query and form syntax).
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => match (
                bytes.get(i + 1).and_then(|h| hex(*h)),
                bytes.get(i + 2).and_then(|l| hex(*l)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Encodes everything except RFC 3986 unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits `a=1&b=2` into decoded pairs (a key without `=` gets an empty value; empty pieces are skipped).
pub(crate) fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// Appends `pairs` to the query of `url`, keeping any `#fragment` at the end.
pub(crate) fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.find('#') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let mut out = String::from(base);
    let mut separator = if base.contains('?') {
        if base.ends_with('?') || base.ends_with('&') { "" } else { "&" }
    } else {
        "?"
    };
    for (key, value) in pairs {
        out.push_str(separator);
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
        separator = "&";
    }
    out.push_str(fragment);
    out
}

/// Whether `url` is an `http://` URL on a loopback host (`localhost`, `127.0.0.1`, `[::1]`), any port.
pub(crate) fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (host, port) = if let Some(v6) = authority.strip_prefix("[::1]") {
        ("[::1]", v6)
    } else {
        match authority.find(':') {
            Some(at) => authority.split_at(at),
            None => (authority, ""),
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    let host_ok = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]";
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%ff", true), "\u{fffd}");
    }

    #[test]
    fn pairs() {
        let pairs = parse_pairs("a=1&&b&c=x%3Dy&=z");
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), String::new()),
                ("c".into(), "x=y".into()),
                (String::new(), "z".into())
            ]
        );
    }

    #[test]
    fn append_keeps_existing_query_and_fragment() {
        assert_eq!(
            append_query("http://localhost:1/cb", &[("code", "a b")]),
            "http://localhost:1/cb?code=a%20b"
        );
        assert_eq!(
            append_query("cotter://auth?x=1#f", &[("a", "1"), ("b", "2")]),
            "cotter://auth?x=1&a=1&b=2#f"
        );
        assert_eq!(append_query("http://h/?", &[("a", "&")]), "http://h/?a=%26");
    }

    #[test]
    fn loopback_detection() {
        for ok in [
            "http://localhost",
            "http://localhost:8080/cb?x",
            "http://127.0.0.1:1",
            "http://[::1]:9/",
        ] {
            assert!(is_loopback_http(ok), "{ok}");
        }
        for bad in [
            "https://localhost",
            "http://localhost.evil.com",
            "http://127.0.0.1@evil.com",
            "http://evil.com/http://localhost",
            "http://localhost:",
            "http://localhost:80x",
            "cotter://auth",
        ] {
            assert!(!is_loopback_http(bad), "{bad}");
        }
    }
}
