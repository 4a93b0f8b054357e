//! Percent-encoding, query strings and `application/x-www-form-urlencoded` bodies.
//!
//! Decoding is lenient the way browsers are (the WHATWG URL rule, which `percent-encoding` follows): a `%`
//! not followed by two hex digits stays literal and bytes that are not UTF-8 become U+FFFD. Nothing here can
//! fail or panic on any input.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::borrow::Cow;
use std::string::String;
use std::vec::Vec;

/// Every byte except RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Decodes `%XX` escapes; with `plus_as_space`, `+` becomes a space (query and form syntax).
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    // `+` is replaced before decoding, so that an escaped `%2B` still decodes to `+`.
    let text = if plus_as_space { Cow::Owned(text.replace('+', " ")) } else { Cow::Borrowed(text) };
    percent_decode_str(&text).decode_utf8_lossy().into_owned()
}

/// Encodes everything except RFC 3986 unreserved characters, with upper-case hex digits.
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
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
        assert_eq!(percent_decode("%2B+%2b", true), "+ +");
        assert_eq!(percent_decode("%é%41", false), "%éA");
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode("a b+c/é"), "a%20b%2Bc%2F%C3%A9");
    }

    proptest::proptest! {
        #[test]
        fn encoding_round_trips(text in ".*") {
            let encoded = percent_encode(&text);
            proptest::prop_assert_eq!(percent_decode(&encoded, true), text.clone());
            proptest::prop_assert_eq!(percent_decode(&encoded, false), text);
        }
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
