//! Unit tests of the JSON reader.

use super::*;
use std::format;
use std::string::ToString;

fn members(text: &str) -> Result<usize, JsonError> {
    let mut n = 0;
    for_each_member(text, |_, _| {
        n += 1;
        Ok::<(), JsonError>(())
    })?;
    Ok(n)
}

#[test]
fn reads_members_of_all_types() {
    let text =
        r#" { "a" : "x" , "b":-1.5e3,"c":true,"d":false,"e":null,"f":{"g":[1,{"h":[]}]},"i":[] } "#;
    let mut seen = [false; 7];
    for_each_member(text, |k, v| {
        let i = match (k.raw(), v) {
            ("a", JsonValue::Str(s)) if s.eq_str("x") => 0,
            ("b", JsonValue::Number(n)) if n.raw() == "-1.5e3" => 1,
            ("c", JsonValue::Bool(true)) => 2,
            ("d", JsonValue::Bool(false)) => 3,
            ("e", JsonValue::Null) => 4,
            ("f", JsonValue::Object(r#"{"g":[1,{"h":[]}]}"#)) => 5,
            ("i", JsonValue::Array("[]")) => 6,
            other => panic!("unexpected {other:?}"),
        };
        seen[i] = true;
        Ok::<(), JsonError>(())
    })
    .expect("valid");
    assert!(seen.iter().all(|s| *s));
}

#[test]
fn rejects_malformed() {
    for (text, kind) in [
        ("", JsonErrorKind::UnexpectedEnd),
        ("[]", JsonErrorKind::NotAnObject),
        ("{", JsonErrorKind::UnexpectedEnd),
        (r#"{"a"}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":1,}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":01}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":1.}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":-}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":1e}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":tru}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":"\q"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\u12"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\udc00"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\ud800\u0041"}"#, JsonErrorKind::InvalidEscape),
        ("{\"a\":\"\n\"}", JsonErrorKind::ControlCharacter),
        (r#"{"a":1} {}"#, JsonErrorKind::TrailingCharacters),
        (r#"{"a":[1 2]}"#, JsonErrorKind::UnexpectedByte),
        (r#"{'a':1}"#, JsonErrorKind::UnexpectedByte),
    ] {
        assert_eq!(members(text).map_err(|e| e.kind), Err(kind), "{text}");
    }
}

#[test]
fn depth_limit() {
    let ok = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert_eq!(members(&ok), Ok(1));
    let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert_eq!(members(&deep).map_err(|e| e.kind), Err(JsonErrorKind::TooDeep));
    // Far deeper than the limit: no stack overflow, the same error.
    let very = format!(r#"{{"a":{}}}"#, "[".repeat(100_000));
    assert_eq!(members(&very).map_err(|e| e.kind), Err(JsonErrorKind::TooDeep));
}

#[test]
fn string_decoding() {
    let text = r#"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"}"#;
    for_each_member(text, |_, v| {
        let JsonValue::Str(s) = v else { panic!("string") };
        let want = "a\"b\\c/d\u{8}\u{c}\n\r\té😀";
        assert!(s.eq_str(want));
        assert!(!s.eq_str("a"));
        assert_eq!(s.decoded_len(), want.len());
        let mut buf = [0u8; 64];
        assert_eq!(s.unescape_into(&mut buf), Ok(want));
        assert_eq!(s.unescape_into(&mut buf[..3]), Err(BufferTooSmall));
        assert_eq!(s.as_str(), None);
        Ok::<(), JsonError>(())
    })
    .expect("valid");
}

#[test]
fn numeric_dates() {
    let n = |raw| JsonNumber { raw }.as_seconds();
    assert_eq!(n("1598132692"), Some(1_598_132_692));
    assert_eq!(n("1598132692.999"), Some(1_598_132_692));
    assert_eq!(n("-1.5"), Some(-2));
    assert_eq!(n("-1.0"), Some(-1));
    assert_eq!(n("0.5"), Some(0));
    assert_eq!(n("1e9"), None);
    assert_eq!(n("99999999999999999999"), None);
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use std::{format, string::String};

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = members(&s);
        }

        #[test]
        fn jsonish_text_never_panics(s in r#"[{}\[\]":,\\a-z0-9 .eE+\-u]{0,64}"#) {
            let _ = members(&s);
            let _ = for_each_element(&s, |_| Ok::<(), JsonError>(()));
        }

        #[test]
        fn strings_round_trip(s in "\\PC{0,40}") {
            // Escape every character as \uXXXX (surrogate pairs above the BMP).
            let mut escaped = String::new();
            for c in s.chars() {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    escaped.push_str(&format!("\\u{u:04x}"));
                }
            }
            let text = format!(r#"{{"k":"{escaped}"}}"#);
            for_each_member(&text, |_, v| {
                let JsonValue::Str(j) = v else { panic!("string") };
                assert_eq!(j.to_string(), s.clone());
                Ok::<(), JsonError>(())
            }).expect("valid");
        }
    }
}

/// The hand-written UTF-8 encoder agrees with `char::encode_utf8` on every scalar value.
#[test]
fn utf8_matches_core_for_every_char() {
    for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
        let mut ours = [0u8; 4];
        let n = super::utf8(c, &mut ours);
        let mut core_buf = [0u8; 4];
        assert_eq!(&ours[..n], c.encode_utf8(&mut core_buf).as_bytes(), "{c:?}");
    }
}
